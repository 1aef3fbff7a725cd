//! The store: the current snapshot per source, the run log and licence history, on SQLite
//! (one file, the default) or PostgreSQL (one server that a fleet of services shares), with
//! one SQL text for both wherever they agree ([`Query`], [`Dialect`]).
//!
//! A run stages its batches on a connection of its own and replaces the source's snapshot in
//! one write transaction that commits only when the plugin succeeds, so a failed or killed run
//! leaves the last good snapshot untouched. Runs of different sources stage side by side and
//! take a write lock (SQLite: the database's; PostgreSQL: the source's) only to publish;
//! reports read the last committed snapshot meanwhile. The run's own row is written outside
//! that transaction so failures are recorded too. The fleet's leases, heartbeats and shared
//! pauses live here too ([`Lease`], [`FleetStatus`]).

#![deny(missing_docs)]

mod apply;
mod changes;
mod derived;
mod engine;
mod fleet;
mod migrate;
mod outbox;
mod pipe;
mod plugin_state;
mod postgres;
pub mod query;
mod references;
mod rows;
mod schedule;
mod service_lock;
mod sources;
mod spare;
mod sqlite;
mod staging;
mod watch;
mod writer;

pub use fleet::{FleetStatus, HostRecord, Lease, LeaseRecord, NEVER, Overdue, new_host_id};
pub use migrate::Copied;
pub use outbox::Delivery;
pub use plugin_state::PluginState;
pub use postgres::PostgresOptions;
pub use query::{Dialect, FromValue, Query, Row, Value};
pub use schedule::ScheduleState;
pub use service_lock::ServiceLock;
pub use sources::{SourcesVersion, StoredSource};
pub use writer::RunWriter;

use anyhow::Result;
use engine::{Connection as Db, Engine};
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use sqlite::SCHEMA;
/// Schema 2 → 3: the product columns' old names.
const RENAME_PRODUCT_COLUMNS: &str = "
    ALTER TABLE subscriptions RENAME COLUMN sku_id TO product_id;
    ALTER TABLE subscriptions RENAME COLUMN sku_part_number TO part_number;
    ALTER TABLE products RENAME COLUMN sku_id TO product_id;
    ALTER TABLE products RENAME COLUMN sku_part_number TO part_number;
    ALTER TABLE assignments RENAME COLUMN sku_id TO product_id;
    ALTER TABLE group_licenses RENAME COLUMN sku_id TO product_id;
    ALTER TABLE changes RENAME COLUMN sku_id TO product_id;
    ALTER TABLE product_history RENAME COLUMN sku_id TO product_id;
    ALTER TABLE product_history RENAME COLUMN sku_part_number TO part_number;";
/// Schema 3 → 4: runs may end `cancelled` (a CHECK constraint, so the table is rebuilt, as
/// SQLite documents for such changes; foreign keys are off while it is).
const ALLOW_CANCELLED_RUNS: &str = "
    CREATE TABLE runs_new (
        id             INTEGER PRIMARY KEY,
        source         TEXT NOT NULL,
        plugin         TEXT NOT NULL,
        plugin_version TEXT NOT NULL,
        plugin_sha256  TEXT NOT NULL,
        pid            INTEGER NOT NULL,
        started_at     TEXT NOT NULL,
        ended_at       TEXT,
        status         TEXT NOT NULL
            CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted', 'cancelled')),
        error          TEXT,
        counts         TEXT
    );
    INSERT INTO runs_new SELECT * FROM runs;
    DROP TABLE runs;
    ALTER TABLE runs_new RENAME TO runs;
    CREATE INDEX IF NOT EXISTS runs_by_source ON runs (source, id);";
/// Schema 4 → 5: changes get an explicit, never reused ID (the change feed's cursor), in the
/// order they were recorded.
const NUMBER_CHANGES: &str = "
    CREATE TABLE changes_new (
        id             INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id         INTEGER NOT NULL REFERENCES runs (id),
        source         TEXT NOT NULL,
        kind           TEXT NOT NULL,
        account_id     TEXT,
        principal_name TEXT,
        product_id     TEXT,
        detail         TEXT
    );
    INSERT INTO changes_new (run_id, source, kind, account_id, principal_name, product_id, detail)
        SELECT run_id, source, kind, account_id, principal_name, product_id, detail
        FROM changes ORDER BY rowid;
    DROP TABLE changes;
    ALTER TABLE changes_new RENAME TO changes;
    CREATE INDEX IF NOT EXISTS changes_by_run ON changes (source, run_id);";
