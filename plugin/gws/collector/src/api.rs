//! The three Google APIs the plugin calls, told apart by a request's path.

use crate::scopes;

/// One of Google's APIs, as a Cloud project enables them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    /// The Admin SDK API (`admin.googleapis.com`): the Directory API.
    Directory,
    /// The Enterprise License Manager API (`licensing.googleapis.com`).
    Licensing,
    /// The Google Workspace Reseller API (`reseller.googleapis.com`).
    Reseller,
}

impl Api {
    /// The API a request URL belongs to, by its path (`/admin/directory/…`,
    /// `/apps/licensing/…`, `/apps/reseller/…`); the Directory API for anything else.
    pub fn of_url(url: &str) -> Api {
        if url.contains("/apps/licensing/") {
            Api::Licensing
        } else if url.contains("/apps/reseller/") {
            Api::Reseller
        } else {
            Api::Directory
        }
    }

    /// The API's title in the Cloud console.
    pub fn title(self) -> &'static str {
        match self {
            Api::Directory => "Admin SDK API",
            Api::Licensing => "Enterprise License Manager API",
            Api::Reseller => "Google Workspace Reseller API",
        }
    }

    /// The API's service name.
    pub fn service(self) -> &'static str {
        match self {
            Api::Directory => "admin.googleapis.com",
            Api::Licensing => "licensing.googleapis.com",
            Api::Reseller => "reseller.googleapis.com",
        }
    }

    /// Where to enable the API in the service account's project, when Google did not say.
    pub fn console_link(self) -> String {
        format!(
            "https://console.cloud.google.com/apis/library/{}",
            self.service()
        )
    }

    /// The scope a request to `url` of this API needs.
    pub fn scope_for(self, url: &str) -> &'static str {
        match self {
            Api::Licensing => scopes::LICENSING,
            Api::Reseller => scopes::ORDER_READONLY,
            Api::Directory if url.contains("/customers/") => scopes::CUSTOMER_READONLY,
            Api::Directory if url.contains("/groups") => scopes::GROUP_READONLY,
            Api::Directory => scopes::USER_READONLY,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_told_apart_by_their_path() {
        let d = "https://admin.googleapis.com/admin/directory/v1";
        assert_eq!(Api::of_url(&format!("{d}/users")), Api::Directory);
        assert_eq!(
            Api::Directory.scope_for(&format!("{d}/groups/x/members")),
            scopes::GROUP_READONLY
        );
        assert_eq!(
            Api::Directory.scope_for(&format!("{d}/customers/my_customer")),
            scopes::CUSTOMER_READONLY
        );
        let l = "https://licensing.googleapis.com/apps/licensing/v1/product/Google-Apps/users";
        assert_eq!(Api::of_url(l), Api::Licensing);
        assert_eq!(
            Api::of_url("http://127.0.0.1:1/apps/reseller/v1/subscriptions"),
            Api::Reseller
        );
    }
}
