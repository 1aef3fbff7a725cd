//! The run's staging tables: batches are appended to TEMP tables without keys or indexes, and
//! only at commit are they moved into the snapshot tables, sorted by primary key.
//!
//! Graph returns objects in an order unrelated to their IDs, so inserting each batch straight
//! into the keyed snapshot tables touches pages all over their B-trees and, at 100k users,
//! thrashes the page cache. Appending is sequential, and a sorted bulk insert fills each page
//! once.

use rusqlite::Connection;

/// What to do with a second row of the same key within one run.
enum OnDuplicate {
    /// The later row wins (an entity sent again).
    Replace,
    /// The first row stays (a repeated link).
    Ignore,
}

/// The staged tables, their primary keys and how duplicates are resolved.
const STAGED: &[(&str, &str, OnDuplicate)] = &[
    ("accounts", "source, id", OnDuplicate::Replace),
    ("groups", "source, id", OnDuplicate::Replace),
    (
        "memberships",
        "source, group_id, member_id",
        OnDuplicate::Replace,
    ),
    ("products", "source, sku_id", OnDuplicate::Replace),
    (
        "assignments",
        "source, user_id, sku_id, assigned_by_group",
        OnDuplicate::Replace,
    ),
    (
        "group_licenses",
        "source, group_id, sku_id",
        OnDuplicate::Replace,
    ),
    ("subscriptions", "source, id", OnDuplicate::Replace),
    ("devices", "source, id", OnDuplicate::Replace),
    (
        "device_owners",
        "source, device_id, account_id",
        OnDuplicate::Ignore,
    ),
    ("sign_ins", "source, account_id", OnDuplicate::Replace),
];

/// Creates the empty staging tables (`temp.stage_<table>`, with the snapshot table's columns).
pub(super) fn prepare(conn: &Connection) -> rusqlite::Result<()> {
    for (table, _, _) in STAGED {
        conn.execute_batch(&format!(
            "CREATE TEMP TABLE IF NOT EXISTS stage_{table} AS SELECT * FROM main.{table} WHERE 0;
             DELETE FROM temp.stage_{table};"
        ))?;
    }
    Ok(())
}

/// Indexes the staged accounts and groups by ID, for the reference checks of
/// [`super::validate::check_references`]; [`publish`] drops the indexes again.
pub(super) fn index_ids(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE INDEX IF NOT EXISTS temp.stage_accounts_by_id ON stage_accounts (id);
         CREATE INDEX IF NOT EXISTS temp.stage_groups_by_id ON stage_groups (id);",
    )
}

/// Replaces `source`'s snapshot with the staged rows and empties the staging tables.
pub(super) fn publish(conn: &Connection, source: &str) -> rusqlite::Result<()> {
    conn.execute_batch(
        "DROP INDEX IF EXISTS temp.stage_accounts_by_id;
         DROP INDEX IF EXISTS temp.stage_groups_by_id;",
    )?;
    for (table, key, on_duplicate) in STAGED {
        let verb = match on_duplicate {
            OnDuplicate::Replace => "INSERT OR REPLACE",
            OnDuplicate::Ignore => "INSERT OR IGNORE",
        };
        conn.execute(
            &format!("DELETE FROM main.{table} WHERE source = ?1"),
            [source],
        )?;
        // Within one key, rows go in the order they were staged, so the later one replaces.
        conn.execute_batch(&format!(
            "{verb} INTO main.{table} SELECT * FROM temp.stage_{table} ORDER BY {key}, rowid;
             DELETE FROM temp.stage_{table};"
        ))?;
    }
    Ok(())
}
