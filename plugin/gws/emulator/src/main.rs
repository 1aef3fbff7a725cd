//! `gws-emulator`: serves a synthetic Google Workspace customer on loopback.

use clap::Parser;
use gws_emulator::{Api, Billing, Emulator, FaultRule, Options, Tenant, TenantSpec};
use std::path::PathBuf;

/// Serve a seeded synthetic Google Workspace customer (OAuth token endpoint, Directory, License
/// Manager and Reseller APIs) on 127.0.0.1.
#[derive(Parser)]
struct Args {
    /// Number of users.
    #[arg(long, default_value_t = 300)]
    users: usize,
    /// Port (0 picks a free one).
    #[arg(long, default_value_t = 8410)]
    port: u16,
    /// Seed of the generated customer (and of the service account's key).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// `reseller`: subscriptions are listed with seats; `direct`: the Reseller API refuses.
    #[arg(long, default_value = "reseller")]
    billing: Billing,
    /// An API not enabled in the project (admin, licensing, reseller); repeatable.
    #[arg(long)]
    disable_api: Vec<Api>,
    /// No domain-wide delegation: token requests impersonating a user get `unauthorized_client`.
    #[arg(long)]
    no_delegation: bool,
    /// ENDPOINT:KIND:N[:RETRY_AFTER], e.g. `users:429:2:1`; KIND is 429, 503, 403-rate or
    /// 403-user; ENDPOINT one of token, users, groups, members, customer, licenses,
    /// subscriptions. Repeatable.
    #[arg(long)]
    faults: Vec<FaultRule>,
    /// Append one JSON line per request (time, method, path and query, status).
    #[arg(long)]
    request_log: Option<PathBuf>,
    /// Write the URL and the ground truth here as JSON once serving.
    #[arg(long)]
    info_out: Option<PathBuf>,
    /// Once serving, write a ready `itam.toml` and its key file `acme-sa.json` (mode 600) into
    /// this directory.
    #[arg(long)]
    itam_config_out: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut tenant = Tenant::generate(&TenantSpec {
        users: args.users,
        seed: args.seed,
        billing: args.billing,
        ..TenantSpec::default()
    });
    if args.no_delegation {
        tenant.delegation.clear();
    }
    let options = Options {
        disabled_apis: args.disable_api,
        faults: args.faults,
        request_log: args.request_log,
        ..Options::default()
    };
    let emulator = Emulator::start(tenant, options, args.port).await?;
    let url = emulator.url();
    let t = emulator.tenant();
    if let Some(dir) = &args.itam_config_out {
        gws_emulator::client_config::write_itam_config(dir, t, &url)?;
    }
    if let Some(path) = &args.info_out {
        let mut info = serde_json::json!({ "url": url, "token_url": emulator.token_url() });
        if let (Some(map), serde_json::Value::Object(rest)) = (
            info.as_object_mut(),
            serde_json::to_value(emulator.expected())?,
        ) {
            map.extend(rest);
        }
        // Written whole and renamed into place, so a reader never sees half a file.
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(&info)?)?;
        std::fs::rename(tmp, path)?;
    }
    println!("Google Workspace emulator at {url}");
    println!("customer_id  = {}", t.customer_id);
    println!("admin_email  = {}", t.admin_email());
    println!("client_email = {}", t.service_account.client_email);
    println!("token_url    = {}", emulator.token_url());
    tokio::signal::ctrl_c().await?;
    Ok(())
}
