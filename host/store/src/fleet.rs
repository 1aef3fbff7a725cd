//! The fleet: the `itam serve` processes ("hosts") that share one database. Each host records
//! itself in `hosts` and renews a heartbeat there; a source is run by the host that leases it
//! (`schedule.lease_holder`) until the lease expires, and the host renews its leases while its
//! runs last. Hosts pick due sources with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so that each
//! due source goes to exactly one of them; a host that dies loses its leases when they expire
//! and another takes its sources over. Times come from the database's clock, which every host
//! shares.
//!
//! On SQLite the same tables serve the one service a file allows.

use crate::query::Query;
use crate::{ScheduleState, Store, values};
use anyhow::{Result, bail};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::time::Duration;

/// `next_run_at` of a source that runs only on request.
pub const NEVER: &str = "9999-12-31T00:00:00Z";

/// A source leased to this host: run it, then [`Store::release`] it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The source.
    pub source: String,
    /// Its schedule when it was leased.
    pub state: ScheduleState,
    /// The host whose lease had expired, when this one takes the source over.
    pub taken_from: Option<String>,
}

/// One host of the fleet, as `itam fleet status` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct HostRecord {
    /// The host's ID (one per `itam serve` process).
    pub id: String,
    /// The machine it runs on.
    pub hostname: String,
    /// Its process ID on that machine.
    pub pid: i64,
    /// The itam version it runs.
    pub version: String,
    /// When it started.
    pub started_at: String,
    /// When it last renewed its heartbeat.
    pub heartbeat_at: String,
    /// When it stopped, if it stopped cleanly.
    pub stopped_at: Option<String>,
    /// Whether it renewed its heartbeat recently enough to count as alive.
    pub alive: bool,
    /// Leases it holds.
    pub leases: u64,
    /// Runs it ended in the last hour.
    pub runs_last_hour: u64,
}

/// A source leased to a host.
#[derive(Debug, Clone, Serialize)]
pub struct LeaseRecord {
    /// The source.
    pub source: String,
    /// The host that holds it.
    pub holder: String,
    /// When the lease expires unless renewed.
    pub expires_at: String,
}

/// A source whose run is due and that no host has taken.
#[derive(Debug, Clone, Serialize)]
pub struct Overdue {
    /// The source.
    pub source: String,
    /// When it was due.
    pub next_run_at: String,
}

/// The fleet at a glance.
#[derive(Debug, Clone, Serialize)]
pub struct FleetStatus {
    /// The database's time when this was read.
    pub now: String,
    /// Hosts that have not stopped cleanly, and those that stopped in the last day.
    pub hosts: Vec<HostRecord>,
    /// Leases held.
    pub leases: Vec<LeaseRecord>,
    /// Sources due for longer than the grace given, with no host running them.
    pub overdue: Vec<Overdue>,
    /// Runs that ended in the last hour, and how many of them failed.
    pub runs_last_hour: u64,
    /// Failed runs among them.
    pub failed_last_hour: u64,
}

/// A new ID for this process as a fleet host: `machine-pid-xxxx`, readable in `itam fleet
/// status`, the last part telling apart processes that reuse a pid.
pub fn new_host_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{}-{}-{:04x}",
        crate::hostname(),
        std::process::id(),
        nanos & 0xffff
    )
}

impl Store {
    /// Records this host (`id`, unique per process) as a member of the fleet.
    pub fn join_fleet(&self, id: &str, version: &str) -> Result<()> {
        let d = self.dialect();
        self.read(|q| {
            q.execute(
                &format!(
                    "INSERT INTO hosts (id, hostname, pid, version, started_at, heartbeat_at)
                     VALUES (?1, ?2, ?3, ?4, {now}, {now})",
                    now = d.clock(0)
                ),
                &values![id, crate::hostname(), std::process::id(), version],
            )
        })?;
        Ok(())
    }

