//! Fuzzes the host's product catalogue readers on arbitrary bytes:
//! `itam_m365_catalog::parse_csv` (Microsoft's "Product names and service plan identifiers"
//! CSV, as `itam catalog import` reads it) and `itam_m365_catalog::parse_compact` (the
//! built-in tab-separated table). Byte 0 picks the reader. Both must return `Ok` or `Err`.

#![no_main]

use itam_m365_catalog::{Catalog, compact, parse_compact, parse_csv};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    let parsed = if mode % 2 == 0 {
        parse_csv(body)
    } else {
        let Ok(text) = std::str::from_utf8(body) else {
            return;
        };
        let _ = compact::source_date(text);
        parse_compact(text)
    };
    if let Ok(parsed) = parsed {
        for (id, product) in &parsed.products {
            assert!(
                product.plans.iter().all(|p| parsed.plans.contains_key(p)),
                "{id}"
            );
        }
        let catalog = Catalog::from_parsed(parsed);
        let _ = (catalog.len(), catalog.plan_count());
    }
});
