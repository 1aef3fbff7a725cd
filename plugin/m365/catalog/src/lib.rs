//! The product catalogue: SKU GUID (Graph `skuId`) → part number, display name and included
//! service plans, and service plan GUID → names, from Microsoft's "Product names and service
//! plan identifiers for licensing" CSV
//! (<https://learn.microsoft.com/entra/identity/users/licensing-service-plan-reference>).
//!
//! A copy is built in ([`Catalog::embedded`], from `plugin/m365/catalog/data/catalog.tsv`, see [`compact`]
//! for the format). `itam catalog import <file.csv>` stores a newer CSV in the database
//! ([`import`]); reports use [`Catalog::load`], where imported entries win over built-in ones.
//! [`classify()`] tells paid products from free, viral and trial ones.
//!
//! # Regenerating the built-in table
//!
//! Download the CSV from the page above, then run
//!
//! ```text
//! ITAM_CATALOG_CSV=/path/to/the.csv ITAM_CATALOG_DATE=2025-12-30 \
//!   cargo test -p itam-m365-catalog --lib compact::tests::regenerate_embedded_table -- --ignored
//! ```
//!
//! with the CSV's publication date. The test `committed_table_matches_reference_csv` checks that
//! `plugin/m365/catalog/data/catalog.tsv` is exactly what the CSV named by `ITAM_CATALOG_CSV` gives (it skips
//! when the variable is unset).

mod classify;
pub mod compact;
mod csv_import;
mod db;

pub use classify::{ProductClass, WELL_KNOWN, classify};
pub use compact::{parse_compact, write_compact};
pub use csv_import::{ParsedCatalog, Product, SOURCE_URL, ServicePlan, parse_csv};
pub use db::{ImportReport, import, imported_meta, prepare_move};

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

/// The built-in table, in the [`compact`] form.
pub(crate) const EMBEDDED_TSV: &str = include_str!("../data/catalog.tsv");

/// Products and service plans by lowercase GUID, optionally over a base catalogue that answers
/// what this one does not know.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    products: BTreeMap<String, Product>,
    plans: BTreeMap<String, ServicePlan>,
    base: Option<&'static Catalog>,
}

impl Catalog {
    /// The built-in catalogue, parsed on first use.
    pub fn embedded() -> &'static Catalog {
        static EMBEDDED: OnceLock<Catalog> = OnceLock::new();
        EMBEDDED.get_or_init(|| {
            let parsed =
                parse_compact(EMBEDDED_TSV).expect("plugin/m365/catalog/data/catalog.tsv is valid");
            Catalog::from_parsed(parsed)
        })
    }

    /// The publication date of the CSV the built-in catalogue was derived from.
    pub fn embedded_source_date() -> &'static str {
        compact::source_date(EMBEDDED_TSV).unwrap_or("unknown")
    }

    /// A catalogue of exactly what `parsed` holds.
    pub fn from_parsed(parsed: ParsedCatalog) -> Catalog {
        Catalog {
            products: parsed.products,
            plans: parsed.plans,
            base: None,
        }
    }

    /// This catalogue laid over `base`: lookups this one cannot answer go to `base`.
    pub fn over(self, base: &'static Catalog) -> Catalog {
        Catalog {
            base: Some(base),
            ..self
        }
    }

    /// The product with SKU GUID `sku_id` (any case, braces allowed).
    pub fn product(&self, sku_id: &str) -> Option<&Product> {
        let key = key(sku_id);
        self.products
            .get(key.as_ref())
            .or_else(|| self.base.and_then(|b| b.product(&key)))
    }

    /// Whether the catalogue knows SKU `sku_id`.
    pub fn contains(&self, sku_id: &str) -> bool {
        self.product(sku_id).is_some()
    }

    /// The display name of SKU `sku_id`, e.g. `Office 365 E3`.
    pub fn product_name(&self, sku_id: &str) -> Option<&str> {
        self.product(sku_id).map(|p| p.name.as_str())
    }

    /// The part number (`skuPartNumber`) of SKU `sku_id`, e.g. `ENTERPRISEPACK`.
    pub fn part_number(&self, sku_id: &str) -> Option<&str> {
        self.product(sku_id).map(|p| p.part_number.as_str())
    }

    /// The SKU GUID (lowercase) of the product with part number `part_number` (any case).
    pub fn sku_of_part_number(&self, part_number: &str) -> Option<String> {
        self.sku_ids()
            .into_iter()
            .find(|id| {
                self.part_number(id)
                    .is_some_and(|p| p.eq_ignore_ascii_case(part_number.trim()))
            })
            .map(str::to_string)
    }

    /// The lowercase GUIDs of the service plans SKU `sku_id` includes, sorted.
    pub fn plans_of(&self, sku_id: &str) -> Option<&[String]> {
        self.product(sku_id).map(|p| p.plans.as_slice())
    }

    /// The service plan with GUID `plan_id` (any case).
    pub fn plan(&self, plan_id: &str) -> Option<&ServicePlan> {
        let key = key(plan_id);
        self.plans
            .get(key.as_ref())
            .or_else(|| self.base.and_then(|b| b.plan(&key)))
    }

    /// The friendly name of service plan `plan_id`, e.g. `Exchange Online (Plan 2)`.
    pub fn plan_name(&self, plan_id: &str) -> Option<&str> {
        self.plan(plan_id).map(|p| p.friendly_name.as_str())
    }

    /// The number of products (counting the base catalogue's too).
    pub fn len(&self) -> usize {
        self.sku_ids().len()
    }

    /// Whether the catalogue has no products.
    pub fn is_empty(&self) -> bool {
        self.products.is_empty() && self.base.is_none_or(|b| b.is_empty())
    }

    /// The number of service plans (counting the base catalogue's too).
    pub fn plan_count(&self) -> usize {
        let mut ids: BTreeSet<&str> = self.plans.keys().map(String::as_str).collect();
        let mut base = self.base;
        while let Some(b) = base {
            ids.extend(b.plans.keys().map(String::as_str));
            base = b.base;
        }
        ids.len()
    }

    fn sku_ids(&self) -> BTreeSet<&str> {
        let mut ids = self.base.map(|b| b.sku_ids()).unwrap_or_default();
        ids.extend(self.products.keys().map(String::as_str));
        ids
    }
}

