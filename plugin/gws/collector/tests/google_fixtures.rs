//! The plugin's logic, run natively against fixtures shaped like Google's documented answers,
//! with a transport answering by URL and a recording host.

mod common;

use common::*;
use itam_gws::check::check;
use itam_gws::client::Google;
use itam_gws::collect::{collect, collect_with};
use itam_gws::retry::RetryPolicy;
use itam_gws::scopes;
use itam_gws::settings::GwsSettings;
use itam_gws::types::*;
use std::cell::RefCell;
use std::time::Duration;

const USERS_1: &str = include_str!("fixtures/users_page1.json");
const USERS_2: &str = include_str!("fixtures/users_page2.json");
const SUBSCRIPTIONS: &str = include_str!("fixtures/subscriptions.json");
const RESELLER_FORBIDDEN: &str = include_str!("fixtures/error_403_reseller_forbidden.json");
const NOT_AUTHORIZED: &str = include_str!("fixtures/error_403_not_authorized.json");
const LICENSING_DISABLED: &str = include_str!("fixtures/error_403_licensing_disabled.json");
const ERROR_429: &str = include_str!("fixtures/error_429.json");
const ERROR_503: &str = include_str!("fixtures/error_503.json");
const RATE_LIMIT: &str = include_str!("fixtures/error_403_rate_limit.json");
const USER_RATE_LIMIT: &str = include_str!("fixtures/error_403_user_rate_limit.json");

fn users_url() -> String {
    format!("{DIRECTORY}/users?customer={CUSTOMER}&maxResults=500&projection=basic")
}

fn subscriptions_url() -> String {
    format!("{RESELLER}/subscriptions?customerId={CUSTOMER}&maxResults=100")
}

fn licences_url(product: &str) -> String {
    format!("{LICENSING}/product/{product}/users?customerId={CUSTOMER}&maxResults=1000")
}

fn members_url(group: &str) -> String {
    format!("{DIRECTORY}/groups/{group}/members?maxResults=200")
}

/// Google's answers for the whole Northwind customer, reseller-managed.
fn northwind() -> Fake {
    let groups = format!("{DIRECTORY}/groups?customer={CUSTOMER}&maxResults=200");
    Fake::default()
        .on(
            &format!("{DIRECTORY}/customers/my_customer"),
            vec![ok(include_str!("fixtures/customer.json"))],
        )
        .on(&users_url(), vec![ok(USERS_1)])
        .on(
            // The token holds `+`, `/` and `=`, which are escaped when sent back.
            &format!("{}&pageToken=Q0FFU0F4b0NDQUU%2B%2FdXNlcnM%3D", users_url()),
            vec![ok(USERS_2)],
        )
        .on(
            &groups,
            vec![ok(include_str!("fixtures/groups_page1.json"))],
        )
        .on(
            &format!("{groups}&pageToken=Z3JvdXBzLTI%3D"),
            vec![ok(include_str!("fixtures/groups_page2.json"))],
        )
        .on(
            &members_url("03x8tuzt1abc001"),
            vec![ok(include_str!("fixtures/members_all_staff_page1.json"))],
        )
        .on(
            &format!("{}&pageToken=bWVtYmVycy0y", members_url("03x8tuzt1abc001")),
            vec![ok(include_str!("fixtures/members_all_staff_page2.json"))],
        )
        .on(
            &members_url("03x8tuzt1abc002"),
            vec![ok(include_str!("fixtures/members_empty.json"))],
        )
        .on(
            &members_url("03x8tuzt1abc003"),
            vec![ok(include_str!("fixtures/members_partners.json"))],
        )
        .on(
            &licences_url("Google-Apps"),
            vec![ok(include_str!("fixtures/licences_workspace_page1.json"))],
        )
        .on(
            &format!(
                "{}&pageToken=bGljZW5zZXMtMg%3D%3D",
                licences_url("Google-Apps")
            ),
            vec![ok(include_str!("fixtures/licences_workspace_page2.json"))],
        )
        .on(
            &licences_url("101034"),
            vec![ok(include_str!("fixtures/licences_archived.json"))],
        )
        .on(
            &licences_url("Google-Vault"),
            vec![ok(include_str!("fixtures/licences_vault.json"))],
        )
        .on(&subscriptions_url(), vec![ok(SUBSCRIPTIONS)])
}

