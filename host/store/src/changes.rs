//! The change log: what differs between a source's previous snapshot and a run's new one
//! (joiners, leavers, accounts renamed, disabled or re-enabled, licences added or removed,
//! purchased units changed). Joiners' and leavers' licences are recorded as `joiner_licence` and
//! `leaver_licence` rows beside them.
//!
//! A run replaces the snapshot when it commits, so just before the staged rows replace it the
//! parts of the old snapshot that changes are computed from are copied aside into TEMP tables
//! of the store's connection; once the new snapshot is in place, the differences go to
//! `changes` under the run's ID. The first successful run of a source is the baseline and
//! records none.
//!
//! An incremental run changes only the accounts it sends or removes (the touched accounts), so
//! only their previous rows are copied aside and only they are compared; products are always
//! compared in full.

use rusqlite::{Connection, params};

/// Copies the parts of `source`'s current snapshot that changes are computed from: for an
/// `incremental` run, of the touched accounts only.
pub(super) fn capture_previous(
    conn: &Connection,
    source: &str,
    incremental: bool,
) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS touched (id TEXT PRIMARY KEY) WITHOUT ROWID;
         DELETE FROM temp.touched;
         CREATE TEMP TABLE IF NOT EXISTS prev_accounts (
             id TEXT PRIMARY KEY, user_principal_name TEXT, account_enabled INTEGER, live INTEGER
         ) WITHOUT ROWID;
         CREATE TEMP TABLE IF NOT EXISTS prev_holdings (
             user_id TEXT, product_id TEXT, PRIMARY KEY (user_id, product_id)
         ) WITHOUT ROWID;
         CREATE TEMP TABLE IF NOT EXISTS prev_products (
             product_id TEXT PRIMARY KEY, part_number TEXT, enabled INTEGER
         ) WITHOUT ROWID;
         DELETE FROM temp.prev_accounts;
         DELETE FROM temp.prev_holdings;
         DELETE FROM temp.prev_products;",
    )?;
    if incremental {
        conn.execute_batch(
            "INSERT OR IGNORE INTO temp.touched SELECT id FROM temp.stage_accounts;
             INSERT OR IGNORE INTO temp.touched
                 SELECT id FROM temp.stage_removals WHERE kind = 'account';",
        )?;
    }
    // Spelt out per case, so that an incremental run reads the touched accounts by key.
    let (accounts, holdings) = match incremental {
        true => (
            "AND id IN (SELECT id FROM temp.touched)",
            "AND user_id IN (SELECT id FROM temp.touched)",
        ),
        false => ("", ""),
    };
    conn.execute(
        &format!(
            "INSERT INTO temp.prev_accounts
             SELECT id, user_principal_name, account_enabled, deleted_date_time IS NULL
             FROM main.accounts WHERE source = ?1 {accounts}"
        ),
        [source],
    )?;
    conn.execute(
        &format!(
            "INSERT OR IGNORE INTO temp.prev_holdings
             SELECT user_id, product_id FROM main.assignments
             WHERE source = ?1 AND state <> 'Error' {holdings}"
        ),
        [source],
    )?;
    conn.execute(
        "INSERT INTO temp.prev_products
         SELECT product_id, part_number, enabled FROM main.products WHERE source = ?1",
        [source],
    )?;
    Ok(())
}

