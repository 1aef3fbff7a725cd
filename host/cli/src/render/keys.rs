//! The JSON and CSV keys `itam` prints. The store and the reports name products neutrally
//! (`product_id`, `part_number`); the keys users' tools read were fixed before that, in the
//! vocabulary of the first integration (`sku_id`, `sku_part_number`), and stay as they are.
//! Every renderer maps names through here, so the mapping lives in one place.

use serde_json::Value;

/// The printed key for a field or column `name`.
pub fn key(name: &str) -> &str {
    match name {
        "product_id" => "sku_id",
        "part_number" => "sku_part_number",
        "licence_product_ids" => "licence_sku_ids",
        other => other,
    }
}

/// `value` with every object key mapped by [`key`], at any depth, except inside `attributes`
/// (an integration's own names, printed as the plugin sent them).
pub fn rename(value: Value) -> Value {
    match value {
        Value::Object(object) => Value::Object(
            object
                .into_iter()
                .map(|(k, v)| {
                    let v = if k == "attributes" { v } else { rename(v) };
                    (key(&k).to_string(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(rename).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn product_fields_print_under_their_fixed_keys_at_any_depth_but_not_in_attributes() {
        let value = json!({
            "product_id": "p",
            "findings": [{ "part_number": "X", "licence_product_ids": ["p"], "name": "n" }],
            "attributes": { "product_id": "kept" }
        });
        assert_eq!(
            rename(value).to_string(),
            json!({
                "sku_id": "p",
                "findings": [{ "sku_part_number": "X", "licence_sku_ids": ["p"], "name": "n" }],
                "attributes": { "product_id": "kept" }
            })
            .to_string()
        );
    }
}
