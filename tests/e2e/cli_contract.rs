//! The command line's contract: one source's credential or plugin file is that source's
//! problem, reading the database needs no secret, exit codes per command and situation, the
//! database's permissions and location, the demo's bounds, `itam runs` and `plugin inspect`.

use crate::common::{Env, assert_success, itam, stderr};
use graph_emulator::Options;
use std::path::Path;
use std::process::{Command, Output};

/// Runs `itam ARGS` in `dir` without `--config` (and without `ITAM_CONFIG`).
fn itam_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_itam"))
        .current_dir(dir)
        .args(args)
        .env(
            "ITAM_CACHE_DIR",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/itam-cache"),
        )
        .env_remove("RUST_LOG")
        .env_remove("ITAM_CONFIG")
        .env("XDG_CONFIG_HOME", dir.join("no-xdg"))
        .output()
        .expect("the itam binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The env's config with a second source `broken` whose credential section is `credential`
/// and whose plugin is `plugin`.
fn with_broken_source(env: &Env, plugin: &str, credential: &str) -> String {
    let good = std::fs::read_to_string(env.config()).unwrap();
    let second = good
        .split("[[source]]")
        .nth(1)
        .unwrap()
        .replace("name = \"contoso\"", "name = \"broken\"")
        .replace("plugin = \"m365\"", &format!("plugin = \"{plugin}\""))
        .replace("client_secret = { file = \"secret.txt\" }", credential);
    let text = format!("{good}\n[[source]]{second}");
    crate::common::write_private(&env.dir.path().join("itam.toml"), &text);
    text
}

#[test]
fn one_sources_missing_secret_or_plugin_file_blocks_only_that_source() {
    for (plugin, credential, needle) in [
        (
            "m365",
            "client_secret = { env = \"ITAM_TEST_NOT_SET\" }",
            "ITAM_TEST_NOT_SET, which is not set",
        ),
        (
            "./missing.wasm",
            "client_secret = { file = \"secret.txt\" }",
            "missing.wasm does not exist",
        ),
    ] {
        let env = Env::new(10, Options::default());
        with_broken_source(&env, plugin, credential);
        let out = env.itam(&["sync"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{needle}: {err}");
        assert!(
            err.contains("source `broken`") && err.contains(needle),
            "{err}"
        );
        assert!(
            stdout(&out).contains("contoso: run 1 succeeded"),
            "the healthy source syncs: {err}"
        );
        // Commands about the other source, and read-only ones, do not care.
        for args in [
            &[
                "report", "balance", "--source", "contoso", "--format", "json",
            ][..],
            &["export", "accounts", "--source", "contoso"],
            &["runs"],
            &["runs", "--source", "contoso"],
        ] {
            let out = env.itam(args);
            assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        }
        // check reports the broken source and still prints the healthy one.
        let out = env.itam(&["check", "--format", "json"]);
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc[0]["source"], "contoso");
        assert_eq!(doc[0]["ok"], true);
        assert_eq!(doc[1]["source"], "broken");
        assert_eq!(doc[1]["ok"], false);
    }
}

#[test]
fn reading_the_database_needs_no_secret() {
    let env = Env::new(10, Options::default());
    let config = env.config();
    assert_success(&env.itam(&["sync"]));
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "{ file = \"secret.txt\" }",
        "{ env = \"ITAM_TEST_NOT_SET\" }",
    );
    crate::common::write_private(&config, &text);
    for args in [
        &["report", "balance", "--format", "json"][..],
        &["report", "waste", "--format", "json"],
        &["report", "changes", "--format", "json"],
        &["export", "accounts"],
        &["runs"],
        &["plugin", "inspect", "m365", "--source", "contoso"],
    ] {
        let out = env.itam(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).contains("ITAM_TEST_NOT_SET"), "{args:?}");
    }
    // Only the commands that contact the tenant need it.
    let out = env.itam(&["sync"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("ITAM_TEST_NOT_SET, which is not set"));
}

#[test]
fn check_reports_a_missing_secret_as_the_credential_step_with_its_fix() {
    let env = Env::new(10, Options::default());
    let config = env.config();
    for (reference, needle, fix) in [
        (
            "{ env = \"ITAM_TEST_NOT_SET\" }",
            "ITAM_TEST_NOT_SET, which is not set",
            "export ITAM_TEST_NOT_SET",
        ),
        (
            "{ file = \"absent.secret\" }",
            "absent.secret, which cannot be read",
            "write the client secret",
        ),
    ] {
        let text = std::fs::read_to_string(env.dir.path().join("itam.toml"))
            .unwrap()
            .replace("{ file = \"secret.txt\" }", reference);
        crate::common::write_private(&config, &text);
        let out = env.itam(&["check", "--format", "json"]);
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("JSON ({e}): {}", stdout(&out)));
        let steps = doc[0]["steps"].as_array().unwrap();
        assert_eq!(steps[0]["step"], "config");
        assert_eq!(steps[0]["status"], "pass");
        assert_eq!(steps[1]["step"], "credential");
        assert_eq!(steps[1]["status"], "fail");
        assert!(steps[1]["detail"].as_str().unwrap().contains(needle));
        assert!(steps[1]["fix"].as_str().unwrap().contains(fix));
        let out = env.itam(&["check", "--format", "table"]);
        assert!(stdout(&out).contains("✗ credential"), "{}", stdout(&out));
        let text = std::fs::read_to_string(&config)
            .unwrap()
            .replace(reference, "{ file = \"secret.txt\" }");
        crate::common::write_private(&config, &text);
    }
    assert_eq!(env.emulator.total_requests(), 0);
}

