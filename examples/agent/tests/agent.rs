//! Builds and runs the example agent against the emulator's tenant and checks every count.

use graph_emulator::{Emulator, Options, Tenant, TenantSpec};
use std::collections::BTreeMap;

#[tokio::test(flavor = "multi_thread")]
async fn the_agent_collects_the_whole_tenant_through_the_library() {
    let tenant = Tenant::generate(&TenantSpec {
        users: 120,
        seed: 7,
        ..Default::default()
    });
    let emulator = Emulator::start(tenant, Options::default(), 0)
        .await
        .unwrap();
    let t = emulator.tenant().clone();
    let mut agent = std::process::Command::new(env!("CARGO_BIN_EXE_itam-agent"));
    agent
        .args([&t.tenant_id, &emulator.url(), &emulator.url()])
        .env("AGENT_CLIENT_ID", &t.client_id)
        .env("AGENT_CLIENT_SECRET", &t.client_secret);
    let out = tokio::task::spawn_blocking(move || agent.output().unwrap())
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert_eq!(
        stdout.lines().next(),
        Some(format!("allowed hosts: {}", emulator.url()).as_str()),
        "{stdout}"
    );
    let counts: BTreeMap<&str, usize> = stdout
        .lines()
        .skip(1)
        .filter(|l| !l.starts_with("warning: "))
        .map(|l| {
            let (kind, n) = l.split_once(' ').unwrap();
            (kind, n.parse().unwrap())
        })
        .collect();
    assert_eq!(counts["accounts"], t.users.len(), "{stdout}");
    assert_eq!(counts["products"], t.skus.len(), "{stdout}");
    assert_eq!(counts["groups"], t.groups.len(), "{stdout}");
    assert_eq!(counts["devices"], t.devices.len(), "{stdout}");
    assert_eq!(counts["subscriptions"], t.subscriptions.len(), "{stdout}");
    assert_eq!(counts["memberships"], t.membership_count(), "{stdout}");
    assert!(
        !stdout.contains(&t.client_secret),
        "the secret is never printed"
    );
}
