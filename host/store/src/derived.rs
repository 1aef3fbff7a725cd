//! Data the store derives from a run's entities when the run commits.

use rusqlite::Connection;

/// Resolves the members of every licence-assigning group of `source` through nested groups
/// into `licence_group_members`, replacing what an earlier run derived. Some directories apply
/// group licences to direct members only, so this shows who an admin may expect to be licensed
/// and who is reached only through nesting.
pub(super) fn resolve_licence_groups(conn: &Connection, source: &str) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM licence_group_members WHERE source = ?1",
        [source],
    )?;
    // UNION (not UNION ALL) drops rows already produced, so cycles of nested groups end.
    conn.execute(
        "INSERT OR IGNORE INTO licence_group_members (source, group_id, member_id, member_kind, via_group)
         WITH RECURSIVE closure (root, member_id, member_kind, via) AS (
             SELECT m.group_id, m.member_id, m.member_kind, NULL
             FROM memberships m
             WHERE m.source = ?1
               AND m.group_id IN (SELECT group_id FROM group_licenses WHERE source = ?1)
             UNION
             SELECT c.root, m.member_id, m.member_kind, COALESCE(c.via, c.member_id)
             FROM closure c
             JOIN memberships m ON m.source = ?1 AND m.group_id = c.member_id
             WHERE c.member_kind = 'group'
         )
         SELECT ?1, root, member_id, member_kind, via FROM closure",
        [source],
    )?;
    Ok(())
}