/// `id` as stored: trimmed, without braces, lowercase.
fn key(id: &str) -> Cow<'_, str> {
    let id = id.trim();
    let id = id
        .strip_prefix('{')
        .and_then(|i| i.strip_suffix('}'))
        .unwrap_or(id);
    if id.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(id.to_ascii_lowercase())
    } else {
        Cow::Borrowed(id)
    }
}

/// The built-in display name of SKU `sku_id`, if known (see [`Catalog::embedded`]; reports that
/// have a database connection should use [`Catalog::load`] so that an import wins).
pub fn product_name(sku_id: &str) -> Option<&'static str> {
    Catalog::embedded().product_name(sku_id)
}

/// The catalogue reports use for a Microsoft 365 source: names from the catalogue, classes by
/// [`classify()`].
impl itam_reports::catalog::ProductCatalog for Catalog {
    fn product_name(&self, product_id: &str) -> Option<String> {
        Catalog::product_name(self, product_id).map(str::to_string)
    }

    fn classify(&self, part_number: &str, name: Option<&str>) -> ProductClass {
        classify(part_number, name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const E3: &str = "6fd2c87f-b296-42f0-b197-1e91e994b900";

    #[test]
    fn embedded_lookups_ignore_case() {
        let c = Catalog::embedded();
        assert_eq!(c.product_name(E3), Some("Office 365 E3"));
        assert_eq!(c.product_name(&E3.to_uppercase()), Some("Office 365 E3"));
        assert_eq!(c.product_name(&format!("{{{E3}}}")), Some("Office 365 E3"));
        assert_eq!(c.part_number(E3), Some("ENTERPRISEPACK"));
        assert_eq!(
            product_name("C7DF2760-2C81-4EF7-B578-5B5392B571DF"),
            Some("Office 365 E5")
        );
        let plans = c.plans_of(E3).unwrap();
        assert!(plans.contains(&"efb87545-963c-4e0d-99df-69c6916d9eb0".to_string()));
        assert_eq!(
            c.plan_name("EFB87545-963C-4E0D-99DF-69C6916D9EB0"),
            Some("Exchange Online (Plan 2)")
        );
        assert_eq!(
            c.plan("efb87545-963c-4e0d-99df-69c6916d9eb0").unwrap().name,
            "EXCHANGE_S_ENTERPRISE"
        );
        assert_eq!(Catalog::embedded_source_date(), "2025-12-30");
    }

    #[test]
    fn unknown_is_none() {
        let c = Catalog::embedded();
        let nil = "00000000-0000-0000-0000-000000000000";
        assert_eq!(c.product_name(nil), None);
        assert_eq!(c.part_number(nil), None);
        assert_eq!(c.plans_of(nil), None);
        assert_eq!(c.plan_name(nil), None);
        assert_eq!(product_name("not a guid"), None);
    }

    #[test]
    fn embedded_is_the_whole_csv() {
        let c = Catalog::embedded();
        assert_eq!(c.len(), 569);
        assert_eq!(c.plan_count(), 723);
        assert_eq!(
            c.plans_of("c7df2760-2c81-4ef7-b578-5b5392b571df")
                .unwrap()
                .len(),
            56
        );
        // Every plan a product includes is in the table.
        for id in c.sku_ids() {
            for plan in c.plans_of(id).unwrap() {
                assert!(c.plan(plan).is_some(), "{id} includes unknown {plan}");
            }
        }
    }

    #[test]
    fn overlay_wins() {
        let mut own = ParsedCatalog::default();
        own.products.insert(
            E3.into(),
            Product {
                part_number: "ENTERPRISEPACK".into(),
                name: "Renamed E3".into(),
                plans: vec![],
            },
        );
        let c = Catalog::from_parsed(own).over(Catalog::embedded());
        assert_eq!(c.product_name(&E3.to_uppercase()), Some("Renamed E3"));
        assert_eq!(c.plans_of(E3), Some(&[][..]));
        assert_eq!(
            c.product_name("18181a46-0d4e-45cd-891e-60aabd171b4e"),
            Some("Office 365 E1")
        );
        assert_eq!(c.len(), Catalog::embedded().len());
        assert!(!c.is_empty());
        assert!(Catalog::default().is_empty());
    }
}
