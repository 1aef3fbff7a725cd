//! The `host` interface the plugin imports: log, progress, emit, authorize.

use super::bindings::itam::collector::host::Host;
use super::bindings::itam::collector::types::{
    AuthError, Batch, Flow, Grant, Host as TypesHost, LogLevel, TokenFacts,
};
use super::state::RunState;

impl TypesHost for RunState {}

impl Host for RunState {
    async fn log(&mut self, level: LogLevel, message: String) {
        let source = self.source.as_str();
        match level {
            LogLevel::Trace => tracing::trace!(source, "{message}"),
            LogLevel::Debug => tracing::debug!(source, "{message}"),
            LogLevel::Info => tracing::info!(source, "{message}"),
            LogLevel::Warn => tracing::warn!(source, "{message}"),
            LogLevel::Error => tracing::error!(source, "{message}"),
        }
    }

    async fn progress(&mut self, phase: String, done: u64, total: Option<u64>) {
        tracing::debug!(source = %self.source, phase, done, total, "progress");
        self.progress.phase(&phase, done, total);
    }

    async fn emit(&mut self, entities: Batch) -> Flow {
        if self.sink_error.is_some() {
            return Flow::Cancel;
        }
        self.progress
            .stored(crate::store::validate::batch_len(&entities));
        match self.sink.accept(entities) {
            Ok(()) => Flow::Proceed,
            Err(e) => {
                self.sink_error = Some(e);
                Flow::Cancel
            }
        }
    }

    async fn authorize(&mut self, request: Grant) -> Result<TokenFacts, AuthError> {
        let result = self.broker.authorize(request).await;
        match &result {
            Ok(facts) => {
                tracing::debug!(source = %self.source, roles = ?facts.roles, "token obtained")
            }
            Err(e) => {
                tracing::warn!(source = %self.source, error = %e.error, codes = ?e.codes, "token request failed")
            }
        }
        result
    }
}
