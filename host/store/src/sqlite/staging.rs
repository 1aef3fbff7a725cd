//! The run's staging tables: batches are appended to TEMP tables without keys or indexes, and
//! only at commit are they moved into the snapshot tables, sorted by primary key (see
//! [`crate::apply`]).
//!
//! Plugins return objects in an order unrelated to their IDs, so inserting each batch straight
//! into the keyed snapshot tables touches pages all over their B-trees and, at 100k users,
//! thrashes the page cache. Appending is sequential, and a sorted bulk insert fills each page
//! once.

use rusqlite::Connection;

/// What to do with a second row of the same key within one run.
pub(crate) enum OnDuplicate {
    /// The later row wins (an entity sent again).
    Replace,
    /// The first row stays (a repeated link).
    Ignore,
}

/// The staged tables and how duplicates of a key are resolved.
pub(crate) const STAGED: &[(&str, OnDuplicate)] = &[
    ("accounts", OnDuplicate::Replace),
    ("groups", OnDuplicate::Replace),
    ("memberships", OnDuplicate::Replace),
    ("products", OnDuplicate::Replace),
    ("assignments", OnDuplicate::Replace),
    ("group_licenses", OnDuplicate::Replace),
    ("subscriptions", OnDuplicate::Replace),
    ("devices", OnDuplicate::Replace),
    ("device_owners", OnDuplicate::Ignore),
    ("sign_ins", OnDuplicate::Replace),
];

/// The columns of a snapshot table, split into its primary key (in key order) and the rest.
pub(crate) struct Columns {
    pub key: Vec<String>,
    pub values: Vec<String>,
}

impl Columns {
    /// Reads the columns of `table` from the schema.
    pub fn of(conn: &Connection, table: &str) -> rusqlite::Result<Self> {
        let mut stmt =
            conn.prepare("SELECT name, pk FROM pragma_table_info(?1) ORDER BY pk, cid")?;
        let columns = stmt
            .query_map([table], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let (key, values): (Vec<_>, Vec<_>) = columns.into_iter().partition(|(_, pk)| *pk > 0);
        Ok(Self {
            key: key.into_iter().map(|(name, _)| name).collect(),
            values: values.into_iter().map(|(name, _)| name).collect(),
        })
    }

    /// The key columns, comma-separated.
    pub fn key_list(&self) -> String {
        self.key.join(", ")
    }
}

/// Creates the empty staging tables (`temp.stage_<table>`, with the snapshot table's columns).
pub(crate) fn prepare(conn: &Connection) -> rusqlite::Result<()> {
    // What an incremental run says is gone. `after` is, for a membership, how many
    // memberships were staged before it: a membership sent again after its removal stays.
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS stage_removals (
             kind TEXT NOT NULL, id TEXT NOT NULL, member_id TEXT, after INTEGER NOT NULL
         );
         DELETE FROM temp.stage_removals;",
    )?;
    for (table, _) in STAGED {
        conn.execute_batch(&format!(
            "CREATE TEMP TABLE IF NOT EXISTS stage_{table} AS SELECT * FROM main.{table} WHERE 0;
             DELETE FROM temp.stage_{table};"
        ))?;
    }
    Ok(())
}

/// Indexes the staged accounts and groups by ID, for the reference checks of
/// [`crate::references::check_references`]; [`crate::apply::publish`] drops the indexes again.
pub(crate) fn index_ids(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE INDEX IF NOT EXISTS temp.stage_accounts_by_id ON stage_accounts (id);
         CREATE INDEX IF NOT EXISTS temp.stage_groups_by_id ON stage_groups (id);",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_staged_table_is_keyed_by_source_first() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::Store::open(&dir.path().join("itam.db")).unwrap();
        let conn = store.lock();
        for (table, _) in STAGED {
            let key = Columns::of(conn.sqlite().unwrap(), table)
                .unwrap()
                .key_list();
            assert!(key.starts_with("source, "), "{table}: {key}");
        }
    }
}
