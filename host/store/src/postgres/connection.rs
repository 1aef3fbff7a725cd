//! A connection to PostgreSQL through `tokio-postgres`, used synchronously like SQLite's: the
//! connections' I/O runs on a small runtime of the store's own, and each statement blocks the
//! calling thread until its answer (so the store works the same from plain threads and from
//! inside the service's async tasks).

use super::Options;
use super::value::{ParamValue, column};
use crate::query::{Dialect, Query, Row, Value, numbered_parameters};
use crate::rows::Staged;
use anyhow::{Context, Result};
use bytes::{Bytes, BytesMut};
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

    fn batch(&mut self, sql: &str) -> Result<()> {
        wait(self.client.batch_execute(sql)).map_err(|e| sql_error(e, sql))
    }
}

impl PgConnection {
    /// Appends `rows` to their table with `COPY … FROM STDIN` (text format): one round trip
    /// per batch instead of one per row.
    pub(crate) fn copy_in(&mut self, rows: &Staged) -> Result<()> {
        use futures_util::SinkExt;
        if rows.rows.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "COPY {} ({}) FROM STDIN",
            rows.into,
            rows.columns.join(", ")
        );
        let mut text = BytesMut::new();
        for row in &rows.rows {
            copy_text_row(row, &mut text);
        }
        let sink = wait(self.client.copy_in::<_, Bytes>(&sql)).map_err(|e| sql_error(e, &sql))?;
        futures_util::pin_mut!(sink);
        wait(sink.send(text.freeze())).map_err(|e| sql_error(e, &sql))?;
        wait(sink.finish()).map_err(|e| sql_error(e, &sql))?;
        Ok(())
    }
}

/// One row in COPY's text format: tab-separated, `\N` for NULL, and backslash, tab, newline
/// and carriage return escaped. A whole number bound for a boolean column reads as `1` or `0`,
/// which PostgreSQL's boolean input accepts.
fn copy_text_row(row: &[Value], out: &mut BytesMut) {
    use std::fmt::Write;
    for (i, value) in row.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b"\t");
        }
        match value {
            Value::Null => out.extend_from_slice(b"\\N"),
            Value::Integer(n) => {
                let _ = write!(out, "{n}");
            }
            Value::Real(x) => {
                let _ = write!(out, "{x}");
            }
            Value::Text(s) => escape(s.as_bytes(), out),
            Value::Blob(b) => {
                out.extend_from_slice(b"\\\\x");
                for byte in b {
                    let _ = write!(out, "{byte:02x}");
                }
            }
        }
    }
    out.extend_from_slice(b"\n");
}

fn escape(text: &[u8], out: &mut BytesMut) {
    for &byte in text {
        match byte {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.extend_from_slice(&[byte]),
        }
    }
}
