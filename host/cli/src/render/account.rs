//! Rendering of [`itam_reports::account`].

use crate::display::text;
use crate::render::format::{Cell, Csv, Format, table};
use anyhow::Result;
use itam_reports::account::*;
use std::io::Write;

/// Prints the account in `format`: CSV has one row per licence, with the account's columns
/// on each; `raw` writes CSV cells exactly as stored.
pub fn render(out: &mut dyn Write, r: &AccountReport, format: Format, raw: bool) -> Result<()> {
    match format {
        Format::Json => super::format::json(out, r),
        Format::Csv => {
            let mut w = Csv::new(out, raw);
            w.header([
                "id",
                "user_principal_name",
                "state",
                "last_sign_in_date_time",
                "sku_id",
                "sku_part_number",
                "product_name",
                "assigned_by_group",
                "group_name",
                "assignment_state",
                "error",
            ])?;
            let opt = |s: &Option<String>| s.clone().unwrap_or_default();
            for l in &r.licences {
                w.row([
                    Cell::text(r.id.as_str()),
                    Cell::text(r.user_principal_name.as_str()),
                    Cell::text(r.state),
                    Cell::text(opt(&r.last_sign_in_date_time)),
                    Cell::text(l.product_id.as_str()),
                    Cell::text(opt(&l.part_number)),
                    Cell::text(opt(&l.product_name)),
                    Cell::text(opt(&l.assigned_by_group)),
                    Cell::text(opt(&l.group_name)),
                    Cell::text(l.state.as_str()),
                    Cell::text(opt(&l.error)),
                ])?;
            }
            w.finish()
        }
        Format::Table => {
            let dash = |s: &Option<String>| text(s.as_deref().unwrap_or("-")).into_owned();
            writeln!(
                out,
                "{} ({})",
                text(&r.user_principal_name),
                text(r.display_name.as_deref().unwrap_or("no display name"))
            )?;
            writeln!(out, "  id:          {}", text(&r.id))?;
            writeln!(
                out,
                "  state:       {}{}",
                r.state,
                r.deleted_date_time
                    .as_deref()
                    .map_or(String::new(), |d| format!(" (deleted {})", text(d)))
            )?;
            writeln!(out, "  type:        {}", text(&r.user_type))?;
            writeln!(out, "  department:  {}", dash(&r.department))?;
            writeln!(out, "  job title:   {}", dash(&r.job_title))?;
            writeln!(out, "  created:     {}", dash(&r.created_date_time))?;
            writeln!(
                out,
                "  last sign-in: {} (non-interactive: {})",
                dash(&r.last_sign_in_date_time),
                dash(&r.last_non_interactive_sign_in_date_time)
            )?;
            if r.licences.is_empty() {
                writeln!(out, "No licences.")?;
                return Ok(());
            }
            let cells: Vec<Vec<String>> = r
                .licences
                .iter()
                .map(|l| {
                    vec![
                        l.label().to_string(),
                        l.part_number.clone().unwrap_or_default(),
                        l.provenance(),
                        l.state.clone(),
                        l.error.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            table(
                out,
                &["Product", "Part number", "From", "State", "Error"],
                &cells,
                &[false; 5],
            )
        }
    }
}
