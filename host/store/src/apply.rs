//! Publishing a run table by table, each as the run read its kind: a kind read in full
//! replaces the source's rows; a kind read as changes is applied to them (upserts and
//! removals, with what hangs on a removed entity); a kind not read keeps them.
//!
//! In a changes run an entity comes with everything that belongs to it (an account with its
//! assignments, a group with its licences, a device with its owners), so those rows are
//! replaced per entity the run sent or removed. Memberships are their own entities: the run
//! sends the ones added and removes the ones gone.

use super::staging::{Columns, OnDuplicate, STAGED};
use crate::query::{Dialect, Query};
use crate::values;
use anyhow::{Result, bail};
use itam_runtime::contract::types::{Coverage, EntityKind, Outcome};
use std::collections::BTreeSet;

/// How one snapshot table is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Publish {
    /// The staged rows replace the source's rows.
    Replace,
    /// The staged rows and removals are applied to the source's rows.
    Apply,
    /// The source's rows stay as they are.
    Keep,
}

/// The entity kind whose coverage decides how `table` is published.
fn kind_of(table: &str) -> EntityKind {
    match table {
        "accounts" => EntityKind::Account,
        "assignments" => EntityKind::Assignment,
        "groups" => EntityKind::Group,
        "group_licenses" => EntityKind::GroupLicense,
        "memberships" => EntityKind::Membership,
        "products" => EntityKind::Product,
        "subscriptions" => EntityKind::Subscription,
        "devices" | "device_owners" => EntityKind::Device,
        "sign_ins" => EntityKind::SignInActivity,
        other => unreachable!("no entity kind for the table {other}"),
    }
}

/// How each staged table is published, from the run's outcome.
pub(crate) fn plan(outcome: &Outcome) -> Vec<(&'static str, Publish)> {
    STAGED
        .iter()
        .map(|(table, _)| {
            let publish = match outcome.coverage_of(kind_of(table)) {
                Coverage::Full => Publish::Replace,
                Coverage::Changes => Publish::Apply,
                Coverage::Kept => Publish::Keep,
            };
            (*table, publish)
        })
        .collect()
}

/// How `table` is published under `plan`.
pub(crate) fn mode(plan: &[(&str, Publish)], table: &str) -> Publish {
    plan.iter()
        .find(|(t, _)| *t == table)
        .map_or(Publish::Replace, |(_, p)| *p)
}

/// Refuses a run whose removals or staged rows contradict how it says it read each kind.
pub(crate) fn check(q: &mut dyn Query, plan: &[(&str, Publish)]) -> Result<()> {
    for (kind, table) in [
        ("account", "accounts"),
        ("group", "groups"),
        ("device", "devices"),
        ("membership", "memberships"),
    ] {
        if mode(plan, table) == Publish::Apply {
            continue;
        }
        let removed: i64 = q.value(
            "SELECT COUNT(*) FROM stage_removals WHERE kind = ?1",
            &values![kind],
        )?;
        if removed > 0 {
            bail!(
                "the plugin removed {removed} {kind}(s) but reported that it read {table} {}; the run is refused as inconsistent",
                if mode(plan, table) == Publish::Keep {
                    "not at all"
                } else {
                    "in full"
                }
            );
        }
    }
    for (table, publish) in plan {
        if *publish != Publish::Keep {
            continue;
        }
        let staged: bool = q.value(&format!("SELECT EXISTS (SELECT 1 FROM stage_{table})"), &[])?;
        if staged {
            bail!(
                "the plugin sent {table} but reported that it did not read them; the run is refused as inconsistent"
            );
        }
    }
    Ok(())
}

/// The IDs of the accounts the run sent as soft-deleted, as a subquery.
const SOFT_DELETED: &str = "(SELECT id FROM stage_accounts WHERE deleted_date_time IS NOT NULL)";

/// The IDs of removed entities of `kind`, as a subquery.
fn removed(kind: &str) -> String {
    format!("(SELECT id FROM stage_removals WHERE kind = '{kind}')")
}

