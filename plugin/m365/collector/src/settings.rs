//! The plugin's settings: parsing, validation and the endpoints they imply.

use crate::errors::invalid_config;
use crate::types::{ClientCredentialsGrant, CollectError, Grant, RunPlan, SettingSpec};
use url::Url;

/// A Microsoft cloud: where its sign-in and Graph services live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cloud {
    /// The worldwide cloud (also used by GCC).
    Global,
    /// US Government (GCC High).
    UsGov,
    /// US Government Department of Defense.
    UsGovDod,
    /// Microsoft Azure operated by 21Vianet (China).
    China,
}

impl Cloud {
    /// Parses the `cloud` setting.
    pub fn parse(value: &str) -> Option<Cloud> {
        match value {
            "global" => Some(Cloud::Global),
            "us-gov" => Some(Cloud::UsGov),
            "us-gov-dod" => Some(Cloud::UsGovDod),
            "china" => Some(Cloud::China),
            _ => None,
        }
    }

    /// The sign-in authority root.
    pub fn login_root(self) -> &'static str {
        match self {
            Cloud::Global => "https://login.microsoftonline.com",
            Cloud::UsGov | Cloud::UsGovDod => "https://login.microsoftonline.us",
            Cloud::China => "https://login.chinacloudapi.cn",
        }
    }

    /// The Graph root, without version.
    pub fn graph_root(self) -> &'static str {
        match self {
            Cloud::Global => "https://graph.microsoft.com",
            Cloud::UsGov => "https://graph.microsoft.us",
            Cloud::UsGovDod => "https://dod-graph.microsoft.us",
            Cloud::China => "https://microsoftgraph.chinacloudapi.cn",
        }
    }
}

/// Validated settings of one Microsoft 365 source.
#[derive(Clone, Debug)]
pub struct M365Settings {
    /// Tenant GUID or verified domain.
    pub tenant_id: String,
    /// The cloud the tenant lives in.
    pub cloud: Cloud,
    /// Authority root (the cloud's, or `login_url`), without trailing slash.
    pub login_root: String,
    /// Graph root without version (the cloud's, or `graph_url`), without trailing slash.
    pub graph_root: String,
}

/// The settings this plugin takes, for `describe`.
pub fn specs() -> Vec<SettingSpec> {
    let spec = |name: &str, description: &str, required: bool, default: Option<&str>| SettingSpec {
        name: name.into(),
        description: description.into(),
        required,
        default_value: default.map(str::to_string),
    };
    vec![
        spec(
            "tenant_id",
            "Directory (tenant) ID as a GUID, or a verified domain such as contoso.onmicrosoft.com",
            true,
            None,
        ),
        spec(
            "cloud",
            "Microsoft cloud: global, us-gov, us-gov-dod or china",
            false,
            Some("global"),
        ),
        spec(
            "login_url",
            "Authority root replacing the cloud's sign-in host, e.g. https://login.example.net",
            false,
            None,
        ),
        spec(
            "graph_url",
            "Graph root (without /v1.0) replacing the cloud's Graph host",
            false,
            None,
        ),
    ]
}

impl M365Settings {
    /// Validates the operator's settings; every problem says how to fix it.
    pub fn parse(settings: &[(String, String)]) -> Result<M365Settings, CollectError> {
        let known = ["tenant_id", "cloud", "login_url", "graph_url"];
        if let Some((name, _)) = settings.iter().find(|(n, _)| !known.contains(&n.as_str())) {
            return Err(invalid_config(
                format!("unknown setting `{name}`"),
                "remove it; the m365 plugin takes tenant_id, cloud, login_url and graph_url",
            ));
        }
        let get = |name: &str| {
            settings
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.trim())
        };
        let tenant_id = get("tenant_id").unwrap_or("");
        if tenant_id.is_empty() {
            return Err(invalid_config(
                "setting `tenant_id` is missing",
                "set tenant_id to the Directory (tenant) ID shown on the app registration's Overview page",
            ));
        }
        if !is_guid(tenant_id) && !is_domain(tenant_id) {
            return Err(invalid_config(
                format!("tenant_id `{tenant_id}` is neither a GUID nor a domain name"),
                "use the Directory (tenant) ID (a GUID) or a verified domain such as contoso.onmicrosoft.com",
            ));
        }
        let cloud_name = get("cloud").unwrap_or("global");
        let cloud = Cloud::parse(cloud_name).ok_or_else(|| {
            invalid_config(
                format!("unknown cloud `{cloud_name}`"),
                "set cloud to one of: global, us-gov, us-gov-dod, china",
            )
        })?;
        let login_root = match get("login_url") {
            Some(v) => root_url("login_url", v)?,
            None => cloud.login_root().to_string(),
        };
        let graph_root = match get("graph_url") {
            Some(v) => root_url("graph_url", v)?,
            None => cloud.graph_root().to_string(),
        };
        Ok(M365Settings {
            tenant_id: tenant_id.to_string(),
            cloud,
            login_root,
            graph_root,
        })
    }

    /// The token endpoint for this tenant.
    pub fn token_url(&self) -> String {
        format!("{}/{}/oauth2/v2.0/token", self.login_root, self.tenant_id)
    }

    /// The Graph v1.0 base URL.
    pub fn graph_base(&self) -> String {
        format!("{}/v1.0", self.graph_root)
    }

    /// The grant the host performs: client credentials for the cloud's Graph resource.
    pub fn grant(&self) -> Grant {
        Grant::ClientCredentials(ClientCredentialsGrant {
            token_url: self.token_url(),
            scope: format!("{}/.default", self.cloud.graph_root()),
            resource_hosts: vec![origin(&self.graph_root)],
        })
    }

    /// The hosts and grant a run uses.
    pub fn run_plan(&self) -> RunPlan {
        let mut hosts = vec![origin(&self.login_root), origin(&self.graph_root)];
        hosts.dedup();
        RunPlan {
            hosts,
            grant: Some(self.grant()),
        }
    }
}

