//! A 5,000-user tenant synced through the real plugin and sandbox into SQLite, checked
//! field by field against the emulator's ground truth.

use crate::common::{Env, assert_success};
use graph_emulator::Options;
use std::collections::{BTreeMap, BTreeSet};

#[test]
fn sync_of_5000_users_matches_the_ground_truth() {
    let env = Env::new(5000, Options::default());
    env.config();
    let out = env.itam(&["sync"]);
    assert_success(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("5000 accounts"));

    let t = env.tenant();
    let balance = env.itam_json(&["report", "balance", "--format", "json"]);
    let rows = balance.as_array().unwrap();
    assert_eq!(rows.len(), t.skus.len());
    let by_sku: BTreeMap<&str, &serde_json::Value> = rows
        .iter()
        .map(|r| (r["sku_id"].as_str().unwrap(), r))
        .collect();
    for e in t.expected_balance() {
        let r = by_sku[e.sku_id.as_str()];
        let keys: BTreeSet<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            BTreeSet::from([
                "sku_id",
                "sku_part_number",
                "product_name",
                "status",
                "enabled",
                "warning",
                "suspended",
                "locked_out",
                "consumed",
                "available"
            ])
        );
        assert_eq!(r["sku_part_number"], e.part_number.as_str());
        assert_eq!(r["status"], e.status.as_str());
        assert_eq!(r["enabled"], e.enabled);
        assert_eq!(r["warning"], e.warning);
        assert_eq!(r["suspended"], e.suspended);
        assert_eq!(r["locked_out"], e.locked_out);
        assert_eq!(r["consumed"], e.consumed);
        assert_eq!(r["available"], e.enabled as i64 - e.consumed as i64);
    }
    assert_eq!(
        by_sku["6fd2c87f-b296-42f0-b197-1e91e994b900"]["product_name"],
        "Office 365 E3"
    );
    let custom = &t.skus[graph_emulator::tenant::sku::CUSTOM].sku_id;
    assert!(
        by_sku[custom.as_str()]["product_name"].is_null(),
        "an uncatalogued SKU has no friendly name"
    );
    let e5 = by_sku["06ebc4ee-1bb5-47dd-8120-11324bc54e06"];
    assert!(
        e5["available"].as_i64().unwrap() < 0,
        "the over-allocated SKU shows negative availability"
    );

    // Accounts: every user, UPNs byte for byte (non-ASCII and #EXT# included).
    let accounts = env.itam_json(&["export", "accounts"]);
    let accounts = accounts.as_array().unwrap();
    assert_eq!(accounts.len(), t.users.len());
    let upns: BTreeSet<&str> = accounts
        .iter()
        .map(|a| a["user_principal_name"].as_str().unwrap())
        .collect();
    let expected: BTreeSet<&str> = t.users.iter().map(|u| u.upn.as_str()).collect();
    assert_eq!(upns, expected);
    assert!(upns.iter().any(|u| u.contains("#EXT#")) && upns.iter().any(|u| !u.is_ascii()));
    let disabled = accounts
        .iter()
        .filter(|a| a["account_enabled"] == false)
        .count();
    assert_eq!(disabled, t.users.iter().filter(|u| !u.enabled).count());
    let guests = accounts
        .iter()
        .filter(|a| a["user_type"] == "Guest")
        .count();
    assert_eq!(
        guests,
        t.users.iter().filter(|u| u.user_type == "Guest").count()
    );
    assert!(
        accounts.iter().any(|a| a["department"].is_null()),
        "nulls survive as nulls"
    );

    // Assignments: one per licenseAssignmentState, with provenance and errors.
    let assignments = env.itam_json(&["export", "assignments"]);
    let assignments = assignments.as_array().unwrap();
    assert_eq!(assignments.len(), t.assignment_states());
    let via_group = assignments
        .iter()
        .filter(|a| !a["assigned_by_group"].is_null())
        .count();
    let expected_via_group: usize = t
        .users
        .iter()
        .map(|u| u.states.iter().filter(|s| s.group.is_some()).count())
        .sum();
    assert_eq!(via_group, expected_via_group);
    let errors = assignments
        .iter()
        .filter(|a| a["error"] == "CountViolation")
        .count();
    assert_eq!(
        errors,
        t.users
            .iter()
            .map(|u| u
                .states
                .iter()
                .filter(|s| s.error == "CountViolation")
                .count())
            .sum::<usize>()
    );
    // The consumed count Graph reports agrees with the assignments collected.
    for (i, sku) in t.skus.iter().enumerate() {
        let holders: BTreeSet<&str> = assignments
            .iter()
            .filter(|a| a["sku_id"] == sku.sku_id.as_str() && a["state"] != "Error")
            .map(|a| a["user_id"].as_str().unwrap())
            .collect();
        assert_eq!(holders.len() as u64, t.consumed(i), "{}", sku.part_number);
    }

    let groups = env.itam_json(&["export", "groups"]);
    assert_eq!(groups.as_array().unwrap().len(), t.groups.len());
    let licenses = env.itam_json(&["export", "group-licenses"]);
    assert_eq!(licenses.as_array().unwrap().len(), 2);

    // Paging really happened: the users delta round in pages of Graph's choosing, one token.
    let requests = env.emulator.requests();
    assert!(requests["users/delta"] >= 5000 / 200, "{requests:?}");
    assert_eq!(requests["subscribedSkus"], 1);
    // SKUs, organization and subscriptions in one $batch; members come with the groups.
    assert_eq!(requests["batch"], 1, "{requests:?}");
    // The licence group has more than 999 members: it is listed again on several pages.
    assert!(t.direct_members(0).len() > 999);
    assert!(requests["groups/delta"] > 1, "{requests:?}");
    // Devices with their owners expanded: at most 100 per page, as Graph pages them.
    let pages = t.devices.len().div_ceil(100) as u64;
    assert!(
        (pages..=pages + 1).contains(&requests["devices"]),
        "{requests:?}"
    );
    let memberships = env.itam_json(&["export", "memberships"]);
    assert_eq!(memberships.as_array().unwrap().len(), t.membership_count());
    assert_eq!(requests["token"], 1);
    // Graph pages reuse one pooled connection; the token request has its own.
    assert!(
        env.emulator.connections() <= 3,
        "{} connections for {requests:?}",
        env.emulator.connections()
    );

    // CSV export has a header and one line per account.
    let csv = env.itam(&["export", "accounts", "--format", "csv"]);
    assert_success(&csv);
    let text = String::from_utf8(csv.stdout).unwrap();
    assert!(text.starts_with("id,user_principal_name,display_name"));
    assert_eq!(text.lines().count(), t.users.len() + 1);

    // History: the run is recorded as succeeded.
    let runs = env.itam_json(&["runs"]);
    assert_eq!(runs[0]["status"], "succeeded");
    assert_eq!(runs[0]["summary"]["counts"]["accounts"], 5000);
    assert_eq!(runs[0]["summary"]["facts"]["organization"], "Contoso");
    assert_eq!(
        runs[0]["summary"]["facts"]["tenant_id"],
        t.tenant_id.as_str()
    );
}

