//! `itam fleet status`: the services sharing the database, the sources they hold, the sources
//! overdue and the runs of the last hour.

use super::default_format;
use crate::error::config_error;
use crate::render::format::{Format, json, table};
use anyhow::Result;
use itam_store::FleetStatus;
use std::io::Write;
use std::path::Path;

/// What `itam fleet` does.
#[derive(clap::Subcommand, Debug)]
pub enum FleetCommand {
    /// The services sharing the database, leases held, sources overdue, runs in the last hour.
    Status {
        /// Output format (table on a terminal, else json).
        #[arg(long, value_enum)]
        format: Option<Format>,
    },
}

/// Runs `itam fleet …`.
pub fn fleet(config_path: &Path, command: FleetCommand, out: &mut dyn Write) -> Result<i32> {
    let FleetCommand::Status { format } = command;
    let config = super::load_config(config_path)?;
    let store = super::open_existing_store(&config)?;
    let status = crate::serve::fleet_status(&store, &config)?;
    render(out, &status, default_format(format))?;
    Ok(0)
}

fn render(out: &mut dyn Write, status: &FleetStatus, format: Format) -> Result<()> {
    match format {
        Format::Json => json(out, status),
        Format::Csv => Err(config_error(
            "itam fleet status prints --format table or json",
        )),
        Format::Table => {
            let alive = status.hosts.iter().filter(|h| h.alive).count();
            writeln!(
                out,
                "{alive} of {} services alive; {} sources leased; {} overdue; {} runs in the last hour ({} failed)\n",
                status.hosts.len(),
                status.leases.len(),
                status.overdue.len(),
                status.runs_last_hour,
                status.failed_last_hour
            )?;
            let rows: Vec<Vec<String>> = status
                .hosts
                .iter()
                .map(|h| {
                    vec![
                        h.id.clone(),
                        h.version.clone(),
                        h.started_at.clone(),
                        h.heartbeat_at.clone(),
                        match (h.alive, &h.stopped_at) {
                            (true, _) => "alive".into(),
                            (false, Some(at)) => format!("stopped {at}"),
                            (false, None) => "silent".into(),
                        },
                        h.leases.to_string(),
                        h.runs_last_hour.to_string(),
                    ]
                })
                .collect();
            table(
                out,
                &[
                    "service",
                    "version",
                    "started",
                    "heartbeat",
                    "state",
                    "leases",
                    "runs (1h)",
                ],
                &rows,
                &[false, false, false, false, false, true, true],
            )?;
            if !status.overdue.is_empty() {
                writeln!(out, "\noverdue (due, and no service runs them):")?;
                let rows: Vec<Vec<String>> = status
                    .overdue
                    .iter()
                    .map(|o| vec![o.source.clone(), o.next_run_at.clone()])
                    .collect();
                table(out, &["source", "due since"], &rows, &[false, false])?;
            }
            Ok(())
        }
    }
}
