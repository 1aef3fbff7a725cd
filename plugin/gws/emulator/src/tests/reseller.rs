//! The Reseller API over HTTP: subscriptions with seats for a reseller-managed customer, 403 for
//! a directly billed one.

use super::http::{admin_token, all, get, token_for};
use super::{SEED, serve};
use crate::{Billing, NOT_RESELLER, Options, Tenant, TenantSpec, scopes};

fn tenant(billing: Billing) -> Tenant {
    Tenant::generate(&TenantSpec {
        users: 400,
        seed: SEED,
        billing,
        ..TenantSpec::default()
    })
}

#[tokio::test]
async fn a_reseller_lists_subscriptions_with_seats() {
    let emulator = serve(tenant(Billing::Reseller), Options::default()).await;
    let token = admin_token(&emulator).await;
    let t = emulator.tenant();
    let path = format!(
        "/apps/reseller/v1/subscriptions?customerId={}&maxResults=2",
        t.customer_id
    );
    let (subscriptions, pages) = all(&emulator, &path, &token, "subscriptions").await;
    assert!(pages > 1);
    let expected = emulator.expected();
    let with_seats: Vec<_> = expected.skus.iter().filter(|s| s.seats.is_some()).collect();
    assert_eq!(subscriptions.len(), with_seats.len());
    for sku in with_seats {
        let seats = sku.seats.as_ref().unwrap();
        let s = subscriptions
            .iter()
            .find(|s| s["skuId"] == sku.sku_id.as_str())
            .unwrap();
        assert_eq!(s["kind"], "reseller#subscription");
        assert_eq!(s["subscriptionId"], seats.subscription_id.as_str());
        assert_eq!(s["customerId"], t.customer_id);
        assert_eq!(s["plan"]["planName"], seats.plan.as_str());
        assert_eq!(s["status"], seats.status.as_str());
        assert_eq!(
            s["seats"]["licensedNumberOfSeats"],
            seats.licensed_number_of_seats
        );
        assert_eq!(seats.licensed_number_of_seats as usize, sku.assigned);
        assert_eq!(s["seats"]["numberOfSeats"].as_u64(), seats.number_of_seats);
        assert_eq!(
            s["seats"]["maximumNumberOfSeats"].as_u64(),
            seats.maximum_number_of_seats
        );
        assert_eq!(s["trialSettings"]["isInTrial"], seats.is_in_trial);
        if s["plan"]["isCommitmentPlan"] == true {
            let start = s["plan"]["commitmentInterval"]["startTime"]
                .as_str()
                .unwrap();
            assert!(start.parse::<i64>().unwrap() > 1_000_000_000_000);
        }
    }
    let plans: Vec<&str> = subscriptions
        .iter()
        .map(|s| s["plan"]["planName"].as_str().unwrap())
        .collect();
    for plan in ["ANNUAL_MONTHLY_PAY", "ANNUAL_YEARLY_PAY", "FLEXIBLE"] {
        assert!(plans.contains(&plan), "{plan} in {plans:?}");
    }

    // Without an orders scope.
    let admin = t.admin_email().to_string();
    let directory_only = token_for(&emulator, &admin, &[scopes::USER_READONLY]).await;
    let answer = get(&emulator, &path, &directory_only).await;
    assert_eq!(answer.status, 403);
    assert_eq!(
        answer.body["error"]["errors"][0]["reason"],
        "insufficientPermissions"
    );
}

#[tokio::test]
async fn a_directly_billed_customer_gets_forbidden() {
    let emulator = serve(tenant(Billing::Direct), Options::default()).await;
    let token = admin_token(&emulator).await;
    let path = format!(
        "/apps/reseller/v1/subscriptions?customerId={}",
        emulator.tenant().customer_id
    );
    let answer = get(&emulator, &path, &token).await;
    assert_eq!(answer.status, 403);
    assert_eq!(answer.body["error"]["code"], 403);
    assert_eq!(answer.body["error"]["message"], NOT_RESELLER);
    assert_eq!(answer.body["error"]["errors"][0]["reason"], "forbidden");
    assert_eq!(answer.body["error"]["errors"][0]["domain"], "global");
    assert!(emulator.expected().skus.iter().all(|s| s.seats.is_none()));
    assert_eq!(emulator.expected().billing, Billing::Direct);
}
