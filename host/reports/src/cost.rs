//! Money: configured prices applied to products, departments and waste findings.

use super::products::Products;
use super::settings::Price;
use super::waste::{Finding, FindingKind, reclaimable_pairs};
use crate::catalog::ProductCatalog;
use anyhow::Result;
use itam_store::{Store, values};
use serde::Serialize;
use std::collections::BTreeMap;

/// Configured prices, looked up by product ID or part number.
pub struct PriceBook<'a> {
    prices: &'a [Price],
}

impl<'a> PriceBook<'a> {
    /// Wraps the configured prices.
    pub fn new(prices: &'a [Price]) -> Self {
        PriceBook { prices }
    }

    /// The monthly price of one licence of a product, with its currency.
    pub fn price(&self, product_id: &str, part_number: &str) -> Option<&'a Price> {
        self.prices
            .iter()
            .find(|p| p.matches(product_id, part_number))
    }
}

/// Waste findings with their cost and the total that removing them would save.
#[derive(Debug, Serialize)]
pub struct WasteReport {
    /// Days without sign-in that made an account inactive.
    pub inactive_days: u32,
    /// The findings.
    pub findings: Vec<Finding>,
    /// Monthly saving per currency: unassigned seats, plus each reclaimable (account,
    /// product) pair once, at the configured prices.
    pub potential_monthly_saving: BTreeMap<String, f64>,
}

impl WasteReport {
    /// Prices `findings` with `book`.
    pub fn new(inactive_days: u32, mut findings: Vec<Finding>, book: &PriceBook) -> WasteReport {
        let price = |f: &Finding| {
            book.price(
                f.product_id.as_deref().unwrap_or_default(),
                f.part_number.as_deref().unwrap_or_default(),
            )
        };
        let mut saving: BTreeMap<String, f64> = BTreeMap::new();
        for f in findings.iter_mut() {
            if let (true, true, Some(p)) = (f.kind.reclaimable(), f.evaluated, price(f)) {
                f.monthly_cost = Some(f.licences as f64 * p.monthly);
                f.currency = Some(p.currency.clone());
                if f.kind == FindingKind::UnassignedSeats {
                    *saving.entry(p.currency.clone()).or_default() += f.licences as f64 * p.monthly;
                }
            }
        }
        let part_numbers: BTreeMap<String, String> = findings
            .iter()
            .filter_map(|f| {
                Some((
                    f.product_id.clone()?,
                    f.part_number.clone().unwrap_or_default(),
                ))
            })
            .collect();
        for (_, product_id) in reclaimable_pairs(&findings) {
            let part = part_numbers
                .get(&product_id)
                .map(String::as_str)
                .unwrap_or_default();
            if let Some(p) = book.price(&product_id, part) {
                *saving.entry(p.currency.clone()).or_default() += p.monthly;
            }
        }
        WasteReport {
            inactive_days,
            findings,
            potential_monthly_saving: saving,
        }
    }
}

/// Monthly spend on one product.
#[derive(Debug, Serialize, PartialEq)]
pub struct ProductCost {
    /// The product's ID, as the source identifies it.
    pub product_id: String,
    /// Part number.
    pub part_number: String,
    /// Friendly name.
    pub product_name: Option<String>,
    /// Price of one licence per month.
    pub unit_price: f64,
    /// Currency.
    pub currency: String,
    /// Purchased (enabled) units; `null` when the source does not tell how many were bought.
    pub purchased: Option<i64>,
    /// Assigned units.
    pub consumed: i64,
    /// purchased × unit price: what is paid each month. When the purchased units are unknown,
    /// the assigned units are counted instead (what a per-user plan bills; a commitment may
    /// bill more): see `spend_counts`.
    pub monthly_spend: f64,
    /// Which units `monthly_spend` counts: `purchased`, or `assigned` when the purchased units
    /// are unknown (then the spend is a lower bound).
    pub spend_counts: &'static str,
    /// Unassigned units × unit price; `null` when the purchased units are unknown.
    pub monthly_unassigned: Option<f64>,
}

/// Monthly spend attributed to one department (licences its accounts hold × price).
#[derive(Debug, Serialize, PartialEq)]
pub struct DepartmentCost {
    /// Department, or null for accounts without one.
    pub department: Option<String>,
    /// Currency.
    pub currency: String,
    /// Paid licences its live accounts hold.
    pub licences: i64,
    /// Their monthly cost.
    pub monthly_cost: f64,
}

