//! Data the store derives from a run's entities when the run commits: the members of every
//! licence-assigning group, nested groups resolved, in `licence_group_members`. Some
//! directories apply group licences to direct members only, so this shows who an admin may
//! expect to be licensed and who is reached only through nesting.
//!
//! While a run publishes, triggers ([`super::watch`]) note every member whose memberships it writes. If the
//! nesting of groups and the groups' licences stay as they were, only those members' rows are
//! derived again; otherwise every row is, and only the differences are written.

use super::apply::Written;
use super::watch::{self, Trigger};
use crate::query::Query;
use crate::values;
use anyhow::Result;

/// Above this many members with changed memberships, deriving every row is cheaper.
const SCOPED_LIMIT: i64 = 10_000;

/// The watch that notes moved members.
pub(crate) const WATCH: &str = "moved";

/// The triggers that note moved members: a member that is a group changes the nesting; any
/// other member is noted once.
pub(crate) fn triggers() -> Vec<Trigger> {
    let note = |row: &str| {
        format!(
            "INSERT INTO moved_members SELECT {row}.member_id, {row}.member_kind
                 WHERE {row}.member_kind <> 'group' AND NOT EXISTS
                     (SELECT 1 FROM moved_members WHERE member_id = {row}.member_id);
             INSERT INTO moved_nesting SELECT {row}.group_id, {row}.member_id
                 WHERE {row}.member_kind = 'group';"
        )
    };
    [
        ("inserted", "AFTER INSERT", "new"),
        ("updated_from", "BEFORE UPDATE", "old"),
        ("updated_to", "AFTER UPDATE", "new"),
        ("deleted", "BEFORE DELETE", "old"),
    ]
    .into_iter()
    .map(|(name, when, row)| Trigger {
        name,
        when,
        table: "memberships",
        condition: "TRUE".to_string(),
        body: note(row),
    })
    .collect()
}

/// Starts noting the members whose memberships the run writes (see the module), and notes
/// which groups the licence-assigning groups of `source` reach before it.
pub(crate) fn watch_memberships(q: &mut dyn Query, source: &str) -> Result<()> {
    reach(q, source, "reach_before")?;
    let keyed = q.dialect().keyed_table();
    q.batch(&format!(
        "CREATE TEMP TABLE IF NOT EXISTS moved_members (
             member_id TEXT PRIMARY KEY, member_kind TEXT NOT NULL
         ){keyed};
         CREATE TEMP TABLE IF NOT EXISTS moved_nesting (group_id TEXT, member_id TEXT);
         DELETE FROM moved_members;
         DELETE FROM moved_nesting;"
    ))?;
    watch::install(q, WATCH, &triggers())?;
    watch::start(q, WATCH)
}

/// Stops noting moved members.
pub(crate) fn stop_watching(q: &mut dyn Query) -> Result<()> {
    watch::stop(q, WATCH)
}

/// Brings `licence_group_members` of `source` up to date with what the run `written`;
/// `watched` says whether [`watch_memberships`] noted the moved members.
pub(crate) fn resolve_licence_groups(
    q: &mut dyn Query,
    source: &str,
    written: &Written,
    watched: bool,
) -> Result<()> {
    if !written.contains("memberships") && !written.contains("group_licenses") {
        return Ok(());
    }
    reach(q, source, "reach")?;
    // Only the moved members' rows can differ if no licence changed on a group and no group
    // joined or left a group that a licence-assigning group reaches, now or before.
    let scoped = watched
        && !written.contains("group_licenses")
        && q.value::<bool>(
            "SELECT (SELECT COUNT(*) FROM moved_members) <= ?1
                AND NOT EXISTS (SELECT 1 FROM moved_nesting n
                    WHERE n.group_id IN (SELECT group_id FROM reach)
                       OR n.group_id IN (SELECT group_id FROM reach_before))",
            &values![SCOPED_LIMIT],
        )?;
    tracing::debug!(source, scoped, "resolving the licence groups' members");
    if scoped {
        resolve_moved(q, source)
    } else {
        resolve_all(q, source)
    }
}

