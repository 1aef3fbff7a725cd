//! Which product catalogue a source's reports use: the one of the integration its plugin
//! belongs to, found by the name the plugin gave in its last successful run.

use itam_reports::catalog::{NoCatalog, ProductCatalog};
use itam_store::Store;

/// The catalogue for `source`'s reports. The Microsoft 365 plugin's sources get Microsoft's
/// product list (an imported one over the built-in one); other plugins' sources get none: their
/// products carry their names, and are classed by what their names say.
pub fn for_source(store: &Store, source: &str) -> anyhow::Result<Box<dyn ProductCatalog>> {
    store.read(|q| {
        let plugin: Option<String> = q.row_opt(
            "SELECT plugin FROM runs WHERE source = ?1 AND status = 'succeeded'
             ORDER BY id DESC LIMIT 1",
            &itam_store::values![source],
            |r| r.get(0),
        )?;
        let catalog: Box<dyn ProductCatalog> = match plugin.as_deref() {
            Some("m365") => Box::new(itam_m365_catalog::Catalog::load(q)?),
            _ => Box::new(NoCatalog),
        };
        Ok(catalog)
    })
}
