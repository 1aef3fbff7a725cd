//! `itam changes`: the change feed, for the ITAM system downstream. Every change after a
//! cursor, oldest first, as JSON lines (the last line gives the cursor to pass next time), one
//! JSON object, or CSV (each row carries its cursor).

use crate::render::format::{Csv, json};
use crate::render::keys;
use anyhow::Result;
use itam_reports::feed::{self, FeedEntry};
use serde_json::Value;
use std::io::Write;

/// How the feed is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FeedFormat {
    /// One JSON object per change and line; the last line is `{"cursor": N}`.
    Jsonl,
    /// One JSON object: `{"changes": [...], "cursor": N}`.
    Json,
    /// CSV with a header row; the last row's `cursor` is where the next call starts.
    Csv,
}

/// The CSV's columns, in order (the JSON objects have the same keys).
const COLUMNS: [&str; 9] = [
    "cursor",
    "source",
    "run_id",
    "at",
    "kind",
    "account_id",
    "user_principal_name",
    "sku_id",
    "detail",
];

/// A change under the CLI's keys.
fn printed(entry: FeedEntry) -> Result<Value> {
    Ok(keys::rename(serde_json::to_value(entry)?))
}

/// Prints the changes after cursor `since` (of `source`, or of every source), at most `limit`.
pub(super) fn changes(
    config_path: &std::path::Path,
    source: Option<&str>,
    since: i64,
    limit: u64,
    format: FeedFormat,
    out: &mut dyn Write,
) -> Result<i32> {
    // Before the first sync there is no database, and the feed is empty.
    let (source, store) = super::log_reader(config_path, source)?;
    let each = |f: &mut dyn FnMut(FeedEntry) -> Result<()>| -> Result<()> {
        if let Some(store) = &store {
            feed::feed(store, source.as_deref(), since, limit, f)?;
        }
        Ok(())
    };
    match format {
        FeedFormat::Jsonl => {
            let mut cursor = since;
            each(&mut |entry| {
                cursor = entry.cursor;
                writeln!(out, "{}", serde_json::to_string(&printed(entry)?)?)?;
                Ok(())
            })?;
            writeln!(out, "{}", serde_json::json!({ "cursor": cursor }))?;
        }
        FeedFormat::Json => {
            let (mut cursor, mut all) = (since, Vec::new());
            each(&mut |entry| {
                cursor = entry.cursor;
                all.push(printed(entry)?);
                Ok(())
            })?;
            json(
                out,
                &serde_json::json!({ "changes": all, "cursor": cursor }),
            )?;
        }
        FeedFormat::Csv => {
            let mut w = Csv::new(out, false);
            w.header(COLUMNS)?;
            each(&mut |entry| {
                let value = printed(entry)?;
                w.values(
                    COLUMNS
                        .iter()
                        .map(|c| value.get(*c).unwrap_or(&Value::Null)),
                )
            })?;
            w.finish()?;
        }
    }
    Ok(0)
}
