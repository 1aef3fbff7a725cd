//! A secret the configuration points at but never holds: `{ env = "VAR" }` or
//! `{ file = "path" }` (the serve token, a webhook's signing key, the database password).

use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Where a secret comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretRef {
    /// `{ env = "VAR" }`.
    Env(String),
    /// `{ file = "path" }`, relative to the configuration's directory.
    File(PathBuf),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSecretRef {
    env: Option<String>,
    file: Option<PathBuf>,
}

impl SecretRef {
    /// Parses `key = value` (for messages, `key` names it: `[serve] token`); `example_env` and
    /// `example_file` show how to write it.
    pub(crate) fn parse(
        value: toml::Value,
        base: &Path,
        key: &str,
        example_env: &str,
        example_file: &str,
    ) -> Result<SecretRef, String> {
        let name = key.rsplit(' ').next().unwrap_or(key);
        let hint = format!(
            "write {name} = {{ env = \"{example_env}\" }} or {name} = {{ file = \"{example_file}\" }}; the secret itself never goes in the file"
        );
        let raw = RawSecretRef::deserialize(value)
            .map_err(|_| format!("{key} must be a reference: {hint}"))?;
        match (raw.env, raw.file) {
            (Some(var), None) if !var.trim().is_empty() => Ok(SecretRef::Env(var)),
            (None, Some(file)) => Ok(SecretRef::File(base.join(file))),
            _ => Err(format!("{key} needs exactly one of env or file: {hint}")),
        }
    }

    /// Reads the secret (trimmed) for `what`; the error says where it was looked for and what
    /// to do, never the value.
    pub fn read(&self, what: &str) -> anyhow::Result<String> {
        let value = match self {
            SecretRef::Env(var) => std::env::var(var).map_err(|_| {
                crate::error::config_error(format!(
                    "{what} refers to environment variable {var}, which is not set; export it in the environment that runs itam"
                ))
            })?,
            SecretRef::File(path) => {
                itam_runtime::files::warn_if_readable_by_others(path, "secret file");
                itam_runtime::files::read_text_capped(path, 4096).map_err(|e| {
                    crate::error::config_error(format!(
                        "{what} refers to file {}, which cannot be read: {e}",
                        path.display()
                    ))
                })?
            }
        };
        Ok(value.trim().to_string())
    }
}
