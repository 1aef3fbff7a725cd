//! The host's imports, behind a trait so the collection logic runs natively in tests.

use crate::types::{AuthError, Batch, Flow, Grant, LogLevel, TokenFacts};

/// What the plugin asks of its host.
pub trait HostApi {
    /// Writes a log line.
    fn log(&mut self, level: LogLevel, message: &str);
    /// Reports progress in a phase.
    fn progress(&mut self, phase: &str, done: u64, total: Option<u64>);
    /// Hands a batch to the host.
    fn emit(&mut self, batch: Batch) -> Flow;
    /// Asks the host to obtain (or refresh) a token and attach it to the grant's hosts.
    fn authorize(&mut self, grant: &Grant) -> Result<TokenFacts, AuthError>;
}

/// The real host, through the component's imports.
#[cfg(target_arch = "wasm32")]
pub struct ComponentHost;

#[cfg(target_arch = "wasm32")]
impl HostApi for ComponentHost {
    fn log(&mut self, level: LogLevel, message: &str) {
        crate::bindings::itam::collector::host::log(level, message);
    }

    fn progress(&mut self, phase: &str, done: u64, total: Option<u64>) {
        crate::bindings::itam::collector::host::progress(phase, done, total);
    }

    fn emit(&mut self, batch: Batch) -> Flow {
        crate::bindings::itam::collector::host::emit(&batch)
    }

    fn authorize(&mut self, grant: &Grant) -> Result<TokenFacts, AuthError> {
        crate::bindings::itam::collector::host::authorize(grant)
    }
}
