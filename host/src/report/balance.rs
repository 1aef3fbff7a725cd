//! Licence balance per product: purchased (by unit state), consumed, available.

use super::format::{Format, table};
use super::products::Products;
use crate::catalog::ProductClass;
use crate::display::text;
use crate::store::Store;
use anyhow::Result;
use serde::Serialize;
use std::io::Write;

/// One product's balance. The JSON keys are a public contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BalanceRow {
    /// SKU GUID.
    pub sku_id: String,
    /// SKU part number.
    pub sku_part_number: String,
    /// Friendly product name, if known.
    pub product_name: Option<String>,
    /// Capability status (`Enabled`, `Warning`, `Suspended`, `LockedOut`, ...).
    pub status: String,
    /// Active purchased units.
    pub enabled: i64,
    /// Units in the grace period.
    pub warning: i64,
    /// Suspended units.
    pub suspended: i64,
    /// Locked-out units.
    pub locked_out: i64,
    /// Assigned units.
    pub consumed: i64,
    /// `enabled - consumed`; negative when over-allocated.
    pub available: i64,
    /// Paid, free, viral or trial (shown in tables; not part of the JSON contract).
    #[serde(skip)]
    pub class: ProductClass,
}

/// The balance of `source`'s current snapshot, ordered by product name.
pub fn balance(store: &Store, source: &str) -> Result<Vec<BalanceRow>> {
    store.with_conn(|conn| {
        let products = Products::load(conn, source)?;
        let mut stmt = conn.prepare(
            "SELECT sku_id, sku_part_number, capability_status, enabled, warning, suspended, locked_out, consumed_units
             FROM products WHERE source = ?1",
        )?;
        let mut rows: Vec<BalanceRow> = stmt
            .query_map([source], |r| {
                let sku_id: String = r.get(0)?;
                let enabled: i64 = r.get(3)?;
                let consumed: i64 = r.get(7)?;
                let product = products.get(&sku_id);
                Ok(BalanceRow {
                    product_name: product.and_then(|p| p.name.clone()),
                    class: product.map_or(ProductClass::Paid, |p| p.class),
                    sku_id,
                    sku_part_number: r.get(1)?,
                    status: r.get(2)?,
                    enabled,
                    warning: r.get(4)?,
                    suspended: r.get(5)?,
                    locked_out: r.get(6)?,
                    consumed,
                    available: enabled - consumed,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        rows.sort_by(|a, b| {
            let name = |r: &BalanceRow| r.product_name.clone().unwrap_or_else(|| r.sku_part_number.clone());
            name(a).cmp(&name(b)).then(a.sku_id.cmp(&b.sku_id))
        });
        Ok(rows)
    })
}

fn mark(class: ProductClass) -> &'static str {
    match class {
        ProductClass::Paid => "",
        ProductClass::Free => "free",
        ProductClass::Viral => "viral",
        ProductClass::Trial => "trial",
    }
}

/// Prints the balance in `format`; `raw` writes CSV cells exactly as stored.
pub fn render(out: &mut dyn Write, rows: &[BalanceRow], format: Format, raw: bool) -> Result<()> {
    match format {
        Format::Json => super::format::json(out, rows)?,
        Format::Csv => {
            let mut w = super::format::Csv::new(out, raw);
            w.serialize(rows)?;
            w.finish()?;
        }
        Format::Table => {
            let headers = [
                "Product",
                "Kind",
                "Part number",
                "Status",
                "Enabled",
                "Warning",
                "Suspended",
                "Locked out",
                "Consumed",
                "Available",
            ];
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    let available = if r.available < 0 {
                        format!("{} over", r.available)
                    } else {
                        r.available.to_string()
                    };
                    vec![
                        r.product_name
                            .clone()
                            .unwrap_or_else(|| r.sku_part_number.clone()),
                        mark(r.class).to_string(),
                        r.sku_part_number.clone(),
                        r.status.clone(),
                        r.enabled.to_string(),
                        r.warning.to_string(),
                        r.suspended.to_string(),
                        r.locked_out.to_string(),
                        r.consumed.to_string(),
                        available,
                    ]
                })
                .collect();
            let numeric = [
                false, false, false, false, true, true, true, true, true, true,
            ];
            table(out, &headers, &cells, &numeric)?;
            let over: Vec<_> = rows.iter().filter(|r| r.available < 0).collect();
            for r in over {
                writeln!(
                    out,
                    "! {}: {} more assigned than purchased",
                    text(r.product_name.as_deref().unwrap_or(&r.sku_part_number)),
                    -r.available
                )?;
            }
            let unmapped: Vec<_> = rows
                .iter()
                .filter(|r| r.product_name.is_none())
                .map(|r| text(&r.sku_part_number))
                .collect();
            if !unmapped.is_empty() {
                writeln!(
                    out,
                    "? not in the product catalogue (shown by part number): {}; `itam catalog import` loads Microsoft's newest list",
                    unmapped.join(", ")
                )?;
            }
            for r in rows.iter().filter(|r| r.status != "Enabled") {
                writeln!(
                    out,
                    "! {}: subscription is {}",
                    text(r.product_name.as_deref().unwrap_or(&r.sku_part_number)),
                    text(&r.status)
                )?;
            }
        }
    }
    Ok(())
}
