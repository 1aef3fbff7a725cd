//! Rendering of [`itam_reports::balance`].

use crate::display::text;
use crate::render::format::{Format, Mark, count, table_marked};
use anyhow::Result;
use itam_reports::balance::*;
use itam_reports::catalog::ProductClass;
use std::io::Write;

/// What a product short of licences means: the users of a suspended or locked-out product lose
/// access; otherwise more are assigned than purchased.
fn shortfall(r: &BalanceRow) -> String {
    match r.status.as_str() {
        "Suspended" => format!("suspended: {} user(s) will lose access", r.consumed),
        "LockedOut" => format!("locked out: {} user(s) have lost access", r.consumed),
        _ => format!(
            "{} more assigned than purchased",
            -r.available.unwrap_or_default()
        ),
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
                    let available = match r.available {
                        Some(n) if n < 0 && !lapsed => format!("{n} over"),
                        n => count(n),
                    };
                    vec![
                        r.product_name
                            .clone()
                            .unwrap_or_else(|| r.part_number.clone()),
                        mark(r.class).to_string(),
                        r.part_number.clone(),
                        r.status.clone(),
                        count(r.enabled),
                        count(r.warning),
                        count(r.suspended),
                        count(r.locked_out),
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
                    _ if r.available.is_some_and(|n| n < 0) => Mark::Alert,
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
                        .filter_map(|(n, what)| Some((n?, what)))
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
            let over: Vec<_> = rows
                .iter()
                .filter(|r| r.available.is_some_and(|n| n < 0))
                .collect();
            for r in over {
                writeln!(
                    out,
                    "! {}: {}",
                    text(r.product_name.as_deref().unwrap_or(&r.part_number)),
                    shortfall(r)
                )?;
            }
            let unmapped: Vec<_> = rows
                .iter()
                .filter(|r| r.product_name.is_none())
                .map(|r| text(&r.part_number))
                .collect();
            if !unmapped.is_empty() {
                writeln!(
                    out,
                    "? not in the product catalogue (shown by part number): {}; `itam catalog import` loads Microsoft's newest list",
                    unmapped.join(", ")
                )?;
            }
            let unknown: Vec<_> = rows
                .iter()
                .filter(|r| r.enabled.is_none())
                .map(|r| text(r.product_name.as_deref().unwrap_or(&r.part_number)))
                .collect();
            if !unknown.is_empty() {
                writeln!(
                    out,
                    "? purchased units unknown (the source does not tell how many were bought; `itam runs` says why): {}",
                    unknown.join(", ")
                )?;
            }
            for r in rows.iter().filter(|r| r.status != "Enabled") {
                writeln!(
                    out,
                    "! {}: subscription is {}",
                    text(r.product_name.as_deref().unwrap_or(&r.part_number)),
                    text(&r.status)
                )?;
            }
        }
    }
    Ok(())
}
