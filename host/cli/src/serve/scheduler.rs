//! The service loop: runs each scheduled source when it is due, at most
//! `[serve] max_concurrent_runs` at a time and never two of one source at once; runs a source
//! on request; reloads the configuration; cancels every run on shutdown. The decisions are
//! [`super::schedule`]'s; this module carries them out and keeps them in the store.
//!
//! The schedule lives in the store, and a source runs only while this service holds its lease
//! there: services sharing one PostgreSQL database (a fleet) each take due sources as they
//! have room, renew the leases of their runs with each heartbeat, and take over the sources
//! of a service whose leases expired. A service alone on its store works the same way.

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
    /// The store, as this service's (its runs publish only while it holds their lease).
    store: Store,
    /// This service's ID in the fleet.
    host: String,
    /// How often the heartbeat renews the leases; how long a lease lasts.
    heartbeat: Duration,
    lease: Duration,
    /// The request rate per app, shared with the fleet.
    pacing: super::pace::Pacing,
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
    /// The sources kept in the store, as last seen (the heartbeat reloads on a change).
    stored_sources: Mutex<itam_store::SourcesVersion>,
}

struct Table {
    /// The configuration file's.
    base: Arc<Config>,
    /// The file's with the sources kept in the store.
    config: Arc<Config>,
    slots: BTreeMap<String, Slot>,
}

/// One configured source.
struct Slot {
    /// `None` for a source without `schedule` (run on request only).
    timing: Option<Timing>,
    /// When it is due next (scheduled sources), as last read from the store.
    next: Option<ScheduleState>,
    /// Another service of the fleet that runs it now.
    elsewhere: Option<String>,
    running: Option<Running>,
    /// Why its last run failed, if it did.
    last_error: Option<String>,
    /// Whether a run of it ended since the service started (for readiness).
    ran: bool,
}

