//! The service loop: runs each scheduled source when it is due, at most
//! `[serve] max_concurrent_runs` at a time and never two of one source at once; runs a source
//! on request; reloads the configuration; cancels every run on shutdown. The decisions are
//! [`super::schedule`]'s; this module carries them out and keeps them in the store.

use super::metrics::{Metrics, Outcome};
use super::schedule::{self, Ended, Timing};
use crate::config::{Config, Source};
use anyhow::Result;
use chrono::{DateTime, Utc};
use itam_runtime::{CancelToken, Runtime};
use itam_store::{ScheduleState, Store};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, Semaphore};

/// How long a cancelled plugin has to stop on its own before the host stops it.
const CANCEL_GRACE: Duration = Duration::from_secs(5);

/// A handle to the scheduler; clones share it.
#[derive(Clone)]
pub struct Scheduler {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    runtime: Runtime,
    metrics: Arc<Metrics>,
    permits: Arc<Semaphore>,
    table: Mutex<Table>,
    /// Wakes the loop: a run ended, a run was asked for, the configuration changed.
    wake: Notify,
    /// Wakes whoever waits for the runs to end (shutdown).
    idle: Notify,
    /// Set once shutdown begins: nothing new starts.
    stopping: CancelToken,
}

struct Table {
    config: Arc<Config>,
    slots: BTreeMap<String, Slot>,
}

/// One configured source.
struct Slot {
    /// `None` for a source without `schedule` (run on request only).
    timing: Option<Timing>,
    /// When it is due next (scheduled sources).
    next: Option<ScheduleState>,
    running: Option<Running>,
    /// Why its last run failed, if it did.
    last_error: Option<String>,
    /// Whether a run of it ended since the service started (for readiness).
    ran: bool,
}

struct Running {
    cancel: CancelToken,
    /// When it was asked for; it may still wait for a free slot.
    requested: DateTime<Utc>,
    /// When it got a slot and started.
    started: Option<DateTime<Utc>>,
}

/// What asking for a run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunNow {
    /// The run is starting (or waiting for a free slot).
    Started,
    /// A run of the source is in progress; nothing was started.
    AlreadyRunning,
    /// No source has that name.
    UnknownSource,
    /// The service is stopping.
    Stopping,
}

/// What the dashboard, the API and readiness show of one source.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SourceStatus {
    /// The source's name.
    pub name: String,
    /// Its plugin, as configured.
    pub plugin: String,
    /// Its interval in seconds; `None` when it runs only on request.
    pub interval_seconds: Option<u64>,
    /// When it is due next.
    pub next_run_at: Option<DateTime<Utc>>,
    /// Failed runs since its last success.
    pub consecutive_failures: u32,
    /// `idle`, `queued` (waiting for a free slot) or `running`.
    pub state: &'static str,
    /// Since when it is queued or running.
    pub since: Option<DateTime<Utc>>,
    /// Why its last run failed, if it did.
    pub last_error: Option<String>,
    /// Whether a run of it has ended since the service started.
    #[serde(skip)]
    pub ran_since_start: bool,
}

impl Scheduler {
    /// A scheduler for `config`'s sources, picking up the schedule kept in `store`.
    pub fn new(
        config: Arc<Config>,
        store: Store,
        runtime: Runtime,
        metrics: Arc<Metrics>,
    ) -> Result<Scheduler> {
        let permits = Arc::new(Semaphore::new(config.serve.max_concurrent_runs));
        let scheduler = Scheduler {
            inner: Arc::new(Inner {
                store,
                runtime,
                metrics,
                permits,
                table: Mutex::new(Table {
                    config: config.clone(),
                    slots: BTreeMap::new(),
                }),
                wake: Notify::new(),
                idle: Notify::new(),
                stopping: CancelToken::new(),
            }),
        };
        scheduler.apply(config)?;
        Ok(scheduler)
    }

    /// The configuration in force.
    pub fn config(&self) -> Arc<Config> {
        self.inner.table().config.clone()
    }

    /// Takes a new configuration (after SIGHUP): new sources are scheduled, removed ones
    /// dropped (a run in progress finishes), and changed intervals apply from now on.
    pub fn reload(&self, config: Arc<Config>) -> Result<()> {
        self.apply(config)?;
        self.inner.wake.notify_one();
        Ok(())
    }

