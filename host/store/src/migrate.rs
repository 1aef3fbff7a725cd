//! Moving a store to another database (`itam store migrate --to postgres://…`): every table,
//! row for row, into a store that holds no run yet, in one transaction on the target, so that a
//! move that fails half-way leaves the target as it was. The source is only read.

use crate::engine::Connection;
use crate::rows::Staged;
use crate::staging::Columns;
use crate::{Dialect, Store};
use anyhow::{Context, Result, bail};

/// The store's tables in an order that satisfies their references (runs first).
const TABLES: &[&str] = &[
    "runs",
    "plugin_state",
    "accounts",
    "sign_ins",
    "subscriptions",
    "devices",
    "device_owners",
    "groups",
    "memberships",
    "products",
    "assignments",
    "group_licenses",
    "licence_group_members",
    "changes",
    "product_history",
    "outbox",
    "schedule",
    "sources",
];

/// Rows sent per round trip.
const CHUNK: usize = 5_000;

/// What a move copied: (table, rows), in the order copied.
pub type Copied = Vec<(String, u64)>;

impl Store {
    /// Copies every table of this store, and the `extra` tables (which both stores must
    /// have), into `target`, which must hold no run yet. The target's IDs continue after the
    /// copied ones.
    pub fn migrate_to(&self, target: &Store, extra: &[&str]) -> Result<Copied> {
        let mut to = target.connect()?;
        let has_runs: bool = to
            .as_query()
            .value("SELECT EXISTS (SELECT 1 FROM runs)", &[])?;
        if has_runs {
            bail!(itam_runtime::error::config_error(format!(
                "{} already holds runs; migrate into a new, empty database",
                target.describe()
            )));
        }
        to.as_query().batch("BEGIN")?;
        let copied = (|| -> Result<Copied> {
            let mut copied = Copied::new();
            for table in TABLES.iter().chain(extra) {
                let rows = self
                    .copy_table(table, &mut *to)
                    .with_context(|| format!("copying {table}"))?;
                copied.push((table.to_string(), rows));
            }
            continue_ids(&mut *to)?;
            to.as_query().batch("COMMIT")?;
            Ok(copied)
        })();
        if copied.is_err() {
            let _ = to.as_query().batch("ROLLBACK");
        }
        copied
    }

    /// Copies `table` into the same table on `to`, in chunks; how many rows.
    fn copy_table(&self, table: &str, to: &mut dyn Connection) -> Result<u64> {
        let columns = Columns::of(to.as_query(), table)?;
        let names: Vec<String> = columns.key.into_iter().chain(columns.values).collect();
        let list = names.join(", ");
        let mut chunk = Staged {
            into: table.to_string(),
            columns: names,
            rows: Vec::with_capacity(CHUNK),
        };
        let mut copied = 0;
        self.read(|from| {
            from.for_each(&format!("SELECT {list} FROM {table}"), &[], &mut |row| {
                chunk.rows.push(row.values().to_vec());
                if chunk.rows.len() == CHUNK {
                    to.stage(&chunk)?;
                    copied += CHUNK as u64;
                    chunk.rows.clear();
                }
                Ok(())
            })
        })?;
        to.stage(&chunk)?;
        Ok(copied + chunk.rows.len() as u64)
    }
}

/// Sets the target's ID sequences past the copied IDs (PostgreSQL; SQLite's IDs follow the
/// largest one by themselves).
fn continue_ids(to: &mut dyn Connection) -> Result<()> {
    if to.as_query().dialect() == Dialect::Sqlite {
        return Ok(());
    }
    for table in ["runs", "changes", "outbox"] {
        to.as_query().batch(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                 COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        ))?;
    }
    Ok(())
}
