//! Certificate credentials: the host loads the app's certificate and private key, checks them
//! before any request, and signs the RFC 7523 client assertion the token endpoint expects. The
//! private key never leaves this module (and never enters a plugin).

use crate::credentials::Secret;
use base64::Engine as _;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// How long an assertion is valid (identity platforms accept up to 10 minutes).
const ASSERTION_LIFETIME_SECS: u64 = 300;

/// The signature algorithm of the client assertion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signing {
    /// RSASSA-PSS with SHA-256.
    Ps256,
    /// RSASSA-PKCS1-v1_5 with SHA-256, what many identity libraries send.
    Rs256,
}

impl Signing {
    /// Parses `PS256` or `RS256`.
    pub fn parse(text: &str) -> Option<Signing> {
        match text {
            "PS256" => Some(Signing::Ps256),
            "RS256" => Some(Signing::Rs256),
            _ => None,
        }
    }
}

/// A client certificate with its private key, checked and ready to sign.
#[derive(Clone)]
pub struct ClientCertificate {
    key_pem: Secret,
    /// The certificate's DER encoding.
    pub der: Vec<u8>,
    /// Subject, for messages.
    pub subject: String,
    /// Expiry as seconds since the Unix epoch.
    pub not_after: i64,
    /// SHA-1 thumbprint, base64url (the `x5t` header).
    pub x5t: String,
    /// SHA-256 thumbprint, base64url (the `x5t#S256` header).
    pub x5t_s256: String,
    /// The signature algorithm.
    pub signing: Signing,
}