    /// Renews host `id`'s heartbeat and its leases for another `lease`; returns the sources it
    /// still holds (a source missing from them was taken over after its lease expired: its run
    /// must stop).
    pub fn heartbeat(&self, id: &str, lease: Duration) -> Result<Vec<String>> {
        let d = self.dialect();
        self.read(|q| {
            q.execute(
                &format!(
                    "UPDATE hosts SET heartbeat_at = {} WHERE id = ?1",
                    d.clock(0)
                ),
                &values![id],
            )?;
            q.rows(
                &format!(
                    "UPDATE schedule SET lease_expires_at = {}
                     WHERE lease_holder = ?1 RETURNING source",
                    d.clock(seconds(lease))
                ),
                &values![id],
                |r| r.get(0),
            )
        })
    }

    /// Marks host `id` stopped and gives up its leases.
    pub fn leave_fleet(&self, id: &str) -> Result<()> {
        let d = self.dialect();
        self.transaction(|q| {
            q.execute(
                "UPDATE schedule SET lease_holder = NULL, lease_expires_at = NULL
                 WHERE lease_holder = ?1",
                &values![id],
            )?;
            q.execute(
                &format!("UPDATE hosts SET stopped_at = {} WHERE id = ?1", d.clock(0)),
                &values![id],
            )
        })?;
        Ok(())
    }

