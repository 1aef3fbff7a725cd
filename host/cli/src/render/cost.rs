//! Printing the cost report.

use crate::render::format::{Cell, Csv, Format, count, table};
use anyhow::Result;
use itam_reports::cost::CostReport;
use std::io::Write;

fn money(amount: f64, currency: &str) -> String {
    format!("{amount:.2} {currency}")
}

/// Prints `report` in `format`. CSV has one row per line item, with a `section` column
/// (`product`, `department`, `waste`, `total`); `raw` writes its cells exactly as stored.
pub fn render(out: &mut dyn Write, report: &CostReport, format: Format, raw: bool) -> Result<()> {
    match format {
        Format::Json => super::format::json(out, report)?,
        Format::Csv => {
            let mut w = Csv::new(out, raw);
            w.header([
                "section", "name", "sku_id", "licences", "monthly", "currency",
            ])?;
            for p in &report.products {
                let name = p.product_name.as_deref().unwrap_or(&p.part_number);
                w.row([
                    Cell::text("product"),
                    Cell::text(name),
                    Cell::text(p.product_id.as_str()),
                    // The units the spend was counted on: purchased, else assigned.
                    Cell::number(p.purchased.unwrap_or(p.consumed)),
                    Cell::number(format!("{:.2}", p.monthly_spend)),
                    Cell::text(p.currency.as_str()),
                ])?;
            }
            for d in &report.departments {
                w.row([
                    Cell::text("department"),
                    Cell::text(d.department.as_deref().unwrap_or_default()),
                    Cell::text(""),
                    Cell::number(d.licences),
                    Cell::number(format!("{:.2}", d.monthly_cost)),
                    Cell::text(d.currency.as_str()),
                ])?;
            }
            for f in report
                .waste
                .findings
                .iter()
                .filter(|f| f.monthly_cost.is_some())
            {
                let kind = serde_json::to_value(f.kind)?;
                w.row([
                    Cell::text("waste"),
                    Cell::text(kind.as_str().unwrap_or_default().to_string()),
                    Cell::text(f.product_id.as_deref().unwrap_or_default()),
                    Cell::number(f.licences),
                    Cell::number(format!("{:.2}", f.monthly_cost.unwrap_or_default())),
                    Cell::text(f.currency.as_deref().unwrap_or_default()),
                ])?;
            }
            for (currency, total) in &report.waste.potential_monthly_saving {
                w.row([
                    Cell::text("total"),
                    Cell::text("potential_saving"),
                    Cell::text(""),
                    Cell::text(""),
                    Cell::number(format!("{total:.2}")),
                    Cell::text(currency.as_str()),
                ])?;
            }
            w.finish()?;
        }
        Format::Table => table_view(out, report)?,
    }
    Ok(())
}

fn table_view(out: &mut dyn Write, report: &CostReport) -> Result<()> {
    if report.products.is_empty() {
        writeln!(
            out,
            "No prices match the products of this source. Add [[price]] entries to the configuration (see README.md, Cost)."
        )?;
    }
    let rows: Vec<Vec<String>> = report
        .products
        .iter()
        .map(|p| {
            vec![
                p.product_name
                    .clone()
                    .unwrap_or_else(|| p.part_number.clone()),
                money(p.unit_price, &p.currency),
                count(p.purchased),
                p.consumed.to_string(),
                match p.spend_counts {
                    "purchased" => money(p.monthly_spend, &p.currency),
                    _ => format!("{} (assigned)", money(p.monthly_spend, &p.currency)),
                },
                p.monthly_unassigned
                    .map_or_else(|| "unknown".to_string(), |m| money(m, &p.currency)),
            ]
        })
        .collect();
    if !rows.is_empty() {
        table(
            out,
            &[
                "Product",
                "Unit/month",
                "Purchased",
                "Assigned",
                "Spend/month",
                "Unassigned/month",
            ],
            &rows,
            &[false, true, true, true, true, true],
        )?;
        let spend: Vec<String> = report
            .monthly_spend
            .iter()
            .map(|(c, a)| money(*a, c))
            .collect();
        writeln!(out, "Total spend per month: {}", spend.join(" + "))?;
    }
    if !report.unpriced.is_empty() {
        writeln!(
            out,
            "No price configured for: {}",
            crate::display::text(&report.unpriced.join(", "))
        )?;
    }
    if !report.departments.is_empty() {
        writeln!(out)?;
        let rows: Vec<Vec<String>> = report
            .departments
            .iter()
            .map(|d| {
                vec![
                    d.department.clone().unwrap_or_else(|| "(none)".into()),
                    d.licences.to_string(),
                    money(d.monthly_cost, &d.currency),
                ]
            })
            .collect();
        table(
            out,
            &["Department", "Licences", "Cost/month"],
            &rows,
            &[false, true, true],
        )?;
    }
    let priced: Vec<Vec<String>> = report
        .waste
        .findings
        .iter()
        .filter_map(|f| {
            Some(vec![
                serde_json::to_value(f.kind)
                    .ok()?
                    .as_str()?
                    .replace('_', " "),
                f.product_name
                    .clone()
                    .or_else(|| f.part_number.clone())
                    .unwrap_or_default(),
                f.licences.to_string(),
                money(f.monthly_cost?, f.currency.as_deref()?),
            ])
        })
        .collect();
    if !priced.is_empty() {
        writeln!(out)?;
        table(
            out,
            &["Waste", "Product", "Licences", "Cost/month"],
            &priced,
            &[false, false, true, true],
        )?;
    }
    let saving: Vec<String> = report
        .waste
        .potential_monthly_saving
        .iter()
        .map(|(c, a)| money(*a, c))
        .collect();
    if !saving.is_empty() {
        writeln!(
            out,
            "Potential saving per month (each licence counted once): {}",
            saving.join(" + ")
        )?;
    }
    Ok(())
}
