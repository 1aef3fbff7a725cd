//! The Microsoft 365 collector plugin (`plugin/m365/collector`), built for `wasm32-wasip2` by
//! this crate's build script. A program that ships the plugin built in (the `itam` binary, an
//! agent) depends on this crate; the runtime library embeds no plugin.

/// The component's bytes.
pub const WASM: &[u8] = include_bytes!(env!("ITAM_M365_WASM"));

/// Where the build script left the component.
pub const PATH: &str = env!("ITAM_M365_WASM");
