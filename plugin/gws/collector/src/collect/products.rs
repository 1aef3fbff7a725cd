//! Products: one per SKU held or subscribed to, with the units bought where the Reseller API
//! tells them (see [`crate::model::Subscription::purchased`] for which seat count, by plan)
//! and none where it does not, with a data-quality note saying why.

use super::licences::HeldSku;
use super::subscriptions::Seats;
use crate::catalog;
use crate::model::Subscription;
use crate::types::{Product, Units};

/// How many product names a note quotes.
const QUOTED: usize = 8;

/// What Google tells a customer's own administrator about purchased licences.
const ADMIN_CONSOLE_ONLY: &str = "Google shows a customer's own administrator how many licences were bought only in the Admin console (Billing → Subscriptions), through no API";

/// One SKU's product, built from what the run read.
struct Builder<'a> {
    sku_id: &'a str,
    held: Option<&'a HeldSku>,
    subscriptions: Vec<&'a Subscription>,
}

impl Builder<'_> {
    fn display_name(&self) -> Option<String> {
        self.held
            .and_then(|h| h.sku_name.clone())
            .or_else(|| self.subscriptions.iter().find_map(|s| s.sku_name.clone()))
            .or_else(|| catalog::by_sku_id(self.sku_id).map(|s| s.sku_name.to_string()))
            .filter(|n| !n.trim().is_empty())
    }

    fn product_id(&self) -> Option<String> {
        self.held
            .map(|h| h.product_id.clone())
            .or_else(|| self.subscriptions.iter().find_map(|s| s.product_id.clone()))
            .or_else(|| catalog::by_sku_id(self.sku_id).map(|s| s.product_id.to_string()))
    }

    fn product_name(&self) -> Option<String> {
        self.held
            .and_then(|h| h.product_name.clone())
            .or_else(|| {
                self.subscriptions
                    .iter()
                    .find_map(|s| s.product_name.clone())
            })
            .or_else(|| catalog::by_sku_id(self.sku_id).map(|s| s.product_name.to_string()))
    }

    /// The units of every subscription of the SKU, active ones as enabled and suspended ones
    /// as suspended; none when there is none or one does not tell its seats.
    fn units(&self) -> Option<Units> {
        if self.subscriptions.is_empty() {
            return None;
        }
        let mut units = Units::new(0);
        for s in &self.subscriptions {
            let n = s.purchased()?.units;
            if s.is_suspended() {
                units.suspended += n;
            } else {
                units.enabled += n;
            }
        }
        Some(units)
    }

    fn status(&self) -> String {
        match self.subscriptions.iter().find(|s| !s.is_suspended()) {
            Some(live) => live.neutral_status(),
            None if !self.subscriptions.is_empty() => "Suspended".into(),
            // Licences are held, so the product is in use.
            None => "Enabled".into(),
        }
    }

    fn build(&self, billing: &str) -> Product {
        let mut product = Product::with_unknown_units(self.sku_id, self.sku_id);
        product.display_name = self.display_name();
        product.status = self.status();
        product.units = self.units();
        product.consumed = self.held.map_or(0, |h| h.assigned);
        let mut put = |key: &str, value: Option<String>| {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                product.attributes.push((key.to_string(), v));
            }
        };
        put("product_id", self.product_id());
        put("product_name", self.product_name());
        let joined = |f: &dyn Fn(&Subscription) -> String| {
            let mut all: Vec<String> = self.subscriptions.iter().map(|s| f(s)).collect();
            all.dedup();
            all.join(",")
        };
        put("plan", Some(joined(&|s| s.plan_name().to_string())));
        put(
            "units_from",
            Some(joined(&|s| {
                s.purchased().map_or("unknown", |p| p.field).to_string()
            })),
        );
        put("billing", Some(billing.to_string()));
        product
    }
}

/// The products of the SKUs `held` and subscribed to in `seats`, held ones first, and the
/// data-quality notes on the purchased units that are unknown.
pub fn build(held: &[HeldSku], seats: &Seats) -> (Vec<Product>, Vec<String>) {
    let subscriptions: &[Subscription] = match seats {
        Seats::Read(all) => all,
        _ => &[],
    };
    let mut skus: Vec<&str> = held.iter().map(|h| h.sku_id.as_str()).collect();
    for s in subscriptions {
        if !skus.contains(&s.sku_id.as_str()) {
            skus.push(&s.sku_id);
        }
    }
    let products: Vec<Product> = skus
        .iter()
        .map(|sku| {
            Builder {
                sku_id: sku,
                held: held.iter().find(|h| h.sku_id == *sku),
                subscriptions: subscriptions.iter().filter(|s| s.sku_id == *sku).collect(),
            }
            .build(seats.billing())
        })
        .collect();
    let mut notes = Vec::new();
    if !products.is_empty() {
        match seats {
            Seats::NotAsked => notes.push(format!(
                "purchased units are unknown for every product: read_subscriptions = false, so the Reseller API (the only API that tells seats) is not asked; {ADMIN_CONSOLE_ONLY}"
            )),
            Seats::Unavailable { why, .. } => notes.push(format!(
                "purchased units are unknown for every product: {why}; {ADMIN_CONSOLE_ONLY}"
            )),
            Seats::Read(_) => {
                let unknown: Vec<String> = products
                    .iter()
                    .filter(|p| p.units.is_none())
                    .map(|p| p.display_name.clone().unwrap_or_else(|| p.id.clone()))
                    .collect();
                if !unknown.is_empty() {
                    notes.push(format!(
                        "purchased units are unknown for {} products that have no subscription of their own in the Reseller API, or whose subscription does not give the seat count its plan calls for: {}{}",
                        unknown.len(),
                        unknown.iter().take(QUOTED).cloned().collect::<Vec<_>>().join(", "),
                        if unknown.len() > QUOTED { ", …" } else { "" }
                    ));
                }
            }
        }
    }
    (products, notes)
}
