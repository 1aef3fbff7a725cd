//! The reports against the emulator's ground truth: every waste finding's accounts, the
//! subscriptions' renewal windows, memberships with nesting, devices, costs, changes between
//! runs, a tenant without Entra ID P1, and the catalogue import.

use crate::common::{Env, assert_success, stderr};
use graph_emulator::expected::expected_changes;
use graph_emulator::tenant::sku;
use graph_emulator::{Options, Tenant, TenantSpec};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

fn with_audit_log() -> Options {
    let mut options = Options::default();
    options.roles.push("AuditLog.Read.All".into());
    options
}

/// SKU → account IDs of the findings of `kind`.
fn accounts_by_sku(report: &Value, kind: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in report["findings"].as_array().unwrap() {
        if f["kind"] == kind {
            assert_eq!(f["evaluated"], true, "{f}");
            let ids: BTreeSet<String> = f["accounts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["id"].as_str().unwrap().to_string())
                .collect();
            assert_eq!(f["licences"], ids.len(), "licences count the accounts");
            out.insert(f["sku_id"].as_str().unwrap().to_string(), ids);
        }
    }
    out
}

fn finding_kinds(report: &Value, kind: &str) -> Vec<Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == kind)
        .cloned()
        .collect()
}

/// An environment of 2,000 users with prices for two products, synced once.
fn synced() -> Env {
    let env = Env::new(2000, with_audit_log());
    env.config();
    env.append_config(
        "[[price]]\nproduct = \"SPE_E3\"\nmonthly = 36.0\ncurrency = \"USD\"\n\n\
         [[price]]\nproduct = \"6fd2c87f-b296-42f0-b197-1e91e994b900\"\nmonthly = 23.0\ncurrency = \"USD\"\n",
    );
    assert_success(&env.itam(&["sync"]));
    env
}

