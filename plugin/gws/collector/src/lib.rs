//! Google Workspace collector plugin.
//!
//! Reads a Google Workspace customer through the Admin SDK Directory API (the customer, users
//! with their last sign-in, groups and their members), the Enterprise License Manager API
//! (licence assignments of every product and SKU) and, where Google answers, the Reseller API
//! (subscriptions and their seats), and hands them to the host as the neutral entities of the
//! `itam:collector` contract. Credentials never reach this code: the plugin asks the host to
//! `authorize` a JWT-bearer grant (a service account acting, through domain-wide delegation, as
//! the super administrator named in `admin_email`), and the host signs the assertion with the
//! service account's key and attaches the token to requests for Google's APIs.
//!
//! It is built on `itam-plugin-sdk`: [`component::Gws`] is the SDK's `Collector`, and
//! everything else is plain Rust behind the SDK's two small traits ([`transport::Transport`]
//! for HTTP and [`hostapi::HostApi`] for the host's imports), so the logic is tested natively
//! with `cargo test -p itam-gws`.

#![deny(missing_docs)]

pub mod api;
pub mod api_error;
pub mod auth;
pub mod catalog;
pub mod check;
pub mod client;
pub mod collect;
pub mod component;
pub mod descriptor;
pub mod errors;
pub mod hostapi;
pub mod model;
pub mod retry;
pub mod scopes;
pub mod settings;
pub mod time;
pub mod transport;

/// The contract's types (`itam:collector@0.3.0`), from the SDK.
pub use itam_plugin_sdk::types;

/// The plugin's name, as `describe` reports it.
pub const NAME: &str = "gws";
/// The plugin's version, as `describe` reports it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
