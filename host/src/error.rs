//! The error that decides the exit code: configuration problems exit 2, run failures 1.

use std::fmt;

/// A usage or configuration error, detected before any network call (exit code 2).
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

/// The process exit code for an error chain.
pub fn exit_code(error: &anyhow::Error) -> i32 {
    if error.chain().any(|e| e.is::<ConfigError>()) {
        2
    } else {
        1
    }
}
