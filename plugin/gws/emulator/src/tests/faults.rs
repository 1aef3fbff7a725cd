//! Disabled APIs, throttling and unavailability, and the request log.

use super::http::{admin_token, get};
use super::{serve, tenant};
use crate::{Api, Fault, FaultRule, Options};

#[tokio::test]
async fn a_disabled_api_answers_access_not_configured() {
    let options = Options {
        disabled_apis: vec![Api::Admin, Api::Reseller],
        ..Options::default()
    };
    let emulator = serve(tenant(30), options).await;
    let token = admin_token(&emulator).await;
    let project = emulator.service_account().project_number.clone();
    let answer = get(
        &emulator,
        "/admin/directory/v1/users?customer=my_customer",
        &token,
    )
    .await;
    assert_eq!(answer.status, 403);
    let error = &answer.body["error"];
    assert_eq!(error["status"], "PERMISSION_DENIED");
    assert_eq!(error["errors"][0]["reason"], "accessNotConfigured");
    assert_eq!(error["errors"][0]["domain"], "usageLimits");
    let message = error["message"].as_str().unwrap();
    assert!(message.starts_with(&format!(
        "Admin SDK API has not been used in project {project} before or it is disabled."
    )));
    assert!(message.contains(&format!(
        "https://console.developers.google.com/apis/api/admin.googleapis.com/overview?project={project}"
    )));
    assert_eq!(error["details"][0]["reason"], "SERVICE_DISABLED");

    let answer = get(&emulator, "/apps/reseller/v1/subscriptions", &token).await;
    assert!(
        answer.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("reseller.googleapis.com")
    );
    // The License Manager API is still enabled.
    let path = format!(
        "/apps/licensing/v1/product/Google-Apps/users?customerId={}",
        emulator.tenant().customer_id
    );
    assert_eq!(get(&emulator, &path, &token).await.status, 200);
}

#[tokio::test]
async fn faults_come_first_then_requests_succeed_and_everything_is_logged() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("requests.jsonl");
    let options = Options {
        faults: vec![
            "users:429:2:3".parse().unwrap(),
            FaultRule::new("licenses", 1, Fault::Unavailable(Some(1))),
            FaultRule::new("groups", 1, Fault::RateLimitExceeded),
        ],
        request_log: Some(log.clone()),
        ..Options::default()
    };
    let emulator = serve(tenant(30), options).await;
    let token = admin_token(&emulator).await;

    let users = "/admin/directory/v1/users?customer=my_customer";
    for _ in 0..2 {
        let answer = get(&emulator, users, &token).await;
        assert_eq!(answer.status, 429);
        assert_eq!(answer.headers["retry-after"], "3");
        assert_eq!(answer.body["error"]["status"], "RESOURCE_EXHAUSTED");
        assert_eq!(
            answer.body["error"]["errors"][0]["reason"],
            "rateLimitExceeded"
        );
    }
    assert_eq!(get(&emulator, users, &token).await.status, 200);

    let licenses = format!(
        "/apps/licensing/v1/product/Google-Apps/users?customerId={}",
        emulator.tenant().customer_id
    );
    let answer = get(&emulator, &licenses, &token).await;
    assert_eq!(answer.status, 503);
    assert_eq!(answer.body["error"]["status"], "UNAVAILABLE");
    assert_eq!(answer.headers["retry-after"], "1");
    assert_eq!(get(&emulator, &licenses, &token).await.status, 200);

    let groups = "/admin/directory/v1/groups?customer=my_customer";
    let answer = get(&emulator, groups, &token).await;
    assert_eq!(answer.status, 403);
    assert_eq!(answer.body["error"]["errors"][0]["domain"], "usageLimits");
    assert_eq!(
        answer.body["error"]["errors"][0]["reason"],
        "rateLimitExceeded"
    );
    assert_eq!(get(&emulator, groups, &token).await.status, 200);

    let injected = emulator.faults_injected();
    assert_eq!(injected["users"], 2);
    assert_eq!(injected["licenses"], 1);
    assert_eq!(emulator.requests()["users"], 3);
    assert_eq!(emulator.requests()["token"], 1);

    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 8);
    assert_eq!(lines[0]["method"], "POST");
    assert_eq!(lines[0]["uri"], "/token");
    assert_eq!(lines[1]["uri"], users);
    assert_eq!(lines[1]["status"], 429);
    assert_eq!(lines[3]["status"], 200);
}
