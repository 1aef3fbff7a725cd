//! `graph-emulator`: serves a synthetic Microsoft 365 tenant on loopback.

use clap::Parser;
use graph_emulator::{Emulator, Options, Tenant, TenantSpec};

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
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let tenant = Tenant::generate(&TenantSpec {
        users: args.users,
        seed: args.seed,
    });
    let emulator = Emulator::start(tenant, Options::default(), args.port).await?;
    let t = emulator.tenant();
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
