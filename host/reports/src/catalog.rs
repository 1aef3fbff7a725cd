//! What reports need to know about products that the snapshot does not say: their display
//! names, and whether they cost money. An integration provides it (one may ship its vendor's
//! product list); the CLI picks the catalogue by the source's plugin.

use serde::Serialize;
use std::fmt;

/// How a product is paid for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProductClass {
    /// Costs money per unit.
    Paid,
    /// No charge (free tier, education benefit, free add-on).
    Free,
    /// Self-service ("viral") sign-up by an individual user; no charge to the tenant.
    Viral,
    /// Time-limited trial.
    Trial,
}

impl ProductClass {
    /// `paid`, `free`, `viral` or `trial`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProductClass::Paid => "paid",
            ProductClass::Free => "free",
            ProductClass::Viral => "viral",
            ProductClass::Trial => "trial",
        }
    }
}

impl fmt::Display for ProductClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Product names and classes, by product ID and part number.
pub trait ProductCatalog {
    /// The product's display name, if the catalogue knows the product.
    fn product_name(&self, product_id: &str) -> Option<String>;

    /// How the product is paid for, judged by its part number and display name. A product
    /// the catalogue cannot judge is [`ProductClass::Paid`], so that nothing unknown is hidden
    /// from cost reports.
    fn classify(&self, part_number: &str, name: Option<&str>) -> ProductClass;
}

/// The catalogue of an integration that has none: no names, every product paid.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoCatalog;

impl ProductCatalog for NoCatalog {
    fn product_name(&self, _product_id: &str) -> Option<String> {
        None
    }

    fn classify(&self, _part_number: &str, _name: Option<&str>) -> ProductClass {
        ProductClass::Paid
    }
}
