//! Incremental sync through the real sandbox against the emulator's delta queries: after any
//! sequence of random changes to the tenant, the snapshot an incremental run leaves equals,
//! export by export, what a full read of the same tenant writes, and both record the same
//! changes; a rejected delta link falls back to a full read and stays exact; a killed
//! incremental run leaves the previous state and snapshot.

use crate::common::{Env, assert_success, itam, write_private};
use graph_emulator::Options;
use graph_emulator::client_config::itam_toml;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every export that makes up a source's snapshot.
const EXPORTS: &[&str] = &[
    "accounts",
    "deleted-accounts",
    "groups",
    "memberships",
    "products",
    "assignments",
    "group-licences",
    "licence-group-members",
    "subscriptions",
    "devices",
    "device-owners",
    "sign-ins",
];

/// A config in `dir` for the env's emulator, its source reading sign-in activity every run
/// (so that full and incremental runs read the same data) unless `sign_ins_every` says
/// otherwise.
fn config_in(env: &Env, dir: &Path, source_extra: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let tenant = env.tenant();
    write_private(
        &dir.join("secret.txt"),
        &format!("{}\n", tenant.client_secret),
    );
    let text = itam_toml(tenant, "contoso", &env.emulator.url(), "").replace(
        "plugin = \"m365\"\n",
        &format!("plugin = \"m365\"\n{source_extra}\n"),
    );
    let path = dir.join("itam.toml");
    write_private(&path, &text);
    path
}

/// Every export of the snapshot, each sorted so that order does not matter.
fn snapshot(config: &Path) -> BTreeMap<&'static str, Vec<String>> {
    EXPORTS
        .iter()
        .map(|entity| {
            let out = itam(config, &["export", entity]);
            assert_success(&out);
            let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
            let mut rows: Vec<String> = doc
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.to_string())
                .collect();
            rows.sort();
            (*entity, rows)
        })
        .collect()
}

