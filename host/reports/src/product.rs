//! One product: its balance and the live accounts holding it, with where each holder's licence
//! comes from, filtered by department, inactivity or blocked sign-in.

use super::products::Products;

use crate::catalog::ProductCatalog;
use crate::waste::LAST_SIGN_IN;
use anyhow::Result;
use chrono::{DateTime, Utc};
use itam_store::{Store, values};
use serde::Serialize;
use std::collections::BTreeMap;

/// The order of the holders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    /// By user principal name.
    Upn,
    /// By display name.
    Name,
    /// By department, then user principal name.
    Department,
    /// Longest without a sign-in first (never signed in before all).
    LastSignIn,
}

/// Which holders to list.
#[derive(Debug, Clone)]
pub struct Filter {
    /// Only this department (case-insensitive).
    pub department: Option<String>,
    /// Only enabled holders without a sign-in for this many days (or never signed in and
    /// created longer ago).
    pub inactive: Option<u32>,
    /// Only holders whose sign-in is blocked.
    pub disabled: bool,
    /// The order.
    pub sort: Sort,
    /// The time inactivity is measured from.
    pub now: DateTime<Utc>,
}

/// The product and its holders.
#[derive(Debug, Clone, Serialize)]
pub struct ProductReport {
    /// The product's ID, as the source identifies it.
    pub product_id: String,
    /// Part number.
    pub part_number: String,
    /// Friendly name.
    pub product_name: Option<String>,
    /// Capability status.
    pub status: String,
    /// Active purchased units; `null` when the source does not tell how many were bought.
    pub enabled: Option<i64>,
    /// Assigned units (as the vendor counts them, soft-deleted holders included).
    pub consumed: i64,
    /// `enabled - consumed`; `null` when the purchased units are unknown.
    pub available: Option<i64>,
    /// Live accounts holding it, before filtering.
    pub holders_total: usize,
    /// The holders that pass the filters.
    pub holders: Vec<Holder>,
}

/// One account holding the product.
#[derive(Debug, Clone, Serialize)]
pub struct Holder {
    /// Object ID.
    pub id: String,
    /// User principal name.
    pub user_principal_name: String,
    /// Display name.
    pub display_name: Option<String>,
    /// Department.
    pub department: Option<String>,
    /// Whether sign-in is allowed.
    pub account_enabled: bool,
    /// `Member` or `Guest`.
    pub user_type: String,
    /// Creation time.
    pub created_date_time: Option<String>,
    /// The later of the last interactive and non-interactive sign-in.
    pub last_activity: Option<String>,
    /// Where the licence comes from: `direct` and/or the groups' names (their IDs when
    /// unknown).
    pub assigned_via: Vec<String>,
}

/// The product of `source` whose part number or product ID is `which` (case-insensitive), with
/// the holders that pass `filter`.
pub fn product(
    store: &Store,
    source: &str,
    which: &str,
    filter: &Filter,
    catalog: &dyn ProductCatalog,
) -> Result<ProductReport> {
    store.read(|q| {
        let products = Products::load(q, source, catalog)?;
        let Some(p) = products.iter().find(|p| {
            p.product_id.eq_ignore_ascii_case(which) || p.part_number.eq_ignore_ascii_case(which)
        }) else {
            return Err(itam_runtime::error::config_error(format!(
                "no product `{}` in source `{source}`; `itam report balance` lists them",
                itam_runtime::text::text(which)
            )));
        };
        let mut by_id: BTreeMap<String, Holder> = BTreeMap::new();
        q.for_each(
            &format!(
                "SELECT a.id, a.user_principal_name, a.display_name, a.department, a.account_enabled,
                        a.user_type, a.created_date_time, {LAST_SIGN_IN},
                        NULLIF(h.assigned_by_group, ''), g.display_name
                 FROM assignments h
                 JOIN accounts a ON a.source = h.source AND a.id = h.user_id AND a.deleted_date_time IS NULL
                 LEFT JOIN sign_ins s ON s.source = a.source AND s.account_id = a.id
                 LEFT JOIN groups g ON g.source = h.source AND g.id = h.assigned_by_group
                 WHERE h.source = ?1 AND h.product_id = ?2 AND h.state <> 'Error'
                 ORDER BY a.id, h.assigned_by_group"
            ),
            &values![source, &p.product_id],
            &mut |r| {
                let id: String = r.get(0)?;
                let group: Option<String> = r.get(8)?;
                let group_name: Option<String> = r.get(9)?;
                let via = match group {
                    None => "direct".to_string(),
                    Some(g) => group_name.unwrap_or(g),
                };
                if let Some(h) = by_id.get_mut(&id) {
                    h.assigned_via.push(via);
                    return Ok(());
                }
                let activity: String = r.get(7)?;
                by_id.insert(
                    id.clone(),
                    Holder {
                        id,
                        user_principal_name: r.get(1)?,
                        display_name: r.get(2)?,
                        department: r.get(3)?,
                        account_enabled: r.get(4)?,
                        user_type: r.get(5)?,
                        created_date_time: r.get(6)?,
                        last_activity: Some(activity).filter(|a| !a.is_empty()),
                        assigned_via: vec![via],
                    },
                );
                Ok(())
            },
        )?;
        let holders_total = by_id.len();
        if filter.inactive.is_some() {
            let any: bool = q.value(
                "SELECT EXISTS (SELECT 1 FROM sign_ins WHERE source = ?1)",
                &values![source],
            )?;
            if !any {
                anyhow::bail!(
                    "--inactive needs sign-in activity, which this source's last run did not collect (`itam runs` says why)"
                );
            }
        }
        let time = |t: &Option<String>| {
            t.as_deref()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&Utc))
        };
        let mut holders: Vec<Holder> = by_id
            .into_values()
            .filter(|h| {
                filter.department.as_deref().is_none_or(|d| {
                    h.department
                        .as_deref()
                        .is_some_and(|hd| hd.to_lowercase() == d.to_lowercase())
                })
            })
            .filter(|h| !filter.disabled || !h.account_enabled)
            .filter(|h| {
                filter.inactive.is_none_or(|days| {
                    let cutoff = filter.now - chrono::Duration::days(i64::from(days));
                    h.account_enabled
                        && match time(&h.last_activity) {
                            Some(t) => t < cutoff,
                            None => time(&h.created_date_time).is_some_and(|c| c < cutoff),
                        }
                })
            })
            .collect();
        match filter.sort {
            Sort::Upn => holders.sort_by(|a, b| a.user_principal_name.cmp(&b.user_principal_name)),
            Sort::Name => holders.sort_by(|a, b| {
                (&a.display_name, &a.user_principal_name)
                    .cmp(&(&b.display_name, &b.user_principal_name))
            }),
            Sort::Department => holders.sort_by(|a, b| {
                (&a.department, &a.user_principal_name).cmp(&(&b.department, &b.user_principal_name))
            }),
            Sort::LastSignIn => holders.sort_by(|a, b| {
                (&a.last_activity, &a.user_principal_name)
                    .cmp(&(&b.last_activity, &b.user_principal_name))
            }),
        }
        Ok(ProductReport {
            product_id: p.product_id.clone(),
            part_number: p.part_number.clone(),
            product_name: p.name.clone(),
            status: p.status.clone(),
            enabled: p.enabled,
            consumed: p.consumed,
            available: p.enabled.map(|enabled| enabled - p.consumed),
            holders_total,
            holders,
        })
    })
}
