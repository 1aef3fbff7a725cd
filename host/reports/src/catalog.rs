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

/// The catalogue of an integration that has none: no names of its own (a plugin may carry
/// them), and products classed by what their part number and name say.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoCatalog;

impl ProductCatalog for NoCatalog {
    fn product_name(&self, _product_id: &str) -> Option<String> {
        None
    }

    fn classify(&self, part_number: &str, name: Option<&str>) -> ProductClass {
        ProductClass::from_words(part_number, name)
    }
}

impl ProductClass {
    /// What a product's part number and name say of its class, as a vendor names such
    /// products: **trial** when either has the word "trial", **free** when either has the
    /// word "free" (e.g. "Cloud Identity Free"), otherwise **paid**, so that nothing unknown is
    /// hidden from cost reports. Words are separated by anything but letters and digits; any
    /// case.
    pub fn from_words(part_number: &str, name: Option<&str>) -> ProductClass {
        let words = |s: &str| -> Vec<String> {
            s.split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_lowercase)
                .collect()
        };
        let mut all = words(part_number);
        all.extend(name.map(words).unwrap_or_default());
        if all.iter().any(|w| w == "trial") {
            ProductClass::Trial
        } else if all.iter().any(|w| w == "free") {
            ProductClass::Free
        } else {
            ProductClass::Paid
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_product_without_a_catalogue_is_classed_by_its_words() {
        let class = |part: &str, name| NoCatalog.classify(part, name);
        assert_eq!(
            class("1010010001", Some("Cloud Identity Free")),
            ProductClass::Free
        );
        assert_eq!(class("TEAMS_FREE", None), ProductClass::Free);
        assert_eq!(
            class("1010020027", Some("Google Workspace Business Starter")),
            ProductClass::Paid
        );
        assert_eq!(
            class("X", Some("Workspace Enterprise Plus Trial")),
            ProductClass::Trial
        );
        assert_eq!(
            class("FREEDOM_PACK", None),
            ProductClass::Paid,
            "whole words only"
        );
        assert_eq!(class("UNKNOWN", None), ProductClass::Paid);
    }
}