    fn apply(&self, config: Arc<Config>) -> Result<()> {
        let now = Utc::now();
        let mut fresh = BTreeMap::new();
        for source in &config.sources {
            let timing = source.schedule.map(|interval| Timing {
                interval,
                splay: config.serve.splay.max_for(interval),
            });
            let next = match timing {
                Some(timing) => {
                    let stored = self.inner.store.schedule(&source.name)?;
                    let last_success = self
                        .inner
                        .store
                        .last_success(&source.name)?
                        .and_then(|r| r.ended_at)
                        .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
                        .map(|t| t.with_timezone(&Utc));
                    let state =
                        schedule::first_due(now, timing, stored, last_success, fastrand::f64());
                    self.inner.store.set_schedule(&source.name, state)?;
                    Some(state)
                }
                None => None,
            };
            fresh.insert(
                source.name.clone(),
                Slot {
                    timing,
                    next,
                    running: None,
                    last_error: None,
                    ran: false,
                },
            );
        }
        let mut table = self.inner.table();
        for (name, slot) in fresh.iter_mut() {
            if let Some(old) = table.slots.remove(name) {
                slot.running = old.running;
                slot.last_error = old.last_error;
                slot.ran = old.ran;
            }
        }
        // A removed source's run in progress is cancelled: its configuration is gone.
        for (name, old) in std::mem::take(&mut table.slots) {
            if let Some(running) = old.running {
                tracing::info!(source = %name, "source removed from the configuration; cancelling its run");
                running.cancel.cancel();
            }
        }
        table.slots = fresh;
        table.config = config;
        Ok(())
    }

    /// Runs the schedule until [`Scheduler::shutdown`].
    pub async fn run(&self) {
        loop {
            if self.inner.stopping.is_cancelled() {
                return;
            }
            let now = Utc::now();
            let wait = {
                let mut due = Vec::new();
                let mut skipped = Vec::new();
                let mut earliest: Option<DateTime<Utc>> = None;
                let mut table = self.inner.table();
                for (name, slot) in table.slots.iter_mut() {
                    let (Some(next), Some(timing)) = (slot.next, slot.timing) else {
                        continue;
                    };
                    if next.next_run_at <= now && slot.running.is_some() {
                        // Due while a run asked for by hand is still going: this one is skipped.
                        let later = schedule::skipped(now, timing, next, fastrand::f64());
                        slot.next = Some(later);
                        skipped.push((name.clone(), later));
                    } else if next.next_run_at <= now {
                        due.push(name.clone());
                        continue;
                    }
                    if let Some(next) = slot.next {
                        earliest =
                            Some(earliest.map_or(next.next_run_at, |e| e.min(next.next_run_at)));
                    }
                }
                drop(table);
                for (name, later) in skipped {
                    self.skipped(&name);
                    if let Err(e) = self.inner.store.set_schedule(&name, later) {
                        tracing::warn!(source = %name, error = %format!("{e:#}"), "cannot store the schedule");
                    }
                }
                for name in due {
                    self.start(&name);
                }
                earliest
                    .map(|e| (e - now).to_std().unwrap_or_default())
                    .unwrap_or(Duration::from_secs(3600))
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.inner.wake.notified() => {}
                _ = self.inner.stopping.cancelled() => return,
            }
        }
    }

    /// Asks for a run of `name` now.
    pub fn run_now(&self, name: &str) -> RunNow {
        if self.inner.stopping.is_cancelled() {
            return RunNow::Stopping;
        }
        match self.inner.table().slots.get(name) {
            None => return RunNow::UnknownSource,
            Some(slot) if slot.running.is_some() => return RunNow::AlreadyRunning,
            Some(_) => {}
        }
        self.start(name)
    }

    /// Asks for a run of every source now (SIGUSR1). A source whose run is in progress is
    /// skipped, logged and counted.
    pub fn run_all(&self) {
        let names: Vec<String> = self.inner.table().slots.keys().cloned().collect();
        for name in names {
            if self.run_now(&name) == RunNow::AlreadyRunning {
                self.skipped(&name);
            }
        }
    }

    fn skipped(&self, name: &str) {
        tracing::info!(source = %name, "run skipped: the previous run of this source is still in progress");
        self.inner.metrics.run_skipped(name);
    }

    /// Starts a run of `name` unless one is in progress.
    fn start(&self, name: &str) -> RunNow {
        let cancel = CancelToken::new();
        let (source, network) = {
            let mut table = self.inner.table();
            let config = table.config.clone();
            let Some(slot) = table.slots.get_mut(name) else {
                return RunNow::UnknownSource;
            };
            if slot.running.is_some() {
                return RunNow::AlreadyRunning;
            }
            let Some(source) = config.sources.iter().find(|s| s.name == name).cloned() else {
                return RunNow::UnknownSource;
            };
            slot.running = Some(Running {
                cancel: cancel.clone(),
                requested: Utc::now(),
                started: None,
            });
            (source, config.network.clone())
        };
        let scheduler = self.clone();
        tokio::spawn(async move { scheduler.execute(source, network, cancel).await });
        RunNow::Started
    }

    /// One run, from waiting for a slot to recording when the source is due next.
    async fn execute(
        &self,
        source: Source,
        network: itam_runtime::network::Network,
        cancel: CancelToken,
    ) {
        let name = source.name.clone();
        let permit = tokio::select! {
            permit = self.inner.permits.clone().acquire_owned() => permit.ok(),
            _ = cancel.cancelled() => None,
        };
        let ended = match permit {
            None => Ended::Cancelled,
            Some(_permit) => {
                if let Some(slot) = self.inner.table().slots.get_mut(&name)
                    && let Some(running) = &mut slot.running
                {
                    running.started = Some(Utc::now());
                }
                tracing::info!(source = %name, "run started");
                let clock = Instant::now();
                let (ended, traffic, error) = self.collect(&source, network, cancel).await;
                let outcome = match ended {
                    Ended::Succeeded => Outcome::Succeeded,
                    Ended::Failed => Outcome::Failed,
                    Ended::Cancelled => Outcome::Cancelled,
                };
                self.inner
                    .metrics
                    .run_finished(&name, outcome, clock.elapsed(), traffic);
                match &error {
                    None => {
                        tracing::info!(source = %name, seconds = clock.elapsed().as_secs_f64(), "run succeeded")
                    }
                    Some(e) => tracing::warn!(source = %name, "{}", crate::display::lines(e)),
                }
                if let Some(slot) = self.inner.table().slots.get_mut(&name) {
                    slot.last_error = error;
                    slot.ran = true;
                }
                ended
            }
        };
        self.finish(&name, ended);
    }

