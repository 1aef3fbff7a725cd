//! The change log: what differs between a source's previous snapshot and a run's new one
//! (joiners, leavers, accounts renamed, disabled or re-enabled, licences added or removed,
//! purchased units changed). Joiners' and leavers' licences are recorded as `joiner_licence` and
//! `leaver_licence` rows beside them.
//!
//! Only the accounts whose rows the run writes can differ (publishing leaves unchanged rows
//! alone), so while the run publishes, triggers ([`super::watch`]) watch `accounts` and
//! `assignments`: the
//! first write that touches an account copies its previous row and licences aside. Once the new
//! snapshot is in place, the touched accounts are compared and the differences go to `changes`
//! under the run's ID. Products are always compared in full. The first successful run of a
//! source is the baseline and records none.

use super::watch::{self, Trigger};
use crate::query::Query;
use crate::values;
use anyhow::Result;

/// What the first write touching an account copies aside, for an account ID `{id}` of source
/// `{source}` (the `new.` or `old.` row of the trigger). `{account}` and `{holdings}` narrow the
/// previous account row and licences when the triggering write has already happened.
const TOUCH: &str = "
    INSERT INTO touched VALUES ({id});
    INSERT INTO prev_accounts
        SELECT id, user_principal_name, account_enabled, deleted_date_time IS NULL
        FROM accounts WHERE source = {source} AND id = {id} {account};
    INSERT INTO prev_holdings
        SELECT DISTINCT user_id, product_id FROM assignments
        WHERE source = {source} AND user_id = {id} AND state <> 'Error' {holdings};";

/// The watch that notes touched accounts.
pub(crate) const WATCH: &str = "touch";

/// The triggers that note touched accounts (see [`TOUCH`]).
pub(crate) fn triggers() -> Vec<Trigger> {
    // An account row is copied before it is updated or deleted; an inserted one had none, and
    // its licences are still the previous ones (accounts are written before assignments).
    // An assignment written first means the account row is unchanged; after an insert, the
    // inserted row is not among the previous licences.
    let inserted =
        "AND NOT (product_id = new.product_id AND assigned_by_group = new.assigned_by_group)";
    // (name, when, table, account ID, narrowing of the account row, narrowing of the licences)
    #[rustfmt::skip]
    let triggers = [
        ("account_inserted", "AFTER INSERT", "accounts", "new.id", "AND FALSE", ""),
        ("account_updated", "BEFORE UPDATE", "accounts", "old.id", "", ""),
        ("account_deleted", "BEFORE DELETE", "accounts", "old.id", "", ""),
        ("assignment_inserted", "AFTER INSERT", "assignments", "new.user_id", "", inserted),
        ("assignment_updated", "BEFORE UPDATE", "assignments", "old.user_id", "", ""),
        ("assignment_deleted", "BEFORE DELETE", "assignments", "old.user_id", "", ""),
    ];
    triggers
        .into_iter()
        .map(|(name, when, table, id, account, holdings)| {
            let row = &id[..3];
            Trigger {
                name,
                when,
                table,
                condition: format!("NOT EXISTS (SELECT 1 FROM touched WHERE id = {id})"),
                body: TOUCH
                    .replace("{id}", id)
                    .replace("{source}", &format!("{row}.source"))
                    .replace("{account}", account)
                    .replace("{holdings}", holdings),
            }
        })
        .collect()
}

/// Starts watching `source`'s snapshot for the accounts the run touches, and copies its
/// products aside. Returns whether the source has a previous snapshot to compare with; if not,
/// nothing is watched.
pub(crate) fn capture_previous(q: &mut dyn Query, source: &str) -> Result<bool> {
    let (d, flag) = (q.dialect(), q.dialect().flag());
    let keyed = d.keyed_table();
    q.batch(&format!(
        "CREATE TEMP TABLE IF NOT EXISTS touched (id TEXT PRIMARY KEY){keyed};
         CREATE TEMP TABLE IF NOT EXISTS prev_accounts (
             id TEXT PRIMARY KEY, user_principal_name TEXT, account_enabled {flag}, live {flag}
         ){keyed};
         CREATE TEMP TABLE IF NOT EXISTS prev_holdings (
             user_id TEXT, product_id TEXT, PRIMARY KEY (user_id, product_id)
         ){keyed};
         CREATE TEMP TABLE IF NOT EXISTS prev_products (
             product_id TEXT PRIMARY KEY, part_number TEXT, enabled BIGINT
         ){keyed};
         DELETE FROM touched;
         DELETE FROM prev_accounts;
         DELETE FROM prev_holdings;
         DELETE FROM prev_products;"
    ))?;
    let baseline: bool = q.value(
        "SELECT EXISTS (SELECT 1 FROM runs WHERE source = ?1 AND status = 'succeeded')",
        &values![source],
    )?;
    if !baseline {
        return Ok(false);
    }
    q.execute(
        "INSERT INTO prev_products
         SELECT product_id, part_number, enabled FROM products WHERE source = ?1",
        &values![source],
    )?;
    watch::install(q, WATCH, &triggers())?;
    watch::start(q, WATCH)?;
    Ok(true)
}

/// Stops watching the snapshot (see [`capture_previous`]).
pub(crate) fn stop_watching(q: &mut dyn Query) -> Result<()> {
    watch::stop(q, WATCH)
}

