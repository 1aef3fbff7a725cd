//! The store's two engines behind one interface: SQLite (one file, the embedded default) and
//! PostgreSQL (a server that several hosts share). Everything above this interface (runs and
//! their publishing, the change log, the plugin state, the schedule, the outbox, the reports)
//! is written once, in SQL both engines run (see [`crate::query::Dialect`] for what differs).

use crate::postgres::{PgConnection, PostgresOptions};
use crate::query::Query;
use crate::rows::Staged;
use anyhow::Result;
use std::path::PathBuf;

/// An open connection to the store's database: engine-neutral queries, plus what each engine
/// does its own way.
pub(crate) trait Connection: Query + Send {
    /// The connection as a [`Query`].
    fn as_query(&mut self) -> &mut dyn Query;

    /// Starts a run's staging: SQLite opens a transaction that, writing only TEMP tables,
    /// takes no lock; PostgreSQL stages outside one (the TEMP tables are the session's).
    fn begin_staging(&mut self) -> Result<()>;

    /// Ends a run's staging and opens the transaction that publishes it, holding the lock
    /// that lets one run at a time publish `source` (SQLite: one run at a time, whatever its
    /// source).
    fn begin_publishing(&mut self, source: &str) -> Result<()>;

    /// Within the publishing transaction, waits for the turn to record changes: runs that
    /// record changes then commit one at a time, so that change IDs grow in commit order.
    fn serialize_changes(&mut self) -> Result<()>;

    /// Appends `rows` to their table (SQLite: one prepared insert per row; PostgreSQL:
    /// `COPY`).
    fn stage(&mut self, rows: &Staged) -> Result<()>;
}

impl Connection for rusqlite::Connection {
    fn as_query(&mut self) -> &mut dyn Query {
        self
    }

    fn begin_staging(&mut self) -> Result<()> {
        Ok(self.execute_batch("BEGIN")?)
    }

    fn begin_publishing(&mut self, _source: &str) -> Result<()> {
        Ok(self.execute_batch("COMMIT; BEGIN IMMEDIATE")?)
    }

    fn serialize_changes(&mut self) -> Result<()> {
        // BEGIN IMMEDIATE already holds the database's only write lock.
        Ok(())
    }

    fn stage(&mut self, rows: &Staged) -> Result<()> {
        let placeholders: Vec<String> = (1..=rows.columns.len()).map(|i| format!("?{i}")).collect();
        let mut insert = self.prepare_cached(&format!(
            "INSERT INTO {} ({}) VALUES ({})",
            rows.into,
            rows.columns.join(", "),
            placeholders.join(", ")
        ))?;
        for row in &rows.rows {
            insert.execute(rusqlite::params_from_iter(row))?;
        }
        Ok(())
    }
}

impl Connection for PgConnection {
    fn as_query(&mut self) -> &mut dyn Query {
        self
    }

    fn begin_staging(&mut self) -> Result<()> {
        Ok(())
    }

    fn begin_publishing(&mut self, source: &str) -> Result<()> {
        self.batch("BEGIN")?;
        let q: &mut dyn Query = self;
        q.row_opt(
            "SELECT pg_advisory_xact_lock(hashtext('itam publish'), hashtext(CAST(?1 AS TEXT)))",
            &crate::values![source],
            |_| Ok(()),
        )?;
        Ok(())
    }

    fn serialize_changes(&mut self) -> Result<()> {
        self.batch("SELECT pg_advisory_xact_lock(hashtext('itam changes'))")
    }

    fn stage(&mut self, rows: &Staged) -> Result<()> {
        self.copy_in(rows)
    }
}

/// Where a store's database is.
#[derive(Debug, Clone)]
pub(crate) enum Engine {
    /// A SQLite database file.
    Sqlite(PathBuf),
    /// A PostgreSQL database.
    Postgres(PostgresOptions),
}

impl Engine {
    /// The database, for messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Engine::Sqlite(path) => format!("the database {}", path.display()),
            Engine::Postgres(options) => options.describe(),
        }
    }
}
