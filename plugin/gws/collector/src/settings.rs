//! The plugin's settings: parsing, validation, and the endpoints, grant and plan they imply.

use crate::errors::invalid_config;
use crate::scopes;
use crate::types::{CollectError, Grant, RunPlan, SettingSpec};
use itam_plugin_sdk::settings::origin;

/// Google's OAuth 2.0 token endpoint for service accounts.
pub const GOOGLE_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
/// The Admin SDK (Directory API) root.
pub const ADMIN_ROOT: &str = "https://admin.googleapis.com";
/// The Enterprise License Manager API root.
pub const LICENSING_ROOT: &str = "https://licensing.googleapis.com";
/// The Reseller API root.
pub const RESELLER_ROOT: &str = "https://reseller.googleapis.com";
/// The `customer_id` that stands for the administrator's own customer.
pub const MY_CUSTOMER: &str = "my_customer";

/// Validated settings of one Google Workspace source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GwsSettings {
    /// The super administrator the service account acts as (the assertion's `sub`).
    pub admin_email: String,
    /// `my_customer` or a customer ID such as `C01234567`.
    pub customer_id: String,
    /// The token endpoint (Google's, or the `token_url` setting).
    pub token_url: String,
    /// The Directory API's root, without trailing slash.
    pub admin_root: String,
    /// The License Manager API's root, without trailing slash.
    pub licensing_root: String,
    /// The Reseller API's root, without trailing slash.
    pub reseller_root: String,
    /// Whether subscriptions and seats are read from the Reseller API (and its scope
    /// requested).
    pub read_subscriptions: bool,
}

/// The names of the settings this plugin takes, in the order `describe` lists them.
pub const NAMES: [&str; 5] = [
    "admin_email",
    "customer_id",
    "token_url",
    "api_url",
    "read_subscriptions",
];

/// The settings this plugin takes, for `describe`.
pub fn specs() -> Vec<SettingSpec> {
    vec![
        SettingSpec::required(
            "admin_email",
            "The super administrator the service account acts as through domain-wide delegation, e.g. admin@example.com",
        ),
        SettingSpec::optional(
            "customer_id",
            "The customer to read: my_customer (the administrator's own) or a customer ID such as C01234567 (Admin console → Account → Account settings)",
            Some(MY_CUSTOMER),
        ),
        SettingSpec::optional(
            "token_url",
            "Google's OAuth 2.0 token endpoint, where the host exchanges the service account's signed assertion for a token",
            Some(GOOGLE_TOKEN_URL),
        ),
        SettingSpec::optional(
            "api_url",
            "One origin replacing Google's API roots (https://admin.googleapis.com, https://licensing.googleapis.com and https://reseller.googleapis.com), e.g. for an emulator",
            None,
        ),
        SettingSpec::optional(
            "read_subscriptions",
            "true: read subscriptions and seats from the Reseller API (requests the apps.order.readonly scope); false: leave that scope out of the token request, and purchased units are unknown",
            Some("true"),
        ),
    ]
}

