//! The compact tab-separated form of a catalogue, used for the built-in table
//! (`plugin/m365/catalog/data/catalog.tsv`).
//!
//! ```text
//! # one header comment line: where the table comes from and the source date
//! S<TAB>plan id<TAB>plan technical name<TAB>plan friendly name
//! P<TAB>sku id<TAB>part number<TAB>display name<TAB>included plans
//! ```
//!
//! All `S` lines come first, sorted by plan ID; then the `P` lines sorted by SKU ID. A `P`
//! line's included plans are comma-separated 0-based indexes of `S` lines (this keeps the
//! table at about a third of its size with GUIDs). GUIDs are lowercase. Fields never contain
//! tabs or line breaks (the CSV parser collapses whitespace).

use super::csv_import::{ParsedCatalog, Product, SOURCE_URL, ServicePlan, is_guid};
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::io::{self, Write};

/// What precedes the source date in the header line.
const DATED: &str = "source dated ";

/// Writes `catalog` in the compact form, with a header naming the source and `source_date`
/// (the date of Microsoft's CSV, e.g. `2025-12-30`).
pub fn write_compact(
    catalog: &ParsedCatalog,
    source_date: &str,
    out: &mut impl Write,
) -> io::Result<()> {
    writeln!(
        out,
        "# itam product catalogue: derived from Microsoft's \"Product names and service plan \
         identifiers for licensing\" CSV ({SOURCE_URL}), {DATED}{source_date}; {} products, {} \
         service plans. Generated, do not edit: see plugin/m365/catalog/src/lib.rs.",
        catalog.products.len(),
        catalog.plans.len()
    )?;
    let mut index = BTreeMap::new();
    for (i, (id, plan)) in catalog.plans.iter().enumerate() {
        index.insert(id.as_str(), i);
        let fields = [id.as_str(), &plan.name, &plan.friendly_name];
        writeln!(out, "S\t{}", checked(&fields)?.join("\t"))?;
    }
    for (id, product) in &catalog.products {
        let mut plans = Vec::with_capacity(product.plans.len());
        for plan in &product.plans {
            let i = index.get(plan.as_str()).ok_or_else(|| {
                invalid(format!("product {id} includes unknown service plan {plan}"))
            })?;
            plans.push(i.to_string());
        }
        let plans = plans.join(",");
        let fields = [id.as_str(), &product.part_number, &product.name, &plans];
        writeln!(out, "P\t{}", checked(&fields)?.join("\t"))?;
    }
    Ok(())
}

