//! A run's batches through the writer thread and the staging tables into the snapshot.

mod engines;
mod fleet;
mod incremental;

use super::Store;
use itam_runtime::BatchSink;
use itam_runtime::contract::types::{
    Account, AccountKind, Assignment, AssignmentSource, Batch, Outcome, Summary,
};

fn account(id: &str, name: &str) -> Account {
    Account {
        id: id.into(),
        principal_name: format!("{id}@contoso.example"),
        display_name: Some(name.into()),
        mail: None,
        enabled: true,
        kind: AccountKind::Member,
        department: None,
        job_title: None,
        usage_location: None,
        created: None,
        deleted: None,
        attributes: Vec::new(),
    }
}

fn assignment(account: &str) -> Assignment {
    Assignment {
        account_id: account.into(),
        product_id: "product-1".into(),
        source: AssignmentSource::Direct,
        group_id: None,
        state: "Active".into(),
        error: None,
        disabled_plans: Vec::new(),
    }
}

fn summary() -> Outcome {
    Outcome::full(Summary {
        counts: Vec::new(),
        warnings: Vec::new(),
        data_quality: Vec::new(),
        facts: Vec::new(),
    })
}

/// Runs one sync of `batches`: accepted, finished and committed, as the host does.
fn run(store: &Store, batches: Vec<Batch>) -> anyhow::Result<()> {
    let mut writer = store.begin_run("src", "test", "0", "sha")?;
    let stored = (|| {
        for batch in batches {
            writer.accept(batch)?;
        }
        writer.finish()?;
        writer.commit(&summary(), 0)
    })();
    if let Err(e) = &stored {
        writer.fail(&format!("{e:#}"))?;
    }
    stored
}