impl GwsSettings {
    /// Validates the operator's settings; every problem says how to fix it.
    pub fn parse(settings: &[(String, String)]) -> Result<GwsSettings, CollectError> {
        if let Some((name, _)) = settings.iter().find(|(n, _)| !NAMES.contains(&n.as_str())) {
            return Err(invalid_config(
                format!("unknown setting `{name}`"),
                &format!("remove it; the gws plugin takes {}", NAMES.join(", ")),
            ));
        }
        let get = |name: &str| {
            settings
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.trim())
        };
        let admin_email = get("admin_email").unwrap_or("");
        if admin_email.is_empty() {
            return Err(invalid_config(
                "setting `admin_email` is missing",
                "set admin_email to the primary address of a super administrator of the customer; the service account acts as this user through domain-wide delegation",
            ));
        }
        if !is_address(admin_email) {
            return Err(invalid_config(
                format!("admin_email `{admin_email}` is not an e-mail address"),
                "set admin_email to a super administrator's primary address, e.g. admin@example.com",
            ));
        }
        let customer_id = get("customer_id").unwrap_or(MY_CUSTOMER);
        if customer_id != MY_CUSTOMER
            && (customer_id.is_empty() || !customer_id.chars().all(|c| c.is_ascii_alphanumeric()))
        {
            return Err(invalid_config(
                format!("customer_id `{customer_id}` is neither my_customer nor a customer ID"),
                "set customer_id to my_customer or to the customer ID shown under Account → Account settings in the Admin console (e.g. C01234567)",
            ));
        }
        let token_url = match get("token_url") {
            Some(v) => url_setting("token_url", v)?,
            None => GOOGLE_TOKEN_URL.to_string(),
        };
        let (admin_root, licensing_root, reseller_root) = match get("api_url") {
            Some(v) => {
                let root = url_setting("api_url", v)?;
                (root.clone(), root.clone(), root)
            }
            None => (
                ADMIN_ROOT.to_string(),
                LICENSING_ROOT.to_string(),
                RESELLER_ROOT.to_string(),
            ),
        };
        let read_subscriptions = match get("read_subscriptions").unwrap_or("true") {
            "true" => true,
            "false" => false,
            other => {
                return Err(invalid_config(
                    format!("read_subscriptions `{other}` is neither true nor false"),
                    "set read_subscriptions to true (read seats from the Reseller API) or false (leave its scope out)",
                ));
            }
        };
        Ok(GwsSettings {
            admin_email: admin_email.to_string(),
            customer_id: customer_id.to_string(),
            token_url,
            admin_root,
            licensing_root,
            reseller_root,
            read_subscriptions,
        })
    }

    /// The Directory API's base URL.
    pub fn directory_base(&self) -> String {
        format!("{}/admin/directory/v1", self.admin_root)
    }

    /// The License Manager API's base URL.
    pub fn licensing_base(&self) -> String {
        format!("{}/apps/licensing/v1", self.licensing_root)
    }

    /// The Reseller API's base URL.
    pub fn reseller_base(&self) -> String {
        format!("{}/apps/reseller/v1", self.reseller_root)
    }

    /// The scopes the grant requests.
    pub fn scopes(&self) -> Vec<String> {
        scopes::requested(self.read_subscriptions)
    }

    /// The origins of the APIs a run calls, each once: the Directory and License Manager
    /// APIs, and the Reseller API when subscriptions are read.
    pub fn api_origins(&self) -> Vec<String> {
        let mut roots = vec![&self.admin_root, &self.licensing_root];
        if self.read_subscriptions {
            roots.push(&self.reseller_root);
        }
        let mut origins: Vec<String> = Vec::new();
        for root in roots {
            let o = origin_of(root);
            if !origins.contains(&o) {
                origins.push(o);
            }
        }
        origins
    }

    /// The grant the host performs: the service account's JWT bearer, acting as `admin_email`,
    /// for the scopes, its token attached to the API origins.
    pub fn grant(&self) -> Grant {
        Grant::jwt_bearer(
            self.token_url.as_str(),
            self.scopes(),
            Some(self.admin_email.as_str()),
            self.api_origins(),
        )
    }

    /// The hosts and grant a run uses: the token URL's origin and the API origins.
    pub fn run_plan(&self) -> RunPlan {
        let mut hosts = vec![origin_of(&self.token_url)];
        for o in self.api_origins() {
            if !hosts.contains(&o) {
                hosts.push(o);
            }
        }
        RunPlan::hosts(hosts).grant(self.grant())
    }
}

/// `scheme://host[:port]` of a URL that has already been validated.
fn origin_of(url: &str) -> String {
    origin("url", url).unwrap_or_else(|_| url.to_string())
}

