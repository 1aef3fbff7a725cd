//! A page of a product's holders, searched: what the API's holders call and the product page
//! show.

use itam_store::Store;
use serde_json::Value;

/// Longest search text accepted.
pub const MAX_QUERY: usize = 200;

/// A page of a product's holders, for the API and the product page.
#[derive(Debug, serde::Serialize)]
pub struct HoldersPage {
    /// The product, without its holders.
    pub product: Value,
    /// Holders that match the search.
    pub matching: usize,
    /// The page (1-based).
    pub page: usize,
    /// Holders per page.
    pub per_page: usize,
    /// This page's holders.
    pub holders: Vec<itam_reports::product::Holder>,
}

/// Page `page` of `product`'s holders in `source` matching `search`.
pub fn holders_page(
    store: &Store,
    source: &str,
    product: &str,
    search: &str,
    page: usize,
    per_page: usize,
    catalog: &dyn itam_reports::catalog::ProductCatalog,
) -> anyhow::Result<HoldersPage> {
    let filter = itam_reports::product::Filter {
        department: None,
        inactive: None,
        disabled: false,
        sort: itam_reports::product::Sort::Upn,
        now: chrono::Utc::now(),
    };
    let mut report = itam_reports::product::product(store, source, product, &filter, catalog)?;
    let needle = search.to_lowercase();
    let mut holders = std::mem::take(&mut report.holders);
    if !needle.is_empty() {
        holders.retain(|h| {
            [
                Some(&h.user_principal_name),
                h.display_name.as_ref(),
                h.department.as_ref(),
            ]
            .into_iter()
            .flatten()
            .any(|text| text.to_lowercase().contains(&needle))
        });
    }
    let matching = holders.len();
    let holders: Vec<_> = holders
        .into_iter()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .collect();
    let mut product = serde_json::to_value(&report)?;
    if let Value::Object(map) = &mut product {
        map.remove("holders");
    }
    Ok(HoldersPage {
        product,
        matching,
        page,
        per_page,
        holders,
    })
}
