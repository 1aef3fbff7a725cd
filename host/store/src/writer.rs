//! Writing one run, on a connection of its own: batches are staged in TEMP tables (no lock on
//! the snapshot), and commit publishes them in one transaction; fail or cancel drops them.

use super::pipe::{Item, Pipe};
use super::plugin_state::{self, Saved};
use super::spare::RunConnection;
use super::{Store, now};
use super::{apply, changes, derived, references, staging};
use crate::values;
use anyhow::{Context, Result};
use itam_runtime::BatchSink;
use itam_runtime::contract::types::{Batch, Coverage, EntityKind, Outcome, Removal};

use std::sync::{Arc, Mutex};

/// The open run of one source. Clones share the run.
#[derive(Clone)]
pub struct RunWriter {
    store: Store,
    /// The run's own connection: its TEMP staging tables live in its session (given back for
    /// the next run when the run's last handle goes, see `spare.rs`).
    conn: Arc<Mutex<RunConnection>>,
    run_id: i64,
    source: String,
    plugin: String,
    /// Why the host asked for a full read, if it did (the plugin may give its own reason).
    full_reason: Arc<Mutex<Option<String>>>,
    /// The webhooks told of the run's changes (outbox deliveries written when it commits).
    webhooks: Arc<Mutex<Vec<String>>>,
    /// The thread writing the run's batches, once the first batch arrives.
    pipe: Arc<Mutex<Option<Pipe>>>,
}

/// Longest error text stored for a run, in bytes.
const MAX_RUN_ERROR: usize = 16 << 10;

