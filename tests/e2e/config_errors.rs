//! Configuration errors exit 2 with an actionable message before any request is sent.

use crate::common::{Env, stderr};
use graph_emulator::Options;

#[test]
fn config_errors_exit_2_before_any_request() {
    let env = Env::new(10, Options::default());
    let good = std::fs::read_to_string(env.config()).unwrap();
    let path = env.dir.path().join("itam.toml");
    let cases: Vec<(String, &str)> = vec![
        (
            good.replace("[store]", "[storage]"),
            "unknown field `storage`",
        ),
        (
            good.replace(
                "{ file = \"secret.txt\" }",
                "{ env = \"ITAM_TEST_UNSET_VARIABLE\" }",
            ),
            "ITAM_TEST_UNSET_VARIABLE, which is not set",
        ),
        (
            good.replace("{ file = \"secret.txt\" }", "\"inline-secret\""),
            "must not be written inline",
        ),
        (
            good.replace("{ file = \"secret.txt\" }", "{ file = \"/dev/zero\" }"),
            "which cannot be read: it is larger than 64 KiB",
        ),
        (
            good.replace(
                &format!("tenant_id = \"{}\"", env.tenant().tenant_id),
                "tenant_id = \"not a tenant\"",
            ),
            "neither a GUID nor a domain",
        ),
        (format!("{good}cloud = \"mars\"\n"), "unknown cloud `mars`"),
        (
            format!("{good}colour = \"blue\"\n"),
            "unknown setting `colour`",
        ),
        (
            good.replace("login_url = \"http", "login_url = \"ftp"),
            "must use http or https",
        ),
    ];
    for (text, needle) in cases {
        std::fs::write(&path, &text).unwrap();
        let out = env.itam(&["sync"]);
        assert_eq!(out.status.code(), Some(2), "{needle}: {}", stderr(&out));
        assert!(stderr(&out).contains(needle), "{needle}: {}", stderr(&out));
    }
    let missing = env.itam(&["sync", "--source", "nope"]);
    std::fs::write(&path, &good).unwrap();
    assert_eq!(
        env.itam(&["sync", "--source", "nope"]).status.code(),
        Some(2)
    );
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(
        env.emulator.total_requests(),
        0,
        "nothing may be sent on a config error"
    );
    assert!(
        !env.dir.path().join("itam.db").exists(),
        "a config error creates no database"
    );
}

#[test]
fn missing_config_file_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = crate::common::itam(&dir.path().join("absent.toml"), &["sync"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read the configuration file"));
}

#[test]
fn plugin_inspect_shows_declarations_and_allow_list() {
    let env = Env::new(10, Options::default());
    env.config();
    let doc = env.itam_json(&["plugin", "inspect", "m365", "--source", "contoso"]);
    assert_eq!(doc["name"], "m365");
    assert_eq!(doc["contract"], "itam:collector@0.3.0");
    let perms: Vec<&str> = doc["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        perms,
        ["Directory.Read.All", "User.Read.All", "AuditLog.Read.All"]
    );
    assert_eq!(doc["permissions"][2]["required"], false);
    assert_eq!(
        doc["allowed_hosts"],
        serde_json::json!([env.emulator.url()])
    );
    assert_eq!(env.emulator.total_requests(), 0);
}

#[test]
fn a_misconfigured_source_is_skipped_and_the_others_still_sync() {
    let env = Env::new(10, Options::default());
    let good = std::fs::read_to_string(env.config()).unwrap();
    let broken = good
        .split("[[source]]")
        .nth(1)
        .unwrap()
        .replace("name = \"contoso\"", "name = \"broken\"")
        .replace("[source.settings]", "[source.settings]\ncolour = \"blue\"");
    std::fs::write(
        env.dir.path().join("itam.toml"),
        format!("{good}\n[[source]]{broken}"),
    )
    .unwrap();
    let out = env.itam(&["sync"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("source `broken`")
            && stderr(&out).contains("unknown setting `colour`"),
        "{}",
        stderr(&out)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("contoso: run 1 succeeded"));
    let runs = env.itam_json(&["runs", "--source", "contoso"]);
    assert_eq!(runs[0]["status"], "succeeded");
}
