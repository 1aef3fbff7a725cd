//! `itam check`: step-by-step diagnosis with a fix per failure; exit 0 when collection will
//! work, 3 when it will not.

use crate::common::{Env, stderr};
use graph_emulator::{Fault, FaultRule, Options, Trigger};

fn steps(doc: &serde_json::Value) -> Vec<(String, String)> {
    doc[0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["step"].as_str().unwrap().to_string(),
                s["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_healthy_source_passes_every_step_and_reports_optional_capabilities() {
    let env = Env::new(20, Options::default());
    env.config();
    let out = env.itam(&["check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc[0]["ok"], true);
    let got = steps(&doc);
    let expect = [
        ("config", "pass"),
        ("credential", "pass"),
        ("token", "pass"),
        ("roles", "pass"),
        ("GET /subscribedSkus", "pass"),
        ("GET /organization", "pass"),
        ("GET /users", "pass"),
        ("GET /groups", "pass"),
        ("GET /directory/subscriptions", "pass"),
        ("GET /devices", "pass"),
        ("GET /directory/deletedItems/microsoft.graph.user", "pass"),
        ("optional: AuditLog.Read.All", "warn"),
        ("optional: Entra ID P1/P2", "pass"),
    ];
    assert_eq!(got, expect.map(|(a, b)| (a.to_string(), b.to_string())));
    assert!(
        doc[0]["steps"][11]["fix"]
            .as_str()
            .unwrap()
            .contains("sign-in activity")
    );

    let table = env.itam(&["check", "--format", "table"]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("✓ token") && text.contains("collection will work"),
        "{text}"
    );
}

#[test]
fn missing_consent_and_a_wrong_secret_are_blocking_with_fixes() {
    let env = Env::new(
        20,
        Options {
            roles: vec!["User.Read.All".into()],
            ..Options::default()
        },
    );
    env.config();
    let out = env.itam(&["check", "--format", "table"]);
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("✗ roles") && text.contains("Directory.Read.All"),
        "{text}"
    );
    assert!(text.contains("Grant admin consent"), "{text}");
    assert!(text.contains("collection will not work"), "{text}");

    let env = Env::new(20, Options::default());
    env.config_for(&env.emulator.url(), "wrong-secret", "");
    let out = env.itam(&["check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(3));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let got = steps(&doc);
    assert_eq!(got[2], ("token".to_string(), "fail".to_string()));
    assert!(
        doc[0]["steps"][2]["detail"]
            .as_str()
            .unwrap()
            .contains("AADSTS7000215")
    );
    assert!(got[3..].iter().all(|(_, s)| s == "skipped"), "{got:?}");
    assert_eq!(env.emulator.requests().get("users"), None);
}

#[test]
fn a_refused_endpoint_and_bad_settings_are_reported_per_step() {
    let env = Env::new(
        20,
        Options {
            faults: vec![FaultRule::new("groups", Trigger::Always, Fault::Forbidden)],
            ..Options::default()
        },
    );
    let config = env.config();
    let out = env.itam(&["check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(3));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let groups = doc[0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "GET /groups")
        .unwrap();
    assert_eq!(groups["status"], "fail");
    assert!(
        groups["detail"]
            .as_str()
            .unwrap()
            .contains("Authorization_RequestDenied")
    );
    assert!(groups["fix"].as_str().unwrap().contains("admin consent"));

    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}cloud = \"mars\"\n")).unwrap();
    let out = env.itam(&["check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(3));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(steps(&doc), [("config".to_string(), "fail".to_string())]);
    assert!(
        doc[0]["steps"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("unknown cloud `mars`")
    );
}
