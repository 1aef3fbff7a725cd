//! The snapshot a report reads, as the report's first lines or its JSON envelope.

use crate::display::text;
use anyhow::Result;
use itam_reports::snapshot::{Snapshot, age};
use serde::Serialize;
use std::io::Write;

/// How a report shows the snapshot it was computed from.
pub trait SnapshotLines {
    /// Prints the lines a table starts with: the run, its time and age, and the warning.
    fn header(&self, out: &mut dyn Write) -> Result<()>;
    /// For JSON and CSV without the envelope: the warning on standard error, escaped.
    fn warn_on_stderr(&self);
}

impl SnapshotLines for Snapshot {
    /// Prints the lines a table starts with: the run, its time and age, and the warning.
    fn header(&self, out: &mut dyn Write) -> Result<()> {
        writeln!(
            out,
            "Snapshot: run {} of source {}, taken {} ({})",
            self.run_id,
            text(&self.source),
            self.taken_at.as_deref().unwrap_or("-"),
            self.age_seconds
                .map_or("age unknown".into(), |s| format!("{} ago", age(s)))
        )?;
        if let Some(warning) = self.warning() {
            writeln!(out, "! {}", text(&warning))?;
        }
        Ok(())
    }

    /// For JSON and CSV without the envelope: the warning on standard error, escaped.
    fn warn_on_stderr(&self) {
        if let Some(warning) = self.warning() {
            eprintln!("warning: {}", text(&warning));
        }
    }
}

/// Prints `{"snapshot": …, "report": …}`: the report's usual JSON inside, unchanged.
pub fn envelope<T: Serialize + ?Sized>(
    out: &mut dyn Write,
    snapshot: &Snapshot,
    report: &T,
) -> Result<()> {
    #[derive(Serialize)]
    struct Envelope<'a, T: ?Sized> {
        snapshot: &'a Snapshot,
        report: &'a T,
    }
    crate::render::format::json(out, &Envelope { snapshot, report })
}
