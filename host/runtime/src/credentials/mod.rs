//! Credentials never enter the sandbox: the host holds the client secret or the certificate's
//! private key, performs the token request the plugin asks for, and attaches the token to the
//! plugin's requests for the hosts the grant names.

pub mod broker;
pub mod certificate;
pub mod secret;

pub use broker::{MIN_REFRESH_INTERVAL, TokenBroker};
pub use certificate::{ClientCertificate, Signing};
pub use secret::Secret;

/// How the app proves its identity to the token endpoint.
#[derive(Debug, Clone)]
pub enum ClientAuth {
    /// A client secret, resolved from its reference.
    Secret(Secret),
    /// A certificate with its private key; the host signs client assertions with it.
    Certificate(ClientCertificate),
}

/// The credential the host holds for a source. Never passed to the plugin.
#[derive(Debug, Clone)]
pub struct Credential {
    /// Application (client) ID.
    pub client_id: String,
    /// The secret or certificate.
    pub auth: ClientAuth,
    /// Where it came from, for messages (`environment variable X`, `certificate file y`).
    pub origin: String,
}
