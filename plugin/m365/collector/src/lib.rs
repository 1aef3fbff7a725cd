//! Microsoft 365 collector plugin.
//!
//! Reads licences, users and groups from Microsoft Graph and hands them to the host as the
//! neutral entities of the `itam:collector` contract. Credentials never reach this code: the
//! plugin asks the host to `authorize` a client-credentials grant, and the host attaches the
//! token to requests for Graph.
//!
//! Everything but the thin export layer ([`component`]) is plain Rust behind two small traits
//! ([`transport::Transport`] for HTTP and [`hostapi::HostApi`] for the host's imports), so the
//! Graph logic is tested natively with `cargo test -p itam-m365`.

pub mod auth;
pub mod batch;
pub mod check;
pub mod collect;
pub mod errors;
pub mod graph;
pub mod hostapi;
pub mod model;
pub mod retry;
pub mod settings;
pub mod transport;

#[cfg(target_arch = "wasm32")]
mod component;

/// Bindings generated from the contract in `wit/`.
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../../wit/since_v0.1.0",
        world: "collector",
        pub_export_macro: true,
    });
}

pub use bindings::itam::collector::types;

/// The plugin's name, as `describe` reports it.
pub const NAME: &str = "m365";
/// The plugin's version, as `describe` reports it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