#[test]
fn short_lived_tokens_are_refreshed_by_the_host() {
    // Tokens that expire within the host's refresh margin are renewed before each request.
    let env = Env::new(
        1500,
        Options {
            token_lifetime_secs: 60,
            ..Options::default()
        },
    );
    env.config();
    assert_success(&env.itam(&["sync"]));
    let requests = env.emulator.requests();
    // HTTP requests to Graph. SKUs, organization and subscriptions are read inside a $batch.
    let graph_calls = [
        "batch",
        "users/delta",
        "groups/delta",
        "devices/delta",
        "devices",
        "deletedUsers",
        "signInActivity",
    ]
    .iter()
    .map(|e| requests[*e])
    .sum::<u64>();
    assert_eq!(requests["token"], graph_calls + 1, "{requests:?}");
    let accounts = env.itam_json(&["export", "accounts"]);
    assert_eq!(accounts.as_array().unwrap().len(), 1500);
}

#[test]
fn a_run_of_thousands_of_requests_keeps_no_host_resource_per_request() {
    // Pages of 2 users: 1,500 users take 750 delta pages, and every other read adds more, past
    // the 1,024 host resources a plugin may hold at once. Each request's resources must be
    // gone once its answer is read.
    let env = Env::new(
        1500,
        Options {
            delta_page_size: 2,
            ..Options::default()
        },
    );
    env.config();
    assert_success(&env.itam(&["sync"]));
    let requests = env.emulator.total_requests();
    assert!(requests > 1100, "{requests} requests");
    let accounts = env.itam_json(&["export", "accounts"]);
    assert_eq!(accounts.as_array().unwrap().len(), 1500);
}
