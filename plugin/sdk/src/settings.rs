//! Reading and checking a source's settings (`[source.settings]`, passed as `name = value`
//! pairs exactly as the operator wrote them), and the default plan derived from them.
//!
//! Errors are `invalid-config` with a fix, as the host expects from `plan`.

use crate::types::{CollectError, CredentialKind, Descriptor, RunPlan, SettingSpec, Settings};

/// The value of setting `name`, if given.
pub fn get<'a>(settings: &'a Settings, name: &str) -> Option<&'a str> {
    settings
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The value of setting `name`, or an `invalid-config` error saying it is required.
pub fn require<'a>(settings: &'a Settings, name: &str) -> Result<&'a str, CollectError> {
    get(settings, name).ok_or_else(|| {
        CollectError::invalid_config(
            format!("the `{name}` setting is required"),
            format!("set `{name}` under [source.settings]"),
        )
    })
}

/// The value of setting `name`, else the spec's default value, else `None`.
pub fn get_or_default<'a>(settings: &'a Settings, spec: &'a SettingSpec) -> Option<&'a str> {
    get(settings, &spec.name).or(spec.default_value.as_deref())
}

/// An `invalid-config` error for the first setting that `specs` does not declare (a typo
/// should stop the run, not be ignored), naming the settings that are known.
pub fn reject_unknown(settings: &Settings, specs: &[SettingSpec]) -> Result<(), CollectError> {
    match settings
        .iter()
        .find(|(k, _)| !specs.iter().any(|s| &s.name == k))
    {
        None => Ok(()),
        Some((unknown, _)) => {
            let known: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
            Err(CollectError::invalid_config(
                format!("unknown setting `{unknown}`"),
                if known.is_empty() {
                    "this plugin takes no setting: remove it".to_string()
                } else {
                    format!("the settings are: {}", known.join(", "))
                },
            ))
        }
    }
}

/// An `invalid-config` error for the first required setting of `specs` that is missing.
pub fn require_all(settings: &Settings, specs: &[SettingSpec]) -> Result<(), CollectError> {
    for spec in specs.iter().filter(|s| s.required) {
        if get(settings, &spec.name).is_none() {
            return Err(CollectError::invalid_config(
                format!("the `{}` setting is required", spec.name),
                format!(
                    "set `{}` under [source.settings]: {}",
                    spec.name, spec.description
                ),
            ));
        }
    }
    Ok(())
}

/// The origin (`scheme://host[:port]`, scheme and host in lower case) of the http(s) URL given
/// in setting `name`, as a plan declares it; an `invalid-config` error for anything else
/// (another scheme, no host, user information such as `user@host`).
pub fn origin(name: &str, url: &str) -> Result<String, CollectError> {
    let invalid = |why: &str| {
        CollectError::invalid_config(
            format!("`{name}` = {url:?} is not an http(s) URL: {why}"),
            format!("write `{name}` as http://host[:port]/path or https://host[:port]/path"),
        )
    };
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| invalid("it has no scheme"))?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(invalid("its scheme is neither http nor https"));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(invalid("it carries user information (`…@`)"));
    }
    if authority
        .chars()
        .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(invalid("its host holds spaces or control characters"));
    }
    let (host, port) = match authority.strip_prefix('[') {
        // An IPv6 address: `[::1]` or `[::1]:port`.
        Some(bracketed) => match bracketed.split_once(']') {
            Some((host, "")) => (host, None),
            Some((host, after)) => (host, Some(after.strip_prefix(':').unwrap_or(after))),
            None => return Err(invalid("its IPv6 address has no closing `]`")),
        },
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    if host.is_empty() {
        return Err(invalid("it has no host"));
    }
    if port.is_some_and(|p| p.parse::<u16>().is_err()) {
        return Err(invalid("its port is not a number from 0 to 65535"));
    }
    Ok(format!("{scheme}://{}", authority.to_ascii_lowercase()))
}

/// Whether a setting holds an address the plugin contacts, by the SDK's convention: its
/// name is `url` or ends in `_url`.
pub fn is_url_setting(name: &str) -> bool {
    name == "url" || name.ends_with("_url")
}

