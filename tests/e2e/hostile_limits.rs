//! Hostile plugins against the limits around the plugin's own code: grants it did not declare,
//! token floods, start functions, memory across several memories, host-side resources,
//! compiler bombs, oversized text and authorities with userinfo. Each attack is contained with
//! a specific error, and the m365 source configured after it still syncs where it shares the
//! process.

use crate::common::{Env, stderr, write_private};
use crate::hostile::{
    Server, assert_contained, assert_contained_with, authorization, config_alone, config_with,
    hostile_source, itam, json, run, shared_cache,
};
use graph_emulator::Options;
use hostile_build as hostile;
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

const SECRET_VAR: &str = "ITAM_LIMITS_SECRET";

/// A credential block for `client_id` whose secret is in [`SECRET_VAR`], allowing `hosts`.
fn credential(client_id: &str, hosts: &[String]) -> String {
    let hosts: Vec<String> = hosts.iter().map(|h| format!("\"{h}\"")).collect();
    format!(
        "allowed_hosts = [{}]\n\n[source.credential]\nclient_id = \"{client_id}\"\nclient_secret = {{ env = \"{SECRET_VAR}\" }}",
        hosts.join(", ")
    )
}

fn inspect(config: &Path, file: &str, cache: &Path) -> (Output, Duration) {
    let started = Instant::now();
    let out = run(config, &["plugin", "inspect", file], cache, &[]);
    (out, started.elapsed())
}

// ---------------------------------------------------------------------------------------------
// Grants
// ---------------------------------------------------------------------------------------------

#[test]
fn a_plan_without_a_grant_gets_no_grant_at_all() {
    let env = Env::new(10, Options::default());
    let t = env.tenant().clone();
    let target = Server::ok("127.0.0.1");
    let origin = target.origin();
    let config = config_with(
        &env,
        "",
        &hostile_source(
            hostile::GRANT_ABUSE,
            &credential(&t.client_id, std::slice::from_ref(&origin)),
            &[("url", &origin), ("mode", "undeclared")],
        ),
    );
    let vars = [(SECRET_VAR, t.client_secret.as_str())];
    let out = run(&config, &["sync"], &shared_cache(), &vars);
    let refused = |path: &str, scope: &str| {
        format!(
            "{path} {scope}: refused not-allowed: the plugin asked for a grant ({origin}/{path}) but declared none in its plan"
        )
    };
    let expected = [
        refused("token", "https://management.azure.com/.default"),
        refused(
            "common/oauth2/v2.0/token",
            "https://vault.azure.net/.default",
        ),
        refused(
            "x/oauth2/v2.0/token",
            "https://graph.microsoft.com/.default",
        ),
        refused(
            "organizations/oauth2/token",
            "https://management.azure.com/.default",
        ),
        "after: HTTP 200".into(),
    ];
    assert_contained_with(&config, &out, "grant-abuse", &expected, &vars);
    // Nothing was posted, and the one request the plugin made carried no token.
    let heads = target.heads();
    assert_eq!(heads.len(), 1, "{heads:?}");
    assert!(heads[0].starts_with("GET /after "), "{heads:?}");
    assert_eq!(authorization(&heads[0]), None);

    // What the operator inspects says the same: no token URL.
    let doc = json(&run(
        &config,
        &[
            "plugin",
            "inspect",
            hostile::GRANT_ABUSE,
            "--source",
            "hostile",
        ],
        &shared_cache(),
        &vars,
    ));
    assert_eq!(doc["token_url"], serde_json::Value::Null);
}

#[test]
fn authorize_called_without_end_posts_the_credential_once() {
    let env = Env::new(10, Options::default());
    let t = env.tenant().clone();
    let url = env.emulator.url();
    let config = config_alone(
        &env,
        &hostile_source(
            hostile::GRANT_ABUSE,
            &credential(&t.client_id, std::slice::from_ref(&url)),
            &[
                ("url", &url),
                ("tenant_id", &t.tenant_id),
                ("mode", "flood"),
            ],
        ),
    );
    let before = env.emulator.requests().get("token").copied().unwrap_or(0);
    let out = run(
        &config,
        &["sync"],
        &shared_cache(),
        &[(SECRET_VAR, t.client_secret.as_str())],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("2000 of 2000 calls granted"), "{err}");
    assert!(err.contains("graph: HTTP 200"), "{err}");
    assert!(
        err.contains("the plugin asked for a new token 1999 time(s) within 5 s of the last one; the host answered from its cache"),
        "{err}"
    );
    assert_eq!(env.emulator.requests()["token"] - before, 1);
}

// ---------------------------------------------------------------------------------------------
// Instantiation and memory
// ---------------------------------------------------------------------------------------------

#[test]
fn a_start_function_that_blocks_is_stopped_and_the_next_source_still_runs() {
    let env = Env::new(10, Options::default());
    let config = config_with(
        &env,
        "run_timeout = \"5s\"",
        &hostile_source(hostile::START_BLOCKS, "", &[("url", "http://127.0.0.1:9")]),
    );
    let started = Instant::now();
    let out = itam(&config, &["sync"]);
    let took = started.elapsed();
    let err = stderr(&out);
    // A plugin that cannot start is unusable, like one that does not load: exit 2.
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("source `hostile`: the plugin did not finish starting within 10 s (its start function blocked); it was stopped"),
        "{err}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("contoso: run "), "{stdout}\n{err}");
    assert!(took < Duration::from_secs(40), "took {took:?}");

    let (out, took) = inspect(&config, hostile::START_BLOCKS, &shared_cache());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("did not finish starting within 10 s"));
    assert!(took < Duration::from_secs(30), "took {took:?}");
}

