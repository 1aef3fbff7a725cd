//! The store on both engines: each test runs against a SQLite file and a database on a real
//! PostgreSQL server (skipped, with a note, where PostgreSQL is not installed; required in CI).

use crate::{Dialect, PostgresOptions, ScheduleState, Store, values};
use itam_test_support::postgres::{PASSWORD, Postgres};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// The test process's PostgreSQL server, started by the first test that needs it.
fn server() -> Option<&'static Postgres> {
    static SERVER: OnceLock<Option<Postgres>> = OnceLock::new();
    SERVER.get_or_init(Postgres::start).as_ref()
}

/// Options for a new, empty database on the test server.
fn new_database(server: &Postgres) -> PostgresOptions {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = format!("store_{}", NEXT.fetch_add(1, Ordering::Relaxed));
    PostgresOptions {
        url: server.create_database(&name),
        password: Some(PASSWORD.to_string()),
        ca_file: None,
    }
}

/// Runs `test` on each engine, handing it the engine and a maker of new, empty stores on it.
pub(super) fn on_each_engine(test: impl Fn(Dialect, &mut dyn FnMut() -> Store)) {
    let dir = tempfile::tempdir().unwrap();
    let mut made = 0;
    test(Dialect::Sqlite, &mut || {
        made += 1;
        Store::open(&dir.path().join(format!("itam-{made}.db"))).unwrap()
    });
    if let Some(server) = server() {
        test(Dialect::Postgres, &mut || {
            Store::open_postgres(&new_database(server)).unwrap()
        });
    }
}

/// Runs `test` on each engine with an opener of handles to one new database: each call opens
/// the database again, as another process sharing it would.
pub(super) fn on_each_shared(test: impl Fn(&dyn Fn() -> Store)) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("itam.db");
    test(&|| Store::open(&path).unwrap());
    if let Some(server) = server() {
        let options = new_database(server);
        test(&|| Store::open_postgres(&options).unwrap());
    }
}

/// Runs `test` on a new store of each engine.
pub(super) fn on_each(test: impl Fn(&Store)) {
    on_each_engine(|_, new_store| test(&new_store()));
}

/// Records a run of `source` as another process (`pid`) that is still running.
fn running_run(store: &Store, source: &str, pid: i64) -> i64 {
    store
        .read(|q| {
            q.value(
                "INSERT INTO runs (source, plugin, plugin_version, plugin_sha256, pid, started_at, status)
                 VALUES (?1, 'test', '0', 'sha', ?2, '2026-01-01T00:00:00Z', 'running') RETURNING id",
                &values![source, pid],
            )
        })
        .unwrap()
}

#[test]
fn the_schedule_round_trips_on_both_engines() {
    on_each(|store| {
        assert_eq!(store.schedule("a").unwrap(), None);
        let state = ScheduleState {
            next_run_at: "2026-03-01T10:00:00Z".parse().unwrap(),
            consecutive_failures: 3,
        };
        store.set_schedule("a", state).unwrap();
        store
            .set_schedule(
                "a",
                ScheduleState {
                    consecutive_failures: 4,
                    ..state
                },
            )
            .unwrap();
        assert_eq!(
            store.schedule("a").unwrap().unwrap().consecutive_failures,
            4
        );
        assert_eq!(store.schedule("b").unwrap(), None);
    });
}

#[test]
fn runs_are_listed_newest_first_and_cancelled_runs_of_this_process_end_interrupted() {
    on_each(|store| {
        let mine = running_run(store, "a", std::process::id().into());
        let other = running_run(store, "a", std::process::id() as i64 + 1_000_000);
        let runs = store.runs("a", 10).unwrap();
        assert_eq!(runs.iter().map(|r| r.id).collect::<Vec<_>>(), [other, mine]);
        assert_eq!(store.cancel_running("stopped by the test").unwrap(), 1);
        let runs = store.runs_of(None, 10).unwrap();
        let status = |id| runs.iter().find(|r| r.id == id).unwrap().status.clone();
        assert_eq!(status(mine), "interrupted");
        assert_eq!(status(other), "running");
        assert_eq!(store.runs_after("a", mine).unwrap().len(), 1);
        assert!(store.last_success("a").unwrap().is_none());
    });
}

#[test]
fn the_outbox_delivers_retries_and_abandons_on_both_engines() {
    on_each(|store| {
        let run = running_run(store, "a", std::process::id().into());
        store
            .read(|q| {
                for kind in ["joiner", "leaver"] {
                    q.execute(
                        "INSERT INTO changes (run_id, source, kind) VALUES (?1, 'a', ?2)",
                        &values![run, kind],
                    )?;
                }
                crate::outbox::enqueue(q, "a", run, &["hook".to_string(), "other".to_string()])
            })
            .unwrap();
        let hold = std::time::Duration::from_secs(300);
        let due = store
            .take_due_deliveries(chrono::Utc::now(), 10, hold)
            .unwrap();
        assert_eq!(due.len(), 2);
        // Taken, they are held: another service does not take them too.
        assert!(
            store
                .take_due_deliveries(chrono::Utc::now(), 10, hold)
                .unwrap()
                .is_empty()
        );
        assert_eq!(due[0].last_cursor - due[0].first_cursor, 1);
        store.delivered(due[0].id).unwrap();
        let later = chrono::Utc::now() + chrono::Duration::hours(1);
        store
            .delivery_failed(due[1].id, "503", Some(later))
            .unwrap();
        assert!(
            store
                .take_due_deliveries(chrono::Utc::now(), 10, hold)
                .unwrap()
                .is_empty()
        );
        let retried = store.take_due_deliveries(later, 10, hold).unwrap();
        assert_eq!(retried[0].attempts, 1);
        store.delivery_failed(due[1].id, "410", None).unwrap();
        assert_eq!(
            store.outbox_counts().unwrap(),
            [
                ("hook".to_string(), "delivered".to_string(), 1),
                ("other".to_string(), "abandoned".to_string(), 1)
            ]
        );
    });
}