/// The plan [`Collector::plan`](crate::Collector::plan) makes by default from the
/// `descriptor`: every required setting must be given; each setting named `url` or `…_url`
/// that is given (or has a default value) must be an http(s) URL, and its origin is declared,
/// once; no grant is asked for. Settings the descriptor does not declare are left alone (call
/// [`reject_unknown`] first to refuse them).
///
/// A descriptor whose credential is not `none` (client credentials or a JWT bearer) gets an
/// `internal` error: a grant cannot be guessed, so the plugin must override `plan` to name its
/// grant ([`Grant::client_credentials`](crate::types::Grant::client_credentials) or
/// [`Grant::jwt_bearer`](crate::types::Grant::jwt_bearer)).
pub fn plan(descriptor: &Descriptor, settings: &Settings) -> Result<RunPlan, CollectError> {
    let grant = match descriptor.credential {
        CredentialKind::None => None,
        CredentialKind::Oauth2ClientCredentials => Some("client-credentials"),
        CredentialKind::Oauth2JwtBearer => Some("JWT-bearer"),
    };
    if let Some(grant) = grant {
        return Err(CollectError::internal(format!(
            "the {} plugin needs a credential but does not override `plan` to declare its {grant} grant",
            descriptor.name
        )));
    }
    require_all(settings, &descriptor.settings)?;
    let mut hosts: Vec<String> = Vec::new();
    for spec in descriptor
        .settings
        .iter()
        .filter(|s| is_url_setting(&s.name))
    {
        if let Some(url) = get_or_default(settings, spec) {
            let origin = origin(&spec.name, url)?;
            if !hosts.contains(&origin) {
                hosts.push(origin);
            }
        }
    }
    Ok(RunPlan::hosts(hosts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Collector, types::*};

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn message(error: CollectError) -> String {
        assert!(matches!(error, CollectError::InvalidConfig(_)), "{error:?}");
        error.failure().message.clone()
    }

    #[test]
    fn an_origin_is_the_scheme_and_authority_in_lower_case() {
        let o = |url| origin("url", url);
        assert_eq!(o("http://127.0.0.1:8080").unwrap(), "http://127.0.0.1:8080");
        assert_eq!(
            o("HTTPS://Inventory.Example/api/v1?x=1").unwrap(),
            "https://inventory.example"
        );
        assert_eq!(o("http://[::1]:9/x").unwrap(), "http://[::1]:9");
        assert_eq!(o("https://host.example/").unwrap(), "https://host.example");
        for bad in [
            "inventory.example",
            "ftp://inventory.example",
            "http://",
            "http:///path",
            "http://user@inventory.example",
            "http://host:port/",
            "http://ho st/",
        ] {
            assert!(o(bad).is_err(), "{bad}");
        }
    }

    struct Fixed(Descriptor);

    impl Collector for Fixed {
        fn describe(&self) -> Descriptor {
            self.0.clone()
        }

        fn collect(&self, _: &Settings, _: CollectMode) -> Result<Summary, CollectError> {
            Ok(Summary::new())
        }
    }

    fn with(settings: Vec<SettingSpec>) -> Fixed {
        let mut d = Descriptor::new("fixed", "1.0.0", "a test plugin");
        d.settings = settings;
        Fixed(d)
    }

    #[test]
    fn the_default_plan_declares_the_origins_of_the_url_settings_once() {
        let plugin = with(vec![
            SettingSpec::required("url", "the inventory"),
            SettingSpec::optional("mirror_url", "a mirror", Some("https://mirror.example/x")),
            SettingSpec::optional("api_url", "unused", None),
            SettingSpec::optional("mode", "not an address", Some("http://not.declared")),
        ]);
        let plan = plugin
            .plan(&settings(&[
                ("url", "http://127.0.0.1:9/inventory.json"),
                ("other_setting", "left alone"),
            ]))
            .unwrap();
        assert_eq!(plan.hosts, ["http://127.0.0.1:9", "https://mirror.example"]);
        assert!(plan.grant.is_none());
        let plan = plugin
            .plan(&settings(&[
                ("url", "https://mirror.example/a"),
                ("mirror_url", "https://MIRROR.example/b"),
            ]))
            .unwrap();
        assert_eq!(plan.hosts, ["https://mirror.example"]);
    }

    #[test]
    fn the_default_plan_refuses_missing_or_malformed_settings_and_credentials() {
        let plugin = with(vec![SettingSpec::required("url", "the inventory")]);
        assert_eq!(
            message(plugin.plan(&settings(&[])).unwrap_err()),
            "the `url` setting is required"
        );
        assert!(
            message(plugin.plan(&settings(&[("url", "ftp://x")])).unwrap_err())
                .starts_with("`url` = \"ftp://x\" is not an http(s) URL")
        );
        for (credential, grant) in [
            (
                CredentialKind::Oauth2ClientCredentials,
                "client-credentials",
            ),
            (CredentialKind::Oauth2JwtBearer, "JWT-bearer"),
        ] {
            let mut needs_credential = with(Vec::new());
            needs_credential.0.credential = credential;
            let error = needs_credential.plan(&settings(&[])).unwrap_err();
            assert!(matches!(error, CollectError::Internal(_)), "{error:?}");
            assert!(
                error
                    .failure()
                    .message
                    .ends_with(&format!("to declare its {grant} grant")),
                "{error:?}"
            );
        }
    }

    #[test]
    fn unknown_settings_are_refused_with_the_known_ones() {
        let specs = [
            SettingSpec::required("url", "u"),
            SettingSpec::optional("batch_size", "b", None),
        ];
        assert!(reject_unknown(&settings(&[("url", "x")]), &specs).is_ok());
        let error = reject_unknown(&settings(&[("url", "x"), ("ulr", "y")]), &specs).unwrap_err();
        assert_eq!(
            error.failure().fix.as_deref(),
            Some("the settings are: url, batch_size")
        );
        assert_eq!(message(error), "unknown setting `ulr`");
    }
}
