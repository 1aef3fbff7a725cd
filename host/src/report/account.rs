//! One account: its state, last sign-in and licences, each with the product's name and where
//! it comes from (direct, or the group's name).

use super::format::{Cell, Csv, Format, table};
use super::products::Products;
use crate::display::text;
use crate::store::Store;
use anyhow::Result;
use rusqlite::OptionalExtension;
use serde::Serialize;
use std::io::Write;

/// The account and its licences.
#[derive(Debug, Clone, Serialize)]
pub struct AccountReport {
    /// Object ID.
    pub id: String,
    /// User principal name.
    pub user_principal_name: String,
    /// Display name.
    pub display_name: Option<String>,
    /// `enabled`, `disabled` (sign-in blocked) or `soft-deleted`.
    pub state: &'static str,
    /// Whether sign-in is allowed.
    pub account_enabled: bool,
    /// `Member` or `Guest`.
    pub user_type: String,
    /// Department.
    pub department: Option<String>,
    /// Job title.
    pub job_title: Option<String>,
    /// Creation time.
    pub created_date_time: Option<String>,
    /// Deletion time, for a soft-deleted account.
    pub deleted_date_time: Option<String>,
    /// Last interactive sign-in.
    pub last_sign_in_date_time: Option<String>,
    /// Last non-interactive sign-in.
    pub last_non_interactive_sign_in_date_time: Option<String>,
    /// The licence assignments.
    pub licences: Vec<AccountLicence>,
}

/// One licence assignment of the account.
#[derive(Debug, Clone, Serialize)]
pub struct AccountLicence {
    /// SKU GUID.
    pub sku_id: String,
    /// Part number.
    pub sku_part_number: Option<String>,
    /// Friendly name.
    pub product_name: Option<String>,
    /// The group it is inherited from; null when assigned directly.
    pub assigned_by_group: Option<String>,
    /// That group's display name.
    pub group_name: Option<String>,
    /// `Active`, `Error`, ...
    pub state: String,
    /// The error of a failed assignment.
    pub error: Option<String>,
}

/// The account of `source` whose object ID or user principal name (case-insensitive) is
/// `who`, live or soft-deleted.
pub fn account(store: &Store, source: &str, who: &str) -> Result<AccountReport> {
    store.with_conn(|conn| {
        let products = Products::load(conn, source)?;
        let found = conn
            .query_row(
                "SELECT a.id, a.user_principal_name, a.display_name, a.account_enabled, a.user_type,
                        a.department, a.job_title, a.created_date_time, a.deleted_date_time,
                        s.last_sign_in_date_time, s.last_non_interactive_sign_in_date_time
                 FROM accounts a LEFT JOIN sign_ins s ON s.source = a.source AND s.account_id = a.id
                 WHERE a.source = ?1 AND (a.id = ?2 OR lower(a.user_principal_name) = lower(?2))
                 ORDER BY a.deleted_date_time IS NOT NULL LIMIT 1",
                [source, who],
                |r| {
                    let enabled: bool = r.get(3)?;
                    let deleted: Option<String> = r.get(8)?;
                    Ok(AccountReport {
                        id: r.get(0)?,
                        user_principal_name: r.get(1)?,
                        display_name: r.get(2)?,
                        state: match (&deleted, enabled) {
                            (Some(_), _) => "soft-deleted",
                            (None, true) => "enabled",
                            (None, false) => "disabled",
                        },
                        account_enabled: enabled,
                        user_type: r.get(4)?,
                        department: r.get(5)?,
                        job_title: r.get(6)?,
                        created_date_time: r.get(7)?,
                        deleted_date_time: deleted,
                        last_sign_in_date_time: r.get(9)?,
                        last_non_interactive_sign_in_date_time: r.get(10)?,
                        licences: Vec::new(),
                    })
                },
            )
            .optional()?;
        let Some(mut report) = found else {
            return Err(crate::error::config_error(format!(
                "no account `{}` in source `{source}` (give a user principal name or an object ID)",
                text(who)
            )));
        };
        let mut stmt = conn.prepare(
            "SELECT h.sku_id, NULLIF(h.assigned_by_group, ''), g.display_name, h.state, h.error
             FROM assignments h
             LEFT JOIN groups g ON g.source = h.source AND g.id = h.assigned_by_group
             WHERE h.source = ?1 AND h.user_id = ?2
             ORDER BY h.sku_id, h.assigned_by_group",
        )?;
        report.licences = stmt
            .query_map([source, report.id.as_str()], |r| {
                let sku_id: String = r.get(0)?;
                let product = products.get(&sku_id);
                Ok(AccountLicence {
                    sku_part_number: product.map(|p| p.part_number.clone()),
                    product_name: product.and_then(|p| p.name.clone()),
                    sku_id,
                    assigned_by_group: r.get(1)?,
                    group_name: r.get(2)?,
                    state: r.get(3)?,
                    error: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        report.licences.sort_by(|a, b| {
            let label = |l: &AccountLicence| {
                l.product_name
                    .clone()
                    .or_else(|| l.sku_part_number.clone())
                    .unwrap_or_else(|| l.sku_id.clone())
            };
            label(a).cmp(&label(b))
        });
        Ok(report)
    })
}

impl AccountLicence {
    fn label(&self) -> &str {
        self.product_name
            .as_deref()
            .or(self.sku_part_number.as_deref())
            .unwrap_or(&self.sku_id)
    }

    fn provenance(&self) -> String {
        match (&self.assigned_by_group, &self.group_name) {
            (None, _) => "direct".into(),
            (Some(_), Some(name)) => format!("group {name}"),
            (Some(id), None) => format!("group {id}"),
        }
    }
}

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
                    Cell::text(l.sku_id.as_str()),
                    Cell::text(opt(&l.sku_part_number)),
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
                        l.sku_part_number.clone().unwrap_or_default(),
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
