//! What reports are told by the configuration: when an account counts as inactive, and what
//! products cost.

/// How reports judge waste and what products cost.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportSettings {
    /// A licensed account with no sign-in for this many days is inactive.
    pub inactive_days: u32,
    /// Prices per product, for the cost report and the cost of waste.
    pub prices: Vec<Price>,
}

impl Default for ReportSettings {
    fn default() -> Self {
        ReportSettings {
            inactive_days: DEFAULT_INACTIVE_DAYS,
            prices: Vec::new(),
        }
    }
}

/// Days without sign-in after which a licensed account counts as inactive, by default.
pub const DEFAULT_INACTIVE_DAYS: u32 = 90;

/// The fewest and most inactive days accepted, in the configuration and on the command line.
pub const INACTIVE_DAYS: std::ops::RangeInclusive<i64> = 1..=3650;

/// What one product costs per unit and month.
#[derive(Debug, Clone, PartialEq)]
pub struct Price {
    /// Part number (e.g. `SPE_E3`) or product ID, as written.
    pub product: String,
    /// Price of one licence for one month.
    pub monthly: f64,
    /// ISO 4217 currency code, e.g. `EUR`.
    pub currency: String,
}

impl Price {
    /// Whether this price is for the product with `product_id` and `part_number`.
    pub fn matches(&self, product_id: &str, part_number: &str) -> bool {
        self.product.eq_ignore_ascii_case(product_id)
            || self.product.eq_ignore_ascii_case(part_number)
    }
}
