//! Pre-rendered answers (`--memoize`) and the request log (`--request-log`).

use super::http::{Client, request};
use super::tenant;
use crate::{Fault, FaultRule, Options, Trigger};
use serde_json::Value;

const USERS: &str = "/v1.0/users?$select=id,displayName&$top=5";

fn options(log: &std::path::Path) -> Options {
    Options {
        memoize: true,
        request_log: Some(log.to_path_buf()),
        // The second users request would fail if it were rendered again.
        faults: vec![FaultRule::new(
            "users",
            Trigger::Nth(vec![2]),
            Fault::Status(503),
        )],
        ..Options::default()
    }
}

#[tokio::test]
async fn a_memoized_answer_is_served_again_and_the_token_is_still_checked() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("requests.jsonl");
    let client = Client::start(tenant(40, 3), options(&log)).await;

    let (status, first) = client.get(USERS).await;
    assert_eq!(status, 200, "{first}");
    let (status, again) = client.get(USERS).await;
    assert_eq!(status, 200, "the second answer came from the memo: {again}");
    assert_eq!(first, again);
    assert_eq!(first["value"].as_array().unwrap().len(), 5);

    let (status, refused) = request(&client.emulator, "GET", USERS, None, None).await;
    assert_eq!(status, 401, "{refused}");
    let (status, refused) = request(&client.emulator, "GET", USERS, Some("forged"), None).await;
    assert_eq!(status, 401, "{refused}");

    let lines: Vec<Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let seen: Vec<(&str, &str)> = lines
        .iter()
        .map(|l| (l["method"].as_str().unwrap(), l["uri"].as_str().unwrap()))
        .collect();
    assert_eq!(seen.len(), 5, "{seen:?}");
    assert_eq!(seen[0].0, "POST");
    assert!(seen[0].1.ends_with("/oauth2/v2.0/token"), "{seen:?}");
    assert!(seen[1..].iter().all(|s| *s == ("GET", USERS)), "{seen:?}");
    assert!(
        lines
            .iter()
            .all(|l| l["at_ns"].as_str().unwrap().parse::<u128>().is_ok())
    );
}

#[tokio::test]
async fn without_memoizing_every_answer_is_rendered() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("requests.jsonl");
    let options = Options {
        memoize: false,
        ..options(&log)
    };
    let client = Client::start(tenant(40, 3), options).await;
    assert_eq!(client.get(USERS).await.0, 200);
    assert_eq!(client.get(USERS).await.0, 503, "the fault applies");
}