fn settings(extra: &[(&str, &str)]) -> GwsSettings {
    let mut pairs = vec![(
        "admin_email".to_string(),
        "zoe.ostergaard@northwind.example".to_string(),
    )];
    pairs.extend(extra.iter().map(|(a, b)| (a.to_string(), b.to_string())));
    GwsSettings::parse(&pairs).unwrap()
}

thread_local! {
    static SLEPT: RefCell<Vec<Duration>> = const { RefCell::new(Vec::new()) };
}

fn record_sleep(d: Duration) {
    SLEPT.with(|s| s.borrow_mut().push(d));
}

/// A product as the assertions compare it: ID, name, status, (enabled, suspended) units,
/// consumed.
type ProductRow<'a> = (&'a str, Option<&'a str>, &'a str, Option<(u64, u64)>, u64);

fn attribute<'a>(attributes: &'a [(String, String)], key: &str) -> Option<&'a str> {
    Emitted::attribute(attributes, key)
}

#[test]
fn a_full_collection_maps_every_documented_field() {
    let mut transport = northwind();
    let mut host = Recorder::default();
    let summary = collect(&settings(&[]), &mut transport, &mut host).unwrap();

    // One grant, as planned: the service account acting as the administrator, every scope.
    assert_eq!(host.grants.len(), 1);
    let Grant::JwtBearer(grant) = &host.grants[0] else {
        panic!("not a JWT-bearer grant")
    };
    assert_eq!(
        grant.subject.as_deref(),
        Some("zoe.ostergaard@northwind.example")
    );
    assert_eq!(grant.scopes, scopes::requested(true));
    for h in &transport.headers {
        assert!(
            !h.iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("authorization")),
            "the plugin never sets credentials"
        );
    }
    // The customer first, then users and groups with the real customer ID, every page token
    // followed; the License Manager API is asked about every product of the catalogue.
    assert_eq!(
        transport.urls[0],
        format!("{DIRECTORY}/customers/my_customer")
    );
    assert_eq!(transport.urls[1], users_url());
    for product in itam_gws::catalog::product_ids() {
        assert_eq!(transport.count(&licences_url(product)), 1, "{product}");
    }
    assert_eq!(transport.urls.last().unwrap(), &subscriptions_url());

    let e = Emitted::of(host.batches);
    assert_eq!(
        e.order,
        [
            "accounts",
            "sign_ins",
            "groups",
            "memberships",
            "products",
            "assignments",
            "subscriptions"
        ]
    );

    // Accounts: the sign-in name byte for byte, suspended users disabled, the rest in
    // attributes.
    assert_eq!(e.accounts.len(), 4);
    let zoe = &e.accounts[0];
    assert_eq!(
        (
            zoe.id.as_str(),
            zoe.principal_name.as_str(),
            zoe.display_name.as_deref()
        ),
        (
            "104857600000000000001",
            "zoe.ostergaard@northwind.example",
            Some("Zoë Østergaard")
        )
    );
    assert_eq!((zoe.kind, zoe.enabled), (AccountKind::Member, true));
    assert_eq!(
        (zoe.department.as_deref(), zoe.job_title.as_deref()),
        (Some("IT"), Some("IT Director"))
    );
    assert_eq!(zoe.created.as_deref(), Some("2019-05-14T09:21:07.000Z"));
    assert_eq!(attribute(&zoe.attributes, "is_admin"), Some("true"));
    assert_eq!(attribute(&zoe.attributes, "org_unit_path"), Some("/"));
    let raj = &e.accounts[1];
    assert_eq!(raj.principal_name, "Raj.Patel@northwind.example");
    assert_eq!(
        attribute(&raj.attributes, "is_delegated_admin"),
        Some("true")
    );
    let ana = &e.accounts[2];
    assert_eq!(
        (ana.enabled, ana.display_name.as_deref()),
        (false, Some("Ana López"))
    );
    assert_eq!(
        attribute(&ana.attributes, "suspension_reason"),
        Some("ADMIN")
    );
    let lars = &e.accounts[3];
    // An archived user cannot sign in.
    assert_eq!(
        (lars.enabled, attribute(&lars.attributes, "archived")),
        (false, Some("true"))
    );
    assert_eq!(attribute(&lars.attributes, "suspension_reason"), None);

    // Sign-ins: Google's "never" (the epoch) is none.
    assert_eq!(e.sign_ins.len(), 4);
    assert_eq!(
        e.sign_ins[0].last_interactive.as_deref(),
        Some("2026-11-24T07:01:02.000Z")
    );
    assert_eq!(
        e.sign_ins[0].last_successful,
        e.sign_ins[0].last_interactive
    );
    assert_eq!(
        (
            &e.sign_ins[1].account_id[..],
            &e.sign_ins[1].last_interactive,
            &e.sign_ins[1].last_successful
        ),
        ("104857600000000000002", &None, &None)
    );
    assert!(e.sign_ins.iter().all(|s| s.last_non_interactive.is_none()));

    // Groups and members of every kind.
    assert_eq!(e.groups.len(), 3);
    assert_eq!(e.groups[0].display_name, "All staff");
    assert!(e.groups[0].mail_enabled);
    assert_eq!(
        attribute(&e.groups[0].attributes, "direct_members_count"),
        Some("4")
    );
    assert_eq!(
        attribute(&e.groups[2].attributes, "admin_created"),
        Some("false")
    );
    let members: Vec<(&str, &str, MemberKind)> = e
        .memberships
        .iter()
        .map(|m| (m.group_id.as_str(), m.member_id.as_str(), m.member_kind))
        .collect();
    assert_eq!(
        members,
        [
            (
                "03x8tuzt1abc001",
                "104857600000000000001",
                MemberKind::Account
            ),
            ("03x8tuzt1abc001", "03x8tuzt1abc002", MemberKind::Group),
            ("03x8tuzt1abc001", "C03az79cb", MemberKind::Other),
            (
                "03x8tuzt1abc001",
                "104857600000000000003",
                MemberKind::Account
            ),
            (
                "03x8tuzt1abc003",
                "104857600000000000002",
                MemberKind::Account
            ),
            (
                "03x8tuzt1abc003",
                "117334455667788990011",
                MemberKind::External
            ),
            (
                "03x8tuzt1abc003",
                "auditor@external-audit.example.org",
                MemberKind::External
            ),
        ]
    );

    // Assignments: addresses matched without case; the unknown one is a warning.
    let held: Vec<(&str, &str)> = e
        .assignments
        .iter()
        .map(|a| (a.account_id.as_str(), a.product_id.as_str()))
        .collect();
    assert_eq!(
        held,
        [
            ("104857600000000000001", "1010020028"),
            ("104857600000000000002", "1010020028"),
            ("104857600000000000003", "1010020028"),
            ("104857600000000000004", "1010340006"),
            ("104857600000000000003", "Google-Vault-Former-Employee"),
        ]
    );
    assert!(
        summary
            .warnings
            .iter()
            .any(|w| w.contains("gone@northwind.example")),
        "{:?}",
        summary.warnings
    );

    // Products: one per SKU held or subscribed; units by plan.
    let units = |p: &Product| p.units.as_ref().map(|u| (u.enabled, u.suspended));
    let products: Vec<ProductRow> = e
        .products
        .iter()
        .map(|p| {
            (
                p.id.as_str(),
                p.display_name.as_deref(),
                p.status.as_str(),
                units(p),
                p.consumed,
            )
        })
        .collect();
    assert_eq!(
        products,
        [
            (
                "1010020028",
                Some("Google Workspace Business Standard"),
                "Enabled",
                Some((10, 0)),
                3
            ),
            (
                "1010340006",
                Some("Google Workspace Business Standard - Archived User"),
                "Enabled",
                Some((1, 0)),
                1
            ),
            (
                "Google-Vault-Former-Employee",
                Some("Google Vault - Former Employee"),
                "Enabled",
                None,
                1
            ),
            (
                "1010330003",
                Some("Google Voice Starter"),
                "Enabled",
                Some((10, 0)),
                0
            ),
            (
                "1010330002",
                Some("Google Voice Premier"),
                "Suspended",
                Some((0, 0)),
                0
            ),
        ]
    );
    let standard = &e.products[0];
    assert_eq!(standard.part_number, "1010020028");
    assert_eq!(
        attribute(&standard.attributes, "product_id"),
        Some("Google-Apps")
    );
    assert_eq!(
        attribute(&standard.attributes, "plan"),
        Some("ANNUAL_MONTHLY_PAY")
    );
    assert_eq!(
        attribute(&standard.attributes, "units_from"),
        Some("numberOfSeats")
    );
    assert_eq!(
        attribute(&e.products[1].attributes, "units_from"),
        Some("licensedNumberOfSeats")
    );
    assert_eq!(
        attribute(&e.products[3].attributes, "units_from"),
        Some("maximumNumberOfSeats")
    );
    assert_eq!(summary.data_quality.len(), 1, "{:?}", summary.data_quality);
    assert!(summary.data_quality[0].contains("Google Vault - Former Employee"));

    // Subscriptions.
    assert_eq!(e.subscriptions.len(), 4);
    let annual = &e.subscriptions[0];
    assert_eq!(
        (
            annual.id.as_str(),
            annual.product_id.as_str(),
            annual.total_units,
            annual.trial
        ),
        ("4410000001", "1010020028", 10, false)
    );
    assert_eq!(annual.created.as_deref(), Some("2025-03-01T00:00:00Z"));
    assert_eq!(
        annual.next_lifecycle.as_deref(),
        Some("2026-12-01T00:00:00Z")
    );
    assert_eq!(
        attribute(&annual.attributes, "renewal_type"),
        Some("AUTO_RENEW_MONTHLY_PAY")
    );
    let trial = &e.subscriptions[2];
    assert_eq!(
        (trial.trial, trial.next_lifecycle.as_deref()),
        (true, Some("2025-12-15T00:00:00Z"))
    );
    assert_eq!(e.subscriptions[3].status, "Suspended");

    assert_eq!(
        (
            count(&summary, "accounts"),
            count(&summary, "sign_ins"),
            count(&summary, "groups"),
            count(&summary, "memberships"),
            count(&summary, "products"),
            count(&summary, "assignments"),
            count(&summary, "subscriptions")
        ),
        (4, 4, 3, 7, 5, 5, 4)
    );
    assert_eq!(fact(&summary, "customer_id"), Some("C03az79cb"));
    assert_eq!(fact(&summary, "domain"), Some("northwind.example"));
    assert_eq!(fact(&summary, "organization"), Some("Northwind Traders"));
    assert_eq!(fact(&summary, "billing"), Some("reseller"));
}

