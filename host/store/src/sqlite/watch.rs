//! TEMP triggers that note what a run's publish writes to the snapshot, so that what is
//! derived from the snapshot afterwards (the change log, the licence groups' members) looks
//! only at what moved.
//!
//! The triggers are created once per connection and stay; each fires only while its watch is
//! switched on for a run. The switch is a row of a TEMP table, so it is part of the run's
//! transaction: a run that rolls back leaves every watch off.

use rusqlite::Connection;

/// One trigger of a watch: its name, when it fires, the snapshot table it watches, and its
/// `WHEN` condition and body (which may read the `new.` or `old.` row).
pub(crate) struct Trigger<'a> {
    pub name: &'a str,
    pub when: &'a str,
    pub table: &'a str,
    pub condition: &'a str,
    pub body: &'a str,
}

/// Creates the triggers of `watch` on this connection, if they are not there yet, switched
/// off. In a body, writes name their table unqualified (SQLite's rule for triggers): TEMP
/// tables are found first.
pub(crate) fn install(
    conn: &Connection,
    watch: &str,
    triggers: &[Trigger],
) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS watching (watch TEXT PRIMARY KEY) WITHOUT ROWID;",
    )?;
    for t in triggers {
        conn.execute_batch(&format!(
            "CREATE TEMP TRIGGER IF NOT EXISTS {watch}_{name} {when} ON main.{table}
             WHEN EXISTS (SELECT 1 FROM temp.watching WHERE watch = '{watch}') AND ({condition})
             BEGIN {body} END;",
            name = t.name,
            when = t.when,
            table = t.table,
            condition = t.condition,
            body = t.body,
        ))?;
    }
    Ok(())
}

/// Switches `watch` on for the rest of the transaction, or until [`stop`].
pub(crate) fn start(conn: &Connection, watch: &str) -> rusqlite::Result<()> {
    conn.execute("INSERT OR IGNORE INTO temp.watching VALUES (?1)", [watch])?;
    Ok(())
}

/// Switches `watch` off.
pub(crate) fn stop(conn: &Connection, watch: &str) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS watching (watch TEXT PRIMARY KEY) WITHOUT ROWID;",
    )?;
    conn.execute("DELETE FROM temp.watching WHERE watch = ?1", [watch])?;
    Ok(())
}
