//! Client certificates for tests: RSA keys, certificates valid over a chosen window, and
//! verification of signed client assertions.

use rcgen::{CertificateParams, DnType, KeyPair};
use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// RSA keys are slow to generate, so tests share a few.
fn keys() -> &'static [String] {
    static KEYS: OnceLock<Vec<String>> = OnceLock::new();
    KEYS.get_or_init(|| {
        let handles: Vec<_> = (0..3)
            .map(|_| {
                std::thread::spawn(|| {
                    let key = rsa::RsaPrivateKey::new(&mut rand_core_06::OsRng, 2048)
                        .expect("RSA key generation");
                    key.to_pkcs8_pem(LineEnding::LF)
                        .expect("PKCS#8 encoding")
                        .to_string()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("key thread"))
            .collect()
    })
}

/// A certificate and its RSA key, as PEM.
pub struct TestCertificate {
    /// `-----BEGIN CERTIFICATE-----` …
    pub cert_pem: String,
    /// `-----BEGIN PRIVATE KEY-----` … (PKCS#8)
    pub key_pem: String,
    /// The certificate's DER encoding (what an app registration stores).
    pub der: Vec<u8>,
}

impl TestCertificate {
    /// A self-signed certificate valid from `from_days` to `to_days` relative to today, each
    /// with a different key than the previous one.
    pub fn new(from_days: i64, to_days: i64) -> TestCertificate {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let keys = keys();
        let key_pem = keys[NEXT.fetch_add(1, Ordering::Relaxed) % keys.len()].clone();
        let key = KeyPair::from_pem(&key_pem).expect("rcgen reads the RSA key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params
            .distinguished_name
            .push(DnType::CommonName, "ITAM collector test app");
        let today = time::OffsetDateTime::now_utc();
        params.not_before = today + time::Duration::days(from_days);
        params.not_after = today + time::Duration::days(to_days);
        let cert = params.self_signed(&key).expect("self-signed certificate");
        TestCertificate {
            cert_pem: cert.pem(),
            der: cert.der().to_vec(),
            key_pem,
        }
    }

    /// Certificate and key in one PEM file.
    pub fn combined_pem(&self) -> String {
        format!("{}{}", self.cert_pem, self.key_pem)
    }

    /// Whether `jwt` is signed by this certificate's key with `alg` (PS256 or RS256).
    pub fn verify(&self, jwt: &str, alg: &str) -> bool {
        verify_signature(&self.der, jwt, alg)
    }
}

/// An EC private key in PEM, for tests of unsupported key types.
pub fn ec_key_pem() -> String {
    KeyPair::generate().expect("EC key").serialize_pem()
}

/// Whether `jwt`'s signature verifies with the public key of the certificate `der`.
pub fn verify_signature(der: &[u8], jwt: &str, alg: &str) -> bool {
    let Some((signed, signature)) = jwt.rsplit_once('.') else {
        return false;
    };
    let Ok(signature) =
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, signature)
    else {
        return false;
    };
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(der) else {
        return false;
    };
    let public = cert
        .tbs_certificate
        .subject_pki
        .subject_public_key
        .data
        .as_ref();
    let algorithm: &dyn ring::signature::VerificationAlgorithm = match alg {
        "PS256" => &ring::signature::RSA_PSS_2048_8192_SHA256,
        "RS256" => &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        _ => return false,
    };
    ring::signature::UnparsedPublicKey::new(algorithm, public)
        .verify(signed.as_bytes(), &signature)
        .is_ok()
}
