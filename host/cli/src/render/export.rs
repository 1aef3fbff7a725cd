//! `itam export`: a snapshot's entities streamed as one JSON array or as CSV.

use crate::render::format::Csv;
use anyhow::Result;
use clap::builder::PossibleValue;
use itam_reports::catalog::ProductCatalog;
use itam_reports::export::Entity;
use itam_store::Query;
use serde_json::Value;
use std::io::Write;

/// How an export is printed (a snapshot's entities are too wide for a table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// One JSON array, one object per row.
    Json,
    /// CSV with a header row.
    Csv,
}

/// An [`Entity`] as a command-line value. Names spell "licence" the British way; the American
/// spellings are accepted too (`group-licenses`, `license-group-members`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntityArg(pub Entity);

impl clap::ValueEnum for EntityArg {
    fn value_variants<'a>() -> &'a [Self] {
        const ALL: [EntityArg; Entity::ALL.len()] = {
            let mut all = [EntityArg(Entity::Accounts); Entity::ALL.len()];
            let mut i = 0;
            while i < all.len() {
                all[i] = EntityArg(Entity::ALL[i]);
                i += 1;
            }
            all
        };
        &ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let value = PossibleValue::new(self.0.name()).help(self.0.help());
        Some(match self.0.alias() {
            Some(alias) => value.alias(alias),
            None => value,
        })
    }
}

/// Streams `entity` of `source` to `out`. In CSV, text cells that a spreadsheet would evaluate
/// as a formula get a leading `'` unless `raw` (see [`crate::render::format`]); JSON is always
/// exact.
pub fn export(
    q: &mut dyn Query,
    source: &str,
    entity: Entity,
    catalog: &dyn ProductCatalog,
    format: ExportFormat,
    raw: bool,
    out: &mut dyn Write,
) -> Result<()> {
    if format == ExportFormat::Csv {
        let mut w = Csv::new(out, raw);
        w.header(itam_reports::export::columns(entity))?;
        itam_reports::export::export(q, source, entity, catalog, &mut |row| {
            w.values(row.values())
        })?;
        return w.finish();
    }
    write!(out, "[")?;
    let mut first = true;
    itam_reports::export::export(q, source, entity, catalog, &mut |row| {
        write!(out, "{}\n  ", if first { "" } else { "," })?;
        serde_json::to_writer(&mut *out, &crate::render::keys::rename(Value::Object(row)))?;
        first = false;
        Ok(())
    })?;
    writeln!(out, "{}]", if first { "" } else { "\n" })?;
    Ok(())
}
