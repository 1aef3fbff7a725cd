//! Run connections kept for the next run (PostgreSQL). A run stages its rows in temporary
//! tables of its own session; a new session per run would create and drop those tables each
//! time, which leaves dead rows in PostgreSQL's system catalogues until autovacuum. A finished
//! run's session is instead emptied (rolled back, its temporary tables truncated) and kept for
//! the next run, which finds its tables there. SQLite's temporary tables live in a file of
//! their own and cost nothing of the kind: its run connections are not kept.

use crate::engine::Connection as Db;
use crate::{Dialect, Store};
use anyhow::Result;
use std::ops::{Deref, DerefMut};

/// Most sessions kept: as many as a service runs at a time, commonly.
const MAX_SPARE: usize = 8;

/// A run's connection; given back to the store's spares when the run's last handle goes.
pub(crate) struct RunConnection {
    conn: Option<Box<dyn Db>>,
    store: Store,
}

impl Deref for RunConnection {
    type Target = Box<dyn Db>;

    fn deref(&self) -> &Box<dyn Db> {
        self.conn
            .as_ref()
            .expect("a run's connection is present until dropped")
    }
}

impl DerefMut for RunConnection {
    fn deref_mut(&mut self) -> &mut Box<dyn Db> {
        self.conn
            .as_mut()
            .expect("a run's connection is present until dropped")
    }
}

impl Drop for RunConnection {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.store.give_back(conn);
        }
    }
}

impl Store {
    /// A connection for a run: a kept session that still answers, else a new one.
    pub(crate) fn connect_for_run(&self) -> Result<RunConnection> {
        loop {
            let kept = self.spare.lock().unwrap_or_else(|p| p.into_inner()).pop();
            let Some(mut conn) = kept else { break };
            if conn.as_query().value::<i64>("SELECT 1", &[]).is_ok() {
                return Ok(self.run_connection(conn));
            }
        }
        Ok(self.run_connection(self.connect()?))
    }

    fn run_connection(&self, conn: Box<dyn Db>) -> RunConnection {
        RunConnection {
            conn: Some(conn),
            store: self.clone(),
        }
    }

    /// Keeps a finished run's session for the next run, emptied; drops it if it cannot be
    /// emptied (it broke) or enough are kept.
    fn give_back(&self, mut conn: Box<dyn Db>) {
        if self.dialect() != Dialect::Postgres {
            return;
        }
        if empty(conn.as_query()).is_err() {
            return;
        }
        let mut spare = self.spare.lock().unwrap_or_else(|p| p.into_inner());
        if spare.len() < MAX_SPARE {
            spare.push(conn);
        }
    }
}

/// Ends any transaction the session holds and truncates its temporary tables.
fn empty(q: &mut dyn crate::Query) -> Result<()> {
    // (Outside a transaction PostgreSQL only warns.)
    q.batch("ROLLBACK")?;
    let tables: Option<String> = q.value(
        "SELECT string_agg(format('%I', relname), ', ') FROM pg_class
         WHERE relnamespace = pg_my_temp_schema() AND relkind = 'r'",
        &[],
    )?;
    if let Some(tables) = tables {
        q.batch(&format!("TRUNCATE {tables} RESTART IDENTITY"))?;
    }
    Ok(())
}
