//! Licence waste: seats and licences that cost money without serving anyone well, each
//! finding with the accounts behind it. Only paid products count (free, viral and trial products
//! are left out), except for assignment errors, which are listed for every product.
//!
//! An account "holds" a product when it has an assignment of it in any state but `Error`
//! (an errored assignment does not take a seat).

use super::products::Products;
use crate::catalog::ProductCatalog;
use anyhow::Result;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use itam_store::{Dialect, Query, Store, Value, values};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The kinds of waste, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// Purchased units nobody holds.
    UnassignedSeats,
    /// Licences held by accounts that cannot sign in.
    DisabledAccounts,
    /// Licences held by accounts that have not signed in for the inactivity period.
    InactiveAccounts,
    /// Licences held by accounts that never signed in, created before the inactivity period.
    NeverSignedIn,
    /// Licences still held by soft-deleted accounts.
    SoftDeletedAccounts,
    /// Paid licences held by guests.
    GuestsWithPaidLicences,
    /// Accounts holding a product both directly and through a group.
    DuplicateAssignments,
    /// A product whose service plans another product the account holds already includes.
    RedundantProducts,
    /// Assignments in error (they take no seat, and the user lacks the service).
    AssignmentErrors,
}

impl FindingKind {
    /// One line on what the finding means and what to do.
    pub fn explanation(self) -> &'static str {
        match self {
            FindingKind::UnassignedSeats => {
                "purchased but not assigned: reduce the quantity at renewal or assign them"
            }
            FindingKind::DisabledAccounts => "sign-in is blocked: remove the licence",
            FindingKind::InactiveAccounts => {
                "no sign-in for the inactivity period: confirm and remove the licence"
            }
            FindingKind::NeverSignedIn => {
                "never signed in since creation: confirm and remove the licence"
            }
            FindingKind::SoftDeletedAccounts => {
                "deleted but not purged: the licence is held until the account is purged (up to 30 days)"
            }
            FindingKind::GuestsWithPaidLicences => {
                "an external guest holds a paid licence: confirm it is needed"
            }
            FindingKind::DuplicateAssignments => {
                "assigned directly and by group: remove the direct assignment (no seat is saved, but the group then controls it)"
            }
            FindingKind::RedundantProducts => {
                "every service plan is included in another product the account holds: remove this one"
            }
            FindingKind::AssignmentErrors => {
                "the assignment failed: fix the cause shown, or the user lacks the service"
            }
        }
    }

    /// Whether removing the licences frees seats (and money).
    pub fn reclaimable(self) -> bool {
        !matches!(
            self,
            FindingKind::DuplicateAssignments | FindingKind::AssignmentErrors
        )
    }
}

/// An account behind a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountRef {
    /// Account ID.
    pub id: String,
    /// User principal name.
    pub user_principal_name: String,
    /// Display name.
    pub display_name: Option<String>,
    /// What about this account makes it part of the finding.
    pub detail: Option<String>,
}

/// One finding: a kind of waste on one product, with the accounts behind it.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// What kind of waste.
    pub kind: FindingKind,
    /// The product (absent when the finding could not be evaluated at all).
    pub product_id: Option<String>,
    /// Its part number.
    pub part_number: Option<String>,
    /// Its friendly name.
    pub product_name: Option<String>,
    /// False when the data needed was missing; `reason` says why.
    pub evaluated: bool,
    /// Why it could not be evaluated.
    pub reason: Option<String>,
    /// Licences (or seats) involved.
    pub licences: i64,
    /// The accounts behind it, by user principal name.
    pub accounts: Vec<AccountRef>,
    /// What the licences cost per month, when a price is configured and removal saves money.
    pub monthly_cost: Option<f64>,
    /// Currency of `monthly_cost`.
    pub currency: Option<String>,
}

/// How waste is judged.
#[derive(Debug, Clone, Copy)]
pub struct WasteOptions {
    /// Days without sign-in that make a licensed account inactive.
    pub inactive_days: u32,
    /// The moment "days ago" is measured from.
    pub now: DateTime<Utc>,
}

const HELD: &str = "WITH held AS (SELECT DISTINCT user_id, product_id FROM assignments
                                  WHERE source = ?1 AND state <> 'Error')";

