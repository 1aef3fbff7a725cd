//! The Google Workspace collector plugin (`plugin/gws/collector`), built for `wasm32-wasip2` by
//! this crate's build script (`ITAM_GWS_PLUGIN_WASM` names a prebuilt component instead). A
//! program that ships the plugin built in (the `itam` binary) depends on this crate; the
//! runtime library embeds no plugin.

/// The component's bytes.
pub const WASM: &[u8] = include_bytes!(env!("ITAM_GWS_WASM"));

/// Where the build script left the component.
pub const PATH: &str = env!("ITAM_GWS_WASM");
