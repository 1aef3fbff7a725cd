//! `itam source add|set|list|remove`: sources kept in the database run and report like the
//! configuration file's, and bad input is refused with what to do.

use crate::common::{Env, assert_success, stderr, write_private};
use graph_emulator::Options;
use serde_json::Value;

#[test]
fn a_source_kept_in_the_database_syncs_reports_and_can_be_changed_and_removed() {
    let env = Env::new(40, Options::default());
    env.config();
    let tenant = env.tenant().clone();
    let url = env.emulator.url();
    let secret = env.dir.path().join("db-source.secret");
    write_private(&secret, &tenant.client_secret);
    let add = |name: &str| {
        env.itam(&[
            "source",
            "add",
            name,
            "--client-id",
            &tenant.client_id,
            "--secret-file",
            secret.to_str().unwrap(),
            "--setting",
            &format!("tenant_id={}", tenant.tenant_id),
            "--setting",
            &format!("login_url={url}"),
            "--setting",
            &format!("graph_url={url}"),
        ])
    };
    // Before the database exists, adding creates it.
    assert_success(&add("kept"));
    // The configuration file's name, and the same name again, are refused.
    let clash = add("contoso");
    assert_eq!(clash.status.code(), Some(2), "{}", stderr(&clash));
    assert!(
        stderr(&clash).contains("configuration file"),
        "{}",
        stderr(&clash)
    );
    let again = add("kept");
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("itam source set kept"),
        "{}",
        stderr(&again)
    );

    let listed = env.itam_json(&["source", "list", "--format", "json"]);
    let origins: Vec<(&str, &str)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["origin"].as_str().unwrap()))
        .collect();
    assert_eq!(origins, [("contoso", "file"), ("kept", "database")]);

    // It syncs and reports by name like a file's source.
    assert_success(&env.itam(&["sync", "--source", "kept"]));
    let balance = env.itam_json(&["report", "balance", "--source", "kept", "--format", "json"]);
    assert!(!balance.as_array().unwrap().is_empty());

    // Set changes what it is given and keeps the rest.
    assert_success(&env.itam(&["source", "set", "kept", "--schedule", "6h"]));
    let listed = env.itam_json(&["source", "list", "--format", "json"]);
    let kept: &Value = &listed[1];
    assert_eq!(kept["schedule"], "6h");
    assert_eq!(kept["settings"]["tenant_id"], tenant.tenant_id.as_str());
    let bad = env.itam(&["source", "set", "kept", "--schedule", "soon"]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(stderr(&bad).contains("schedule"), "{}", stderr(&bad));
    // A relative path in a definition file is refused: every host must find it.
    let file = env.dir.path().join("kept.toml");
    std::fs::write(
        &file,
        "plugin = \"m365\"\n[credential]\nclient_id = \"00000000-0000-0000-0000-000000000001\"\nclient_secret = { file = \"x.secret\" }\n",
    )
    .unwrap();
    let relative = env.itam(&[
        "source",
        "set",
        "kept",
        "--from-file",
        file.to_str().unwrap(),
    ]);
    assert_eq!(relative.status.code(), Some(2), "{}", stderr(&relative));
    assert!(
        stderr(&relative).contains("must be absolute"),
        "{}",
        stderr(&relative)
    );

    // Removed, it is gone from the list; its runs stay in the log.
    assert_success(&env.itam(&["source", "remove", "kept"]));
    let listed = env.itam_json(&["source", "list", "--format", "json"]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let gone = env.itam(&["source", "remove", "kept"]);
    assert_eq!(gone.status.code(), Some(2));
    let file_source = env.itam(&["source", "remove", "contoso"]);
    assert!(
        stderr(&file_source).contains("remove it there"),
        "{}",
        stderr(&file_source)
    );
    let runs = env.itam_json(&["runs", "--format", "json"]);
    assert!(
        runs.as_array()
            .unwrap()
            .iter()
            .any(|r| r["source"] == "kept")
    );
}