    /// Makes sure `source` has a schedule: `first` decides it from the stored one (`None` if
    /// there is none) unless a host holds the source's lease, which then decides. Returns the
    /// schedule in force.
    pub fn schedule_source(
        &self,
        source: &str,
        first: impl FnOnce(Option<ScheduleState>) -> ScheduleState,
    ) -> Result<ScheduleState> {
        let d = self.dialect();
        self.transaction(|q| {
            let row: Option<(String, u32, bool)> = q.row_opt(
                &format!(
                    "SELECT next_run_at, consecutive_failures,
                        lease_holder IS NOT NULL AND lease_expires_at > {}
                     FROM schedule WHERE source = ?1",
                    d.clock(0)
                ),
                &values![source],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            // A source leased only on request so far has no schedule of its own yet.
            let stored = row
                .as_ref()
                .filter(|(at, _, _)| at != NEVER)
                .map(|(at, failures, _)| state(at, *failures));
            if let (Some(state), Some((_, _, true))) = (stored, &row) {
                return Ok(state);
            }
            let chosen = first(stored);
            q.execute(
                "INSERT INTO schedule (source, next_run_at, consecutive_failures) VALUES (?1, ?2, ?3)
                 ON CONFLICT (source) DO UPDATE SET next_run_at = ?2, consecutive_failures = ?3",
                &values![source, stamp(chosen.next_run_at), chosen.consecutive_failures],
            )?;
            Ok(chosen)
        })
    }

    /// Leases to host `id`, for `lease`, up to `limit` of `candidates` that are due and that no
    /// host holds, the longest overdue first.
    pub fn claim_due(
        &self,
        id: &str,
        candidates: &[String],
        limit: usize,
        lease: Duration,
    ) -> Result<Vec<Lease>> {
        if limit == 0 || candidates.is_empty() {
            return Ok(Vec::new());
        }
        let d = self.dialect();
        let names = serde_json::to_string(candidates)?;
        self.transaction(|q| {
            expire_dead_local_leases(q)?;
            let picked = q.rows(
                &format!(
                    "SELECT source, next_run_at, consecutive_failures, lease_holder FROM schedule
                     WHERE source IN ({list}) AND next_run_at <= {now}
                       AND (lease_holder IS NULL OR lease_expires_at <= {now})
                     ORDER BY next_run_at, source LIMIT {limit}{lock}",
                    list = d.json_strings("?1"),
                    now = d.clock(0),
                    lock = d.skip_locked(),
                ),
                &values![names],
                picked,
            )?;
            take(q, id, picked, lease)
        })
    }

    /// Leases `source` to host `id` now, whether due or not (a run asked for), unless another
    /// host holds it; `None` then.
    pub fn claim(&self, id: &str, source: &str, lease: Duration) -> Result<Option<Lease>> {
        let d = self.dialect();
        self.transaction(|q| {
            q.execute(
                "INSERT INTO schedule (source, next_run_at) VALUES (?1, ?2)
                 ON CONFLICT (source) DO NOTHING",
                &values![source, NEVER],
            )?;
            expire_dead_local_leases(q)?;
            let picked = q.rows(
                &format!(
                    "SELECT source, next_run_at, consecutive_failures, lease_holder FROM schedule
                     WHERE source = ?1 AND (lease_holder IS NULL OR lease_expires_at <= {now}){lock}",
                    now = d.clock(0),
                    lock = d.skip_locked(),
                ),
                &values![source],
                picked,
            )?;
            Ok(take(q, id, picked, lease)?.pop())
        })
    }

    /// Ends host `id`'s lease on `source`, storing its schedule from now (`next`; `None` keeps
    /// the stored one). False if the lease was no longer the host's: another host took the
    /// source over, and its schedule stands.
    pub fn release(&self, id: &str, source: &str, next: Option<ScheduleState>) -> Result<bool> {
        let changed = self.read(|q| match next {
            Some(next) => q.execute(
                "UPDATE schedule SET next_run_at = ?3, consecutive_failures = ?4,
                     lease_holder = NULL, lease_expires_at = NULL
                 WHERE source = ?1 AND lease_holder = ?2",
                &values![
                    source,
                    id,
                    stamp(next.next_run_at),
                    next.consecutive_failures
                ],
            ),
            None => q.execute(
                "UPDATE schedule SET lease_holder = NULL, lease_expires_at = NULL
                 WHERE source = ?1 AND lease_holder = ?2",
                &values![source, id],
            ),
        })?;
        Ok(changed > 0)
    }

    /// The stored schedule of each of `sources` that has one, with the host holding it.
    pub fn schedules(
        &self,
        sources: &[String],
    ) -> Result<Vec<(String, ScheduleState, Option<String>)>> {
        let d = self.dialect();
        let names = serde_json::to_string(sources)?;
        self.read(|q| {
            q.rows(
                &format!(
                    "SELECT source, next_run_at, consecutive_failures,
                        CASE WHEN lease_expires_at > {now} THEN lease_holder END
                     FROM schedule WHERE source IN ({list})",
                    now = d.clock(0),
                    list = d.json_strings("?1"),
                ),
                &values![names],
                |r| {
                    let at: String = r.get(1)?;
                    Ok((r.get(0)?, state(&at, r.get(2)?), r.get(3)?))
                },
            )
        })
    }

    /// The fleet's hosts, leases, overdue sources and recent runs. A host is alive if its
    /// heartbeat is younger than `alive_within`; a source among `sources` (those configured;
    /// the schedule may remember others) is overdue once it has been due for longer than
    /// `grace` with no host holding it.
    pub fn fleet_status(
        &self,
        alive_within: Duration,
        grace: Duration,
        sources: &[String],
    ) -> Result<FleetStatus> {
        let d = self.dialect();
        let names = serde_json::to_string(sources)?;
        self.read(|q| {
            let now: String = q.value(&format!("SELECT {}", d.clock(0)), &[])?;
            let hour_ago: String = q.value(&format!("SELECT {}", d.clock(-3600)), &[])?;
            let hosts = q.rows(
                &format!(
                    "SELECT h.id, h.hostname, h.pid, h.version, h.started_at, h.heartbeat_at,
                        h.stopped_at,
                        h.stopped_at IS NULL AND h.heartbeat_at >= {alive},
                        (SELECT COUNT(*) FROM schedule s
                         WHERE s.lease_holder = h.id AND s.lease_expires_at > ?1),
                        (SELECT COUNT(*) FROM runs r WHERE r.host_id = h.id AND r.ended_at >= ?2)
                     FROM hosts h
                     WHERE h.stopped_at IS NULL OR h.stopped_at >= {day_ago}
                     ORDER BY h.started_at, h.id",
                    alive = d.clock(-seconds(alive_within)),
                    day_ago = d.clock(-86_400),
                ),
                &values![now.as_str(), hour_ago.as_str()],
                |r| {
                    Ok(HostRecord {
                        id: r.get(0)?,
                        hostname: r.get(1)?,
                        pid: r.get(2)?,
                        version: r.get(3)?,
                        started_at: r.get(4)?,
                        heartbeat_at: r.get(5)?,
                        stopped_at: r.get(6)?,
                        alive: r.get(7)?,
                        leases: r.get(8)?,
                        runs_last_hour: r.get(9)?,
                    })
                },
            )?;
            let leases = q.rows(
                "SELECT source, lease_holder, lease_expires_at FROM schedule
                 WHERE lease_holder IS NOT NULL AND lease_expires_at > ?1 ORDER BY source",
                &values![now.as_str()],
                |r| {
                    Ok(LeaseRecord {
                        source: r.get(0)?,
                        holder: r.get(1)?,
                        expires_at: r.get(2)?,
                    })
                },
            )?;
            let overdue = q.rows(
                &format!(
                    "SELECT source, next_run_at FROM schedule
                     WHERE next_run_at <= {due} AND source IN ({list})
                       AND (lease_holder IS NULL OR lease_expires_at <= ?1)
                     ORDER BY next_run_at, source",
                    due = d.clock(-seconds(grace)),
                    list = d.json_strings("?2"),
                ),
                &values![now.as_str(), names.as_str()],
                |r| {
                    Ok(Overdue {
                        source: r.get(0)?,
                        next_run_at: r.get(1)?,
                    })
                },
            )?;
            let (runs_last_hour, failed_last_hour) = q
                .row_opt(
                    "SELECT COUNT(*), COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0)
                     FROM runs WHERE ended_at >= ?1",
                    &values![hour_ago.as_str()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?
                .unwrap_or((0, 0));
            Ok(FleetStatus {
                now,
                hosts,
                leases,
                overdue,
                runs_last_hour,
                failed_last_hour,
            })
        })
    }

    /// How many hosts renewed their heartbeat within `within` and have not stopped.
    pub fn alive_hosts(&self, within: Duration) -> Result<u64> {
        let d = self.dialect();
        self.read(|q| {
            q.value(
                &format!(
                    "SELECT COUNT(*) FROM hosts WHERE stopped_at IS NULL AND heartbeat_at >= {}",
                    d.clock(-seconds(within))
                ),
                &[],
            )
        })
    }

    /// Pauses the whole fleet's requests for `app` until `until` (or later, if a pause
    /// already runs longer), after sustained throttling seen by host `by`.
    pub fn pause_app(&self, app: &str, until: DateTime<Utc>, reason: &str, by: &str) -> Result<()> {
        self.read(|q| {
            q.execute(
                "INSERT INTO throttle (app, paused_until, reason, set_by) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (app) DO UPDATE SET paused_until = ?2, reason = ?3, set_by = ?4
                 WHERE throttle.paused_until < ?2",
                &values![app, stamp(until), reason, by],
            )
        })?;
        Ok(())
    }

    /// The apps the fleet pauses now, and until when.
    pub fn app_pauses(&self) -> Result<Vec<(String, DateTime<Utc>)>> {
        let d = self.dialect();
        self.read(|q| {
            q.rows(
                &format!(
                    "SELECT app, paused_until FROM throttle WHERE paused_until > {}",
                    d.clock(0)
                ),
                &[],
                |r| {
                    let at: String = r.get(1)?;
                    Ok((r.get(0)?, state(&at, 0).next_run_at))
                },
            )
        })
    }

    /// Checks, as a run of `source` publishes, that this store's host still holds the
    /// source's lease: a host whose lease expired (it stalled) must not publish over the
    /// run of the host that took the source over.
    pub(crate) fn check_lease(&self, q: &mut dyn Query, source: &str) -> Result<()> {
        let Some(member) = self.member() else {
            return Ok(());
        };
        let holder: Option<String> = q
            .row_opt(
                "SELECT lease_holder FROM schedule WHERE source = ?1",
                &values![source],
                |r| r.get(0),
            )?
            .flatten();
        if holder.as_deref() != Some(member) {
            bail!(
                "this service's lease on the source expired while the run lasted and {}; the run's result was discarded",
                match holder {
                    Some(other) => format!("service {other} took the source over"),
                    None => "nothing holds it now".to_string(),
                }
            );
        }
        Ok(())
    }
}

/// Ends at once the leases held by processes of this machine that no longer exist (a
/// service or a sync that was killed): there is no need to wait for them to expire. A holder
/// is `machine-pid-xxxx` (see [`new_host_id`]).
fn expire_dead_local_leases(q: &mut dyn Query) -> Result<()> {
    let here = crate::hostname();
    let holders: Vec<String> = q.rows(
        &format!(
            "SELECT DISTINCT lease_holder FROM schedule
             WHERE lease_holder IS NOT NULL AND lease_expires_at > {}",
            q.dialect().clock(0)
        ),
        &[],
        |r| r.get(0),
    )?;
    for holder in holders {
        let mut parts = holder.rsplitn(3, '-');
        let (_, pid, machine) = (parts.next(), parts.next(), parts.next());
        let dead = machine == Some(here.as_str())
            && pid
                .and_then(|p| p.parse::<i64>().ok())
                .is_some_and(|pid| !crate::process_alive(pid));
        if dead {
            q.execute(
                "UPDATE schedule SET lease_expires_at = '2000-01-01T00:00:00Z'
                 WHERE lease_holder = ?1",
                &values![holder.as_str()],
            )?;
        }
    }
    Ok(())
}

/// Reads the picked rows of a claim.
fn picked(r: &crate::Row) -> Result<(String, ScheduleState, Option<String>)> {
    let at: String = r.get(1)?;
    Ok((r.get(0)?, state(&at, r.get(2)?), r.get(3)?))
}

/// Leases the `picked` sources to `id`; runs left `running` by a host whose lease expired are
/// marked interrupted (that host is gone or stalled, and the previous snapshot stands).
fn take(
    q: &mut dyn Query,
    id: &str,
    picked: Vec<(String, ScheduleState, Option<String>)>,
    lease: Duration,
) -> Result<Vec<Lease>> {
    let expires = q.dialect().clock(seconds(lease));
    let mut leases = Vec::with_capacity(picked.len());
    for (source, state, previous) in picked {
        q.execute(
            &format!(
                "UPDATE schedule SET lease_holder = ?2, lease_expires_at = {expires}
                 WHERE source = ?1"
            ),
            &values![source.as_str(), id],
        )?;
        let taken_from = previous.filter(|p| p != id);
        if let Some(previous) = &taken_from {
            q.execute(
                "UPDATE runs SET status = 'interrupted', ended_at = ?3,
                     error = 'the service running it stopped renewing its lease; the previous snapshot was kept'
                 WHERE source = ?1 AND host_id = ?2 AND status = 'running'",
                &values![source.as_str(), previous.as_str(), crate::now()],
            )?;
        }
        leases.push(Lease {
            source,
            state,
            taken_from,
        });
    }
    Ok(leases)
}

/// A stored schedule; a time that does not parse counts as due now.
fn state(at: &str, consecutive_failures: u32) -> ScheduleState {
    ScheduleState {
        next_run_at: DateTime::parse_from_rfc3339(at)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|_| Utc::now()),
        consecutive_failures,
    }
}

fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Whole seconds, at least one.
fn seconds(d: Duration) -> i64 {
    (d.as_secs() as i64).max(1)
}
