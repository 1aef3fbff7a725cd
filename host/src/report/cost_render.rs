//! Printing the cost report.

use super::cost::CostReport;
use super::format::{Format, table};
use anyhow::Result;
use std::io::Write;

fn money(amount: f64, currency: &str) -> String {
    format!("{amount:.2} {currency}")
}

/// Prints `report` in `format`. CSV has one row per line item, with a `section` column
/// (`product`, `department`, `waste`, `total`).
pub fn render(out: &mut dyn Write, report: &CostReport, format: Format) -> Result<()> {
    match format {
        Format::Json => super::format::json(out, report)?,
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record([
                "section", "name", "sku_id", "licences", "monthly", "currency",
            ])?;
            for p in &report.products {
                let name = p
                    .product_name
                    .clone()
                    .unwrap_or_else(|| p.sku_part_number.clone());
                w.write_record([
                    "product".into(),
                    name,
                    p.sku_id.clone(),
                    p.purchased.to_string(),
                    format!("{:.2}", p.monthly_spend),
                    p.currency.clone(),
                ])?;
            }
            for d in &report.departments {
                w.write_record([
                    "department".into(),
                    d.department.clone().unwrap_or_default(),
                    String::new(),
                    d.licences.to_string(),
                    format!("{:.2}", d.monthly_cost),
                    d.currency.clone(),
                ])?;
            }
            for f in report
                .waste
                .findings
                .iter()
                .filter(|f| f.monthly_cost.is_some())
            {
                let kind = serde_json::to_value(f.kind)?;
                w.write_record([
                    "waste".into(),
                    kind.as_str().unwrap_or_default().to_string(),
                    f.sku_id.clone().unwrap_or_default(),
                    f.licences.to_string(),
                    format!("{:.2}", f.monthly_cost.unwrap_or_default()),
                    f.currency.clone().unwrap_or_default(),
                ])?;
            }
            for (currency, total) in &report.waste.potential_monthly_saving {
                w.write_record([
                    "total".into(),
                    "potential_saving".into(),
                    String::new(),
                    String::new(),
                    format!("{total:.2}"),
                    currency.clone(),
                ])?;
            }
            w.flush()?;
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
                    .unwrap_or_else(|| p.sku_part_number.clone()),
                money(p.unit_price, &p.currency),
                p.purchased.to_string(),
                p.consumed.to_string(),
                money(p.monthly_spend, &p.currency),
                money(p.monthly_unassigned, &p.currency),
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
                    .or_else(|| f.sku_part_number.clone())
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
