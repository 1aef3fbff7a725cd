//! Commercial subscriptions (`/directory/subscriptions`).

use crate::types::Subscription;
use serde::Deserialize;

/// A `companySubscription`.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct CompanySubscription {
    /// Subscription ID.
    pub id: String,
    /// The commerce system's ID for it.
    pub commerce_subscription_id: Option<String>,
    /// The SKU it provides.
    pub sku_id: Option<String>,
    /// The SKU's part number.
    pub sku_part_number: Option<String>,
    /// `Enabled`, `Expired`, `Suspended`, `Warning`, `LockedOut`.
    pub status: Option<String>,
    /// Units it provides.
    pub total_licenses: Option<u64>,
    /// Whether it is a trial.
    pub is_trial: Option<bool>,
    /// Creation time.
    pub created_date_time: Option<String>,
    /// Next renewal, or expiry when it will not renew.
    pub next_lifecycle_date_time: Option<String>,
    /// `User`, `Company` (who owns it).
    pub owner_type: Option<String>,
}

impl CompanySubscription {
    /// The neutral subscription, or `None` when Graph left out the SKU it belongs to.
    pub fn into_subscription(self) -> Option<Subscription> {
        let product_id = self.sku_id?;
        let mut attributes = Vec::new();
        if let Some(c) = self.commerce_subscription_id {
            attributes.push(("commerce_subscription_id".to_string(), c));
        }
        if let Some(o) = self.owner_type {
            attributes.push(("owner_type".to_string(), o));
        }
        Some(Subscription {
            id: self.id,
            part_number: self.sku_part_number.unwrap_or_else(|| product_id.clone()),
            product_id,
            status: self.status.unwrap_or_else(|| "Unknown".into()),
            total_units: self.total_licenses.unwrap_or(0),
            trial: self.is_trial.unwrap_or(false),
            created: self.created_date_time,
            next_lifecycle: self.next_lifecycle_date_time,
            attributes,
        })
    }
}
