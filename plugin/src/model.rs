//! Graph JSON → the contract's neutral entities. Unknown properties are ignored and nulls
//! are accepted wherever Graph may send them.

use crate::types::{
    Account, AccountKind, Assignment, AssignmentSource, Group, GroupLicense, Product, ServicePlan,
};
use serde::{Deserialize, Deserializer};

/// `$select` for users.
pub const USER_SELECT: &str = "id,userPrincipalName,displayName,mail,accountEnabled,userType,department,jobTitle,usageLocation,createdDateTime,assignedLicenses,licenseAssignmentStates";
/// `$select` for groups.
pub const GROUP_SELECT: &str =
    "id,displayName,groupTypes,securityEnabled,mailEnabled,assignedLicenses";

/// A list that Graph may send as `null`.
fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

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

/// A `user` with the selected properties.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// Object ID.
    pub id: String,
    /// UPN, byte for byte.
    pub user_principal_name: Option<String>,
    /// Display name.
    pub display_name: Option<String>,
    /// Mail.
    pub mail: Option<String>,
    /// Sign-in enabled.
    pub account_enabled: Option<bool>,
    /// `Member` or `Guest`.
    pub user_type: Option<String>,
    /// Department.
    pub department: Option<String>,
    /// Job title.
    pub job_title: Option<String>,
    /// Usage location.
    pub usage_location: Option<String>,
    /// Creation time.
    pub created_date_time: Option<String>,
    /// Licences held (direct and inherited).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub assigned_licenses: Vec<AssignedLicense>,
    /// Provenance and state of each licence.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub license_assignment_states: Vec<LicenseAssignmentState>,
}

/// A `group` with the selected properties.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct GraphGroup {
    /// Object ID.
    pub id: String,
    /// Display name.
    pub display_name: Option<String>,
    /// `Unified`, `DynamicMembership`.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub group_types: Vec<String>,
    /// Security group.
    pub security_enabled: Option<bool>,
    /// Mail-enabled.
    pub mail_enabled: Option<bool>,
    /// Licences assigned to the group.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub assigned_licenses: Vec<AssignedLicense>,
}

impl SubscribedSku {
    /// The neutral product.
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
            enabled: units.enabled.unwrap_or(0),
            warning: units.warning.unwrap_or(0),
            suspended: units.suspended.unwrap_or(0),
            locked_out: units.locked_out.unwrap_or(0),
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

impl User {
    /// The user's licence assignments with provenance. Without `licenseAssignmentStates`
    /// (older data, or not returned), `assignedLicenses` count as direct and active.
    pub fn assignments(&self) -> Vec<Assignment> {
        if !self.license_assignment_states.is_empty() {
            return self
                .license_assignment_states
                .iter()
                .filter_map(|s| {
                    let product_id = s.sku_id.clone()?;
                    Some(Assignment {
                        account_id: self.id.clone(),
                        product_id,
                        source: if s.assigned_by_group.is_some() {
                            AssignmentSource::Group
                        } else {
                            AssignmentSource::Direct
                        },
                        group_id: s.assigned_by_group.clone(),
                        state: s.state.clone().unwrap_or_else(|| "Active".into()),
                        error: s.error.clone().filter(|e| e != "None"),
                        disabled_plans: s.disabled_plans.clone(),
                    })
                })
                .collect();
        }
        self.assigned_licenses
            .iter()
            .filter_map(|l| {
                Some(Assignment {
                    account_id: self.id.clone(),
                    product_id: l.sku_id.clone()?,
                    source: AssignmentSource::Direct,
                    group_id: None,
                    state: "Active".into(),
                    error: None,
                    disabled_plans: l.disabled_plans.clone(),
                })
            })
            .collect()
    }

    /// The neutral account.
    pub fn into_account(self) -> Account {
        let kind = match self.user_type.as_deref() {
            Some("Member") => AccountKind::Member,
            Some("Guest") => AccountKind::Guest,
            _ => AccountKind::Other,
        };
        let mut attributes = Vec::new();
        if self.account_enabled.is_none() {
            attributes.push(("account_enabled".to_string(), "unknown".to_string()));
        }
        Account {
            principal_name: self.user_principal_name.unwrap_or_default(),
            id: self.id,
            display_name: self.display_name,
            mail: self.mail,
            enabled: self.account_enabled.unwrap_or(true),
            kind,
            department: self.department,
            job_title: self.job_title,
            usage_location: self.usage_location,
            created: self.created_date_time,
            attributes,
        }
    }
}

impl GraphGroup {
    /// The licences assigned to this group.
    pub fn licenses(&self) -> Vec<GroupLicense> {
        self.assigned_licenses
            .iter()
            .filter_map(|l| {
                Some(GroupLicense {
                    group_id: self.id.clone(),
                    product_id: l.sku_id.clone()?,
                    disabled_plans: l.disabled_plans.clone(),
                })
            })
            .collect()
    }

    /// The neutral group.
    pub fn into_group(self) -> Group {
        Group {
            display_name: self.display_name.unwrap_or_default(),
            id: self.id,
            security_enabled: self.security_enabled.unwrap_or(false),
            mail_enabled: self.mail_enabled.unwrap_or(false),
            group_types: self.group_types,
            attributes: Vec::new(),
        }
    }
}

/// `$select` for the organization.
pub const ORGANIZATION_SELECT: &str = "id,displayName,verifiedDomains";

/// The tenant's `organization` object.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Organization {
    /// Tenant ID.
    pub id: String,
    /// Organisation name.
    pub display_name: Option<String>,
    /// Domains the tenant verified.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub verified_domains: Vec<VerifiedDomain>,
}

/// A `verifiedDomain`.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct VerifiedDomain {
    /// Domain name.
    pub name: String,
    /// Whether it is the default domain.
    #[serde(default)]
    pub is_default: Option<bool>,
}

impl Organization {
    /// Facts about the tenant for the run summary.
    pub fn facts(&self) -> Vec<(String, String)> {
        let mut facts = vec![("tenant_id".to_string(), self.id.clone())];
        if let Some(name) = &self.display_name {
            facts.push(("organization".into(), name.clone()));
        }
        if let Some(d) = self
            .verified_domains
            .iter()
            .find(|d| d.is_default == Some(true))
        {
            facts.push(("default_domain".into(), d.name.clone()));
        }
        facts
    }
}
