//! Service-account credentials (a Google service account's JSON key file): the host loads and
//! checks the key, and signs the JWT-bearer assertion (RFC 7523 section 2.1) that it exchanges
//! for a token. The private key never leaves this module (and never enters a plugin).

use crate::contract::types::JwtBearerGrant;
use crate::credentials::Secret;
use serde::Deserialize;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// How long an assertion is valid; token endpoints refuse more than an hour.
const ASSERTION_LIFETIME_SECS: u64 = 3600;

/// A service account's key, checked and ready to sign.
#[derive(Clone)]
pub struct ServiceAccountKey {
    /// The service account's e-mail address: the assertion's issuer.
    pub client_email: String,
    /// The service account's numeric client ID, which domain-wide delegation is granted to.
    pub client_id: String,
    /// The key's ID: the assertion's `kid`.
    pub private_key_id: String,
    /// The project the service account belongs to, for messages.
    pub project_id: Option<String>,
    key_pem: Secret,
}

impl std::fmt::Debug for ServiceAccountKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAccountKey")
            .field("client_email", &self.client_email)
            .field("private_key_id", &self.private_key_id)
            .field("key", &"[redacted]")
            .finish()
    }
}

/// The fields of a JSON key file that are used.
#[derive(Deserialize)]
struct KeyFile {
    #[serde(rename = "type")]
    kind: Option<String>,
    client_email: Option<String>,
    client_id: Option<String>,
    private_key_id: Option<String>,
    private_key: Option<String>,
    project_id: Option<String>,
}

impl ServiceAccountKey {
    /// Loads a service account's JSON key file.
    pub fn load(path: &Path) -> Result<ServiceAccountKey, String> {
        let text =
            crate::files::read_text_capped(path, crate::files::MAX_CERTIFICATE).map_err(|e| {
                format!(
                    "the service account key file {} cannot be read: {e}",
                    path.display()
                )
            })?;
        ServiceAccountKey::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses a JSON key file and checks that it is a service account's key with a usable RSA
    /// private key. Errors never quote the file.
    pub fn from_json(text: &str) -> Result<ServiceAccountKey, String> {
        let file: KeyFile = serde_json::from_str(text).map_err(|e| {
            format!(
                "not a JSON key file (at line {}, column {}); download the service account's key as JSON (Google Cloud console → IAM & Admin → Service accounts → Keys → Add key → JSON)",
                e.line(),
                e.column()
            )
        })?;
        match file.kind.as_deref() {
            Some("service_account") => {}
            Some(other) => {
                return Err(format!(
                    "the key file is of type `{other}`, not `service_account`; create a key for a service account, not OAuth client credentials or a user's credentials"
                ));
            }
            None => {
                return Err(
                    "the key file has no `type`; it is not a service account's JSON key file"
                        .into(),
                );
            }
        }
        let field = |value: Option<String>, name: &str| {
            value
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| format!("the key file has no `{name}`; download a fresh JSON key"))
        };
        let client_email = field(file.client_email, "client_email")?;
        let client_id = field(file.client_id, "client_id")?;
        let private_key_id = field(file.private_key_id, "private_key_id")?;
        let key_pem = field(file.private_key, "private_key")?;
        let block = pem::parse(key_pem.as_bytes()).map_err(|_| {
            "the key file's `private_key` is not a PEM private key; download a fresh JSON key"
                .to_string()
        })?;
        let usable = match block.tag() {
            "PRIVATE KEY" => ring::signature::RsaKeyPair::from_pkcs8(block.contents()).is_ok(),
            "RSA PRIVATE KEY" => ring::signature::RsaKeyPair::from_der(block.contents()).is_ok(),
            _ => false,
        };
        if !usable {
            return Err("the key file's `private_key` is not an RSA private key of 2048 bits or more; download a fresh JSON key".into());
        }
        Ok(ServiceAccountKey {
            client_email,
            client_id,
            private_key_id,
            project_id: file.project_id,
            key_pem: Secret::new(key_pem),
        })
    }

