//! The host's imports, behind the SDK's trait so the collection logic runs natively in tests.

pub use itam_plugin_sdk::host::{Host as ComponentHost, HostApi};
