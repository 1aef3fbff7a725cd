//! Rendering of [`itam_reports::subscriptions`].

use crate::render::format::{Cell, Csv, Format, Mark, table_marked};
use anyhow::Result;
use itam_reports::subscriptions::*;
use std::io::Write;

/// Prints the subscriptions in `format`; `raw` writes CSV cells exactly as stored.
pub fn render(
    out: &mut dyn Write,
    rows: &[SubscriptionRow],
    format: Format,
    raw: bool,
) -> Result<()> {
    match format {
        Format::Json => super::format::json(out, rows)?,
        Format::Csv => {
            let mut w = Csv::new(out, raw);
            w.header([
                "id",
                "sku_id",
                "sku_part_number",
                "product_name",
                "status",
                "total_licenses",
                "is_trial",
                "created_date_time",
                "next_lifecycle_date_time",
                "days_until_next_lifecycle",
                "within_days",
                "holders",
                "attention",
            ])?;
            for r in rows {
                w.row([
                    Cell::text(r.id.as_str()),
                    Cell::text(r.product_id.as_str()),
                    Cell::text(r.part_number.as_str()),
                    Cell::text(r.product_name.as_deref().unwrap_or_default()),
                    Cell::text(r.status.as_str()),
                    Cell::number(r.total_licenses),
                    Cell::number(r.is_trial),
                    Cell::text(r.created_date_time.as_deref().unwrap_or_default()),
                    Cell::text(r.next_lifecycle_date_time.as_deref().unwrap_or_default()),
                    Cell::number(
                        r.days_until_next_lifecycle
                            .map(|d| d.to_string())
                            .unwrap_or_default(),
                    ),
                    Cell::number(r.within_days.map(|d| d.to_string()).unwrap_or_default()),
                    Cell::number(r.holders),
                    Cell::text(r.attention.join(";")),
                ])?;
            }
            w.finish()?;
        }
        Format::Table => {
            // Holders belong to the product: shown on its first row only, so that the column
            // adds up to the accounts holding the products listed.
            let mut shown = std::collections::BTreeSet::new();
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    let holders = if shown.insert(r.product_id.as_str()) {
                        r.holders.to_string()
                    } else {
                        "\"".to_string()
                    };
                    vec![
                        r.product_name
                            .clone()
                            .unwrap_or_else(|| r.part_number.clone()),
                        r.status.clone(),
                        r.total_licenses.to_string(),
                        holders,
                        if r.is_trial {
                            "yes".into()
                        } else {
                            String::new()
                        },
                        r.next_lifecycle_date_time
                            .as_deref()
                            .map_or("-".into(), |t| t.chars().take(10).collect()),
                        r.days_until_next_lifecycle
                            .map_or("-".into(), |d| d.to_string()),
                        r.attention.join(", ").replace('_', " "),
                    ]
                })
                .collect();
            let marks: Vec<Mark> = rows
                .iter()
                .map(|r| {
                    if r.attention
                        .iter()
                        .any(|a| matches!(*a, "suspended" | "locked_out" | "past_due"))
                    {
                        Mark::Alert
                    } else if r
                        .attention
                        .iter()
                        .any(|a| matches!(*a, "warning" | "expires_soon"))
                    {
                        Mark::Caution
                    } else {
                        Mark::Plain
                    }
                })
                .collect();
            table_marked(
                out,
                &[
                    "Product",
                    "Status",
                    "Licences",
                    "Product holders",
                    "Trial",
                    "Next date",
                    "Days",
                    "Attention",
                ],
                &cells,
                &[false, false, true, true, false, false, true, false],
                &marks,
            )?;
            if shown.len() < rows.len() {
                writeln!(
                    out,
                    "\" the product's holders are on its first subscription (they hold the product, not one subscription)"
                )?;
            }
            for window in [30, 60, 90] {
                let due = |trial: bool| {
                    rows.iter()
                        .filter(|r| r.within_days == Some(window) && r.is_trial == trial)
                        .count()
                };
                let (renew, expire) = (due(false), due(true));
                let mut parts = Vec::new();
                if renew > 0 {
                    parts.push(format!("{renew} subscription(s) renew"));
                }
                if expire > 0 {
                    parts.push(format!("{expire} trial(s) expire"));
                }
                if !parts.is_empty() {
                    let earlier = if window == 30 {
                        "".to_string()
                    } else {
                        format!(" (after {} days)", window - 30)
                    };
                    writeln!(
                        out,
                        "! {} within {window} days{earlier}",
                        parts.join(" and ")
                    )?;
                }
            }
        }
    }
    Ok(())
}