#[test]
fn a_directly_billed_customer_gets_unknown_units_and_a_note_never_zero() {
    let mut transport = northwind().on(
        &subscriptions_url(),
        vec![status(403, RESELLER_FORBIDDEN, &[])],
    );
    let mut host = Recorder::default();
    let summary = collect(&settings(&[]), &mut transport, &mut host).unwrap();
    let e = Emitted::of(host.batches);
    assert_eq!(e.products.len(), 3, "only the SKUs held");
    assert!(
        e.products.iter().all(|p| p.units.is_none()),
        "{:?}",
        e.products
    );
    assert!(e.subscriptions.is_empty());
    assert_eq!(count(&summary, "subscriptions"), 0);
    assert_eq!(fact(&summary, "billing"), Some("direct"));
    assert_eq!(summary.data_quality.len(), 1);
    let note = &summary.data_quality[0];
    assert!(
        note.starts_with("purchased units are unknown for every product"),
        "{note}"
    );
    assert!(note.contains("billed directly by Google"), "{note}");
    assert!(note.contains("Admin console"), "{note}");
    assert_eq!(
        attribute(&e.products[0].attributes, "billing"),
        Some("direct")
    );
}

#[test]
fn a_reseller_api_that_fails_for_another_reason_fails_the_run_rather_than_lose_the_seats() {
    // A server error past the retries is no refusal: the last snapshot's seats stay.
    let mut transport = northwind().on(&subscriptions_url(), vec![status(503, ERROR_503, &[]); 3]);
    let mut host = Recorder::default();
    let s = settings(&[]);
    let mut google = Google::connect(&mut transport, &mut host, s.grant())
        .unwrap()
        .with_policy(RetryPolicy {
            max_attempts: 2,
            ..RetryPolicy::default()
        });
    google.sleep = |_| {};
    let err = collect_with(&mut google, &s).unwrap_err();
    assert!(!matches!(err, CollectError::Cancelled(_)), "{err:?}");
    assert_eq!(err.failure().status, Some(503), "{err:?}");
}

