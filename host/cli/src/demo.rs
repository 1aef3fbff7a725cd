//! `itam demo`: a full sync of the built-in synthetic tenant, served in-process by the Graph
//! emulator on loopback, through the real plugin, sandbox and store.

use crate::config::{Credential, Limits, PluginRef, Source};
use anyhow::Result;
use graph_emulator::{Emulator, Options, Tenant, TenantSpec};
use itam_runtime::Runtime;
use itam_runtime::credentials::Secret;
use itam_store::Store;

/// Starts the emulator for `users` users and returns it with a source pointing at it.
pub async fn demo_source(users: usize) -> Result<(Emulator, Source)> {
    let tenant = Tenant::generate(&TenantSpec {
        users,
        seed: 42,
        ..Default::default()
    });
    // The demo app is granted the optional AuditLog.Read.All too, so sign-in findings show.
    let mut options = Options::default();
    options.roles.push("AuditLog.Read.All".into());
    let emulator = Emulator::start(tenant, options, 0).await?;
    let t = emulator.tenant();
    let source = Source {
        name: "demo".into(),
        plugin: PluginRef::Builtin("m365".into()),
        schedule: None,
        full_every: crate::config::DEFAULT_FULL_EVERY,
        sign_ins_every: crate::config::DEFAULT_SIGN_INS_EVERY,
        allowed_hosts: None,
        credential_ref: None,
        credential: Some(Credential {
            client_id: t.client_id.clone(),
            auth: crate::config::ClientAuth::Secret(Secret::new(t.client_secret.clone())),
            origin: "the demo tenant".into(),
        }),
        settings: vec![
            ("tenant_id".into(), t.tenant_id.clone()),
            ("login_url".into(), emulator.url()),
            ("graph_url".into(), emulator.url()),
        ],
        limits: Limits::default(),
    };
    Ok((emulator, source))
}

/// Syncs the demo tenant into `store`. The tenant stays served while the returned emulator
/// lives, with the source that reaches it.
pub async fn run(
    runtime: &Runtime,
    store: &Store,
    users: usize,
) -> Result<(Emulator, Source, crate::sync::SyncReport)> {
    let (emulator, source) = demo_source(users).await?;
    let report = crate::sync::sync_source(runtime, store, &source, &source.limits).await?;
    Ok((emulator, source, report))
}

/// A configuration for `itam demo --serve`: the demo's database and source, run hourly.
pub fn serve_config(store_path: &std::path::Path, mut source: Source) -> crate::config::Config {
    source.schedule = Some(std::time::Duration::from_secs(3600));
    crate::config::Config {
        store_path: store_path.to_path_buf(),
        store_create_dirs: false,
        network: Default::default(),
        limits: Limits::default(),
        sources: vec![source],
        reports: Default::default(),
        serve: Default::default(),
        webhooks: Vec::new(),
    }
}
