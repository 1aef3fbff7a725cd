//! Groups (`admin#directory#group`, `groups.list`).

use super::{list_or_none, paged};
use crate::types::Group as NeutralGroup;
use serde::Deserialize;

/// A page of `groups.list`.
#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct GroupsPage {
    /// The groups.
    #[serde(deserialize_with = "list_or_none")]
    pub groups: Vec<Group>,
    /// The next page's token.
    pub next_page_token: Option<String>,
}
paged!(GroupsPage);

/// A group, with the fields the plugin reads.
#[derive(Deserialize, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", default)]
pub struct Group {
    /// The group's unique ID.
    pub id: String,
    /// The group's address.
    pub email: Option<String>,
    /// The group's name.
    pub name: Option<String>,
    /// What the group is for.
    pub description: Option<String>,
    /// How many direct members it has (an int64, so a string).
    #[serde(deserialize_with = "crate::time::int64")]
    pub direct_members_count: Option<i64>,
    /// Whether an administrator made it (false: a user did).
    pub admin_created: Option<bool>,
}

impl Group {
    /// The neutral group. Every Google group has an address (`mail_enabled`); whether it is a
    /// security group is a Cloud Identity label the Directory API does not show, so
    /// `security_enabled` is false. `email`, `description`, `admin_created` and
    /// `direct_members_count` go into the attributes.
    pub fn to_group(&self) -> NeutralGroup {
        fn text(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|v| !v.is_empty())
        }
        let mut attributes = Vec::new();
        if let Some(email) = text(&self.email) {
            attributes.push(("email".to_string(), email.to_string()));
        }
        if let Some(description) = text(&self.description) {
            attributes.push(("description".to_string(), description.to_string()));
        }
        if let Some(admin_created) = self.admin_created {
            attributes.push(("admin_created".to_string(), admin_created.to_string()));
        }
        if let Some(n) = self.direct_members_count {
            attributes.push(("direct_members_count".to_string(), n.to_string()));
        }
        NeutralGroup {
            id: self.id.clone(),
            display_name: text(&self.name)
                .or(text(&self.email))
                .unwrap_or(&self.id)
                .to_string(),
            security_enabled: false,
            mail_enabled: true,
            group_types: Vec::new(),
            attributes,
        }
    }
}