    /// Resolves the credential, prepares the plugin and runs it into the store.
    async fn collect(
        &self,
        source: &Source,
        network: itam_runtime::network::Network,
        cancel: CancelToken,
    ) -> (Ended, itam_runtime::Traffic, Option<String>) {
        let runtime = self.inner.runtime.clone().with_network(network);
        let prepared = async {
            let mut resolved = source.with_credential()?;
            // A plugin that ignores *cancel* is stopped soon enough for shutdown to finish
            // within the 10 s service managers allow.
            let caps = &mut resolved.limits.caps;
            caps.cancel_grace = caps.cancel_grace.min(CANCEL_GRACE);
            let prepared = crate::sync::prepare(&runtime, &resolved, &resolved.limits).await?;
            Ok::<_, anyhow::Error>((resolved, prepared))
        }
        .await;
        let (resolved, prepared) = match prepared {
            Ok(pair) => pair,
            Err(e) => return (Ended::Failed, Default::default(), Some(format!("{e:#}"))),
        };
        let control = crate::sync::RunControl {
            observer: Arc::new(itam_runtime::observer::Quiet),
            cancel,
            full: false,
            notify: crate::serve::webhooks::Deliverer::webhooks_for(
                &self.config().webhooks,
                &source.name,
            ),
        };
        let outcome = prepared
            .run_with(&self.inner.store, &resolved, &resolved.limits, control)
            .await;
        let ended = match (&outcome.result, outcome.cancelled) {
            (Ok(_), _) => Ended::Succeeded,
            (Err(_), true) => Ended::Cancelled,
            (Err(_), false) => Ended::Failed,
        };
        let error = outcome.result.err().map(|e| format!("{e:#}"));
        (ended, outcome.traffic, error)
    }

    /// Records when `name` is due next and frees it for the next run.
    fn finish(&self, name: &str, ended: Ended) {
        let mut table = self.inner.table();
        if let Some(slot) = table.slots.get_mut(name) {
            slot.running = None;
            if let (Some(timing), Some(before)) = (slot.timing, slot.next)
                && let Some(next) =
                    schedule::after_run(Utc::now(), timing, before, ended, fastrand::f64())
            {
                slot.next = Some(next);
                if let Err(e) = self.inner.store.set_schedule(name, next) {
                    tracing::warn!(source = %name, error = %format!("{e:#}"), "cannot store the schedule");
                }
            }
        }
        let idle = table.slots.values().all(|s| s.running.is_none());
        drop(table);
        self.inner.wake.notify_one();
        if idle {
            self.inner.idle.notify_waiters();
        }
    }

    /// Each source's schedule and state.
    pub fn status(&self) -> Vec<SourceStatus> {
        let table = self.inner.table();
        table
            .config
            .sources
            .iter()
            .filter_map(|source| {
                let slot = table.slots.get(&source.name)?;
                let (state, since) = match &slot.running {
                    None => ("idle", None),
                    Some(Running {
                        started: Some(at), ..
                    }) => ("running", Some(*at)),
                    Some(r) => ("queued", Some(r.requested)),
                };
                Some(SourceStatus {
                    name: source.name.clone(),
                    plugin: source.plugin_name(),
                    interval_seconds: slot.timing.map(|t| t.interval.as_secs()),
                    next_run_at: slot.next.map(|n| n.next_run_at),
                    consecutive_failures: slot.next.map_or(0, |n| n.consecutive_failures),
                    state,
                    since,
                    last_error: slot.last_error.clone(),
                    ran_since_start: slot.ran,
                })
            })
            .collect()
    }

    /// Stops scheduling and cancels every run; returns once they have all ended (each is
    /// rolled back and recorded as cancelled) or `within` has passed.
    pub async fn shutdown(&self, within: Duration) -> bool {
        self.inner.stopping.cancel();
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let idle = self.inner.idle.notified();
            {
                let table = self.inner.table();
                let running: Vec<&Running> = table
                    .slots
                    .values()
                    .filter_map(|s| s.running.as_ref())
                    .collect();
                if running.is_empty() {
                    return true;
                }
                for r in running {
                    r.cancel.cancel();
                }
            }
            if tokio::time::timeout_at(deadline, idle).await.is_err() {
                return false;
            }
        }
    }
}

impl Inner {
    fn table(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|p| p.into_inner())
    }
}
