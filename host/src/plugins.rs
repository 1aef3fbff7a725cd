//! Finding a source's plugin: embedded by name, or a `.wasm` file.

use crate::config::{Limits, PluginRef};
use crate::runtime::{Plugin, Runtime};
use anyhow::{Context, Result};

/// The Microsoft 365 plugin, built from `plugin/` by the build script.
pub const M365_WASM: &[u8] = include_bytes!(env!("ITAM_M365_WASM"));

/// The bytes of a plugin.
pub fn wasm_bytes(plugin: &PluginRef) -> Result<std::borrow::Cow<'static, [u8]>> {
    match plugin {
        PluginRef::Builtin(name) if name == "m365" => Ok(M365_WASM.into()),
        PluginRef::Builtin(name) => Err(crate::error::config_error(format!(
            "no built-in plugin named `{name}`"
        ))),
        PluginRef::File(path) if !path.is_file() => Err(crate::error::config_error(format!(
            "plugin file {} does not exist; correct the source's `plugin` (a path relative to the configuration file) or use a built-in plugin ({})",
            path.display(),
            crate::config::BUILTIN_PLUGINS.join(", ")
        ))),
        PluginRef::File(path) => crate::files::read_capped(path, crate::files::MAX_PLUGIN)
            .map(Into::into)
            .with_context(|| format!("reading the plugin {}", path.display())),
    }
}

/// Loads a plugin into `runtime`, compiling it within `limits` if it is not cached.
pub fn load(runtime: &Runtime, plugin: &PluginRef, limits: &Limits) -> Result<Plugin> {
    runtime.load(&wasm_bytes(plugin)?, &limits.compile)
}

/// Parses `m365` or a path into a plugin reference (for `itam plugin inspect`).
pub fn parse_ref(text: &str) -> PluginRef {
    if crate::config::BUILTIN_PLUGINS.contains(&text) {
        PluginRef::Builtin(text.to_string())
    } else {
        PluginRef::File(text.into())
    }
}
