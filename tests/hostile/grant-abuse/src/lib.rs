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
    let tenant = setting(settings, "tenant_id").unwrap_or("common");
    Ok(Grant::client_credentials(
        format!("{url}/{tenant}/oauth2/v2.0/token"),
        SCOPE,
        [url],
    ))
}

fn authorize(grant: &Grant) -> String {
    match host::authorize(grant) {
        Ok(facts) => format!("granted (expires {})", facts.expires_at),
        Err(e) => format!("refused {}: {}", e.error, e.description),
    }
}

impl Collector for GrantAbuse {
    fn describe(&self) -> Descriptor {
        let mut d = descriptor(
            "grant-abuse",
            "asks for grants it did not declare, or for the same one without end",
        );
        d.credential = CredentialKind::Oauth2ClientCredentials;
        d.settings.push(mode("undeclared or flood"));
        d
    }

    fn plan(&self, settings: &Settings) -> Result<RunPlan, CollectError> {
        Ok(RunPlan {
            hosts: vec![url(settings)?],
            grant: match setting(settings, "mode") {
                Some("flood") => Some(declared(settings)?),
                _ => None,
            },
        })
    }

    fn collect(&self, settings: &Settings, _mode: CollectMode) -> Result<Summary, CollectError> {
        let url = url(settings)?;
        let mut seen = Vec::new();
        if setting(settings, "mode") == Some("flood") {
            let grant = declared(settings)?;
            let answers: Vec<String> = (0..CALLS).map(|_| authorize(&grant)).collect();
            let granted = answers.iter().filter(|a| a.starts_with("granted")).count();
            seen.push(format!("{granted} of {CALLS} calls granted"));
            let graph = WasiHttp.get(&format!("{url}/v1.0/organization"), &[]);
            seen.push(format!("graph: {}", status(&graph)));
        } else {
            let scopes = [
                ("token", "https://management.azure.com/.default"),
                (
                    "common/oauth2/v2.0/token",
                    "https://vault.azure.net/.default",
                ),
                ("x/oauth2/v2.0/token", SCOPE),
                (
                    "organizations/oauth2/token",
                    "https://management.azure.com/.default",
                ),
            ];
            for (path, scope) in scopes {
                let grant =
                    Grant::client_credentials(format!("{url}/{path}"), scope, [url.clone()]);
                seen.push(format!("{path} {scope}: {}", authorize(&grant)));
            }
            let after = WasiHttp.get(&format!("{url}/after"), &[]);
            seen.push(format!("after: {}", status(&after)));
        }
        Err(CollectError::Denied(Failure::new(format!(
            "grant-abuse: {}",
            seen.join("; ")
        ))))
    }
}

register_collector!(GrantAbuse);
