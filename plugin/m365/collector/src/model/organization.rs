//! The tenant's organization object.

use super::null_as_empty;
use serde::Deserialize;

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