#[test]
fn without_subscriptions_the_reseller_api_and_its_scope_are_left_out() {
    let mut transport = northwind();
    let mut host = Recorder::default();
    let summary = collect(
        &settings(&[("read_subscriptions", "false")]),
        &mut transport,
        &mut host,
    )
    .unwrap();
    assert!(!transport.urls.iter().any(|u| u.starts_with(RESELLER)));
    let Grant::JwtBearer(grant) = &host.grants[0] else {
        panic!()
    };
    assert!(!grant.scopes.iter().any(|s| s == scopes::ORDER_READONLY));
    assert!(summary.data_quality[0].contains("read_subscriptions = false"));
    assert_eq!(fact(&summary, "billing"), Some("unknown"));
}

#[test]
fn a_disabled_api_names_the_api_and_googles_console_link() {
    let mut transport = northwind().on(
        &licences_url("Google-Apps"),
        vec![status(403, LICENSING_DISABLED, &[])],
    );
    let err = collect(&settings(&[]), &mut transport, &mut Recorder::default()).unwrap_err();
    let CollectError::Forbidden(f) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        (f.status, f.code.as_deref()),
        (Some(403), Some("accessNotConfigured"))
    );
    let fix = f.fix.unwrap();
    assert!(
        fix.starts_with("enable the Enterprise License Manager API"),
        "{fix}"
    );
    assert!(
        fix.contains("https://console.developers.google.com/apis/api/licensing.googleapis.com/overview?project=731209846655"),
        "{fix}"
    );
}

