//! Abuses `host.authorize`, by its `mode` setting:
//! `undeclared`: its plan declares no grant, then it asks for four (other token paths on its
//! allowed origin, Azure management and Key Vault scopes); every one must be refused before
//! anything is posted, and no request it sends may carry a token.
//! `flood`: its plan declares the grant for `url`/`tenant_id`, then it calls `authorize` 2,000
//! times; the host must answer from its cache instead of posting the credential each time.
//! It returns `denied` listing what each call got.

use hostile_common::*;

struct GrantAbuse;

const SCOPE: &str = "https://graph.microsoft.com/.default";
const CALLS: usize = 2_000;

fn declared(settings: &Settings) -> Result<Grant, CollectError> {
    let url = url(settings)?;
    let tenant = setting(settings, "tenant_id").unwrap_or_else(|| "common".into());
    Ok(Grant {
        token_url: format!("{url}/{tenant}/oauth2/v2.0/token"),
        scope: SCOPE.into(),
        resource_hosts: vec![url],
    })
}

fn authorize(grant: &Grant) -> String {
    match host::authorize(grant) {
        Ok(facts) => format!("granted (expires {})", facts.expires_at),
        Err(e) => format!("refused {}: {}", e.error, e.description),
    }
}

impl Guest for GrantAbuse {
    fn describe() -> Descriptor {
        let mut d = descriptor(
            "grant-abuse",
            "asks for grants it did not declare, or for the same one without end",
            CredentialKind::Oauth2ClientCredentials,
        );
        d.settings.push(SettingSpec {
            name: "mode".into(),
            description: "undeclared or flood".into(),
            required: true,
            default_value: None,
        });
        d
    }

    fn plan(settings: Settings) -> Result<RunPlan, CollectError> {
        let mode = setting(&settings, "mode");
        Ok(RunPlan {
            hosts: vec![url(&settings)?],
            grant: match mode.as_deref() {
                Some("flood") => Some(declared(&settings)?),
                _ => None,
            },
        })
    }

    fn check(_settings: Settings) -> Vec<CheckFinding> {
        Vec::new()
    }

    fn collect(settings: Settings, _mode: CollectMode) -> Result<Summary, CollectError> {
        let url = url(&settings)?;
        let mut seen = Vec::new();
        if setting(&settings, "mode").as_deref() == Some("flood") {
            let grant = declared(&settings)?;
            let answers: Vec<String> = (0..CALLS).map(|_| authorize(&grant)).collect();
            let granted = answers.iter().filter(|a| a.starts_with("granted")).count();
            seen.push(format!("{granted} of {CALLS} calls granted"));
            seen.push(format!(
                "graph: {}",
                match http::get(&format!("{url}/v1.0/organization"), &[]) {
                    Ok(r) => format!("HTTP {}", r.status),
                    Err(e) => e.to_string(),
                }
            ));
        } else {
            let scopes = [
                ("token", "https://management.azure.com/.default"),
                ("common/oauth2/v2.0/token", "https://vault.azure.net/.default"),
                ("x/oauth2/v2.0/token", SCOPE),
                ("organizations/oauth2/token", "https://management.azure.com/.default"),
            ];
            for (path, scope) in scopes {
                let grant = Grant {
                    token_url: format!("{url}/{path}"),
                    scope: scope.into(),
                    resource_hosts: vec![url.clone()],
                };
                seen.push(format!("{path} {scope}: {}", authorize(&grant)));
            }
            seen.push(format!(
                "after: {}",
                match http::get(&format!("{url}/after"), &[]) {
                    Ok(r) => format!("HTTP {}", r.status),
                    Err(e) => e.to_string(),
                }
            ));
        }
        Err(CollectError::Denied(failure(format!(
            "grant-abuse: {}",
            seen.join("; ")
        ))))
    }
}

export!(GrantAbuse);