/// `scheme://host[:port]` of a URL that has already been validated.
pub fn origin(url: &str) -> String {
    match Url::parse(url) {
        Ok(u) => u.origin().ascii_serialization(),
        Err(_) => url.to_string(),
    }
}

fn root_url(name: &str, value: &str) -> Result<String, CollectError> {
    let fix =
        format!("set {name} to an http(s) URL with a host and no query, e.g. https://host:8443");
    let url = Url::parse(value)
        .map_err(|e| invalid_config(format!("{name} `{value}` is not a URL: {e}"), &fix))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(invalid_config(
            format!("{name} `{value}` must use http or https and name a host"),
            &fix,
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid_config(
            format!("{name} `{value}` must not have a query or fragment"),
            &fix,
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// Whether `s` is a GUID in the usual 8-4-4-4-12 hex form.
pub fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

fn is_domain(s: &str) -> bool {
    s.contains('.')
        && !s.starts_with('.')
        && !s.ends_with('.')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<M365Settings, CollectError> {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        M365Settings::parse(&owned)
    }

    /// The settings' grant, which is always a client-credentials one.
    fn client_credentials(s: &M365Settings) -> ClientCredentialsGrant {
        match s.grant() {
            Grant::ClientCredentials(grant) => grant,
            other => panic!("not a client-credentials grant: {other:?}"),
        }
    }

    #[test]
    fn global_cloud_defaults() {
        let s = parse(&[("tenant_id", "contoso.onmicrosoft.com")]).unwrap();
        assert_eq!(
            s.token_url(),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
        );
        let grant = client_credentials(&s);
        assert_eq!(grant.scope, "https://graph.microsoft.com/.default");
        assert_eq!(grant.token_url, s.token_url());
        assert_eq!(grant.resource_hosts, vec!["https://graph.microsoft.com"]);
        assert_eq!(
            s.run_plan().hosts,
            vec![
                "https://login.microsoftonline.com",
                "https://graph.microsoft.com"
            ]
        );
    }

    #[test]
    fn overrides_replace_hosts_and_keep_the_cloud_scope() {
        let s = parse(&[
            ("tenant_id", "11111111-2222-3333-4444-555555555555"),
            ("cloud", "china"),
            ("login_url", "http://127.0.0.1:8400/"),
            ("graph_url", "http://127.0.0.1:8401"),
        ])
        .unwrap();
        assert_eq!(s.graph_base(), "http://127.0.0.1:8401/v1.0");
        let grant = client_credentials(&s);
        assert_eq!(
            grant.scope,
            "https://microsoftgraph.chinacloudapi.cn/.default"
        );
        assert_eq!(
            grant.token_url,
            "http://127.0.0.1:8400/11111111-2222-3333-4444-555555555555/oauth2/v2.0/token"
        );
        assert_eq!(
            s.run_plan().hosts,
            vec!["http://127.0.0.1:8400", "http://127.0.0.1:8401"]
        );
        assert_eq!(grant.resource_hosts, vec!["http://127.0.0.1:8401"]);
    }

    #[test]
    fn bad_settings_say_how_to_fix_them() {
        for (pairs, needle) in [
            (vec![], "tenant_id` is missing"),
            (vec![("tenant_id", "not a tenant")], "neither a GUID"),
            (
                vec![("tenant_id", "a.b"), ("cloud", "mars")],
                "unknown cloud",
            ),
            (
                vec![("tenant_id", "a.b"), ("colud", "global")],
                "unknown setting",
            ),
            (
                vec![("tenant_id", "a.b"), ("graph_url", "ftp://x")],
                "http or https",
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

    #[test]
    fn guid_check() {
        assert!(is_guid("00000000-0000-0000-0000-00000000000a"));
        assert!(!is_guid("00000000-0000-0000-0000-00000000000"));
        assert!(!is_guid("g0000000-0000-0000-0000-000000000000"));
    }
}
