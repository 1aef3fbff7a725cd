//! What reports know about each product of a source: its friendly name (the plugin's, else the
//! catalogue's),
//! its class (paid, free, viral or trial), its service plans and its unit counts.

use crate::catalog::{ProductCatalog, ProductClass};
use anyhow::Result;
use itam_store::{Query, values};
use std::collections::{BTreeMap, BTreeSet};

/// One product of a source's snapshot.
#[derive(Debug, Clone)]
pub struct ProductInfo {
    /// The product's ID, as the source identifies it.
    pub product_id: String,
    /// Part number.
    pub part_number: String,
    /// Friendly name: the one the plugin gave, else the catalogue's, if either knows it.
    pub name: Option<String>,
    /// Paid, free, viral or trial.
    pub class: ProductClass,
    /// Service plan IDs the product includes.
    pub plans: BTreeSet<String>,
    /// Capability status.
    pub status: String,
    /// Active purchased units; `None` when the source does not tell how many were bought.
    pub enabled: Option<i64>,
    /// Assigned units.
    pub consumed: i64,
}

impl ProductInfo {
    /// The friendly name, else the part number.
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.part_number)
    }
}

/// The products of one source, by product ID.
pub struct Products {
    by_id: BTreeMap<String, ProductInfo>,
}

impl Products {
    /// Loads `source`'s products with their names (the plugin's, else the catalogue's, where an
    /// imported catalogue wins over the built-in one) and
    /// marks as trial every product whose subscriptions are all trials.
    pub fn load(q: &mut dyn Query, source: &str, catalog: &dyn ProductCatalog) -> Result<Products> {
        let trial: BTreeSet<String> = q
            .rows(
                "SELECT product_id FROM subscriptions WHERE source = ?1
                 GROUP BY product_id HAVING COUNT(*) = COUNT(CASE WHEN is_trial THEN 1 END)",
                &values![source],
                |r| r.get(0),
            )?
            .into_iter()
            .collect();
        let mut by_id = BTreeMap::new();
        q.for_each(
            "SELECT product_id, part_number, capability_status, enabled, consumed_units, service_plans,
                 display_name
             FROM products WHERE source = ?1",
            &values![source],
            &mut |r| {
                let product_id: String = r.get(0)?;
                let part_number: String = r.get(1)?;
                let own_name: Option<String> = r.get(6)?;
                let name = own_name.or_else(|| catalog.product_name(&product_id));
                let class = if trial.contains(&product_id) {
                    ProductClass::Trial
                } else {
                    catalog.classify(&part_number, name.as_deref())
                };
                let plans: Vec<serde_json::Value> =
                    serde_json::from_str(&r.get::<String>(5)?).unwrap_or_default();
                let plans = plans
                    .iter()
                    .filter_map(|p| p["service_plan_id"].as_str().map(str::to_string))
                    .collect();
                by_id.insert(
                    product_id.clone(),
                    ProductInfo {
                        product_id,
                        part_number,
                        name,
                        class,
                        plans,
                        status: r.get(2)?,
                        enabled: r.get(3)?,
                        consumed: r.get(4)?,
                    },
                );
                Ok(())
            },
        )?;
        Ok(Products { by_id })
    }

    /// The product `product_id`, if the source has it.
    pub fn get(&self, product_id: &str) -> Option<&ProductInfo> {
        self.by_id.get(product_id)
    }

    /// Whether `product_id` costs money. A product the snapshot does not list counts as paid, so that
    /// nothing is hidden by mistake.
    pub fn is_paid(&self, product_id: &str) -> bool {
        self.get(product_id)
            .is_none_or(|p| p.class == ProductClass::Paid)
    }

    /// Every product, by product ID.
    pub fn iter(&self) -> impl Iterator<Item = &ProductInfo> {
        self.by_id.values()
    }
}
