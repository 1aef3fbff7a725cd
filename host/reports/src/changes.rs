//! What changed in a run: joiners, leavers, accounts disabled or enabled, licences added or
//! removed, products bought or dropped and purchased units changed.

use super::products::Products;
use crate::catalog::ProductCatalog;
use anyhow::Result;
use itam_store::{Store, values};
use serde::Serialize;

/// One change.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Change {
    /// The run that saw it.
    pub run_id: i64,
    /// `joiner`, `leaver`, `disabled`, `enabled`, `licence_added`, `licence_removed`,
    /// `product_added`, `product_removed`, `units_changed`.
    pub kind: String,
    /// The account, for account and licence changes.
    pub account_id: Option<String>,
    /// Its user principal name.
    pub user_principal_name: Option<String>,
    /// The product, for licence and product changes.
    pub product_id: Option<String>,
    /// The product's friendly name or part number.
    pub product: Option<String>,
    /// More detail (e.g. `soft-deleted` or `purged` for a leaver, `enabled 10 -> 12`).
    pub detail: Option<String>,
    /// For a joiner, the licences it arrived with; for a leaver, the licences it held (freed
    /// when purged, still held while soft-deleted): friendly names or part numbers.
    pub licences: Vec<String>,
    /// The product IDs of `licences`, in the same order.
    pub licence_product_ids: Vec<String>,
}

/// The changes a run of a source recorded.
#[derive(Debug, Serialize)]
pub struct ChangeLog {
    /// The run compared with the one before it.
    pub run_id: i64,
    /// When it ended.
    pub ended_at: Option<String>,
    /// True for the source's first successful run, which has nothing to compare with.
    pub baseline: bool,
    /// The changes, by kind then account.
    pub changes: Vec<Change>,
}

/// The changes of run `run` of `source`, or of its last successful run.
pub fn changes(
    store: &Store,
    source: &str,
    run: Option<i64>,
    catalog: &dyn ProductCatalog,
) -> Result<ChangeLog> {
    let runs = store.runs(source, u32::MAX)?;
    let succeeded: Vec<_> = runs.iter().filter(|r| r.status == "succeeded").collect();
    let chosen = match run {
        Some(id) => succeeded.iter().find(|r| r.id == id).copied().ok_or_else(|| {
            itam_runtime::error::config_error(format!(
                "run {id} is not a successful run of source `{source}`; `itam runs --source {source}` lists them"
            ))
        })?,
        None => succeeded
            .first()
            .copied()
            .ok_or_else(|| anyhow::anyhow!("source `{source}` has no successful run yet"))?,
    };
    let baseline = succeeded.last().is_some_and(|first| first.id == chosen.id);
    store.read(|q| {
        let products = Products::load(q, source, catalog)?;
        let changes = q.rows(
            "SELECT run_id, kind, account_id, principal_name, product_id, detail FROM changes
             WHERE source = ?1 AND run_id = ?2
             ORDER BY kind, principal_name NULLS FIRST, product_id NULLS FIRST",
            &values![source, chosen.id],
            |r| {
                let product_id: Option<String> = r.get(4)?;
                Ok(Change {
                    run_id: r.get(0)?,
                    kind: r.get(1)?,
                    account_id: r.get(2)?,
                    user_principal_name: r.get(3)?,
                    product: product_id.as_deref().map(|s| {
                        products
                            .get(s)
                            .map_or(s.to_string(), |p| p.label().to_string())
                    }),
                    product_id,
                    // Older runs recorded a purged leaver as `removed`.
                    detail: r
                        .get::<Option<String>>(5)?
                        .map(|d| if d == "removed" { "purged".into() } else { d }),
                    licences: Vec::new(),
                    licence_product_ids: Vec::new(),
                })
            },
        )?;
        // Fold the joiners' and leavers' licences into their rows.
        let (held, mut changes): (Vec<Change>, Vec<Change>) = changes
            .into_iter()
            .partition(|c| c.kind == "joiner_licence" || c.kind == "leaver_licence");
        for h in held {
            let kind = h.kind.trim_end_matches("_licence");
            if let Some(c) = changes
                .iter_mut()
                .find(|c| c.kind == kind && c.account_id == h.account_id)
            {
                c.licences.extend(h.product);
                c.licence_product_ids.extend(h.product_id);
            }
        }
        Ok(ChangeLog {
            run_id: chosen.id,
            ended_at: chosen.ended_at.clone(),
            baseline,
            changes,
        })
    })
}