#[test]
fn exit_codes_per_command_and_situation() {
    let env = Env::new(10, Options::default());
    let config = env.config();
    let dir = env.dir.path();
    // Before any sync.
    let cases: Vec<(&[&str], i32, &str)> = vec![
        (&["report", "balance"], 2, "no database at"),
        (&["frobnicate"], 2, "unrecognized subcommand"),
        (&["sync", "--bogus"], 2, "unexpected argument"),
        (&["--help"], 0, "Usage"),
        (&["runs", "--source", "nope"], 2, "no source named `nope`"),
        (
            &["report", "waste", "--inactive-days", "0"],
            2,
            "0 is not in 1..=3650",
        ),
        (
            &["report", "waste", "--inactive-days", "5000"],
            2,
            "5000 is not in 1..=3650",
        ),
        (
            &["report", "cost", "--inactive-days", "0"],
            2,
            "not in 1..=3650",
        ),
        (&["export", "accounts"], 2, "no database at"),
        (&["export", "nothing"], 2, "invalid value 'nothing'"),
        (&["check", "--source", "nope"], 2, "no source named `nope`"),
        (&["runs", "--format", "csv"], 2, "table or json"),
        (
            &["plugin", "inspect", "./nope.wasm"],
            2,
            "nope.wasm does not exist",
        ),
        (&["completions", "tcsh"], 2, "invalid value 'tcsh'"),
    ];
    let run = |cases: &[(&[&str], i32, &str)]| {
        for (args, code, needle) in cases {
            let out = itam(&config, args);
            let text = format!("{}{}", stdout(&out), stderr(&out));
            assert_eq!(out.status.code(), Some(*code), "{args:?}: {text}");
            assert!(text.contains(needle), "{args:?}: {needle} not in {text}");
        }
    };
    run(&cases);
    assert_success(&env.itam(&["sync"]));
    run(&[
        (
            &["report", "changes", "--run", "99"],
            2,
            "run 99 is not a successful run",
        ),
        (
            &["report", "changes", "--run", "1", "--format", "json"],
            0,
            "",
        ),
        (&["sync"], 0, "succeeded"),
    ]);
    // A configuration error: 2 for sync, a failed `config` step (3) for check, which still
    // prints its diagnosis.
    let good = std::fs::read_to_string(&config).unwrap();
    crate::common::write_private(&config, &format!("{good}colour = \"blue\"\n"));
    run(&[
        (&["sync"], 2, "unknown setting `colour`"),
        (
            &["check", "--format", "json"],
            3,
            "unknown setting `colour`",
        ),
    ]);
    crate::common::write_private(&config, &good);
    // A store that is not SQLite: 2, the file named, nothing written.
    let fake = dir.join("not-a-db.db");
    std::fs::write(&fake, "hello, this is not SQLite, but long enough to have a header.....................................................................").unwrap();
    let before = std::fs::read(&fake).unwrap();
    crate::common::write_private(
        &config,
        &good.replace("path = \"itam.db\"", "path = \"not-a-db.db\""),
    );
    for args in [&["sync"][..], &["report", "balance"], &["runs"]] {
        let out = env.itam(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("not-a-db.db is not an itam database"),
            "{}",
            stderr(&out)
        );
        assert!(stderr(&out).contains("set store.path"), "{}", stderr(&out));
    }
    assert_eq!(std::fs::read(&fake).unwrap(), before, "nothing is written");
    assert!(!dir.join("not-a-db.db-wal").exists());
    // A store that cannot be created: 2, the file named.
    crate::common::write_private(
        &config,
        &good.replace("path = \"itam.db\"", "path = \"/proc/itam-test.db\""),
    );
    let out = env.itam(&["sync"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot use the database /proc/itam-test.db"),
        "{}",
        stderr(&out)
    );
    crate::common::write_private(&config, &good);
    run(&[(
        &["report", "balance", "--source", "nope"],
        2,
        "no source named `nope`",
    )]);
    // A missing configuration file.
    let out = itam(&dir.join("absent.toml"), &["runs"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn version_names_the_plugin_and_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let out = itam_in(dir.path(), &["--version"]);
    assert_success(&out);
    let text = stdout(&out);
    assert!(text.starts_with("itam 0."), "{text}");
    assert!(text.contains("m365"), "{text}");
    assert!(text.contains("itam:collector@0.3.0"), "{text}");
}

#[cfg(unix)]
#[test]
fn the_database_and_its_journal_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let env = Env::new(10, Options::default());
    env.config();
    assert_success(&env.itam(&["sync"]));
    let mode = |name: &str| {
        std::fs::metadata(env.dir.path().join(name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("itam.db"), 0o600);
    // WAL mode keeps -wal and -shm while a connection is open; open one to see them.
    let conn = rusqlite::Connection::open(env.dir.path().join("itam.db")).unwrap();
    conn.query_row("SELECT count(*) FROM runs", [], |r| r.get::<_, i64>(0))
        .unwrap();
    for name in ["itam.db-wal", "itam.db-shm"] {
        assert!(env.dir.path().join(name).exists(), "{name}");
        assert_eq!(mode(name), 0o600, "{name}");
    }
}

#[test]
fn a_missing_store_directory_is_refused_unless_asked_for() {
    let env = Env::new(10, Options::default());
    let config = env.config();
    let good = std::fs::read_to_string(&config).unwrap();
    let nested = good.replace("path = \"itam.db\"", "path = \"typo/data/itam.db\"");
    crate::common::write_private(&config, &nested);
    let out = env.itam(&["sync"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("does not exist"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("create_dirs = true"),
        "{}",
        stderr(&out)
    );
    assert!(!env.dir.path().join("typo").exists(), "nothing is created");
    crate::common::write_private(
        &config,
        &nested.replace("[store]\n", "[store]\ncreate_dirs = true\n"),
    );
    assert_success(&env.itam(&["sync"]));
    assert!(env.dir.path().join("typo/data/itam.db").is_file());
}

/// Runs `itam ARGS` in `dir` as an unprivileged user: as root through `setpriv` as `nobody`
/// (root writes anywhere), else as it is. `None` when root has no `setpriv`.
#[cfg(unix)]
fn itam_unprivileged(dir: &Path, args: &[&str]) -> Option<Output> {
    let root = unsafe { libc::geteuid() } == 0;
    let mut command = if root {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_itam"));
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_itam"))
    };
    command
        .current_dir(dir)
        .args(args)
        .env_remove("RUST_LOG")
        .env_remove("ITAM_CONFIG")
        .env("ITAM_CACHE_DIR", dir.join("cache"))
        .env("XDG_CONFIG_HOME", dir.join("no-xdg"));
    match command.output() {
        Ok(out) => Some(out),
        Err(_) if root => None,
        Err(e) => panic!("the itam binary runs: {e}"),
    }
}

#[cfg(unix)]
#[test]
fn a_read_only_store_directory_names_the_file_and_the_fix() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let mode = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    mode(dir.path(), 0o777);
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    // An existing database (written while the directory was writable), then read-only.
    assert_success(&itam_in(
        dir.path(),
        &[
            "demo",
            "--users",
            "5",
            "--db",
            "ro/itam.db",
            "--format",
            "json",
        ],
    ));
    let config = dir.path().join("ro.toml");
    std::fs::write(
        &config,
        "[store]\npath = \"ro/itam.db\"\n\n[[source]]\nname = \"demo\"\nplugin = \"m365\"\n",
    )
    .unwrap();
    mode(&config, 0o644);
    mode(&ro.join("itam.db"), 0o666);
    mode(&ro, 0o555);
    let before = std::fs::read(ro.join("itam.db")).unwrap();
    let Some(out) = itam_unprivileged(dir.path(), &["--config", "ro.toml", "runs"]) else {
        return;
    };
    let new = itam_unprivileged(
        dir.path(),
        &[
            "demo",
            "--users",
            "5",
            "--db",
            "ro/new.db",
            "--format",
            "json",
        ],
    )
    .unwrap();
    mode(&ro, 0o755);
    for (out, file) in [(out, "ro/itam.db"), (new, "ro/new.db")] {
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!("cannot use the database {file}")),
            "{}",
            stderr(&out)
        );
        assert!(
            stderr(&out).contains("check the permissions"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(std::fs::read(ro.join("itam.db")).unwrap(), before);
    let files: Vec<_> = std::fs::read_dir(&ro)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(files, ["itam.db"], "nothing is created");
}

#[test]
fn the_demo_is_bounded_and_keeps_to_its_own_database() {
    let dir = tempfile::tempdir().unwrap();
    for users in ["0", "10000000000", "200001"] {
        let out = itam_in(dir.path(), &["demo", "--users", users]);
        assert_eq!(out.status.code(), Some(2), "{users}: {}", stderr(&out));
        assert!(stderr(&out).contains("--users"), "{}", stderr(&out));
    }
    // A missing directory is refused unless asked for.
    let out = itam_in(dir.path(), &["demo", "--users", "5", "--db", "a/b/demo.db"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!dir.path().join("a").exists());
    let out = itam_in(
        dir.path(),
        &[
            "demo",
            "--users",
            "5",
            "--db",
            "a/b/demo.db",
            "--create-dirs",
            "--format",
            "json",
        ],
    );
    assert_success(&out);
    // A production database is refused, and nothing is added to it.
    let env = Env::new(10, Options::default());
    env.config();
    assert_success(&env.itam(&["sync"]));
    let db = env.dir.path().join("itam.db");
    let before = std::fs::read(&db).unwrap();
    let out = itam_in(
        dir.path(),
        &["demo", "--users", "5", "--db", db.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("already holds other sources (contoso)"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read(&db).unwrap(),
        before,
        "nothing is written to it"
    );
    let runs = env.itam_json(&["runs"]);
    assert_eq!(runs.as_array().unwrap().len(), 1, "{runs}");
    // Its own database may be synced again.
    let out = itam_in(
        dir.path(),
        &[
            "demo",
            "--users",
            "5",
            "--db",
            "a/b/demo.db",
            "--format",
            "json",
        ],
    );
    assert_success(&out);
}

#[cfg(unix)]
#[test]
fn the_demo_writes_a_private_config_for_exploring_and_no_warning_follows() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let out = itam_in(
        dir.path(),
        &[
            "demo",
            "--users",
            "5",
            "--db",
            "demo.db",
            "--config",
            "demo.toml",
            "--format",
            "table",
        ],
    );
    assert_success(&out);
    assert!(stdout(&out).contains("demo.toml"), "{}", stdout(&out));
    let config = dir.path().join("demo.toml");
    let mode = std::fs::metadata(&config).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let out = itam_in(
        dir.path(),
        &[
            "--config",
            "demo.toml",
            "report",
            "balance",
            "--format",
            "json",
        ],
    );
    assert_success(&out);
    assert_eq!(stderr(&out), "");
    // README's recipe: a config without a credential need not be private.
    std::fs::write(
        dir.path().join("recipe.toml"),
        "[store]\npath = \"demo.db\"\n\n[[source]]\nname = \"demo\"\nplugin = \"m365\"\n",
    )
    .unwrap();
    std::fs::set_permissions(
        dir.path().join("recipe.toml"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let out = itam_in(
        dir.path(),
        &[
            "--config",
            "recipe.toml",
            "report",
            "balance",
            "--format",
            "json",
        ],
    );
    assert_success(&out);
    assert!(
        !stderr(&out).contains("readable by other users"),
        "{}",
        stderr(&out)
    );
    // The demo does not overwrite a file, and --config needs --db.
    let out = itam_in(
        dir.path(),
        &[
            "demo",
            "--users",
            "5",
            "--db",
            "demo.db",
            "--config",
            "demo.toml",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let out = itam_in(
        dir.path(),
        &["demo", "--users", "5", "--config", "other.toml"],
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn itam_config_names_the_configuration_file() {
    let env = Env::new(10, Options::default());
    let config = env.config();
    let elsewhere = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_itam"))
        .current_dir(elsewhere.path())
        .args(["runs", "--format", "json"])
        .env("ITAM_CONFIG", &config)
        .env(
            "ITAM_CACHE_DIR",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/itam-cache"),
        )
        .output()
        .unwrap();
    assert_success(&out);
    assert_eq!(stdout(&out).trim(), "[]");
}

#[test]
fn runs_lists_every_source_as_a_table_or_one_json_array() {
    let env = Env::new(10, Options::default());
    let good = std::fs::read_to_string(env.config()).unwrap();
    let second = good
        .split("[[source]]")
        .nth(1)
        .unwrap()
        .replace("name = \"contoso\"", "name = \"fabrikam\"");
    crate::common::write_private(
        &env.dir.path().join("itam.toml"),
        &format!("{good}\n[[source]]{second}"),
    );
    assert_success(&env.itam(&["sync"]));
    let runs = env.itam_json(&["runs"]);
    let sources: Vec<&str> = runs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["fabrikam", "contoso"]);
    for key in [
        "id",
        "source",
        "started_at",
        "ended_at",
        "status",
        "error",
        "summary",
    ] {
        assert!(runs[0].get(key).is_some(), "{key}: {}", runs[0]);
    }
    let one = env.itam_json(&["runs", "--source", "contoso", "--format", "json"]);
    assert_eq!(one.as_array().unwrap().len(), 1);
    let out = env.itam(&["runs", "--format", "table"]);
    assert_success(&out);
    let text = stdout(&out);
    let header = text.lines().next().unwrap();
    for column in ["id", "source", "started", "duration", "status", "error"] {
        assert!(header.contains(column), "{text}");
    }
    assert!(
        text.contains("fabrikam") && text.contains("contoso"),
        "{text}"
    );
    assert!(text.contains("succeeded"), "{text}");
}

#[test]
fn plugin_inspect_prints_the_contracts_names() {
    let env = Env::new(10, Options::default());
    env.config();
    let doc = env.itam_json(&["plugin", "inspect", "m365"]);
    assert_eq!(doc["contract"], "itam:collector@0.3.0");
    assert_eq!(doc["credential"], "oauth2-client-credentials");
    let produces: Vec<&str> = doc["produces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert!(produces.contains(&"product"), "{produces:?}");
    assert!(produces.contains(&"group-license"), "{produces:?}");
    assert!(produces.iter().all(|k| !k.contains("::")), "{produces:?}");
}

#[test]
fn completions_and_the_manual_page_come_from_the_command_definitions() {
    let dir = tempfile::tempdir().unwrap();
    for (shell, needle) in [
        ("bash", "_itam()"),
        ("zsh", "#compdef itam"),
        ("fish", "complete -c itam"),
    ] {
        let out = itam_in(dir.path(), &["completions", shell]);
        assert_success(&out);
        let text = stdout(&out);
        assert!(text.contains(needle), "{shell}: {text}");
        assert!(text.contains("inactive-days"), "{shell}");
    }
    let out = itam_in(dir.path(), &["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    let out = itam_in(dir.path(), &["man"]);
    assert_success(&out);
    let text = stdout(&out);
    assert!(
        text.starts_with(".ie") || text.contains(".TH itam"),
        "{text}"
    );
    assert!(text.contains("sync"), "{text}");
}

#[test]
fn prices_that_would_be_ignored_are_refused_or_warned_about() {
    let env = Env::new(10, Options::default());
    let config = env.config();
    let good = std::fs::read_to_string(&config).unwrap();
    let price = |product: &str, currency: &str| {
        format!("\n[[price]]\nproduct = \"{product}\"\nmonthly = 10.0\ncurrency = \"{currency}\"\n")
    };
    for (prices, needle) in [
        (
            price("SPE_E3", "XYZ"),
            "currency = \"XYZ\" is not an ISO 4217 code",
        ),
        (
            price("SPE_E3", "USD") + &price("05e9a617-0261-4cee-bb44-138d3ef5d965", "USD"),
            "product = \"SPE_E3\" and product = \"05e9a617-0261-4cee-bb44-138d3ef5d965\"",
        ),
    ] {
        crate::common::write_private(&config, &format!("{prices}\n{good}"));
        let out = env.itam(&["runs"]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains(needle), "{needle}: {}", stderr(&out));
    }
    crate::common::write_private(&config, &format!("{}\n{good}", price("SPE_E33", "USD")));
    let out = env.itam(&["runs"]);
    assert_success(&out);
    assert!(
        stderr(&out).contains("[[price]] product = \"SPE_E33\" is not a part number"),
        "{}",
        stderr(&out)
    );
}

#[cfg(unix)]
#[test]
fn ctrl_c_mid_sync_records_the_run_as_interrupted_and_keeps_the_snapshot() {
    use std::time::{Duration, Instant};
    // Users request 2 (the second sync's first page) stalls.
    let env = Env::stalling_users_at(50, 2, 30);
    let config = env.config();
    assert_success(&env.itam(&["sync"]));
    let before = env.itam(&["export", "accounts"]).stdout;
    let child = crate::common::spawn_until(&config, &["sync"], &env.emulator, "users/delta", 2);
    let started = Instant::now();
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "Ctrl-C stops the sync at once"
    );
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("interrupted: the run of source `contoso` was cancelled"),
        "{}",
        stderr(&out)
    );
    let runs = env.itam_json(&["runs"]);
    assert_eq!(runs[0]["status"], "interrupted", "{runs}");
    assert!(runs[0]["error"].as_str().unwrap().contains("Ctrl-C"));
    assert!(runs[0]["ended_at"].is_string());
    assert_eq!(env.itam(&["export", "accounts"]).stdout, before);
}

#[test]
fn a_killed_run_ends_at_its_last_progress_not_when_the_database_is_next_opened() {
    use std::time::Duration;
    let env = Env::stalling_users_at(50, 2, 30);
    let config = env.config();
    assert_success(&env.itam(&["sync"]));
    let mut child = crate::common::spawn_until(&config, &["sync"], &env.emulator, "users/delta", 2);
    child.kill().unwrap();
    child.wait().unwrap();
    let killed_at = chrono::Utc::now();
    std::thread::sleep(Duration::from_millis(2100));
    let runs = env.itam_json(&["runs"]);
    assert_eq!(runs[0]["status"], "interrupted", "{runs}");
    let ended =
        chrono::DateTime::parse_from_rfc3339(runs[0]["ended_at"].as_str().unwrap()).unwrap();
    let started =
        chrono::DateTime::parse_from_rfc3339(runs[0]["started_at"].as_str().unwrap()).unwrap();
    assert!(
        ended <= killed_at,
        "ended {ended} after the kill {killed_at}"
    );
    assert!(ended >= started, "{runs}");
    assert!(
        !env.dir.path().join("itam.db-progress").exists(),
        "the progress file goes once read"
    );
}
