//! Finding a source's plugin: embedded by name, or a `.wasm` file.

use crate::config::{Limits, PluginRef};
use anyhow::{Context, Result};
use itam_runtime::{Plugin, Runtime};

/// The Microsoft 365 plugin, built from `plugin/m365/collector`.
pub const M365_WASM: &[u8] = itam_m365_component::WASM;

/// The Google Workspace plugin, built from `plugin/gws/collector`.
pub const GWS_WASM: &[u8] = itam_gws_component::WASM;

/// The bytes of a plugin.
pub fn wasm_bytes(plugin: &PluginRef) -> Result<std::borrow::Cow<'static, [u8]>> {
    match plugin {
        PluginRef::Builtin(name) if name == "m365" => Ok(M365_WASM.into()),
        PluginRef::Builtin(name) if name == "gws" => Ok(GWS_WASM.into()),
        PluginRef::Builtin(name) => Err(crate::error::config_error(format!(
            "no built-in plugin named `{name}`"
        ))),
        PluginRef::File(path) if !path.is_file() => Err(crate::error::config_error(format!(
            "plugin file {} does not exist; correct the source's `plugin` (a path relative to the configuration file) or use a built-in plugin ({})",
            path.display(),
            crate::config::BUILTIN_PLUGINS.join(", ")
        ))),
        PluginRef::File(path) => {
            itam_runtime::files::read_capped(path, itam_runtime::files::MAX_PLUGIN)
                .map(Into::into)
                .with_context(|| format!("reading the plugin {}", path.display()))
        }
    }
}

/// Loads a plugin into `runtime`, compiling it within `limits` if it is not cached. The
/// built-in plugins are trusted (they may choose the hosts that receive their credential);
/// a plugin from a file is not.
pub fn load(runtime: &Runtime, plugin: &PluginRef, limits: &Limits) -> Result<Plugin> {
    let wasm = wasm_bytes(plugin)?;
    match plugin {
        PluginRef::Builtin(_) => runtime.load_trusted(&wasm, &limits.compile),
        PluginRef::File(_) => runtime.load(&wasm, &limits.compile),
    }
}

/// Parses `m365` or a path into a plugin reference (for `itam plugin inspect`).
pub fn parse_ref(text: &str) -> PluginRef {
    if crate::config::BUILTIN_PLUGINS.contains(&text) {
        PluginRef::Builtin(text.to_string())
    } else {
        PluginRef::File(text.into())
    }
}

/// How `itam init` asks for a plugin's client ID, and checks the answer.
pub struct ClientIdHint {
    /// The question.
    pub question: &'static str,
    /// The check; its error says what to enter.
    pub check: fn(&str) -> Result<(), String>,
}

/// The client-ID question for `plugin`: the built-in m365 plugin's app registrations have GUID
/// client IDs; the built-in gws plugin's credential is a service account, whose client ID is
/// numeric; any other plugin's is asked for as it is.
pub fn client_id_hint(plugin: &PluginRef) -> ClientIdHint {
    match plugin {
        PluginRef::Builtin(name) if name == "gws" => ClientIdHint {
            question: "Service account client ID (`client_id` in its JSON key file)",
            check: |text| {
                if !text.is_empty() && text.chars().all(|c| c.is_ascii_digit()) {
                    Ok(())
                } else {
                    Err("enter the service account's numeric client ID, the `client_id` in its JSON key file (the \"Unique ID\" in the Cloud console)".into())
                }
            },
        },
        PluginRef::Builtin(name) if name == "m365" => ClientIdHint {
            question: "Application (client) ID",
            check: |text| {
                if crate::config::is_guid(text) {
                    Ok(())
                } else {
                    Err("enter the Application (client) ID, a GUID from the app registration's Overview page".into())
                }
            },
        },
        _ => ClientIdHint {
            question: "Client ID the plugin's grant is made with",
            check: |text| {
                if text.trim().is_empty() {
                    Err("enter the client ID".into())
                } else {
                    Ok(())
                }
            },
        },
    }
}

/// The flags `itam init` takes as shorthands for the built-in plugin's settings
/// (`--tenant-id X` is `--setting tenant_id=X`).
pub const SETTING_FLAGS: &[(&str, &str)] = &[
    ("tenant_id", "--tenant-id"),
    ("cloud", "--cloud"),
    ("login_url", "--login-url"),
    ("graph_url", "--graph-url"),
];

/// The shorthand flag of setting `name`, if it has one.
pub fn setting_flag(name: &str) -> Option<&'static str> {
    SETTING_FLAGS
        .iter()
        .find(|(setting, _)| *setting == name)
        .map(|(_, flag)| *flag)
}

#[cfg(test)]
mod tests {
    use itam_runtime::compile::{Complexity, check};

    #[test]
    fn the_m365_plugin_is_well_within_the_caps() {
        let tight = Complexity {
            max_functions: Complexity::default().max_functions / 4,
            max_code_bytes: Complexity::default().max_code_bytes / 4,
            max_function_bytes: Complexity::default().max_function_bytes / 4,
            max_nesting: Complexity::default().max_nesting / 4,
        };
        check(super::M365_WASM, &tight).unwrap();
    }

    #[test]
    fn the_gws_plugin_is_well_within_the_caps() {
        let tight = Complexity {
            max_functions: Complexity::default().max_functions / 4,
            max_code_bytes: Complexity::default().max_code_bytes / 4,
            max_function_bytes: Complexity::default().max_function_bytes / 4,
            max_nesting: Complexity::default().max_nesting / 4,
        };
        check(super::GWS_WASM, &tight).unwrap();
    }
}
