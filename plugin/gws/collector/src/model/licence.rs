//! Licence assignments (`licensing#licenseAssignment`, `licenseAssignments.listForProduct`).

use super::{list_or_none, paged};
use serde::Deserialize;

/// A page of `licenseAssignments.listForProduct`.
#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct LicencesPage {
    /// The assignments (Google leaves the field out when there are none).
    #[serde(deserialize_with = "list_or_none")]
    pub items: Vec<LicenceAssignment>,
    /// The next page's token.
    pub next_page_token: Option<String>,
}
paged!(LicencesPage);

/// One licence of one SKU held by one user.
#[derive(Deserialize, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", default)]
pub struct LicenceAssignment {
    /// The user's primary address.
    pub user_id: String,
    /// The product.
    pub product_id: String,
    /// The product's name.
    pub product_name: Option<String>,
    /// The SKU.
    pub sku_id: String,
    /// The SKU's name.
    pub sku_name: Option<String>,
}
