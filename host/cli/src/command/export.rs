//! `itam export`: one entity of a source's snapshot, streamed as JSON or CSV.

use super::*;
use crate::render::export::{EntityArg, ExportFormat};

/// Exports `entity` of the source (or the only one).
pub(super) fn export(
    config_path: &Path,
    entity: EntityArg,
    source: Option<&str>,
    format: ExportFormat,
    raw: bool,
    out: &mut dyn Write,
) -> Result<i32> {
    let (store, source) = open_for_report(config_path, source)?;
    let catalog = crate::catalogs::for_source(&store, &source)?;
    store.read(|q| {
        crate::render::export::export(q, &source, entity.0, &*catalog, format, raw, out)
    })?;
    Ok(0)
}
