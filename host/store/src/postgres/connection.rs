//! A connection to PostgreSQL through `tokio-postgres`, used synchronously like SQLite's: the
//! connections' I/O runs on a small runtime of the store's own, and each statement blocks the
//! calling thread until its answer (so the store works the same from plain threads and from
//! inside the service's async tasks).

use super::Options;
use super::value::{ParamValue, column};
use crate::query::{Dialect, Query, Row, Value, numbered_parameters};
use anyhow::{Context, Result};
use std::collections::HashMap;
use std::sync::OnceLock;
use tokio_postgres::{Client, Statement};

/// The runtime that drives every PostgreSQL connection's socket.
fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("itam-postgres")
            .enable_all()
            .build()
            .expect("the PostgreSQL runtime starts")
    })
}

/// Waits for `future` on the calling thread. The connection's own task answers it on the
/// store's runtime, so this never needs (or blocks) the caller's runtime.
fn wait<F: std::future::Future>(future: F) -> F::Output {
    futures_executor::block_on(future)
}

/// One connection (a session: its TEMP tables and settings are its own).
pub(crate) struct PgConnection {
    client: Client,
    statements: HashMap<String, Statement>,
}

impl PgConnection {
    /// Opens a session as `options` say; an error names the server and what to check.
    pub(crate) fn open(options: &Options) -> Result<PgConnection> {
        let config = options.config()?;
        let tls = super::tls::connector(options)?;
        let task = runtime().spawn(async move {
            let (client, connection) = config.connect(tls).await?;
            tokio::spawn(async move {
                if let Err(e) = connection.await {
                    tracing::debug!(error = %e, "PostgreSQL connection ended");
                }
            });
            Ok::<_, tokio_postgres::Error>(client)
        });
        let client = wait(task)
            .context("the PostgreSQL connection task stopped")?
            .map_err(|e| options.connect_error(&e))?;
        Ok(PgConnection {
            client,
            statements: HashMap::new(),
        })
    }

    /// Runs `sql`: one or more statements without parameters.
    pub(crate) fn batch(&mut self, sql: &str) -> Result<()> {
        wait(self.client.batch_execute(sql)).map_err(|e| sql_error(e, sql))
    }

    fn prepare(&mut self, sql: &str) -> Result<Statement> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let text = numbered_parameters(sql);
        let statement = wait(self.client.prepare(&text)).map_err(|e| sql_error(e, sql))?;
        self.statements.insert(sql.to_string(), statement.clone());
        Ok(statement)
    }
}

/// PostgreSQL's error with its detail and the statement (which holds no values: they are
/// parameters).
fn sql_error(error: tokio_postgres::Error, sql: &str) -> anyhow::Error {
    let message = match error.as_db_error() {
        Some(db) => format!(
            "PostgreSQL: {}{}",
            db.message(),
            db.detail().map(|d| format!(" ({d})")).unwrap_or_default()
        ),
        None => format!("PostgreSQL: {error}"),
    };
    let statement: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    anyhow::anyhow!("{message}; in: {statement}")
}

impl Query for PgConnection {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn for_each(
        &mut self,
        sql: &str,
        params: &[Value],
        each: &mut dyn FnMut(&Row) -> Result<()>,
    ) -> Result<()> {
        use futures_util::{StreamExt, pin_mut};
        let statement = self.prepare(sql)?;
        let params: Vec<ParamValue> = params.iter().map(ParamValue).collect();
        let stream = wait(self.client.query_raw(&statement, params.iter()))
            .map_err(|e| sql_error(e, sql))?;
        pin_mut!(stream);
        while let Some(row) = wait(stream.next()) {
            let row = row.map_err(|e| sql_error(e, sql))?;
            let values = (0..row.len())
                .map(|i| column(&row, i))
                .collect::<Result<Vec<_>>>()?;
            each(&Row::new(values))?;
        }
        Ok(())
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let statement = self.prepare(sql)?;
        let params: Vec<ParamValue> = params.iter().map(ParamValue).collect();
        wait(self.client.execute_raw(&statement, params.iter())).map_err(|e| sql_error(e, sql))
    }
}
