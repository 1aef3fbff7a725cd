//! The webhook outbox: deliveries written in the same transaction as the run whose changes
//! they carry (see [`crate::RunWriter::notify`]), then delivered, retried and marked by the
//! service. A delivery names a cursor range of the change feed, not the changes themselves.

use super::{Store, now};
use crate::query::Query;
use crate::values;
use anyhow::Result;
use chrono::{DateTime, Utc};

/// One delivery waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The delivery's ID (stable across retries).
    pub id: i64,
    /// The webhook's name.
    pub webhook: String,
    /// The source whose run it reports.
    pub source: String,
    /// The run.
    pub run_id: i64,
    /// The run's first change cursor.
    pub first_cursor: i64,
    /// The run's last change cursor.
    pub last_cursor: i64,
    /// When the run committed.
    pub created_at: DateTime<Utc>,
    /// Attempts made so far.
    pub attempts: u32,
}

/// Adds a delivery of run `run_id`'s changes for each of `webhooks`, inside the run's
/// transaction; a run that recorded no change adds none.
pub(crate) fn enqueue(
    q: &mut dyn Query,
    source: &str,
    run_id: i64,
    webhooks: &[String],
) -> Result<()> {
    if webhooks.is_empty() {
        return Ok(());
    }
    let range: Option<(Option<i64>, Option<i64>)> = q.row_opt(
        "SELECT MIN(id), MAX(id) FROM changes WHERE source = ?1 AND run_id = ?2",
        &values![source, run_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let Some((Some(first), Some(last))) = range else {
        return Ok(());
    };
    let at = now();
    for webhook in webhooks {
        q.execute(
            "INSERT INTO outbox (webhook, source, run_id, first_cursor, last_cursor, created_at,
                 next_attempt_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
            &values![webhook, source, run_id, first, last, &at],
        )?;
    }
    Ok(())
}

fn parse(at: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(at)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// `at` as the outbox stores times (RFC 3339, whole seconds, `Z`), so that text comparison
/// orders them.
fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl Store {
    /// Takes the pending deliveries due at `now`, oldest first, at most `limit`, and holds
    /// them for `hold`: another service of the fleet does not take them meanwhile (and takes
    /// them after, if this one died before recording how the delivery went).
    pub fn take_due_deliveries(
        &self,
        now: DateTime<Utc>,
        limit: u32,
        hold: std::time::Duration,
    ) -> Result<Vec<Delivery>> {
        let lock = self.dialect().skip_locked();
        let until = stamp(now + chrono::Duration::from_std(hold)?);
        self.transaction(|q| {
            let due = q.rows(
                &format!(
                    "SELECT id, webhook, source, run_id, first_cursor, last_cursor, created_at,
                         attempts
                     FROM outbox WHERE status = 'pending' AND next_attempt_at <= ?1
                     ORDER BY id LIMIT ?2{lock}"
                ),
                &values![stamp(now), limit],
                |r| {
                    Ok(Delivery {
                        id: r.get(0)?,
                        webhook: r.get(1)?,
                        source: r.get(2)?,
                        run_id: r.get(3)?,
                        first_cursor: r.get(4)?,
                        last_cursor: r.get(5)?,
                        created_at: parse(&r.get::<String>(6)?),
                        attempts: r.get(7)?,
                    })
                },
            )?;
            for delivery in &due {
                q.execute(
                    "UPDATE outbox SET next_attempt_at = ?2 WHERE id = ?1",
                    &values![delivery.id, until.as_str()],
                )?;
            }
            Ok(due)
        })
    }

    /// Marks delivery `id` delivered.
    pub fn delivered(&self, id: i64) -> Result<()> {
        self.read(|q| {
            q.execute(
                "UPDATE outbox SET status = 'delivered', attempts = attempts + 1, ended_at = ?2,
                     last_error = NULL
                 WHERE id = ?1",
                &values![id, now()],
            )
        })?;
        Ok(())
    }

    /// Records a failed attempt of delivery `id` and when to try again; `None` gives up on it
    /// (it stays in the outbox as `abandoned`).
    pub fn delivery_failed(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        self.read(|q| match retry_at {
            Some(at) => q.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3
                 WHERE id = ?1",
                &values![id, error, stamp(at)],
            ),
            None => q.execute(
                "UPDATE outbox SET status = 'abandoned', attempts = attempts + 1, last_error = ?2,
                     ended_at = ?3
                 WHERE id = ?1",
                &values![id, error, now()],
            ),
        })?;
        Ok(())
    }

    /// Deliveries per webhook and status: (webhook, status, count).
    pub fn outbox_counts(&self) -> Result<Vec<(String, String, u64)>> {
        self.read(|q| {
            q.rows(
                "SELECT webhook, status, COUNT(*) FROM outbox GROUP BY webhook, status ORDER BY 1, 2",
                &[],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
        })
    }
}