/// The later of an account's last interactive and non-interactive sign-in (`s` is its
/// `sign_ins` row), `''` when it has neither (SQLite's two-argument MAX, PostgreSQL's
/// GREATEST, written so that both run it).
pub(crate) const LAST_SIGN_IN: &str = "CASE
    WHEN COALESCE(s.last_sign_in_date_time, '') > COALESCE(s.last_non_interactive_sign_in_date_time, '')
    THEN s.last_sign_in_date_time ELSE COALESCE(s.last_non_interactive_sign_in_date_time, '') END";

/// Every account-level query selects (product_id, account id, upn, display name, detail); the
/// sign-in queries take the cutoff as `?2`.
fn account_query(kind: FindingKind, d: Dialect) -> Option<String> {
    let join = "FROM held h JOIN accounts a ON a.source = ?1 AND a.id = h.user_id";
    let last = LAST_SIGN_IN;
    let select = "SELECT h.product_id, a.id, a.user_principal_name, a.display_name";
    // Cast, or PostgreSQL would take the parameter of `earlier` for a timestamp (it is text).
    let cutoff = "CAST(?2 AS TEXT)";
    Some(match kind {
        FindingKind::DisabledAccounts => format!(
            "{HELD} {select}, NULL {join}
             WHERE a.deleted_date_time IS NULL AND NOT a.account_enabled"
        ),
        FindingKind::InactiveAccounts => format!(
            "{HELD} {select}, 'last sign-in ' || substr({last}, 1, 10) {join}
             JOIN sign_ins s ON s.source = ?1 AND s.account_id = a.id
             WHERE a.deleted_date_time IS NULL AND a.account_enabled
               AND {last} <> '' AND {}",
            // NULLIF: PostgreSQL may compare before it checks that there is a time.
            d.earlier(&format!("NULLIF({last}, '')"), cutoff)
        ),
        FindingKind::NeverSignedIn => format!(
            "{HELD} {select}, 'created ' || substr(a.created_date_time, 1, 10) || ', never signed in' {join}
             JOIN sign_ins s ON s.source = ?1 AND s.account_id = a.id
             WHERE a.deleted_date_time IS NULL AND a.account_enabled
               AND s.last_sign_in_date_time IS NULL AND s.last_non_interactive_sign_in_date_time IS NULL
               AND a.created_date_time IS NOT NULL AND {}",
            d.earlier("a.created_date_time", cutoff)
        ),
        FindingKind::SoftDeletedAccounts => format!(
            "{HELD} {select}, 'deleted ' || substr(a.deleted_date_time, 1, 10) {join}
             WHERE a.deleted_date_time IS NOT NULL"
        ),
        FindingKind::GuestsWithPaidLicences => format!(
            "{HELD} {select}, CASE WHEN a.account_enabled THEN NULL ELSE 'sign-in blocked' END {join}
             WHERE a.deleted_date_time IS NULL AND a.user_type = 'Guest'"
        ),
        // The account's columns are grouped too (they depend on `a.id`: PostgreSQL wants them
        // named).
        FindingKind::DuplicateAssignments => format!(
            "SELECT d.product_id, a.id, a.user_principal_name, a.display_name,
                 'direct and via ' || {}
             FROM assignments d
             JOIN assignments x ON x.source = d.source AND x.user_id = d.user_id AND x.product_id = d.product_id
                               AND x.assigned_by_group <> ''
             JOIN accounts a ON a.source = d.source AND a.id = d.user_id
             LEFT JOIN groups g ON g.source = d.source AND g.id = x.assigned_by_group
             WHERE d.source = ?1 AND d.assigned_by_group = ''
             GROUP BY d.product_id, a.id, a.user_principal_name, a.display_name",
            d.group_concat("COALESCE(g.display_name, x.assigned_by_group)", "', '")
        ),
        // The distinct errors joined by ',', as the report always has: the replace undoes the
        // ', ' that group_concat_distinct joins them with.
        FindingKind::AssignmentErrors => format!(
            "SELECT e.product_id, a.id, a.user_principal_name, a.display_name,
                 replace({}, ', ', ',')
             FROM assignments e JOIN accounts a ON a.source = e.source AND a.id = e.user_id
             WHERE e.source = ?1 AND e.error IS NOT NULL AND a.deleted_date_time IS NULL
             GROUP BY e.product_id, a.id, a.user_principal_name, a.display_name",
            d.group_concat_distinct("e.error")
        ),
        FindingKind::UnassignedSeats | FindingKind::RedundantProducts => return None,
    })
}

