//! `graph-emulator`: serves a synthetic Microsoft 365 tenant on loopback.

use clap::Parser;
use graph_emulator::{Emulator, Options, Tenant, TenantSpec};
use std::path::PathBuf;

/// Serve a seeded synthetic Microsoft 365 tenant (Graph v1.0 + token endpoint) on 127.0.0.1.
#[derive(Parser)]
struct Args {
    /// Number of users.
    #[arg(long, default_value_t = 500)]
    users: usize,
    /// Port (0 picks a free one).
    #[arg(long, default_value_t = 8400)]
    port: u16,
    /// Seed of the generated tenant.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Serve HTTPS with a freshly generated CA.
    #[arg(long)]
    tls: bool,
    /// Write the CA certificate (PEM) here, for clients to trust.
    #[arg(long, requires = "tls")]
    ca_out: Option<PathBuf>,
    /// Write the URL, credentials and expected counts here as JSON once serving.
    #[arg(long)]
    info_out: Option<PathBuf>,
    /// The tenant has no Entra ID P1/P2: `signInActivity` requests get Graph's 403.
    #[arg(long)]
    no_premium: bool,
    /// Roles put into issued tokens, comma-separated (default: Directory.Read.All,User.Read.All;
    /// add AuditLog.Read.All to allow `signInActivity`).
    #[arg(long, value_delimiter = ',')]
    roles: Option<Vec<String>>,
    /// Render each distinct Graph answer once and serve it from memory afterwards, so that
    /// benchmarks time the client, not the emulator (faults are never injected then).
    #[arg(long)]
    memoize: bool,
    /// Append one JSON line per request received (arrival time in unix nanoseconds, method,
    /// URI, body), so a benchmark can replay exactly what a client asked.
    #[arg(long)]
    request_log: Option<PathBuf>,
    /// Once serving, write a ready `itam.toml` and its `secret.txt` (mode 600) for this
    /// tenant into this directory.
    #[arg(long)]
    itam_config_out: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let tenant = Tenant::generate(&TenantSpec {
        users: args.users,
        seed: args.seed,
        premium: !args.no_premium,
        ..TenantSpec::default()
    });
    let defaults = Options::default();
    let options = Options {
        tls: args.tls,
        roles: args.roles.unwrap_or(defaults.roles.clone()),
        memoize: args.memoize,
        request_log: args.request_log,
        ..defaults
    };
    let emulator = Emulator::start(tenant, options, args.port).await?;
    let t = emulator.tenant();
    if let (Some(path), Some(pem)) = (&args.ca_out, emulator.ca_pem()) {
        std::fs::write(path, pem)?;
    }
    let info = serde_json::json!({
        "url": emulator.url(),
        "tenant_id": t.tenant_id,
        "client_id": t.client_id,
        "client_secret": t.client_secret,
        "users": t.users.len(),
        "groups": t.groups.len(),
        "premium": t.premium,
        "devices": t.devices.len(),
        "device_owners": t.device_owner_count(),
        "memberships": t.membership_count(),
        "deleted_users": t.deleted_users.len(),
        "subscriptions": t.subscriptions.len(),
        "skus": t.skus.iter().enumerate().map(|(i, s)| serde_json::json!({
            "sku_id": s.sku_id, "sku_part_number": s.part_number, "consumed": t.consumed(i), "enabled": s.enabled,
        })).collect::<Vec<_>>(),
    });
    if let Some(dir) = &args.itam_config_out {
        let url = emulator.url();
        graph_emulator::client_config::write_itam_config(dir, t, &url, &t.client_secret, "")?;
    }
    if let Some(path) = &args.info_out {
        // Written last and renamed into place, so a reader never sees half a file.
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(&info)?)?;
        std::fs::rename(tmp, path)?;
    }
    println!("Graph emulator at {}", emulator.url());
    println!("tenant_id     = {}", t.tenant_id);
    println!("client_id     = {}", t.client_id);
    println!(
        "client_secret = {}  (a test fixture, not a real secret)",
        t.client_secret
    );
    tokio::signal::ctrl_c().await?;
    Ok(())
}