#[test]
fn every_memory_counts_against_the_one_memory_cap() {
    let env = Env::new(10, Options::default());
    let config = config_with(
        &env,
        "memory_limit_mb = 128",
        &hostile_source(
            hostile::EIGHT_MEMORIES,
            "",
            &[("url", "http://127.0.0.1:9")],
        ),
    );
    let out = itam(&config, &["sync"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("the plugin exceeded its memory limit of 128 MiB and was stopped (limits.memory_limit_mb)"),
        "{err}"
    );
    assert!(err.contains("past its limit of 128 MiB"), "{err}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("contoso: run "),
        "{err}"
    );
}

#[test]
fn host_side_resources_are_bounded() {
    let env = Env::new(10, Options::default());
    let target = Server::ok("127.0.0.1");
    let origin = target.origin();
    let cases = [
        (
            "big-fields",
            "the plugin built an HTTP header set larger than 16 KiB and was stopped",
        ),
        (
            "many-fields",
            "the plugin held more than 1024 host resources (HTTP headers, requests, responses, streams) at once and was stopped",
        ),
        (
            "in-flight",
            "hoard: 16 answered, 284 refused at the in-flight limit, others: ",
        ),
    ];
    for (mode, expected) in cases {
        let config = config_with(
            &env,
            "",
            &hostile_source(hostile::HOARD, "", &[("url", &origin), ("mode", mode)]),
        );
        let out = itam(&config, &["sync"]);
        assert_contained(&config, &out, "hoard", &[expected.to_string()]);
    }
    assert_eq!(
        target.connections(),
        16,
        "only requests within the limit went out"
    );
}

// ---------------------------------------------------------------------------------------------
// Compilation
// ---------------------------------------------------------------------------------------------

#[test]
fn compiler_bombs_are_refused_before_compiling() {
    let env = Env::new(10, Options::default());
    let config = config_alone(&env, "");
    let cache = env.dir.path().join("cache");
    for (file, expected) in [
        (
            hostile::NESTED_BLOCKS,
            "the plugin nests blocks more than 2000 deep, deeper than the host compiles",
        ),
        (
            hostile::BIG_FUNCTION,
            "the plugin has a function of 5859 KiB, larger than the 1024 KiB the host compiles",
        ),
        (
            hostile::MANY_FUNCTIONS,
            "the plugin has more than 50000 functions, more than the host compiles",
        ),
    ] {
        let (out, took) = inspect(&config, file, &cache);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(stderr(&out).contains(expected), "{}", stderr(&out));
        assert!(took < Duration::from_secs(20), "{file}: {took:?}");
    }
    assert!(!cache.exists() || std::fs::read_dir(&cache).unwrap().next().is_none());
}

#[test]
fn a_compilation_past_its_deadline_is_stopped() {
    let env = Env::new(10, Options::default());
    let path = env.dir.path().join("itam.toml");
    write_private(
        &path,
        &format!(
            "[store]\npath = \"itam.db\"\n\n[runtime]\ncompile_timeout = \"2s\"\n\n{}",
            hostile_source(hostile::SLOW_COMPILE, "", &[("url", "http://127.0.0.1:9")])
        ),
    );
    let cache = env.dir.path().join("cache");
    let started = Instant::now();
    let out = run(&path, &["sync"], &cache, &[]);
    let took = started.elapsed();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(
            "compiling the plugin took longer than 2 s and was stopped (runtime.compile_timeout)"
        ),
        "{err}"
    );
    assert!(took < Duration::from_secs(15), "took {took:?}");
}

// ---------------------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------------------

#[test]
fn plugin_text_is_bounded_on_stderr_and_in_the_runs_table() {
    let env = Env::new(10, Options::default());
    for (mode, most) in [
        ("huge-log", 128 << 10),
        ("many-logs", 2 << 20),
        ("huge-warnings", 1 << 20),
        ("huge-error", 64 << 10),
    ] {
        let config = config_alone(
            &env,
            &hostile_source(
                hostile::FLOOD,
                "",
                &[("url", "http://127.0.0.1:9"), ("mode", mode)],
            ),
        );
        let out = itam(&config, &["sync"]);
        let err = stderr(&out);
        assert!(
            out.stderr.len() + out.stdout.len() < most,
            "{mode}: {} bytes on stderr",
            out.stderr.len()
        );
        let runs = json(&itam(&config, &["runs", "--source", "hostile"]));
        let stored = runs[0].to_string();
        assert!(
            stored.len() < 1 << 20,
            "{mode}: {} bytes stored",
            stored.len()
        );
        match mode {
            "huge-log" => {
                assert_eq!(out.status.code(), Some(0), "{err:.2000}");
                // Twenty lines, each cut to 4 KiB.
                assert_eq!(err.matches("more bytes cut]").count(), 20, "{err:.2000}");
            }
            "many-logs" => {
                assert_eq!(out.status.code(), Some(0), "{err:.2000}");
                assert_eq!(err.matches("its further log lines are dropped").count(), 1);
                assert!(err.contains("flood line 9999"), "{err:.2000}");
                assert!(!err.contains("flood line 10000"), "{err:.2000}");
            }
            "huge-warnings" => {
                assert_eq!(out.status.code(), Some(0), "{err}");
                assert!(
                    stored.contains("99900 more warnings from the plugin were dropped"),
                    "{stored:.2000}"
                );
            }
            _ => {
                assert_eq!(out.status.code(), Some(1), "{err}");
                assert!(err.contains("more bytes cut]"), "{err:.2000}");
            }
        }
    }
}
