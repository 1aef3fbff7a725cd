//! `itam demo`: a full sync of a built-in synthetic tenant — Microsoft 365 (the Graph
//! emulator) or Google Workspace (the Google API emulator) — served in-process on loopback,
//! through the real plugin, sandbox and store.

use crate::config::{Credential, Limits, PluginRef, Source};
use anyhow::Result;
use itam_runtime::Runtime;
use itam_runtime::credentials::{Secret, ServiceAccountKey};
use itam_store::Store;

/// Which integration the demo runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DemoPlugin {
    /// Microsoft 365, through the built-in `m365` plugin.
    M365,
    /// Google Workspace (reseller-managed), through the built-in `gws` plugin.
    Gws,
}

impl DemoPlugin {
    /// The built-in plugin's name.
    pub fn name(self) -> &'static str {
        match self {
            DemoPlugin::M365 => "m365",
            DemoPlugin::Gws => "gws",
        }
    }
}

/// The demo's emulated tenant: it is served while this value lives.
pub enum DemoTenant {
    /// The Graph emulator.
    M365(graph_emulator::Emulator),
    /// The Google API emulator.
    Gws(gws_emulator::Emulator),
}

/// A source named `demo` for `plugin` with `settings`, holding `credential`.
fn source(plugin: DemoPlugin, credential: Credential, settings: Vec<(String, String)>) -> Source {
    Source {
        name: "demo".into(),
        plugin: PluginRef::Builtin(plugin.name().into()),
        schedule: None,
        full_every: crate::config::DEFAULT_FULL_EVERY,
        sign_ins_every: crate::config::DEFAULT_SIGN_INS_EVERY,
        allowed_hosts: None,
        credential_ref: None,
        credential: Some(credential),
        settings,
        limits: Limits::default(),
    }
}

/// Starts the emulator of `plugin` for `users` users and returns it with a source pointing at
/// it.
pub async fn demo_source(plugin: DemoPlugin, users: usize) -> Result<(DemoTenant, Source)> {
    match plugin {
        DemoPlugin::M365 => {
            use graph_emulator::{Emulator, Options, Tenant, TenantSpec};
            let tenant = Tenant::generate(&TenantSpec {
                users,
                seed: 42,
                ..Default::default()
            });
            // The demo app is granted the optional AuditLog.Read.All too, so sign-in findings
            // show.
            let mut options = Options::default();
            options.roles.push("AuditLog.Read.All".into());
            let emulator = Emulator::start(tenant, options, 0).await?;
            let t = emulator.tenant();
            let credential = Credential {
                client_id: t.client_id.clone(),
                auth: crate::config::ClientAuth::Secret(Secret::new(t.client_secret.clone())),
                origin: "the demo tenant".into(),
            };
            let settings = vec![
                ("tenant_id".into(), t.tenant_id.clone()),
                ("login_url".into(), emulator.url()),
                ("graph_url".into(), emulator.url()),
            ];
            let source = source(plugin, credential, settings);
            Ok((DemoTenant::M365(emulator), source))
        }
        DemoPlugin::Gws => {
            use gws_emulator::{Emulator, Options, Tenant, TenantSpec};
            let tenant = Tenant::generate(&TenantSpec {
                users,
                seed: 42,
                ..Default::default()
            });
            let emulator = Emulator::start(tenant, Options::default(), 0).await?;
            let key = ServiceAccountKey::from_json(&emulator.key_file_json())
                .map_err(anyhow::Error::msg)?;
            let credential = Credential {
                client_id: key.client_id.clone(),
                auth: crate::config::ClientAuth::ServiceAccount(key),
                origin: "the demo tenant".into(),
            };
            let settings = vec![
                (
                    "admin_email".into(),
                    emulator.tenant().admin_email().to_string(),
                ),
                ("customer_id".into(), "my_customer".into()),
                ("token_url".into(), emulator.token_url()),
                ("api_url".into(), emulator.url()),
            ];
            let source = source(plugin, credential, settings);
            Ok((DemoTenant::Gws(emulator), source))
        }
    }
}

/// Syncs the demo tenant of `plugin` into `store`. The tenant stays served while the returned
/// emulator lives, with the source that reaches it.
pub async fn run(
    runtime: &Runtime,
    store: &Store,
    plugin: DemoPlugin,
    users: usize,
) -> Result<(DemoTenant, Source, crate::sync::SyncReport)> {
    let (emulator, source) = demo_source(plugin, users).await?;
    let report = crate::sync::sync_source(runtime, store, &source, &source.limits).await?;
    Ok((emulator, source, report))
}

/// A configuration for `itam demo --serve`: the demo's database and source, run hourly.
pub fn serve_config(store_path: &std::path::Path, mut source: Source) -> crate::config::Config {
    source.schedule = Some(std::time::Duration::from_secs(3600));
    crate::config::Config {
        store: crate::config::StoreSettings::Sqlite {
            path: store_path.to_path_buf(),
            create_dirs: false,
        },
        network: Default::default(),
        limits: Limits::default(),
        sources: vec![source],
        reports: Default::default(),
        serve: Default::default(),
        webhooks: Vec::new(),
    }
}
