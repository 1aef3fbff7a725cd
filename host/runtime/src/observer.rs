//! What a run tells its embedder while it goes: the plugin's phase, entities stored and
//! requests sent, for a progress display. The runtime draws nothing itself.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Where a run's progress goes. Every method has a default that does nothing.
pub trait Observer: Send + Sync {
    /// The plugin reported progress. `phase` is the plugin's text, untrusted and bounded to
    /// [`crate::policy::bounds::MAX_PHASE`] bytes: escape it before showing it.
    fn progress(&self, _progress: &RunProgress<'_>) {}

    /// The plugin call ended (successfully or not).
    fn finished(&self, _source: &str) {}
}

/// An observer that ignores everything.
pub struct Quiet;

impl Observer for Quiet {}

/// One progress report of a run.
#[derive(Debug, Clone, Copy)]
pub struct RunProgress<'a> {
    /// The source's name.
    pub source: &'a str,
    /// The plugin's current phase (untrusted text).
    pub phase: &'a str,
    /// Items done in the phase.
    pub done: u64,
    /// Items in the phase, when the plugin knows.
    pub total: Option<u64>,
    /// Entities the plugin has emitted in this call.
    pub entities: u64,
    /// HTTP requests the plugin has sent in this call.
    pub requests: u64,
    /// Time since the call started.
    pub elapsed: Duration,
}

/// The counters of one call, reported to its observer.
pub(crate) struct Progress {
    observer: Arc<dyn Observer>,
    source: String,
    started: Instant,
    entities: u64,
    /// Requests sent, counted by the outbound policy.
    pub(crate) requests: Arc<AtomicU64>,
}

impl Progress {
    pub(crate) fn new(source: &str, observer: Arc<dyn Observer>) -> Progress {
        Progress {
            observer,
            source: source.to_string(),
            started: Instant::now(),
            entities: 0,
            requests: Arc::default(),
        }
    }

    /// Counts `n` emitted entities.
    pub(crate) fn stored(&mut self, n: usize) {
        self.entities += n as u64;
    }

    /// Passes the plugin's latest report on.
    pub(crate) fn phase(&self, phase: &str, done: u64, total: Option<u64>) {
        self.observer.progress(&RunProgress {
            source: &self.source,
            phase,
            done,
            total,
            entities: self.entities,
            requests: self.requests.load(Ordering::Relaxed),
            elapsed: self.started.elapsed(),
        });
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.observer.finished(&self.source);
    }
}
