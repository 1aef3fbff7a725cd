//! The change feed: every recorded change in the order the runs committed it, each with a
//! cursor (its ID) that strictly increases and is never reused, so that a consumer who asks
//! for the changes after the last cursor it saw misses nothing and repeats nothing.

use anyhow::Result;
use itam_store::values;
use serde::Serialize;

/// One change of the feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedEntry {
    /// The change's cursor: pass it as `since` to get what came after it.
    pub cursor: i64,
    /// The source.
    pub source: String,
    /// The run that recorded it.
    pub run_id: i64,
    /// When that run ended (RFC 3339, UTC).
    pub at: Option<String>,
    /// What happened (see [`kind`]).
    pub kind: &'static str,
    /// The account, for account and licence changes.
    pub account_id: Option<String>,
    /// The account's principal name.
    pub user_principal_name: Option<String>,
    /// The product, for licence and product changes.
    pub product_id: Option<String>,
    /// More: a leaver's fate (`purged`, `soft-deleted`), the old principal name of a renamed
    /// account, a product's part number or its unit change.
    pub detail: Option<String>,
}

/// The feed's name for a change the store records as `stored`. A joiner's licences are
/// `licence-added` and a leaver's `licence-removed` (the account event comes beside them).
pub fn kind(stored: &str) -> &'static str {
    match stored {
        "joiner" => "account-added",
        "leaver" => "account-removed",
        "renamed" => "account-renamed",
        "disabled" => "account-disabled",
        "enabled" => "account-enabled",
        "licence_added" | "joiner_licence" => "licence-added",
        "licence_removed" | "leaver_licence" => "licence-removed",
        "product_added" => "product-added",
        "product_removed" => "product-removed",
        "units_changed" => "product-units-changed",
        _ => "other",
    }
}

/// Streams the changes after cursor `since` (of `source`, or of every source), oldest first, at
/// most `limit` of them, to `entry`; returns how many it sent.
pub fn feed(
    store: &itam_store::Store,
    source: Option<&str>,
    since: i64,
    limit: u64,
    entry: &mut dyn FnMut(FeedEntry) -> Result<()>,
) -> Result<u64> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    store.read(|q| {
        let mut sent = 0;
        q.for_each(
            "SELECT c.id, c.source, c.run_id, r.ended_at, c.kind, c.account_id, c.principal_name,
                    c.product_id, c.detail
             FROM changes c JOIN runs r ON r.id = c.run_id
             WHERE c.id > ?1 AND (CAST(?2 AS TEXT) IS NULL OR c.source = ?2)
             ORDER BY c.id LIMIT ?3",
            &values![since, source, limit],
            &mut |r| {
                let stored: String = r.get(4)?;
                entry(FeedEntry {
                    cursor: r.get(0)?,
                    source: r.get(1)?,
                    run_id: r.get(2)?,
                    at: r.get(3)?,
                    kind: kind(&stored),
                    account_id: r.get(5)?,
                    user_principal_name: r.get(6)?,
                    product_id: r.get(7)?,
                    detail: r.get(8)?,
                })?;
                sent += 1;
                Ok(())
            },
        )?;
        Ok(sent)
    })
}

/// The newest cursor of `source` (or of every source): where a consumer that wants only what
/// comes next starts.
pub fn latest(store: &itam_store::Store, source: Option<&str>) -> Result<i64> {
    store.read(|q| {
        q.value(
            "SELECT COALESCE(MAX(id), 0) FROM changes WHERE CAST(?1 AS TEXT) IS NULL OR source = ?1",
            &values![source],
        )
    })
}
