//! The PostgreSQL engine: one database that several hosts share (see the fleet in the
//! README). Its schema is applied by versioned migrations when a store opens it.

mod connection;
mod tls;
mod value;

pub(crate) use connection::PgConnection;

use crate::query::Query;
use anyhow::{Result, bail};
use std::path::PathBuf;

/// Where a PostgreSQL store is and how to log in.
#[derive(Clone)]
pub struct PostgresOptions {
    /// `postgres://user@host:port/database?sslmode=…`, without a password.
    pub url: String,
    /// The password, resolved from its reference (never written in the URL).
    pub password: Option<String>,
    /// A CA certificate (PEM) to trust besides the web PKI roots, for a server whose
    /// certificate a private authority issued.
    pub ca_file: Option<PathBuf>,
}

pub(crate) use PostgresOptions as Options;

impl std::fmt::Debug for PostgresOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresOptions")
            .field("url", &self.url)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

impl PostgresOptions {
    /// The connection settings; refuses a URL that carries a password.
    pub(crate) fn config(&self) -> Result<tokio_postgres::Config> {
        let mut config: tokio_postgres::Config = self.url.parse().map_err(|e| {
            itam_runtime::error::config_error(format!(
                "[store] url is not a PostgreSQL URL ({e}); write it as postgres://user@host:5432/database"
            ))
        })?;
        if config.get_password().is_some() {
            bail!(itam_runtime::error::config_error(
                "[store] url carries a password; remove it from the URL and give it by reference: password = { env = \"ITAM_DB_PASSWORD\" } or { file = \"/etc/itam/db-password\" } under [store]"
            ));
        }
        if let Some(password) = &self.password {
            config.password(password);
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(std::time::Duration::from_secs(10));
        }
        config.application_name("itam");
        Ok(config)
    }

    /// The database, for messages: `database itam on db.example.com:5432 as itam`.
    pub fn describe(&self) -> String {
        let Ok(config) = self.url.parse::<tokio_postgres::Config>() else {
            return "the PostgreSQL database".to_string();
        };
        let host = config
            .get_hosts()
            .iter()
            .map(|h| match h {
                tokio_postgres::config::Host::Tcp(name) => name.clone(),
                tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
            })
            .collect::<Vec<_>>()
            .join(",");
        let port = config.get_ports().first().copied().unwrap_or(5432);
        format!(
            "the PostgreSQL database {} on {host}:{port}{}",
            config.get_dbname().unwrap_or("(default)"),
            config
                .get_user()
                .map(|u| format!(" as {u}"))
                .unwrap_or_default()
        )
    }

    /// A connection failure: where, the cause, and what to check (exit code 2).
    pub(crate) fn connect_error(&self, error: &tokio_postgres::Error) -> anyhow::Error {
        let cause = match error.as_db_error() {
            Some(db) => db.message().to_string(),
            None => {
                let mut text = error.to_string();
                let mut source = std::error::Error::source(error);
                while let Some(s) = source {
                    text.push_str(&format!(": {s}"));
                    source = s.source();
                }
                text
            }
        };
        itam_runtime::error::config_error(format!(
            "cannot connect to {}: {cause}; check [store] url, that the server runs and accepts this host, and [store] password",
            self.describe()
        ))
    }
}

/// The migrations, in order: (version, name, SQL). A migration, once released, never changes;
/// a change to the schema is a new one.
const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "snapshot", include_str!("migrations/0001_snapshot.sql")),
    (2, "fleet", include_str!("migrations/0002_fleet.sql")),
];

/// Runs `f` in a transaction that holds the schema's lock (see [`open`]).
pub(crate) fn under_schema_lock(
    conn: &mut PgConnection,
    f: impl FnOnce(&mut dyn Query) -> Result<()>,
) -> Result<()> {
    conn.batch("BEGIN; SELECT pg_advisory_xact_lock(hashtext('itam schema'));")?;
    match f(conn) {
        Ok(()) => conn.batch("COMMIT"),
        Err(e) => {
            let _ = conn.batch("ROLLBACK");
            Err(e)
        }
    }
}

/// Opens a session and brings the schema up to date: the missing migrations are applied in
/// one transaction, under a lock, so hosts starting together apply each exactly once.
pub(crate) fn open(options: &PostgresOptions) -> Result<PgConnection> {
    let mut conn = PgConnection::open(options)?;
    conn.batch(
        "BEGIN;
         SELECT pg_advisory_xact_lock(hashtext('itam schema'));
         CREATE TABLE IF NOT EXISTS itam_migrations (
             version    BIGINT PRIMARY KEY,
             name       TEXT NOT NULL,
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
         );",
    )?;
    let migrate = |conn: &mut PgConnection| -> Result<()> {
        let q: &mut dyn Query = conn;
        let current: i64 = q.value("SELECT COALESCE(MAX(version), 0) FROM itam_migrations", &[])?;
        let newest = MIGRATIONS.last().map_or(0, |m| m.0);
        if current > newest {
            bail!(itam_runtime::error::config_error(format!(
                "{} was written by a newer itam (schema {current}, this itam knows {newest}); upgrade itam",
                options.describe()
            )));
        }
        for (version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
            tracing::info!(version, name, "applying a schema migration");
            conn.batch(sql)?;
            let q: &mut dyn Query = conn;
            q.execute(
                "INSERT INTO itam_migrations (version, name) VALUES (?1, ?2)",
                &crate::values![*version, *name],
            )?;
        }
        Ok(())
    };
    match migrate(&mut conn) {
        Ok(()) => conn.batch("COMMIT")?,
        Err(e) => {
            let _ = conn.batch("ROLLBACK");
            return Err(e);
        }
    }
    Ok(conn)
}
