//! The Prometheus metrics of `itam serve`.
//!
//! Two kinds, written as one OpenMetrics exposition:
//! - the collector's own, kept in memory as runs end (runs by outcome, their duration, skipped
//!   runs, HTTP requests and throttled answers);
//! - the licences, read from the store at each scrape ([`licences`]): when each source last
//!   succeeded, its prepaid, consumed and available units, its waste and its subscriptions'
//!   next lifecycle dates, as the reports compute them;
//! - the fleet's, read from the store at each scrape ([`fleet`]): services alive, sources
//!   running and sources overdue.
//!
//! Labels carry source names, product IDs, part numbers and subscription IDs, never an
//! account.

mod fleet;
mod licences;
#[cfg(test)]
pub(crate) mod tests;

use crate::serve::snapshot_reports::ReportCache;
use anyhow::{Context, Result};
use itam_reports::settings::ReportSettings;
use itam_runtime::Traffic;
use itam_store::Store;
use prometheus_client::encoding::{EncodeLabelSet, text};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};
use std::sync::Arc;
use std::time::Duration;

/// The upper bounds of the run duration buckets, in seconds: runs take from about a second (a
/// small tenant) to an hour (a large one, throttled).
const DURATION_BUCKETS: [f64; 12] = [
    1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0,
];

/// The metrics of `itam serve`: the collector's, in memory, and the licences', read from the
/// store at each scrape.
pub struct Metrics {
    /// Read at each scrape.
    store: Store,
    /// The snapshots' reports, shared with the dashboard.
    reports: Arc<ReportCache>,
    /// The in-memory families below.
    registry: Registry,
    /// `itam_collector_runs_total{source,outcome}`.
    runs: Family<RunLabels, Counter>,
    /// `itam_collector_run_duration_seconds{source}`.
    durations: Family<SourceLabels, Histogram, fn() -> Histogram>,
    /// `itam_collector_skipped_runs_total{source}`.
    skipped: Family<SourceLabels, Counter>,
    /// `itam_collector_requests_total{source}`.
    requests: Family<SourceLabels, Counter>,
    /// `itam_collector_throttled_responses_total{source}`.
    throttled: Family<SourceLabels, Counter>,
}

/// How a run ended, as the `outcome` label.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It stored a new snapshot.
    Succeeded,
    /// It failed; the previous snapshot stays.
    Failed,
    /// It was stopped on request (shutdown, or a cancelled run).
    Cancelled,
}

impl Outcome {
    /// Every outcome, for the series shown at zero before any run.
    const ALL: [Outcome; 3] = [Outcome::Succeeded, Outcome::Failed, Outcome::Cancelled];

    /// The label value.
    fn label(self) -> &'static str {
        match self {
            Outcome::Succeeded => "succeeded",
            Outcome::Failed => "failed",
            Outcome::Cancelled => "cancelled",
        }
    }
}

/// The labels of a per-source series.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SourceLabels {
    source: String,
}

impl SourceLabels {
    fn of(source: &str) -> SourceLabels {
        SourceLabels {
            source: source.to_string(),
        }
    }
}

/// The labels of `itam_collector_runs_total`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RunLabels {
    source: String,
    outcome: &'static str,
}

fn duration_histogram() -> Histogram {
    Histogram::new(DURATION_BUCKETS)
}

impl Metrics {
    /// The content type of `encode`'s text.
    pub const CONTENT_TYPE: &'static str =
        "application/openmetrics-text; version=1.0.0; charset=utf-8";

    /// `store` is read at each scrape for the licence metrics of `sources()`.
    pub fn new(store: Store, reports: Arc<ReportCache>) -> Metrics {
        let mut registry = Registry::default();
        let runs = Family::<RunLabels, Counter>::default();
        let durations: Family<SourceLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(duration_histogram);
        let skipped = Family::<SourceLabels, Counter>::default();
        let requests = Family::<SourceLabels, Counter>::default();
        let throttled = Family::<SourceLabels, Counter>::default();
        // Counters are registered without `_total`: the encoder adds it to the sample.
        registry.register(
            "itam_collector_runs",
            "Collector runs that ended, by source and outcome (succeeded, failed, cancelled)",
            runs.clone(),
        );
        registry.register_with_unit(
            "itam_collector_run_duration",
            "How long collector runs took, from start to end, whatever their outcome",
            Unit::Seconds,
            durations.clone(),
        );
        registry.register(
            "itam_collector_skipped_runs",
            "Due runs skipped because the source's previous run was still in progress",
            skipped.clone(),
        );
        registry.register(
            "itam_collector_requests",
            "HTTP requests the source's plugin sent (the host's token requests not counted)",
            requests.clone(),
        );
        registry.register(
            "itam_collector_throttled_responses",
            "Answers to the plugin's requests that asked it to slow down (HTTP 429 or 503)",
            throttled.clone(),
        );
        Metrics {
            store,
            registry,
            runs,
            durations,
            skipped,
            requests,
            throttled,
            reports,
        }
    }

    /// A run of `source` ended.
    pub fn run_finished(
        &self,
        source: &str,
        outcome: Outcome,
        duration: Duration,
        traffic: Traffic,
    ) {
        let labels = SourceLabels::of(source);
        self.runs
            .get_or_create(&RunLabels {
                source: source.to_string(),
                outcome: outcome.label(),
            })
            .inc();
        self.durations
            .get_or_create(&labels)
            .observe(duration.as_secs_f64());
        self.requests
            .get_or_create(&labels)
            .inc_by(traffic.requests);
        self.throttled
            .get_or_create(&labels)
            .inc_by(traffic.throttled);
    }

    /// A due run of `source` was skipped because one was still in progress.
    pub fn run_skipped(&self, source: &str) {
        self.skipped.get_or_create(&SourceLabels::of(source)).inc();
    }

    /// Encodes every metric (OpenMetrics text, which Prometheus scrapes) for the configured
    /// sources `sources`, with the report settings `settings` (inactive days for waste), and
    /// the fleet's gauges from `fleet`. Reads the store; call it on a blocking thread.
    pub fn encode(
        &self,
        sources: &[String],
        settings: &ReportSettings,
        fleet: Option<&itam_store::FleetStatus>,
    ) -> Result<String> {
        let scrape = licences::Scrape::new();
        for source in sources {
            self.show_at_zero(source);
            scrape
                .add_source(&self.store, &self.reports, source, settings)
                .with_context(|| format!("reading the metrics of source `{source}`"))?;
        }
        let mut out = String::new();
        text::encode_registry(&mut out, &self.registry)?;
        text::encode_registry(&mut out, scrape.registry())?;
        if let Some(status) = fleet {
            text::encode_registry(&mut out, &fleet::registry(status)?)?;
        }
        text::encode_eof(&mut out)?;
        Ok(out)
    }

    /// Creates `source`'s collector series, so that they read 0 before its first run (a
    /// counter that appears only at its first increment hides that increment from `rate()`).
    fn show_at_zero(&self, source: &str) {
        let labels = SourceLabels::of(source);
        for outcome in Outcome::ALL {
            drop(self.runs.get_or_create(&RunLabels {
                source: source.to_string(),
                outcome: outcome.label(),
            }));
        }
        drop(self.durations.get_or_create(&labels));
        drop(self.skipped.get_or_create(&labels));
        drop(self.requests.get_or_create(&labels));
        drop(self.throttled.get_or_create(&labels));
    }
}