#[test]
fn an_admin_who_is_not_a_super_administrator_is_told_so() {
    let mut transport = Fake::default().on(
        &format!("{DIRECTORY}/customers/my_customer"),
        vec![status(403, NOT_AUTHORIZED, &[])],
    );
    let err = collect(&settings(&[]), &mut transport, &mut Recorder::default()).unwrap_err();
    let CollectError::Forbidden(f) = err else {
        panic!("{err:?}")
    };
    assert!(
        f.message
            .contains("Not Authorized to access this resource/api")
    );
    let fix = f.fix.unwrap();
    assert!(
        fix.starts_with("zoe.ostergaard@northwind.example must be a super administrator"),
        "{fix}"
    );
}

fn unauthorized_client() -> AuthError {
    AuthError {
        status: 401,
        error: "unauthorized_client".into(),
        codes: vec![],
        description: "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested. (service account client ID 113459822010337560061)".into(),
    }
}

#[test]
fn missing_delegation_says_what_to_paste_where_for_which_client() {
    let mut host = Recorder {
        refuse: Some(unauthorized_client()),
        ..Recorder::default()
    };
    let mut transport = Fake::default();
    let err = collect(&settings(&[]), &mut transport, &mut host).unwrap_err();
    assert!(transport.urls.is_empty(), "nothing is sent without a token");
    let CollectError::Unauthorized(f) = err else {
        panic!("{err:?}")
    };
    let fix = f.fix.unwrap();
    assert!(fix.contains("Domain Wide Delegation"), "{fix}");
    assert!(fix.contains("client ID 113459822010337560061"), "{fix}");
    assert!(
        fix.ends_with(
            "https://www.googleapis.com/auth/admin.directory.customer.readonly,https://www.googleapis.com/auth/admin.directory.user.readonly,https://www.googleapis.com/auth/admin.directory.group.readonly,https://www.googleapis.com/auth/apps.licensing,https://www.googleapis.com/auth/apps.order.readonly"
        ),
        "{fix}"
    );

    let findings = check(&settings(&[]), &mut Fake::default(), &mut host);
    assert_eq!(findings[0].step, "token");
    assert_eq!(findings[0].status, CheckStatus::Fail);
    assert!(
        findings[0]
            .fix
            .as_deref()
            .unwrap()
            .contains("113459822010337560061")
    );
    assert!(
        findings[1..]
            .iter()
            .all(|f| f.status == CheckStatus::Skipped)
    );
    assert_eq!(findings.len(), 7);
}

