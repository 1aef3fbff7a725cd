//! Groups, their licences and their members.

use super::licensing::AssignedLicense;
use super::null_as_empty;
use crate::types::{Group, GroupLicense, MemberKind, Membership};
use serde::Deserialize;

/// `$select` for groups.
pub const GROUP_SELECT: &str =
    "id,displayName,groupTypes,securityEnabled,mailEnabled,assignedLicenses";

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
    /// In a delta round: members added, or removed (marked `@removed`), since the last round.
    #[serde(rename = "members@delta", default, deserialize_with = "null_as_empty")]
    pub members_delta: Vec<DirectoryObject>,
    /// In a delta round: the group is gone since the last round.
    #[serde(rename = "@removed")]
    pub removed: Option<crate::delta::Removed>,
}

/// `$select` for the groups delta query: the group's properties and its members.
pub const GROUP_DELTA_SELECT: &str =
    "id,displayName,groupTypes,securityEnabled,mailEnabled,assignedLicenses,members";

/// A member of a group, as `/groups/{id}/members?$select=id` lists it.
#[derive(Deserialize, Debug)]
pub struct DirectoryObject {
    /// Object ID.
    pub id: String,
    /// The object's type, e.g. `#microsoft.graph.user`.
    #[serde(rename = "@odata.type")]
    pub odata_type: Option<String>,
    /// In `members@delta`: the member left the group since the last round.
    #[serde(rename = "@removed")]
    pub removed: Option<crate::delta::Removed>,
}

impl DirectoryObject {
    /// What kind of member this is.
    pub fn kind(&self) -> MemberKind {
        match self.odata_type.as_deref() {
            Some("#microsoft.graph.user") => MemberKind::Account,
            Some("#microsoft.graph.group") => MemberKind::Group,
            Some("#microsoft.graph.device") => MemberKind::Device,
            Some("#microsoft.graph.servicePrincipal") => MemberKind::ServicePrincipal,
            Some("#microsoft.graph.orgContact") => MemberKind::Contact,
            _ => MemberKind::Other,
        }
    }

    /// The membership of this object in `group_id`.
    pub fn membership_of(self, group_id: &str) -> Membership {
        Membership {
            group_id: group_id.to_string(),
            member_kind: self.kind(),
            member_id: self.id,
        }
    }
}

impl GraphGroup {
    /// The product IDs of the licences assigned to this group, sorted.
    pub fn licence_products(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .assigned_licenses
            .iter()
            .filter_map(|l| l.sku_id.clone())
            .collect();
        ids.sort();
        ids
    }

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
