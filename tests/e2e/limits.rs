//! The per-source limits a plugin cannot talk its way past, each pinned to its own error:
//! response size and output size here; memory and the run deadline with the hostile plugins
//! and the fault tests. A run stopped by a limit keeps the previous snapshot.

use crate::common::{Env, assert_success, stderr};
use graph_emulator::Options;

/// Syncs once within the defaults, then (reading everything again) with `limit` added under
/// `[source.limits]`, and returns the failed second run's stderr after checking the first
/// snapshot was kept.
fn second_sync_fails_with(limit: &str) -> String {
    let env = Env::new(2000, Options::default());
    env.config();
    assert_success(&env.itam(&["sync"]));
    let before = env.itam_json(&["export", "accounts"]);
    env.append_config(&format!("[source.limits]\n{limit}\n"));
    let out = env.itam(&["sync", "--full"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        env.itam_json(&["export", "accounts"]),
        before,
        "snapshot kept"
    );
    let runs = env.itam_json(&["runs"]);
    assert_eq!(
        (runs[0]["status"].as_str(), runs[1]["status"].as_str()),
        (Some("failed"), Some("succeeded"))
    );
    stderr(&out)
}

#[test]
fn a_response_over_the_size_limit_fails_the_run() {
    // A delta page of 200 users is about 130 KB.
    let err = second_sync_fails_with("max_response_mb = 0.05");
    assert!(
        err.contains(
            "exceeded the source's response size limit of 0.05 MiB (limits.max_response_mb)"
        ),
        "{err}"
    );
}

#[test]
fn output_over_the_run_limit_fails_the_run() {
    let err = second_sync_fails_with("max_output_mb = 0.1");
    assert!(
        err.contains("the plugin's output exceeded the source's limit of 0.1 MiB (limits.max_output_mb); nothing of this run is kept"),
        "{err}"
    );
}