#[test]
fn throttling_is_retried_with_backoff_and_retry_after() {
    let mut transport = northwind().on(
        &users_url(),
        vec![
            status(429, ERROR_429, &[("retry-after", "2")]),
            status(503, ERROR_503, &[]),
            status(403, RATE_LIMIT, &[]),
            status(403, USER_RATE_LIMIT, &[]),
            ok(USERS_1),
        ],
    );
    let mut host = Recorder::default();
    let s = settings(&[]);
    let mut google = Google::connect(&mut transport, &mut host, s.grant()).unwrap();
    google.sleep = record_sleep;
    let summary = collect_with(&mut google, &s).unwrap();
    assert_eq!(google.retries(), 4);
    drop(google);
    assert_eq!(transport.count(&users_url()), 5);
    assert_eq!(count(&summary, "accounts"), 4);
    assert!(
        summary
            .warnings
            .iter()
            .any(|w| w.starts_with("4 requests were retried"))
    );
    SLEPT.with(|slept| {
        let slept = slept.borrow();
        assert_eq!(slept.len(), 4);
        assert_eq!(slept[0], Duration::from_secs(2), "Google's Retry-After");
        for (i, floor) in [(1, 2), (2, 4), (3, 8)] {
            let floor = Duration::from_secs(floor);
            assert!(
                slept[i] >= floor && slept[i] <= floor + Duration::from_secs(1),
                "exponential backoff with up to a second of jitter: {slept:?}"
            );
        }
    });
    assert!(
        host.logs
            .iter()
            .any(|(l, m)| *l == LogLevel::Warn && m.contains("rateLimitExceeded"))
    );
}

#[test]
fn throttling_past_the_budget_ends_the_run_as_throttled() {
    let mut transport = northwind().on(
        &users_url(),
        vec![status(429, ERROR_429, &[("retry-after", "1")])],
    );
    let mut host = Recorder::default();
    let s = settings(&[]);
    let mut google = Google::connect(&mut transport, &mut host, s.grant())
        .unwrap()
        .with_policy(RetryPolicy {
            run_budget: 2,
            ..RetryPolicy::default()
        });
    google.sleep = |_| {};
    let err = collect_with(&mut google, &s).unwrap_err();
    let CollectError::Throttled(f) = err else {
        panic!("{err:?}")
    };
    assert!(f.message.contains("budget of 2 retries"), "{}", f.message);
    assert_eq!(f.code.as_deref(), Some("rateLimitExceeded"));
    assert!(f.fix.unwrap().contains("run again later"));

    // A 403 that is no rate limit is not retried.
    let mut transport = northwind().on(&users_url(), vec![status(403, NOT_AUTHORIZED, &[])]);
    let mut host = Recorder::default();
    let err = collect(&s, &mut transport, &mut host).unwrap_err();
    assert!(matches!(err, CollectError::Forbidden(_)), "{err:?}");
    assert_eq!(transport.count(&users_url()), 1);
}

#[test]
fn a_401_reauthorizes_once() {
    let unauthenticated = r#"{"error": {"code": 401, "message": "Request had invalid authentication credentials.", "errors": [{"reason": "authError", "domain": "global"}], "status": "UNAUTHENTICATED"}}"#;
    let mut transport = northwind().on(
        &users_url(),
        vec![status(401, unauthenticated, &[]), ok(USERS_1)],
    );
    let mut host = Recorder::default();
    collect(&settings(&[]), &mut transport, &mut host).unwrap();
    assert_eq!(host.grants.len(), 2);

    let mut transport = northwind().on(&users_url(), vec![status(401, unauthenticated, &[])]);
    let mut host = Recorder::default();
    let err = collect(&settings(&[]), &mut transport, &mut host).unwrap_err();
    assert!(matches!(err, CollectError::Unauthorized(_)), "{err:?}");
    assert_eq!(host.grants.len(), 2);
}

#[test]
fn a_cancel_and_a_repeated_page_token_end_the_run() {
    let mut host = Recorder {
        cancel_after: Some(1),
        ..Recorder::default()
    };
    let err = collect(&settings(&[]), &mut northwind(), &mut host).unwrap_err();
    assert!(matches!(err, CollectError::Cancelled(_)), "{err:?}");

    let looping = r#"{"users": [], "nextPageToken": "again"}"#;
    let mut transport = northwind().on(&users_url(), vec![ok(looping)]).on(
        &format!("{}&pageToken=again", users_url()),
        vec![ok(looping)],
    );
    let err = collect(&settings(&[]), &mut transport, &mut Recorder::default()).unwrap_err();
    assert!(
        matches!(&err, CollectError::Upstream(f) if f.message.contains("already sent")),
        "{err:?}"
    );
}

