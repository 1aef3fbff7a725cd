//! A nextLink to a host that is not on the allow-list is denied inside the sandbox; the run
//! fails and the previous snapshot stays current.

use crate::common::{Env, assert_success, itam, stderr};
use graph_emulator::{Emulator, Options};

#[test]
fn next_link_to_a_foreign_host_is_denied_and_the_snapshot_kept() {
    let env = Env::new(2500, Options::default());
    env.config();
    assert_success(&env.itam(&["sync"]));
    let accounts_before = env.itam(&["export", "accounts"]).stdout;
    let balance_before = env.itam(&["report", "balance", "--format", "json"]).stdout;

    // The same tenant, served by an emulator whose nextLinks point elsewhere.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let hostile = rt
        .block_on(Emulator::start(
            env.tenant().clone(),
            Options {
                next_link_base: Some("http://graph.evil.example".into()),
                ..Options::default()
            },
            0,
        ))
        .unwrap();
    let config = env.config_for(&hostile.url(), &env.tenant().client_secret.clone(), "");
    let out = itam(&config, &["sync"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("denied"), "{err}");
    assert!(err.contains("graph.evil.example"), "{err}");
    assert!(err.contains("previous snapshot kept"), "{err}");
    assert_eq!(
        hostile.requests()["users/delta"],
        1,
        "only the first page was fetched"
    );

    assert_eq!(env.itam(&["export", "accounts"]).stdout, accounts_before);
    assert_eq!(
        env.itam(&["report", "balance", "--format", "json"]).stdout,
        balance_before
    );
    let runs = env.itam_json(&["runs"]);
    assert_eq!(runs[0]["status"], "failed");
    assert!(
        runs[0]["error"]
            .as_str()
            .unwrap()
            .contains("graph.evil.example")
    );
    assert_eq!(runs[1]["status"], "succeeded");
}
