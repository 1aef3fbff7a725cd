//! The reports a licence admin reaches for in the first week: how old the numbers are, whether
//! they reconcile, what a word means, one account, one product, the counts over time, an
//! alert-friendly exit, exports with names, and tables that fit the terminal.

use crate::common::{Env, assert_success, itam, stderr, write_private};
use graph_emulator::expected::held_skus;
use graph_emulator::tenant::sku;
use graph_emulator::{Options, TenantSpec};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output};

fn with_audit_log() -> Options {
    let mut options = Options::default();
    options.roles.push("AuditLog.Read.All".into());
    options
}

fn synced(users: usize) -> Env {
    let env = Env::new(users, with_audit_log());
    env.config();
    assert_success(&env.itam(&["sync"]));
    env
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs `itam` with extra environment variables (e.g. `COLUMNS`).
fn itam_with(config: &Path, envs: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_itam"));
    cmd.arg("--config")
        .arg(config)
        .args(args)
        .env(
            "ITAM_CACHE_DIR",
            concat!(env!("CARGO_TARGET_TMPDIR"), "/itam-cache"),
        )
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("the itam binary runs")
}

/// IDs of the live users holding SKU `s` of the tenant.
fn live_holders(env: &Env, s: usize) -> BTreeSet<String> {
    env.tenant()
        .users
        .iter()
        .filter(|u| held_skus(u).contains(&s))
        .map(|u| u.id.clone())
        .collect()
}

#[test]
fn every_report_states_its_snapshot_and_warns_after_failed_syncs() {
    let env = synced(300);
    let config = env.dir.path().join("itam.toml");
    let balance = env.itam_json(&["report", "balance", "--format", "json"]);
    let fresh = env.itam_json(&["report", "balance", "--envelope"]);
    assert_eq!(fresh["snapshot"]["run_id"], 1, "{fresh}");
    assert_eq!(fresh["snapshot"]["failed_runs_since"], 0, "{fresh}");
    assert!(fresh["snapshot"]["taken_at"].is_string(), "{fresh}");
    assert!(fresh["snapshot"]["age_seconds"].is_i64(), "{fresh}");
    assert_eq!(
        fresh["report"], balance,
        "the envelope holds the usual JSON"
    );

    // Two failed syncs: a wrong secret.
    env.config_for(&env.emulator.url(), "wrong-secret", "");
    for _ in 0..2 {
        assert_eq!(env.itam(&["sync"]).status.code(), Some(1));
    }
    for report in ["balance", "waste", "subscriptions", "cost", "changes"] {
        let out = env.itam(&["report", report, "--format", "table"]);
        assert_success(&out);
        let text = stdout(&out);
        let first = text.lines().next().unwrap();
        assert!(
            first.starts_with("Snapshot: run 1 of source ") && first.ends_with(" ago)"),
            "{report}: {text}"
        );
        assert!(
            text.contains("! 2 later run(s) failed, the last at ")
                && text.contains("these numbers are from run 1"),
            "{report}: {text}"
        );
        assert!(text.contains("unauthorized"), "{report}: {text}");
    }
    // JSON keeps its documented shape by default, and warns on stderr.
    let out = env.itam(&["report", "balance", "--format", "json"]);
    assert_success(&out);
    let again: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(again, balance);
    let keys: Vec<&str> = again[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
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
        ]
    );
    assert!(
        stderr(&out).contains("2 later run(s) failed"),
        "{}",
        stderr(&out)
    );
    // The envelope carries the same facts for every report.
    for report in ["balance", "waste", "subscriptions", "cost", "changes"] {
        let e = env.itam_json(&["report", report, "--envelope"]);
        let s = &e["snapshot"];
        assert_eq!(
            (s["run_id"].as_i64(), s["failed_runs_since"].as_u64()),
            (Some(1), Some(2))
        );
        assert!(
            s["last_error"].as_str().unwrap().contains("unauthorized"),
            "{s}"
        );
        assert!(!s["last_error"].as_str().unwrap().contains('\n'), "{s}");
        assert!(s["last_failure_at"].is_string(), "{s}");
        assert!(!e["report"].is_null(), "{report}: {e}");
    }
    // --envelope is JSON only: with another format it is a usage error.
    let out = itam(
        &config,
        &["report", "balance", "--envelope", "--format", "csv"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn subscription_holders_reconcile_with_the_accounts() {
    let env = synced(2000);
    let t = env.tenant();
    let subs = env.itam_json(&["report", "subscriptions", "--format", "json"]);
    let deleted_holders: usize = t
        .deleted_users
        .iter()
        .filter(|d| !d.licenses.is_empty())
        .count();
    assert!(deleted_holders > 0, "the tenant has soft-deleted holders");
    for (i, s) in t.skus.iter().enumerate() {
        for row in subs
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["sku_id"] == s.sku_id.as_str())
        {
            assert_eq!(
                row["holders"].as_u64().unwrap() as usize,
                live_holders(&env, i).len(),
                "{} holders exclude soft-deleted accounts: {row}",
                s.part_number
            );
        }
    }
    // The table shows a product's holders on its first subscription only.
    let o365 = &t.skus[sku::O365_E3].sku_id;
    let rows = subs
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["sku_id"] == o365.as_str())
        .count();
    assert!(rows >= 2, "Office 365 E3 has several subscriptions");
    let table = stdout(&env.itam(&["report", "subscriptions", "--format", "table"]));
    assert!(table.contains("Product holders"), "{table}");
    let holders = live_holders(&env, sku::O365_E3).len().to_string();
    let with_count = table
        .lines()
        .filter(|l| l.starts_with("Office 365 E3 ") && l.split_whitespace().any(|w| w == holders))
        .count();
    assert_eq!(with_count, 1, "{table}");
    assert!(
        table.contains("the product's holders are on its first subscription"),
        "{table}"
    );
}

#[test]
fn wording_says_what_the_data_says() {
    let env = synced(1000);
    let t = env.tenant();
    let visio = &t.skus[sku::VISIO];
    let balance = stdout(&env.itam(&["report", "balance", "--format", "table"]));
    let name = "Visio Plan 2";
    assert!(
        balance.contains(&format!("! {name}: suspended: ")) && balance.contains("will lose access"),
        "{balance}"
    );
    assert!(
        !balance.contains(&format!("! {name}: ") as &str)
            || !balance
                .lines()
                .any(|l| l.starts_with(&format!("! {name}:")) && l.contains("more assigned")),
        "{balance}"
    );
    assert_eq!(visio.status, "Suspended");
    // The over-allocated paid product is still said to be over-allocated.
    assert!(
        balance.contains("more assigned than purchased"),
        "{balance}"
    );

    // A trial expires; it does not renew.
    let subs = env.itam_json(&["report", "subscriptions", "--format", "json"]);
    let mut trials_soon = 0;
    for s in subs.as_array().unwrap() {
        let attention: Vec<&str> = s["attention"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        if s["is_trial"] == true {
            assert!(!attention.contains(&"renews_soon"), "{s}");
            if !s["within_days"].is_null() {
                assert!(attention.contains(&"expires_soon"), "{s}");
                trials_soon += 1;
            }
        }
    }
    assert!(trials_soon > 0, "a trial expires within 90 days");
    let table = stdout(&env.itam(&["report", "subscriptions", "--format", "table"]));
    assert!(
        table.contains("expires soon") && table.contains("trial(s) expire"),
        "{table}"
    );

    // Leavers are soft-deleted or purged, and joiners and leavers show their licences.
    let before = env.tenant().clone();
    let later = before.evolve(3);
    let emulator = env.start_emulator(later, with_audit_log());
    env.config_for(&emulator.url(), &emulator.tenant().client_secret, "");
    assert_success(&env.itam(&["sync"]));
    let log = env.itam_json(&["report", "changes", "--format", "json"]);
    let held = |t: &graph_emulator::Tenant, id: &str| -> BTreeSet<String> {
        let user = t.users.iter().find(|u| u.id == id).unwrap();
        held_skus(user)
            .into_iter()
            .map(|s| t.skus[s].sku_id.clone())
            .collect()
    };
    let (mut joiners, mut leavers, mut with_licences) = (0, 0, 0);
    for c in log["changes"].as_array().unwrap() {
        assert!(
            !c["kind"].as_str().unwrap().ends_with("_licence"),
            "licence rows are folded into their joiner or leaver: {c}"
        );
        let id = c["account_id"].as_str().unwrap_or_default();
        let skus: BTreeSet<String> = c["licence_sku_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect();
        match c["kind"].as_str().unwrap() {
            "joiner" => {
                joiners += 1;
                assert_eq!(skus, held(emulator.tenant(), id), "{c}");
                with_licences += usize::from(!skus.is_empty());
            }
            "leaver" => {
                leavers += 1;
                let detail = c["detail"].as_str().unwrap();
                assert!(detail == "soft-deleted" || detail == "purged", "{c}");
                assert_eq!(skus, held(&before, id), "{c}");
                with_licences += usize::from(!skus.is_empty());
            }
            _ => assert!(skus.is_empty(), "{c}"),
        }
    }
    assert!(joiners > 0 && leavers > 0 && with_licences > 0, "{log}");
    let table = stdout(&env.itam(&["report", "changes", "--format", "table"]));
    assert!(
        table
            .lines()
            .filter(|l| l.starts_with("leaver "))
            .all(|l| !l.contains("removed") && (l.contains("soft-deleted") || l.contains("purged"))),
        "{table}"
    );
    assert!(
        table.contains("took ") || table.contains("freed ") || table.contains("still holds "),
        "{table}"
    );
}

#[test]
fn fail_if_exits_four_when_its_condition_holds() {
    let env = synced(300);
    let config = env.dir.path().join("itam.toml");
    // Microsoft 365 E5 is over-allocated in the emulated tenant.
    let out = itam(
        &config,
        &[
            "report",
            "balance",
            "--format",
            "json",
            "--fail-if",
            "over-allocated",
        ],
    );
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("over-allocated holds for Microsoft 365 E5"),
        "{}",
        stderr(&out)
    );
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        rows.as_array()
            .unwrap()
            .iter()
            .any(|r| r["available"].as_i64() < Some(0))
    );
    let least = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["available"].as_i64().unwrap())
        .min()
        .unwrap();
    let below = format!("available-below={least}");
    let out = itam(
        &config,
        &["report", "balance", "--paid-only", "--fail-if", &below],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = itam(
        &config,
        &[
            "report",
            "balance",
            "--fail-if",
            "available-below=1000000000",
        ],
    );
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    for bad in ["over", "available-below=x"] {
        let out = itam(&config, &["report", "balance", "--fail-if", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", stderr(&out));
    }
}

#[test]
fn exports_offer_json_and_csv_accept_both_spellings_and_carry_names() {
    let env = synced(300);
    let config = env.dir.path().join("itam.toml");
    let out = itam(&config, &["export", "accounts", "--format", "table"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let help = stdout(&itam(&config, &["export", "--help"]));
    assert!(help.contains("csv") && help.contains("json"), "{help}");
    assert!(!help.contains("table"), "{help}");
    for (a, b) in [
        ("group-licences", "group-licenses"),
        ("licence-group-members", "license-group-members"),
    ] {
        let left = env.itam_json(&["export", a]);
        assert!(!left.as_array().unwrap().is_empty(), "{a}");
        assert_eq!(left, env.itam_json(&["export", b]), "{a} = {b}");
    }
    let t = env.tenant();
    let group_names: BTreeMap<&str, &str> = t
        .groups
        .iter()
        .map(|g| (g.id.as_str(), g.display_name.as_str()))
        .collect();
    let assignments = env.itam_json(&["export", "assignments"]);
    let mut by_group = 0;
    for a in assignments.as_array().unwrap() {
        if let Some(g) = a["assigned_by_group"].as_str() {
            assert_eq!(a["group_name"].as_str(), group_names.get(g).copied(), "{a}");
            by_group += 1;
        } else {
            assert!(a["group_name"].is_null(), "{a}");
        }
    }
    assert!(by_group > 0);
    let e3 = assignments
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["sku_id"] == t.skus[sku::M365_E3].sku_id.as_str())
        .unwrap();
    assert_eq!(e3["product_name"], "Microsoft 365 E3", "{e3}");
    let licences = env.itam_json(&["export", "group-licences"]);
    assert!(
        licences
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["group_name"].is_string())
    );
    let csv = stdout(&itam(
        &config,
        &["export", "assignments", "--format", "csv"],
    ));
    let header = csv.lines().next().unwrap();
    assert!(
        header.contains("product_name") && header.contains("group_name"),
        "{header}"
    );
}

#[test]
fn account_and_product_lookups_match_the_tenant() {
    let env = synced(1000);
    let config = env.dir.path().join("itam.toml");
    let t = env.tenant();
    // An account with a licence from a group.
    let user = t
        .users
        .iter()
        .find(|u| u.states.iter().any(|s| s.group.is_some()) && u.states.len() > 1)
        .unwrap();
    let by_upn = env.itam_json(&[
        "report",
        "account",
        &user.upn.to_uppercase(),
        "--format",
        "json",
    ]);
    let by_id = env.itam_json(&["report", "account", &user.id, "--format", "json"]);
    assert_eq!(by_upn, by_id);
    assert_eq!(by_id["id"], user.id.as_str());
    assert_eq!(
        by_id["state"],
        if user.enabled { "enabled" } else { "disabled" }
    );
    let ours: BTreeSet<(String, Option<String>, String)> = by_id["licences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["sku_id"].as_str().unwrap().to_string(),
                l["group_name"].as_str().map(str::to_string),
                l["state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, Option<String>, String)> = user
        .states
        .iter()
        .map(|s| {
            (
                t.skus[s.sku].sku_id.clone(),
                s.group.map(|g| t.groups[g].display_name.clone()),
                s.state.to_string(),
            )
        })
        .collect();
    assert_eq!(ours, expected);
    let table = stdout(&env.itam(&["report", "account", &user.upn, "--format", "table"]));
    let group = user.states.iter().find_map(|s| s.group).unwrap();
    assert!(
        table.contains(&format!("group {}", t.groups[group].display_name)),
        "{table}"
    );
    assert!(table.contains("last sign-in:"), "{table}");
    let out = itam(&config, &["report", "account", "nobody@nowhere.example"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));

    // A product's holders, and its filters.
    let e3 = &t.skus[sku::M365_E3];
    let ids = |v: &Value| -> BTreeSet<String> {
        v["holders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].as_str().unwrap().to_string())
            .collect()
    };
    let all = env.itam_json(&["report", "product", "spe_e3", "--format", "json"]);
    assert_eq!(ids(&all), live_holders(&env, sku::M365_E3));
    assert_eq!(
        all["holders_total"].as_u64().unwrap() as usize,
        ids(&all).len()
    );
    assert_eq!(
        env.itam_json(&["report", "product", &e3.sku_id, "--format", "json"])["holders"],
        all["holders"]
    );
    let truth = t.expected_waste(90);
    let disabled = env.itam_json(&[
        "report",
        "product",
        "SPE_E3",
        "--disabled",
        "--format",
        "json",
    ]);
    assert_eq!(ids(&disabled), truth.disabled[&e3.sku_id]);
    let inactive = env.itam_json(&[
        "report",
        "product",
        "SPE_E3",
        "--inactive",
        "--format",
        "json",
    ]);
    let mut expected = truth.inactive.get(&e3.sku_id).cloned().unwrap_or_default();
    expected.extend(
        truth
            .never_signed_in
            .get(&e3.sku_id)
            .cloned()
            .unwrap_or_default(),
    );
    assert!(!expected.is_empty());
    assert_eq!(ids(&inactive), expected);
    let department = t
        .users
        .iter()
        .filter(|u| held_skus(u).contains(&sku::M365_E3))
        .find_map(|u| u.department.clone())
        .unwrap();
    let in_department = env.itam_json(&[
        "report",
        "product",
        "SPE_E3",
        "--department",
        &department.to_lowercase(),
        "--sort",
        "name",
        "--format",
        "json",
    ]);
    let expected: BTreeSet<String> = t
        .users
        .iter()
        .filter(|u| {
            held_skus(u).contains(&sku::M365_E3) && u.department.as_ref() == Some(&department)
        })
        .map(|u| u.id.clone())
        .collect();
    assert_eq!(ids(&in_department), expected);
    let names: Vec<&str> = in_department["holders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["display_name"].as_str().unwrap())
        .collect();
    assert!(names.windows(2).all(|w| w[0] <= w[1]), "{names:?}");
    let table = stdout(&env.itam(&["report", "product", "SPE_E3", "--format", "table"]));
    assert!(
        table.contains("Microsoft 365 E3 (SPE_E3, Enabled)"),
        "{table}"
    );
    let out = itam(&config, &["report", "product", "NO_SUCH_SKU"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn history_lists_the_counts_of_every_run() {
    let env = synced(300);
    let later = env.tenant().evolve(2);
    let emulator = env.start_emulator(later, with_audit_log());
    env.config_for(&emulator.url(), &emulator.tenant().client_secret, "");
    assert_success(&env.itam(&["sync"]));
    let t = env.tenant();
    let all = env.itam_json(&["report", "history", "--format", "json"]);
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 2 * t.skus.len(), "{all:?}");
    let runs: BTreeSet<i64> = all.iter().map(|r| r["run_id"].as_i64().unwrap()).collect();
    assert_eq!(runs, BTreeSet::from([1, 2]));
    let e5 = &t.skus[sku::M365_E5];
    let one = env.itam_json(&[
        "report",
        "history",
        "--product",
        "SPE_E5",
        "--format",
        "json",
    ]);
    let one = one.as_array().unwrap();
    assert_eq!(one.len(), 2);
    for r in one {
        assert_eq!(r["sku_id"], e5.sku_id.as_str());
        assert_eq!(r["enabled"], e5.enabled);
        assert_eq!(
            r["available"].as_i64().unwrap(),
            r["enabled"].as_i64().unwrap() - r["consumed"].as_i64().unwrap()
        );
    }
    let none = env.itam_json(&[
        "report",
        "history",
        "--since",
        "2999-01-01",
        "--format",
        "json",
    ]);
    assert_eq!(none, Value::Array(vec![]));
    let table = stdout(&env.itam(&[
        "report",
        "history",
        "--product",
        "SPE_E5",
        "--format",
        "table",
    ]));
    assert!(
        table.contains("Purchased") && table.contains("Microsoft 365 E5"),
        "{table}"
    );
    let config = env.dir.path().join("itam.toml");
    let out = itam(&config, &["report", "history", "--since", "yesterday"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

/// Display width of a line (a CJK character takes two columns).
fn width(line: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(line)
}

#[test]
fn tables_fit_eighty_columns_and_piped_output_keeps_full_width() {
    let spec = TenantSpec {
        users: 300,
        seed: 7,
        ..Default::default()
    };
    let mut tenant = graph_emulator::Tenant::generate(&spec);
    // CJK display names and departments.
    for (i, u) in tenant.users.iter_mut().enumerate().take(40) {
        u.display_name = format!("山田 太郎 {i} エンタープライズ ライセンス 管理者");
        u.department = Some("営業本部 第一営業部".into());
    }
    let env = Env::new(10, with_audit_log());
    let emulator = env.start_emulator(tenant, with_audit_log());
    env.config_for(&emulator.url(), &emulator.tenant().client_secret, "");
    env.append_config("[[price]]\nproduct = \"SPE_E3\"\nmonthly = 36.0\ncurrency = \"USD\"\n");
    assert_success(&env.itam(&["sync"]));
    let config = env.dir.path().join("itam.toml");
    let upn = emulator.tenant().users[0].upn.clone();
    for args in [
        &["report", "balance", "--format", "table"][..],
        &["report", "subscriptions", "--format", "table"],
        &["report", "waste", "--format", "table"],
        &["report", "cost", "--format", "table"],
        &["report", "product", "SPE_E3", "--format", "table"],
        &["report", "account", &upn, "--format", "table"],
        &["report", "history", "--format", "table"],
    ] {
        let out = itam_with(&config, &[("COLUMNS", "80")], args);
        assert_success(&out);
        let text = stdout(&out);
        let tables: Vec<&str> = text.lines().filter(|l| l.starts_with("--")).collect();
        assert!(!tables.is_empty(), "{args:?}: a table\n{text}");
        // Every line of a table fits; free text lines (warnings, details) may wrap in the
        // terminal, but the table's own lines never do.
        let mut in_table = false;
        for line in text.lines() {
            if line.starts_with("--") {
                in_table = true;
            } else if line.is_empty()
                || [
                    "! ",
                    "? ",
                    "\" ",
                    "Potential saving",
                    "Total spend",
                    "No price",
                ]
                .iter()
                .any(|p| line.starts_with(p))
            {
                in_table = false;
            }
            if in_table {
                assert!(
                    width(line) <= 80,
                    "{args:?}: {} columns: {line}\n{text}",
                    width(line)
                );
            }
        }
        assert!(!text.contains('\u{1b}'), "no colour when piped: {text}");
    }
    let product = stdout(&itam_with(
        &config,
        &[("COLUMNS", "80")],
        &["report", "product", "SPE_E3", "--format", "table"],
    ));
    assert!(product.contains("山田"), "{product}");
    // Piped without COLUMNS: full width, one line per row.
    let piped = stdout(&itam(&config, &["report", "balance", "--format", "table"]));
    assert!(piped.lines().any(|l| width(l) > 80), "{piped}");
    assert!(piped.contains("Locked out"), "{piped}");
    // Colour only when forced, never with NO_COLOR.
    let forced = stdout(&itam_with(
        &config,
        &[("CLICOLOR_FORCE", "1")],
        &["report", "balance", "--format", "table"],
    ));
    assert!(forced.contains("\u{1b}["), "{forced}");
    let no = stdout(&itam_with(
        &config,
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
        &["report", "balance", "--format", "table"],
    ));
    assert!(!no.contains('\u{1b}'), "{no}");
}

// The strings the `evil-text` fixture plugin sends (see escaping.rs).
const TERMINAL_SHOWN: &str = r"\u{1b}[2J\u{1b}]0;pwned\u{7}";

/// Asserts that `bytes` carry no control character but newlines and no bidi override.
fn assert_no_controls(what: &str, bytes: &[u8]) -> String {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    for c in text.chars() {
        let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}');
        assert!(
            c == '\n' || !(c.is_control() || bidi),
            "{what}: raw {c:?} in\n{text}"
        );
    }
    assert!(
        !text
            .lines()
            .any(|l| l.trim_start().starts_with("error: forged")),
        "{what}: {text}"
    );
    text
}

#[test]
fn hostile_names_in_the_new_reports_are_escaped_and_neutralised() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("itam.toml");
    let write = |mode: &str| {
        write_private(
            &config,
            &format!(
                "[store]\npath = \"itam.db\"\n\n[[source]]\nname = \"evil\"\nplugin = \"{}\"\n\n\
                 [source.settings]\nurl = \"http://127.0.0.1:9\"\nmode = \"{mode}\"\n",
                hostile_build::EVIL_TEXT
            ),
        )
    };
    write("succeed");
    assert_success(&itam(&config, &["sync"]));
    write("fail");
    assert_eq!(itam(&config, &["sync"]).status.code(), Some(1));
    let formula_sku = "00000000-0000-0000-0000-0000000e7701";
    for args in [
        &["report", "account", "ev-1", "--format", "table"][..],
        &["report", "product", formula_sku, "--format", "table"],
        &["report", "history", "--format", "table"],
        &["report", "balance", "--format", "table"],
    ] {
        let out = itam_with(&config, &[("COLUMNS", "80")], args);
        assert_success(&out);
        let text = assert_no_controls(&args.join(" "), &out.stdout);
        assert!(text.contains("1 later run(s) failed"), "{args:?}: {text}");
        assert_no_controls(&args.join(" "), &out.stderr);
    }
    let account = stdout(&itam(
        &config,
        &["report", "account", "ev-1", "--format", "table"],
    ));
    assert!(
        account.contains(&format!("ev-1{TERMINAL_SHOWN}")),
        "{account}"
    );
    // CSV: formulas neutralised.
    for args in [
        &["report", "account", "ev-1", "--format", "csv"][..],
        &["report", "product", formula_sku, "--format", "csv"],
        &["report", "history", "--format", "csv"],
    ] {
        let out = itam(&config, args);
        assert_success(&out);
        let records: Vec<Vec<String>> = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(out.stdout.as_slice())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect();
        assert!(records.len() > 1, "{args:?}");
        for c in records.iter().flatten() {
            if c.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                assert!(c.parse::<f64>().is_ok(), "{args:?}: formula cell {c:?}");
            }
        }
        let text = stdout(&out);
        assert!(text.contains("'=HYPERLINK"), "{args:?}: {text}");
    }
    // JSON keeps the original strings.
    let account = {
        let out = itam(&config, &["report", "account", "ev-1", "--format", "json"]);
        assert_success(&out);
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    assert!(
        account["user_principal_name"]
            .as_str()
            .unwrap()
            .contains('\u{1b}')
    );
}