/// The changes the newest run recorded, without cursor, run and time.
fn last_run_changes(config: &Path) -> Vec<String> {
    let runs = json(config, &["runs", "--format", "json"]);
    let run = runs[0]["id"].as_i64().unwrap();
    let out = itam(config, &["changes", "--format", "json"]);
    assert_success(&out);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut changes: Vec<String> = doc["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["run_id"] == run)
        .map(|c| {
            format!(
                "{} {} {} {} {}",
                c["kind"], c["account_id"], c["user_principal_name"], c["sku_id"], c["detail"]
            )
        })
        .collect();
    changes.sort();
    changes
}

fn json(config: &Path, args: &[&str]) -> Value {
    let out = itam(config, args);
    assert_success(&out);
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `itam sync` of `config`, asserting success, and how it said it read.
fn sync(config: &Path, args: &[&str]) -> String {
    let mut all = vec!["sync"];
    all.extend_from_slice(args);
    let out = itam(config, &all);
    assert_success(&out);
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    said.lines()
        .find_map(|l| l.trim().strip_prefix("read: "))
        .unwrap_or_else(|| panic!("no `read:` line in {said}"))
        .to_string()
}

/// The emulator as Graph, except that a change that shows only in a user's
/// `licenseAssignmentStates` (a direct assignment added on top of the same product from a group,
/// or removed from under it) lists the user in the next round. Graph does not track those
/// (README: "Incremental sync"); they change no holder and no count, only the provenance the
/// weekly full read corrects. With them tracked, every step must be exact.
fn tracking_licence_states() -> Options {
    Options {
        delta_tracks_licence_states: true,
        ..Options::default()
    }
}

#[test]
fn incremental_runs_after_random_changes_match_a_full_read_export_by_export() {
    let env = Env::new(300, tracking_licence_states());
    let incremental = config_in(
        &env,
        &env.dir.path().join("incremental"),
        "sign_ins_every = \"0s\"",
    );
    let full = config_in(&env, &env.dir.path().join("full"), "");
    assert!(sync(&incremental, &[]).starts_with("full: first run"));
    sync(&full, &["--full"]);
    assert_eq!(snapshot(&incremental), snapshot(&full));

    let seeds: u64 = std::env::var("ITAM_PROPERTY_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(12);
    for seed in 1..=seeds {
        let changes = 1 + (seed as usize * 7) % 12;
        env.emulator.apply_random_changes(seed, changes);
        let read = sync(&incremental, &[]);
        sync(&full, &["--full"]);
        let (a, b) = (snapshot(&incremental), snapshot(&full));
        for entity in EXPORTS {
            let only_incremental: Vec<_> = a[entity]
                .iter()
                .filter(|r| !b[entity].contains(r))
                .collect();
            let only_full: Vec<_> = b[entity]
                .iter()
                .filter(|r| !a[entity].contains(r))
                .collect();
            assert!(
                only_incremental.is_empty() && only_full.is_empty(),
                "seed {seed} ({changes} changes, read {read}): `{entity}` differs: only after the incremental run {only_incremental:#?}, only after the full one {only_full:#?}"
            );
        }
        assert_eq!(
            last_run_changes(&incremental),
            last_run_changes(&full),
            "seed {seed}: the recorded changes differ; runs {:#}",
            json(&incremental, &["runs", "--format", "json"])[0]
        );
    }
    // Most runs read incrementally (a changed unit count or licence group reads every user
    // again, but groups and devices still as changes).
    let runs = json(
        &incremental,
        &["runs", "--format", "json", "--limit", "1000"],
    );
    let mut reads: BTreeMap<String, usize> = BTreeMap::new();
    for run in runs.as_array().unwrap() {
        let read = match run["full_reason"].as_str() {
            Some(why) => format!("full: {why}"),
            None => run["mode"].as_str().unwrap().to_string(),
        };
        *reads.entry(read).or_default() += 1;
    }
    let incremental_runs = reads.get("incremental").copied().unwrap_or(0);
    assert!(incremental_runs * 2 >= seeds as usize, "{reads:#?}");
}

#[test]
fn an_incremental_run_reads_only_what_changed_and_sign_ins_on_their_interval() {
    let env = Env::new(2500, Options::default());
    let config = config_in(&env, &env.dir.path().join("a"), "");
    sync(&config, &[]);
    let full_requests = env.emulator.total_requests();
    let before = env.emulator.requests();

    env.emulator.apply_random_changes(99, 3);
    assert_eq!(sync(&config, &[]), "incremental");
    let after = env.emulator.requests();
    let spent =
        |endpoint: &str| after.get(endpoint).unwrap_or(&0) - before.get(endpoint).unwrap_or(&0);
    // Three small changes cost a handful of requests (the token, the tenant's `$batch`, one
    // page of each delta query, a `$batch` or two of changed objects), not the tenant's pages.
    let incremental_requests = env.emulator.total_requests() - full_requests;
    assert!(
        incremental_requests <= 10 && incremental_requests * 4 < full_requests,
        "{incremental_requests} requests for an incremental run, {full_requests} for a full one: {after:?}"
    );
    assert_eq!(spent("users"), 0, "no user list: {after:?}");
    assert_eq!(
        spent("signInActivity"),
        0,
        "sign-ins are not due yet: {after:?}"
    );
    assert_eq!(spent("users/delta"), 1);
    let runs = json(&config, &["runs", "--format", "json"]);
    assert_eq!(runs[0]["mode"], "incremental");
    assert_eq!(runs[0]["full_reason"], Value::Null);
    assert_eq!(runs[1]["mode"], "full");
    assert!(
        runs[1]["full_reason"]
            .as_str()
            .unwrap()
            .contains("first run")
    );

    // Asked for a full read, it reads everything again, and says why.
    assert_eq!(sync(&config, &["--full"]), "full: asked for (--full)");
}

#[test]
fn a_rejected_delta_link_falls_back_to_a_full_read_and_stays_exact() {
    for variant in [
        graph_emulator::ExpiredDelta::SyncStateNotFound,
        graph_emulator::ExpiredDelta::ResyncRequired,
        graph_emulator::ExpiredDelta::Gone,
    ] {
        let env = Env::new(
            200,
            Options {
                expired_delta: variant,
                ..tracking_licence_states()
            },
        );
        let config = config_in(&env, &env.dir.path().join("a"), "sign_ins_every = \"0s\"");
        let full = config_in(&env, &env.dir.path().join("b"), "");
        sync(&config, &[]);
        env.emulator.apply_random_changes(5, 6);
        env.emulator.expire_delta_tokens();
        let read = sync(&config, &[]);
        assert!(
            read.starts_with("full: Graph rejected the delta links (groups: "),
            "{variant:?}: {read}"
        );
        sync(&full, &["--full"]);
        assert_eq!(snapshot(&config), snapshot(&full), "{variant:?}");
        // The links the fallback opened work: the next run is incremental again.
        env.emulator.apply_random_changes(6, 2);
        assert_eq!(sync(&config, &[]), "incremental", "{variant:?}");
    }
}

/// The plugin state the store keeps for `contoso`: the run it was saved with and its bytes.
fn saved_state(config: &Path) -> (i64, Vec<u8>) {
    let db = rusqlite::Connection::open(config.with_file_name("itam.db")).unwrap();
    db.query_row(
        "SELECT run_id, state FROM plugin_state WHERE source = 'contoso'",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

#[test]
fn a_killed_incremental_run_leaves_the_previous_state_and_snapshot() {
    // A first round of 650 users is 4 pages; the incremental run's users round (request 5)
    // stalls, so the kill lands after the groups round was staged.
    let stall = graph_emulator::FaultRule::new(
        "users/delta",
        graph_emulator::Trigger::Nth(vec![5]),
        graph_emulator::Fault::Stall(std::time::Duration::from_secs(60)),
    );
    let env = Env::new(
        650,
        Options {
            faults: vec![stall],
            ..tracking_licence_states()
        },
    );
    let config = config_in(&env, &env.dir.path().join("a"), "sign_ins_every = \"0s\"");
    sync(&config, &[]);
    let (state_run, state) = saved_state(&config);
    let before = snapshot(&config);

    env.emulator.apply_random_changes(21, 12);
    let mut child = crate::common::spawn_until(&config, &["sync"], &env.emulator, "users/delta", 5);
    child.kill().unwrap();
    child.wait().unwrap();

    assert_eq!(
        saved_state(&config),
        (state_run, state),
        "the state did not advance"
    );
    assert_eq!(
        snapshot(&config),
        before,
        "the snapshot is the previous run's"
    );
    // The next run continues from the same links, and is exact.
    assert_eq!(sync(&config, &[]), "incremental");
    let full = config_in(&env, &env.dir.path().join("b"), "");
    sync(&full, &[]);
    assert_eq!(snapshot(&config), snapshot(&full));
    let runs = json(&config, &["runs", "--format", "json"]);
    let statuses: Vec<&str> = runs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["succeeded", "interrupted", "succeeded"],
        "{runs:#}"
    );
}