type Rows = BTreeMap<String, Vec<AccountRef>>;

/// The rows of an account-level query by product; `params` are the source and, for the
/// sign-in queries, the cutoff.
fn query_accounts(q: &mut dyn Query, sql: &str, params: &[Value]) -> Result<Rows> {
    let mut by_product: Rows = BTreeMap::new();
    q.for_each(sql, params, &mut |r| {
        by_product.entry(r.get(0)?).or_default().push(AccountRef {
            id: r.get(1)?,
            user_principal_name: r.get(2)?,
            display_name: r.get(3)?,
            detail: r.get(4)?,
        });
        Ok(())
    })?;
    Ok(by_product)
}

/// For each paid product A an account holds alongside a paid product B that includes every
/// service plan of A (strictly more, or the same plans and a larger product ID as tie-break),
/// A is redundant. Accounts are streamed one at a time.
fn redundant(q: &mut dyn Query, source: &str, products: &Products) -> Result<Rows> {
    let mut by_product: Rows = BTreeMap::new();
    let mut current: Option<(String, String, Option<String>)> = None;
    let mut held: Vec<String> = Vec::new();
    let mut flush = |account: &Option<(String, String, Option<String>)>, held: &mut Vec<String>| {
        if let Some((id, upn, name)) = account {
            for a in held.iter() {
                if let Some(b) = covering(a, held, products) {
                    by_product.entry(a.clone()).or_default().push(AccountRef {
                        id: id.clone(),
                        user_principal_name: upn.clone(),
                        display_name: name.clone(),
                        detail: Some(format!(
                            "included in {}",
                            products.get(b).map_or(b, |p| p.label())
                        )),
                    });
                }
            }
        }
        held.clear();
    };
    q.for_each(
        &format!(
            "{HELD} SELECT h.user_id, h.product_id, a.user_principal_name, a.display_name
             FROM held h JOIN accounts a ON a.source = ?1 AND a.id = h.user_id
             WHERE a.deleted_date_time IS NULL ORDER BY h.user_id, h.product_id"
        ),
        &values![source],
        &mut |r| {
            let user: String = r.get(0)?;
            if current.as_ref().is_none_or(|(id, _, _)| *id != user) {
                flush(&current, &mut held);
                current = Some((user, r.get(2)?, r.get(3)?));
            }
            held.push(r.get(1)?);
            Ok(())
        },
    )?;
    flush(&current, &mut held);
    Ok(by_product)
}

/// A paid product among `held` that includes every plan of paid product `a`, if any.
fn covering<'a>(a: &str, held: &'a [String], products: &Products) -> Option<&'a str> {
    let pa = products
        .get(a)
        .filter(|p| products.is_paid(a) && !p.plans.is_empty())?;
    held.iter().map(String::as_str).find(|b| {
        *b != a
            && products.is_paid(b)
            && products.get(b).is_some_and(|pb| {
                pa.plans.is_subset(&pb.plans) && (pa.plans.len() < pb.plans.len() || a > *b)
            })
    })
}

/// Why sign-in based findings cannot be evaluated, or `None` when they can.
fn sign_ins_missing(store: &Store, source: &str) -> Result<Option<String>> {
    let collected: bool = store.read(|q| {
        q.value(
            "SELECT EXISTS (SELECT 1 FROM sign_ins WHERE source = ?1)",
            &values![source],
        )
    })?;
    if collected {
        return Ok(None);
    }
    let noted = store_note(store, source)?;
    Ok(Some(noted.unwrap_or_else(|| {
        "no sign-in activity was collected in the last successful run".to_string()
    })))
}

/// The last successful run's data-quality note about sign-in activity.
fn store_note(store: &Store, source: &str) -> Result<Option<String>> {
    let Some(run) = store.last_success(source)? else {
        return Ok(None);
    };
    Ok(run
        .summary
        .as_ref()
        .and_then(|s| s["data_quality"].as_array().cloned())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|n| n.as_str().map(str::to_string))
        .find(|n| n.contains("sign-in")))
}