/// In a run that applies changes, an entity kind read in full removes, implicitly, every
/// entity of the kind it did not send: they are named as removals, so that what hangs on them
/// in kinds read as changes (a purged account's memberships, say) goes too.
fn implied_removals(q: &mut dyn Query, source: &str, plan: &[(&str, Publish)]) -> Result<()> {
    for (kind, table) in [
        ("account", "accounts"),
        ("group", "groups"),
        ("device", "devices"),
    ] {
        if mode(plan, table) != Publish::Replace {
            continue;
        }
        q.execute(
            &format!(
                "INSERT INTO stage_removals (kind, id, member_id, after)
                 SELECT '{kind}', id, NULL, 0 FROM {table} m
                 WHERE m.source = ?1
                   AND NOT EXISTS (SELECT 1 FROM stage_{table} s WHERE s.id = m.id)"
            ),
            &values![source],
        )?;
    }
    Ok(())
}

/// Drops staged rows that a later removal cancels: everything sent for an entity that is gone,
/// and memberships sent before their removal.
fn cancel_staged(q: &mut dyn Query) -> Result<()> {
    let (account, group, device) = (removed("account"), removed("group"), removed("device"));
    let order = q.dialect().order_column();
    q.batch(&format!(
        "DELETE FROM stage_accounts WHERE id IN {account};
         DELETE FROM stage_assignments WHERE user_id IN {account};
         DELETE FROM stage_sign_ins WHERE account_id IN {account};
         DELETE FROM stage_device_owners WHERE account_id IN {account} OR device_id IN {device};
         DELETE FROM stage_groups WHERE id IN {group};
         DELETE FROM stage_group_licenses WHERE group_id IN {group};
         DELETE FROM stage_devices WHERE id IN {device};
         DELETE FROM stage_memberships
             WHERE group_id IN {group} OR member_id IN {group}
                OR member_id IN {account} OR member_id IN {device}
                OR member_id IN {SOFT_DELETED};
         DELETE FROM stage_memberships WHERE {order} IN (
             SELECT m.{order} FROM stage_removals r
             JOIN stage_memberships m ON m.group_id = r.id AND m.member_id = r.member_id
             WHERE r.kind = 'membership' AND m.{order} <= r.after);"
    ))
}

/// Deletes from `source`'s rows what the run removed, what hangs on it, and the rows of the
/// entities whose parts the run sent again.
fn delete_applied(
    q: &mut dyn Query,
    source: &str,
    plan: &[(&str, Publish)],
    written: &mut Written,
) -> Result<()> {
    let (account, group, device) = (removed("account"), removed("group"), removed("device"));
    let d = q.dialect();
    let by_member = d.indexed_by("memberships_by_member");
    let by_account = d.indexed_by("device_owners_by_account");
    // Deletions by member or owner name their index: without statistics, SQLite prefers to
    // scan the source's rows through the primary key with a Bloom filter, which at 100k users
    // takes tens of milliseconds per statement instead of one.
    let mut statements = vec![
        format!("DELETE FROM accounts WHERE source = ?1 AND id IN {account}"),
        format!("DELETE FROM sign_ins WHERE source = ?1 AND account_id IN {account}"),
        format!(
            "DELETE FROM device_owners{by_account} WHERE source = ?1 AND account_id IN {account}"
        ),
        format!("DELETE FROM device_owners WHERE source = ?1 AND device_id IN {device}"),
        format!("DELETE FROM groups WHERE source = ?1 AND id IN {group}"),
        format!("DELETE FROM group_licenses WHERE source = ?1 AND group_id IN {group}"),
        format!("DELETE FROM devices WHERE source = ?1 AND id IN {device}"),
        format!("DELETE FROM memberships WHERE source = ?1 AND group_id IN {group}"),
        format!(
            "DELETE FROM memberships{by_member} WHERE source = ?1 AND member_id IN
             (SELECT id FROM stage_removals WHERE kind IN ('group', 'account', 'device'))"
        ),
        "DELETE FROM memberships WHERE source = ?1 AND (group_id, member_id) IN
             (SELECT id, member_id FROM stage_removals WHERE kind = 'membership')"
            .to_string(),
        format!("DELETE FROM assignments WHERE source = ?1 AND user_id IN {account}"),
    ];
    // A soft-deleted account is no member of any group: directories list only live members
    // (and change tracking reports the membership gone only when the account is purged).
    if mode(plan, "memberships") == Publish::Apply {
        statements.push(format!(
            "DELETE FROM memberships{by_member} WHERE source = ?1 AND member_id IN {SOFT_DELETED}"
        ));
    }
    // An entity sent again comes with all of its parts: its old parts that it did not send
    // again go (the staged parts are indexed by key, see `publish`).
    for (table, entities, owner) in PARTS {
        if mode(plan, table) == Publish::Apply {
            let columns = Columns::of(q, table)?;
            statements.push(format!(
                "DELETE FROM {table} AS t WHERE t.source = ?1
                 AND t.{owner} IN (SELECT id FROM stage_{entities})
                 AND NOT EXISTS (SELECT 1 FROM stage_{table} s WHERE {})",
                same_key(&columns)
            ));
        }
    }
    for sql in statements {
        if q.execute(&sql, &values![source])? > 0 {
            written.insert(table_of(&sql));
        }
    }
    Ok(())
}

