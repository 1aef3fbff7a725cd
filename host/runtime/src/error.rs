//! Errors the runtime's callers tell apart.

use std::fmt;

/// A usage or configuration error, detected before any network call: a setting the plugin
/// refuses, a plugin file that cannot be read, a store that cannot be used. Callers map it to
/// their own "fix your configuration" outcome (the `itam` binary exits 2).
#[derive(Debug)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// Shorthand for returning a [`ConfigError`] through `anyhow`.
pub fn config_error(message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(ConfigError(message.into()))
}

/// Whether an error chain holds a [`ConfigError`].
pub fn is_config_error(error: &anyhow::Error) -> bool {
    error.chain().any(|e| e.is::<ConfigError>())
}
