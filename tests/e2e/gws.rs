//! The Google Workspace plugin end to end: the built-in `gws` plugin in the real sandbox,
//! the host signing the service account's JWT-bearer assertion, real HTTP to the Google API
//! emulator on loopback, and a real SQLite file — checked against the emulator's ground truth.

use crate::common::{assert_success, itam, stderr, sync_traced, write_private};
use gws_emulator::{Api, Billing, Emulator, Expected, Options, Tenant, TenantSpec};
use serde_json::Value;
use std::path::PathBuf;

/// An emulated Google Workspace customer with a configuration for it.
struct GwsEnv {
    dir: tempfile::TempDir,
    emulator: Emulator,
    // Keeps the emulator's server running; dropped last.
    _rt: tokio::runtime::Runtime,
}

impl GwsEnv {
    fn new(users: usize, billing: Billing, options: Options) -> GwsEnv {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let tenant = Tenant::generate(&TenantSpec {
            users,
            seed: 11,
            billing,
            ..TenantSpec::default()
        });
        let emulator = rt.block_on(Emulator::start(tenant, options, 0)).unwrap();
        let dir = tempfile::tempdir().unwrap();
        gws_emulator::client_config::write_itam_config(
            dir.path(),
            emulator.tenant(),
            &emulator.url(),
        )
        .unwrap();
        GwsEnv {
            dir,
            emulator,
            _rt: rt,
        }
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("itam.toml")
    }

    fn expected(&self) -> Expected {
        self.emulator.expected()
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = itam(&self.config(), args);
        assert_success(&out);
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
    }

    /// The balance rows, by product name.
    fn balance(&self) -> Vec<Value> {
        self.json(&["report", "balance", "--source", "acme", "--format", "json"])
            .as_array()
            .unwrap()
            .clone()
    }
}

fn row<'a>(rows: &'a [Value], name: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["product_name"] == name)
        .unwrap_or_else(|| panic!("no balance row named {name}: {rows:?}"))
}

#[test]
fn a_reseller_managed_customer_syncs_with_exact_counts_and_seats() {
    let env = GwsEnv::new(120, Billing::Reseller, Options::default());
    // init does not write a service-account source; it says how to.
    let init = itam(
        &env.dir.path().join("new.toml"),
        &["init", "--plugin", "gws", "--name", "acme"],
    );
    assert_eq!(init.status.code(), Some(2), "{}", stderr(&init));
    assert!(
        stderr(&init).contains("service_account = { file"),
        "{}",
        stderr(&init)
    );
    let inspected = env.json(&["plugin", "inspect", "gws"]);
    assert_eq!(inspected["contract"], "itam:collector@0.3.0");
    assert_eq!(inspected["credential"], "oauth2-jwt-bearer");
    assert_success(&itam(&env.config(), &["sync"]));
    let expected = env.expected();
    let accounts = env.json(&["export", "accounts", "--source", "acme", "--format", "json"]);
    assert_eq!(accounts.as_array().unwrap().len(), expected.counts.users);
    let rows = env.balance();
    for sku in &expected.skus {
        let r = row(&rows, &sku.sku_name);
        assert_eq!(r["consumed"], sku.assigned as u64, "{}: {r}", sku.sku_name);
        // Purchased units by plan: committed seats on annual plans, the seats billed on a
        // flexible plan, the allowance of a trial or free plan.
        if let Some(seats) = sku.seats.as_ref().filter(|s| s.status == "ACTIVE") {
            let purchased = match seats.plan.as_str() {
                "FLEXIBLE" => seats.licensed_number_of_seats,
                "TRIAL" | "FREE" => seats.maximum_number_of_seats.unwrap(),
                _ => seats.number_of_seats.unwrap(),
            };
            assert_eq!(r["enabled"], purchased, "{}: {r}", sku.sku_name);
            assert_eq!(
                r["available"],
                purchased as i64 - sku.assigned as i64,
                "{}",
                sku.sku_name
            );
        }
    }
    // Memberships keep nested groups and outside addresses apart.
    let memberships = env.json(&[
        "export",
        "memberships",
        "--source",
        "acme",
        "--format",
        "json",
    ]);
    let kinds = |kind: &str| {
        memberships
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["member_kind"] == kind)
            .count()
    };
    assert_eq!(kinds("group"), expected.counts.nested);
    assert_eq!(kinds("external"), expected.counts.external);
    assert_eq!(kinds("account"), expected.counts.user_members);
    // Suspended users holding licences are waste; so are users who never signed in.
    let waste = env.json(&["report", "waste", "--source", "acme", "--format", "json"]);
    let text = waste.to_string();
    assert!(text.contains("disabled_accounts"), "{text}");
    assert!(text.contains("never_signed_in"), "{text}");
}

