//! The `host` interface the plugin imports: log, progress, emit, authorize, and (from
//! contract 0.2.0) remove. The newest version's interface is implemented here; an earlier
//! version's functions convert their arguments and answers and do the same thing.

use crate::bindings::itam::collector::host::Host;
use crate::bindings::itam::collector::types::{
    AuthError, Batch, Flow, Grant, Host as TypesHost, LogLevel, TokenFacts,
};
use crate::contract::convert::Convert;
use crate::contract::types::Removal;
use crate::contract::v0_1_0::itam::collector as v0_1_0;
use crate::contract::v0_2_0::itam::collector as v0_2_0;
use crate::policy::bounds::LogVerdict;
use crate::state::RunState;

impl TypesHost for RunState {}

impl crate::bindings::itam::collector::incremental::Host for RunState {}

impl v0_1_0::types::Host for RunState {}

impl v0_2_0::incremental::Host for RunState {}

/// The functions an earlier version's `host` interface shares with the newest one: each
/// converts its arguments and answer and does what the newest does.
macro_rules! earlier_host_functions {
    () => {
        async fn log(&mut self, level: v0_1_0::types::LogLevel, message: String) {
            Host::log(self, level.convert(), message).await
        }

        async fn progress(&mut self, phase: String, done: u64, total: Option<u64>) {
            Host::progress(self, phase, done, total).await
        }

        async fn emit(&mut self, entities: v0_1_0::types::Batch) -> v0_1_0::types::Flow {
            Host::emit(self, entities.convert()).await.convert()
        }

        async fn authorize(
            &mut self,
            request: v0_1_0::types::Grant,
        ) -> Result<v0_1_0::types::TokenFacts, v0_1_0::types::AuthError> {
            Host::authorize(self, request.convert())
                .await
                .map(Convert::convert)
                .map_err(Convert::convert)
        }
    };
}

impl v0_1_0::host::Host for RunState {
    earlier_host_functions!();
}

impl v0_2_0::host::Host for RunState {
    earlier_host_functions!();

    async fn remove(&mut self, entities: Vec<v0_2_0::incremental::Removal>) -> v0_1_0::types::Flow {
        Host::remove(self, entities.convert()).await.convert()
    }
}

impl Host for RunState {
    async fn log(&mut self, level: LogLevel, mut message: String) {
        let source = self.source.as_str();
        match self.log_budget.admit(&mut message) {
            LogVerdict::Keep => {}
            LogVerdict::Drop => return,
            LogVerdict::DropAndTell => {
                tracing::warn!(
                    source,
                    "the plugin logged more than {} lines or {} KiB; its further log lines are dropped",
                    self.caps.max_log_lines,
                    self.caps.max_log_bytes >> 10
                );
                return;
            }
        }
        match level {
            LogLevel::Trace => tracing::trace!(source, "{message}"),
            LogLevel::Debug => tracing::debug!(source, "{message}"),
            LogLevel::Info => tracing::info!(source, "{message}"),
            LogLevel::Warn => tracing::warn!(source, "{message}"),
            LogLevel::Error => tracing::error!(source, "{message}"),
        }
    }

    async fn progress(&mut self, mut phase: String, done: u64, total: Option<u64>) {
        crate::policy::bounds::truncate(&mut phase, crate::policy::bounds::MAX_PHASE);
        tracing::debug!(source = %self.source, phase, done, total, "progress");
        self.progress.phase(&phase, done, total);
    }

    async fn emit(&mut self, entities: Batch) -> Flow {
        if self.sink_error.is_some() || self.cancel.is_cancelled() {
            return Flow::Cancel;
        }
        if let Err(e) = self.output.admit(&entities) {
            self.sink_error = Some(e);
            return Flow::Cancel;
        }
        self.progress
            .stored(crate::policy::output::batch_len(&entities));
        match self.sink.accept(entities) {
            Ok(()) => Flow::Proceed,
            Err(e) => {
                self.sink_error = Some(e);
                Flow::Cancel
            }
        }
    }

    async fn remove(&mut self, entities: Vec<Removal>) -> Flow {
        if self.sink_error.is_some() || self.cancel.is_cancelled() {
            return Flow::Cancel;
        }
        if let Err(e) = self.output.admit_removals(&entities) {
            self.sink_error = Some(e);
            return Flow::Cancel;
        }
        match self.sink.remove(entities) {
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
                tracing::info!(source = %self.source, error = %e.error, codes = ?e.codes, "token request failed")
            }
        }
        result
    }
}
