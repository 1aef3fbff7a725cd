//! Licence counts over time: the per-run copy of every product's unit counts that each
//! successful run stores (`product_history`).

use super::products::Products;
use crate::catalog::ProductCatalog;
use anyhow::Result;
use itam_store::{Store, values};
use serde::Serialize;

/// One product's counts as one run saw them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryRow {
    /// The run.
    pub run_id: i64,
    /// When it ended (RFC 3339, UTC).
    pub ended_at: Option<String>,
    /// The product's ID, as the source identifies it.
    pub product_id: String,
    /// Part number.
    pub part_number: String,
    /// Friendly name, if known.
    pub product_name: Option<String>,
    /// Capability status then.
    pub status: String,
    /// Purchased units that were active; `null` when the source did not tell.
    pub enabled: Option<i64>,
    /// Units in the grace period (`null` when unknown).
    pub warning: Option<i64>,
    /// Suspended units (`null` when unknown).
    pub suspended: Option<i64>,
    /// Assigned units.
    pub consumed: i64,
    /// `enabled - consumed`; `null` when the purchased units are unknown.
    pub available: Option<i64>,
}

/// The stored counts of `source`, oldest run first, optionally of one product (part number or
/// product ID, case-insensitive) and from a date (`YYYY-MM-DD`) or time (RFC 3339) on.
pub fn history(
    store: &Store,
    source: &str,
    product: Option<&str>,
    since: Option<&str>,
    catalog: &dyn ProductCatalog,
) -> Result<Vec<HistoryRow>> {
    let since = since.map(parse_since).transpose()?;
    store.read(|q| {
        let products = Products::load(q, source, catalog)?;
        let rows: Vec<HistoryRow> = q.rows(
            "SELECT h.run_id, r.ended_at, h.product_id, h.part_number, h.capability_status,
                    h.enabled, h.warning, h.suspended, h.consumed_units
             FROM product_history h JOIN runs r ON r.id = h.run_id
             WHERE h.source = ?1 AND r.status = 'succeeded'
               AND (CAST(?2 AS TEXT) IS NULL
                    OR lower(h.product_id) = lower(?2) OR lower(h.part_number) = lower(?2))
               AND (CAST(?3 AS TEXT) IS NULL OR r.ended_at >= ?3)
             ORDER BY h.run_id, h.part_number, h.product_id",
            &values![source, product, since.as_deref()],
            |r| {
                let product_id: String = r.get(2)?;
                let enabled: Option<i64> = r.get(5)?;
                let consumed: i64 = r.get(8)?;
                Ok(HistoryRow {
                    run_id: r.get(0)?,
                    ended_at: r.get(1)?,
                    product_name: products
                        .get(&product_id)
                        .and_then(|p| p.name.clone())
                        .or_else(|| catalog.product_name(&product_id)),
                    product_id,
                    part_number: r.get(3)?,
                    status: r.get(4)?,
                    enabled,
                    warning: r.get(6)?,
                    suspended: r.get(7)?,
                    consumed,
                    available: enabled.map(|e| e - consumed),
                })
            },
        )?;
        if let Some(p) = product
            && rows.is_empty()
            && products.iter().all(|i| {
                !i.product_id.eq_ignore_ascii_case(p) && !i.part_number.eq_ignore_ascii_case(p)
            })
        {
            return Err(itam_runtime::error::config_error(format!(
                "no product `{}` in source `{source}`; `itam report balance` lists them",
                itam_runtime::text::text(p)
            )));
        }
        Ok(rows)
    })
}

/// `--since` as the RFC 3339 text runs' times are compared with.
fn parse_since(since: &str) -> Result<String> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(since) {
        return Ok(t
            .with_timezone(&chrono::Utc)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(since, "%Y-%m-%d") {
        return Ok(format!("{d}T00:00:00Z"));
    }
    Err(itam_runtime::error::config_error(format!(
        "--since `{}` is not a date (2026-11-01) or an RFC 3339 time",
        itam_runtime::text::text(since)
    )))
}
