//! The customer's service account: its RSA key pair (2048-bit, derived from the seed) and the
//! JSON key file Google's console downloads for it.

use base64::Engine as _;
use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use sha2::Digest as _;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Google's token endpoint, written into the key file as `token_uri`.
pub const GOOGLE_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";

/// A service account with a key.
#[derive(Clone)]
pub struct ServiceAccount {
    /// The Cloud project's ID, e.g. `acme-itam-482113`.
    pub project_id: String,
    /// The Cloud project's number (named in `accessNotConfigured` errors).
    pub project_number: String,
    /// `name@project.iam.gserviceaccount.com`.
    pub client_email: String,
    /// The numeric OAuth client ID (21 digits) that domain-wide delegation is granted to.
    pub client_id: String,
    /// The key's ID (40 hex digits), sent as the JWT header's `kid`.
    pub private_key_id: String,
    /// The private key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    pub private_key_pem: String,
    key: Arc<ring::signature::RsaKeyPair>,
}

impl std::fmt::Debug for ServiceAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAccount")
            .field("client_email", &self.client_email)
            .field("client_id", &self.client_id)
            .field("private_key_id", &self.private_key_id)
            .finish_non_exhaustive()
    }
}

/// A generated key: PKCS#8 PEM, and the parsed pair.
struct Key {
    pem: String,
    pair: Arc<ring::signature::RsaKeyPair>,
}

/// Where one seed's key is made once.
type KeySlot = Arc<OnceLock<Arc<Key>>>;

/// Key generation takes a moment, so each seed's key is made once per process.
fn key_for(seed: u64) -> Arc<Key> {
    static KEYS: OnceLock<Mutex<HashMap<u64, KeySlot>>> = OnceLock::new();
    let slot = KEYS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap()
        .entry(seed)
        .or_default()
        .clone();
    slot.get_or_init(|| {
        use rand_chacha_03::rand_core::SeedableRng;
        let mut rng = rand_chacha_03::ChaCha20Rng::seed_from_u64(seed ^ 0x6b65_795f_7061_6972);
        let private = rsa::RsaPrivateKey::new(&mut rng, 2048).expect("RSA key generation");
        let der = private.to_pkcs8_der().expect("PKCS#8 encoding");
        let pem = private
            .to_pkcs8_pem(LineEnding::LF)
            .expect("PKCS#8 PEM encoding")
            .to_string();
        let pair = ring::signature::RsaKeyPair::from_pkcs8(der.as_bytes())
            .expect("ring reads the generated key");
        Arc::new(Key {
            pem,
            pair: Arc::new(pair),
        })
    })
    .clone()
}

impl ServiceAccount {
    /// The service account of project `project_id` (number `project_number`), named `name`,
    /// with client ID `client_id` and the key pair derived from `seed`.
    pub fn new(
        name: &str,
        project_id: &str,
        project_number: &str,
        client_id: &str,
        seed: u64,
    ) -> ServiceAccount {
        let key = key_for(seed);
        let digest = sha2::Sha256::digest(key.pair.public().as_ref());
        let private_key_id = digest[..20].iter().map(|b| format!("{b:02x}")).collect();
        ServiceAccount {
            project_id: project_id.into(),
            project_number: project_number.into(),
            client_email: format!("{name}@{project_id}.iam.gserviceaccount.com"),
            client_id: client_id.into(),
            private_key_id,
            private_key_pem: key.pem.clone(),
            key: key.pair.clone(),
        }
    }

    /// The public key as a DER `RSAPublicKey` (what RS256 signatures are checked with).
    pub fn public_key_der(&self) -> &[u8] {
        self.key.public().as_ref()
    }

    /// The JSON key file, field for field as Google's console writes it (`token_uri` is Google's
    /// real token endpoint; point the client at the emulator's separately).
    pub fn key_file_json(&self) -> String {
        let s = |v: &str| serde_json::to_string(v).expect("a string serialises");
        let email_escaped = self.client_email.replace('@', "%40");
        format!(
            "{{\n  \"type\": \"service_account\",\n  \"project_id\": {},\n  \"private_key_id\": {},\n  \"private_key\": {},\n  \"client_email\": {},\n  \"client_id\": {},\n  \"auth_uri\": \"https://accounts.google.com/o/oauth2/auth\",\n  \"token_uri\": \"{GOOGLE_TOKEN_URL}\",\n  \"auth_provider_x509_cert_url\": \"https://www.googleapis.com/oauth2/v1/certs\",\n  \"client_x509_cert_url\": {},\n  \"universe_domain\": \"googleapis.com\"\n}}\n",
            s(&self.project_id),
            s(&self.private_key_id),
            s(&self.private_key_pem),
            s(&self.client_email),
            s(&self.client_id),
            s(&format!(
                "https://www.googleapis.com/robot/v1/metadata/x509/{email_escaped}"
            )),
        )
    }

    /// Signs `claims` as an RS256 JWT whose header names this key (`kid`): what a client sends
    /// as the `assertion` of a JWT-bearer grant. For tests; a client signs its own.
    pub fn sign_assertion(&self, claims: &serde_json::Value) -> String {
        let header = serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": self.private_key_id});
        self.sign_with_header(&header, claims)
    }

    /// Signs `claims` under an arbitrary JWT `header` (for tests of refused assertions).
    pub fn sign_with_header(
        &self,
        header: &serde_json::Value,
        claims: &serde_json::Value,
    ) -> String {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let signed = format!(
            "{}.{}",
            b64.encode(header.to_string()),
            b64.encode(claims.to_string())
        );
        let mut signature = vec![0; self.key.public().modulus_len()];
        self.key
            .sign(
                &ring::signature::RSA_PKCS1_SHA256,
                &ring::rand::SystemRandom::new(),
                signed.as_bytes(),
                &mut signature,
            )
            .expect("RSA signing");
        format!("{signed}.{}", b64.encode(signature))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_file_has_googles_fields() {
        let sa = ServiceAccount::new("collector", "acme-1", "123", "100000000000000000001", 3);
        let file: serde_json::Value = serde_json::from_str(&sa.key_file_json()).unwrap();
        let keys: Vec<&str> = file
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "type",
                "project_id",
                "private_key_id",
                "private_key",
                "client_email",
                "client_id",
                "auth_uri",
                "token_uri",
                "auth_provider_x509_cert_url",
                "client_x509_cert_url",
                "universe_domain"
            ]
        );
        assert_eq!(file["type"], "service_account");
        assert_eq!(file["private_key_id"].as_str().unwrap().len(), 40);
        assert!(
            file["private_key"]
                .as_str()
                .unwrap()
                .starts_with("-----BEGIN PRIVATE KEY-----\n")
        );
        assert_eq!(
            file["client_x509_cert_url"],
            "https://www.googleapis.com/robot/v1/metadata/x509/collector%40acme-1.iam.gserviceaccount.com"
        );
        // The same seed gives the same key.
        let again = ServiceAccount::new("collector", "acme-1", "123", "100000000000000000001", 3);
        assert_eq!(again.private_key_pem, sa.private_key_pem);
    }
}
