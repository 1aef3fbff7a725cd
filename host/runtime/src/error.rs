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

/// Why the host stopped a plugin call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The call's deadline passed (the run timeout, or the setup deadline of `describe`,
    /// `plan` and instantiation, or the check's deadline).
    Deadline,
    /// The plugin's memories grew past its memory limit.
    Memory,
    /// The plugin held more host resources, or bigger header sets, than its caps allow.
    HostResources,
    /// The plugin trapped: a panic, a stack overflow, an invalid operation.
    Trap,
    /// The run was cancelled and the plugin did not return within the grace period.
    Cancelled,
}

/// The host stopped a plugin call: the outer error of a call (its message says why and what to
/// change). Find it in an error chain with [`stopped`].
#[derive(Debug, Clone)]
pub struct Stopped {
    /// Why.
    pub reason: StopReason,
    /// What happened, for people.
    pub message: String,
}

impl fmt::Display for Stopped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Stopped {}

/// Why the host stopped the call that failed with `error`, if it did.
pub fn stopped(error: &anyhow::Error) -> Option<StopReason> {
    // anyhow finds a context of this type at any depth of the chain.
    error.downcast_ref::<Stopped>().map(|s| s.reason)
}

/// The embedder's sink refused a batch or could not finish: the outer error of a collection.
#[derive(Debug)]
pub struct SinkFailed;

impl fmt::Display for SinkFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("storing the plugin's entities failed")
    }
}

impl std::error::Error for SinkFailed {}

/// Whether a collection failed because its sink (or the runtime's output checks in front of
/// it) refused what the plugin emitted.
pub fn is_sink_failure(error: &anyhow::Error) -> bool {
    error.downcast_ref::<SinkFailed>().is_some()
}
