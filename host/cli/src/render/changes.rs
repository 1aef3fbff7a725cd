//! Rendering of [`itam_reports::changes`].

use crate::render::format::{Format, table};
use anyhow::Result;
use itam_reports::changes::*;
use std::io::Write;

/// Prints `log` in `format`; `raw` writes CSV cells exactly as stored.
pub fn render(out: &mut dyn Write, log: &ChangeLog, format: Format, raw: bool) -> Result<()> {
    match format {
        Format::Json => super::format::json(out, log)?,
        Format::Csv => {
            let mut w = super::format::Csv::new(out, raw);
            w.serialize(&log.changes)?;
            if log.changes.is_empty() {
                w.header([
                    "run_id",
                    "kind",
                    "account_id",
                    "user_principal_name",
                    "sku_id",
                    "product",
                    "detail",
                    "licences",
                    "licence_sku_ids",
                ])?;
            }
            w.finish()?;
        }
        Format::Table => {
            if log.baseline {
                writeln!(
                    out,
                    "Run {} is the first successful run of this source: it is the baseline later runs are compared with.",
                    log.run_id
                )?;
                return Ok(());
            }
            writeln!(
                out,
                "Changes seen by run {} (ended {}), compared with the run before it:",
                log.run_id,
                log.ended_at.as_deref().unwrap_or("-")
            )?;
            if log.changes.is_empty() {
                writeln!(out, "No changes.")?;
                return Ok(());
            }
            let cells: Vec<Vec<String>> = log
                .changes
                .iter()
                .map(|c| {
                    let licences = c.licences.join(", ");
                    let detail = match (c.kind.as_str(), c.detail.as_deref()) {
                        ("joiner", _) if !licences.is_empty() => format!("took {licences}"),
                        ("leaver", Some("soft-deleted")) if !licences.is_empty() => {
                            format!("soft-deleted, still holds {licences} until purged")
                        }
                        ("leaver", Some(d)) if !licences.is_empty() => {
                            format!("{d}, freed {licences}")
                        }
                        ("renamed", Some(old)) => format!("was {old}"),
                        (_, d) => d.unwrap_or_default().to_string(),
                    };
                    vec![
                        c.kind.replace('_', " "),
                        c.user_principal_name.clone().unwrap_or_default(),
                        c.product.clone().unwrap_or_default(),
                        detail,
                    ]
                })
                .collect();
            table(
                out,
                &["Change", "Account", "Product", "Detail"],
                &cells,
                &[false; 4],
            )?;
            let mut counts = std::collections::BTreeMap::<&str, usize>::new();
            for c in &log.changes {
                *counts.entry(c.kind.as_str()).or_default() += 1;
            }
            let summary: Vec<String> = counts
                .iter()
                .map(|(k, n)| format!("{n} {}", k.replace('_', " ")))
                .collect();
            writeln!(out, "{}", summary.join(", "))?;
        }
    }
    Ok(())
}
