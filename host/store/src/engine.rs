//! The store's two engines behind one interface: SQLite (one file, the embedded default) and
//! PostgreSQL (a server that several hosts share). Everything above this interface (the run
//! log, the plugin state, the schedule, the outbox, the reports) is written once.

use crate::postgres::{PgConnection, PostgresOptions};
use crate::query::Query;
use anyhow::Result;
use std::path::PathBuf;

/// An open connection to the store's database: engine-neutral queries, plus what differs.
pub(crate) trait Connection: Query + Send {
    /// Runs `sql`, one or more statements without parameters.
    fn batch(&mut self, sql: &str) -> Result<()>;

    /// The SQLite connection, for what is still written for SQLite alone.
    fn sqlite(&self) -> Option<&rusqlite::Connection> {
        None
    }

    /// The SQLite connection, mutably.
    fn sqlite_mut(&mut self) -> Option<&mut rusqlite::Connection> {
        None
    }
}

impl Connection for rusqlite::Connection {
    fn batch(&mut self, sql: &str) -> Result<()> {
        Ok(self.execute_batch(sql)?)
    }

    fn sqlite(&self) -> Option<&rusqlite::Connection> {
        Some(self)
    }

    fn sqlite_mut(&mut self) -> Option<&mut rusqlite::Connection> {
        Some(self)
    }
}

impl Connection for PgConnection {
    fn batch(&mut self, sql: &str) -> Result<()> {
        PgConnection::batch(self, sql)
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
