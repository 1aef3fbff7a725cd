//! Triggers that note what a run's publish writes to the snapshot, so that what is derived
//! from the snapshot afterwards (the change log, the licence groups' members) looks only at
//! what moved.
//!
//! Each trigger fires only while its watch is switched on for a run, and the switch is part of
//! the run's transaction, so a run that rolls back leaves every watch off. On SQLite the
//! triggers are TEMP triggers, created once per connection, and the switch is a row of a TEMP
//! table. On PostgreSQL they are the database's own, installed when the store opens (see
//! [`install_permanent`]), and the switch is a setting local to the transaction: other
//! sessions' writes pass them by.

use crate::query::{Dialect, Query};
use crate::values;
use anyhow::Result;

/// One trigger of a watch: its name, when it fires, the snapshot table it watches, and its
/// condition and body (SQL statements that may read the `new.` or `old.` row, and name
/// tables unqualified).
pub(crate) struct Trigger {
    pub name: &'static str,
    pub when: &'static str,
    pub table: &'static str,
    pub condition: String,
    pub body: String,
}

/// Creates the triggers of `watch` on this SQLite connection, if they are not there yet,
/// switched off. (PostgreSQL's are installed when the store opens.)
pub(crate) fn install(q: &mut dyn Query, watch: &str, triggers: &[Trigger]) -> Result<()> {
    if q.dialect() == Dialect::Postgres {
        return Ok(());
    }
    q.batch("CREATE TEMP TABLE IF NOT EXISTS watching (watch TEXT PRIMARY KEY) WITHOUT ROWID;")?;
    for t in triggers {
        q.batch(&format!(
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

/// Installs (or brings up to date) the PostgreSQL triggers of `watch`: a function and a row
/// trigger each. A trigger whose function already has this body is left alone, so hosts that
/// start together take no lock on the tables.
pub(crate) fn install_permanent(
    q: &mut dyn Query,
    watch: &str,
    triggers: &[Trigger],
) -> Result<()> {
    for t in triggers {
        let name = format!("itam_{watch}_{}", t.name);
        // A BEFORE trigger returns the row to go on with; an AFTER trigger's result is ignored.
        let result = match t.when {
            "BEFORE DELETE" => "OLD",
            "BEFORE UPDATE" | "BEFORE INSERT" => "NEW",
            _ => "NULL",
        };
        let source = format!(
            "
BEGIN
    -- (Nested: PL/pgSQL may evaluate both sides of an AND, and the condition reads the
    -- watching session's TEMP tables, which other sessions do not have.)
    IF current_setting('itam.watch_{watch}', true) = 'on' THEN
        IF {condition} THEN
            {body}
        END IF;
    END IF;
    RETURN {result};
END;
",
            condition = t.condition,
            body = t.body,
        );
        let current: Option<String> = q.row_opt(
            "SELECT p.prosrc FROM pg_proc p JOIN pg_trigger g ON g.tgfoid = p.oid
             WHERE p.proname = ?1 AND g.tgname = ?1",
            &values![name.as_str()],
            |r| r.get(0),
        )?;
        if current.as_deref() == Some(source.as_str()) {
            continue;
        }
        q.batch(&format!(
            "CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $itam${source}$itam$;
             CREATE OR REPLACE TRIGGER {name} {when} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}();",
            when = t.when,
            table = t.table,
        ))?;
    }
    Ok(())
}

/// Switches `watch` on for the rest of the transaction, or until [`stop`].
pub(crate) fn start(q: &mut dyn Query, watch: &str) -> Result<()> {
    match q.dialect() {
        Dialect::Sqlite => {
            q.execute(
                "INSERT INTO temp.watching VALUES (?1) ON CONFLICT DO NOTHING",
                &values![watch],
            )?;
        }
        Dialect::Postgres => switch(q, watch, "on")?,
    }
    Ok(())
}

/// Switches `watch` off.
pub(crate) fn stop(q: &mut dyn Query, watch: &str) -> Result<()> {
    match q.dialect() {
        Dialect::Sqlite => {
            q.batch(
                "CREATE TEMP TABLE IF NOT EXISTS watching (watch TEXT PRIMARY KEY) WITHOUT ROWID;",
            )?;
            q.execute(
                "DELETE FROM temp.watching WHERE watch = ?1",
                &values![watch],
            )?;
        }
        Dialect::Postgres => switch(q, watch, "off")?,
    }
    Ok(())
}

fn switch(q: &mut dyn Query, watch: &str, state: &str) -> Result<()> {
    q.row_opt(
        "SELECT set_config(CAST(?1 AS TEXT), CAST(?2 AS TEXT), true)",
        &values![format!("itam.watch_{watch}"), state],
        |_| Ok(()),
    )?;
    Ok(())
}