#[test]
fn a_directly_billed_customer_syncs_and_its_seat_counts_are_unknown_not_zero() {
    let env = GwsEnv::new(60, Billing::Direct, Options::default());
    let out = itam(&env.config(), &["sync"]);
    assert_success(&out);
    let expected = env.expected();
    let rows = env.balance();
    assert!(!rows.is_empty());
    for sku in &expected.skus {
        let r = row(&rows, &sku.sku_name);
        assert_eq!(r["enabled"], Value::Null, "{r}");
        assert_eq!(r["available"], Value::Null, "{r}");
        assert_eq!(r["consumed"], sku.assigned as u64);
    }
    // The table says unknown, and why; the run records why.
    let table = itam(
        &env.config(),
        &["report", "balance", "--source", "acme", "--format", "table"],
    );
    assert_success(&table);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("unknown"), "{text}");
    assert!(text.contains("purchased units unknown"), "{text}");
    let runs = env.json(&["runs", "--source", "acme", "--format", "json"]);
    let notes = runs[0].to_string();
    assert!(notes.contains("data_quality"), "{notes}");
    assert!(notes.contains("purchased units are unknown"), "{notes}");
    assert_eq!(runs[0]["summary"]["facts"]["billing"], "direct");
    // Unassigned seats cannot be counted, and the waste report says so instead of finding none.
    let waste = env.json(&["report", "waste", "--source", "acme", "--format", "json"]);
    let findings = waste
        .get("findings")
        .and_then(Value::as_array)
        .or(waste.as_array())
        .unwrap_or_else(|| panic!("{waste}"));
    let unassigned = findings
        .iter()
        .find(|f| f["kind"] == "unassigned_seats")
        .unwrap_or_else(|| panic!("{waste}"));
    assert_eq!(unassigned["evaluated"], false, "{unassigned}");
    assert!(
        unassigned["reason"]
            .as_str()
            .unwrap()
            .contains("how many licences were bought"),
        "{unassigned}"
    );
}

#[test]
fn the_service_account_key_and_the_token_reach_no_output_log_or_database() {
    let env = GwsEnv::new(40, Billing::Reseller, Options::default());
    let out = sync_traced(&env.config());
    assert_success(&out);
    let logs = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(logs.contains("TRACE"), "trace logging was on");
    let mut db = String::new();
    for entry in std::fs::read_dir(env.dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("itam.db")
        {
            db.push_str(&String::from_utf8_lossy(&std::fs::read(&path).unwrap()));
        }
    }
    let key: Value = serde_json::from_str(&env.emulator.key_file_json()).unwrap();
    for line in key["private_key"]
        .as_str()
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("-----"))
    {
        assert!(
            !logs.contains(line),
            "a line of the private key leaked into the logs"
        );
        assert!(
            !db.contains(line),
            "a line of the private key leaked into the database"
        );
    }
    let tokens = env.emulator.issued_tokens();
    assert!(!tokens.is_empty());
    for token in tokens {
        assert!(!logs.contains(&token), "the token leaked into the logs");
        assert!(!db.contains(&token), "the token leaked into the database");
    }
}

#[test]
fn check_names_the_fix_for_a_wrong_key_missing_delegation_and_a_disabled_api() {
    // A key file that is not a service account's.
    let env = GwsEnv::new(20, Billing::Reseller, Options::default());
    write_private(
        &env.dir.path().join("acme-sa.json"),
        r#"{"type": "authorized_user"}"#,
    );
    let out = itam(&env.config(), &["check"]);
    assert!(!out.status.success());
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(text.contains("not `service_account`"), "{text}");

    // A service account the customer never authorised (domain-wide delegation missing).
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut tenant = Tenant::generate(&TenantSpec {
        users: 20,
        seed: 12,
        ..TenantSpec::default()
    });
    tenant.delegation.clear();
    let client_id = tenant.service_account.client_id.clone();
    let emulator = rt
        .block_on(Emulator::start(tenant, Options::default(), 0))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = gws_emulator::client_config::write_itam_config(
        dir.path(),
        emulator.tenant(),
        &emulator.url(),
    )
    .unwrap();
    let out = itam(&config, &["check"]);
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.contains(&client_id),
        "the fix names the client ID: {text}"
    );
    assert!(
        text.contains("https://www.googleapis.com/auth/admin.directory.user.readonly"),
        "the fix lists the scopes: {text}"
    );

    // The Admin SDK API not enabled in the service account's project.
    let env = GwsEnv::new(
        20,
        Billing::Reseller,
        Options {
            disabled_apis: vec![Api::Admin],
            ..Options::default()
        },
    );
    let out = itam(&env.config(), &["check"]);
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.contains("admin.googleapis.com"),
        "the fix names the API: {text}"
    );
}

#[test]
fn an_m365_and_a_gws_source_sync_side_by_side() {
    let gws = GwsEnv::new(30, Billing::Reseller, Options::default());
    let m365 = crate::common::Env::new(30, graph_emulator::Options::default());
    // The m365 source's config, with the gws source appended (its key file beside it).
    let config = m365.config();
    write_private(
        &m365.dir.path().join("acme-sa.json"),
        &gws.emulator.key_file_json(),
    );
    let gws_source =
        gws_emulator::client_config::itam_toml(gws.emulator.tenant(), &gws.emulator.url());
    let gws_source = &gws_source[gws_source.find("[[source]]").unwrap()..];
    m365.append_config(gws_source);
    let out = itam(&config, &["sync"]);
    assert_success(&out);
    let sources = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        sources.contains("acme") && sources.contains("contoso"),
        "{sources}"
    );
    // No row of one source appears in the other's snapshot.
    let acme = itam(
        &config,
        &["export", "accounts", "--source", "acme", "--format", "json"],
    );
    let contoso = itam(
        &config,
        &[
            "export", "accounts", "--source", "contoso", "--format", "json",
        ],
    );
    assert_success(&acme);
    assert_success(&contoso);
    let (acme, contoso): (Value, Value) = (
        serde_json::from_slice(&acme.stdout).unwrap(),
        serde_json::from_slice(&contoso.stdout).unwrap(),
    );
    assert_eq!(acme.as_array().unwrap().len(), gws.expected().counts.users);
    let ids = |v: &Value| -> std::collections::BTreeSet<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(!ids(&contoso).is_empty());
    assert!(ids(&acme).is_disjoint(&ids(&contoso)));
}