/// Fills the TEMP table `<into>` with every group whose members belong to a licence-assigning group
/// `root`: the root itself (`via` NULL) and the groups nested in it, with `via` the root's
/// direct member through which they are reached.
fn reach(q: &mut dyn Query, source: &str, into: &str) -> Result<()> {
    let index = q.dialect().temp_index(&format!("{into}_by_group"));
    q.batch(&format!(
        "CREATE TEMP TABLE IF NOT EXISTS {into} (root TEXT, group_id TEXT, via TEXT);
         CREATE INDEX IF NOT EXISTS {index} ON {into} (group_id);
         DELETE FROM {into};"
    ))?;
    // UNION (not UNION ALL) drops rows already produced, so cycles of nested groups end.
    q.execute(
        &format!(
            "INSERT INTO {into}
             WITH RECURSIVE r (root, group_id, via) AS (
                 SELECT DISTINCT group_id, group_id, CAST(NULL AS TEXT) FROM group_licenses WHERE source = ?1
                 UNION
                 SELECT r.root, m.member_id, COALESCE(r.via, m.member_id)
                 FROM r JOIN memberships m ON m.source = ?1 AND m.group_id = r.group_id
                 WHERE m.member_kind = 'group'
             )
             SELECT root, group_id, via FROM r"
        ),
        &values![source],
    )?;
    Ok(())
}

/// Derives again only the rows of the moved members (the reach of every root is unchanged).
fn resolve_moved(q: &mut dyn Query, source: &str) -> Result<()> {
    let d = q.dialect();
    q.execute(
        "DELETE FROM licence_group_members
         WHERE source = ?1 AND group_id IN (SELECT root FROM reach)
           AND member_id IN (SELECT member_id FROM moved_members)",
        &values![source],
    )?;
    q.execute(
        &format!(
            "INSERT INTO licence_group_members (source, group_id, member_id, member_kind, via_group)
             SELECT DISTINCT CAST(?1 AS TEXT), r.root, m.member_id, m.member_kind, r.via
             FROM moved_members t
             {} memberships m{}
                 ON m.source = ?1 AND m.member_id = t.member_id
             JOIN reach r ON r.group_id = m.group_id",
            d.join_in_order(),
            d.indexed_by("memberships_by_member")
        ),
        &values![source],
    )?;
    Ok(())
}

/// Derives every row, and writes only those that differ from what an earlier run derived.
fn resolve_all(q: &mut dyn Query, source: &str) -> Result<()> {
    // (Indexed, not keyed: a direct member's via_group is NULL.)
    let index = q.dialect().temp_index("resolved_members_by_member");
    q.batch(&format!(
        "CREATE TEMP TABLE IF NOT EXISTS resolved_members (
             group_id TEXT, member_id TEXT, member_kind TEXT, via_group TEXT
         );
         CREATE INDEX IF NOT EXISTS {index}
             ON resolved_members (group_id, member_id, member_kind);
         DELETE FROM resolved_members;"
    ))?;
    q.execute(
        "INSERT INTO resolved_members
         SELECT DISTINCT r.root, m.member_id, m.member_kind, r.via
         FROM reach r JOIN memberships m ON m.source = ?1 AND m.group_id = r.group_id",
        &values![source],
    )?;
    q.execute(
        "DELETE FROM licence_group_members AS l WHERE l.source = ?1
         AND NOT EXISTS (SELECT 1 FROM resolved_members r
             WHERE r.group_id = l.group_id AND r.member_id = l.member_id
               AND r.member_kind = l.member_kind
               AND r.via_group IS NOT DISTINCT FROM l.via_group)",
        &values![source],
    )?;
    q.execute(
        "INSERT INTO licence_group_members (source, group_id, member_id, member_kind, via_group)
         SELECT CAST(?1 AS TEXT), r.group_id, r.member_id, r.member_kind, r.via_group
         FROM resolved_members r
         WHERE NOT EXISTS (SELECT 1 FROM licence_group_members l
             WHERE l.source = ?1 AND l.group_id = r.group_id AND l.member_id = r.member_id
               AND l.member_kind = r.member_kind
               AND l.via_group IS NOT DISTINCT FROM r.via_group)",
        &values![source],
    )?;
    q.execute("DELETE FROM resolved_members", &[])?;
    Ok(())
}