fn names(store: &Store) -> Vec<(String, String)> {
    store
        .read(|q| {
            q.rows(
                "SELECT id, display_name FROM accounts WHERE source = 'src' ORDER BY id",
                &[],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .unwrap()
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn batches_become_the_snapshot_and_a_later_duplicate_replaces_an_earlier_one() {
    engines::on_each(batches_become_the_snapshot_and_a_later_duplicate_replaces_an_earlier_one_on);
}

fn batches_become_the_snapshot_and_a_later_duplicate_replaces_an_earlier_one_on(store: &Store) {
    let store = store.clone();
    run(
        &store,
        vec![
            Batch::Accounts(vec![account("b", "Bea"), account("a", "Old name")]),
            Batch::Accounts(vec![account("a", "New name"), account("c", "Cy")]),
        ],
    )
    .unwrap();
    assert_eq!(
        names(&store),
        pairs(&[("a", "New name"), ("b", "Bea"), ("c", "Cy")])
    );

    // The next run replaces the snapshot: `b` and `c` are gone.
    run(&store, vec![Batch::Accounts(vec![account("a", "Al")])]).unwrap();
    assert_eq!(names(&store), pairs(&[("a", "Al")]));
}

#[test]
fn a_run_that_fails_to_store_keeps_the_previous_snapshot() {
    engines::on_each(a_run_that_fails_to_store_keeps_the_previous_snapshot_on);
}

fn a_run_that_fails_to_store_keeps_the_previous_snapshot_on(store: &Store) {
    let store = store.clone();
    run(&store, vec![Batch::Accounts(vec![account("a", "Al")])]).unwrap();

    // A write error in the writer thread surfaces, whichever call reports it.
    let error = run(
        &store,
        vec![
            Batch::Accounts(vec![account("x", "Xi")]),
            Batch::Accounts(vec![account("", "no id")]),
            Batch::Accounts(vec![account("y", "Yo")]),
        ],
    )
    .unwrap_err();
    assert!(
        format!("{error:#}").contains("an account without an id"),
        "{error:#}"
    );
    assert_eq!(names(&store), pairs(&[("a", "Al")]));

    // So does a reference to an account the run never sent, refused at commit.
    let error = run(
        &store,
        vec![
            Batch::Accounts(vec![account("x", "Xi")]),
            Batch::Assignments(vec![assignment("x"), assignment("ghost")]),
        ],
    )
    .unwrap_err();
    assert!(format!("{error:#}").contains("e.g. ghost"), "{error:#}");
    assert_eq!(names(&store), pairs(&[("a", "Al")]));

    let statuses: Vec<String> = store
        .read(|q| q.rows("SELECT status FROM runs ORDER BY id", &[], |r| r.get(0)))
        .unwrap();
    assert_eq!(statuses, ["succeeded", "failed", "failed"]);
}

#[test]
fn a_schema_2_database_is_upgraded_in_place_and_keeps_its_products() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("itam.db");
    // A schema-2 database: today's tables with the product columns under their old names,
    // without what schemas 6, 10 and 11 added.
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(super::SCHEMA).unwrap();
        conn.execute_batch(
            "ALTER TABLE runs DROP COLUMN mode;
             ALTER TABLE runs DROP COLUMN full_reason;
             ALTER TABLE runs DROP COLUMN host;
             ALTER TABLE runs DROP COLUMN host_id;
             ALTER TABLE schedule DROP COLUMN lease_holder;
             ALTER TABLE schedule DROP COLUMN lease_expires_at;
             DROP TABLE hosts;
             DROP TABLE sources;
             DROP TABLE throttle;
             DROP TABLE plugin_state;",
        )
        .unwrap();
        for (table, column) in [
            ("products", "product_id"),
            ("products", "part_number"),
            ("product_history", "product_id"),
            ("product_history", "part_number"),
            ("subscriptions", "product_id"),
            ("subscriptions", "part_number"),
            ("assignments", "product_id"),
            ("group_licenses", "product_id"),
            ("changes", "product_id"),
        ] {
            let old = if column == "product_id" {
                "sku_id"
            } else {
                "sku_part_number"
            };
            conn.execute_batch(&format!(
                "ALTER TABLE {table} RENAME COLUMN {column} TO {old}"
            ))
            .unwrap();
        }
        conn.execute(
            "INSERT INTO products (source, sku_id, sku_part_number, capability_status, enabled,
             warning, suspended, locked_out, consumed_units, service_plans, attributes)
             VALUES ('src', 'p1', 'PART', 'Enabled', 5, 0, 0, 0, 3, '[]', '[]')",
            [],
        )
        .unwrap();
        conn.pragma_update(None, "user_version", 2).unwrap();
    }

    let store = Store::open(&path).unwrap();
    let (product, version): ((String, String, i64), i64) = store
        .read(|q| {
            let product = q
                .row_opt(
                    "SELECT product_id, part_number, consumed_units FROM products
                     WHERE source = 'src'",
                    &[],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )?
                .unwrap();
            let version = q.value("PRAGMA user_version", &[])?;
            Ok((product, version))
        })
        .unwrap();
    // The fleet's tables and columns came with schema 11.
    store.join_fleet("host", "test").unwrap();
    assert!(
        store
            .claim("host", "src", std::time::Duration::from_secs(9))
            .unwrap()
            .is_some()
    );
    assert_eq!(product, ("p1".to_string(), "PART".to_string(), 3));
    assert_eq!(version, super::SCHEMA_VERSION);
    // And a run writes through the new names.
    run(&store, vec![Batch::Accounts(vec![account("a", "Al")])]).unwrap();
    assert_eq!(names(&store), pairs(&[("a", "Al")]));
}

#[test]
fn runs_of_two_sources_stage_side_by_side_and_both_publish() {
    engines::on_each(runs_of_two_sources_stage_side_by_side_and_both_publish_on);
}

fn runs_of_two_sources_stage_side_by_side_and_both_publish_on(store: &Store) {
    let store = store.clone();
    let mut a = store.begin_run("a", "test", "0", "sha").unwrap();
    let mut b = store.begin_run("b", "test", "0", "sha").unwrap();
    a.accept(Batch::Accounts(vec![account("a1", "Ann")]))
        .unwrap();
    b.accept(Batch::Accounts(vec![account("b1", "Ben")]))
        .unwrap();
    a.accept(Batch::Accounts(vec![account("a2", "Abe")]))
        .unwrap();
    // A report reads while both runs are open, and sees neither.
    let visible = |store: &Store| -> i64 {
        store
            .read(|q| q.value("SELECT count(*) FROM accounts", &[]))
            .unwrap()
    };
    assert_eq!(visible(&store), 0);
    b.finish().unwrap();
    b.commit(&summary(), 0).unwrap();
    assert_eq!(visible(&store), 1);
    a.finish().unwrap();
    a.commit(&summary(), 0).unwrap();
    assert_eq!(visible(&store), 3);
}

#[test]
fn a_cancelled_run_is_recorded_as_cancelled_and_keeps_the_snapshot() {
    engines::on_each(a_cancelled_run_is_recorded_as_cancelled_and_keeps_the_snapshot_on);
}

fn a_cancelled_run_is_recorded_as_cancelled_and_keeps_the_snapshot_on(store: &Store) {
    let store = store.clone();
    run(&store, vec![Batch::Accounts(vec![account("a", "Al")])]).unwrap();
    let mut writer = store.begin_run("src", "test", "0", "sha").unwrap();
    writer
        .accept(Batch::Accounts(vec![account("x", "Xi")]))
        .unwrap();
    writer.cancel("the service is stopping").unwrap();
    assert_eq!(names(&store), pairs(&[("a", "Al")]));
    let last = &store.runs("src", 1).unwrap()[0];
    assert_eq!(last.status, "cancelled");
    assert_eq!(last.error.as_deref(), Some("the service is stopping"));
}

#[test]
fn the_schedule_is_kept_per_source() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("itam.db");
    let at = chrono::DateTime::parse_from_rfc3339("2026-12-06T10:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    {
        let store = Store::open(&path).unwrap();
        assert_eq!(store.schedule("src").unwrap(), None);
        let state = crate::ScheduleState {
            next_run_at: at,
            consecutive_failures: 2,
        };
        store.set_schedule("src", state).unwrap();
    }
    let store = Store::open(&path).unwrap();
    let state = store.schedule("src").unwrap().unwrap();
    assert_eq!((state.next_run_at, state.consecutive_failures), (at, 2));
    assert_eq!(store.schedule("other").unwrap(), None);
}