/// The change queries; each selects (kind, account_id, principal_name, product_id, detail) for
/// source `?2`. `{a}` and `{h}` stand for the restriction of an account or assignment scan to
/// the touched accounts (the others did not change): spelt out, so that SQLite reads them by
/// key instead of scanning every row.
const CHANGES: &[&str] = &[
    // Joiners: live now, not live before.
    "SELECT 'joiner', a.id, a.user_principal_name, NULL, NULL FROM accounts a
     WHERE a.source = ?2 AND a.deleted_date_time IS NULL
       {a}
       AND NOT EXISTS (SELECT 1 FROM prev_accounts p WHERE p.id = a.id AND p.live)",
    // Leavers: live before, now purged (gone, not even among the deleted users) or soft-deleted.
    "SELECT 'leaver', p.id, p.user_principal_name, NULL,
            CASE WHEN a.id IS NULL THEN 'purged' ELSE 'soft-deleted' END
     FROM prev_accounts p LEFT JOIN accounts a ON a.source = ?2 AND a.id = p.id
     WHERE p.live AND (a.id IS NULL OR a.deleted_date_time IS NOT NULL)",
    // The licences joiners arrived with.
    "SELECT DISTINCT 'joiner_licence', h.user_id, a.user_principal_name, h.product_id, NULL
     FROM assignments h
     JOIN accounts a ON a.source = h.source AND a.id = h.user_id AND a.deleted_date_time IS NULL
     WHERE h.source = ?2 AND h.state <> 'Error'
       {h}
       AND NOT EXISTS (SELECT 1 FROM prev_accounts p WHERE p.id = a.id AND p.live)",
    // The licences leavers held: freed when purged, still held by a soft-deleted account.
    "SELECT 'leaver_licence', x.user_id, p.user_principal_name, x.product_id,
            CASE WHEN a.id IS NULL THEN 'freed' ELSE 'held until purged' END
     FROM prev_holdings x
     JOIN prev_accounts p ON p.id = x.user_id AND p.live
     LEFT JOIN accounts a ON a.source = ?2 AND a.id = x.user_id
     WHERE a.id IS NULL OR a.deleted_date_time IS NOT NULL",
    // A new principal name on an account live in both (the detail is the old one).
    "SELECT 'renamed', a.id, a.user_principal_name, NULL, p.user_principal_name
     FROM accounts a JOIN prev_accounts p ON p.id = a.id AND p.live
     WHERE a.source = ?2 AND a.deleted_date_time IS NULL {a}
       AND a.user_principal_name <> p.user_principal_name",
    // Sign-in disabled or enabled, on accounts live in both.
    "SELECT CASE WHEN a.account_enabled THEN 'enabled' ELSE 'disabled' END,
            a.id, a.user_principal_name, NULL, NULL
     FROM accounts a JOIN prev_accounts p ON p.id = a.id AND p.live
     WHERE a.source = ?2 AND a.deleted_date_time IS NULL AND a.account_enabled <> p.account_enabled
       {a}",
    // Licences gained by accounts live in both.
    "SELECT DISTINCT 'licence_added', h.user_id, a.user_principal_name, h.product_id, NULL
     FROM assignments h
     JOIN accounts a ON a.source = h.source AND a.id = h.user_id AND a.deleted_date_time IS NULL
     JOIN prev_accounts p ON p.id = h.user_id AND p.live
     WHERE h.source = ?2 AND h.state <> 'Error' {h}
       AND NOT EXISTS (SELECT 1 FROM prev_holdings x WHERE x.user_id = h.user_id AND x.product_id = h.product_id)",
    // Licences lost by accounts live in both. (CROSS JOIN keeps SQLite from scanning every
    // account of the source to join the few previous holdings.)
    "SELECT 'licence_removed', x.user_id, a.user_principal_name, x.product_id, NULL
     FROM prev_holdings x
     JOIN prev_accounts p ON p.id = x.user_id AND p.live
     {join_in_order} accounts a ON a.source = ?2 AND a.id = x.user_id AND a.deleted_date_time IS NULL
     WHERE NOT EXISTS (SELECT 1 FROM assignments h WHERE h.source = ?2 AND h.user_id = x.user_id
                         AND h.product_id = x.product_id AND h.state <> 'Error')",
    // Products bought, dropped, or with a different number of purchased units.
    "SELECT 'product_added', NULL, NULL, n.product_id, n.part_number FROM products n
     WHERE n.source = ?2 AND NOT EXISTS (SELECT 1 FROM prev_products p WHERE p.product_id = n.product_id)",
    "SELECT 'product_removed', NULL, NULL, p.product_id, p.part_number FROM prev_products p
     WHERE NOT EXISTS (SELECT 1 FROM products n WHERE n.source = ?2 AND n.product_id = p.product_id)",
    // (Units unknown on either side read `unknown`: a customer leaving its reseller shows.)
    "SELECT 'units_changed', NULL, NULL, n.product_id,
            'enabled ' || COALESCE(CAST(p.enabled AS TEXT), 'unknown') || ' -> '
                || COALESCE(CAST(n.enabled AS TEXT), 'unknown')
     FROM products n JOIN prev_products p ON p.product_id = n.product_id
     WHERE n.source = ?2 AND n.enabled IS DISTINCT FROM p.enabled",
];

/// Records what run `run_id` changed in the accounts it touched and in the products, if the
/// source had a previous snapshot (`baseline`).
pub(crate) fn record(q: &mut dyn Query, run_id: i64, source: &str, baseline: bool) -> Result<()> {
    if !baseline {
        return Ok(());
    }
    let join_in_order = q.dialect().join_in_order();
    for query in CHANGES {
        let query = query
            .replace("{a}", "AND a.id IN (SELECT id FROM touched)")
            .replace("{h}", "AND h.user_id IN (SELECT id FROM touched)")
            .replace("{join_in_order}", join_in_order);
        q.execute(
            &format!(
                "INSERT INTO changes (run_id, source, kind, account_id, principal_name, product_id, detail)
                 SELECT CAST(?1 AS BIGINT), CAST(?2 AS TEXT), c.* FROM ({query}) AS c"
            ),
            &values![run_id, source],
        )?;
    }
    Ok(())
}