/// Schema 5 → 6: runs say how they read (full or incremental) and why they read in full; the
/// `plugin_state` table comes from SCHEMA.
const RUN_MODES: &str = "
    ALTER TABLE runs ADD COLUMN mode TEXT;
    ALTER TABLE runs ADD COLUMN full_reason TEXT;";
// Schema 6 → 7 added the indexes of memberships by member and of device owners by account,
// and schema 7 → 8 the nesting of groups (all from SCHEMA).
/// Schema 8 → 9: a product's purchased units may be unknown (NULL) and it may carry the
/// plugin's display name; the tables are rebuilt to drop the NOT NULL constraints.
const UNKNOWN_UNITS: &str = "
    CREATE TABLE products_new (
        source TEXT NOT NULL, product_id TEXT NOT NULL, part_number TEXT NOT NULL,
        display_name TEXT, capability_status TEXT NOT NULL, enabled INTEGER, warning INTEGER,
        suspended INTEGER, locked_out INTEGER, consumed_units INTEGER NOT NULL,
        service_plans TEXT NOT NULL, attributes TEXT NOT NULL,
        PRIMARY KEY (source, product_id)
    ) WITHOUT ROWID;
    INSERT INTO products_new (source, product_id, part_number, capability_status, enabled,
            warning, suspended, locked_out, consumed_units, service_plans, attributes)
        SELECT source, product_id, part_number, capability_status, enabled, warning, suspended,
            locked_out, consumed_units, service_plans, attributes FROM products;
    DROP TABLE products;
    ALTER TABLE products_new RENAME TO products;
    CREATE TABLE product_history_new (
        run_id INTEGER NOT NULL REFERENCES runs (id), source TEXT NOT NULL,
        product_id TEXT NOT NULL, part_number TEXT NOT NULL, capability_status TEXT NOT NULL,
        enabled INTEGER, warning INTEGER, suspended INTEGER, locked_out INTEGER,
        consumed_units INTEGER NOT NULL,
        PRIMARY KEY (run_id, product_id)
    ) WITHOUT ROWID;
    INSERT INTO product_history_new SELECT * FROM product_history;
    DROP TABLE product_history;
    ALTER TABLE product_history_new RENAME TO product_history;";
/// Schema 9 → 10: runs record the host they ran on (a fleet shares one database).
const RUN_HOSTS: &str = "ALTER TABLE runs ADD COLUMN host TEXT;";
/// Schema 10 → 11: runs record the service that ran them; the fleet's tables (from SCHEMA).
const RUN_SERVICES: &str = "ALTER TABLE runs ADD COLUMN host_id TEXT;";
/// Schema 10 → 11, where the schedule exists already: leases.
const SCHEDULE_LEASES: &str = "ALTER TABLE schedule ADD COLUMN lease_holder TEXT;
    ALTER TABLE schedule ADD COLUMN lease_expires_at TEXT;";
const SCHEMA_VERSION: i64 = 11;

/// A recorded run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunRecord {
    /// Run ID.
    pub id: i64,
    /// Source name.
    pub source: String,
    /// Start time (RFC 3339, UTC).
    pub started_at: String,
    /// End time, if it ended.
    pub ended_at: Option<String>,
    /// `running`, `succeeded`, `failed`, `cancelled` (stopped on request) or `interrupted`
    /// (its process ended first).
    pub status: String,
    /// Why it failed.
    pub error: Option<String>,
    /// For a successful run: counts, warnings, data-quality notes and facts about the source.
    pub summary: Option<serde_json::Value>,
    /// For a successful run: `full`, or `incremental` (some kinds read as changes or kept).
    pub mode: Option<String>,
    /// For a successful full run: why it read in full.
    pub full_reason: Option<String>,
}

/// A handle to the database, SQLite or PostgreSQL. Cloning shares the connection (reads and
/// the run log); each run opens a connection of its own.
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Box<dyn Db>>>,
    engine: Arc<Engine>,
    /// The fleet host this store's runs belong to (see [`Store::as_member`]).
    member: Option<Arc<str>>,
    /// Finished runs' sessions, kept for the next runs (PostgreSQL; see `spare.rs`).
    spare: Arc<Mutex<Vec<Box<dyn Db>>>>,
}