    /// A signed assertion for `grant`: RS256 with the key's ID as `kid`; the service account
    /// as `iss`, the grant's subject as `sub`, its scopes as `scope`, its token URL as `aud`,
    /// issued now and expiring an hour later.
    pub fn assertion(&self, grant: &JwtBearerGrant) -> Result<Secret, String> {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = Some(self.private_key_id.clone());
        let issued = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let mut claims = serde_json::json!({
            "iss": self.client_email,
            "scope": grant.scopes.join(" "),
            "aud": grant.token_url,
            "iat": issued,
            "exp": issued + ASSERTION_LIFETIME_SECS,
        });
        if let Some(subject) = &grant.subject {
            claims["sub"] = serde_json::Value::from(subject.as_str());
        }
        let key = jsonwebtoken::EncodingKey::from_rsa_pem(self.key_pem.expose().as_bytes())
            .map_err(|e| format!("the service account's private key cannot sign: {e}"))?;
        jsonwebtoken::encode(&header, &claims, &key)
            .map(Secret::new)
            .map_err(|e| format!("signing the assertion failed: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use rsa::pkcs1::EncodeRsaPublicKey;
    use rsa::pkcs8::{EncodePrivateKey, LineEnding};

    fn decode(part: &str) -> serde_json::Value {
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(part)
                .unwrap(),
        )
        .unwrap()
    }

    fn key_file(private: &rsa::RsaPrivateKey) -> String {
        serde_json::json!({
            "type": "service_account",
            "project_id": "acme-itam",
            "private_key_id": "0123456789abcdef0123456789abcdef01234567",
            "private_key": private.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
            "client_email": "itam@acme-itam.iam.gserviceaccount.com",
            "client_id": "112233445566778899001",
            "token_uri": "https://oauth2.googleapis.com/token",
        })
        .to_string()
    }

    #[test]
    fn signs_an_rs256_jwt_bearer_assertion_with_the_key_file() {
        let private = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 2048).unwrap();
        let key = ServiceAccountKey::from_json(&key_file(&private)).unwrap();
        assert!(!format!("{key:?}").contains("PRIVATE"));
        let grant = JwtBearerGrant {
            token_url: "https://oauth2.googleapis.com/token".into(),
            scopes: vec!["scope.a".into(), "scope.b".into()],
            subject: Some("admin@acme.example".into()),
            resource_hosts: Vec::new(),
        };
        let jwt = key.assertion(&grant).unwrap();
        let parts: Vec<&str> = jwt.expose().split('.').collect();
        let (header, claims) = (decode(parts[0]), decode(parts[1]));
        assert_eq!(header["alg"], "RS256");
        assert_eq!(header["kid"], "0123456789abcdef0123456789abcdef01234567");
        assert_eq!(claims["iss"], "itam@acme-itam.iam.gserviceaccount.com");
        assert_eq!(claims["sub"], "admin@acme.example");
        assert_eq!(claims["scope"], "scope.a scope.b");
        assert_eq!(claims["aud"], "https://oauth2.googleapis.com/token");
        let lifetime = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
        assert!(lifetime > 0 && lifetime <= 3600, "{lifetime}");
        let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[2])
            .unwrap();
        let public = private.to_public_key().to_pkcs1_der().unwrap();
        ring::signature::UnparsedPublicKey::new(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            public.as_bytes(),
        )
        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
        .expect("the signature verifies with the service account's public key");
        let no_subject = JwtBearerGrant {
            subject: None,
            ..grant
        };
        let jwt = key.assertion(&no_subject).unwrap();
        assert!(
            decode(jwt.expose().split('.').nth(1).unwrap())
                .get("sub")
                .is_none()
        );
    }

    #[test]
    fn files_that_are_not_service_account_keys_are_refused_with_the_fix() {
        let e = ServiceAccountKey::from_json("not json").unwrap_err();
        assert!(
            e.contains("not a JSON key file") && e.contains("Add key"),
            "{e}"
        );
        let e = ServiceAccountKey::from_json(r#"{"type": "authorized_user"}"#).unwrap_err();
        assert!(
            e.contains("`authorized_user`, not `service_account`"),
            "{e}"
        );
        let e =
            ServiceAccountKey::from_json(r#"{"type": "service_account", "client_email": "a@b"}"#)
                .unwrap_err();
        assert!(e.contains("no `client_id`"), "{e}");
        let broken = serde_json::json!({
            "type": "service_account", "client_email": "a@b", "client_id": "1",
            "private_key_id": "k", "private_key": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        });
        let e = ServiceAccountKey::from_json(&broken.to_string()).unwrap_err();
        assert!(e.contains("not an RSA private key"), "{e}");
        assert!(!e.contains("AAAA"));
    }
}
