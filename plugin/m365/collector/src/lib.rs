//! Microsoft 365 collector plugin.
//!
//! Reads licences, users and groups from Microsoft Graph and hands them to the host as the
//! neutral entities of the `itam:collector` contract. Credentials never reach this code: the
//! plugin asks the host to `authorize` a client-credentials grant, and the host attaches the
//! token to requests for Graph.
//!
//! It is built on `itam-plugin-sdk`: [`component::M365`] is the SDK's `Collector`, and
//! everything else is plain Rust behind the SDK's two small traits ([`transport::Transport`]
//! for HTTP and [`hostapi::HostApi`] for the host's imports), so the Graph logic is tested
//! natively with `cargo test -p itam-m365`.

pub mod auth;
pub mod batch;
pub mod check;
pub mod collect;
pub mod component;
pub mod delta;
pub mod errors;
pub mod graph;
pub mod hostapi;
pub mod model;
pub mod retry;
pub mod settings;
pub mod transport;

/// The contract's types (`itam:collector@0.3.0`), from the SDK.
pub use itam_plugin_sdk::types;

/// The plugin's name, as `describe` reports it.
pub const NAME: &str = "m365";
/// The plugin's version, as `describe` reports it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
