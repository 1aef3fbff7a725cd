//! Subscriptions: renewals and expiries in the next 30 / 60 / 90 days, trials, and
//! subscriptions that are not in good standing (warning, suspended, locked out).

use super::products::Products;
use crate::catalog::ProductCatalog;
use anyhow::Result;
use chrono::{DateTime, Utc};
use itam_store::{Store, values};
use serde::Serialize;

/// One subscription with what needs attention.
#[derive(Debug, Clone, Serialize)]
pub struct SubscriptionRow {
    /// Subscription ID.
    pub id: String,
    /// ID of the product it provides.
    pub product_id: String,
    /// Part number.
    pub part_number: String,
    /// Friendly name.
    pub product_name: Option<String>,
    /// `Enabled`, `Warning`, `Suspended`, `LockedOut`, ...
    pub status: String,
    /// Units it provides.
    pub total_licenses: i64,
    /// Whether it is a trial.
    pub is_trial: bool,
    /// Creation time.
    pub created_date_time: Option<String>,
    /// Next renewal or expiry.
    pub next_lifecycle_date_time: Option<String>,
    /// Whole days until then (negative when past).
    pub days_until_next_lifecycle: Option<i64>,
    /// 30, 60 or 90 when the next lifecycle date falls within that many days.
    pub within_days: Option<u32>,
    /// Live accounts holding the product, soft-deleted ones left out (they are affected if it
    /// lapses). A product's holders are shared by all of its subscriptions: the same number is
    /// on each of them, so do not add it up across a product's rows.
    pub holders: i64,
    /// What needs attention: `renews_soon` (a paid subscription), `expires_soon` (a trial,
    /// which does not renew), `trial`, `warning`, `suspended`, `locked_out`, `past_due`.
    pub attention: Vec<&'static str>,
}

/// The subscriptions of `source`, soonest next lifecycle date first.
pub fn subscriptions(
    store: &Store,
    source: &str,
    now: DateTime<Utc>,
    catalog: &dyn ProductCatalog,
) -> Result<Vec<SubscriptionRow>> {
    store.read(|q| {
        let products = Products::load(q, source, catalog)?;
        let mut rows: Vec<SubscriptionRow> = q.rows(
            // The holders of every product in one pass over the assignments (a subquery per
            // subscription would read them once per subscription).
            "WITH held AS (
                 SELECT h.product_id, COUNT(DISTINCT h.user_id) AS holders FROM assignments h
                 JOIN accounts a ON a.source = h.source AND a.id = h.user_id
                                AND a.deleted_date_time IS NULL
                 WHERE h.source = ?1 AND h.state <> 'Error'
                 GROUP BY h.product_id)
             SELECT s.id, s.product_id, s.part_number, s.status, s.total_licenses, s.is_trial,
                    s.created_date_time, s.next_lifecycle_date_time, COALESCE(held.holders, 0)
             FROM subscriptions s LEFT JOIN held ON held.product_id = s.product_id
             WHERE s.source = ?1",
            &values![source],
            |r| {
                let next: Option<String> = r.get(7)?;
                let days = next
                    .as_deref()
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                    .map(|t| (t.with_timezone(&Utc) - now).num_days());
                let status: String = r.get(3)?;
                let is_trial: bool = r.get(5)?;
                let within_days = days
                    .filter(|d| *d >= 0)
                    .and_then(|d| [30, 60, 90].into_iter().find(|w| d <= i64::from(*w)));
                let mut attention = Vec::new();
                if within_days.is_some() {
                    attention.push(if is_trial {
                        "expires_soon"
                    } else {
                        "renews_soon"
                    });
                }
                if days.is_some_and(|d| d < 0) {
                    attention.push("past_due");
                }
                if is_trial {
                    attention.push("trial");
                }
                match status.as_str() {
                    "Warning" => attention.push("warning"),
                    "Suspended" => attention.push("suspended"),
                    "LockedOut" => attention.push("locked_out"),
                    _ => {}
                }
                Ok(SubscriptionRow {
                    id: r.get(0)?,
                    product_id: r.get(1)?,
                    part_number: r.get(2)?,
                    product_name: None,
                    status,
                    total_licenses: r.get(4)?,
                    is_trial,
                    created_date_time: r.get(6)?,
                    next_lifecycle_date_time: next,
                    days_until_next_lifecycle: days,
                    within_days,
                    holders: r.get(8)?,
                    attention,
                })
            },
        )?;
        for row in &mut rows {
            row.product_name = products.get(&row.product_id).and_then(|p| p.name.clone());
        }
        rows.sort_by_key(|r| {
            (
                r.days_until_next_lifecycle.is_none(),
                r.days_until_next_lifecycle,
                r.id.clone(),
            )
        });
        Ok(rows)
    })
}
