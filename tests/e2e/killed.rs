//! Syncs interrupted mid-run: SIGKILL leaves a sound database with the last good snapshot and
//! the run recorded as interrupted; reports keep reading the last snapshot while a sync runs.

use crate::common::{Env, assert_success};
use std::process::Child;
use std::time::{Duration, Instant};

/// A tenant whose users request number `nth` stalls for `secs`, already synced once.
fn synced_env_stalling_at(users: usize, nth: u64, secs: u64) -> Env {
    let env = Env::stalling_users_at(users, nth, secs);
    env.config();
    assert_success(&env.itam(&["sync"]));
    env
}

/// Starts `itam sync ARGS` in the background and returns once the emulator has seen `nth`
/// users requests (the sync is then waiting on the stalled one).
fn sync_until_stalled(env: &Env, nth: u64, args: &[&str]) -> Child {
    let mut all = vec!["sync"];
    all.extend_from_slice(args);
    let config = env.dir.path().join("itam.toml");
    crate::common::spawn_until(&config, &all, &env.emulator, "users/delta", nth)
}

#[test]
fn sigkill_mid_sync_leaves_a_sound_database() {
    // The first sync reads users in 15 pages of a delta round. Users request 17 (the second
    // page of a full second sync) stalls, so the kill lands mid-sync with the run's
    // transaction holding products, groups and a page of users.
    let env = synced_env_stalling_at(3000, 17, 30);
    let before = env.itam(&["export", "accounts"]).stdout;
    let mut child = sync_until_stalled(&env, 17, &["--full"]);
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();

    let db = rusqlite::Connection::open(env.dir.path().join("itam.db")).unwrap();
    let check: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    drop(db);
    assert_eq!(
        env.itam(&["export", "accounts"]).stdout,
        before,
        "the last good snapshot is intact"
    );

    // The stall only hit request 6; the next sync runs clean.
    assert_success(&env.itam(&["sync"]));
    let runs = env.itam_json(&["runs"]);
    let statuses: Vec<&str> = runs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["succeeded", "interrupted", "succeeded"]);
    let accounts = env.itam_json(&["export", "accounts"]);
    assert_eq!(accounts.as_array().unwrap().len(), 3000);
}

#[test]
fn reports_read_the_last_snapshot_while_a_sync_is_running() {
    // The second sync stalls on its users round (the first sync's was 3 pages) while its run
    // is open.
    let env = synced_env_stalling_at(500, 4, 8);
    let before = env.itam(&["report", "balance", "--format", "json"]).stdout;
    let mut child = sync_until_stalled(&env, 4, &[]);
    let started = Instant::now();
    let during = env.itam(&["report", "balance", "--format", "json"]);
    assert_success(&during);
    assert_eq!(during.stdout, before);
    let runs = env.itam_json(&["runs"]);
    assert_eq!(runs[0]["status"], "running");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "reports do not wait for the sync"
    );
    assert!(child.wait().unwrap().success());
}