/// The cost report.
#[derive(Debug, Serialize)]
pub struct CostReport {
    /// Per priced product.
    pub products: Vec<ProductCost>,
    /// Products that have no configured price (part numbers).
    pub unpriced: Vec<String>,
    /// Per department.
    pub departments: Vec<DepartmentCost>,
    /// Total monthly spend per currency.
    pub monthly_spend: BTreeMap<String, f64>,
    /// The priced waste findings and the potential saving.
    pub waste: WasteReport,
}

/// Spend per product and department for `source`, and the cost of `waste`.
pub fn cost(
    store: &Store,
    source: &str,
    prices: &[Price],
    waste: WasteReport,
    catalog: &dyn ProductCatalog,
) -> Result<CostReport> {
    let book = PriceBook::new(prices);
    store.read(|q| {
        let products = Products::load(q, source, catalog)?;
        let mut rows = Vec::new();
        let mut unpriced = Vec::new();
        let mut spend: BTreeMap<String, f64> = BTreeMap::new();
        for p in products.iter().filter(|p| products.is_paid(&p.product_id)) {
            let Some(price) = book.price(&p.product_id, &p.part_number) else {
                unpriced.push(p.part_number.clone());
                continue;
            };
            let (billed, spend_counts) = match p.enabled {
                Some(enabled) => (enabled, "purchased"),
                None => (p.consumed, "assigned"),
            };
            let monthly_spend = billed as f64 * price.monthly;
            *spend.entry(price.currency.clone()).or_default() += monthly_spend;
            rows.push(ProductCost {
                product_id: p.product_id.clone(),
                part_number: p.part_number.clone(),
                product_name: p.name.clone(),
                unit_price: price.monthly,
                currency: price.currency.clone(),
                purchased: p.enabled,
                consumed: p.consumed,
                monthly_spend,
                spend_counts,
                monthly_unassigned: p
                    .enabled
                    .map(|enabled| (enabled - p.consumed).max(0) as f64 * price.monthly),
            });
        }
        rows.sort_by(|a, b| b.monthly_spend.total_cmp(&a.monthly_spend));

        let mut by_department: BTreeMap<(Option<String>, String), (i64, f64)> = BTreeMap::new();
        q.for_each(
            "SELECT a.department, h.product_id, COUNT(*) FROM
                 (SELECT DISTINCT user_id, product_id FROM assignments WHERE source = ?1 AND state <> 'Error') h
             JOIN accounts a ON a.source = ?1 AND a.id = h.user_id AND a.deleted_date_time IS NULL
             GROUP BY a.department, h.product_id",
            &values![source],
            &mut |r| {
                let (department, product_id, n): (Option<String>, String, i64) =
                    (r.get(0)?, r.get(1)?, r.get(2)?);
                let Some(p) = products.get(&product_id).filter(|_| products.is_paid(&product_id))
                else {
                    return Ok(());
                };
                if let Some(price) = book.price(&product_id, &p.part_number) {
                    let e = by_department.entry((department, price.currency.clone())).or_default();
                    e.0 += n;
                    e.1 += n as f64 * price.monthly;
                }
                Ok(())
            },
        )?;
        let mut departments: Vec<DepartmentCost> = by_department
            .into_iter()
            .map(|((department, currency), (licences, monthly_cost))| DepartmentCost {
                department,
                currency,
                licences,
                monthly_cost,
            })
            .collect();
        departments.sort_by(|a, b| b.monthly_cost.total_cmp(&a.monthly_cost));
        Ok(CostReport {
            products: rows,
            unpriced,
            departments,
            monthly_spend: spend,
            waste,
        })
    })
}

/// The waste report of `source` as `itam report waste` prints it: the findings at
/// `inactive_days` as of `now`, priced by `settings`' prices.
pub fn waste_report(
    store: &itam_store::Store,
    source: &str,
    settings: &crate::settings::ReportSettings,
    inactive_days: u32,
    now: chrono::DateTime<chrono::Utc>,
    catalog: &dyn ProductCatalog,
) -> Result<WasteReport> {
    let options = crate::waste::WasteOptions { inactive_days, now };
    let findings = crate::waste::waste(store, source, options, catalog)?;
    Ok(WasteReport::new(
        inactive_days,
        findings,
        &PriceBook::new(&settings.prices),
    ))
}
