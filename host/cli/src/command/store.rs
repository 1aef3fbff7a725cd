//! `itam store migrate --to postgres://…`: moves the configured store (a SQLite database) into
//! a new PostgreSQL database, every table row for row, in one transaction on the target. The
//! SQLite file is only read; point `[store]` at the new database afterwards.

use crate::config::Config;
use crate::config::secret_ref::SecretRef;
use crate::error::config_error;
use anyhow::Result;
use itam_store::{PostgresOptions, Store};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What `itam store` does.
#[derive(clap::Subcommand, Debug)]
pub enum StoreCommand {
    /// Copy the configured SQLite database into a new PostgreSQL database.
    Migrate {
        /// The PostgreSQL database: postgres://user@host:5432/database (no password in it).
        #[arg(long)]
        to: String,
        /// The environment variable that holds the database's password.
        #[arg(long, conflicts_with = "password_file")]
        password_env: Option<String>,
        /// The file that holds the database's password.
        #[arg(long)]
        password_file: Option<PathBuf>,
        /// A CA certificate (PEM) to trust for the server's TLS certificate.
        #[arg(long)]
        ca_file: Option<PathBuf>,
    },
}

/// Runs `itam store …`.
pub fn store(config_path: &Path, command: StoreCommand, out: &mut dyn Write) -> Result<i32> {
    let StoreCommand::Migrate {
        to,
        password_env,
        password_file,
        ca_file,
    } = command;
    let config = Config::load(config_path)?;
    let Some(path) = config.store.sqlite_path() else {
        return Err(config_error(
            "the configured store is PostgreSQL already; itam store migrate moves a SQLite database ([store] path) into PostgreSQL",
        ));
    };
    if !path.exists() {
        return Err(config_error(format!(
            "no database at {}; there is nothing to migrate",
            path.display()
        )));
    }
    let password = match (password_env, password_file) {
        (Some(var), _) => Some(SecretRef::Env(var).read("--password-env")?),
        (None, Some(file)) => Some(SecretRef::File(file).read("--password-file")?),
        (None, None) => None,
    };
    let from = Store::open(path)?;
    let target = Store::open_postgres(&PostgresOptions {
        url: to.clone(),
        password,
        ca_file: ca_file.clone(),
    })?;
    let extra = itam_m365_catalog::prepare_move(&from, &target)?;
    let copied = from.migrate_to(&target, &extra)?;
    for (table, rows) in &copied {
        writeln!(out, "{table:<24} {rows:>10} rows")?;
    }
    writeln!(
        out,
        "\nMoved {} into {}. Point the configuration at it:\n\n[store]\nurl = \"{to}\"\npassword = {{ env = \"ITAM_DB_PASSWORD\" }}{}",
        from.describe(),
        target.describe(),
        ca_file
            .map(|f| format!("\nca_file = \"{}\"", f.display()))
            .unwrap_or_default()
    )?;
    Ok(0)
}
