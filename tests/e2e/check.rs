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
        // Without AuditLog.Read.All the sync will not get sign-in activity: the probe says so.
        ("optional: sign-in activity", "warn"),
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

#[test]
fn the_sign_in_probe_predicts_what_the_sync_will_find() {
    let with_role = || Options {
        roles: vec![
            "Directory.Read.All".into(),
            "User.Read.All".into(),
            "AuditLog.Read.All".into(),
        ],
        ..Options::default()
    };
    let cases = [
        (true, "pass", "Graph returns it"),
        (false, "warn", "no Microsoft Entra ID P1 or P2 licence"),
    ];
    for (premium, status, detail) in cases {
        let env = Env::with_spec(
            graph_emulator::TenantSpec {
                users: 20,
                premium,
                ..Default::default()
            },
            with_role(),
        );
        env.config();
        let doc = env.itam_json(&["check", "--format", "json"]);
        let steps = doc[0]["steps"].as_array().unwrap();
        let probe = steps
            .iter()
            .find(|s| s["step"] == "optional: sign-in activity")
            .unwrap();
        assert_eq!(probe["status"], status, "{probe}");
        assert!(
            probe["detail"].as_str().unwrap().contains(detail),
            "{probe}"
        );
        // The sync finds the same.
        assert_eq!(env.itam(&["sync"]).status.code(), Some(0));
        let runs = env.itam_json(&["runs"]);
        let quality = runs[0]["summary"]["data_quality"].to_string();
        assert_eq!(premium, !quality.contains("P1 or P2"), "{quality}");
    }
}

#[test]
fn check_offers_only_the_formats_it_prints() {
    let env = Env::new(10, Options::default());
    env.config();
    let out = env.itam(&["check", "--format", "csv"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("possible values: table, json"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_setting_error_shows_the_plugins_fix_only() {
    let env = Env::new(10, Options::default());
    let path = env.config();
    let text = std::fs::read_to_string(&path).unwrap();
    crate::common::write_private(
        &path,
        &text.replace("[source.settings]", "[source.settings]\ncolour = \"blue\""),
    );
    let out = env.itam(&["check", "--format", "table"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("✗ config"), "{text}");
    assert_eq!(text.matches("fix:").count(), 1, "{text}");
    assert!(
        !text.contains("correct the source in the configuration file"),
        "{text}"
    );
    assert!(!text.contains("without it: without it"), "{text}");
}