impl std::fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCertificate")
            .field("subject", &self.subject)
            .field("x5t", &self.x5t)
            .field("key", &"[redacted]")
            .finish()
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl ClientCertificate {
    /// Loads a PEM file holding the certificate and its private key.
    pub fn load(path: &Path, signing: Signing) -> Result<ClientCertificate, String> {
        let text =
            crate::files::read_text_capped(path, crate::files::MAX_CERTIFICATE).map_err(|e| {
                format!(
                    "the certificate file {} cannot be read: {e}",
                    path.display()
                )
            })?;
        ClientCertificate::from_pem(&text, signing).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses PEM text holding a `CERTIFICATE` and a `PRIVATE KEY` or `RSA PRIVATE KEY`, and
    /// checks that the key is RSA, matches the certificate, and that the certificate is valid now.
    pub fn from_pem(text: &str, signing: Signing) -> Result<ClientCertificate, String> {
        let blocks = pem::parse_many(text).map_err(|e| format!("not a PEM file: {e}"))?;
        let cert = blocks.iter().find(|b| b.tag() == "CERTIFICATE").ok_or(
            "no CERTIFICATE block; the file must hold the certificate and its private key (cat cert.pem key.pem > app.pem)",
        )?;
        let key = blocks
            .iter()
            .find(|b| b.tag().ends_with("PRIVATE KEY"))
            .ok_or("no PRIVATE KEY block; the file must hold the certificate and its private key (cat cert.pem key.pem > app.pem)")?;
        let key_pair = match key.tag() {
            "PRIVATE KEY" => ring::signature::RsaKeyPair::from_pkcs8(key.contents()),
            "RSA PRIVATE KEY" => ring::signature::RsaKeyPair::from_der(key.contents()),
            other => {
                return Err(format!(
                    "the key is a {other}; only RSA keys are supported for app certificates (create one with `itam init --generate-certificate` or openssl req -newkey rsa:2048)"
                ));
            }
        }
        .map_err(|e| format!("the private key is not a usable RSA key ({e}); only RSA keys of 2048 bits or more are supported"))?;

        let (_, parsed) = x509_parser::parse_x509_certificate(cert.contents())
            .map_err(|e| format!("the certificate cannot be parsed: {e}"))?;
        let spki_key = parsed
            .tbs_certificate
            .subject_pki
            .subject_public_key
            .data
            .as_ref();
        if ring::signature::KeyPair::public_key(&key_pair).as_ref() != spki_key {
            return Err("the private key does not belong to the certificate; put the matching key in the file".into());
        }
        let validity = parsed.validity();
        let (not_before, not_after) = (
            validity.not_before.timestamp(),
            validity.not_after.timestamp(),
        );
        let subject = parsed.subject().to_string();
        if now() < not_before {
            return Err(format!(
                "the certificate ({subject}) is not valid before {}",
                validity.not_before
            ));
        }
        if now() > not_after {
            return Err(format!(
                "the certificate ({subject}) expired on {}; create a new one, upload it to the app registration and update the file",
                validity.not_after
            ));
        }
        let der = cert.contents().to_vec();
        Ok(ClientCertificate {
            key_pem: Secret::new(pem::encode(key)),
            x5t: b64url(&Sha1::digest(&der)),
            x5t_s256: b64url(&Sha256::digest(&der)),
            der,
            subject,
            not_after,
            signing,
        })
    }

    /// Whole days until the certificate expires.
    pub fn days_left(&self) -> i64 {
        (self.not_after - now()) / 86_400
    }

    /// A signed client assertion for `client_id` at `token_url` (RFC 7523), with a fresh `jti`.
    pub fn assertion(&self, client_id: &str, token_url: &str) -> Result<Secret, String> {
        let algorithm = match self.signing {
            Signing::Ps256 => jsonwebtoken::Algorithm::PS256,
            Signing::Rs256 => jsonwebtoken::Algorithm::RS256,
        };
        let mut header = jsonwebtoken::Header::new(algorithm);
        header.x5t = Some(self.x5t.clone());
        header.x5t_s256 = Some(self.x5t_s256.clone());
        let issued = now() as u64;
        let claims = serde_json::json!({
            "aud": token_url,
            "iss": client_id,
            "sub": client_id,
            "jti": uuid_v4(),
            "nbf": issued,
            "iat": issued,
            "exp": issued + ASSERTION_LIFETIME_SECS,
        });
        let key = jsonwebtoken::EncodingKey::from_rsa_pem(self.key_pem.expose().as_bytes())
            .map_err(|e| format!("the private key cannot sign: {e}"))?;
        jsonwebtoken::encode(&header, &claims, &key)
            .map(Secret::new)
            .map_err(|e| format!("signing the client assertion failed: {e}"))
    }
}

/// A random version-4 UUID from the operating system's generator.
fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut b)
        .expect("the OS provides randomness");
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use itam_test_support::certs::{TestCertificate, ec_key_pem};

    fn decode(part: &str) -> serde_json::Value {
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(part)
                .unwrap(),
        )
        .unwrap()
    }

    #[test]
    fn loads_checks_and_signs_an_rfc7523_assertion() {
        let t = TestCertificate::new(-1, 30);
        let cert = ClientCertificate::from_pem(&t.combined_pem(), Signing::Ps256).unwrap();
        assert!(
            (28..=30).contains(&cert.days_left()),
            "{}",
            cert.days_left()
        );
        assert!(!format!("{cert:?}").contains("PRIVATE"));
        let jwt = cert
            .assertion("client-1", "https://login.example/t/oauth2/v2.0/token")
            .unwrap();
        let parts: Vec<&str> = jwt.expose().split('.').collect();
        let (header, claims) = (decode(parts[0]), decode(parts[1]));
        assert_eq!(header["alg"], "PS256");
        assert_eq!(header["x5t#S256"], cert.x5t_s256.as_str());
        assert_eq!(header["x5t"], cert.x5t.as_str());
        assert_eq!(claims["aud"], "https://login.example/t/oauth2/v2.0/token");
        assert_eq!(
            (claims["iss"].as_str(), claims["sub"].as_str()),
            (Some("client-1"), Some("client-1"))
        );
        let lifetime = claims["exp"].as_i64().unwrap() - claims["nbf"].as_i64().unwrap();
        assert!(lifetime > 0 && lifetime <= 600);
        let again = cert
            .assertion("client-1", "https://login.example/t/oauth2/v2.0/token")
            .unwrap();
        assert_ne!(
            decode(again.expose().split('.').nth(1).unwrap())["jti"],
            claims["jti"],
            "a fresh jti each time"
        );
        assert!(
            t.verify(jwt.expose(), "PS256"),
            "the signature verifies with the certificate"
        );
    }

    #[test]
    fn bad_certificates_are_refused_before_any_request() {
        let expired = TestCertificate::new(-30, -1);
        let e = ClientCertificate::from_pem(&expired.combined_pem(), Signing::Ps256).unwrap_err();
        assert!(e.contains("expired"), "{e}");
        let future = TestCertificate::new(2, 30);
        let e = ClientCertificate::from_pem(&future.combined_pem(), Signing::Rs256).unwrap_err();
        assert!(e.contains("not valid before"), "{e}");
        let other = TestCertificate::new(-1, 30);
        let mismatched = format!("{}{}", TestCertificate::new(-1, 30).cert_pem, other.key_pem);
        let e = ClientCertificate::from_pem(&mismatched, Signing::Ps256).unwrap_err();
        assert!(e.contains("does not belong"), "{e}");
        let e = ClientCertificate::from_pem(
            &format!("{}{}", other.cert_pem, ec_key_pem()),
            Signing::Ps256,
        )
        .unwrap_err();
        assert!(e.contains("only RSA"), "{e}");
        let e = ClientCertificate::from_pem(&other.cert_pem, Signing::Ps256).unwrap_err();
        assert!(e.contains("no PRIVATE KEY"), "{e}");
    }
}