#[test]
fn values_cross_both_engines_with_their_types() {
    on_each(|store| {
        let row = store
            .read(|q| {
                q.row_opt(
                    "SELECT ?1 = 'x', CAST(?2 AS BIGINT) + 1, CAST(?3 AS TEXT), CAST(?4 AS TEXT) IS NULL, COUNT(*) FROM runs",
                    &values!["x", 41, "text", None::<String>],
                    |r| Ok((r.get::<bool>(0)?, r.get::<i64>(1)?, r.get::<String>(2)?, r.get::<bool>(3)?, r.get::<i64>(4)?)),
                )
            })
            .unwrap();
        assert_eq!(row, Some((true, 42, "text".to_string(), true, 0)));
    });
}

#[test]
fn a_failed_transaction_leaves_nothing_behind() {
    on_each(|store| {
        let failed = store.transaction(|q| -> anyhow::Result<()> {
            q.execute(
                "INSERT INTO schedule (source, next_run_at) VALUES ('a', '2026-01-01T00:00:00Z')",
                &[],
            )?;
            anyhow::bail!("the import failed half-way")
        });
        assert!(failed.is_err());
        assert_eq!(store.schedule("a").unwrap(), None);
    });
}

#[test]
fn postgres_migrations_apply_once_when_hosts_start_together() {
    let Some(server) = server() else { return };
    let options = new_database(server);
    let opened: Vec<_> = (0..4)
        .map(|_| {
            let options = options.clone();
            std::thread::spawn(move || Store::open_postgres(&options).map(|_| ()))
        })
        .collect();
    for handle in opened {
        handle.join().unwrap().unwrap();
    }
    let db = options.url.rsplit('/').next().unwrap();
    assert_eq!(
        server.psql(
            db,
            "SELECT count(*), count(DISTINCT version) FROM itam_migrations"
        ),
        "2|2"
    );
}

#[test]
fn postgres_refuses_a_newer_schema_a_password_in_the_url_and_names_a_failed_login() {
    let Some(server) = server() else { return };
    let options = new_database(server);
    Store::open_postgres(&options).unwrap();
    let db = options.url.rsplit('/').next().unwrap();
    server.psql(
        db,
        "INSERT INTO itam_migrations (version, name) VALUES (999, 'future')",
    );
    let error = Store::open_postgres(&options).err().unwrap();
    assert!(itam_runtime::error::is_config_error(&error));
    assert!(format!("{error:#}").contains("newer itam"), "{error:#}");

    let in_url = PostgresOptions {
        url: options.url.replace("itam@", &format!("itam:{PASSWORD}@")),
        ..options.clone()
    };
    let error = format!("{:#}", Store::open_postgres(&in_url).err().unwrap());
    assert!(error.contains("by reference"), "{error}");
    assert!(!error.contains(PASSWORD), "{error}");

    let wrong = PostgresOptions {
        password: Some("not-the-password".into()),
        ..options.clone()
    };
    let error = Store::open_postgres(&wrong).err().unwrap();
    let text = format!("{error:#}");
    assert!(itam_runtime::error::is_config_error(&error), "{text}");
    assert!(
        text.contains(&format!("127.0.0.1:{}", server.port())),
        "{text}"
    );
    assert!(text.contains("password"), "{text}");
    assert!(!text.contains("not-the-password"), "{text}");
}

#[test]
fn a_sqlite_store_moves_to_postgres_row_for_row_and_goes_on_there() {
    let Some(server) = server() else { return };
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Store::open(&dir.path().join("itam.db")).unwrap();
    let mut rng = fastrand::Rng::with_seed(3);
    let mut model = super::incremental::Model::seeded(&mut rng);
    super::incremental::sync_in_full(&sqlite, &model);
    model.change(&mut rng, 0);
    super::incremental::sync_in_full(&sqlite, &model);
    let postgres = Store::open_postgres(&new_database(server)).unwrap();

    let copied = sqlite.migrate_to(&postgres, &[]).unwrap();
    assert!(
        copied.iter().any(|(t, n)| t == "accounts" && *n > 0),
        "{copied:?}"
    );
    for (table, _) in &copied {
        let dump = |store: &Store| {
            store
                .read(|q| {
                    q.rows(&format!("SELECT * FROM {table}"), &[], |r| {
                        Ok(format!("{:?}", r.values()))
                    })
                })
                .map(|mut rows| {
                    rows.sort();
                    rows
                })
                .unwrap()
        };
        assert_eq!(dump(&sqlite), dump(&postgres), "{table}");
    }
    // The IDs go on after the copied ones, and a second move is refused.
    let last = sqlite.runs_of(None, 1).unwrap()[0].id;
    model.change(&mut rng, 1);
    super::incremental::sync_in_full(&postgres, &model);
    assert_eq!(postgres.runs_of(None, 1).unwrap()[0].id, last + 1);
    let error = sqlite.migrate_to(&postgres, &[]).unwrap_err();
    assert!(
        format!("{error:#}").contains("already holds runs"),
        "{error:#}"
    );
}