#[test]
fn a_second_service_on_the_same_database_is_refused_until_the_first_ends() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("itam.db");
    let first = crate::ServiceLock::acquire(&path).unwrap();
    let error = crate::ServiceLock::acquire(&path).unwrap_err();
    assert!(itam_runtime::error::is_config_error(&error), "{error:#}");
    assert!(
        format!("{error:#}").contains("another `itam serve` is already running"),
        "{error:#}"
    );
    drop(first);
    crate::ServiceLock::acquire(&path).unwrap();
}

#[test]
fn changes_between_runs_are_recorded_on_both_engines() {
    engines::on_each(|store| {
        run(
            store,
            vec![Batch::Accounts(vec![
                account("a", "Al"),
                account("c", "Cy"),
            ])],
        )
        .unwrap();
        let mut renamed = account("a", "Al");
        renamed.principal_name = "al@contoso.example".into();
        run(
            store,
            vec![
                Batch::Accounts(vec![renamed, account("b", "Bea")]),
                Batch::Assignments(vec![assignment("b")]),
            ],
        )
        .unwrap();
        let changes: Vec<(String, String, Option<String>)> = store
            .read(|q| {
                q.rows(
                    "SELECT kind, account_id, product_id FROM changes ORDER BY kind, account_id",
                    &[],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
            })
            .unwrap();
        let expected = [
            ("joiner", "b", None),
            ("joiner_licence", "b", Some("product-1")),
            ("leaver", "c", None),
            ("renamed", "a", None),
        ]
        .map(|(k, a, p)| (k.to_string(), a.to_string(), p.map(String::from)));
        assert_eq!(changes, expected);
    });
}

#[test]
fn a_finished_runs_postgres_session_is_kept_empty_for_the_next_run() {
    engines::on_each_engine(|dialect, new_store| {
        let store = new_store();
        run(&store, vec![Batch::Accounts(vec![account("a", "Al")])]).unwrap();
        let kept = store.spare.lock().unwrap().len();
        if dialect == crate::Dialect::Sqlite {
            assert_eq!(kept, 0, "SQLite keeps no run connection");
            return;
        }
        assert_eq!(kept, 1);
        // The kept session's staging tables are empty, and the next run takes it up.
        let staged: i64 = {
            let mut spare = store.spare.lock().unwrap();
            spare[0]
                .as_query()
                .value("SELECT COUNT(*) FROM stage_accounts", &[])
                .unwrap()
        };
        assert_eq!(staged, 0);
        // A failed run leaves nothing staged in it either.
        let failed = run(
            &store,
            vec![
                Batch::Accounts(vec![account("b", "Bea")]),
                Batch::Accounts(vec![account("", "no id")]),
            ],
        );
        assert!(failed.is_err());
        run(&store, vec![Batch::Accounts(vec![account("c", "Cy")])]).unwrap();
        assert_eq!(store.spare.lock().unwrap().len(), 1);
        assert_eq!(names(&store), pairs(&[("c", "Cy")]));
    });
}
