//! `itam report …` and `itam catalog …`.

use crate::cli::{default_format, open_for_report};
use crate::config::Config;
use crate::report::format::Format;
use crate::report::{balance, changes, cost, cost_render, subscriptions, waste, waste_render};
use crate::store::Store;
use anyhow::Result;
use clap::Subcommand;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What every report takes.
#[derive(clap::Args)]
pub struct ReportArgs {
    /// The source (needed when several are configured).
    #[arg(long)]
    source: Option<String>,
    /// Output format (table on a terminal, else json).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// With --format csv: write every cell exactly as stored, without the leading `'` that
    /// keeps spreadsheets from running cells that start with = + - @ TAB or CR as formulas.
    #[arg(long)]
    raw: bool,
}

/// The reports.
#[derive(Subcommand)]
pub enum ReportCommand {
    /// Per product: purchased (enabled, warning, suspended, locked out), consumed, available.
    Balance {
        #[command(flatten)]
        on: ReportArgs,
        /// Leave out free, viral and trial products.
        #[arg(long)]
        paid_only: bool,
    },
    /// Licence waste with the accounts behind each finding.
    Waste {
        #[command(flatten)]
        on: ReportArgs,
        /// Days without sign-in that make a licensed account inactive (default: [reports]
        /// inactive_days, else 90), 1 to 3650.
        #[arg(long, value_parser = clap::value_parser!(u32).range(crate::report::settings::INACTIVE_DAYS))]
        inactive_days: Option<u32>,
        /// List every account in the table, not the first 10 per finding.
        #[arg(long)]
        all: bool,
    },
    /// Subscriptions: renewals and expiries within 30/60/90 days, trials, bad standing.
    Subscriptions {
        #[command(flatten)]
        on: ReportArgs,
        /// Only subscriptions that need attention.
        #[arg(long)]
        attention: bool,
    },
    /// What a run changed: joiners, leavers, licences added and removed.
    Changes {
        #[command(flatten)]
        on: ReportArgs,
        /// The run (default: the last successful one).
        #[arg(long)]
        run: Option<i64>,
    },
    /// Monthly spend per product and department, and the cost of waste ([[price]] entries).
    Cost {
        #[command(flatten)]
        on: ReportArgs,
        /// Days without sign-in that make a licensed account inactive, 1 to 3650.
        #[arg(long, value_parser = clap::value_parser!(u32).range(crate::report::settings::INACTIVE_DAYS))]
        inactive_days: Option<u32>,
    },
}

/// Catalogue commands.
#[derive(Subcommand)]
pub enum CatalogCommand {
    /// Load Microsoft's "Product names and service plan identifiers for licensing" CSV into
    /// the database; it then overrides the built-in catalogue.
    Import {
        /// The CSV file downloaded from Microsoft.
        file: PathBuf,
    },
}

/// Runs one report.
pub fn report(config_path: &Path, command: ReportCommand, out: &mut dyn Write) -> Result<i32> {
    let now = chrono::Utc::now();
    match command {
        ReportCommand::Balance {
            on:
                ReportArgs {
                    source,
                    format,
                    raw,
                },
            paid_only,
        } => {
            let (store, source) = open_for_report(config_path, source.as_deref())?;
            let mut rows = balance::balance(&store, &source)?;
            if paid_only {
                rows.retain(|r| r.class == crate::catalog::ProductClass::Paid);
            }
            balance::render(out, &rows, default_format(format), raw)?;
        }
        ReportCommand::Waste {
            on:
                ReportArgs {
                    source,
                    format,
                    raw,
                },
            inactive_days,
            all,
        } => {
            let config = Config::load(config_path)?;
            let (store, source) = open_for_report(config_path, source.as_deref())?;
            let days = inactive_days.unwrap_or(config.reports.inactive_days);
            let report = waste_report(&store, &source, &config, days, now)?;
            waste_render::render(out, &report, default_format(format), all, raw)?;
        }
        ReportCommand::Subscriptions {
            on:
                ReportArgs {
                    source,
                    format,
                    raw,
                },
            attention,
        } => {
            let (store, source) = open_for_report(config_path, source.as_deref())?;
            let mut rows = subscriptions::subscriptions(&store, &source, now)?;
            if attention {
                rows.retain(|r| !r.attention.is_empty());
            }
            subscriptions::render(out, &rows, default_format(format), raw)?;
        }
        ReportCommand::Changes {
            on:
                ReportArgs {
                    source,
                    format,
                    raw,
                },
            run,
        } => {
            let (store, source) = open_for_report(config_path, source.as_deref())?;
            let log = changes::changes(&store, &source, run)?;
            changes::render(out, &log, default_format(format), raw)?;
        }
        ReportCommand::Cost {
            on:
                ReportArgs {
                    source,
                    format,
                    raw,
                },
            inactive_days,
        } => {
            let config = Config::load(config_path)?;
            let (store, source) = open_for_report(config_path, source.as_deref())?;
            let days = inactive_days.unwrap_or(config.reports.inactive_days);
            let waste = waste_report(&store, &source, &config, days, now)?;
            let report = cost::cost(&store, &source, &config.reports.prices, waste)?;
            cost_render::render(out, &report, default_format(format), raw)?;
        }
    }
    Ok(0)
}

fn waste_report(
    store: &Store,
    source: &str,
    config: &Config,
    inactive_days: u32,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<cost::WasteReport> {
    let options = waste::WasteOptions { inactive_days, now };
    let findings = waste::waste(store, source, options)?;
    let book = cost::PriceBook::new(&config.reports.prices);
    Ok(cost::WasteReport::new(inactive_days, findings, &book))
}

/// Runs a catalogue command.
pub fn catalog(config_path: &Path, command: CatalogCommand, out: &mut dyn Write) -> Result<i32> {
    match command {
        CatalogCommand::Import { file } => {
            let config = Config::load(config_path)?;
            let store = Store::open(&config.store_path)?;
            // A file that is not Microsoft's CSV is a usage error (exit 2); nothing is changed.
            let report = store
                .with_conn_mut(|conn| crate::catalog::import(conn, &file))
                .map_err(|e| crate::error::config_error(format!("{e:#}")))?;
            writeln!(out, "{report}")?;
        }
    }
    Ok(0)
}