/// The current time as RFC 3339 UTC.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl Store {
    /// Opens the database at `path`, creating the file (mode 600: it holds every user's data,
    /// and SQLite gives its `-wal` and `-shm` files the same mode) if it does not exist. Its
    /// directory must exist ([`create_parent_dirs`] creates it): a typo in the path must not
    /// start a new, empty database. An error names the file and what to do; nothing is written
    /// to a file that is not an itam database.
    pub fn open(path: &Path) -> Result<Store> {
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if !dir.is_dir() {
            return Err(itam_runtime::error::config_error(format!(
                "the directory {} of the database {} does not exist; create it, correct store.path, or set create_dirs = true under [store] (itam demo: --create-dirs)",
                dir.display(),
                path.display()
            )));
        }
        create_private(path).map_err(|e| store_error(path, &e.to_string()))?;
        let conn = Connection::open(path).map_err(|e| sqlite_error(path, e))?;
        let configure = || -> rusqlite::Result<i64> {
            conn.busy_timeout(BUSY_TIMEOUT)?;
            // Reading the header first: a file that is not SQLite fails here, before the
            // journal mode is written.
            let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
            conn.pragma_update(None, "journal_mode", "WAL")?;
            Ok(version)
        };
        let version = configure().map_err(|e| sqlite_error(path, e))?;
        if version > SCHEMA_VERSION {
            anyhow::bail!(
                "the database {} was written by a newer itam (schema {version}); upgrade itam",
                path.display()
            );
        }
        // Only a new or older database is written to here: opening one that a running sync
        // holds a write transaction on must not wait for it (reports read while syncs run).
        if version < SCHEMA_VERSION {
            let upgrade = (|| -> rusqlite::Result<()> {
                let tx = conn.unchecked_transaction()?;
                if version == 1 {
                    // Schema 2 added soft-deleted accounts; its new tables come from SCHEMA.
                    tx.execute_batch("ALTER TABLE accounts ADD COLUMN deleted_date_time TEXT")?;
                }
                if (1..3).contains(&version) {
                    // Schema 3 gave product columns neutral names.
                    tx.execute_batch(RENAME_PRODUCT_COLUMNS)?;
                }
                if (1..4).contains(&version) {
                    tx.execute_batch(ALLOW_CANCELLED_RUNS)?;
                }
                if (1..5).contains(&version) {
                    tx.execute_batch(NUMBER_CHANGES)?;
                }
                if (1..6).contains(&version) {
                    tx.execute_batch(RUN_MODES)?;
                }
                if (1..9).contains(&version) {
                    tx.execute_batch(UNKNOWN_UNITS)?;
                }
                if (1..10).contains(&version) {
                    tx.execute_batch(RUN_HOSTS)?;
                }
                if (1..11).contains(&version) {
                    tx.execute_batch(RUN_SERVICES)?;
                    let scheduled: bool = tx.query_row(
                        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'schedule')",
                        [],
                        |r| r.get(0),
                    )?;
                    if scheduled {
                        tx.execute_batch(SCHEDULE_LEASES)?;
                    }
                }
                tx.execute_batch(SCHEMA)?;
                tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
                tx.commit()
            })();
            upgrade.map_err(|e| sqlite_error(path, e))?;
        }
        // Foreign keys are switched on only now: the upgrade above rebuilds a referenced table.
        configure_connection(&conn).map_err(|e| sqlite_error(path, e))?;
        let store = Store {
            conn: Arc::new(Mutex::new(Box::new(conn))),
            engine: Arc::new(Engine::Sqlite(path.to_path_buf())),
            member: None,
            spare: Arc::default(),
        };
        store.mark_interrupted()?;
        Ok(store)
    }

    /// Opens the PostgreSQL database `options` name, applying the schema's migrations that it
    /// lacks (the database must exist; its owner creates it). An error names the server and
    /// what to check (exit code 2).
    pub fn open_postgres(options: &PostgresOptions) -> Result<Store> {
        let mut conn = postgres::open(options)?;
        let triggers = |q: &mut dyn Query| {
            watch::install_permanent(q, changes::WATCH, &changes::triggers())?;
            watch::install_permanent(q, derived::WATCH, &derived::triggers())
        };
        postgres::under_schema_lock(&mut conn, triggers)?;
        let store = Store {
            conn: Arc::new(Mutex::new(Box::new(conn))),
            engine: Arc::new(Engine::Postgres(options.clone())),
            member: None,
            spare: Arc::default(),
        };
        store.mark_interrupted()?;
        Ok(store)
    }

    /// This store as used by fleet host `id`: its runs record the host, and publish only while
    /// the host holds their source's lease.
    pub fn as_member(&self, id: &str) -> Store {
        Store {
            member: Some(id.into()),
            ..self.clone()
        }
    }

    /// The fleet host this store's runs belong to, if any.
    pub fn member(&self) -> Option<&str> {
        self.member.as_deref()
    }

    /// The store's database, for messages: `the database /var/lib/itam/itam.db`.
    pub fn describe(&self) -> String {
        self.engine.describe()
    }

    /// The engine, for the SQL that differs between them.
    pub fn dialect(&self) -> Dialect {
        match *self.engine {
            Engine::Sqlite(_) => Dialect::Sqlite,
            Engine::Postgres(_) => Dialect::Postgres,
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Box<dyn Db>> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The SQLite database file, for what only SQLite has (progress files, the service lock).
    pub(crate) fn file(&self) -> Option<&Path> {
        match &*self.engine {
            Engine::Sqlite(path) => Some(path),
            Engine::Postgres(_) => None,
        }
    }

    /// Runs left `running` by a process that no longer exists are marked `interrupted`, ended
    /// at their last recorded progress (the last batch they stored, else their start).
    fn mark_interrupted(&self) -> Result<()> {
        let mut conn = self.lock();
        let q: &mut dyn Query = &mut **conn;
        let stale: Vec<(i64, String)> = q
            .rows(
                "SELECT id, pid, started_at FROM runs
                 WHERE status = 'running' AND (host IS NULL OR host = ?1)",
                &values![hostname()],
                |r| Ok((r.get::<i64>(0)?, r.get::<i64>(1)?, r.get::<String>(2)?)),
            )?
            .into_iter()
            .filter(|(_, pid, _)| !process_alive(*pid))
            .map(|(id, _, started)| (id, started))
            .collect();
        for (id, started) in stale {
            let ended = self.last_progress(id).unwrap_or(started);
            q.execute(
                "UPDATE runs SET status = 'interrupted', ended_at = ?2,
                 error = 'the process stopped before the run finished; the previous snapshot was kept'
                 WHERE id = ?1",
                &values![id, ended],
            )?;
            self.clear_progress(id);
        }
        Ok(())
    }

    /// `<database>-progress-<run>`: the time run `run_id` last stored a batch. A run's progress
    /// is not written into the database while it runs (that would take the write lock the
    /// runs of other sources publish with); a run whose process died is marked interrupted
    /// with this time.
    fn progress_path(&self, run_id: i64) -> Option<PathBuf> {
        let mut progress = self.file()?.as_os_str().to_owned();
        progress.push(format!("-progress-{run_id}"));
        Some(progress.into())
    }

    /// The time in run `run_id`'s progress file, if there is one.
    fn last_progress(&self, run_id: i64) -> Option<String> {
        let text = std::fs::read_to_string(self.progress_path(run_id)?).ok()?;
        let at = text.trim();
        chrono::DateTime::parse_from_rfc3339(at).ok()?;
        Some(at.to_string())
    }

    /// Removes run `run_id`'s progress file: the run has ended.
    pub(crate) fn clear_progress(&self, run_id: i64) {
        if let Some(path) = self.progress_path(run_id) {
            let _ = std::fs::remove_file(path);
        }
    }

    /// A new connection to the database, configured like the store's own (for a run).
    pub(crate) fn connect(&self) -> Result<Box<dyn Db>> {
        match &*self.engine {
            Engine::Sqlite(path) => {
                let conn = Connection::open(path).map_err(|e| sqlite_error(path, e))?;
                configure_connection(&conn).map_err(|e| sqlite_error(path, e))?;
                Ok(Box::new(conn))
            }
            Engine::Postgres(options) => Ok(Box::new(postgres::PgConnection::open(options)?)),
        }
    }

    /// Records that run `run_id` stored a batch now (see [`Store::progress_path`]). Best
    /// effort: a failure to write it only makes a later "interrupted" time less precise.
    pub(crate) fn record_progress(&self, run_id: i64) {
        let Some(path) = self.progress_path(run_id) else {
            return;
        };
        let write = || -> std::io::Result<()> {
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            std::io::Write::write_all(&mut options.open(&path)?, format!("{}\n", now()).as_bytes())
        };
        if let Err(e) = write() {
            tracing::debug!(error = %e, "cannot record the run's progress");
        }
    }

    /// Ends this process's running runs as `interrupted` (the operator pressed Ctrl-C, and
    /// their writers were dropped, which rolled their transactions back), so the previous
    /// snapshot stays current.
    pub fn cancel_running(&self, reason: &str) -> Result<usize> {
        let mut conn = self.lock();
        let q: &mut dyn Query = &mut **conn;
        let ids = q.rows(
            "SELECT id FROM runs WHERE status = 'running' AND pid = ?1
             AND (host IS NULL OR host = ?2)",
            &values![std::process::id(), hostname()],
            |r| r.get::<i64>(0),
        )?;
        for id in &ids {
            q.execute(
                "UPDATE runs SET status = 'interrupted', ended_at = ?2, error = ?3 WHERE id = ?1",
                &values![*id, now(), reason],
            )?;
            self.clear_progress(*id);
        }
        Ok(ids.len())
    }

    /// Starts a run for `source`: records it and opens its transaction.
    pub fn begin_run(
        &self,
        source: &str,
        plugin: &str,
        version: &str,
        sha256: &str,
    ) -> Result<RunWriter> {
        RunWriter::begin(self.clone(), source, plugin, version, sha256)
    }

    /// The last successful run of `source`.
    pub fn last_success(&self, source: &str) -> Result<Option<RunRecord>> {
        self.runs_where(source, "AND status = 'succeeded'", 1)
            .map(|mut v| v.pop())
    }

    /// The most recent runs of `source`, newest first.
    pub fn runs(&self, source: &str, limit: u32) -> Result<Vec<RunRecord>> {
        self.runs_where(source, "", limit)
    }

    /// The runs of `source` that started after run `run_id`, newest first.
    pub fn runs_after(&self, source: &str, run_id: i64) -> Result<Vec<RunRecord>> {
        self.runs_where(source, &format!("AND id > {run_id}"), u32::MAX)
    }

    /// The most recent runs of `source`, or of every source when `None`, newest first.
    pub fn runs_of(&self, source: Option<&str>, limit: u32) -> Result<Vec<RunRecord>> {
        match source {
            Some(source) => self.runs(source, limit),
            None => self.runs_where("", "OR TRUE", limit),
        }
    }

    fn runs_where(&self, source: &str, filter: &str, limit: u32) -> Result<Vec<RunRecord>> {
        let sql = format!(
            "SELECT id, source, started_at, ended_at, status, error, counts, mode, full_reason FROM runs
             WHERE source = ?1 {filter} ORDER BY id DESC LIMIT ?2"
        );
        self.read(|q| {
            q.rows(&sql, &values![source, i64::from(limit)], |r| {
                Ok(RunRecord {
                    id: r.get(0)?,
                    source: r.get(1)?,
                    started_at: r.get(2)?,
                    ended_at: r.get(3)?,
                    status: r.get(4)?,
                    error: r.get(5)?,
                    summary: r
                        .get::<Option<String>>(6)?
                        .and_then(|text| serde_json::from_str(&text).ok()),
                    mode: r.get(7)?,
                    full_reason: r.get(8)?,
                })
            })
        })
    }

    /// Licence counts of `source` as of run `run_id` (from the history).
    pub fn history_consumed(&self, run_id: i64, product_id: &str) -> Result<Option<i64>> {
        self.read(|q| {
            q.row_opt(
                "SELECT consumed_units FROM product_history WHERE run_id = ?1 AND product_id = ?2",
                &values![run_id, product_id],
                |r| r.get(0),
            )
        })
    }

    /// Runs `f` with a connection to the store, for reports: each query reads the last
    /// committed snapshot.
    pub fn read<T>(&self, f: impl FnOnce(&mut dyn Query) -> Result<T>) -> Result<T> {
        let mut conn = self.lock();
        f(&mut **conn)
    }

    /// Runs `f` in one transaction, for changes outside runs (e.g. a catalogue import): it
    /// commits if `f` succeeds and rolls back otherwise.
    pub fn transaction<T>(&self, f: impl FnOnce(&mut dyn Query) -> Result<T>) -> Result<T> {
        let mut conn = self.lock();
        // SQLite: take the write lock at once, not when the first write comes (a reader that
        // turns writer fails at once if another wrote meanwhile).
        conn.batch(match self.dialect() {
            Dialect::Sqlite => "BEGIN IMMEDIATE",
            Dialect::Postgres => "BEGIN",
        })?;
        match f(&mut **conn) {
            Ok(out) => {
                conn.batch("COMMIT")?;
                Ok(out)
            }
            Err(e) => {
                let _ = conn.batch("ROLLBACK");
                Err(e)
            }
        }
    }
}

/// The sources that have runs in the database at `path`, read without writing anything (no
/// upgrade, no recovery of interrupted runs); none when the file does not exist or is empty.
pub fn sources_in(path: &Path) -> Result<Vec<String>> {
    if std::fs::metadata(path).map_or(true, |m| m.len() == 0) {
        return Ok(Vec::new());
    }
    let read = || -> rusqlite::Result<Vec<String>> {
        let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let has_runs: bool = conn.query_row(
            "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'runs'",
            [],
            |r| r.get(0),
        )?;
        if !has_runs {
            return Ok(Vec::new());
        }
        let mut stmt = conn.prepare("SELECT DISTINCT source FROM runs ORDER BY source")?;
        let names = stmt.query_map([], |r| r.get(0))?;
        names.collect()
    };
    read().map_err(|e| sqlite_error(path, e))
}

/// Creates the missing directories of the database at `path` (mode 700), for
/// `[store] create_dirs = true` and `itam demo --create-dirs`.
pub fn create_parent_dirs(path: &Path) -> Result<()> {
    let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|e| {
        itam_runtime::error::config_error(format!(
            "cannot create the directory {} for the database {}: {e}",
            dir.display(),
            path.display()
        ))
    })
}

