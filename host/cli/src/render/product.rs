//! Rendering of [`itam_reports::product`].

use crate::display::text;
use crate::render::format::{Cell, Csv, Format, table};
use anyhow::Result;
use itam_reports::product::*;
use std::io::Write;

/// Prints the product in `format`: CSV has one row per holder; `raw` writes CSV cells
/// exactly as stored.
pub fn render(out: &mut dyn Write, r: &ProductReport, format: Format, raw: bool) -> Result<()> {
    match format {
        Format::Json => super::format::json(out, r),
        Format::Csv => {
            let mut w = Csv::new(out, raw);
            w.header([
                "id",
                "user_principal_name",
                "display_name",
                "department",
                "account_enabled",
                "user_type",
                "last_activity",
                "assigned_via",
                "sku_id",
                "sku_part_number",
            ])?;
            let opt = |s: &Option<String>| s.clone().unwrap_or_default();
            for h in &r.holders {
                w.row([
                    Cell::text(h.id.as_str()),
                    Cell::text(h.user_principal_name.as_str()),
                    Cell::text(opt(&h.display_name)),
                    Cell::text(opt(&h.department)),
                    Cell::number(h.account_enabled),
                    Cell::text(h.user_type.as_str()),
                    Cell::text(opt(&h.last_activity)),
                    Cell::text(h.assigned_via.join(";")),
                    Cell::text(r.product_id.as_str()),
                    Cell::text(r.part_number.as_str()),
                ])?;
            }
            w.finish()
        }
        Format::Table => {
            writeln!(
                out,
                "{} ({}, {}): {} purchased, {} consumed, {} available; {} live holder(s)",
                text(r.product_name.as_deref().unwrap_or(&r.part_number)),
                text(&r.part_number),
                text(&r.status),
                crate::render::format::count(r.enabled),
                r.consumed,
                crate::render::format::count(r.available),
                r.holders_total
            )?;
            if r.holders.len() < r.holders_total {
                writeln!(out, "{} match the filters.", r.holders.len())?;
            }
            if r.holders.is_empty() {
                return Ok(());
            }
            let cells: Vec<Vec<String>> = r
                .holders
                .iter()
                .map(|h| {
                    vec![
                        h.user_principal_name.clone(),
                        h.display_name.clone().unwrap_or_default(),
                        h.department.clone().unwrap_or_default(),
                        if h.account_enabled {
                            "enabled".into()
                        } else {
                            "disabled".into()
                        },
                        h.last_activity
                            .as_deref()
                            .map_or("never".into(), |t| t.chars().take(10).collect()),
                        h.assigned_via.join(", "),
                    ]
                })
                .collect();
            table(
                out,
                &[
                    "Account",
                    "Name",
                    "Department",
                    "Sign-in",
                    "Last active",
                    "Via",
                ],
                &cells,
                &[false; 6],
            )
        }
    }
}

/// The order of a product's holders, as `--sort` takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SortArg {
    /// By user principal name.
    Upn,
    /// By display name.
    Name,
    /// By department, then user principal name.
    Department,
    /// Longest without a sign-in first (never signed in before all).
    LastSignIn,
}

impl From<SortArg> for Sort {
    fn from(sort: SortArg) -> Sort {
        match sort {
            SortArg::Upn => Sort::Upn,
            SortArg::Name => Sort::Name,
            SortArg::Department => Sort::Department,
            SortArg::LastSignIn => Sort::LastSignIn,
        }
    }
}
