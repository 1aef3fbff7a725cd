//! Test fixtures that know no integration: client certificates and keys, a minimal OAuth 2.0
//! client-credentials token endpoint on loopback, and a real PostgreSQL server.

pub mod certs;
pub mod postgres;
mod token;

pub use token::TokenEndpoint;