/// The change queries; each selects (kind, account_id, principal_name, product_id, detail) for
/// source `?2`. `{a}` and `{h}` stand for the restriction of an account or assignment scan to
/// the touched accounts in an incremental run (its untouched accounts did not change), and for
/// nothing in a full one: spelt out, so that SQLite scans by key instead of every row.
const CHANGES: &[&str] = &[
    // Joiners: live now, not live before.
    "SELECT 'joiner', a.id, a.user_principal_name, NULL, NULL FROM main.accounts a
     WHERE a.source = ?2 AND a.deleted_date_time IS NULL
       {a}
       AND NOT EXISTS (SELECT 1 FROM temp.prev_accounts p WHERE p.id = a.id AND p.live)",
    // Leavers: live before, now purged (gone, not even among the deleted users) or soft-deleted.
    "SELECT 'leaver', p.id, p.user_principal_name, NULL,
            CASE WHEN a.id IS NULL THEN 'purged' ELSE 'soft-deleted' END
     FROM temp.prev_accounts p LEFT JOIN main.accounts a ON a.source = ?2 AND a.id = p.id
     WHERE p.live AND (a.id IS NULL OR a.deleted_date_time IS NOT NULL)",
    // The licences joiners arrived with.
    "SELECT DISTINCT 'joiner_licence', h.user_id, a.user_principal_name, h.product_id, NULL
     FROM main.assignments h
     JOIN main.accounts a ON a.source = h.source AND a.id = h.user_id AND a.deleted_date_time IS NULL
     WHERE h.source = ?2 AND h.state <> 'Error'
       {h}
       AND NOT EXISTS (SELECT 1 FROM temp.prev_accounts p WHERE p.id = a.id AND p.live)",
    // The licences leavers held: freed when purged, still held by a soft-deleted account.
    "SELECT 'leaver_licence', x.user_id, p.user_principal_name, x.product_id,
            CASE WHEN a.id IS NULL THEN 'freed' ELSE 'held until purged' END
     FROM temp.prev_holdings x
     JOIN temp.prev_accounts p ON p.id = x.user_id AND p.live
     LEFT JOIN main.accounts a ON a.source = ?2 AND a.id = x.user_id
     WHERE a.id IS NULL OR a.deleted_date_time IS NOT NULL",
    // A new principal name on an account live in both (the detail is the old one).
    "SELECT 'renamed', a.id, a.user_principal_name, NULL, p.user_principal_name
     FROM main.accounts a JOIN temp.prev_accounts p ON p.id = a.id AND p.live
     WHERE a.source = ?2 AND a.deleted_date_time IS NULL {a}
       AND a.user_principal_name <> p.user_principal_name",
    // Sign-in disabled or enabled, on accounts live in both.
    "SELECT CASE WHEN a.account_enabled THEN 'enabled' ELSE 'disabled' END,
            a.id, a.user_principal_name, NULL, NULL
     FROM main.accounts a JOIN temp.prev_accounts p ON p.id = a.id AND p.live
     WHERE a.source = ?2 AND a.deleted_date_time IS NULL AND a.account_enabled <> p.account_enabled
       {a}",
    // Licences gained by accounts live in both.
    "SELECT DISTINCT 'licence_added', h.user_id, a.user_principal_name, h.product_id, NULL
     FROM main.assignments h
     JOIN main.accounts a ON a.source = h.source AND a.id = h.user_id AND a.deleted_date_time IS NULL
     JOIN temp.prev_accounts p ON p.id = h.user_id AND p.live
     WHERE h.source = ?2 AND h.state <> 'Error' {h}
       AND NOT EXISTS (SELECT 1 FROM temp.prev_holdings x WHERE x.user_id = h.user_id AND x.product_id = h.product_id)",
    // Licences lost by accounts live in both.
    "SELECT 'licence_removed', x.user_id, a.user_principal_name, x.product_id, NULL
     FROM temp.prev_holdings x
     JOIN temp.prev_accounts p ON p.id = x.user_id AND p.live
     JOIN main.accounts a ON a.source = ?2 AND a.id = x.user_id AND a.deleted_date_time IS NULL
     WHERE NOT EXISTS (SELECT 1 FROM main.assignments h WHERE h.source = ?2 AND h.user_id = x.user_id
                         AND h.product_id = x.product_id AND h.state <> 'Error')",
    // Products bought, dropped, or with a different number of purchased units.
    "SELECT 'product_added', NULL, NULL, n.product_id, n.part_number FROM main.products n
     WHERE n.source = ?2 AND NOT EXISTS (SELECT 1 FROM temp.prev_products p WHERE p.product_id = n.product_id)",
    "SELECT 'product_removed', NULL, NULL, p.product_id, p.part_number FROM temp.prev_products p
     WHERE NOT EXISTS (SELECT 1 FROM main.products n WHERE n.source = ?2 AND n.product_id = p.product_id)",
    "SELECT 'units_changed', NULL, NULL, n.product_id, 'enabled ' || p.enabled || ' -> ' || n.enabled
     FROM main.products n JOIN temp.prev_products p ON p.product_id = n.product_id
     WHERE n.source = ?2 AND n.enabled <> p.enabled",
];

/// Records what run `run_id` changed, unless it is the source's first successful run.
pub(super) fn record(
    conn: &Connection,
    run_id: i64,
    source: &str,
    incremental: bool,
) -> rusqlite::Result<()> {
    let baseline: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM runs WHERE source = ?1 AND status = 'succeeded')",
        [source],
        |r| r.get(0),
    )?;
    if !baseline {
        return Ok(());
    }
    let (a, h) = match incremental {
        true => (
            "AND a.id IN (SELECT id FROM temp.touched)",
            "AND h.user_id IN (SELECT id FROM temp.touched)",
        ),
        false => ("", ""),
    };
    for query in CHANGES {
        let query = query.replace("{a}", a).replace("{h}", h);
        conn.execute(
            &format!(
                "INSERT INTO changes (run_id, source, kind, account_id, principal_name, product_id, detail)
                 SELECT ?1, ?2, * FROM ({query})"
            ),
            params![run_id, source],
        )?;
    }
    Ok(())
}