/// Creates an empty database file readable only by its owner, unless it exists.
fn create_private(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            itam_runtime::files::warn_if_readable_by_others(path, "database");
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// A store that cannot be used: the file, the cause and what to do (exit code 2).
fn store_error(path: &Path, cause: &str) -> anyhow::Error {
    itam_runtime::error::config_error(format!(
        "cannot use the database {}: {cause}; itam needs to read and write that file and to create files beside it (-wal, -shm): check the permissions of the file and its directory, or set store.path to another file",
        path.display()
    ))
}

/// SQLite's error opening `path`, with the file named and the fix.
fn sqlite_error(path: &Path, error: rusqlite::Error) -> anyhow::Error {
    use rusqlite::ErrorCode as C;
    match error.sqlite_error_code() {
        Some(C::NotADatabase) => itam_runtime::error::config_error(format!(
            "{} is not an itam database (SQLite: {error}); nothing was written to it: set store.path to the database itam created, or to a new file name",
            path.display()
        )),
        Some(C::ReadOnly | C::CannotOpen | C::PermissionDenied) => {
            store_error(path, &format!("SQLite: {error}"))
        }
        Some(C::DatabaseBusy | C::DatabaseLocked) => itam_runtime::error::config_error(format!(
            "the database {} is locked by another process (SQLite: {error}); wait for it to finish and try again",
            path.display()
        )),
        _ => anyhow::Error::new(error).context(format!("opening the database {}", path.display())),
    }
}

/// How long a statement waits for another connection's write lock (a run publishing).
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// What every connection sets (after any upgrade).
fn configure_connection(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Lets SQLite's sorter use a helper thread: committing a run sorts every staged row.
    conn.pragma_update(None, "threads", 2)
}

/// This machine's name, recorded with each run: a run is this host's to recover.
pub(crate) fn hostname() -> String {
    let mut name = [0u8; 256];
    let ok = unsafe { libc::gethostname(name.as_mut_ptr().cast(), name.len()) } == 0;
    let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
    match ok {
        true => String::from_utf8_lossy(&name[..end]).into_owned(),
        false => "unknown".to_string(),
    }
}

pub(crate) fn process_alive(pid: i64) -> bool {
    if pid == std::process::id() as i64 {
        return true;
    }
    if cfg!(target_os = "linux") {
        Path::new(&format!("/proc/{pid}")).exists()
    } else {
        // Without a cheap check, assume it is alive; the run stays `running` until resolved.
        true
    }
}

#[cfg(test)]
mod tests;
