//! The exposition against a real store.

use super::{Metrics, Outcome};
use itam_reports::settings::ReportSettings;
use itam_runtime::contract::types::{
    Account, AccountKind, Assignment, AssignmentSource, Batch, Product, Subscription, Summary,
    Units,
};
use itam_runtime::{BatchSink, Traffic};
use itam_store::Store;
use std::collections::BTreeSet;
use std::time::Duration;

pub(crate) fn product(id: &str, part_number: &str, enabled: u64, consumed: u64) -> Product {
    Product {
        id: id.into(),
        part_number: part_number.into(),
        display_name: None,
        status: "Enabled".into(),
        units: Some(Units {
            enabled,
            warning: 0,
            suspended: 0,
            locked_out: 0,
        }),
        consumed,
        plans: Vec::new(),
        attributes: Vec::new(),
    }
}

fn summary() -> Summary {
    Summary {
        counts: Vec::new(),
        warnings: Vec::new(),
        data_quality: Vec::new(),
        facts: Vec::new(),
    }
}

/// Stores one successful run of source `src` made of `batches`.
pub(crate) fn sync(store: &Store, batches: Vec<Batch>) {
    let mut writer = store.begin_run("src", "test", "0", "sha").unwrap();
    for batch in batches {
        writer.accept(batch).unwrap();
    }
    writer.finish().unwrap();
    writer
        .commit(&itam_runtime::contract::types::Outcome::full(summary()), 0)
        .unwrap();
}

/// A store with two products, `SPE_E3` with 3 seats to spare (and 2 in warning, 1 locked
/// out) and `EMS` over-allocated by 3, a subscription of `SPE_E3`, and a disabled account
/// holding `SPE_E3`.
fn tenant(dir: &tempfile::TempDir) -> Store {
    let store = Store::open(&dir.path().join("itam.db")).unwrap();
    let e3 = Product {
        units: Some(Units {
            enabled: 10,
            warning: 2,
            suspended: 0,
            locked_out: 1,
        }),
        ..product("sku-e3", "SPE_E3", 10, 7)
    };
    let account = Account {
        id: "u1".into(),
        principal_name: "u1@contoso.example".into(),
        display_name: Some("Una".into()),
        mail: None,
        enabled: false,
        kind: AccountKind::Member,
        department: None,
        job_title: None,
        usage_location: None,
        created: None,
        deleted: None,
        attributes: Vec::new(),
    };
    let assignment = Assignment {
        account_id: "u1".into(),
        product_id: "sku-e3".into(),
        source: AssignmentSource::Direct,
        group_id: None,
        state: "Active".into(),
        error: None,
        disabled_plans: Vec::new(),
    };
    let subscription = Subscription {
        id: "sub-1".into(),
        product_id: "sku-e3".into(),
        part_number: "SPE_E3".into(),
        status: "Enabled".into(),
        total_units: 10,
        trial: false,
        created: Some("2025-01-01T00:00:00Z".into()),
        next_lifecycle: Some("2030-01-01T00:00:00Z".into()),
        attributes: Vec::new(),
    };
    sync(
        &store,
        vec![
            Batch::Products(vec![e3, product("sku-ems", "EMS", 5, 8)]),
            Batch::Accounts(vec![account]),
            Batch::Assignments(vec![assignment]),
            Batch::Subscriptions(vec![subscription]),
        ],
    );
    store
}

fn encode(metrics: &Metrics, sources: &[&str]) -> String {
    let sources: Vec<String> = sources.iter().map(|s| s.to_string()).collect();
    metrics
        .encode(&sources, &ReportSettings::default(), None)
        .unwrap()
}

/// The sample lines of `family` (its name followed by `{`, a space or a suffix), sorted.
fn samples<'a>(text: &'a str, name: &str) -> Vec<&'a str> {
    let mut lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
        .collect();
    lines.sort();
    lines
}

