//! The `[reports]` and `[[price]]` sections of the configuration.

use itam_reports::settings::{DEFAULT_INACTIVE_DAYS, INACTIVE_DAYS, Price, ReportSettings};
use serde::Deserialize;

/// `[reports]` as written.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawReports {
    inactive_days: Option<i64>,
}

/// One `[[price]]` as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPrice {
    product: String,
    monthly: f64,
    currency: String,
}

/// Validates the report settings.
pub(crate) fn resolve(
    reports: RawReports,
    prices: Vec<RawPrice>,
) -> Result<ReportSettings, String> {
    let inactive_days = match reports.inactive_days {
        None => DEFAULT_INACTIVE_DAYS,
        Some(d) if INACTIVE_DAYS.contains(&d) => d as u32,
        Some(d) => {
            return Err(format!(
                "[reports] inactive_days = {d} is out of range; use a number of days from 1 to 3650 (default {DEFAULT_INACTIVE_DAYS})"
            ));
        }
    };
    let mut resolved: Vec<Price> = Vec::new();
    for p in prices {
        let product = p.product.trim().to_string();
        if product.is_empty() {
            return Err("a [[price]] has an empty product; write its part number (e.g. \"SPE_E3\") or SKU GUID".into());
        }
        if !p.monthly.is_finite() || p.monthly < 0.0 {
            return Err(format!(
                "[[price]] for {product}: monthly = {} is not a price; write the monthly price of one licence, e.g. 36.0",
                p.monthly
            ));
        }
        let currency = p.currency.trim().to_ascii_uppercase();
        if iso_currency::Currency::from_code(&currency).is_none() {
            return Err(format!(
                "[[price]] for {product}: currency = \"{}\" is not an ISO 4217 code; write e.g. \"EUR\" or \"USD\"",
                p.currency
            ));
        }
        if resolved
            .iter()
            .any(|q| q.product.eq_ignore_ascii_case(&product))
        {
            return Err(format!("two [[price]] entries are for {product}; keep one"));
        }
        // The same SKU by part number and by GUID: the report would use the first silently.
        let sku = sku_of(&product);
        if let Some(other) = resolved
            .iter()
            .find(|q| sku.is_some() && sku_of(&q.product) == sku)
        {
            return Err(format!(
                "two [[price]] entries are for the same product: product = \"{}\" and product = \"{product}\" ({}); keep one",
                other.product,
                catalog_name(sku.as_deref().unwrap_or_default()),
            ));
        }
        // A GUID is copied from the tenant and may be newer than the catalogue; a part number
        // it does not know is more likely a typo.
        if sku.is_none() && !crate::config::is_guid(&product) {
            tracing::warn!(
                "[[price]] product = \"{product}\" is not a part number in the built-in catalogue; unless a SKU of the tenant has it, the price is never used: compare it with the part numbers of `itam report balance`"
            );
        }
        resolved.push(Price {
            product,
            monthly: p.monthly,
            currency,
        });
    }
    Ok(ReportSettings {
        inactive_days,
        prices: resolved,
    })
}

/// The SKU GUID that a price's `product` (part number or GUID) names in the built-in
/// catalogue.
fn sku_of(product: &str) -> Option<String> {
    let catalog = itam_m365_catalog::Catalog::embedded();
    if crate::config::is_guid(product) {
        let id = product.to_ascii_lowercase();
        return catalog.contains(&id).then_some(id);
    }
    catalog.sku_of_part_number(product)
}

/// A SKU's name and part number for messages.
fn catalog_name(sku: &str) -> String {
    let catalog = itam_m365_catalog::Catalog::embedded();
    match (catalog.product_name(sku), catalog.part_number(sku)) {
        (Some(name), Some(part)) => format!("{name}, {part}, SKU {sku}"),
        _ => format!("SKU {sku}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ReportSettings, String> {
        #[derive(Deserialize)]
        struct Doc {
            #[serde(default)]
            reports: RawReports,
            #[serde(default, rename = "price")]
            prices: Vec<RawPrice>,
        }
        let doc: Doc = toml::from_str(text).map_err(|e| e.to_string())?;
        resolve(doc.reports, doc.prices)
    }

    #[test]
    fn defaults_and_valid_prices() {
        assert_eq!(parse("").unwrap(), ReportSettings::default());
        let s = parse(
            "[reports]\ninactive_days = 30\n[[price]]\nproduct = \"SPE_E3\"\nmonthly = 36.0\ncurrency = \"eur\"\n",
        )
        .unwrap();
        assert_eq!(s.inactive_days, 30);
        assert_eq!(s.prices[0].currency, "EUR");
        assert!(s.prices[0].matches("05e9a617-0261-4cee-bb44-138d3ef5d965", "spe_e3"));
    }

    #[test]
    fn bad_values_say_what_to_write() {
        let e = parse("[reports]\ninactive_days = 0\n").unwrap_err();
        assert!(e.contains("from 1 to 3650"), "{e}");
        let e =
            parse("[[price]]\nproduct = \"X\"\nmonthly = -1.0\ncurrency = \"EUR\"\n").unwrap_err();
        assert!(e.contains("not a price"), "{e}");
        let e =
            parse("[[price]]\nproduct = \"X\"\nmonthly = 1.0\ncurrency = \"euro\"\n").unwrap_err();
        assert!(e.contains("ISO 4217"), "{e}");
        let twice = "[[price]]\nproduct = \"X\"\nmonthly = 1.0\ncurrency = \"EUR\"\n";
        let e = parse(&format!("{twice}{twice}")).unwrap_err();
        assert!(e.contains("two [[price]]"), "{e}");
        assert!(
            parse("[reports]\ninactive = 3\n").is_err(),
            "unknown keys are refused"
        );
        let e = parse("[[price]]\nproduct = \"SPE_E3\"\nmonthly = 1.0\ncurrency = \"XYZ\"\n")
            .unwrap_err();
        assert!(e.contains("XYZ") && e.contains("ISO 4217"), "{e}");
        let by_part = "[[price]]\nproduct = \"SPE_E3\"\nmonthly = 36.0\ncurrency = \"USD\"\n";
        let by_guid = "[[price]]\nproduct = \"05E9A617-0261-4CEE-BB44-138D3EF5D965\"\nmonthly = 30.0\ncurrency = \"USD\"\n";
        let e = parse(&format!("{by_part}{by_guid}")).unwrap_err();
        assert!(
            e.contains("product = \"SPE_E3\"")
                && e.contains("product = \"05E9A617-0261-4CEE-BB44-138D3EF5D965\"")
                && e.contains("same product"),
            "{e}"
        );
    }
}
