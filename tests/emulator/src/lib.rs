//! A Microsoft Graph and identity-platform emulator for tests and `itam demo`.
//!
//! It serves a seeded synthetic tenant ([`tenant`]) over real HTTP on loopback: the
//! client-credentials token endpoint with the identity platform's error bodies, and the Graph
//! v1.0 endpoints the Microsoft 365 plugin reads, with `$select`, `$top` and opaque
//! `$skiptoken` paging. It knows its ground truth, so tests compare exact numbers, and counts
//! the requests it serves.

pub mod certs;
pub mod faults;
pub mod proxy;
pub mod server;
pub mod tenant;
mod tls;
mod token;

pub use faults::{Fault, FaultRule, RetryAfter, Trigger};
pub use server::{Emulator, Options};
pub use tenant::{Tenant, TenantSpec};