/// The tables of an entity's parts: each with the entities' table and the column naming the
/// entity a part belongs to.
const PARTS: [(&str, &str, &str); 3] = [
    ("assignments", "accounts", "user_id"),
    ("group_licenses", "groups", "group_id"),
    ("device_owners", "devices", "device_id"),
];

/// The condition that a staged row `s` has the key of a snapshot row `t`.
fn same_key(columns: &Columns) -> String {
    columns
        .key
        .iter()
        .map(|c| format!("s.{c} = t.{c}"))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// Indexes the staged rows of `table` by key: to find the rows the run did not send again,
/// and in the order the upsert wants them.
fn index_by_key(q: &mut dyn Query, table: &str, columns: &Columns) -> Result<()> {
    let index = q.dialect().temp_index(&format!("stage_{table}_by_key"));
    q.batch(&format!(
        "CREATE INDEX IF NOT EXISTS {index} ON stage_{table} ({})",
        columns.key_list()
    ))
}

/// The snapshot table a `DELETE FROM <table>` statement deletes from.
fn table_of(sql: &str) -> &'static str {
    let table = sql
        .strip_prefix("DELETE FROM ")
        .and_then(|rest| rest.split_whitespace().next());
    STAGED
        .iter()
        .map(|(t, _)| *t)
        .find(|t| Some(*t) == table)
        .unwrap_or_else(|| unreachable!("not a delete from a snapshot table: {sql}"))
}

/// The snapshot tables a publish wrote to (inserted, updated or deleted rows of).
pub(crate) type Written = BTreeSet<&'static str>;

