//! One test per fault class: the sync either recovers with an exact, complete result, or fails
//! cleanly with the previous snapshot intact.

use crate::common::{Env, assert_success, stderr};
use graph_emulator::{Fault, FaultRule, Options, RetryAfter, Trigger};
use std::time::Duration;

fn with_faults(users: usize, faults: Vec<FaultRule>) -> Env {
    Env::new(
        users,
        Options {
            faults,
            ..Options::default()
        },
    )
}

/// Syncs and checks the result is exact: every account, every assignment, every balance field.
fn assert_exact_sync(env: &Env) {
    let out = env.itam(&["sync"]);
    assert_success(&out);
    let t = env.tenant();
    let accounts = env.itam_json(&["export", "accounts"]);
    assert_eq!(accounts.as_array().unwrap().len(), t.users.len());
    let assignments = env.itam_json(&["export", "assignments"]);
    assert_eq!(assignments.as_array().unwrap().len(), t.assignment_states());
    let groups = env.itam_json(&["export", "groups"]);
    assert_eq!(groups.as_array().unwrap().len(), t.groups.len());
    let balance = env.itam_json(&["report", "balance", "--format", "json"]);
    for e in t.expected_balance() {
        let row = balance
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["sku_id"] == e.sku_id.as_str())
            .unwrap();
        assert_eq!(
            (row["enabled"].as_u64(), row["consumed"].as_u64()),
            (Some(e.enabled), Some(e.consumed)),
            "{}",
            e.part_number
        );
    }
}

/// A sync that meets `fault` on the endpoint's second request (the first, for endpoints read
/// once) recovers with an exact result.
fn recovers(endpoint: &str, fault: Fault) -> Env {
    let nth = if endpoint == "subscribedSkus" { 1 } else { 2 };
    let env = with_faults(
        2500,
        vec![FaultRule::new(endpoint, Trigger::Nth(vec![nth]), fault)],
    );
    env.config();
    assert_exact_sync(&env);
    assert_eq!(
        env.emulator.faults_injected().get(endpoint),
        Some(&1),
        "the fault fired"
    );
    env
}

#[test]
fn throttling_with_retry_after_in_seconds_decimal_and_http_date() {
    recovers("users/delta", Fault::Throttle(Some(RetryAfter::Seconds(1))));
    recovers(
        "users/delta",
        Fault::Throttle(Some(RetryAfter::Decimal(0.25))),
    );
    recovers(
        "users/delta",
        Fault::Throttle(Some(RetryAfter::HttpDate(1))),
    );
    recovers("users/delta", Fault::Throttle(None));
}

#[test]
fn service_unavailable_with_and_without_retry_after() {
    recovers(
        "users/delta",
        Fault::Unavailable(Some(RetryAfter::Decimal(0.1))),
    );
    recovers("users/delta", Fault::Unavailable(None));
}

#[test]
fn server_errors_500_502_504() {
    for status in [500, 502, 504] {
        recovers("users/delta", Fault::Status(status));
    }
}

#[test]
fn connection_resets_before_and_after_the_headers() {
    recovers("users/delta", Fault::ResetBeforeHeaders);
    recovers("users/delta", Fault::ResetAfterHeaders);
}

#[test]
fn truncated_bodies_and_malformed_json() {
    recovers("users/delta", Fault::TruncatedBody);
    recovers("users/delta", Fault::MalformedJson);
    // Inside a $batch, an unreadable inner answer is read again on its own.
    let env = recovers("subscribedSkus", Fault::MalformedJson);
    assert_eq!(env.emulator.requests()["subscribedSkus"], 2);
}

#[test]
fn a_stalled_response_times_out_and_is_retried() {
    let env = with_faults(
        2500,
        vec![FaultRule::new(
            "users/delta",
            Trigger::Nth(vec![2]),
            Fault::Stall(Duration::from_secs(5)),
        )],
    );
    env.config_for(
        &env.emulator.url(),
        &env.tenant().client_secret.clone(),
        "first_byte_timeout = \"1s\"",
    );
    assert_exact_sync(&env);
    assert_eq!(
        env.emulator.requests()["users/delta"],
        2500_u64.div_ceil(200) + 1,
        "every page of the first users round, plus the retried one"
    );
}