#[test]
fn the_licences_are_the_balance_of_the_last_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let metrics = Metrics::new(tenant(&dir), Default::default());
    let text = encode(&metrics, &["src"]);

    let e3 = r#"source="src",sku_id="sku-e3",sku_part_number="SPE_E3""#;
    let ems = r#"source="src",sku_id="sku-ems",sku_part_number="EMS""#;
    assert_eq!(
        samples(&text, "itam_license_prepaid_units"),
        [
            format!(r#"itam_license_prepaid_units{{{e3},state="enabled"}} 10"#),
            format!(r#"itam_license_prepaid_units{{{e3},state="locked_out"}} 1"#),
            format!(r#"itam_license_prepaid_units{{{e3},state="suspended"}} 0"#),
            format!(r#"itam_license_prepaid_units{{{e3},state="warning"}} 2"#),
            format!(r#"itam_license_prepaid_units{{{ems},state="enabled"}} 5"#),
            format!(r#"itam_license_prepaid_units{{{ems},state="locked_out"}} 0"#),
            format!(r#"itam_license_prepaid_units{{{ems},state="suspended"}} 0"#),
            format!(r#"itam_license_prepaid_units{{{ems},state="warning"}} 0"#),
        ]
    );
    assert_eq!(
        samples(&text, "itam_license_consumed_units"),
        [
            format!("itam_license_consumed_units{{{e3}}} 7"),
            format!("itam_license_consumed_units{{{ems}}} 8"),
        ]
    );
    assert_eq!(
        samples(&text, "itam_license_available_units"),
        [
            format!("itam_license_available_units{{{e3}}} 3"),
            format!("itam_license_available_units{{{ems}}} -3"),
        ]
    );
    assert_eq!(
        samples(&text, "itam_license_waste_units"),
        [
            format!(r#"itam_license_waste_units{{{e3},reason="disabled_accounts"}} 1"#),
            format!(r#"itam_license_waste_units{{{e3},reason="unassigned_seats"}} 3"#),
        ]
    );
    assert_eq!(
        samples(&text, "itam_subscription_next_lifecycle_timestamp_seconds"),
        [format!(
            r#"itam_subscription_next_lifecycle_timestamp_seconds{{{e3},subscription_id="sub-1"}} 1893456000"#
        )]
    );

    let store = Store::open(&dir.path().join("itam.db")).unwrap();
    let ended = store
        .last_success("src")
        .unwrap()
        .unwrap()
        .ended_at
        .unwrap();
    let ended = chrono::DateTime::parse_from_rfc3339(&ended)
        .unwrap()
        .timestamp();
    assert_eq!(
        samples(&text, "itam_collector_last_success_timestamp_seconds"),
        [format!(
            r#"itam_collector_last_success_timestamp_seconds{{source="src"}} {ended}"#
        )]
    );
}

#[test]
fn a_source_without_a_successful_run_has_no_licence_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let metrics = Metrics::new(tenant(&dir), Default::default());
    let text = encode(&metrics, &["src", "new"]);
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        if line.starts_with("itam_license_")
            || line.starts_with("itam_subscription_")
            || line.starts_with("itam_collector_last_success_")
        {
            assert!(line.contains(r#"source="src""#), "{line}");
        }
    }
    // Its collector series read 0 until it runs.
    assert!(
        text.lines()
            .any(|l| l == r#"itam_collector_skipped_runs_total{source="new"} 0"#),
        "{text}"
    );
}

#[test]
fn runs_are_counted_by_outcome_with_their_traffic_and_duration() {
    let dir = tempfile::tempdir().unwrap();
    let metrics = Metrics::new(tenant(&dir), Default::default());
    let traffic = |requests, throttled| Traffic {
        requests,
        throttled,
    };
    metrics.run_finished(
        "src",
        Outcome::Succeeded,
        Duration::from_secs(4),
        traffic(100, 2),
    );
    metrics.run_finished(
        "src",
        Outcome::Succeeded,
        Duration::from_secs(90),
        traffic(50, 0),
    );
    metrics.run_finished(
        "src",
        Outcome::Failed,
        Duration::from_millis(500),
        traffic(3, 3),
    );
    metrics.run_skipped("src");
    let text = encode(&metrics, &["src"]);

    assert_eq!(
        samples(&text, "itam_collector_runs_total"),
        [
            r#"itam_collector_runs_total{source="src",outcome="cancelled"} 0"#,
            r#"itam_collector_runs_total{source="src",outcome="failed"} 1"#,
            r#"itam_collector_runs_total{source="src",outcome="succeeded"} 2"#,
        ]
    );
    assert_eq!(
        samples(&text, "itam_collector_skipped_runs_total"),
        [r#"itam_collector_skipped_runs_total{source="src"} 1"#]
    );
    assert_eq!(
        samples(&text, "itam_collector_requests_total"),
        [r#"itam_collector_requests_total{source="src"} 153"#]
    );
    assert_eq!(
        samples(&text, "itam_collector_throttled_responses_total"),
        [r#"itam_collector_throttled_responses_total{source="src"} 5"#]
    );
    assert_eq!(
        samples(&text, "itam_collector_run_duration_seconds_count"),
        [r#"itam_collector_run_duration_seconds_count{source="src"} 3"#]
    );
    assert_eq!(
        samples(&text, "itam_collector_run_duration_seconds_sum"),
        [r#"itam_collector_run_duration_seconds_sum{source="src"} 94.5"#]
    );
    let buckets = samples(&text, "itam_collector_run_duration_seconds_bucket");
    for (le, count) in [
        ("1.0", 1),
        ("5.0", 2),
        ("60.0", 2),
        ("120.0", 3),
        ("+Inf", 3),
    ] {
        let line = format!(
            r#"itam_collector_run_duration_seconds_bucket{{le="{le}",source="src"}} {count}"#
        );
        assert!(buckets.contains(&line.as_str()), "{line} in {buckets:#?}");
    }
}

#[test]
fn every_family_has_help_and_type_and_the_exposition_ends_once() {
    let dir = tempfile::tempdir().unwrap();
    let metrics = Metrics::new(tenant(&dir), Default::default());
    let text = encode(&metrics, &["src"]);

    assert!(text.ends_with("\n# EOF\n"), "{text}");
    assert_eq!(text.matches("# EOF").count(), 1);

    let typed: BTreeSet<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    let expected = BTreeSet::from([
        "itam_collector_runs",
        "itam_collector_run_duration_seconds",
        "itam_collector_skipped_runs",
        "itam_collector_requests",
        "itam_collector_throttled_responses",
        "itam_collector_last_success_timestamp_seconds",
        "itam_license_prepaid_units",
        "itam_license_consumed_units",
        "itam_license_available_units",
        "itam_license_waste_units",
        "itam_subscription_next_lifecycle_timestamp_seconds",
    ]);
    assert_eq!(typed, expected);
    for family in &typed {
        let help = format!("# HELP {family} ");
        let helps = text.lines().filter(|l| l.starts_with(&help)).count();
        assert_eq!(helps, 1, "HELP of {family} in {text}");
    }
    // Every sample belongs to a family declared above it.
    let mut declared = BTreeSet::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            declared.insert(rest.split(' ').next().unwrap());
        } else if !line.starts_with('#') {
            let name = line.split(['{', ' ']).next().unwrap();
            assert!(
                declared.iter().any(|f| name.starts_with(f)),
                "{line} has no family"
            );
        }
    }
}

#[test]
fn label_values_from_tenant_data_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("itam.db")).unwrap();
    sync(
        &store,
        vec![Batch::Products(vec![product("sku-x", "A\"B\\C\nD", 2, 1)])],
    );
    let metrics = Metrics::new(store, Default::default());
    let text = encode(&metrics, &["src"]);

    assert_eq!(
        samples(&text, "itam_license_consumed_units"),
        [
            r#"itam_license_consumed_units{source="src",sku_id="sku-x",sku_part_number="A\"B\\C\nD"} 1"#
        ]
    );
    // No line was split by the newline: each is a comment or a whole sample.
    for line in text.lines() {
        assert!(
            line.starts_with("# ") || line.starts_with("itam_"),
            "broken line {line:?} in {text}"
        );
    }
}

#[test]
fn unknown_purchased_units_have_no_sample_and_the_assigned_count_stays() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("itam.db")).unwrap();
    let unknown = Product {
        units: None,
        display_name: Some("Google Workspace Business Standard".into()),
        ..product("1010020028", "1010020028", 0, 4)
    };
    sync(&store, vec![Batch::Products(vec![unknown])]);
    let metrics = Metrics::new(store, Default::default());
    let text = encode(&metrics, &["src"]);
    let labels = r#"source="src",sku_id="1010020028",sku_part_number="1010020028""#;
    assert!(
        samples(&text, "itam_license_prepaid_units").is_empty(),
        "{text}"
    );
    assert!(
        samples(&text, "itam_license_available_units").is_empty(),
        "{text}"
    );
    assert_eq!(
        samples(&text, "itam_license_consumed_units"),
        [format!("itam_license_consumed_units{{{labels}}} 4")],
        "{text}"
    );
}

#[test]
fn the_fleet_gauges_count_services_alive_sources_running_and_overdue() {
    let dir = tempfile::tempdir().unwrap();
    let store = tenant(&dir);
    let metrics = Metrics::new(store.clone(), Default::default());
    store.join_fleet("host-a", "test").unwrap();
    store.join_fleet("host-b", "test").unwrap();
    store.leave_fleet("host-b").unwrap();
    let due = |source: &str| {
        store
            .schedule_source(source, |_| itam_store::ScheduleState {
                next_run_at: chrono::Utc::now() - chrono::Duration::minutes(5),
                consecutive_failures: 0,
            })
            .unwrap();
    };
    due("src");
    due("late");
    assert!(
        store
            .claim("host-a", "src", Duration::from_secs(60))
            .unwrap()
            .is_some()
    );
    let status = store
        .fleet_status(
            Duration::from_secs(30),
            Duration::from_secs(20),
            &["src".to_string(), "late".to_string()],
        )
        .unwrap();
    let text = metrics
        .encode(&["src".into()], &ReportSettings::default(), Some(&status))
        .unwrap();
    for (family, value) in [
        ("itam_fleet_services_alive", "1"),
        ("itam_fleet_running_sources", "1"),
        ("itam_fleet_overdue_sources", "1"),
    ] {
        assert_eq!(
            samples(&text, family),
            [format!("{family} {value}")],
            "{text}"
        );
    }
    assert!(text.ends_with("\n# EOF\n"));
}
