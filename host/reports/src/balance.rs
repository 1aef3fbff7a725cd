//! Licence balance per product: purchased (by unit state), consumed, available.

use super::products::Products;
use crate::catalog::ProductClass;

use crate::catalog::ProductCatalog;
use anyhow::Result;
use itam_store::{Store, values};
use serde::Serialize;

/// One product's balance. The JSON keys are a public contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BalanceRow {
    /// The product's ID, as the source identifies it.
    pub product_id: String,
    /// The product's part number.
    pub part_number: String,
    /// Friendly product name, if known.
    pub product_name: Option<String>,
    /// Capability status (`Enabled`, `Warning`, `Suspended`, `LockedOut`, ...).
    pub status: String,
    /// Active purchased units; `null` when the source does not tell how many were bought.
    pub enabled: Option<i64>,
    /// Units in the grace period (`null` when unknown).
    pub warning: Option<i64>,
    /// Suspended units (`null` when unknown).
    pub suspended: Option<i64>,
    /// Locked-out units (`null` when unknown).
    pub locked_out: Option<i64>,
    /// Assigned units.
    pub consumed: i64,
    /// `enabled - consumed`; negative when over-allocated, `null` when the purchased units
    /// are unknown.
    pub available: Option<i64>,
    /// Paid, free, viral or trial (shown in tables; not part of the JSON contract).
    #[serde(skip)]
    pub class: ProductClass,
}

/// The balance of `source`'s current snapshot, ordered by product name.
pub fn balance(
    store: &Store,
    source: &str,
    catalog: &dyn ProductCatalog,
) -> Result<Vec<BalanceRow>> {
    store.read(|q| {
        let products = Products::load(q, source, catalog)?;
        let mut rows: Vec<BalanceRow> = q.rows(
            "SELECT product_id, part_number, capability_status, enabled, warning, suspended, locked_out, consumed_units
             FROM products WHERE source = ?1",
            &values![source],
            |r| {
                let product_id: String = r.get(0)?;
                let enabled: Option<i64> = r.get(3)?;
                let consumed: i64 = r.get(7)?;
                let product = products.get(&product_id);
                Ok(BalanceRow {
                    product_name: product.and_then(|p| p.name.clone()),
                    class: product.map_or(ProductClass::Paid, |p| p.class),
                    product_id,
                    part_number: r.get(1)?,
                    status: r.get(2)?,
                    enabled,
                    warning: r.get(4)?,
                    suspended: r.get(5)?,
                    locked_out: r.get(6)?,
                    consumed,
                    available: enabled.map(|e| e - consumed),
                })
            },
        )?;
        rows.sort_by(|a, b| {
            let name = |r: &BalanceRow| r.product_name.clone().unwrap_or_else(|| r.part_number.clone());
            name(a).cmp(&name(b)).then(a.product_id.cmp(&b.product_id))
        });
        Ok(rows)
    })
}

/// A condition of `itam report balance --fail-if`, checked against the paid products.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailIf {
    /// `over-allocated`: a product has more assigned than purchased (available below 0).
    OverAllocated,
    /// `available-below=N`: a product has fewer than N licences available.
    AvailableBelow(i64),
}

impl FailIf {
    /// Parses `over-allocated` or `available-below=N`.
    pub fn parse(s: &str) -> Result<FailIf, String> {
        if s == "over-allocated" {
            return Ok(FailIf::OverAllocated);
        }
        if let Some(n) = s.strip_prefix("available-below=") {
            return n
                .trim()
                .parse()
                .map(FailIf::AvailableBelow)
                .map_err(|_| format!("`{n}` is not a whole number"));
        }
        Err("expected `over-allocated` or `available-below=N`".into())
    }

    /// What the condition found among the paid products of `rows`, or `None` when it does not
    /// hold.
    pub fn holds(&self, rows: &[BalanceRow]) -> Option<String> {
        let below = match self {
            FailIf::OverAllocated => 0,
            FailIf::AvailableBelow(n) => *n,
        };
        let hits: Vec<String> = rows
            .iter()
            .filter(|r| r.class == ProductClass::Paid && r.available.is_some_and(|a| a < below))
            .map(|r| {
                format!(
                    "{} ({} available)",
                    r.product_name.as_deref().unwrap_or(&r.part_number),
                    r.available.unwrap_or_default()
                )
            })
            .collect();
        if hits.is_empty() {
            return None;
        }
        let condition = match self {
            FailIf::OverAllocated => "over-allocated".to_string(),
            FailIf::AvailableBelow(n) => format!("available-below={n}"),
        };
        Some(format!("{condition} holds for {}", hits.join(", ")))
    }
}
