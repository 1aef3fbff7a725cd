//! Printing waste findings: a summary table then the accounts behind each finding, or one
//! JSON array, or CSV with one row per account.

use crate::display::text;
use crate::render::format::{Cell, Csv, Format, table};
use anyhow::Result;
use itam_reports::cost::WasteReport;
use itam_reports::waste::{Finding, FindingKind};
use std::io::Write;

/// Accounts listed per finding in a table unless `--all` is given.
pub const TABLE_ACCOUNTS: usize = 10;

fn title(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::UnassignedSeats => "Unassigned seats",
        FindingKind::DisabledAccounts => "Disabled accounts",
        FindingKind::InactiveAccounts => "Inactive accounts",
        FindingKind::NeverSignedIn => "Never signed in",
        FindingKind::SoftDeletedAccounts => "Soft-deleted accounts",
        FindingKind::GuestsWithPaidLicences => "Guests with paid licences",
        FindingKind::DuplicateAssignments => "Direct + group duplicates",
        FindingKind::RedundantProducts => "Redundant products",
        FindingKind::AssignmentErrors => "Assignment errors",
    }
}

fn product(f: &Finding) -> String {
    f.product_name
        .clone()
        .or_else(|| f.part_number.clone())
        .or_else(|| f.product_id.clone())
        .unwrap_or_else(|| "-".into())
}

fn money(amount: f64, currency: &str) -> String {
    format!("{amount:.2} {currency}")
}

/// Prints `report` in `format`; `all` lists every account in a table; `raw` writes CSV cells
/// exactly as stored.
pub fn render(
    out: &mut dyn Write,
    report: &WasteReport,
    format: Format,
    all: bool,
    raw: bool,
) -> Result<()> {
    match format {
        Format::Json => super::format::json(out, report)?,
        Format::Csv => csv_rows(out, &report.findings, raw)?,
        Format::Table => table_view(out, report, all)?,
    }
    Ok(())
}

fn csv_rows(out: &mut dyn Write, findings: &[Finding], raw: bool) -> Result<()> {
    let mut w = Csv::new(out, raw);
    w.header([
        "kind",
        "sku_id",
        "sku_part_number",
        "product_name",
        "evaluated",
        "reason",
        "licences",
        "monthly_cost",
        "currency",
        "account_id",
        "user_principal_name",
        "display_name",
        "detail",
    ])?;
    for f in findings {
        let kind = serde_json::to_value(f.kind)?;
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        let head = || {
            [
                Cell::text(kind.as_str().unwrap_or_default().to_string()),
                Cell::text(opt(&f.product_id)),
                Cell::text(opt(&f.part_number)),
                Cell::text(opt(&f.product_name)),
                Cell::number(f.evaluated),
                Cell::text(opt(&f.reason)),
                Cell::number(f.licences),
                Cell::number(
                    f.monthly_cost
                        .map(|c| format!("{c:.2}"))
                        .unwrap_or_default(),
                ),
                Cell::text(opt(&f.currency)),
            ]
        };
        if f.accounts.is_empty() {
            w.row(head().into_iter().chain(["", "", "", ""].map(Cell::text)))?;
        }
        for a in &f.accounts {
            let tail = [
                Cell::text(a.id.as_str()),
                Cell::text(a.user_principal_name.as_str()),
                Cell::text(opt(&a.display_name)),
                Cell::text(opt(&a.detail)),
            ];
            w.row(head().into_iter().chain(tail))?;
        }
    }
    w.finish()
}

fn table_view(out: &mut dyn Write, report: &WasteReport, all: bool) -> Result<()> {
    summary(out, report)?;
    details(out, &report.findings, all)
}

/// The findings as one table, with the potential saving, without their accounts.
pub fn summary(out: &mut dyn Write, report: &WasteReport) -> Result<()> {
    let findings = &report.findings;
    writeln!(
        out,
        "Licence waste (inactive = no sign-in for {} days; paid products only, except errors)",
        report.inactive_days
    )?;
    if findings.is_empty() {
        writeln!(out, "No licence waste found.")?;
        return Ok(());
    }
    let rows: Vec<Vec<String>> = findings
        .iter()
        .map(|f| {
            vec![
                title(f.kind).to_string(),
                product(f),
                if f.evaluated {
                    f.licences.to_string()
                } else {
                    "n/a".into()
                },
                match (f.monthly_cost, &f.currency) {
                    (Some(c), Some(cur)) => money(c, cur),
                    _ => String::new(),
                },
            ]
        })
        .collect();
    if findings.iter().any(|f| f.monthly_cost.is_some()) {
        table(
            out,
            &["Finding", "Product", "Licences", "Monthly cost"],
            &rows,
            &[false, false, true, true],
        )?;
    } else {
        let rows: Vec<Vec<String>> = rows
            .into_iter()
            .map(|mut r| {
                r.pop();
                r
            })
            .collect();
        table(
            out,
            &["Finding", "Product", "Licences"],
            &rows,
            &[false, false, true],
        )?;
    }
    savings_line(out, report)
}

fn details(out: &mut dyn Write, findings: &[Finding], all: bool) -> Result<()> {
    for f in findings {
        writeln!(out)?;
        if !f.evaluated {
            writeln!(
                out,
                "{}: not evaluated: {}",
                title(f.kind),
                text(f.reason.as_deref().unwrap_or("data missing"))
            )?;
            continue;
        }
        writeln!(
            out,
            "{} - {} ({}): {}",
            title(f.kind),
            text(&product(f)),
            f.licences,
            f.kind.explanation()
        )?;
        let shown = if all {
            f.accounts.len()
        } else {
            TABLE_ACCOUNTS.min(f.accounts.len())
        };
        for a in &f.accounts[..shown] {
            let upn = text(&a.user_principal_name);
            let name = text(a.display_name.as_deref().unwrap_or(""));
            match &a.detail {
                Some(d) => writeln!(out, "  {upn}  {name}  ({})", text(d))?,
                None => writeln!(out, "  {upn}  {name}")?,
            }
        }
        if shown < f.accounts.len() {
            writeln!(
                out,
                "  ... and {} more (--all lists them; --format csv gives one row per account)",
                f.accounts.len() - shown
            )?;
        }
    }
    Ok(())
}

fn savings_line(out: &mut dyn Write, report: &WasteReport) -> Result<()> {
    if !report.potential_monthly_saving.is_empty() {
        let parts: Vec<String> = report
            .potential_monthly_saving
            .iter()
            .map(|(c, a)| money(*a, c))
            .collect();
        writeln!(
            out,
            "Potential saving per month (each licence counted once): {}",
            parts.join(" + ")
        )?;
    }
    Ok(())
}
