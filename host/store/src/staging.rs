//! The run's staging tables: batches are appended to TEMP tables without keys or indexes, and
//! only at commit are they moved into the snapshot tables, sorted by primary key (see
//! [`crate::apply`]).
//!
//! Plugins return objects in an order unrelated to their IDs, so inserting each batch straight
//! into the keyed snapshot tables touches pages all over their B-trees and, at 100k users,
//! thrashes the page cache. Appending is sequential, and a sorted bulk insert fills each page
//! once.

use crate::query::{Dialect, Query};
use crate::values;
use anyhow::Result;

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
    pub fn of(q: &mut dyn Query, table: &str) -> Result<Self> {
        let sql = match q.dialect() {
            Dialect::Sqlite => "SELECT name, pk FROM pragma_table_info(?1) ORDER BY pk, cid",
            Dialect::Postgres => {
                "SELECT a.attname, COALESCE((SELECT k.n FROM unnest(i.indkey) WITH ORDINALITY
                                                AS k (attnum, n) WHERE k.attnum = a.attnum), 0)
                 FROM pg_attribute a
                 LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
                 WHERE a.attrelid = CAST(CAST(?1 AS TEXT) AS regclass) AND a.attnum > 0
                   AND NOT a.attisdropped
                 ORDER BY 2, a.attnum"
            }
        };
        let columns = q.rows(sql, &values![table], |r| {
            Ok((r.get::<String>(0)?, r.get::<i64>(1)?))
        })?;
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

/// Creates the empty staging tables (TEMP `stage_<table>`, with the snapshot table's columns).
pub(crate) fn prepare(q: &mut dyn Query) -> Result<()> {
    // What an incremental run says is gone. `after` is, for a membership, how many
    // memberships were staged before it: a membership sent again after its removal stays.
    q.batch(
        "CREATE TEMP TABLE IF NOT EXISTS stage_removals (
             kind TEXT NOT NULL, id TEXT NOT NULL, member_id TEXT, after BIGINT NOT NULL
         );
         DELETE FROM stage_removals;",
    )?;
    for (table, _) in STAGED {
        let create = q.dialect().create_stage(table);
        q.batch(&format!("{create}; DELETE FROM stage_{table};"))?;
    }
    Ok(())
}

/// How many memberships the run has staged so far (see `after` in [`prepare`]).
pub(crate) fn staged_memberships(q: &mut dyn Query) -> Result<i64> {
    let order = q.dialect().order_column();
    q.value(
        &format!("SELECT CAST(COALESCE(MAX({order}), 0) AS BIGINT) FROM stage_memberships"),
        &[],
    )
}

/// Indexes the staged accounts and groups by ID, for the reference checks of
/// [`crate::references::check_references`]; [`crate::apply::publish`] drops the indexes again.
pub(crate) fn index_ids(q: &mut dyn Query) -> Result<()> {
    let d = q.dialect();
    q.batch(&format!(
        "CREATE INDEX IF NOT EXISTS {} ON stage_accounts (id);
         CREATE INDEX IF NOT EXISTS {} ON stage_groups (id);",
        d.temp_index("stage_accounts_by_id"),
        d.temp_index("stage_groups_by_id")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_staged_table_is_keyed_by_source_first() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::Store::open(&dir.path().join("itam.db")).unwrap();
        let mut conn = store.lock();
        for (table, _) in STAGED {
            let key = Columns::of(&mut **conn, table).unwrap().key_list();
            assert!(key.starts_with("source, "), "{table}: {key}");
        }
    }
}
