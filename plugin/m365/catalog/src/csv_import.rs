//! Parses Microsoft's "Product names and service plan identifiers for licensing" CSV: one row
//! per (product, included service plan), columns found by header name.
//!
//! Tolerated: a UTF-8 byte-order mark, CRLF or LF line endings, quoted fields, columns in any
//! order, extra columns, header names in any case (and with spaces instead of underscores),
//! stray whitespace (including no-break spaces) around values. GUIDs are stored lowercase.

use anyhow::{Context, Result, anyhow, bail};
use std::collections::BTreeMap;
use std::io::Read;

/// Where to download the CSV; quoted in errors.
pub const SOURCE_URL: &str =
    "https://learn.microsoft.com/entra/identity/users/licensing-service-plan-reference";

/// One licensable product (SKU).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    /// `skuPartNumber`, e.g. `ENTERPRISEPACK` (CSV column `String_Id`).
    pub part_number: String,
    /// Display name, e.g. `Office 365 E3` (CSV column `Product_Display_Name`).
    pub name: String,
    /// Lowercase IDs of the service plans the product includes, sorted, without duplicates.
    pub plans: Vec<String>,
}

/// One service plan (a capability inside products).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePlan {
    /// Technical name, e.g. `EXCHANGE_S_ENTERPRISE` (CSV column `Service_Plan_Name`).
    pub name: String,
    /// Friendly name, e.g. `Exchange Online (Plan 2)`
    /// (CSV column `Service_Plans_Included_Friendly_Names`).
    pub friendly_name: String,
}

/// What a CSV file held, deduplicated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedCatalog {
    /// Products by lowercase SKU GUID (Graph `skuId`).
    pub products: BTreeMap<String, Product>,
    /// Service plans by lowercase service plan GUID.
    pub plans: BTreeMap<String, ServicePlan>,
    /// Data rows read (header excluded).
    pub rows: usize,
    /// Rows that named a product or plan already seen with a different name (ignoring case and
    /// spacing); the first name seen is kept. Where spellings differ only in case, a display or
    /// friendly name in mixed case replaces one in all capitals.
    pub conflicts: usize,
}

/// The columns used, in header spelling.
const COLUMNS: [&str; 6] = [
    "Product_Display_Name",
    "String_Id",
    "GUID",
    "Service_Plan_Name",
    "Service_Plan_Id",
    "Service_Plans_Included_Friendly_Names",
];

/// Parses the CSV from `reader`. Errors name the line and say what is wrong.
pub fn parse_csv(reader: impl Read) -> Result<ParsedCatalog> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(reader);
    let header = csv.headers().context("reading the CSV header")?.clone();
    if header
        .iter()
        .all(|h| h.trim().trim_start_matches('\u{feff}').is_empty())
    {
        bail!("the file is empty; {}", expected_file());
    }
    let index = column_indexes(&header)?;
    let mut parsed = ParsedCatalog::default();
    let mut record = csv::StringRecord::new();
    loop {
        let more = csv
            .read_record(&mut record)
            .with_context(|| format!("reading CSV line {}", csv.position().line()))?;
        if !more {
            break;
        }
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|f| clean(f).is_empty()) {
            continue;
        }
        let field = |column: usize| -> Result<String> {
            record.get(index[column]).map(clean).ok_or_else(|| {
                anyhow!(
                    "line {line} has {} fields, but column {} is field {}",
                    record.len(),
                    COLUMNS[column],
                    index[column] + 1
                )
            })
        };
        let sku_id = guid(&field(2)?, line, COLUMNS[2])?;
        let product = Product {
            name: field(0)?,
            part_number: field(1)?,
            plans: Vec::new(),
        };
        parsed.rows += 1;
        let entry = parsed
            .products
            .entry(sku_id)
            .or_insert_with(|| product.clone());
        if !same(&entry.name, &product.name) || !same(&entry.part_number, &product.part_number) {
            parsed.conflicts += 1;
        } else if shouting(&entry.name) && !shouting(&product.name) {
            entry.name = product.name;
        }
        let plan_id = field(4)?;
        if plan_id.is_empty() {
            continue;
        }
        let plan_id = guid(&plan_id, line, COLUMNS[4])?;
        entry.plans.push(plan_id.clone());
        let plan = ServicePlan {
            name: field(3)?,
            friendly_name: field(5)?,
        };
        let known = parsed.plans.entry(plan_id).or_insert_with(|| plan.clone());
        if !same(&known.name, &plan.name) || !same(&known.friendly_name, &plan.friendly_name) {
            parsed.conflicts += 1;
        } else if shouting(&known.friendly_name) && !shouting(&plan.friendly_name) {
            known.friendly_name = plan.friendly_name;
        }
    }
    if parsed.rows == 0 {
        bail!(
            "the file has a header but no data rows; {}",
            expected_file()
        );
    }
    for product in parsed.products.values_mut() {
        product.plans.sort();
        product.plans.dedup();
    }
    Ok(parsed)
}

