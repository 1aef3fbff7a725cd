//! `itam plugin inspect`: what a plugin declares, and the contract version it targets.

use super::*;
use itam_runtime::contract::types::Grant;

pub(super) async fn inspect(
    config_path: &Path,
    plugin: &str,
    source: Option<&str>,
    out: &mut dyn Write,
) -> Result<i32> {
    let runtime = runtime()?;
    let reference = crate::plugins::parse_ref(plugin);
    let limits = crate::config::Limits::default();
    let loaded = crate::plugins::load(&runtime, &reference, &limits)
        .with_context(|| format!("loading {plugin}"))?;
    let d = loaded.describe(&limits).await?;
    let mut doc = serde_json::json!({
        "name": d.name,
        "version": d.version,
        "description": d.description,
        "sha256": loaded.sha256,
        // The version the plugin was built against (one of those the host runs).
        "contract": format!("{}@{}", itam_runtime::contract::PACKAGE, loaded.contract),
        "credential": credential_kind_name(d.credential),
        "settings": d.settings.iter().map(|s| serde_json::json!({
            "name": s.name, "description": s.description, "required": s.required, "default": s.default_value,
        })).collect::<Vec<_>>(),
        "permissions": d.permissions.iter().map(|p| serde_json::json!({
            "name": p.name, "required": p.required, "purpose": p.purpose,
        })).collect::<Vec<_>>(),
        "produces": d.produces.iter().map(|k| k.wit_name()).collect::<Vec<_>>(),
    });
    if let Some(name) = source {
        // The credential stays a reference: inspecting reads no secret.
        let config = Config::load(config_path)?;
        let s = config.select(Some(name))?[0];
        let prepared = crate::sync::prepare(&runtime, s, &s.limits).await?;
        doc["allowed_hosts"] = serde_json::json!(prepared.allow_list());
        doc["token_url"] = serde_json::json!(
            prepared
                .plan()
                .grant
                .as_ref()
                .map(|g| g.token_url().to_string())
        );
        // What the host will ask for with the source's credential, as the plugin declared it.
        doc["grant"] = match &prepared.plan().grant {
            None => serde_json::Value::Null,
            Some(Grant::ClientCredentials(g)) => serde_json::json!({
                "kind": "client-credentials", "token_url": g.token_url, "scope": g.scope,
                "resource_hosts": g.resource_hosts,
            }),
            Some(Grant::JwtBearer(g)) => serde_json::json!({
                "kind": "jwt-bearer", "token_url": g.token_url, "scopes": g.scopes,
                "subject": g.subject, "resource_hosts": g.resource_hosts,
            }),
        };
    }
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)?;
    Ok(0)
}

/// A credential kind as the contract (WIT) names it.
fn credential_kind_name(kind: itam_runtime::contract::types::CredentialKind) -> &'static str {
    use itam_runtime::contract::types::CredentialKind as K;
    match kind {
        K::None => "none",
        K::Oauth2ClientCredentials => "oauth2-client-credentials",
        K::Oauth2JwtBearer => "oauth2-jwt-bearer",
    }
}
