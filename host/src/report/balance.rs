//! Licence balance per product: purchased (by unit state), consumed, available.

use super::format::{Format, Mark, table_marked};
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
            .filter(|r| r.class == ProductClass::Paid && r.available < below)
            .map(|r| {
                format!(
                    "{} ({} available)",
                    r.product_name.as_deref().unwrap_or(&r.sku_part_number),
                    r.available
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

/// What a product short of licences means: the users of a suspended or locked-out product lose
/// access; otherwise more are assigned than purchased.
fn shortfall(r: &BalanceRow) -> String {
    match r.status.as_str() {
        "Suspended" => format!("suspended: {} user(s) will lose access", r.consumed),
        "LockedOut" => format!("locked out: {} user(s) have lost access", r.consumed),
        _ => format!("{} more assigned than purchased", -r.available),
    }
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
                    let lapsed = matches!(r.status.as_str(), "Suspended" | "LockedOut");
                    let available = if r.available < 0 && !lapsed {
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
            let marks: Vec<Mark> = rows
                .iter()
                .map(|r| match r.status.as_str() {
                    _ if r.available < 0 => Mark::Alert,
                    "Suspended" | "LockedOut" => Mark::Alert,
                    "Warning" => Mark::Caution,
                    _ => Mark::Plain,
                })
                .collect();
            let layout = super::format::Layout::stdout();
            if layout
                .width
                .is_some_and(|w| super::format::full_width(&headers, &cells) > usize::from(w))
            {
                // Too wide for the terminal: the kind joins the name, the unit states other
                // than enabled join the status, and the table keeps six columns.
                let cells: Vec<Vec<String>> = rows
                    .iter()
                    .zip(&cells)
                    .map(|(r, full)| {
                        let mut name = full[0].clone();
                        if !full[1].is_empty() {
                            name = format!("{name} ({})", full[1]);
                        }
                        let units: Vec<String> = [
                            (r.warning, "warning"),
                            (r.suspended, "suspended"),
                            (r.locked_out, "locked out"),
                        ]
                        .into_iter()
                        .filter(|(n, _)| *n != 0)
                        .map(|(n, what)| format!("{n} {what}"))
                        .collect();
                        let status = if units.is_empty() {
                            r.status.clone()
                        } else {
                            format!("{} ({})", r.status, units.join(", "))
                        };
                        vec![
                            name,
                            full[2].clone(),
                            status,
                            full[4].clone(),
                            full[8].clone(),
                            full[9].clone(),
                        ]
                    })
                    .collect();
                let headers = [
                    "Product",
                    "Part number",
                    "Status",
                    "Enabled",
                    "Consumed",
                    "Available",
                ];
                let numeric = [false, false, false, true, true, true];
                out.write_all(
                    super::format::render_table(layout, &headers, &cells, &numeric, &marks)
                        .as_bytes(),
                )?;
            } else {
                table_marked(out, &headers, &cells, &numeric, &marks)?;
            }
            let over: Vec<_> = rows.iter().filter(|r| r.available < 0).collect();
            for r in over {
                writeln!(
                    out,
                    "! {}: {}",
                    text(r.product_name.as_deref().unwrap_or(&r.sku_part_number)),
                    shortfall(r)
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
