//! Credentials never enter the sandbox: the host holds the client secret, the certificate's
//! private key or the service account's key, performs the token request the plugin asks for,
//! and attaches the token to the plugin's requests for the hosts the grant names.

pub mod broker;
pub mod certificate;
pub mod secret;
pub mod service_account;

pub use broker::{MIN_REFRESH_INTERVAL, TokenBroker};
pub use certificate::{ClientCertificate, Signing};
pub use secret::Secret;
pub use service_account::ServiceAccountKey;

/// How the app proves its identity to the token endpoint.
#[derive(Debug, Clone)]
pub enum ClientAuth {
    /// A client secret, resolved from its reference.
    Secret(Secret),
    /// A certificate with its private key; the host signs client assertions with it.
    Certificate(ClientCertificate),
    /// A service account's key; the host signs JWT-bearer assertions with it.
    ServiceAccount(ServiceAccountKey),
}

/// The credential the host holds for a source. Never passed to the plugin.
#[derive(Debug, Clone)]
pub struct Credential {
    /// Application (client) ID; for a service account, its numeric client ID.
    pub client_id: String,
    /// The secret or certificate.
    pub auth: ClientAuth,
    /// Where it came from, for messages (`environment variable X`, `certificate file y`).
    pub origin: String,
}