/// The smallest request of every step, answered from the fixtures.
fn northwind_probes(
    reseller: Result<itam_gws::transport::Reply, itam_gws::transport::TransportError>,
) -> Fake {
    Fake::default()
        .on(
            &format!("{DIRECTORY}/customers/my_customer"),
            vec![ok(include_str!("fixtures/customer.json"))],
        )
        .on(
            &format!("{DIRECTORY}/users?customer={CUSTOMER}&maxResults=1&projection=basic"),
            vec![ok(USERS_2)],
        )
        .on(
            &format!("{DIRECTORY}/groups?customer={CUSTOMER}&maxResults=1"),
            vec![ok(include_str!("fixtures/groups_page1.json"))],
        )
        .on(
            &format!("{DIRECTORY}/groups/03x8tuzt1abc001/members?maxResults=1"),
            vec![ok(include_str!("fixtures/members_all_staff_page2.json"))],
        )
        .on(
            &format!("{LICENSING}/product/Google-Apps/users?customerId={CUSTOMER}&maxResults=1"),
            vec![ok(include_str!("fixtures/licences_archived.json"))],
        )
        .on(
            &format!("{RESELLER}/subscriptions?customerId={CUSTOMER}&maxResults=1"),
            vec![reseller],
        )
}

#[test]
fn check_walks_every_api_with_its_smallest_request() {
    let mut transport = northwind_probes(ok(SUBSCRIPTIONS));
    let findings = check(&settings(&[]), &mut transport, &mut Recorder::default());
    let steps: Vec<(&str, CheckStatus)> = findings
        .iter()
        .map(|f| (f.step.as_str(), f.status))
        .collect();
    assert_eq!(
        steps,
        [
            ("token", CheckStatus::Pass),
            ("customer", CheckStatus::Pass),
            ("GET users", CheckStatus::Pass),
            ("GET groups", CheckStatus::Pass),
            ("GET members", CheckStatus::Pass),
            ("GET licences", CheckStatus::Pass),
            ("optional: GET subscriptions", CheckStatus::Pass),
        ]
    );
    assert!(findings[1].detail.contains("C03az79cb (northwind.example)"));

    // A directly billed customer: a warning that says what is lost and why.
    let mut transport = northwind_probes(status(403, RESELLER_FORBIDDEN, &[]));
    let findings = check(&settings(&[]), &mut transport, &mut Recorder::default());
    let last = findings.last().unwrap();
    assert_eq!(last.status, CheckStatus::Warn);
    assert!(
        last.detail.contains("answers only the customer's reseller"),
        "{}",
        last.detail
    );
    assert!(
        last.fix
            .as_deref()
            .unwrap()
            .starts_with("purchased units will be unknown")
    );

    // A customer the administrator may not read: the rest is skipped.
    let mut transport = Fake::default().on(
        &format!("{DIRECTORY}/customers/my_customer"),
        vec![status(403, NOT_AUTHORIZED, &[])],
    );
    let findings = check(&settings(&[]), &mut transport, &mut Recorder::default());
    assert_eq!(findings[1].status, CheckStatus::Fail);
    assert!(
        findings[1]
            .fix
            .as_deref()
            .unwrap()
            .contains("must be a super administrator")
    );
    assert!(
        findings[2..]
            .iter()
            .all(|f| f.status == CheckStatus::Skipped)
    );
}

#[test]
fn describe_and_plan_declare_the_grant_the_scopes_and_the_hosts() {
    use itam_plugin_sdk::Collector;
    let plugin = itam_gws::component::Gws;
    let d = plugin.describe();
    assert_eq!(
        (d.name.as_str(), d.credential),
        ("gws", CredentialKind::Oauth2JwtBearer)
    );
    let names: Vec<&str> = d.settings.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "admin_email",
            "customer_id",
            "token_url",
            "api_url",
            "read_subscriptions"
        ]
    );
    assert!(
        d.settings[0].required && d.settings[1].default_value.as_deref() == Some("my_customer")
    );
    let optional: Vec<&str> = d
        .permissions
        .iter()
        .filter(|p| !p.required)
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(optional, [scopes::ORDER_READONLY]);

    let plan = plugin
        .plan(&vec![
            ("admin_email".into(), "admin@acme.example".into()),
            ("token_url".into(), "http://127.0.0.1:9/token".into()),
            ("api_url".into(), "http://127.0.0.1:9".into()),
        ])
        .unwrap();
    assert_eq!(plan.hosts, ["http://127.0.0.1:9"]);
    let grant = plan.grant.unwrap();
    assert_eq!(grant.credential_kind(), CredentialKind::Oauth2JwtBearer);
    assert_eq!(grant.resource_hosts(), ["http://127.0.0.1:9"]);
    assert!(matches!(
        plugin.plan(&vec![]),
        Err(CollectError::InvalidConfig(_))
    ));
}
