//! `itam report …` and `itam catalog …`.

use crate::command::{default_format, open_for_report};
use crate::config::Config;
use crate::error::config_error;
use crate::render::format::Format;
use crate::render::snapshot::{self, SnapshotLines};
use crate::render::{account, balance, changes, history, product, subscriptions};
use crate::render::{cost as cost_render, waste as waste_render};
use anyhow::Result;
use clap::Subcommand;
use itam_reports::cost;
use itam_reports::snapshot::Snapshot;
use itam_store::Store;
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
    /// With JSON: print `{"snapshot": {...}, "report": ...}`, the snapshot's run, time, age and
    /// the runs that failed since beside the report's usual JSON.
    #[arg(long)]
    envelope: bool,
}

impl ReportArgs {
    /// The format to print: as asked; JSON with --envelope; else a table on a terminal and
    /// JSON otherwise.
    fn format(&self) -> Result<Format> {
        match (self.format, self.envelope) {
            (Some(Format::Json) | None, true) => Ok(Format::Json),
            (Some(_), true) => Err(config_error(
                "--envelope wraps JSON; use it with --format json".to_string(),
            )),
            (format, false) => Ok(default_format(format)),
        }
    }
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
        /// Exit 4 when the condition holds for any paid product: `over-allocated` (more
        /// assigned than purchased) or `available-below=N`. May be repeated.
        #[arg(long, value_name = "CONDITION", value_parser = itam_reports::balance::FailIf::parse)]
        fail_if: Vec<itam_reports::balance::FailIf>,
    },
    /// Licence waste with the accounts behind each finding.
    Waste {
        #[command(flatten)]
        on: ReportArgs,
        /// Days without sign-in that make a licensed account inactive (default: [reports]
        /// inactive_days, else 90), 1 to 3650.
        #[arg(long, value_parser = clap::value_parser!(u32).range(itam_reports::settings::INACTIVE_DAYS))]
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
        #[arg(long, value_parser = clap::value_parser!(u32).range(itam_reports::settings::INACTIVE_DAYS))]
        inactive_days: Option<u32>,
    },
    /// One account: its licences with product names, where each comes from (direct or the
    /// group's name), their state, and the account's state and last sign-in.
    Account {
        #[command(flatten)]
        on: ReportArgs,
        /// User principal name or object ID.
        account: String,
    },
    /// One product: its balance and the accounts holding it.
    Product {
        #[command(flatten)]
        on: ReportArgs,
        /// Part number (`SPE_E3`) or SKU ID.
        product: String,
        /// Only holders in this department (case-insensitive).
        #[arg(long)]
        department: Option<String>,
        /// Only enabled holders without a sign-in for --inactive-days (or never signed in).
        #[arg(long)]
        inactive: bool,
        /// Only holders whose sign-in is blocked.
        #[arg(long)]
        disabled: bool,
        /// Days without sign-in that make a holder inactive (default: [reports]
        /// inactive_days, else 90).
        #[arg(long)]
        inactive_days: Option<u32>,
        /// Order of the holders.
        #[arg(long, value_enum, default_value = "upn")]
        sort: product::SortArg,
    },
    /// Licence counts per run over time (purchased, consumed, available), from the history
    /// every successful run stores.
    History {
        #[command(flatten)]
        on: ReportArgs,
        /// Only this product (part number or SKU ID).
        #[arg(long)]
        product: Option<String>,
        /// Only runs that ended on or after this date (`2026-11-01`) or time (RFC 3339).
        #[arg(long)]
        since: Option<String>,
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

/// Prints a report in `format`: a table starts with the snapshot's run, time and age (and a
/// warning when later runs failed); `--envelope` JSON carries the same facts beside the usual
/// JSON; otherwise the warning goes to standard error.
fn emit<T: serde::Serialize + ?Sized>(
    out: &mut dyn Write,
    snapshot: &Snapshot,
    on: &ReportArgs,
    json: &T,
    render: impl FnOnce(&mut dyn Write, Format, bool) -> Result<()>,
) -> Result<()> {
    let format = on.format()?;
    match format {
        Format::Table => snapshot.header(out)?,
        Format::Json if on.envelope => return snapshot::envelope(out, snapshot, json),
        _ => snapshot.warn_on_stderr(),
    }
    render(out, format, on.raw)
}

/// Runs one report.
pub fn report(config_path: &Path, command: ReportCommand, out: &mut dyn Write) -> Result<i32> {
    let now = chrono::Utc::now();
    let open = |on: &ReportArgs| -> Result<(Store, String, Snapshot)> {
        on.format()?;
        let (store, source) = open_for_report(config_path, on.source.as_deref())?;
        let snapshot = Snapshot::of(&store, &source, now)?;
        Ok((store, source, snapshot))
    };
    let catalog = |store: &Store, source: &str| crate::catalogs::for_source(store, source);
    match command {
        ReportCommand::Balance {
            on,
            paid_only,
            fail_if,
        } => {
            let (store, source, snap) = open(&on)?;
            let mut rows =
                itam_reports::balance::balance(&store, &source, &*catalog(&store, &source)?)?;
            if paid_only {
                rows.retain(|r| r.class == itam_reports::catalog::ProductClass::Paid);
            }
            emit(out, &snap, &on, &rows, |out, format, raw| {
                balance::render(out, &rows, format, raw)
            })?;
            let held: Vec<String> = fail_if
                .iter()
                .filter_map(|condition| condition.holds(&rows))
                .collect();
            if !held.is_empty() {
                out.flush()?;
                for line in held {
                    eprintln!("--fail-if: {}", crate::display::text(&line));
                }
                return Ok(4);
            }
        }
        ReportCommand::Waste {
            on,
            inactive_days,
            all,
        } => {
            let config = Config::load(config_path)?;
            let (store, source, snap) = open(&on)?;
            let days = inactive_days.unwrap_or(config.reports.inactive_days);
            let report = waste_report(&store, &source, &config.reports, days, now)?;
            emit(out, &snap, &on, &report, |out, format, raw| {
                waste_render::render(out, &report, format, all, raw)
            })?;
        }
        ReportCommand::Subscriptions { on, attention } => {
            let (store, source, snap) = open(&on)?;
            let mut rows = itam_reports::subscriptions::subscriptions(
                &store,
                &source,
                now,
                &*catalog(&store, &source)?,
            )?;
            if attention {
                rows.retain(|r| !r.attention.is_empty());
            }
            emit(out, &snap, &on, &rows, |out, format, raw| {
                subscriptions::render(out, &rows, format, raw)
            })?;
        }
        ReportCommand::Changes { on, run } => {
            let (store, source, snap) = open(&on)?;
            let log =
                itam_reports::changes::changes(&store, &source, run, &*catalog(&store, &source)?)?;
            emit(out, &snap, &on, &log, |out, format, raw| {
                changes::render(out, &log, format, raw)
            })?;
        }
        ReportCommand::Cost { on, inactive_days } => {
            let config = Config::load(config_path)?;
            let (store, source, snap) = open(&on)?;
            let days = inactive_days.unwrap_or(config.reports.inactive_days);
            let waste = waste_report(&store, &source, &config.reports, days, now)?;
            let report = cost::cost(
                &store,
                &source,
                &config.reports.prices,
                waste,
                &*catalog(&store, &source)?,
            )?;
            emit(out, &snap, &on, &report, |out, format, raw| {
                cost_render::render(out, &report, format, raw)
            })?;
        }
        ReportCommand::Account { on, account: who } => {
            let (store, source, snap) = open(&on)?;
            let report =
                itam_reports::account::account(&store, &source, &who, &*catalog(&store, &source)?)?;
            emit(out, &snap, &on, &report, |out, format, raw| {
                account::render(out, &report, format, raw)
            })?;
        }
        ReportCommand::Product {
            on,
            product: which,
            department,
            inactive,
            disabled,
            inactive_days,
            sort,
        } => {
            let config = Config::load(config_path)?;
            let (store, source, snap) = open(&on)?;
            let filter = itam_reports::product::Filter {
                department,
                inactive: inactive.then(|| inactive_days.unwrap_or(config.reports.inactive_days)),
                disabled,
                sort: sort.into(),
                now,
            };
            let report = itam_reports::product::product(
                &store,
                &source,
                &which,
                &filter,
                &*catalog(&store, &source)?,
            )?;
            emit(out, &snap, &on, &report, |out, format, raw| {
                product::render(out, &report, format, raw)
            })?;
        }
        ReportCommand::History {
            on,
            product: which,
            since,
        } => {
            let (store, source, snap) = open(&on)?;
            let rows = itam_reports::history::history(
                &store,
                &source,
                which.as_deref(),
                since.as_deref(),
                &*catalog(&store, &source)?,
            )?;
            emit(out, &snap, &on, &rows, |out, format, raw| {
                history::render(out, &rows, format, raw)
            })?;
        }
    }
    Ok(0)
}

/// The waste report of `source`, with its catalogue.
fn waste_report(
    store: &Store,
    source: &str,
    settings: &itam_reports::settings::ReportSettings,
    inactive_days: u32,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<cost::WasteReport> {
    let catalog = crate::catalogs::for_source(store, source)?;
    cost::waste_report(store, source, settings, inactive_days, now, &*catalog)
}

/// Runs a catalogue command.
pub fn catalog(config_path: &Path, command: CatalogCommand, out: &mut dyn Write) -> Result<i32> {
    match command {
        CatalogCommand::Import { file } => {
            let config = Config::load(config_path)?;
            let store = config.store.open()?;
            // A file that is not Microsoft's CSV is a usage error (exit 2); nothing is changed.
            let report = itam_m365_catalog::import(&store, &file)
                .map_err(|e| crate::error::config_error(format!("{e:#}")))?;
            writeln!(out, "{report}")?;
        }
    }
    Ok(0)
}
