//! Before a run is published, its references must hang together.

use crate::query::Query;
use crate::values;
use anyhow::{Result, bail};

/// Before a run is published (see [`crate::staging`]): every staged assignment, membership and
/// group licence must point at an account or group the run sent (a run that does not hang
/// together is refused as a whole). Sign-in activity and device owners of accounts the run did
/// not send are dropped: a user created between two reads is not an error.
///
/// In an incremental run (`incremental`), an account or group the source already has counts
/// as sent.
pub(crate) fn check_references(q: &mut dyn Query, source: &str, incremental: bool) -> Result<()> {
    if incremental {
        return check_incremental(q, source);
    }
    let dangling = [
        (
            "assignments for accounts",
            "SELECT x.user_id FROM stage_assignments x
             WHERE NOT EXISTS (SELECT 1 FROM stage_accounts a WHERE a.id = x.user_id)",
        ),
        (
            "memberships of groups",
            "SELECT x.group_id FROM stage_memberships x
             WHERE NOT EXISTS (SELECT 1 FROM stage_groups g WHERE g.id = x.group_id)",
        ),
        (
            "group licences of groups",
            "SELECT x.group_id FROM stage_group_licenses x
             WHERE NOT EXISTS (SELECT 1 FROM stage_groups g WHERE g.id = x.group_id)",
        ),
    ];
    for (what, query) in dangling {
        let ids: Vec<String> = q.rows(&format!("{query} LIMIT 3"), &[], |r| r.get(0))?;
        if !ids.is_empty() {
            bail!(
                "the plugin sent {what} it never sent (e.g. {}); the run is refused as inconsistent",
                ids.join(", ")
            );
        }
    }
    for table in ["stage_sign_ins", "stage_device_owners"] {
        q.execute(
            &format!(
                "DELETE FROM {table} WHERE NOT EXISTS
                 (SELECT 1 FROM stage_accounts a WHERE a.id = {table}.account_id)"
            ),
            &[],
        )?;
    }
    Ok(())
}

/// [`check_references`] for an incremental run: references may point at what the source
/// already has, too.
fn check_incremental(q: &mut dyn Query, source: &str) -> Result<()> {
    let known_account = |column: &str| {
        format!(
            "EXISTS (SELECT 1 FROM stage_accounts a WHERE a.id = {column})
             OR EXISTS (SELECT 1 FROM accounts a WHERE a.source = ?1 AND a.id = {column})"
        )
    };
    let known_group = |column: &str| {
        format!(
            "EXISTS (SELECT 1 FROM stage_groups g WHERE g.id = {column})
             OR EXISTS (SELECT 1 FROM groups g WHERE g.source = ?1 AND g.id = {column})"
        )
    };
    let dangling = [
        (
            "assignments for accounts",
            format!(
                "SELECT x.user_id FROM stage_assignments x WHERE NOT ({})",
                known_account("x.user_id")
            ),
        ),
        (
            "memberships of groups",
            format!(
                "SELECT x.group_id FROM stage_memberships x WHERE NOT ({})",
                known_group("x.group_id")
            ),
        ),
        (
            "group licences of groups",
            format!(
                "SELECT x.group_id FROM stage_group_licenses x WHERE NOT ({})",
                known_group("x.group_id")
            ),
        ),
    ];
    for (what, query) in dangling {
        let ids: Vec<String> =
            q.rows(&format!("{query} LIMIT 3"), &values![source], |r| r.get(0))?;
        if !ids.is_empty() {
            bail!(
                "the plugin sent {what} that neither this run nor the snapshot has (e.g. {}); the run is refused as inconsistent",
                ids.join(", ")
            );
        }
    }
    for table in ["stage_sign_ins", "stage_device_owners"] {
        q.execute(
            &format!(
                "DELETE FROM {table} WHERE NOT ({})",
                known_account(&format!("{table}.account_id"))
            ),
            &values![source],
        )?;
    }
    Ok(())
}
