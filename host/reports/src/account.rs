//! One account: its state, last sign-in and licences, each with the product's name and where
//! it comes from (direct, or the group's name).

use super::products::Products;

use crate::catalog::ProductCatalog;
use anyhow::Result;
use itam_store::{Store, values};
use serde::Serialize;

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
    /// The product's ID, as the source identifies it.
    pub product_id: String,
    /// Part number.
    pub part_number: Option<String>,
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
pub fn account(
    store: &Store,
    source: &str,
    who: &str,
    catalog: &dyn ProductCatalog,
) -> Result<AccountReport> {
    store.read(|q| {
        let products = Products::load(q, source, catalog)?;
        let found = q.row_opt(
            "SELECT a.id, a.user_principal_name, a.display_name, a.account_enabled, a.user_type,
                    a.department, a.job_title, a.created_date_time, a.deleted_date_time,
                    s.last_sign_in_date_time, s.last_non_interactive_sign_in_date_time
             FROM accounts a LEFT JOIN sign_ins s ON s.source = a.source AND s.account_id = a.id
             WHERE a.source = ?1 AND (a.id = ?2 OR lower(a.user_principal_name) = lower(?2))
             ORDER BY a.deleted_date_time IS NOT NULL LIMIT 1",
            &values![source, who],
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
        )?;
        let Some(mut report) = found else {
            return Err(itam_runtime::error::config_error(format!(
                "no account `{}` in source `{source}` (give a user principal name or an object ID)",
                itam_runtime::text::text(who)
            )));
        };
        report.licences = q.rows(
            "SELECT h.product_id, NULLIF(h.assigned_by_group, ''), g.display_name, h.state, h.error
             FROM assignments h
             LEFT JOIN groups g ON g.source = h.source AND g.id = h.assigned_by_group
             WHERE h.source = ?1 AND h.user_id = ?2
             ORDER BY h.product_id, h.assigned_by_group",
            &values![source, &report.id],
            |r| {
                let product_id: String = r.get(0)?;
                let product = products.get(&product_id);
                Ok(AccountLicence {
                    part_number: product.map(|p| p.part_number.clone()),
                    product_name: product.and_then(|p| p.name.clone()),
                    product_id,
                    assigned_by_group: r.get(1)?,
                    group_name: r.get(2)?,
                    state: r.get(3)?,
                    error: r.get(4)?,
                })
            },
        )?;
        report.licences.sort_by(|a, b| {
            let label = |l: &AccountLicence| {
                l.product_name
                    .clone()
                    .or_else(|| l.part_number.clone())
                    .unwrap_or_else(|| l.product_id.clone())
            };
            label(a).cmp(&label(b))
        });
        Ok(report)
    })
}

impl AccountLicence {
    /// The product's name, else its part number, else its ID.
    pub fn label(&self) -> &str {
        self.product_name
            .as_deref()
            .or(self.part_number.as_deref())
            .unwrap_or(&self.product_id)
    }

    /// `direct`, or `group NAME` for a licence inherited from a group.
    pub fn provenance(&self) -> String {
        match (&self.assigned_by_group, &self.group_name) {
            (None, _) => "direct".into(),
            (Some(_), Some(name)) => format!("group {name}"),
            (Some(id), None) => format!("group {id}"),
        }
    }
}