/// `fields`, if none holds a tab or line break.
fn checked<'a, const N: usize>(fields: &'a [&'a str; N]) -> io::Result<&'a [&'a str; N]> {
    match fields.iter().find(|f| f.contains(['\t', '\n', '\r'])) {
        Some(f) => Err(invalid(format!("field {f:?} holds a tab or line break"))),
        None => Ok(fields),
    }
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

/// The source date in a compact table's header line, if it has one.
pub fn source_date(text: &str) -> Option<&str> {
    let header = text.lines().next()?.strip_prefix('#')?;
    let rest = &header[header.find(DATED)? + DATED.len()..];
    Some(rest.split(';').next()?.trim())
}

/// Parses a compact table. Errors name the line.
pub fn parse_compact(text: &str) -> Result<ParsedCatalog> {
    let mut catalog = ParsedCatalog::default();
    let mut plan_ids = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let n = n + 1;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        match fields.as_slice() {
            ["S", id, name, friendly_name] if is_guid(id) => {
                plan_ids.push(id.to_string());
                let plan = ServicePlan {
                    name: name.to_string(),
                    friendly_name: friendly_name.to_string(),
                };
                catalog.plans.insert(id.to_string(), plan);
            }
            ["P", id, part_number, name, plans] if is_guid(id) => {
                let plans = plans
                    .split(',')
                    .filter(|p| !p.is_empty())
                    .map(|p| {
                        p.parse::<usize>()
                            .ok()
                            .and_then(|i| plan_ids.get(i).cloned())
                            .with_context(|| format!("line {n}: no service plan number {p}"))
                    })
                    .collect::<Result<Vec<_>>>()?;
                let product = Product {
                    part_number: part_number.to_string(),
                    name: name.to_string(),
                    plans,
                };
                catalog.products.insert(id.to_string(), product);
            }
            _ => bail!("line {n}: not an S or P line: {line:?}"),
        }
    }
    Ok(catalog)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csv_import::parse_csv;
    use std::path::PathBuf;

    const CSV: &str = "Product_Display_Name,String_Id,GUID,Service_Plan_Name,Service_Plan_Id,Service_Plans_Included_Friendly_Names\n\
        Office 365 E3,ENTERPRISEPACK,6fd2c87f-b296-42f0-b197-1e91e994b900,EXCHANGE_S_ENTERPRISE,efb87545-963c-4e0d-99df-69c6916d9eb0,Exchange Online (Plan 2)\n\
        Office 365 E3,ENTERPRISEPACK,6fd2c87f-b296-42f0-b197-1e91e994b900,EXCHANGE_S_FOUNDATION,113feb6c-3fe4-4440-bddc-54d774bf0318,Exchange Foundation\n\
        Office 365 E1,STANDARDPACK,18181a46-0d4e-45cd-891e-60aabd171b4e,EXCHANGE_S_FOUNDATION,113feb6c-3fe4-4440-bddc-54d774bf0318,Exchange Foundation\n";

    #[test]
    fn round_trip() {
        let parsed = parse_csv(CSV.as_bytes()).unwrap();
        let mut out = Vec::new();
        write_compact(&parsed, "2025-12-30", &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(source_date(&text), Some("2025-12-30"));
        let back = parse_compact(&text).unwrap();
        assert_eq!(back.products, parsed.products);
        assert_eq!(back.plans, parsed.plans);
        assert!(text.contains(
            "\nP\t18181a46-0d4e-45cd-891e-60aabd171b4e\tSTANDARDPACK\tOffice 365 E1\t0\n"
        ));
    }

    #[test]
    fn bad_lines_are_named() {
        let err = parse_compact("# x\nS\tnot-a-guid\ta\tb\n").unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
        let err = parse_compact("P\t18181a46-0d4e-45cd-891e-60aabd171b4e\tX\tY\t3\n").unwrap_err();
        assert!(
            err.to_string().contains("no service plan number 3"),
            "{err}"
        );
    }

    /// Microsoft's CSV, when `ITAM_CATALOG_CSV` names one.
    fn reference_csv() -> Option<PathBuf> {
        std::env::var_os("ITAM_CATALOG_CSV")
            .map(PathBuf::from)
            .filter(|p| p.exists())
    }

    fn compact_from(csv: &std::path::Path, source_date: &str) -> String {
        let parsed = parse_csv(std::fs::File::open(csv).unwrap()).unwrap();
        let mut out = Vec::new();
        write_compact(&parsed, source_date, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// The committed table is exactly what the reference CSV gives (skipped without the CSV).
    #[test]
    fn committed_table_matches_reference_csv() {
        let Some(csv) = reference_csv() else {
            eprintln!("ITAM_CATALOG_CSV is not set; skipping");
            return;
        };
        let committed = super::super::EMBEDDED_TSV;
        let date = source_date(committed).expect("the committed table names its source date");
        assert!(
            compact_from(&csv, date) == committed,
            "plugin/m365/catalog/data/catalog.tsv differs from what {} gives; regenerate it (see \
             plugin/m365/catalog/src/lib.rs)",
            csv.display()
        );
    }

    /// Regenerates `plugin/m365/catalog/data/catalog.tsv`; see the module documentation of `catalog`.
    #[test]
    #[ignore = "writes plugin/m365/catalog/data/catalog.tsv; run by hand to refresh the built-in catalogue"]
    fn regenerate_embedded_table() {
        let csv = reference_csv().expect("set ITAM_CATALOG_CSV to Microsoft's CSV");
        let date = std::env::var("ITAM_CATALOG_DATE")
            .expect("set ITAM_CATALOG_DATE to the CSV's publication date, e.g. 2025-12-30");
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/catalog.tsv");
        std::fs::write(&path, compact_from(&csv, &date)).unwrap();
    }
}
