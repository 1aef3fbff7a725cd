//! Reading and checking a JWT-bearer assertion (RFC 7523 §2.1) signed with RS256.

use base64::Engine as _;
use serde_json::Value;

/// A decoded assertion.
pub(crate) struct Assertion {
    /// The JOSE header.
    pub header: Value,
    /// The claims.
    pub claims: Value,
    /// `header.claims`, the bytes the signature covers.
    signed: String,
    /// The signature.
    signature: Vec<u8>,
}

/// Decodes `jwt`; `None` when it is not three base64url parts of which the first two are JSON
/// objects.
pub(crate) fn decode(jwt: &str) -> Option<Assertion> {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut parts = jwt.trim().split('.');
    let (h, c, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let json = |p: &str| {
        b64.decode(p.trim_end_matches('='))
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .filter(Value::is_object)
    };
    Some(Assertion {
        header: json(h)?,
        claims: json(c)?,
        signed: format!("{h}.{c}"),
        signature: b64.decode(s.trim_end_matches('=')).ok()?,
    })
}

impl Assertion {
    /// Whether the signature is a valid RS256 signature by the RSA public key `public_der`
    /// (a DER `RSAPublicKey`).
    pub(crate) fn verifies_with(&self, public_der: &[u8]) -> bool {
        ring::signature::UnparsedPublicKey::new(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            public_der,
        )
        .verify(self.signed.as_bytes(), &self.signature)
        .is_ok()
    }

    /// A string claim.
    pub(crate) fn claim(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }

    /// A numeric claim (seconds), integer or not.
    pub(crate) fn time(&self, name: &str) -> Option<i64> {
        let v = self.claims.get(name)?;
        v.as_i64().or_else(|| v.as_f64().map(|f| f as i64))
    }
}