impl RunWriter {
    pub(super) fn begin(
        store: Store,
        source: &str,
        plugin: &str,
        version: &str,
        sha256: &str,
    ) -> Result<RunWriter> {
        let run_id: i64 = store.read(|q| {
            q.value(
                "INSERT INTO runs (source, plugin, plugin_version, plugin_sha256, pid, host,
                     host_id, started_at, status)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'running') RETURNING id",
                &values![
                    source,
                    plugin,
                    version,
                    sha256,
                    std::process::id(),
                    super::hostname(),
                    store.member(),
                    now()
                ],
            )
        })?;
        let opened = store.connect_for_run().and_then(|mut conn| {
            // The staged rows go to TEMP tables only, so staging takes no lock on the
            // snapshot: runs of other sources stage and publish meanwhile.
            staging::prepare(conn.as_query())?;
            conn.begin_staging()?;
            Ok(conn)
        });
        let conn = match opened {
            Ok(conn) => conn,
            Err(e) => {
                let _ = store.read(|q| {
                    q.execute(
                        "UPDATE runs SET status = 'failed', ended_at = ?2, error = ?3 WHERE id = ?1",
                        &values![
                            run_id,
                            now(),
                            format!("the run could not start its transaction: {e:#}")
                        ],
                    )
                });
                return Err(e.context("starting the run's transaction"));
            }
        };
        Ok(RunWriter {
            store,
            conn: Arc::new(Mutex::new(conn)),
            run_id,
            source: source.to_string(),
            plugin: plugin.to_string(),
            full_reason: Arc::default(),
            webhooks: Arc::default(),
            pipe: Arc::default(),
        })
    }

    /// The run's ID.
    pub fn run_id(&self) -> i64 {
        self.run_id
    }

    /// Records why the host asked this run to read in full (shown by `itam runs`), unless the
    /// plugin gives a reason of its own.
    pub fn set_full_reason(&self, reason: &str) {
        *self.full_reason.lock().unwrap_or_else(|p| p.into_inner()) = Some(reason.to_string());
    }

    /// Names the webhooks to tell about the run's changes: when the run commits, a delivery for
    /// each is written to the outbox in the same transaction.
    pub fn notify(&self, webhooks: Vec<String>) {
        *self.webhooks.lock().unwrap_or_else(|p| p.into_inner()) = webhooks;
    }

    /// Makes the run's snapshot current (replacing, updating or keeping each kind as the
    /// outcome says it was read), records its licence counts and the plugin's state for the
    /// next run, and marks it succeeded, all in one transaction. `output_bytes` is what the
    /// runtime measured the run's entities at.
    pub fn commit(&self, outcome: &Outcome, output_bytes: u64) -> Result<()> {
        let summary = &outcome.summary;
        let incremental = outcome.is_incremental();
        let plan = apply::plan(outcome);
        let full_reason = match (incremental, &outcome.full_reason) {
            (true, _) => None,
            (false, Some(reason)) => Some(reason.clone()),
            (false, None) => self
                .full_reason
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        };
        self.drain()?;
        let started = std::time::Instant::now();
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let result = (|| -> Result<()> {
            // Publishing takes the source's write lock (SQLite: the database's), waiting
            // while another run publishes.
            conn.begin_publishing(&self.source)?;
            let q = conn.as_query();
            self.store.check_lease(q, &self.source)?;
            apply::check(q, &plan)?;
            staging::index_ids(q)?;
            references::check_references(q, &self.source, incremental)?;
            let step = std::time::Instant::now();
            let baseline = changes::capture_previous(q, &self.source)?;
            if baseline {
                derived::watch_memberships(q, &self.source)?;
            }
            let captured = step.elapsed();
            let written = apply::publish(q, &self.source, &plan)?;
            changes::stop_watching(q)?;
            derived::stop_watching(q)?;
            let published = step.elapsed();
            derived::resolve_licence_groups(q, &self.source, &written, baseline)?;
            let resolved = step.elapsed();
            // From here to the commit, runs take turns: the change feed's cursor must grow
            // in commit order.
            conn.serialize_changes()?;
            let q = conn.as_query();
            changes::record(q, self.run_id, &self.source, baseline)?;
            tracing::debug!(
                source = %self.source,
                capture_ms = captured.as_millis() as u64,
                publish_ms = (published - captured).as_millis() as u64,
                licence_groups_ms = (resolved - published).as_millis() as u64,
                changes_ms = (step.elapsed() - resolved).as_millis() as u64,
                "run published"
            );
            let webhooks = self
                .webhooks
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone();
            super::outbox::enqueue(q, &self.source, self.run_id, &webhooks)?;
            let refreshed = outcome
                .coverage
                .iter()
                .filter(|(_, c)| *c == Coverage::Full)
                .filter_map(|(kind, _)| (*kind == EntityKind::SignInActivity).then_some(kind))
                .map(|kind| kind.wit_name().to_string())
                .collect();
            plugin_state::save(
                q,
                &self.source,
                self.run_id,
                &Saved {
                    plugin: &self.plugin,
                    state: outcome.state.as_deref(),
                    full: !incremental,
                    refreshed,
                },
            )?;
            q.execute(
                "INSERT INTO product_history (run_id, source, product_id, part_number, capability_status,
                     enabled, warning, suspended, locked_out, consumed_units)
                 SELECT CAST(?1 AS BIGINT), source, product_id, part_number, capability_status,
                     enabled, warning, suspended, locked_out, consumed_units
                 FROM products WHERE source = ?2",
                &values![self.run_id, &self.source],
            )?;
            let map = |pairs: &[(String, String)]| {
                pairs
                    .iter()
                    .cloned()
                    .collect::<std::collections::BTreeMap<_, _>>()
            };
            let summary = serde_json::json!({
                "counts": summary.counts.iter().cloned().collect::<std::collections::BTreeMap<_, _>>(),
                "warnings": summary.warnings,
                "data_quality": summary.data_quality,
                "facts": map(&summary.facts),
                "output_bytes": output_bytes,
            });
            q.execute(
                "UPDATE runs SET status = 'succeeded', ended_at = ?2, counts = ?3, mode = ?4,
                     full_reason = ?5
                 WHERE id = ?1",
                &values![
                    self.run_id,
                    now(),
                    summary.to_string(),
                    if incremental { "incremental" } else { "full" },
                    full_reason
                ],
            )?;
            q.batch("COMMIT")?;
            tracing::debug!(
                source = %self.source,
                millis = started.elapsed().as_millis() as u64,
                "run committed"
            );
            Ok(())
        })();
        if result.is_err() {
            // (Without an open transaction, SQLite refuses and PostgreSQL warns: no harm.)
            let _ = conn.as_query().batch("ROLLBACK");
        }
        self.store.clear_progress(self.run_id);
        result.context("committing the run")
    }

    /// Discards everything the run wrote and records why it failed.
    pub fn fail(&self, error: &str) -> Result<()> {
        self.end("failed", error)
    }

    /// Discards everything the run wrote and records it as cancelled (stopped on request,
    /// e.g. by the service shutting down), with `reason`.
    pub fn cancel(&self, reason: &str) -> Result<()> {
        self.end("cancelled", reason)
    }

    fn end(&self, status: &str, error: &str) -> Result<()> {
        let mut error = error.to_string();
        itam_runtime::policy::bounds::truncate(&mut error, MAX_RUN_ERROR);
        // The run is ending already; a write error of its own adds nothing.
        let _ = self.drain();
        {
            let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
            let _ = conn.as_query().batch("ROLLBACK");
        }
        self.store.read(|q| {
            q.execute(
                "UPDATE runs SET status = ?4, ended_at = ?2, error = ?3 WHERE id = ?1",
                &values![self.run_id, now(), error.as_str(), status],
            )
        })?;
        self.store.clear_progress(self.run_id);
        Ok(())
    }
}

impl RunWriter {
    /// Waits for the writer thread to write every batch handed to it.
    fn drain(&self) -> Result<()> {
        let pipe = self
            .pipe
            .lock()
            .map_err(|_| anyhow::anyhow!("the run's writer panicked"))?
            .take();
        match pipe {
            Some(mut pipe) => pipe.finish(),
            None => Ok(()),
        }
    }
}

impl RunWriter {
    /// Hands `item` to the run's writer thread, starting it on the first item.
    fn send(&self, item: Item) -> Result<()> {
        let mut pipe = self
            .pipe
            .lock()
            .map_err(|_| anyhow::anyhow!("the run's writer panicked"))?;
        if pipe.is_none() {
            *pipe = Some(Pipe::start(self.conn.clone(), self.source.clone())?);
        }
        self.store.record_progress(self.run_id);
        pipe.as_mut().expect("started above").send(item)
    }
}

impl BatchSink for RunWriter {
    fn accept(&mut self, batch: Batch) -> Result<()> {
        self.send(Item::Batch(batch))
    }

    fn remove(&mut self, removals: Vec<Removal>) -> Result<()> {
        self.send(Item::Removals(removals))
    }

    fn finish(&mut self) -> Result<()> {
        self.drain()
    }
}
