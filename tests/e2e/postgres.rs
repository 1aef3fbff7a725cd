//! The product on a PostgreSQL store: a sync through the real plugin and sandbox into a real
//! PostgreSQL server (Debian's, started in a temporary directory) reads back exactly as the
//! same sync into SQLite, and the database's password stays out of every output.

use crate::common::{Env, assert_success, stderr, sync_traced, write_private};
use graph_emulator::Options;
use itam_test_support::postgres::{PASSWORD, Postgres};

/// What the reports and exports say about the tenant, for comparing two stores.
fn read_back(env: &Env) -> Vec<serde_json::Value> {
    [
        &["report", "balance", "--format", "json"][..],
        &["report", "waste", "--format", "json"],
        &["report", "subscriptions", "--format", "json"],
        &["report", "cost", "--format", "json"],
        &["export", "accounts"],
        &["export", "assignments"],
        &["export", "groups"],
    ]
    .iter()
    .map(|args| env.itam_json(args))
    .collect()
}

/// Points the env's `itam.toml` at `url`, with the password in a file beside it.
fn use_postgres(env: &Env, url: &str) {
    let config = env.dir.path().join("itam.toml");
    write_private(&env.dir.path().join("db-password"), PASSWORD);
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("path = \"itam.db\""));
    let text = text.replace(
        "path = \"itam.db\"",
        &format!("url = \"{url}\"\npassword = {{ file = \"db-password\" }}"),
    );
    write_private(&config, &text);
}

#[test]
fn a_sync_into_postgres_reads_back_as_into_sqlite_and_keeps_the_password_out() {
    let Some(server) = Postgres::start() else {
        return;
    };
    let env = Env::new(800, Options::default());
    env.config();
    assert_success(&env.itam(&["sync"]));
    let on_sqlite = read_back(&env);

    use_postgres(&env, &server.create_database("e2e"));
    let traced = sync_traced(&env.dir.path().join("itam.toml"));
    assert_success(&traced);
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&traced.stdout),
        stderr(&traced)
    );
    assert!(
        !output.contains(PASSWORD),
        "the password leaked into the output"
    );
    let on_postgres = read_back(&env);
    assert_eq!(on_sqlite.len(), on_postgres.len());
    for (sqlite, postgres) in on_sqlite.iter().zip(&on_postgres) {
        assert_eq!(sqlite, postgres);
    }
    // A second sync reads incrementally and records no change: the tenant did not move.
    assert_success(&env.itam(&["sync"]));
    let runs = env.itam_json(&["runs", "--format", "json"]);
    assert_eq!(runs[0]["mode"], "incremental", "{runs}");
    assert_eq!(server.psql("e2e", "SELECT count(*) FROM changes"), "0");
    // Every account of the SQLite store is there, deleted ones included.
    let accounts = server.psql("e2e", "SELECT count(*) FROM accounts");
    let in_sqlite = rusqlite_count(&env.dir.path().join("itam.db"), "accounts");
    assert_eq!(accounts, in_sqlite.to_string());
}

#[test]
fn a_postgres_store_that_cannot_be_reached_or_logged_into_says_what_to_fix() {
    let Some(server) = Postgres::start() else {
        return;
    };
    let env = Env::new(10, Options::default());
    env.config();
    use_postgres(&env, &server.create_database("wrong"));
    write_private(&env.dir.path().join("db-password"), "not-the-password");
    let out = env.itam(&["sync"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let text = stderr(&out);
    assert!(text.contains("password authentication failed"), "{text}");
    assert!(text.contains("[store] password"), "{text}");
    assert!(!text.contains("not-the-password"), "{text}");
    // Nothing answers on a closed port: the error names the server.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let config = env.dir.path().join("itam.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    let text = text.replace(&format!(":{}/", server.port()), &format!(":{port}/"));
    write_private(&config, &text);
    let out = env.itam(&["report", "balance"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("127.0.0.1:{port}")),
        "{}",
        stderr(&out)
    );
}

#[test]
fn itam_store_migrate_moves_a_sqlite_database_and_the_reports_say_the_same_there() {
    let Some(server) = Postgres::start() else {
        return;
    };
    let env = Env::new(300, Options::default());
    env.config();
    assert_success(&env.itam(&["sync"]));
    assert_success(&env.itam(&["sync"]));
    let on_sqlite = read_back(&env);
    let runs_before = env.itam_json(&["runs", "--format", "json"]);
    let url = server.create_database("moved");
    write_private(&env.dir.path().join("pw"), PASSWORD);
    let pw = env.dir.path().join("pw");
    let out = env.itam(&[
        "store",
        "migrate",
        "--to",
        &url,
        "--password-file",
        pw.to_str().unwrap(),
    ]);
    assert_success(&out);
    let printed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(printed.contains(&format!("url = \"{url}\"")), "{printed}");
    assert!(!printed.contains(PASSWORD), "{printed}");
    // Moved again into the same database: refused, nothing changed.
    let again = env.itam(&[
        "store",
        "migrate",
        "--to",
        &url,
        "--password-file",
        pw.to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
    assert!(
        stderr(&again).contains("already holds runs"),
        "{}",
        stderr(&again)
    );

    use_postgres(&env, &url);
    assert_eq!(read_back(&env), on_sqlite);
    assert_eq!(env.itam_json(&["runs", "--format", "json"]), runs_before);
    // It goes on there: the next run reads incrementally from the moved plugin state, and
    // its ID follows the moved ones.
    assert_success(&env.itam(&["sync"]));
    let runs = env.itam_json(&["runs", "--format", "json"]);
    assert_eq!(runs[0]["mode"], "incremental", "{runs}");
    assert_eq!(runs[0]["id"], runs_before[0]["id"].as_i64().unwrap() + 1);
}

/// Rows of `table` in the SQLite database at `path`.
fn rusqlite_count(path: &std::path::Path, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}
