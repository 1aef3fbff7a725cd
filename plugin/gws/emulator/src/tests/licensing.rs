//! The License Manager API over HTTP: assignment counts per SKU equal the ground truth.

use super::http::{admin_token, all, get};
use super::{serve, tenant};
use crate::Options;
use crate::catalog;
use std::collections::{BTreeMap, BTreeSet};

#[tokio::test]
async fn assignment_counts_equal_the_ground_truth() {
    let emulator = serve(tenant(700), Options::default()).await;
    let token = admin_token(&emulator).await;
    let t = emulator.tenant();
    let expected = emulator.expected();

    let products: BTreeSet<&str> = catalog::SKUS.iter().map(|s| s.product_id).collect();
    let mut counted: BTreeMap<String, usize> = BTreeMap::new();
    let mut users_with_licence = BTreeSet::new();
    for product in &products {
        let path = format!(
            "/apps/licensing/v1/product/{product}/users?customerId={}&maxResults=37",
            t.customer_id
        );
        let (items, _) = all(&emulator, &path, &token, "items").await;
        for item in &items {
            assert_eq!(item["kind"], "licensing#licenseAssignment");
            assert_eq!(item["productId"], *product);
            let sku = catalog::by_sku_id(item["skuId"].as_str().unwrap()).unwrap();
            assert_eq!(item["skuName"], sku.sku_name);
            assert_eq!(item["productName"], sku.product_name);
            assert!(
                item["selfLink"]
                    .as_str()
                    .unwrap()
                    .contains("/apps/licensing/v1/product/")
            );
            *counted.entry(sku.sku_id.to_string()).or_default() += 1;
            users_with_licence.insert(item["userId"].as_str().unwrap().to_string());
        }
    }
    for sku in &expected.skus {
        assert_eq!(
            counted.get(&sku.sku_id).copied().unwrap_or(0),
            sku.assigned,
            "{}",
            sku.sku_id
        );
        let path = format!(
            "/apps/licensing/v1/product/{}/sku/{}/users?customerId={}",
            sku.product_id, sku.sku_id, t.domain
        );
        let (items, _) = all(&emulator, &path, &token, "items").await;
        assert_eq!(items.len(), sku.assigned, "{}", sku.sku_id);
    }
    assert_eq!(
        users_with_licence.len(),
        expected.counts.users - expected.counts.unlicensed
    );
    let workspace = |id: &str| expected.skus.iter().find(|s| s.sku_id == id).unwrap();
    assert!(workspace("1010020028").assigned_suspended > 0);
    assert!(
        expected
            .skus
            .iter()
            .any(|s| s.product_id == "101034" && s.assigned_archived > 0)
    );

    // A product the customer holds none of: an empty list, not an error.
    let none = format!(
        "/apps/licensing/v1/product/101001/users?customerId={}",
        t.customer_id
    );
    let answer = get(&emulator, &none, &token).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["kind"], "licensing#licenseAssignmentList");
    assert!(answer.body.get("items").is_none());

    let missing = get(
        &emulator,
        "/apps/licensing/v1/product/Google-Apps/users",
        &token,
    )
    .await;
    assert_eq!(missing.status, 400);
    let too_many = format!(
        "/apps/licensing/v1/product/Google-Apps/users?customerId={}&maxResults=1001",
        t.customer_id
    );
    assert_eq!(get(&emulator, &too_many, &token).await.status, 400);
    let full_page = format!(
        "/apps/licensing/v1/product/Google-Apps/users?customerId={}&maxResults=1000",
        t.customer_id
    );
    assert_eq!(get(&emulator, &full_page, &token).await.status, 200);
}
