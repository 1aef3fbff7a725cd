//! Publishing a run table by table, each as the run read its kind: a kind read in full
//! replaces the source's rows; a kind read as changes is applied to them (upserts and
//! removals, with what hangs on a removed entity); a kind not read keeps them.
//!
//! In a changes run an entity comes with everything that belongs to it (an account with its
//! assignments, a group with its licences, a device with its owners), so those rows are
//! replaced per entity the run sent or removed. Memberships are their own entities: the run
//! sends the ones added and removes the ones gone.

use super::staging::{OnDuplicate, STAGED, primary_key};
use anyhow::{Result, bail};
use itam_runtime::contract::types::{Coverage, EntityKind, Outcome};
use rusqlite::Connection;

/// How one snapshot table is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Publish {
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
pub(super) fn plan(outcome: &Outcome) -> Vec<(&'static str, Publish)> {
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
pub(super) fn mode(plan: &[(&str, Publish)], table: &str) -> Publish {
    plan.iter()
        .find(|(t, _)| *t == table)
        .map_or(Publish::Replace, |(_, p)| *p)
}

/// Refuses a run whose removals or staged rows contradict how it says it read each kind.
pub(super) fn check(conn: &Connection, plan: &[(&str, Publish)]) -> Result<()> {
    for (kind, table) in [
        ("account", "accounts"),
        ("group", "groups"),
        ("device", "devices"),
        ("membership", "memberships"),
    ] {
        if mode(plan, table) == Publish::Apply {
            continue;
        }
        let removed: i64 = conn.query_row(
            "SELECT COUNT(*) FROM temp.stage_removals WHERE kind = ?1",
            [kind],
            |r| r.get(0),
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
        let staged: bool = conn.query_row(
            &format!("SELECT EXISTS (SELECT 1 FROM temp.stage_{table})"),
            [],
            |r| r.get(0),
        )?;
        if staged {
            bail!(
                "the plugin sent {table} but reported that it did not read them; the run is refused as inconsistent"
            );
        }
    }
    Ok(())
}

/// The IDs of the accounts the run sent as soft-deleted, as a subquery.
const SOFT_DELETED: &str =
    "(SELECT id FROM temp.stage_accounts WHERE deleted_date_time IS NOT NULL)";

/// The IDs of removed entities of `kind`, as a subquery.
fn removed(kind: &str) -> String {
    format!("(SELECT id FROM temp.stage_removals WHERE kind = '{kind}')")
}

/// In a run that applies changes, an entity kind read in full removes, implicitly, every
/// entity of the kind it did not send: they are named as removals, so that what hangs on them
/// in kinds read as changes (a purged account's memberships, say) goes too.
fn implied_removals(
    conn: &Connection,
    source: &str,
    plan: &[(&str, Publish)],
) -> rusqlite::Result<()> {
    for (kind, table) in [
        ("account", "accounts"),
        ("group", "groups"),
        ("device", "devices"),
    ] {
        if mode(plan, table) != Publish::Replace {
            continue;
        }
        conn.execute(
            &format!(
                "INSERT INTO temp.stage_removals (kind, id, member_id, after)
                 SELECT '{kind}', id, NULL, 0 FROM main.{table} m
                 WHERE m.source = ?1
                   AND NOT EXISTS (SELECT 1 FROM temp.stage_{table} s WHERE s.id = m.id)"
            ),
            [source],
        )?;
    }
    Ok(())
}

/// Drops staged rows that a later removal cancels: everything sent for an entity that is gone,
/// and memberships sent before their removal.
fn cancel_staged(conn: &Connection) -> rusqlite::Result<()> {
    let (account, group, device) = (removed("account"), removed("group"), removed("device"));
    conn.execute_batch(&format!(
        "DELETE FROM temp.stage_accounts WHERE id IN {account};
         DELETE FROM temp.stage_assignments WHERE user_id IN {account};
         DELETE FROM temp.stage_sign_ins WHERE account_id IN {account};
         DELETE FROM temp.stage_device_owners WHERE account_id IN {account} OR device_id IN {device};
         DELETE FROM temp.stage_groups WHERE id IN {group};
         DELETE FROM temp.stage_group_licenses WHERE group_id IN {group};
         DELETE FROM temp.stage_devices WHERE id IN {device};
         DELETE FROM temp.stage_memberships
             WHERE group_id IN {group} OR member_id IN {group}
                OR member_id IN {account} OR member_id IN {device}
                OR member_id IN {SOFT_DELETED};
         DELETE FROM temp.stage_memberships WHERE rowid IN (
             SELECT m.rowid FROM temp.stage_removals r
             JOIN temp.stage_memberships m ON m.group_id = r.id AND m.member_id = r.member_id
             WHERE r.kind = 'membership' AND m.rowid <= r.after);"
    ))
}

/// Deletes from `source`'s rows what the run removed, what hangs on it, and the rows of the
/// entities whose parts the run sent again.
fn delete_applied(
    conn: &Connection,
    source: &str,
    plan: &[(&str, Publish)],
) -> rusqlite::Result<()> {
    let (account, group, device) = (removed("account"), removed("group"), removed("device"));
    let mut statements = vec![
        format!("DELETE FROM main.accounts WHERE source = ?1 AND id IN {account}"),
        format!("DELETE FROM main.sign_ins WHERE source = ?1 AND account_id IN {account}"),
        format!("DELETE FROM main.device_owners WHERE source = ?1 AND account_id IN {account}"),
        format!("DELETE FROM main.device_owners WHERE source = ?1 AND device_id IN {device}"),
        format!("DELETE FROM main.groups WHERE source = ?1 AND id IN {group}"),
        format!("DELETE FROM main.group_licenses WHERE source = ?1 AND group_id IN {group}"),
        format!("DELETE FROM main.devices WHERE source = ?1 AND id IN {device}"),
        format!("DELETE FROM main.memberships WHERE source = ?1 AND group_id IN {group}"),
        "DELETE FROM main.memberships WHERE source = ?1 AND member_id IN
             (SELECT id FROM temp.stage_removals WHERE kind IN ('group', 'account', 'device'))"
            .to_string(),
        "DELETE FROM main.memberships WHERE source = ?1 AND (group_id, member_id) IN
             (SELECT id, member_id FROM temp.stage_removals WHERE kind = 'membership')"
            .to_string(),
        format!("DELETE FROM main.assignments WHERE source = ?1 AND user_id IN {account}"),
    ];
    // A soft-deleted account is no member of any group: directories list only live members
    // (and change tracking reports the membership gone only when the account is purged).
    if mode(plan, "memberships") == Publish::Apply {
        statements.push(format!(
            "DELETE FROM main.memberships WHERE source = ?1 AND member_id IN {SOFT_DELETED}"
        ));
    }
    // An entity sent again comes with all of its parts: its old parts go.
    if mode(plan, "assignments") == Publish::Apply {
        statements.push(
            "DELETE FROM main.assignments WHERE source = ?1
             AND user_id IN (SELECT id FROM temp.stage_accounts)"
                .into(),
        );
    }
    if mode(plan, "group_licenses") == Publish::Apply {
        statements.push(
            "DELETE FROM main.group_licenses WHERE source = ?1
             AND group_id IN (SELECT id FROM temp.stage_groups)"
                .into(),
        );
    }
    if mode(plan, "device_owners") == Publish::Apply {
        statements.push(
            "DELETE FROM main.device_owners WHERE source = ?1
             AND device_id IN (SELECT id FROM temp.stage_devices)"
                .into(),
        );
    }
    for sql in statements {
        conn.execute(&sql, [source])?;
    }
    Ok(())
}

/// Publishes the staged run into `source`'s snapshot as `plan` says, and empties the staging
/// tables.
pub(super) fn publish(
    conn: &Connection,
    source: &str,
    plan: &[(&str, Publish)],
) -> rusqlite::Result<()> {
    let applies = plan.iter().any(|(_, p)| *p == Publish::Apply);
    if applies {
        // Lookups by ID into the staged rows and the removals, while they are applied.
        conn.execute_batch(
            "CREATE INDEX IF NOT EXISTS temp.stage_devices_by_id ON stage_devices (id);
             CREATE INDEX IF NOT EXISTS temp.stage_removals_by_key
                 ON stage_removals (kind, id, member_id);",
        )?;
        implied_removals(conn, source, plan)?;
        cancel_staged(conn)?;
        delete_applied(conn, source, plan)?;
    }
    conn.execute_batch(
        "DROP INDEX IF EXISTS temp.stage_accounts_by_id;
         DROP INDEX IF EXISTS temp.stage_groups_by_id;
         DROP INDEX IF EXISTS temp.stage_devices_by_id;
         DROP INDEX IF EXISTS temp.stage_removals_by_key;",
    )?;
    for (table, on_duplicate) in STAGED {
        let publish = mode(plan, table);
        if publish == Publish::Keep {
            continue;
        }
        let key = primary_key(conn, table)?;
        let verb = match on_duplicate {
            OnDuplicate::Replace => "INSERT OR REPLACE",
            OnDuplicate::Ignore => "INSERT OR IGNORE",
        };
        if publish == Publish::Replace {
            conn.execute(
                &format!("DELETE FROM main.{table} WHERE source = ?1"),
                [source],
            )?;
        }
        // Within one key, rows go in the order they were staged, so the later one replaces.
        conn.execute_batch(&format!(
            "{verb} INTO main.{table} SELECT * FROM temp.stage_{table} ORDER BY {key}, rowid;
             DELETE FROM temp.stage_{table};"
        ))?;
    }
    conn.execute_batch("DELETE FROM temp.stage_removals;")
}
