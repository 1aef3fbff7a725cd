//! Rendering of [`itam_reports::history`].

use crate::render::format::{Cell, Csv, Format, count, table};
use anyhow::Result;
use itam_reports::history::*;
use std::io::Write;

/// Prints the history in `format`; `raw` writes CSV cells exactly as stored.
pub fn render(out: &mut dyn Write, rows: &[HistoryRow], format: Format, raw: bool) -> Result<()> {
    match format {
        Format::Json => super::format::json(out, rows),
        Format::Csv => {
            let mut w = Csv::new(out, raw);
            w.header([
                "run_id",
                "ended_at",
                "sku_id",
                "sku_part_number",
                "product_name",
                "status",
                "enabled",
                "warning",
                "suspended",
                "consumed",
                "available",
            ])?;
            for r in rows {
                w.row([
                    Cell::number(r.run_id),
                    Cell::text(r.ended_at.as_deref().unwrap_or_default()),
                    Cell::text(r.product_id.as_str()),
                    Cell::text(r.part_number.as_str()),
                    Cell::text(r.product_name.as_deref().unwrap_or_default()),
                    Cell::text(r.status.as_str()),
                    Cell::optional(r.enabled),
                    Cell::optional(r.warning),
                    Cell::optional(r.suspended),
                    Cell::number(r.consumed),
                    Cell::optional(r.available),
                ])?;
            }
            w.finish()
        }
        Format::Table => {
            if rows.is_empty() {
                writeln!(out, "No stored counts match.")?;
                return Ok(());
            }
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    vec![
                        r.run_id.to_string(),
                        r.ended_at.as_deref().unwrap_or("-").to_string(),
                        r.product_name
                            .clone()
                            .unwrap_or_else(|| r.part_number.clone()),
                        r.status.clone(),
                        count(r.enabled),
                        r.consumed.to_string(),
                        count(r.available),
                    ]
                })
                .collect();
            table(
                out,
                &[
                    "Run",
                    "Ended",
                    "Product",
                    "Status",
                    "Purchased",
                    "Consumed",
                    "Available",
                ],
                &cells,
                &[true, false, false, false, true, true, true],
            )
        }
    }
}