/// The position of each of [`COLUMNS`] in `header`.
fn column_indexes(header: &csv::StringRecord) -> Result<[usize; 6]> {
    let found: Vec<String> = header.iter().map(normalize_header).collect();
    let mut index = [0; 6];
    let mut missing = Vec::new();
    for (slot, column) in index.iter_mut().zip(COLUMNS) {
        match found.iter().position(|h| *h == normalize_header(column)) {
            Some(i) => *slot = i,
            None => missing.push(column),
        }
    }
    if !missing.is_empty() {
        let seen: Vec<&str> = header
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}'))
            .collect();
        bail!(
            "missing column{} {} (the header has: {}); {}",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", "),
            seen.join(", "),
            expected_file()
        );
    }
    Ok(index)
}

fn expected_file() -> String {
    format!(
        "the file must be Microsoft's \"Product names and service plan identifiers for \
         licensing\" CSV, downloaded from {SOURCE_URL}"
    )
}

/// `Service_Plan_Id`, `service plan id` and `SERVICE-PLAN-ID` all match.
fn normalize_header(h: &str) -> String {
    h.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Trims (Unicode whitespace, so also no-break spaces) and collapses inner whitespace (the CSV
/// has tabs inside some names) to single spaces.
fn clean(field: &str) -> String {
    field.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Equal ignoring ASCII case (the CSV spells some friendly names in capitals on some rows).
fn same(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// All capitals (`EXCHANGE FOUNDATION`): a later `Exchange Foundation` replaces it.
fn shouting(name: &str) -> bool {
    !name.chars().any(char::is_lowercase)
}

/// Checks that `value` is a GUID (8-4-4-4-12 hex digits, optionally in braces) and returns it
/// lowercase without braces.
fn guid(value: &str, line: u64, column: &str) -> Result<String> {
    let bare = value
        .strip_prefix('{')
        .and_then(|v| v.strip_suffix('}'))
        .unwrap_or(value);
    if is_guid(bare) {
        Ok(bare.to_ascii_lowercase())
    } else {
        bail!("line {line}: {column} {value:?} is not a GUID (expected 8-4-4-4-12 hex digits)")
    }
}

/// Whether `s` is a hyphenated GUID.
pub(crate) fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "Product_Display_Name,String_Id,GUID,Service_Plan_Name,Service_Plan_Id,Service_Plans_Included_Friendly_Names";
    const E3: &str = "6fd2c87f-b296-42f0-b197-1e91e994b900";

    fn sample(newline: &str) -> String {
        [
            HEADER,
            "Office 365 E3,ENTERPRISEPACK,6FD2C87F-B296-42F0-B197-1E91E994B900,EXCHANGE_S_ENTERPRISE,efb87545-963c-4e0d-99df-69c6916d9eb0,Exchange Online (Plan 2)",
            "Office 365 E3,ENTERPRISEPACK,6fd2c87f-b296-42f0-b197-1e91e994b900,\"SHAREPOINTENTERPRISE\",5dbe027f-2339-4123-9542-606e4d348a72,\"SharePoint Online (Plan 2), with commas\"",
            "Microsoft Power Automate Free,FLOW_FREE,f30db892-07e9-47e9-837c-80727f46fd3d,EXCHANGE_S_FOUNDATION,113feb6c-3fe4-4440-bddc-54d774bf0318,EXCHANGE FOUNDATION",
            "Office 365 E1,STANDARDPACK,18181a46-0d4e-45cd-891e-60aabd171b4e,EXCHANGE_S_FOUNDATION,113feb6c-3fe4-4440-bddc-54d774bf0318,Exchange Foundation",
            "",
        ]
        .join(newline)
    }

    fn check(parsed: &ParsedCatalog) {
        assert_eq!(parsed.rows, 4);
        assert_eq!(parsed.products.len(), 3);
        assert_eq!(parsed.plans.len(), 3);
        assert_eq!(
            parsed.conflicts, 0,
            "case-only differences are not conflicts"
        );
        let e3 = &parsed.products[E3];
        assert_eq!(e3.part_number, "ENTERPRISEPACK");
        assert_eq!(e3.name, "Office 365 E3");
        assert_eq!(
            e3.plans,
            [
                "5dbe027f-2339-4123-9542-606e4d348a72",
                "efb87545-963c-4e0d-99df-69c6916d9eb0"
            ]
        );
        assert_eq!(
            parsed.plans["5dbe027f-2339-4123-9542-606e4d348a72"].friendly_name,
            "SharePoint Online (Plan 2), with commas"
        );
        assert_eq!(
            parsed.plans["113feb6c-3fe4-4440-bddc-54d774bf0318"].friendly_name,
            "Exchange Foundation",
            "mixed case wins over capitals"
        );
    }

    #[test]
    fn crlf_with_bom() {
        let text = format!("\u{feff}{}", sample("\r\n"));
        check(&parse_csv(text.as_bytes()).unwrap());
    }

    #[test]
    fn lf_without_bom() {
        check(&parse_csv(sample("\n").as_bytes()).unwrap());
    }

    #[test]
    fn reordered_and_extra_columns_and_header_case() {
        let text = "\u{feff}Extra,service_plan_id,GUID,Service Plans Included Friendly Names,string_id,Service_Plan_Name,PRODUCT_DISPLAY_NAME\n\
                    x,EFB87545-963C-4E0D-99DF-69C6916D9EB0,6fd2c87f-b296-42f0-b197-1e91e994b900,Exchange Online (Plan 2),ENTERPRISEPACK,EXCHANGE_S_ENTERPRISE,Office 365 E3\n";
        let parsed = parse_csv(text.as_bytes()).unwrap();
        let e3 = &parsed.products[E3];
        assert_eq!(e3.part_number, "ENTERPRISEPACK");
        assert_eq!(e3.name, "Office 365 E3");
        assert_eq!(e3.plans, ["efb87545-963c-4e0d-99df-69c6916d9eb0"]);
        assert_eq!(
            parsed.plans["efb87545-963c-4e0d-99df-69c6916d9eb0"],
            ServicePlan {
                name: "EXCHANGE_S_ENTERPRISE".into(),
                friendly_name: "Exchange Online (Plan 2)".into()
            }
        );
    }

    #[test]
    fn missing_column_is_named() {
        let text = "Product_Display_Name,String_Id,GUID,Service_Plan_Name,Service_Plans_Included_Friendly_Names\n\
                    Office 365 E3,ENTERPRISEPACK,6fd2c87f-b296-42f0-b197-1e91e994b900,X,Y\n";
        let err = format!("{:#}", parse_csv(text.as_bytes()).unwrap_err());
        assert!(err.contains("missing column Service_Plan_Id"), "{err}");
        assert!(err.contains(SOURCE_URL), "{err}");
    }

    #[test]
    fn bad_guid_names_the_line() {
        let text = format!("{HEADER}\nA,B,{E3},P,{E3},F\nA,B,not-a-guid,P,{E3},F\n");
        let err = format!("{:#}", parse_csv(text.as_bytes()).unwrap_err());
        assert!(err.contains("line 3"), "{err}");
        assert!(err.contains("GUID \"not-a-guid\" is not a GUID"), "{err}");
    }

    #[test]
    fn empty_file_and_header_only() {
        let err = format!("{:#}", parse_csv(&b""[..]).unwrap_err());
        assert!(err.contains("empty"), "{err}");
        let err = format!("{:#}", parse_csv("\u{feff}".as_bytes()).unwrap_err());
        assert!(err.contains("empty"), "{err}");
        let err = format!(
            "{:#}",
            parse_csv(format!("{HEADER}\r\n").as_bytes()).unwrap_err()
        );
        assert!(err.contains("no data rows"), "{err}");
    }

    #[test]
    fn conflicting_names_keep_the_first_and_count() {
        let text = format!(
            "{HEADER}\nOffice 365 E3,ENTERPRISEPACK,{E3},P,{E3},F\nSomething Else,ENTERPRISEPACK,{E3},P,{E3},F\n"
        );
        let parsed = parse_csv(text.as_bytes()).unwrap();
        assert_eq!(parsed.products[E3].name, "Office 365 E3");
        assert_eq!(parsed.conflicts, 1);
    }

    #[test]
    fn whitespace_is_cleaned() {
        let text = format!(
            "{HEADER}\nOffice 365 E3,ENTERPRISEPACK ,{E3}\u{a0},Virtualization \tRights,{E3},F\n"
        );
        let parsed = parse_csv(text.as_bytes()).unwrap();
        assert_eq!(parsed.products[E3].part_number, "ENTERPRISEPACK");
        assert_eq!(parsed.plans[E3].name, "Virtualization Rights");
    }
}
