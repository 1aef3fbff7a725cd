//! Data the store derives from a run's entities when the run commits: the members of every
//! licence-assigning group, nested groups resolved, in `licence_group_members`. Some
//! directories apply group licences to direct members only, so this shows who an admin may
//! expect to be licensed and who is reached only through nesting.
//!
//! While a run publishes, TEMP triggers note every member whose memberships it writes. If the
//! nesting of groups and the groups' licences stay as they were, only those members' rows are
//! derived again; otherwise every row is, and only the differences are written.

use super::apply::Written;
use super::watch;
use rusqlite::Connection;

/// Above this many members with changed memberships, deriving every row is cheaper.
const SCOPED_LIMIT: i64 = 10_000;

/// The watch that notes moved members.
const WATCH: &str = "moved";

/// Starts noting the members whose memberships the run writes (see the module), and notes
/// which groups the licence-assigning groups of `source` reach before it.
pub(crate) fn watch_memberships(conn: &Connection, source: &str) -> rusqlite::Result<()> {
    reach(conn, source, "reach_before")?;
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS moved_members (
             member_id TEXT PRIMARY KEY, member_kind TEXT NOT NULL
         ) WITHOUT ROWID;
         CREATE TEMP TABLE IF NOT EXISTS moved_nesting (group_id TEXT, member_id TEXT);
         DELETE FROM temp.moved_members;
         DELETE FROM temp.moved_nesting;",
    )?;
    // A member that is a group changes the nesting; any other member is noted once.
    let note = |row: &str| {
        format!(
            "INSERT INTO moved_members SELECT {row}.member_id, {row}.member_kind
                 WHERE {row}.member_kind <> 'group' AND NOT EXISTS
                     (SELECT 1 FROM temp.moved_members WHERE member_id = {row}.member_id);
             INSERT INTO moved_nesting SELECT {row}.group_id, {row}.member_id
                 WHERE {row}.member_kind = 'group';"
        )
    };
    let (old, new) = (note("old"), note("new"));
    let triggers = [
        ("inserted", "AFTER INSERT", &new),
        ("updated_from", "BEFORE UPDATE", &old),
        ("updated_to", "AFTER UPDATE", &new),
        ("deleted", "BEFORE DELETE", &old),
    ]
    .map(|(name, when, body)| watch::Trigger {
        name,
        when,
        table: "memberships",
        condition: "1",
        body,
    });
    watch::install(conn, WATCH, &triggers)?;
    watch::start(conn, WATCH)
}

/// Stops noting moved members.
pub(crate) fn stop_watching(conn: &Connection) -> rusqlite::Result<()> {
    watch::stop(conn, WATCH)
}

/// Brings `licence_group_members` of `source` up to date with what the run `written`;
/// `watched` says whether [`watch_memberships`] noted the moved members.
pub(crate) fn resolve_licence_groups(
    conn: &Connection,
    source: &str,
    written: &Written,
    watched: bool,
) -> rusqlite::Result<()> {
    if !written.contains("memberships") && !written.contains("group_licenses") {
        return Ok(());
    }
    reach(conn, source, "reach")?;
    // Only the moved members' rows can differ if no licence changed on a group and no group
    // joined or left a group that a licence-assigning group reaches, now or before.
    let scoped = watched
        && !written.contains("group_licenses")
        && conn.query_row(
            "SELECT (SELECT COUNT(*) FROM temp.moved_members) <= ?1
                AND NOT EXISTS (SELECT 1 FROM temp.moved_nesting n
                    WHERE n.group_id IN (SELECT group_id FROM temp.reach)
                       OR n.group_id IN (SELECT group_id FROM temp.reach_before))",
            [SCOPED_LIMIT],
            |r| r.get::<_, bool>(0),
        )?;
    tracing::debug!(source, scoped, "resolving the licence groups' members");
    if scoped {
        resolve_moved(conn, source)
    } else {
        resolve_all(conn, source)
    }
}

/// Fills `temp.<into>` with every group whose members belong to a licence-assigning group
/// `root`: the root itself (`via` NULL) and the groups nested in it, with `via` the root's
/// direct member through which they are reached.
fn reach(conn: &Connection, source: &str, into: &str) -> rusqlite::Result<()> {
    conn.execute_batch(&format!(
        "CREATE TEMP TABLE IF NOT EXISTS {into} (root TEXT, group_id TEXT, via TEXT);
         CREATE INDEX IF NOT EXISTS temp.{into}_by_group ON {into} (group_id);
         DELETE FROM temp.{into};"
    ))?;
    // UNION (not UNION ALL) drops rows already produced, so cycles of nested groups end.
    conn.execute(
        &format!(
            "INSERT INTO temp.{into}
             WITH RECURSIVE r (root, group_id, via) AS (
                 SELECT DISTINCT group_id, group_id, NULL FROM group_licenses WHERE source = ?1
                 UNION
                 SELECT r.root, m.member_id, COALESCE(r.via, m.member_id)
                 FROM r JOIN memberships m ON m.source = ?1 AND m.group_id = r.group_id
                 WHERE m.member_kind = 'group'
             )
             SELECT root, group_id, via FROM r"
        ),
        [source],
    )?;
    Ok(())
}

/// Derives again only the rows of the moved members (the reach of every root is unchanged).
fn resolve_moved(conn: &Connection, source: &str) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM main.licence_group_members
         WHERE source = ?1 AND group_id IN (SELECT root FROM temp.reach)
           AND member_id IN (SELECT member_id FROM temp.moved_members)",
        [source],
    )?;
    conn.execute(
        "INSERT INTO main.licence_group_members (source, group_id, member_id, member_kind, via_group)
         SELECT DISTINCT ?1, r.root, m.member_id, m.member_kind, r.via
         FROM temp.moved_members t
         CROSS JOIN main.memberships m INDEXED BY memberships_by_member
             ON m.source = ?1 AND m.member_id = t.member_id
         JOIN temp.reach r ON r.group_id = m.group_id",
        [source],
    )?;
    Ok(())
}

/// Derives every row, and writes only those that differ from what an earlier run derived.
fn resolve_all(conn: &Connection, source: &str) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS resolved_members (
             group_id TEXT, member_id TEXT, member_kind TEXT, via_group TEXT,
             PRIMARY KEY (group_id, member_id, member_kind, via_group)
         );
         DELETE FROM temp.resolved_members;",
    )?;
    conn.execute(
        "INSERT INTO temp.resolved_members
         SELECT DISTINCT r.root, m.member_id, m.member_kind, r.via
         FROM temp.reach r JOIN main.memberships m ON m.source = ?1 AND m.group_id = r.group_id",
        [source],
    )?;
    conn.execute(
        "DELETE FROM main.licence_group_members AS l WHERE l.source = ?1
         AND NOT EXISTS (SELECT 1 FROM temp.resolved_members r
             WHERE r.group_id = l.group_id AND r.member_id = l.member_id
               AND r.member_kind = l.member_kind AND r.via_group IS l.via_group)",
        [source],
    )?;
    conn.execute(
        "INSERT INTO main.licence_group_members (source, group_id, member_id, member_kind, via_group)
         SELECT ?1, r.* FROM temp.resolved_members r
         WHERE NOT EXISTS (SELECT 1 FROM main.licence_group_members l
             WHERE l.source = ?1 AND l.group_id = r.group_id AND l.member_id = r.member_id
               AND l.member_kind = r.member_kind AND l.via_group IS r.via_group)",
        [source],
    )?;
    conn.execute("DELETE FROM temp.resolved_members", [])?;
    Ok(())
}