#[test]
fn waste_findings_match_the_ground_truth() {
    let env = synced();
    let t = env.tenant();
    let truth = t.expected_waste(90);

    let waste = env.itam_json(&["report", "waste", "--format", "json"]);
    assert_eq!(waste["inactive_days"], 90);
    assert_eq!(accounts_by_sku(&waste, "disabled_accounts"), truth.disabled);
    assert_eq!(accounts_by_sku(&waste, "inactive_accounts"), truth.inactive);
    assert_eq!(
        accounts_by_sku(&waste, "never_signed_in"),
        truth.never_signed_in
    );
    assert_eq!(
        accounts_by_sku(&waste, "soft_deleted_accounts"),
        truth.soft_deleted
    );
    assert_eq!(
        accounts_by_sku(&waste, "guests_with_paid_licences"),
        truth.guest_paid
    );
    assert_eq!(
        accounts_by_sku(&waste, "duplicate_assignments"),
        truth.duplicate
    );
    assert_eq!(
        accounts_by_sku(&waste, "redundant_products"),
        truth.redundant
    );
    for (name, set) in [
        ("disabled", &truth.disabled),
        ("inactive", &truth.inactive),
        ("never", &truth.never_signed_in),
        ("deleted", &truth.soft_deleted),
        ("guest", &truth.guest_paid),
        ("duplicate", &truth.duplicate),
        ("redundant", &truth.redundant),
    ] {
        assert!(!set.is_empty(), "the tenant has {name} cases");
    }
    let errors: BTreeMap<String, BTreeMap<String, String>> =
        finding_kinds(&waste, "assignment_errors")
            .iter()
            .map(|f| {
                let by_user = f["accounts"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| {
                        (
                            a["id"].as_str().unwrap().to_string(),
                            a["detail"].as_str().unwrap().to_string(),
                        )
                    })
                    .collect();
                (f["sku_id"].as_str().unwrap().to_string(), by_user)
            })
            .collect();
    assert_eq!(errors, truth.errors);
    let codes: BTreeSet<&str> = truth
        .errors
        .values()
        .flat_map(|m| m.values().map(String::as_str))
        .collect();
    assert_eq!(
        codes.len(),
        5,
        "every assignment error kind is present: {codes:?}"
    );
    let unassigned: BTreeMap<String, u64> = finding_kinds(&waste, "unassigned_seats")
        .iter()
        .map(|f| {
            (
                f["sku_id"].as_str().unwrap().to_string(),
                f["licences"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(unassigned, truth.unassigned);
    // Free, viral and trial products never appear as waste (except for assignment errors).
    for f in waste["findings"].as_array().unwrap() {
        let id = f["sku_id"].as_str().unwrap_or_default();
        if f["kind"] != "assignment_errors" && !id.is_empty() {
            let i = t.skus.iter().position(|s| s.sku_id == id).unwrap();
            assert!(Tenant::is_paid(i), "{f}");
        }
    }
}

#[test]
fn cost_saves_each_pair_once_and_spends_by_product_and_department() {
    let env = synced();
    let t = env.tenant();
    let truth = t.expected_waste(90);
    // Each (account, product) pair is saved once, plus the unassigned seats, at its price.
    let price = |sku: &str| match sku {
        s if s == t.skus[sku::M365_E3].sku_id => Some(36.0),
        s if s == t.skus[sku::O365_E3].sku_id => Some(23.0),
        _ => None,
    };
    let mut pairs = BTreeSet::new();
    for set in [
        &truth.disabled,
        &truth.inactive,
        &truth.never_signed_in,
        &truth.soft_deleted,
        &truth.guest_paid,
        &truth.redundant,
    ] {
        for (s, users) in set {
            pairs.extend(users.iter().map(|u| (u.clone(), s.clone())));
        }
    }
    let expected_saving: f64 = pairs.iter().filter_map(|(_, s)| price(s)).sum::<f64>()
        + truth
            .unassigned
            .iter()
            .filter_map(|(s, n)| Some(price(s)? * *n as f64))
            .sum::<f64>();
    let cost = env.itam_json(&["report", "cost", "--format", "json"]);
    let saving = cost["waste"]["potential_monthly_saving"]["USD"]
        .as_f64()
        .unwrap();
    assert!(
        (saving - expected_saving).abs() < 0.005,
        "{saving} vs {expected_saving}"
    );
    let e3 = &t.skus[sku::M365_E3];
    let spend = cost["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["sku_id"] == e3.sku_id.as_str())
        .unwrap();
    assert_eq!(
        spend["monthly_spend"].as_f64().unwrap(),
        e3.enabled as f64 * 36.0
    );
    let by_department: f64 = cost["departments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["monthly_cost"].as_f64().unwrap())
        .sum();
    let held = |s: usize| {
        t.users
            .iter()
            .filter(|u| graph_emulator::expected::held_skus(u).contains(&s))
            .count() as f64
    };
    assert!(
        (by_department - (held(sku::M365_E3) * 36.0 + held(sku::O365_E3) * 23.0)).abs() < 0.005
    );
}

#[test]
fn subscription_windows_match_the_ground_truth() {
    let env = synced();
    let t = env.tenant();
    // Subscriptions: the renewal windows and what needs attention.
    let subs = env.itam_json(&["report", "subscriptions", "--format", "json"]);
    let subs = subs.as_array().unwrap();
    let expected = t.expected_subscriptions();
    assert_eq!(subs.len(), expected.len());
    for e in &expected {
        let s = subs.iter().find(|s| s["id"] == e.id.as_str()).unwrap();
        assert_eq!(
            (s["sku_id"].as_str().unwrap(), s["status"].as_str().unwrap()),
            (e.sku_id.as_str(), e.status.as_str())
        );
        assert_eq!(
            (
                s["total_licenses"].as_u64().unwrap(),
                s["is_trial"].as_bool().unwrap()
            ),
            (e.total_licenses, e.is_trial)
        );
        assert_eq!(
            s["next_lifecycle_date_time"].as_str(),
            e.next_lifecycle.as_deref()
        );
    }
    for window in [30, 60, 90] {
        let ours: BTreeSet<String> = subs
            .iter()
            .filter(|s| s["within_days"].as_u64().is_some_and(|w| w <= window))
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            ours,
            t.renewing_within(window as i64),
            "within {window} days"
        );
        assert!(!ours.is_empty() || window == 30);
    }
    let attention: BTreeSet<&str> = subs
        .iter()
        .flat_map(|s| {
            s["attention"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap())
        })
        .collect();
    for a in ["renews_soon", "trial", "warning", "suspended", "locked_out"] {
        assert!(attention.contains(a), "{a} in {attention:?}");
    }
}

#[test]
fn memberships_devices_and_deleted_accounts_are_exported_whole() {
    let env = synced();
    let t = env.tenant();
    // Memberships of every group, and licence groups with nesting resolved.
    let memberships = env.itam_json(&["export", "memberships"]);
    assert_eq!(memberships.as_array().unwrap().len(), t.membership_count());
    let kinds: BTreeSet<&str> = memberships
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["member_kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        BTreeSet::from(["account", "contact", "device", "group", "service_principal"])
    );
    let resolved = env.itam_json(&["export", "licence-group-members"]);
    let e3_group = &t.groups[0].id;
    let users: BTreeSet<String> = resolved
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["group_id"] == e3_group.as_str() && m["member_kind"] == "account")
        .map(|m| m["member_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(users, t.transitive_user_members(0));
    assert!(
        resolved
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["group_id"] == e3_group.as_str() && !m["via_group"].is_null())
    );

    // Devices with their owners; soft-deleted accounts exported with their deletion time.
    assert_eq!(
        env.itam_json(&["export", "devices"])
            .as_array()
            .unwrap()
            .len(),
        t.devices.len()
    );
    assert_eq!(
        env.itam_json(&["export", "device-owners"])
            .as_array()
            .unwrap()
            .len(),
        t.device_owner_count()
    );
    let deleted = env.itam_json(&["export", "deleted-accounts"]);
    let deleted = deleted.as_array().unwrap();
    assert_eq!(deleted.len(), t.deleted_users.len());
    assert!(deleted.iter().all(|a| a["deleted_date_time"].is_string()));
    let live = env.itam_json(&["export", "accounts"]);
    assert_eq!(live.as_array().unwrap().len(), t.users.len());
    assert_eq!(
        env.itam_json(&["export", "sign-ins"])
            .as_array()
            .unwrap()
            .len(),
        t.users.len()
    );
}

#[test]
fn the_balance_marks_free_products_and_can_hide_them() {
    let env = synced();
    let t = env.tenant();
    // The balance names products from the catalogue, marks the free ones and can hide them.
    let table = env.itam(&["report", "balance", "--format", "table"]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("viral") && text.contains("free") && text.contains("trial"),
        "{text}"
    );
    assert!(
        text.contains("not in the product catalogue") && text.contains("CONTOSO_LINE_OF_BUSINESS"),
        "{text}"
    );
    let paid = env.itam_json(&["report", "balance", "--paid-only", "--format", "json"]);
    let paid: BTreeSet<&str> = paid
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["sku_id"].as_str().unwrap())
        .collect();
    let expected: BTreeSet<&str> = (0..t.skus.len())
        .filter(|i| Tenant::is_paid(*i))
        .map(|i| t.skus[i].sku_id.as_str())
        .collect();
    assert_eq!(paid, expected);
}

#[test]
fn waste_as_csv_and_table_carries_the_same_findings() {
    let env = synced();
    let waste = env.itam_json(&["report", "waste", "--format", "json"]);
    // Tables and CSV carry the same findings.
    let csv = env.itam(&["report", "waste", "--format", "csv"]);
    assert_success(&csv);
    let rows = String::from_utf8_lossy(&csv.stdout).lines().count() - 1;
    let expected_rows: usize = waste["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["accounts"].as_array().unwrap().len().max(1))
        .sum();
    assert_eq!(rows, expected_rows);
    let table = env.itam(&["report", "waste", "--format", "table"]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("Potential saving per month") && text.contains("Redundant products"),
        "{text}"
    );
}

#[test]
fn without_entra_p1_the_sync_succeeds_and_inactivity_is_not_evaluated() {
    let spec = TenantSpec {
        users: 600,
        seed: 11,
        premium: false,
        ..Default::default()
    };
    let env = Env::with_spec(spec, with_audit_log());
    env.config();
    assert_success(&env.itam(&["sync"]));
    let runs = env.itam_json(&["runs"]);
    let notes = runs[0]["summary"]["data_quality"].as_array().unwrap();
    assert!(
        notes[0]
            .as_str()
            .unwrap()
            .contains("no Microsoft Entra ID P1 or P2"),
        "{notes:?}"
    );

    let t = env.tenant();
    let truth = t.expected_waste(90);
    let waste = env.itam_json(&["report", "waste", "--format", "json"]);
    for kind in ["inactive_accounts", "never_signed_in"] {
        let f = finding_kinds(&waste, kind);
        assert_eq!(f.len(), 1, "{kind}: one not-evaluated finding");
        assert_eq!(f[0]["evaluated"], false);
        assert!(
            f[0]["reason"].as_str().unwrap().contains("P1 or P2"),
            "{}",
            f[0]
        );
    }
    assert_eq!(accounts_by_sku(&waste, "disabled_accounts"), truth.disabled);
    assert_eq!(
        accounts_by_sku(&waste, "guests_with_paid_licences"),
        truth.guest_paid
    );
    assert_eq!(
        accounts_by_sku(&waste, "soft_deleted_accounts"),
        truth.soft_deleted
    );
    assert_eq!(
        accounts_by_sku(&waste, "redundant_products"),
        truth.redundant
    );
    let table = env.itam(&["report", "waste", "--format", "table"]);
    assert!(
        String::from_utf8_lossy(&table.stdout)
            .contains("Inactive accounts: not evaluated: sign-in activity unavailable")
    );
}

#[test]
fn changes_between_two_syncs_match_the_ground_truth() {
    let env = Env::new(1000, with_audit_log());
    env.config();
    assert_success(&env.itam(&["sync"]));
    let first = env.itam_json(&["report", "changes", "--format", "json"]);
    assert_eq!(
        (
            first["baseline"].as_bool(),
            first["changes"].as_array().unwrap().len()
        ),
        (Some(true), 0)
    );

    let later = env.tenant().evolve(3);
    let truth = expected_changes(env.tenant(), &later);
    let emulator = env.start_emulator(later, with_audit_log());
    env.config_for(&emulator.url(), &emulator.tenant().client_secret, "");
    assert_success(&env.itam(&["sync"]));
    let log = env.itam_json(&["report", "changes", "--format", "json"]);
    assert_eq!(log["baseline"], false);
    let ids = |kind: &str| -> BTreeSet<String> {
        log["changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["kind"] == kind)
            .map(|c| c["account_id"].as_str().unwrap().to_string())
            .collect()
    };
    let pairs = |kind: &str| -> BTreeSet<(String, String)> {
        log["changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["kind"] == kind)
            .map(|c| {
                (
                    c["account_id"].as_str().unwrap().to_string(),
                    c["sku_id"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(ids("joiner"), truth.joiners);
    assert_eq!(ids("leaver"), truth.leavers);
    assert_eq!(ids("disabled"), truth.disabled);
    assert_eq!(ids("enabled"), truth.enabled);
    assert_eq!(pairs("licence_added"), truth.licence_added);
    assert_eq!(pairs("licence_removed"), truth.licence_removed);
    let renamed: BTreeSet<(String, String)> = log["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == "renamed")
        .map(|c| {
            (
                c["account_id"].as_str().unwrap().to_string(),
                c["detail"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(renamed, truth.renamed);
    for (name, n) in [
        ("joiners", truth.joiners.len()),
        ("leavers", truth.leavers.len()),
        ("disabled", truth.disabled.len()),
        ("added", truth.licence_added.len()),
        ("removed", truth.licence_removed.len()),
        ("renamed", truth.renamed.len()),
    ] {
        assert!(n > 0, "the evolved tenant has {name}");
    }
    let table = env.itam(&["report", "changes", "--format", "table"]);
    assert!(String::from_utf8_lossy(&table.stdout).contains("joiner"));
}

#[test]
fn a_newer_catalogue_names_unmapped_products_and_a_bad_file_changes_nothing() {
    let env = Env::new(200, Options::default());
    env.config();
    assert_success(&env.itam(&["sync"]));
    let custom = env.tenant().skus[sku::CUSTOM].sku_id.clone();
    let name_of = |env: &Env| {
        let balance = env.itam_json(&["report", "balance", "--format", "json"]);
        balance
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["sku_id"] == custom.as_str())
            .unwrap()["product_name"]
            .clone()
    };
    assert!(name_of(&env).is_null());

    let csv = env.dir.path().join("products.csv");
    let text = format!(
        "\u{feff}Product_Display_Name,String_Id,GUID,Service_Plan_Name,Service_Plan_Id,Service_Plans_Included_Friendly_Names\r\n\
         Contoso Line of Business,CONTOSO_LINE_OF_BUSINESS,{},CONTOSO_LOB_PLAN,11111111-2222-4333-8444-555555555555,Contoso LOB Plan\r\n",
        custom.to_uppercase()
    );
    std::fs::write(&csv, text).unwrap();
    let out = env.itam(&["catalog", "import", csv.to_str().unwrap()]);
    assert_success(&out);
    assert_eq!(name_of(&env), "Contoso Line of Business");

    std::fs::write(&csv, "Product_Display_Name,GUID\r\nX,not-a-guid\r\n").unwrap();
    let out = env.itam(&["catalog", "import", csv.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("String_Id"), "{}", stderr(&out));
    assert_eq!(
        name_of(&env),
        "Contoso Line of Business",
        "the earlier import is kept"
    );
}
