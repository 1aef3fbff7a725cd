//! How old a report's numbers are: the run whose snapshot a report reads, when it ended, and
//! the runs that failed after it (the snapshot is kept when a run fails, so without this a
//! report after two failed syncs looks exactly like one after a success).

use anyhow::Result;
use chrono::{DateTime, Utc};
use itam_store::Store;
use serde::Serialize;

/// The snapshot a report reads and what happened since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    /// The source.
    pub source: String,
    /// The successful run that wrote the snapshot.
    pub run_id: i64,
    /// When that run ended (RFC 3339, UTC).
    pub taken_at: Option<String>,
    /// Whole seconds from then to the report.
    pub age_seconds: Option<i64>,
    /// Runs that started after it and failed or were interrupted.
    pub failed_runs_since: usize,
    /// When the newest of them ended.
    pub last_failure_at: Option<String>,
    /// The first line of its error.
    pub last_error: Option<String>,
}

impl Snapshot {
    /// The snapshot of `source` as of `now`: its last successful run and the failed runs after
    /// it.
    pub fn of(store: &Store, source: &str, now: DateTime<Utc>) -> Result<Snapshot> {
        let Some(run) = store.last_success(source)? else {
            anyhow::bail!("source `{source}` has no successful run yet");
        };
        let later = store.runs_after(source, run.id)?;
        let failed: Vec<_> = later
            .iter()
            .filter(|r| r.status == "failed" || r.status == "interrupted")
            .collect();
        let age_seconds = run
            .ended_at
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| (now - t.with_timezone(&Utc)).num_seconds().max(0));
        Ok(Snapshot {
            source: source.to_string(),
            run_id: run.id,
            taken_at: run.ended_at.clone(),
            age_seconds,
            failed_runs_since: failed.len(),
            last_failure_at: failed.first().and_then(|r| r.ended_at.clone()),
            last_error: failed.first().map(|r| {
                r.error
                    .as_deref()
                    .unwrap_or("interrupted")
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_string()
            }),
        })
    }

    /// The warning about failed runs since the snapshot, if any (not escaped).
    pub fn warning(&self) -> Option<String> {
        (self.failed_runs_since > 0).then(|| {
            format!(
                "{} later run(s) failed, the last at {}: {}; these numbers are from run {}",
                self.failed_runs_since,
                self.last_failure_at.as_deref().unwrap_or("-"),
                self.last_error.as_deref().unwrap_or_default(),
                self.run_id
            )
        })
    }
}

/// A duration for people: its two largest units (`3 days 4 h`, `5 h 2 min`, `42 s`).
pub fn age(seconds: i64) -> String {
    let units = [(86_400, "day"), (3_600, "h"), (60, "min"), (1, "s")];
    let mut left = seconds.max(0);
    let mut parts = Vec::new();
    for (size, name) in units {
        let n = left / size;
        left %= size;
        if n > 0 || (parts.is_empty() && size == 1) {
            parts.push(match name {
                "day" if n != 1 => format!("{n} days"),
                _ => format!("{n} {name}"),
            });
        }
        if parts.len() == 2 || (!parts.is_empty() && n == 0) {
            break;
        }
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_show_their_two_largest_units() {
        assert_eq!(age(0), "0 s");
        assert_eq!(age(42), "42 s");
        assert_eq!(age(3 * 3600 + 5 * 60 + 9), "3 h 5 min");
        assert_eq!(age(86_400), "1 day");
        assert_eq!(age(2 * 86_400 + 3600), "2 days 1 h");
        assert_eq!(age(2 * 86_400 + 60), "2 days");
    }
}