/// Every finding for `source`'s current snapshot, in kind order then by product.
pub fn waste(
    store: &Store,
    source: &str,
    options: WasteOptions,
    catalog: &dyn ProductCatalog,
) -> Result<Vec<Finding>> {
    let missing = sign_ins_missing(store, source)?;
    store.read(|q| {
        let products = Products::load(q, source, catalog)?;
        let cutoff = (options.now - Duration::days(options.inactive_days.into()))
            .to_rfc3339_opts(SecondsFormat::Secs, true);
        let mut findings = Vec::new();
        let mut unknown_units = Vec::new();
        for p in products.iter().filter(|p| products.is_paid(&p.product_id)) {
            // Unassigned seats are known only where the purchased units are.
            let Some(enabled) = p.enabled else {
                unknown_units.push(p.label().to_string());
                continue;
            };
            let seats = enabled - p.consumed;
            if seats > 0 {
                findings.push(finding(
                    FindingKind::UnassignedSeats,
                    Some(&p.product_id),
                    &products,
                    seats,
                    Vec::new(),
                ));
            }
        }
        if !unknown_units.is_empty() {
            let mut f = finding(FindingKind::UnassignedSeats, None, &products, 0, Vec::new());
            f.evaluated = false;
            f.reason = Some(format!(
                "the source does not tell how many licences were bought of {}",
                unknown_units.join(", ")
            ));
            findings.push(f);
        }
        let kinds = [
            FindingKind::DisabledAccounts,
            FindingKind::InactiveAccounts,
            FindingKind::NeverSignedIn,
            FindingKind::SoftDeletedAccounts,
            FindingKind::GuestsWithPaidLicences,
            FindingKind::DuplicateAssignments,
            FindingKind::RedundantProducts,
            FindingKind::AssignmentErrors,
        ];
        for kind in kinds {
            let needs_sign_ins = matches!(
                kind,
                FindingKind::InactiveAccounts | FindingKind::NeverSignedIn
            );
            if let (true, Some(reason)) = (needs_sign_ins, &missing) {
                let mut f = finding(kind, None, &products, 0, Vec::new());
                f.evaluated = false;
                f.reason = Some(reason.clone());
                findings.push(f);
                continue;
            }
            let params = values![source, &cutoff];
            // Only the sign-in queries take the cutoff.
            let params = if needs_sign_ins {
                &params[..]
            } else {
                &params[..1]
            };
            let by_product = match account_query(kind, q.dialect()) {
                Some(sql) => query_accounts(q, &sql, params)?,
                None => redundant(q, source, &products)?,
            };
            for (product_id, mut accounts) in by_product {
                if kind != FindingKind::AssignmentErrors && !products.is_paid(&product_id) {
                    continue;
                }
                accounts.sort_by(|a, b| {
                    a.user_principal_name
                        .cmp(&b.user_principal_name)
                        .then(a.id.cmp(&b.id))
                });
                let n = accounts.len() as i64;
                findings.push(finding(kind, Some(&product_id), &products, n, accounts));
            }
        }
        findings.sort_by(|a, b| a.kind.cmp(&b.kind).then_with(|| label(a).cmp(&label(b))));
        Ok(findings)
    })
}

fn label(f: &Finding) -> String {
    f.product_name
        .clone()
        .or_else(|| f.part_number.clone())
        .unwrap_or_default()
}

fn finding(
    kind: FindingKind,
    product_id: Option<&str>,
    products: &Products,
    licences: i64,
    accounts: Vec<AccountRef>,
) -> Finding {
    let product = product_id.and_then(|s| products.get(s));
    Finding {
        kind,
        product_id: product_id.map(str::to_string),
        part_number: product.map(|p| p.part_number.clone()),
        product_name: product.and_then(|p| p.name.clone()),
        evaluated: true,
        reason: None,
        licences,
        accounts,
        monthly_cost: None,
        currency: None,
    }
}

/// Distinct (account, product) pairs across reclaimable findings, for savings without
/// double counting (an account both disabled and a guest frees one licence).
pub fn reclaimable_pairs(findings: &[Finding]) -> BTreeSet<(String, String)> {
    findings
        .iter()
        .filter(|f| f.kind.reclaimable())
        .flat_map(|f| {
            let product_id = f.product_id.clone().unwrap_or_default();
            f.accounts
                .iter()
                .map(move |a| (a.id.clone(), product_id.clone()))
        })
        .collect()
}
