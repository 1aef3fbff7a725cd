//! Users: accounts, their licence assignments, sign-in activity and soft-deleted users.

use super::licensing::{AssignedLicense, LicenseAssignmentState};
use super::null_as_empty;
use crate::types::{Account, AccountKind, Assignment, AssignmentSource, SignInActivity as SignIns};
use serde::Deserialize;

/// `$select` for users.
pub const USER_SELECT: &str = "id,userPrincipalName,displayName,mail,accountEnabled,userType,department,jobTitle,usageLocation,createdDateTime,assignedLicenses,licenseAssignmentStates";
/// `$select` for soft-deleted users (`/directory/deletedItems/microsoft.graph.user`).
pub const DELETED_USER_SELECT: &str = "id,userPrincipalName,displayName,mail,accountEnabled,userType,department,jobTitle,usageLocation,createdDateTime,deletedDateTime,assignedLicenses,licenseAssignmentStates";
/// `$select` for sign-in activity, read in its own pass (it needs AuditLog.Read.All and
/// Entra ID P1/P2, and Graph limits its page size).
pub const SIGN_IN_SELECT: &str = "id,signInActivity";

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
    /// When a soft-deleted user was deleted (only in deleted items).
    pub deleted_date_time: Option<String>,
    /// In a delta round: the user is gone since the last round.
    #[serde(rename = "@removed")]
    pub removed: Option<crate::delta::Removed>,
}

/// A user's `signInActivity`.
#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase")]
pub struct SignInActivity {
    /// Last interactive sign-in.
    pub last_sign_in_date_time: Option<String>,
    /// Last non-interactive sign-in.
    pub last_non_interactive_sign_in_date_time: Option<String>,
    /// Last successful sign-in.
    pub last_successful_sign_in_date_time: Option<String>,
}

/// A sign-in time, or `None` for the placeholders Graph sends for "never": an empty string
/// or `0001-01-01T00:00:00Z`.
fn recorded(time: Option<String>) -> Option<String> {
    time.filter(|t| !t.is_empty() && !t.starts_with("0001-"))
}

/// A user as read in the sign-in activity pass.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct SignInUser {
    /// Object ID.
    pub id: String,
    /// Null for users who never signed in.
    pub sign_in_activity: Option<SignInActivity>,
}

impl SignInUser {
    /// The neutral sign-in record.
    pub fn into_sign_ins(self) -> SignIns {
        let a = self.sign_in_activity.unwrap_or_default();
        SignIns {
            account_id: self.id,
            last_interactive: recorded(a.last_sign_in_date_time),
            last_non_interactive: recorded(a.last_non_interactive_sign_in_date_time),
            last_successful: recorded(a.last_successful_sign_in_date_time),
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
            deleted: self.deleted_date_time,
            attributes,
        }
    }
}
