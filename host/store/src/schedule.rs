//! The scheduler's state per source (`itam serve`): when each source runs next and how many of
//! its runs in a row have failed.

use super::Store;
use crate::values;
use anyhow::Result;
use chrono::{DateTime, Utc};

/// What the store keeps of one source's schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduleState {
    /// When the source is due next.
    pub next_run_at: DateTime<Utc>,
    /// Failed runs since the last success (drives the retry backoff).
    pub consecutive_failures: u32,
}

impl Store {
    /// The stored schedule of `source`, if the service has scheduled it before. A value that
    /// does not parse counts as none (the source is then scheduled afresh).
    pub fn schedule(&self, source: &str) -> Result<Option<ScheduleState>> {
        let row: Option<(String, u32)> = self.read(|q| {
            q.row_opt(
                "SELECT next_run_at, consecutive_failures FROM schedule WHERE source = ?1",
                &values![source],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })?;
        Ok(row.and_then(|(at, failures)| {
            let at = DateTime::parse_from_rfc3339(&at).ok()?;
            Some(ScheduleState {
                next_run_at: at.with_timezone(&Utc),
                consecutive_failures: failures,
            })
        }))
    }

    /// Stores the schedule of `source`.
    pub fn set_schedule(&self, source: &str, state: ScheduleState) -> Result<()> {
        self.read(|q| {
            q.execute(
                "INSERT INTO schedule (source, next_run_at, consecutive_failures) VALUES (?1, ?2, ?3)
                 ON CONFLICT (source) DO UPDATE SET next_run_at = ?2, consecutive_failures = ?3",
                &values![
                    source,
                    state
                        .next_run_at
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    state.consecutive_failures
                ],
            )
        })?;
        Ok(())
    }
}
