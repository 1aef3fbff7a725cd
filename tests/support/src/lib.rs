//! Test fixtures that know no integration: client certificates and keys, and a minimal
//! OAuth 2.0 client-credentials token endpoint on loopback.

pub mod certs;
mod token;

pub use token::TokenEndpoint;