struct Running {
    cancel: CancelToken,
    /// The schedule when the lease was taken, and when.
    leased: ScheduleState,
    leased_at: Instant,
    /// Whether the due time that came while it ran was counted as skipped.
    skip_counted: bool,
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
    /// `idle`, `queued` (waiting for a free slot), `running`, or `elsewhere` (another
    /// service of the fleet runs it).
    pub state: &'static str,
    /// The service of the fleet that runs it, when another does.
    pub running_on: Option<String>,
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
        let host = itam_store::new_host_id();
        store.join_fleet(&host, env!("CARGO_PKG_VERSION"))?;
        tracing::info!(host = %host, store = %store.describe(), "joined the fleet");
        let scheduler = Scheduler {
            inner: Arc::new(Inner {
                store: store.as_member(&host),
                host,
                heartbeat: config.serve.heartbeat,
                lease: config.serve.lease,
                pacing: super::pace::Pacing::new(config.serve.app_requests_per_second.into()),
                runtime,
                metrics,
                permits,
                stored_sources: Mutex::default(),
                table: Mutex::new(Table {
                    base: config.clone(),
                    config: config.clone(),
                    slots: BTreeMap::new(),
                }),
                wake: Notify::new(),
                idle: Notify::new(),
                stopping: CancelToken::new(),
            }),
        };
        scheduler.apply_base(config)?;
        Ok(scheduler)
    }

    /// The configuration file's sources with those kept in the store.
    fn with_stored_sources(&self, base: &Arc<Config>) -> Result<Arc<Config>> {
        *self
            .inner
            .stored_sources
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = self.inner.store.sources_version()?;
        Ok(Arc::new(
            (**base).clone().with_stored_sources(&self.inner.store)?,
        ))
    }

    /// Reloads the sources kept in the store if they changed since they were last read.
    fn refresh_stored_sources(&self) -> Result<()> {
        let version = self.inner.store.sources_version()?;
        let seen = self
            .inner
            .stored_sources
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if version != seen {
            let base = self.inner.table().base.clone();
            self.apply_base(base)?;
            tracing::info!("the sources kept in the store changed; schedule updated");
            self.inner.wake.notify_one();
        }
        Ok(())
    }

    /// The configuration in force.
    pub fn config(&self) -> Arc<Config> {
        self.inner.table().config.clone()
    }

    /// Takes a new configuration (after SIGHUP): new sources are scheduled, removed ones
    /// dropped (a run in progress finishes), and changed intervals apply from now on.
    pub fn reload(&self, config: Arc<Config>) -> Result<()> {
        self.apply_base(config)?;
        self.inner.wake.notify_one();
        Ok(())
    }

    /// Takes the configuration file's `base` with the sources kept in the store.
    fn apply_base(&self, base: Arc<Config>) -> Result<()> {
        let config = self.with_stored_sources(&base)?;
        self.apply(config)?;
        self.inner.table().base = base;
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
                    let last_success = self
                        .inner
                        .store
                        .last_success(&source.name)?
                        .and_then(|r| r.ended_at)
                        .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
                        .map(|t| t.with_timezone(&Utc));
                    // Another service may hold the source now: then its schedule stands.
                    let state = self.inner.store.schedule_source(&source.name, |stored| {
                        schedule::first_due(now, timing, stored, last_success, fastrand::f64())
                    })?;
                    Some(state)
                }
                None => None,
            };
            fresh.insert(
                source.name.clone(),
                Slot {
                    timing,
                    next,
                    elsewhere: None,
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

    /// Runs the schedule until [`Scheduler::shutdown`]: takes the due sources this service
    /// has room for, and sleeps until the next is due, a run ends, a run is asked for, or the
    /// heartbeat comes (other services may have left due sources).
    pub async fn run(&self) {
        let heartbeat = self.clone();
        tokio::spawn(async move { heartbeat.beat().await });
        loop {
            if self.inner.stopping.is_cancelled() {
                return;
            }
            // The store may wait for a run's publish (SQLite's one write lock): the thread is
            // handed over meanwhile, so that the service goes on answering.
            let wait = match tokio::task::block_in_place(|| self.tick()) {
                Ok(wait) => wait.min(self.inner.heartbeat),
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "cannot read the schedule from the store; trying again");
                    self.inner.heartbeat
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.inner.wake.notified() => {}
                _ = self.inner.stopping.cancelled() => return,
            }
        }
    }

    /// Reads the schedule, leases and starts the due sources there is room for, and returns
    /// how long until the next is due.
    fn tick(&self) -> Result<Duration> {
        let now = Utc::now();
        let names: Vec<String> = {
            let table = self.inner.table();
            table
                .slots
                .iter()
                .filter(|(_, slot)| slot.timing.is_some())
                .map(|(name, _)| name.clone())
                .collect()
        };
        let stored = self.inner.store.schedules(&names)?;
        let mut skipped = Vec::new();
        let (idle, room) = {
            let mut table = self.inner.table();
            for (name, state, holder) in stored {
                let Some(slot) = table.slots.get_mut(&name) else {
                    continue;
                };
                slot.next = Some(state);
                slot.elsewhere = holder.filter(|h| *h != self.inner.host);
                let (Some(timing), Some(running)) = (slot.timing, &mut slot.running) else {
                    continue;
                };
                // Due while a run asked for by hand is still going: this one is skipped.
                if state.next_run_at <= now
                    && running.leased.next_run_at > running.requested
                    && !running.skip_counted
                {
                    running.skip_counted = true;
                    skipped.push((name, schedule::skipped(now, timing, state, fastrand::f64())));
                }
            }
            let idle: Vec<String> = table
                .slots
                .iter()
                .filter(|(_, slot)| slot.timing.is_some() && slot.running.is_none())
                .map(|(name, _)| name.clone())
                .collect();
            let running = table.slots.values().filter(|s| s.running.is_some()).count();
            let room = table
                .config
                .serve
                .max_concurrent_runs
                .saturating_sub(running);
            (idle, room)
        };
        for (name, later) in skipped {
            self.skipped(&name);
            self.inner.store.set_schedule(&name, later)?;
        }
        let leases = self
            .inner
            .store
            .claim_due(&self.inner.host, &idle, room, self.inner.lease)?;
        for lease in leases {
            if let Some(from) = &lease.taken_from {
                tracing::warn!(source = %lease.source, from = %from, "taking the source over: the service that ran it stopped renewing its lease");
            }
            self.start_leased(lease, Utc::now());
        }
        let table = self.inner.table();
        let earliest = table
            .slots
            .values()
            .filter(|s| s.running.is_none() && s.elsewhere.is_none())
            .filter_map(|s| s.next.map(|n| n.next_run_at))
            .min();
        Ok(earliest
            .map(|e| (e - Utc::now()).to_std().unwrap_or(self.inner.heartbeat))
            .unwrap_or(self.inner.heartbeat))
    }

    /// Renews this service's heartbeat and leases until shutdown; a run whose lease another
    /// service took over (this one stalled past it) is cancelled.
    async fn beat(&self) {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(self.inner.heartbeat) => {}
                _ = self.inner.stopping.cancelled() => return,
            }
            let asked = Instant::now();
            let renewed = tokio::task::block_in_place(|| {
                if let Err(e) = self.refresh_stored_sources() {
                    tracing::warn!(error = %format!("{e:#}"), "cannot read the sources kept in the store");
                }
                self.pace_with_fleet();
                self.inner
                    .store
                    .heartbeat(&self.inner.host, self.inner.lease)
            });
            let held = match renewed {
                Ok(held) => held,
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "cannot renew the leases; the runs go on while the leases last");
                    continue;
                }
            };
            let table = self.inner.table();
            for (name, slot) in &table.slots {
                if let Some(running) = &slot.running
                    && running.leased_at < asked
                    && !held.contains(name)
                {
                    tracing::warn!(source = %name, "the lease on the source passed to another service; cancelling its run here");
                    running.cancel.cancel();
                }
            }
        }
    }

    /// Shares the request rate with the services alive, and takes up the fleet's pauses.
    fn pace_with_fleet(&self) {
        let inner = &self.inner;
        let synced = inner
            .store
            .alive_hosts(inner.heartbeat * 3)
            .and_then(|alive| inner.pacing.sync(&inner.store, &inner.host, alive));
        if let Err(e) = synced {
            tracing::warn!(error = %format!("{e:#}"), "cannot share the request rate with the fleet");
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
        let requested = Utc::now();
        match self
            .inner
            .store
            .claim(&self.inner.host, name, self.inner.lease)
        {
            Ok(Some(lease)) => self.start_leased(lease, requested),
            // Another service of the fleet runs it now.
            Ok(None) => RunNow::AlreadyRunning,
            Err(e) => {
                tracing::warn!(source = %name, error = %format!("{e:#}"), "cannot lease the source to run it");
                RunNow::AlreadyRunning
            }
        }
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

    /// Starts a run of the source this service just leased (asked for at `requested`); gives
    /// the lease back if the source is gone or already running here.
    fn start_leased(&self, lease: itam_store::Lease, requested: DateTime<Utc>) -> RunNow {
        let cancel = CancelToken::new();
        let name = lease.source.as_str();
        let started = (|| {
            let mut table = self.inner.table();
            let config = table.config.clone();
            let Some(slot) = table.slots.get_mut(name) else {
                return Err(RunNow::UnknownSource);
            };
            if slot.running.is_some() {
                return Err(RunNow::AlreadyRunning);
            }
            let Some(source) = config.sources.iter().find(|s| s.name == name).cloned() else {
                return Err(RunNow::UnknownSource);
            };
            slot.elsewhere = None;
            slot.running = Some(Running {
                cancel: cancel.clone(),
                leased: lease.state,
                leased_at: Instant::now(),
                skip_counted: false,
                requested,
                started: None,
            });
            Ok((source, config.network.clone()))
        })();
        let (source, network) = match started {
            Ok(pair) => pair,
            Err(refused) => {
                if refused == RunNow::UnknownSource {
                    let _ = self.inner.store.release(&self.inner.host, name, None);
                }
                return refused;
            }
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
            // The app is what Graph limits across tenants: its client ID.
            pacer: resolved.credential.as_ref().map(|c| {
                self.inner
                    .pacing
                    .app(&format!("{}:{}", source.plugin_name(), c.client_id))
                    as Arc<dyn itam_runtime::Pacer>
            }),
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

    /// Records when `name` is due next and gives its lease back.
    fn finish(&self, name: &str, ended: Ended) {
        let mut table = self.inner.table();
        if let Some(slot) = table.slots.get_mut(name) {
            let running = slot.running.take();
            let before = slot.next.or(running.map(|r| r.leased));
            let next = match (slot.timing, before) {
                (Some(timing), Some(before)) => {
                    schedule::after_run(Utc::now(), timing, before, ended, fastrand::f64())
                }
                _ => None,
            };
            if next.is_some() {
                slot.next = next;
            }
            match self.inner.store.release(&self.inner.host, name, next) {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(source = %name, "the lease had passed to another service; its schedule stands")
                }
                Err(e) => {
                    tracing::warn!(source = %name, error = %format!("{e:#}"), "cannot store the schedule; the lease ends when it expires")
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
                    None if slot.elsewhere.is_some() => ("elsewhere", None),
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
                    running_on: slot.elsewhere.clone(),
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

    /// Leaves the fleet: gives up this service's leases, so that another service runs its
    /// sources when due without waiting for the leases to expire.
    pub fn leave(&self) {
        if let Err(e) = self.inner.store.leave_fleet(&self.inner.host) {
            tracing::warn!(error = %format!("{e:#}"), "cannot record leaving the fleet; the leases end when they expire");
        }
    }
}

impl Inner {
    fn table(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|p| p.into_inner())
    }
}
