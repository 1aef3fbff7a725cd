//! Users (`admin#directory#user`, `users.list`): accounts and their last sign-in.

use super::{list_or_none, paged};
use crate::time::signed_in;
use crate::types::{Account, AccountKind, SignInActivity};
use serde::Deserialize;

/// A page of `users.list`.
#[derive(Deserialize, Debug, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct UsersPage {
    /// The users.
    #[serde(deserialize_with = "list_or_none")]
    pub users: Vec<User>,
    /// The next page's token.
    pub next_page_token: Option<String>,
}
paged!(UsersPage);

/// A user, with the fields the plugin reads.
#[derive(Deserialize, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", default)]
pub struct User {
    /// The user's unique ID.
    pub id: String,
    /// The primary address: the sign-in name.
    pub primary_email: String,
    /// The user's name.
    pub name: Option<Name>,
    /// Whether the user is suspended (cannot sign in).
    pub suspended: Option<bool>,
    /// Why: `ADMIN`, `WEB_LOGIN_REQUIRED`, `UNDER13`, `ABUSE`, … (only when suspended).
    pub suspension_reason: Option<String>,
    /// Whether the user is archived.
    pub archived: Option<bool>,
    /// Whether the user is a super administrator.
    pub is_admin: Option<bool>,
    /// Whether the user is a delegated administrator.
    pub is_delegated_admin: Option<bool>,
    /// Last sign-in, RFC 3339; `1970-01-01T00:00:00.000Z` for never.
    pub last_login_time: Option<String>,
    /// Creation time, RFC 3339.
    pub creation_time: Option<String>,
    /// The organisational unit, e.g. `/Engineering`.
    pub org_unit_path: Option<String>,
    /// Organisations the user belongs to (department, title).
    #[serde(deserialize_with = "list_or_none")]
    pub organizations: Vec<Organization>,
}

/// `name`.
#[derive(Deserialize, Debug, Default, Clone)]
#[serde(rename_all = "camelCase", default)]
pub struct Name {
    /// The full name.
    pub full_name: Option<String>,
    /// The given name.
    pub given_name: Option<String>,
    /// The family name.
    pub family_name: Option<String>,
}

/// One of `organizations`.
#[derive(Deserialize, Debug, Default, Clone)]
#[serde(default)]
pub struct Organization {
    /// The department.
    pub department: Option<String>,
    /// The job title.
    pub title: Option<String>,
    /// Whether it is the user's primary organisation.
    pub primary: Option<bool>,
}

/// A text field that holds something.
fn text(value: Option<&String>) -> Option<String> {
    value
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

impl User {
    /// The user's display name: the full name, else given and family name.
    fn display_name(&self) -> Option<String> {
        let name = self.name.as_ref()?;
        text(name.full_name.as_ref()).or_else(|| {
            let parts: Vec<String> = [&name.given_name, &name.family_name]
                .into_iter()
                .filter_map(|p| text(p.as_ref()))
                .collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        })
    }

    /// The primary organisation (or the first one).
    fn organization(&self) -> Option<&Organization> {
        self.organizations
            .iter()
            .find(|o| o.primary == Some(true))
            .or(self.organizations.first())
    }

    /// The neutral account: sign-in is enabled unless Google says the user is suspended or
    /// archived (an archived user cannot sign in; it keeps its data and an Archived User licence);
    /// `org_unit_path`, `archived`, `is_admin`, `is_delegated_admin` and `suspension_reason` go
    /// into the attributes.
    pub fn to_account(&self) -> Account {
        let flag = |value: Option<bool>| value.unwrap_or(false).to_string();
        let mut attributes = Vec::new();
        if let Some(path) = text(self.org_unit_path.as_ref()) {
            attributes.push(("org_unit_path".to_string(), path));
        }
        attributes.push(("archived".to_string(), flag(self.archived)));
        attributes.push(("is_admin".to_string(), flag(self.is_admin)));
        attributes.push((
            "is_delegated_admin".to_string(),
            flag(self.is_delegated_admin),
        ));
        if let Some(reason) = text(self.suspension_reason.as_ref()) {
            attributes.push(("suspension_reason".to_string(), reason));
        }
        let organization = self.organization();
        Account {
            id: self.id.clone(),
            principal_name: self.primary_email.clone(),
            display_name: self.display_name(),
            mail: text(Some(&self.primary_email)),
            enabled: !self.suspended.unwrap_or(false) && !self.archived.unwrap_or(false),
            kind: AccountKind::Member,
            department: organization.and_then(|o| text(o.department.as_ref())),
            job_title: organization.and_then(|o| text(o.title.as_ref())),
            usage_location: None,
            created: text(self.creation_time.as_ref()),
            deleted: None,
            attributes,
        }
    }

    /// The user's sign-in record: Google's `lastLoginTime` is the last successful interactive
    /// sign-in; its "never" (the epoch) is none. Google does not report non-interactive
    /// sign-ins here.
    pub fn sign_in(&self) -> SignInActivity {
        let last = signed_in(self.last_login_time.clone());
        SignInActivity {
            account_id: self.id.clone(),
            last_interactive: last.clone(),
            last_non_interactive: None,
            last_successful: last,
        }
    }
}
