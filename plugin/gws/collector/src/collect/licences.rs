//! Licence assignments of every product in the catalogue (each with all of its SKUs), mapped
//! from users' addresses to the directory's account IDs.

use super::tally::Tally;
use super::users::Directory;
use crate::catalog;
use crate::client::Google;
use crate::hostapi::HostApi;
use crate::model::LicencesPage;
use crate::settings::GwsSettings;
use crate::transport::{Transport, encode};
use crate::types::{Assignment, CollectError};
use std::collections::HashSet;

/// The page size of `licenseAssignments.listForProduct` (Google's maximum).
pub const PAGE_SIZE: u32 = 1000;

/// How many unknown addresses a warning quotes.
const QUOTED: usize = 5;

/// A SKU some user holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldSku {
    /// The SKU.
    pub sku_id: String,
    /// Its product.
    pub product_id: String,
    /// The product's name as Google sent it.
    pub product_name: Option<String>,
    /// The SKU's name as Google sent it.
    pub sku_name: Option<String>,
    /// How many accounts of the directory hold it.
    pub assigned: u64,
}

/// Every licence held in the directory.
#[derive(Debug, Default)]
pub struct Held {
    /// The assignments, each of a SKU (the product's ID) to an account.
    pub assignments: Vec<Assignment>,
    /// The SKUs held, in the order first seen.
    pub skus: Vec<HeldSku>,
}

/// The URL of the first page of the assignments of `product_id` for `customer_id`.
pub fn url(settings: &GwsSettings, product_id: &str, customer_id: &str, size: u32) -> String {
    format!(
        "{}/product/{}/users?customerId={}&maxResults={size}",
        settings.licensing_base(),
        encode(product_id),
        encode(customer_id)
    )
}

/// Whether a refusal concerns one product only (Google does not know it, or will not list it
/// for this customer), so the others are still read.
fn product_refused(error: &CollectError) -> bool {
    let f = error.failure();
    matches!(
        (f.status, f.code.as_deref()),
        (Some(400 | 404), _) | (Some(403), Some("forbidden"))
    )
}

/// Reads the assignments of every product the catalogue names. An address the directory does
/// not list is left out with a warning; a product Google refuses (400, 404, 403 `forbidden`)
/// is left out with a warning, unless Google refuses them all.
pub fn read<T: Transport, H: HostApi>(
    google: &mut Google<'_, T, H>,
    settings: &GwsSettings,
    customer_id: &str,
    directory: &Directory,
    tally: &mut Tally,
) -> Result<Held, CollectError> {
    let mut held = Held::default();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut unknown: Vec<String> = Vec::new();
    let mut refused: Vec<(&str, CollectError)> = Vec::new();
    let products = catalog::product_ids();
    for (done, product) in products.iter().enumerate() {
        // A product's pages are kept aside until its last one is read: a product refused on a
        // later page is left out whole, not counted in part.
        let mut staged = Vec::new();
        let read = google.for_each_page(
            &url(settings, product, customer_id, PAGE_SIZE),
            |_, page: LicencesPage| {
                staged.extend(page.items);
                Ok(())
            },
        );
        if read.is_ok() {
            for item in staged {
                let Some(account) = directory.user_id(&item.user_id) else {
                    unknown.push(item.user_id);
                    continue;
                };
                if item.sku_id.is_empty()
                    || !seen.insert((account.to_string(), item.sku_id.clone()))
                {
                    continue;
                }
                match held.skus.iter_mut().find(|s| s.sku_id == item.sku_id) {
                    Some(sku) => sku.assigned += 1,
                    None => held.skus.push(HeldSku {
                        sku_id: item.sku_id.clone(),
                        product_id: if item.product_id.is_empty() {
                            product.to_string()
                        } else {
                            item.product_id.clone()
                        },
                        product_name: item.product_name,
                        sku_name: item.sku_name,
                        assigned: 1,
                    }),
                }
                held.assignments
                    .push(Assignment::direct(account, item.sku_id));
            }
        }
        match read {
            Ok(()) => {}
            Err(e) if product_refused(&e) => refused.push((product, e)),
            Err(e) => return Err(e),
        }
        google
            .host()
            .progress("licences", done as u64 + 1, Some(products.len() as u64));
    }
    if refused.len() == products.len() && !refused.is_empty() {
        return Err(refused.swap_remove(0).1);
    }
    if !refused.is_empty() {
        let which: Vec<String> = refused
            .iter()
            .map(|(p, e)| {
                let f = e.failure();
                format!(
                    "{p} ({} {})",
                    f.status.unwrap_or_default(),
                    f.code.as_deref().unwrap_or("refused")
                )
            })
            .collect();
        tally.warnings.push(format!(
            "the Enterprise License Manager API refused to list the licences of {} products, which are left out: {}",
            which.len(),
            which.join(", ")
        ));
    }
    if !unknown.is_empty() {
        unknown.sort();
        unknown.dedup();
        tally.warnings.push(format!(
            "{} users hold licences but are not among the directory's users (created or deleted during the run, or of another customer), so their licences are left out: {}{}",
            unknown.len(),
            unknown.iter().take(QUOTED).cloned().collect::<Vec<_>>().join(", "),
            if unknown.len() > QUOTED { ", …" } else { "" }
        ));
    }
    Ok(held)
}