/// A URL setting checked to be http(s) with a host and no query or fragment, without a
/// trailing slash.
fn url_setting(name: &str, value: &str) -> Result<String, CollectError> {
    let fix =
        format!("set {name} to an http(s) URL with a host and no query, e.g. https://host:8443");
    origin(name, value).map_err(|e| invalid_config(e.failure().message.clone(), &fix))?;
    if value.contains(['?', '#']) {
        return Err(invalid_config(
            format!("{name} `{value}` must not have a query or fragment"),
            &fix,
        ));
    }
    Ok(value.trim_end_matches('/').to_string())
}

/// Whether `s` looks like an e-mail address: one `@` between a local part and a dotted domain,
/// no spaces.
fn is_address(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::JwtBearerGrant;

    fn parse(pairs: &[(&str, &str)]) -> Result<GwsSettings, CollectError> {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        GwsSettings::parse(&owned)
    }

    fn jwt(s: &GwsSettings) -> JwtBearerGrant {
        match s.grant() {
            Grant::JwtBearer(g) => g,
            other => panic!("not a JWT-bearer grant: {other:?}"),
        }
    }

    #[test]
    fn defaults_reach_google() {
        let s = parse(&[("admin_email", "admin@example.com")]).unwrap();
        assert_eq!(s.customer_id, "my_customer");
        assert_eq!(
            s.directory_base(),
            "https://admin.googleapis.com/admin/directory/v1"
        );
        let grant = jwt(&s);
        assert_eq!(grant.token_url, GOOGLE_TOKEN_URL);
        assert_eq!(grant.subject.as_deref(), Some("admin@example.com"));
        assert_eq!(grant.scopes, scopes::requested(true));
        assert_eq!(
            grant.resource_hosts,
            [ADMIN_ROOT, LICENSING_ROOT, RESELLER_ROOT]
        );
        assert_eq!(
            s.run_plan().hosts,
            [
                "https://oauth2.googleapis.com",
                ADMIN_ROOT,
                LICENSING_ROOT,
                RESELLER_ROOT
            ]
        );
    }

    #[test]
    fn one_api_url_replaces_every_root_and_subscriptions_can_be_left_out() {
        let s = parse(&[
            ("admin_email", "admin@acme.example"),
            ("customer_id", "C03az79cb"),
            ("token_url", "http://127.0.0.1:8400/token"),
            ("api_url", "http://127.0.0.1:8400/"),
            ("read_subscriptions", "false"),
        ])
        .unwrap();
        assert_eq!(
            s.licensing_base(),
            "http://127.0.0.1:8400/apps/licensing/v1"
        );
        assert_eq!(s.reseller_base(), "http://127.0.0.1:8400/apps/reseller/v1");
        let plan = s.run_plan();
        assert_eq!(plan.hosts, ["http://127.0.0.1:8400"]);
        let grant = jwt(&s);
        assert_eq!(grant.resource_hosts, ["http://127.0.0.1:8400"]);
        assert!(!grant.scopes.iter().any(|g| g == scopes::ORDER_READONLY));
    }

    #[test]
    fn bad_settings_say_how_to_fix_them() {
        for (pairs, needle) in [
            (vec![], "admin_email` is missing"),
            (vec![("admin_email", "admin")], "not an e-mail address"),
            (
                vec![("admin_email", "a@b.example"), ("customer_id", "C 1")],
                "neither my_customer",
            ),
            (
                vec![("admin_email", "a@b.example"), ("tenant_id", "x")],
                "unknown setting",
            ),
            (
                vec![("admin_email", "a@b.example"), ("api_url", "ftp://x")],
                "not an http(s) URL",
            ),
            (
                vec![
                    ("admin_email", "a@b.example"),
                    ("token_url", "https://x/t?a=1"),
                ],
                "query or fragment",
            ),
            (
                vec![
                    ("admin_email", "a@b.example"),
                    ("read_subscriptions", "yes"),
                ],
                "neither true nor false",
            ),
        ] {
            match parse(&pairs) {
                Err(CollectError::InvalidConfig(f)) => {
                    assert!(f.message.contains(needle), "{} !~ {needle}", f.message);
                    assert!(f.fix.is_some());
                }
                other => panic!("expected invalid-config for {pairs:?}, got {other:?}"),
            }
        }
    }
}