#[test]
fn a_token_revoked_mid_run_is_replaced() {
    let env = recovers("users/delta", Fault::RevokeTokens);
    assert_eq!(env.emulator.requests()["token"], 2, "one re-authorization");
}

#[test]
fn forbidden_on_one_endpoint_fails_cleanly_and_keeps_the_snapshot() {
    // The first sync reads groups once; the second sync's groups request is refused.
    let env = with_faults(
        300,
        vec![FaultRule::new(
            "groups/delta",
            Trigger::Nth(vec![2]),
            Fault::Forbidden,
        )],
    );
    env.config();
    assert_exact_sync(&env);
    let before = env.itam(&["export", "assignments"]).stdout;
    let out = env.itam(&["sync"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("Authorization_RequestDenied") && err.contains("Directory.Read.All"),
        "{err}"
    );
    assert!(err.contains("request-id"), "{err}");
    assert_eq!(env.itam(&["export", "assignments"]).stdout, before);
    let runs = env.itam_json(&["runs"]);
    assert_eq!(
        (runs[0]["status"].as_str(), runs[1]["status"].as_str()),
        (Some("failed"), Some("succeeded"))
    );
}

#[test]
fn persistent_throttling_gives_up_with_a_clear_error() {
    // The first sync reads users in two pages; every users request of the second sync is
    // throttled.
    let env = with_faults(
        300,
        vec![FaultRule::new(
            "users/delta",
            Trigger::Nth((3..=30).collect()),
            Fault::Throttle(Some(RetryAfter::Decimal(0.01))),
        )],
    );
    env.config();
    assert_exact_sync(&env);
    let before = env.itam(&["report", "balance", "--format", "json"]).stdout;
    let out = env.itam(&["sync"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("throttled") && err.contains("gave up after 6 attempts"),
        "{err}"
    );
    assert!(err.contains("client-request-id"), "{err}");
    assert_eq!(
        env.itam(&["report", "balance", "--format", "json"]).stdout,
        before
    );
}

#[test]
fn ten_percent_throttling_on_20000_users_still_gives_exact_counts() {
    let throttle = |endpoint| {
        FaultRule::new(
            endpoint,
            Trigger::Rate(0.10),
            Fault::Throttle(Some(RetryAfter::Decimal(0.01))),
        )
    };
    let env = with_faults(
        20_000,
        vec![
            throttle("users/delta"),
            throttle("groups/delta"),
            throttle("subscribedSkus"),
        ],
    );
    env.config();
    assert_exact_sync(&env);
    let injected: u64 = env.emulator.faults_injected().values().sum();
    assert!(
        injected >= 1,
        "some requests were throttled: {:?}",
        env.emulator.requests()
    );
}

#[test]
fn a_run_past_its_deadline_is_stopped_and_recorded() {
    let env = with_faults(
        300,
        vec![FaultRule::new(
            "users/delta",
            Trigger::Always,
            Fault::Stall(Duration::from_secs(30)),
        )],
    );
    env.config_for(
        &env.emulator.url(),
        &env.tenant().client_secret.clone(),
        "run_timeout = \"2s\"",
    );
    let started = std::time::Instant::now();
    let out = env.itam(&["sync"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "stopped by the deadline, not the stall"
    );
    assert!(stderr(&out).contains("deadline of 2 s"), "{}", stderr(&out));
    let runs = env.itam_json(&["runs"]);
    assert_eq!(runs[0]["status"], "failed");
}

#[test]
fn a_throttled_request_inside_batch_is_retried_alone() {
    let env = recovers(
        "subscribedSkus",
        Fault::Throttle(Some(RetryAfter::Decimal(0.05))),
    );
    let requests = env.emulator.requests();
    // The tenant's reads go in one $batch (members come with the groups delta query).
    assert_eq!(requests["batch"], 1, "{requests:?}");
    assert_eq!(
        requests["subscribedSkus"], 2,
        "once inside the batch, once alone: {requests:?}"
    );
    assert_eq!(requests["organization"], 1, "{requests:?}");
}