/// Publishes the staged run into `source`'s snapshot as `plan` says, empties the staging
/// tables, and says which tables it wrote to.
///
/// Only what differs is written: a row the run sent again unchanged stays untouched, and a
/// table read in full loses only the rows the run did not send. A re-read of an unchanged
/// tenant thus writes almost nothing.
pub(crate) fn publish(
    q: &mut dyn Query,
    source: &str,
    plan: &[(&str, Publish)],
) -> Result<Written> {
    let d = q.dialect();
    let mut written = Written::new();
    let applies = plan.iter().any(|(_, p)| *p == Publish::Apply);
    if applies {
        // Lookups by ID into the staged rows and the removals, while they are applied.
        q.batch(&format!(
            "CREATE INDEX IF NOT EXISTS {} ON stage_devices (id);
             CREATE INDEX IF NOT EXISTS {} ON stage_removals (kind, id, member_id);",
            d.temp_index("stage_devices_by_id"),
            d.temp_index("stage_removals_by_key")
        ))?;
        implied_removals(q, source, plan)?;
        cancel_staged(q)?;
        for (table, _, _) in PARTS {
            if mode(plan, table) == Publish::Apply {
                let columns = Columns::of(q, table)?;
                index_by_key(q, table, &columns)?;
            }
        }
        delete_applied(q, source, plan, &mut written)?;
    }
    let drop: Vec<String> = [
        "stage_accounts_by_id",
        "stage_groups_by_id",
        "stage_devices_by_id",
        "stage_removals_by_key",
    ]
    .iter()
    .map(|index| format!("DROP INDEX IF EXISTS {};", d.drop_temp_index(index)))
    .collect();
    q.batch(&drop.concat())?;
    for (table, on_duplicate) in STAGED {
        let publish = mode(plan, table);
        if publish == Publish::Keep {
            continue;
        }
        let columns = Columns::of(q, table)?;
        let mut changed = 0;
        if publish == Publish::Replace && has_rows(q, source, table)? {
            index_by_key(q, table, &columns)?;
            changed += delete_unsent(q, source, table, &columns)?;
        }
        changed += q.execute(&upsert(d, table, &columns, on_duplicate), &[])?;
        q.batch(&format!(
            "DROP INDEX IF EXISTS {}; DELETE FROM stage_{table};",
            d.drop_temp_index(&format!("stage_{table}_by_key"))
        ))?;
        if changed > 0 {
            written.insert(table);
        }
    }
    q.batch("DELETE FROM stage_removals;")?;
    Ok(written)
}

/// Whether `source` has rows in `table`.
fn has_rows(q: &mut dyn Query, source: &str, table: &str) -> Result<bool> {
    q.value(
        &format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE source = ?1)"),
        &values![source],
    )
}

/// Deletes the rows of `source` in `table` whose key the run did not send (the table is read
/// in full), and says how many. The staged rows are indexed by key.
fn delete_unsent(q: &mut dyn Query, source: &str, table: &str, columns: &Columns) -> Result<u64> {
    q.execute(
        &format!(
            "DELETE FROM {table} AS t WHERE t.source = ?1
             AND NOT EXISTS (SELECT 1 FROM stage_{table} s WHERE {})",
            same_key(columns)
        ),
        &values![source],
    )
}

/// The statement that moves the staged rows of `table` into the snapshot: new keys are
/// inserted, and a key already there is updated only if a value differs (or, for a table whose
/// first row of a key wins, left alone). Within one key, rows go in the order they were
/// staged, so the later one is the one that stays (PostgreSQL, which updates a row at most once
/// per statement, is handed only the row of each key that stays).
fn upsert(d: Dialect, table: &str, columns: &Columns, on_duplicate: &OnDuplicate) -> String {
    let key = columns.key_list();
    let all = columns
        .key
        .iter()
        .chain(&columns.values)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    let action = match on_duplicate {
        OnDuplicate::Replace if !columns.values.is_empty() => {
            let list = |prefix: &str| {
                columns
                    .values
                    .iter()
                    .map(|c| format!("{prefix}.{c}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let set = columns
                .values
                .iter()
                .map(|c| format!("{c} = excluded.{c}"))
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "UPDATE SET {set} WHERE ({}) IS DISTINCT FROM ({})",
                list(table),
                list("excluded")
            )
        }
        _ => "NOTHING".to_string(),
    };
    let rows = match (d, on_duplicate) {
        // `WHERE true` keeps `ON CONFLICT` from being read as a join constraint.
        (Dialect::Sqlite, _) => {
            format!("SELECT {all} FROM stage_{table} WHERE true ORDER BY {key}, rowid")
        }
        (Dialect::Postgres, OnDuplicate::Replace) => {
            format!("SELECT DISTINCT ON ({key}) {all} FROM stage_{table} ORDER BY {key}, seq DESC")
        }
        (Dialect::Postgres, OnDuplicate::Ignore) => {
            format!("SELECT DISTINCT ON ({key}) {all} FROM stage_{table} ORDER BY {key}, seq")
        }
    };
    format!("INSERT INTO {table} ({all}) {rows} ON CONFLICT ({key}) DO {action}")
}
