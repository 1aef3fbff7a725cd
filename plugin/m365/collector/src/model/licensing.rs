//! Subscribed SKUs (products) and the licence records on users and groups.

use super::null_as_empty;
use crate::types::{Product, ServicePlan, Units};
use serde::Deserialize;

/// A `subscribedSku`.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct SubscribedSku {
    /// The SKU's GUID.
    pub sku_id: String,
    /// Part number, e.g. `ENTERPRISEPACK`.
    pub sku_part_number: Option<String>,
    /// `Enabled`, `Warning`, `Suspended`, `Deleted`, `LockedOut`.
    pub capability_status: Option<String>,
    /// Units assigned.
    pub consumed_units: Option<u64>,
    /// Purchased units by state.
    pub prepaid_units: Option<PrepaidUnits>,
    /// `User` or `Company`.
    pub applies_to: Option<String>,
    /// Included service plans.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub service_plans: Vec<ServicePlanInfo>,
}

/// `licenseUnitsDetail`.
#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub struct PrepaidUnits {
    /// Active units.
    pub enabled: Option<u64>,
    /// Suspended units.
    pub suspended: Option<u64>,
    /// Units in the grace period.
    pub warning: Option<u64>,
    /// Cancelled units.
    pub locked_out: Option<u64>,
}

/// `servicePlanInfo`.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct ServicePlanInfo {
    /// Plan GUID.
    pub service_plan_id: String,
    /// Plan name.
    pub service_plan_name: Option<String>,
    /// Provisioning status.
    pub provisioning_status: Option<String>,
    /// `User` or `Company`.
    pub applies_to: Option<String>,
}

/// `assignedLicense`.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct AssignedLicense {
    /// The SKU.
    pub sku_id: Option<String>,
    /// Plans disabled in this assignment.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub disabled_plans: Vec<String>,
}

/// `licenseAssignmentState`.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct LicenseAssignmentState {
    /// The SKU.
    pub sku_id: Option<String>,
    /// The group the licence is inherited from; null for direct assignments.
    pub assigned_by_group: Option<String>,
    /// `Active`, `ActiveWithError`, `Disabled`, `Error`.
    pub state: Option<String>,
    /// `None` or the error, e.g. `CountViolation`.
    pub error: Option<String>,
    /// Plans disabled in this assignment.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub disabled_plans: Vec<String>,
}

impl SubscribedSku {
    /// The neutral product. Graph always tells the purchased units (`prepaidUnits`); a count
    /// it leaves out is zero.
    pub fn into_product(self) -> Product {
        let units = self.prepaid_units.unwrap_or_default();
        let mut attributes = Vec::new();
        if let Some(applies_to) = self.applies_to {
            attributes.push(("applies_to".to_string(), applies_to));
        }
        Product {
            part_number: self.sku_part_number.unwrap_or_else(|| self.sku_id.clone()),
            id: self.sku_id,
            status: self.capability_status.unwrap_or_else(|| "Unknown".into()),
            // The host has Microsoft's catalogue of product names: none is sent from here.
            display_name: None,
            units: Some(Units {
                enabled: units.enabled.unwrap_or(0),
                warning: units.warning.unwrap_or(0),
                suspended: units.suspended.unwrap_or(0),
                locked_out: units.locked_out.unwrap_or(0),
            }),
            consumed: self.consumed_units.unwrap_or(0),
            plans: self
                .service_plans
                .into_iter()
                .map(|p| ServicePlan {
                    name: p.service_plan_name.unwrap_or_default(),
                    id: p.service_plan_id,
                    provisioning_status: p.provisioning_status.unwrap_or_default(),
                    applies_to: p.applies_to.unwrap_or_default(),
                })
                .collect(),
            attributes,
        }
    }
}
