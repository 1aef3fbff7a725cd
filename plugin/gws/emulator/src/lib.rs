//! A Google Workspace admin API emulator for tests and the demo.
//!
//! It serves a seeded synthetic customer ([`tenant`]) over real HTTP on loopback, on one origin
//! with Google's paths: the OAuth 2.0 token endpoint for service accounts (`POST /token`, a
//! JWT-bearer grant whose RS256 assertion is verified with the service account's key, with
//! domain-wide delegation and Google's error answers), the Admin SDK Directory API (users,
//! groups, members, customer), the Enterprise License Manager API (licence assignments per
//! product and SKU, with Google's real product and SKU IDs) and the Reseller API
//! (subscriptions with seats for a reseller-managed customer, Google's 403 for a directly
//! billed one). Tokens carry scopes and the impersonated user; APIs can be disabled in the
//! project (`accessNotConfigured`) and requests throttled ([`faults`]). The emulator knows its
//! ground truth ([`expected`]), so tests compare exact values.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use gws_emulator::{Options, TenantSpec, spawn};
//! let emulator = spawn(&TenantSpec { users: 200, ..TenantSpec::default() }, Options::default()).await?;
//! let key_file = emulator.key_file_json(); // what the client loads
//! let token_url = emulator.token_url(); // in place of https://oauth2.googleapis.com/token
//! let expected = emulator.expected(); // what a correct collector reports
//! # let _ = (key_file, token_url, expected);
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

pub mod auth;
pub mod catalog;
pub mod client_config;
pub mod clock;
mod directory;
pub mod errors;
pub mod expected;
pub mod faults;
mod groups;
mod ids;
mod jwt;
mod licences;
mod licensing;
mod paging;
mod people;
mod render;
mod request_log;
mod reseller;
pub mod scopes;
pub mod server;
pub mod service_account;
pub mod subscriptions;
pub mod tenant;
#[cfg(test)]
mod tests;
pub mod token;

pub use auth::Api;
pub use expected::{Counts, Expected, ExpectedSeats, ExpectedServiceAccount, ExpectedSku};
pub use faults::{Fault, FaultRule};
pub use reseller::NOT_RESELLER;
pub use server::{Emulator, Options, spawn};
pub use service_account::ServiceAccount;
pub use subscriptions::{Plan, Subscription};
pub use tenant::{Billing, Tenant, TenantSpec};
