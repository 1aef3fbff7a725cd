//! `itam runs`: the run log as a table for people or as JSON (one array of run objects).

use crate::render::format::{Format, json, table};
use anyhow::Result;
use itam_store::RunRecord;
use std::io::Write;

/// Prints the run log of every source (or one), newest first, at most `limit` runs.
pub(super) fn runs(
    config_path: &std::path::Path,
    source: Option<&str>,
    limit: u32,
    format: Option<Format>,
    out: &mut dyn Write,
) -> Result<i32> {
    let runs = match super::log_reader(config_path, source)? {
        (source, Some(store)) => store.runs_of(source.as_deref(), limit)?,
        (_, None) => Vec::new(),
    };
    render(out, &runs, super::default_format(format))?;
    Ok(0)
}

/// Longest error shown in a table cell, in characters (JSON keeps the whole error).
const SHORT_ERROR: usize = 80;

/// Prints the runs. In a table every cell is escaped for the terminal: sources, statuses and
/// errors quote the plugin's and the tenant's text.
pub fn render(out: &mut dyn Write, runs: &[RunRecord], format: Format) -> Result<()> {
    match format {
        Format::Json => json(out, runs),
        Format::Csv => Err(crate::error::config_error(
            "itam runs prints --format table or json",
        )),
        Format::Table if runs.is_empty() => {
            writeln!(
                out,
                "no runs recorded yet; `itam sync` records one per source"
            )?;
            Ok(())
        }
        Format::Table => {
            let rows: Vec<Vec<String>> = runs
                .iter()
                .map(|r| {
                    vec![
                        r.id.to_string(),
                        r.source.clone(),
                        r.started_at.clone(),
                        duration(r).unwrap_or_else(|| "-".into()),
                        r.status.clone(),
                        read(r),
                        r.error.as_deref().map(short).unwrap_or_default(),
                    ]
                })
                .collect();
            table(
                out,
                &[
                    "id", "source", "started", "duration", "status", "read", "error",
                ],
                &rows,
                &[true, false, false, true, false, false, false],
            )
        }
    }
}

/// How long the run took (`42s`, `3m 05s`, `1h 02m`), if it ended.
fn duration(run: &RunRecord) -> Option<String> {
    let start = chrono::DateTime::parse_from_rfc3339(&run.started_at).ok()?;
    let end = chrono::DateTime::parse_from_rfc3339(run.ended_at.as_deref()?).ok()?;
    let s = (end - start).num_seconds().max(0);
    Some(match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {:02}s", s / 60, s % 60),
        _ => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
    })
}

/// How a successful run read: `incremental`, or `full: why`.
fn read(run: &RunRecord) -> String {
    match (run.mode.as_deref(), run.full_reason.as_deref()) {
        (Some("full"), Some(why)) => short(&format!("full: {why}")),
        (Some(mode), _) => mode.to_string(),
        (None, _) => String::new(),
    }
}

/// The first line of an error, cut to [`SHORT_ERROR`] characters.
fn short(error: &str) -> String {
    let first = error.lines().next().unwrap_or_default();
    if first.chars().count() > SHORT_ERROR || error.lines().nth(1).is_some() {
        let cut: String = first.chars().take(SHORT_ERROR).collect();
        format!("{cut}…")
    } else {
        first.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(error: Option<&str>) -> RunRecord {
        RunRecord {
            id: 7,
            source: "evil\u{1b}[31m".into(),
            started_at: "2026-12-01T09:00:00Z".into(),
            ended_at: Some("2026-12-01T09:03:05Z".into()),
            status: "failed".into(),
            error: error.map(str::to_string),
            summary: None,
            mode: None,
            full_reason: None,
        }
    }

    #[test]
    fn a_table_shows_duration_and_the_first_line_of_the_error_escaped() {
        let mut out = Vec::new();
        render(
            &mut out,
            &[run(Some("upstream\u{1b}]8;;x\nfix: …"))],
            Format::Table,
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("3m 05s"), "{text}");
        assert!(text.contains("upstream\\u{1b}]8;;x…"), "{text}");
        assert!(text.contains("evil\\u{1b}[31m"), "{text}");
        assert!(!text.contains('\u{1b}'), "{text}");
    }

    #[test]
    fn a_table_says_how_each_run_read_and_why_a_full_one_did() {
        let mut full = run(None);
        (full.status, full.mode, full.full_reason) = (
            "succeeded".into(),
            Some("full".into()),
            Some("asked for (--full)".into()),
        );
        let mut incremental = run(None);
        (incremental.status, incremental.mode) = ("succeeded".into(), Some("incremental".into()));
        let mut out = Vec::new();
        render(&mut out, &[incremental, full], Format::Table).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("incremental"), "{text}");
        assert!(text.contains("full: asked for (--full)"), "{text}");
    }

    #[test]
    fn json_is_one_array_of_run_objects() {
        let mut out = Vec::new();
        render(&mut out, &[run(None), run(None)], Format::Json).unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(doc.as_array().unwrap().len(), 2);
        assert_eq!(doc[0]["started_at"], "2026-12-01T09:00:00Z");
    }
}
