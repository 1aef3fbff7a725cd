//! The plugin's Graph logic, run natively against fixtures shaped like Microsoft's documented
//! responses, with a scripted transport and a recording host.

use itam_m365::collect::collect;
use itam_m365::graph::Graph;
use itam_m365::hostapi::HostApi;
use itam_m365::settings::M365Settings;
use itam_m365::transport::{NetworkCause, Reply, Transport, TransportError};
use itam_m365::types::*;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::time::Duration;

const SKUS: &str = include_str!("fixtures/subscribed_skus.json");
const USERS_1: &str = include_str!("fixtures/users_page1.json");
const USERS_2: &str = include_str!("fixtures/users_page2.json");
const GROUPS_1: &str = include_str!("fixtures/groups_delta_page1.json");
const GROUPS_2: &str = include_str!("fixtures/groups_delta_page2.json");
const ERROR_401: &str = include_str!("fixtures/error_401.json");
const ERROR_403: &str = include_str!("fixtures/error_403.json");
const ERROR_429: &str = include_str!("fixtures/error_429.json");
const ORGANIZATION: &str = include_str!("fixtures/organization.json");
const BATCH_INNER_ERRORS: &str = include_str!("fixtures/batch_inner_errors.json");
const SUBSCRIPTIONS: &str = include_str!("fixtures/subscriptions.json");
/// The first devices delta round: it only opens the next round's link.
const DEVICES_DELTA: &str = r#"{"value": [{"id": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"}], "@odata.deltaLink": "https://graph.microsoft.com/v1.0/devices/delta()?$deltatoken=d1"}"#;
const DEVICES: &str = include_str!("fixtures/devices_page.json");
const DELETED_USERS: &str = include_str!("fixtures/deleted_users_page.json");
const SIGN_INS: &str = include_str!("fixtures/sign_ins_page.json");
const ERROR_403_NON_PREMIUM: &str = include_str!("fixtures/error_403_non_premium.json");

/// A `$batch` answer holding the SKU list, the organization and the subscriptions, out of
/// order as Graph may send them.
fn tenant_batch() -> String {
    let skus: serde_json::Value = serde_json::from_str(SKUS).unwrap();
    let org: serde_json::Value = serde_json::from_str(ORGANIZATION).unwrap();
    let subscriptions: serde_json::Value = serde_json::from_str(SUBSCRIPTIONS).unwrap();
    serde_json::json!({"responses": [
        {"id": "1", "status": 200, "headers": {"Content-Type": "application/json"}, "body": org},
        {"id": "2", "status": 200, "headers": {"Content-Type": "application/json"}, "body": subscriptions},
        {"id": "0", "status": 200, "headers": {"Content-Type": "application/json"}, "body": skus},
    ]})
    .to_string()
}

/// Every reply of a complete run over the fixtures, in request order.
fn full_run() -> Vec<Result<Reply, TransportError>> {
    vec![
        ok(&tenant_batch()),
        ok(GROUPS_1),
        ok(GROUPS_2),
        ok(USERS_1),
        ok(USERS_2),
        ok(DEVICES_DELTA),
        ok(DEVICES),
        ok(DELETED_USERS),
        ok(SIGN_INS),
    ]
}

fn ok(body: &str) -> Result<Reply, TransportError> {
    Ok(Reply {
        status: 200,
        headers: vec![],
        body: body.as_bytes().to_vec(),
    })
}

fn status(code: u16, body: &str, headers: &[(&str, &str)]) -> Result<Reply, TransportError> {
    Ok(Reply {
        status: code,
        headers: headers
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
        body: body.as_bytes().to_vec(),
    })
}

/// Answers requests in order and records the URLs, headers and bodies it was sent.
#[derive(Default)]
struct Script {
    replies: VecDeque<Result<Reply, TransportError>>,
    urls: Vec<String>,
    headers: Vec<Vec<(String, String)>>,
    bodies: Vec<Option<String>>,
}

impl Script {
    fn new(replies: Vec<Result<Reply, TransportError>>) -> Self {
        Script {
            replies: replies.into(),
            ..Default::default()
        }
    }
}

impl Transport for Script {
    fn get(&mut self, url: &str, headers: &[(&str, &str)]) -> Result<Reply, TransportError> {
        self.urls.push(url.to_string());
        self.headers.push(
            headers
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        );
        self.bodies.push(None);
        self.replies
            .pop_front()
            .expect("an unexpected extra request")
    }

    fn post_json(
        &mut self,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Reply, TransportError> {
        let reply = self.get(url, headers);
        *self.bodies.last_mut().unwrap() = Some(String::from_utf8(body.to_vec()).unwrap());
        reply
    }
}

/// Records batches and authorizations.
#[derive(Default)]
struct Recorder {
    batches: Vec<Batch>,
    authorizations: usize,
    cancel_after: Option<usize>,
}

impl HostApi for Recorder {
    fn log(&mut self, _level: LogLevel, _message: &str) {}
    fn progress(&mut self, _phase: &str, _done: u64, _total: Option<u64>) {}
    fn emit(&mut self, batch: Batch) -> Flow {
        self.batches.push(batch);
        match self.cancel_after {
            Some(n) if self.batches.len() >= n => Flow::Cancel,
            _ => Flow::Proceed,
        }
    }
    fn authorize(&mut self, _grant: &Grant) -> Result<TokenFacts, AuthError> {
        self.authorizations += 1;
        Ok(TokenFacts {
            expires_at: 0,
            roles: vec![],
            tenant_id: None,
        })
    }
}

fn settings() -> M365Settings {
    M365Settings::parse(&[("tenant_id".into(), "northwind.onmicrosoft.com".into())]).unwrap()
}

thread_local! {
    static SLEPT: RefCell<Vec<Duration>> = const { RefCell::new(Vec::new()) };
}

fn record_sleep(d: Duration) {
    SLEPT.with(|s| s.borrow_mut().push(d));
}

#[test]
fn a_full_collection_maps_every_documented_field() {
    let mut transport = Script::new(full_run());
    let mut host = Recorder::default();
    let summary = collect(&settings(), &mut transport, &mut host).unwrap();
    assert!(
        transport.replies.is_empty(),
        "every scripted reply was used"
    );

    // The tenant-level reads go in one $batch of GETs.
    assert_eq!(transport.urls[0], "https://graph.microsoft.com/v1.0/$batch");
    let batch: serde_json::Value =
        serde_json::from_str(transport.bodies[0].as_deref().unwrap()).unwrap();
    assert_eq!(
        batch["requests"][0],
        serde_json::json!({"id": "0", "method": "GET", "url": "/subscribedSkus"})
    );
    assert_eq!(
        batch["requests"][1]["url"],
        "/organization?$select=id,displayName,verifiedDomains"
    );
    let facts: std::collections::BTreeMap<_, _> = summary.facts.iter().cloned().collect();
    assert_eq!(facts["organization"], "Northwind Traders");
    assert_eq!(facts["default_domain"], "northwind.example");

    // The first rounds of the delta queries, groups (with their members) before users; each
    // nextLink followed exactly as returned. Delta queries take no $top.
    assert_eq!(
        transport.urls[1],
        "https://graph.microsoft.com/v1.0/groups/delta?$select=id,displayName,groupTypes,securityEnabled,mailEnabled,assignedLicenses,members"
    );
    let next: serde_json::Value = serde_json::from_str(GROUPS_1).unwrap();
    assert_eq!(transport.urls[2], next["@odata.nextLink"].as_str().unwrap());
    assert!(
        transport.urls[3].starts_with(
            "https://graph.microsoft.com/v1.0/users/delta?$select=id,userPrincipalName,"
        )
    );
    assert!(transport.urls[3].contains("licenseAssignmentStates"));
    assert!(!transport.urls[3].contains("$top"));
    let next: serde_json::Value = serde_json::from_str(USERS_1).unwrap();
    assert_eq!(transport.urls[4], next["@odata.nextLink"].as_str().unwrap());
    assert!(
        transport.urls[5]
            .starts_with("https://graph.microsoft.com/v1.0/devices/delta?$select=id,deviceId,"),
        "{:?}",
        transport.urls
    );
    for h in &transport.headers {
        assert!(h.contains(&("x-ms-throttle-priority".into(), "low".into())));
        assert!(
            !h.iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("authorization")),
            "the plugin never sets credentials"
        );
    }
    assert_eq!(host.authorizations, 1);

    let mut products = vec![];
    let mut accounts = vec![];
    let mut assignments = vec![];
    let mut groups = vec![];
    let mut licenses = vec![];
    let mut subscriptions = vec![];
    let mut memberships = vec![];
    let mut devices = vec![];
    let mut sign_ins = vec![];
    for b in host.batches {
        match b {
            Batch::Products(p) => products.extend(p),
            Batch::Accounts(a) => accounts.extend(a),
            Batch::Assignments(a) => assignments.extend(a),
            Batch::Groups(g) => groups.extend(g),
            Batch::GroupLicenses(l) => licenses.extend(l),
            Batch::Memberships(m) => memberships.extend(m),
            Batch::Subscriptions(s) => subscriptions.extend(s),
            Batch::Devices(d) => devices.extend(d),
            Batch::SignIns(s) => sign_ins.extend(s),
        }
    }
    assert_full_run_extras(&summary, &subscriptions, &memberships, &devices, &sign_ins);
    // The soft-deleted user comes last among the accounts, with its direct licence.
    let deleted = accounts.pop().unwrap();
    assert_eq!(deleted.deleted.as_deref(), Some("2026-11-10T17:42:10Z"));
    assert!(accounts.iter().all(|a| a.deleted.is_none()));
    let deleted_licence = assignments.pop().unwrap();
    assert_eq!(
        (
            deleted_licence.account_id.as_str(),
            deleted_licence.product_id.as_str(),
            deleted_licence.source
        ),
        (
            deleted.id.as_str(),
            "c7df2760-2c81-4ef7-b578-5b5392b571df",
            AssignmentSource::Direct
        )
    );

    assert_eq!(products.len(), 2);
    let e5 = &products[0];
    assert_eq!(
        (e5.id.as_str(), e5.part_number.as_str(), e5.status.as_str()),
        (
            "c7df2760-2c81-4ef7-b578-5b5392b571df",
            "ENTERPRISEPREMIUM",
            "Enabled"
        )
    );
    // Graph tells the purchased units; the product's name comes from the host's catalogue.
    assert!(e5.display_name.is_none());
    let units = e5.units.as_ref().expect("Graph tells the purchased units");
    assert_eq!(
        (
            units.enabled,
            units.warning,
            units.suspended,
            units.locked_out,
            e5.consumed
        ),
        (40, 2, 0, 0, 37)
    );
    assert_eq!(e5.plans.len(), 2);
    assert_eq!(e5.plans[0].applies_to, "Company");
    let crm = &products[1];
    let units = crm.units.as_ref().expect("Graph tells the purchased units");
    assert_eq!(
        (
            crm.status.as_str(),
            units.enabled,
            units.suspended,
            units.locked_out,
            crm.consumed
        ),
        ("Suspended", 0, 10, 1, 3)
    );
    assert_eq!(crm.plans[0].provisioning_status, "Disabled");

    assert_eq!(accounts.len(), 3);
    assert_eq!(
        accounts[0].principal_name,
        "zoë.østergaard@northwind.onmicrosoft.com"
    );
    assert_eq!(accounts[0].kind, AccountKind::Member);
    assert_eq!(accounts[0].usage_location.as_deref(), Some("DK"));
    let guest = &accounts[1];
    assert_eq!(
        guest.principal_name,
        "partner1_fabrikam.example#EXT#@northwind.onmicrosoft.com"
    );
    assert_eq!((guest.kind, guest.enabled), (AccountKind::Guest, false));
    assert_eq!(
        (guest.department.as_deref(), guest.created.as_deref()),
        (None, None)
    );
    assert_eq!(accounts[2].display_name, None);
    assert_eq!(accounts[2].kind, AccountKind::Other);

    // Direct + group for Zoë, an errored group assignment for the guest, and a fallback to
    // assignedLicenses (direct) where licenseAssignmentStates is absent.
    assert_eq!(assignments.len(), 4);
    assert_eq!(assignments[0].source, AssignmentSource::Direct);
    assert_eq!(assignments[1].source, AssignmentSource::Group);
    assert_eq!(
        assignments[1].group_id.as_deref(),
        Some("0f1e2d3c-4b5a-4968-8776-655443322110")
    );
    assert_eq!(
        assignments[1].disabled_plans,
        vec!["efb87545-963c-4e0d-99df-69c6916d9eb0"]
    );
    assert_eq!(assignments[0].error, None, "\"None\" means no error");
    assert_eq!(
        (
            assignments[2].state.as_str(),
            assignments[2].error.as_deref()
        ),
        ("Error", Some("CountViolation"))
    );
    assert_eq!(
        (assignments[3].product_id.as_str(), assignments[3].source),
        (
            "d17b27af-3f49-4822-99f9-56a661538792",
            AssignmentSource::Direct
        )
    );

    assert_eq!(groups.len(), 2);
    assert_eq!(groups[1].group_types, vec!["Unified"]);
    assert!(groups[0].security_enabled && !groups[0].mail_enabled);
    assert_eq!(
        licenses.len(),
        1,
        "a null assignedLicenses is an empty list"
    );

    let count = |k: &str| summary.counts.iter().find(|(n, _)| n == k).unwrap().1;
    assert_eq!(
        (count("accounts"), count("assignments"), count("products")),
        (3, 5, 2),
        "assignments include the deleted user's"
    );
}

#[test]
fn graph_errors_are_typed_with_code_request_id_and_fix() {
    let mut transport = Script::new(vec![ok(&tenant_batch()), status(403, ERROR_403, &[])]);
    let mut host = Recorder::default();
    let err = collect(&settings(), &mut transport, &mut host).unwrap_err();
    let CollectError::Forbidden(f) = err else {
        panic!("expected forbidden, got {err:?}")
    };
    assert_eq!(f.status, Some(403));
    assert_eq!(f.code.as_deref(), Some("Authorization_RequestDenied"));
    assert_eq!(
        f.request_id.as_deref(),
        Some("2b4c6d8e-0000-4000-8000-00000000a403")
    );
    assert!(f.message.contains("Insufficient privileges"));
    assert!(f.fix.unwrap().contains("Directory.Read.All"));
}

#[test]
fn a_401_reauthorizes_once_then_gives_up() {
    let mut transport = Script::new(vec![status(401, ERROR_401, &[]), ok(SKUS)]);
    let mut host = Recorder::default();
    let mut graph = Graph::connect(&mut transport, &mut host, settings().grant()).unwrap();
    graph
        .get_json::<serde_json::Value>("https://graph.microsoft.com/v1.0/subscribedSkus")
        .unwrap();
    drop(graph);
    assert_eq!(host.authorizations, 2);

    let mut transport = Script::new(vec![
        status(401, ERROR_401, &[]),
        status(401, ERROR_401, &[]),
    ]);
    let mut host = Recorder::default();
    let mut graph = Graph::connect(&mut transport, &mut host, settings().grant()).unwrap();
    let err = graph
        .get_json::<serde_json::Value>("https://graph.microsoft.com/v1.0/subscribedSkus")
        .unwrap_err();
    assert!(
        matches!(err, CollectError::Unauthorized(ref f) if f.code.as_deref() == Some("InvalidAuthenticationToken")),
        "{err:?}"
    );
}

#[test]
fn throttling_honours_a_decimal_retry_after() {
    let mut transport = Script::new(vec![
        status(429, ERROR_429, &[("retry-after", "2.128")]),
        ok(SKUS),
    ]);
    let mut host = Recorder::default();
    let mut graph = Graph::connect(&mut transport, &mut host, settings().grant()).unwrap();
    graph.sleep = record_sleep;
    graph
        .get_json::<serde_json::Value>("https://graph.microsoft.com/v1.0/subscribedSkus")
        .unwrap();
    SLEPT.with(|s| assert_eq!(*s.borrow(), vec![Duration::from_millis(2128)]));
}

#[test]
fn a_denied_request_and_a_cancel_end_the_run_with_their_own_errors() {
    let mut transport = Script::new(vec![
        ok(&tenant_batch()),
        Err(TransportError::Denied(
            "https://graph.microsoft.com/v1.0/users".into(),
        )),
    ]);
    let mut host = Recorder::default();
    let err = collect(&settings(), &mut transport, &mut host).unwrap_err();
    assert!(
        matches!(err, CollectError::Denied(ref f) if f.code.as_deref() == Some("HTTP-request-denied")),
        "{err:?}"
    );

    let mut transport = Script::new(vec![ok(&tenant_batch())]);
    let mut host = Recorder {
        cancel_after: Some(1),
        ..Recorder::default()
    };
    let err = collect(&settings(), &mut transport, &mut host).unwrap_err();
    assert!(matches!(err, CollectError::Cancelled(_)), "{err:?}");
}

#[test]
fn unreadable_answers_and_broken_connections_are_retried_then_given_up() {
    let url = "https://graph.microsoft.com/v1.0/subscribedSkus";
    let network = || {
        Err(TransportError::Network(NetworkCause::Other(
            "connection reset".into(),
        )))
    };
    let mut transport = Script::new(vec![
        ok("{\"value\": ["),
        network(),
        status(503, "", &[]),
        status(502, "", &[]),
        ok(SKUS),
    ]);
    let mut host = Recorder::default();
    let mut graph = Graph::connect(&mut transport, &mut host, settings().grant()).unwrap();
    graph.sleep = |_| {};
    graph.get_json::<serde_json::Value>(url).unwrap();
    assert_eq!(graph.retries(), 4);

    let mut transport = Script::new((0..6).map(|_| ok("{\"value\": [")).collect());
    let mut host = Recorder::default();
    let mut graph = Graph::connect(&mut transport, &mut host, settings().grant()).unwrap();
    graph.sleep = |_| {};
    let err = graph.get_json::<serde_json::Value>(url).unwrap_err();
    let CollectError::Upstream(f) = err else {
        panic!("{err:?}")
    };
    assert!(
        f.message.contains("not valid JSON") && f.message.contains("gave up after 6 attempts"),
        "{}",
        f.message
    );
    assert!(f.message.contains("client-request-id"), "{}", f.message);
}

#[test]
fn the_run_budget_and_overlong_retry_after_end_the_run() {
    let url = "https://graph.microsoft.com/v1.0/users";
    let throttled = || status(429, ERROR_429, &[("retry-after", "1")]);
    let mut transport = Script::new((0..3).map(|_| throttled()).collect());
    let mut host = Recorder::default();
    let policy = itam_m365::retry::RetryPolicy {
        run_budget: 2,
        ..Default::default()
    };
    let mut graph = Graph::connect(&mut transport, &mut host, settings().grant())
        .unwrap()
        .with_policy(policy);
    graph.sleep = |_| {};
    let err = graph.get_json::<serde_json::Value>(url).unwrap_err();
    let CollectError::Throttled(f) = err else {
        panic!("{err:?}")
    };
    assert!(f.message.contains("budget of 2 retries"), "{}", f.message);
    assert!(f.fix.is_some());

    let mut transport = Script::new(vec![status(503, "", &[("retry-after", "3600")])]);
    let mut host = Recorder::default();
    let mut graph = Graph::connect(&mut transport, &mut host, settings().grant()).unwrap();
    let err = graph.get_json::<serde_json::Value>(url).unwrap_err();
    assert!(
        matches!(&err, CollectError::Throttled(f) if f.message.contains("wait 3600 s")),
        "{err:?}"
    );
}

#[test]
fn every_request_carries_a_client_request_id_kept_across_retries() {
    let mut transport = Script::new(vec![status(500, "", &[]), ok(SKUS), ok(SKUS)]);
    let mut host = Recorder::default();
    let mut graph = Graph::connect(&mut transport, &mut host, settings().grant()).unwrap();
    graph.sleep = |_| {};
    graph
        .get_json::<serde_json::Value>("https://graph.microsoft.com/v1.0/a")
        .unwrap();
    graph
        .get_json::<serde_json::Value>("https://graph.microsoft.com/v1.0/b")
        .unwrap();
    drop(graph);
    let ids: Vec<String> = transport
        .headers
        .iter()
        .map(|h| {
            h.iter()
                .find(|(n, _)| n == "client-request-id")
                .unwrap()
                .1
                .clone()
        })
        .collect();
    assert_eq!(ids[0], ids[1], "a retry keeps its request's ID");
    assert_ne!(ids[1], ids[2], "a new request gets a new ID");
    assert_eq!(ids[0].len(), 36);
}

#[test]
fn throttled_inner_batch_requests_are_retried_alone_and_errors_are_typed() {
    use itam_m365::batch::batch_get;
    let base = "https://graph.microsoft.com/v1.0";
    // Inner request 0 is throttled (retried alone after its Retry-After); inner 1 is refused.
    let mut transport = Script::new(vec![ok(BATCH_INNER_ERRORS), ok(SKUS)]);
    let mut host = Recorder::default();
    let mut graph = Graph::connect(&mut transport, &mut host, settings().grant()).unwrap();
    graph.sleep = record_sleep;
    let err = batch_get(&mut graph, base, &["/subscribedSkus", "/organization"]).unwrap_err();
    let CollectError::Forbidden(f) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        f.request_id.as_deref(),
        Some("2b4c6d8e-0000-4000-8000-00000000b403")
    );

    let throttled_only: serde_json::Value = {
        let mut doc: serde_json::Value = serde_json::from_str(BATCH_INNER_ERRORS).unwrap();
        doc["responses"].as_array_mut().unwrap().remove(0);
        doc["responses"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({"id": "1", "status": 200, "body": {"value": []}}));
        doc
    };
    let mut transport = Script::new(vec![ok(&throttled_only.to_string()), ok(SKUS)]);
    let mut host = Recorder::default();
    let mut graph = Graph::connect(&mut transport, &mut host, settings().grant()).unwrap();
    graph.sleep = record_sleep;
    let bodies = batch_get(&mut graph, base, &["/subscribedSkus", "/organization"]).unwrap();
    assert_eq!(
        bodies[0]["value"].as_array().unwrap().len(),
        2,
        "the retried SKU list"
    );
    assert_eq!(graph.retries(), 1);
    drop(graph);
    assert_eq!(
        transport.urls[1],
        "https://graph.microsoft.com/v1.0/subscribedSkus"
    );
    SLEPT.with(|s| assert!(s.borrow().contains(&Duration::from_secs(3))));
}

#[test]
fn a_next_link_seen_before_ends_the_run_instead_of_looping() {
    let url = "https://graph.microsoft.com/v1.0/users?$top=1";
    let page =
        |next: &str| ok(&serde_json::json!({"value": [], "@odata.nextLink": next}).to_string());
    let a = "https://graph.microsoft.com/v1.0/users?$skiptoken=a";
    let b = "https://graph.microsoft.com/v1.0/users?$skiptoken=b";
    let mut transport = Script::new(vec![page(a), page(b), page(a)]);
    let mut host = Recorder::default();
    let mut graph = Graph::connect(&mut transport, &mut host, settings().grant()).unwrap();
    let err = graph
        .for_each_page(url, |_, _: Vec<serde_json::Value>| Ok(()))
        .unwrap_err();
    assert!(
        matches!(&err, CollectError::Upstream(f) if f.message.contains("already sent")),
        "{err:?}"
    );
}

/// The parts of a full run beyond users, groups and products.
fn assert_full_run_extras(
    summary: &Summary,
    subscriptions: &[Subscription],
    memberships: &[Membership],
    devices: &[Device],
    sign_ins: &[SignInActivity],
) {
    let counts: std::collections::BTreeMap<_, _> = summary.counts.iter().cloned().collect();
    assert_eq!(
        (
            counts["subscriptions"],
            counts["memberships"],
            counts["devices"]
        ),
        (2, 7, 2)
    );
    assert_eq!((counts["deleted_accounts"], counts["sign_ins"]), (1, 3));
    assert!(summary.data_quality.is_empty());

    // An entry without skuId cannot be linked to a product and is left out.
    assert_eq!(subscriptions.len(), 2);
    let e5 = &subscriptions[0];
    assert_eq!(
        (
            e5.product_id.as_str(),
            e5.status.as_str(),
            e5.total_units,
            e5.trial
        ),
        ("c7df2760-2c81-4ef7-b578-5b5392b571df", "Enabled", 40, false)
    );
    assert_eq!(e5.next_lifecycle.as_deref(), Some("2027-03-01T00:00:00Z"));
    assert!(
        e5.attributes
            .contains(&("owner_type".into(), "Company".into()))
    );
    let trial = &subscriptions[1];
    assert_eq!(
        (
            trial.part_number.as_str(),
            trial.status.as_str(),
            trial.trial,
            trial.next_lifecycle.as_deref()
        ),
        ("PROJECT_PLAN3_TRIAL", "Warning", true, None)
    );

    // Members of the first group (two pages), then the second: every kind Graph names.
    let kinds: Vec<_> = memberships
        .iter()
        .map(|m| (m.group_id.as_str(), m.member_kind))
        .collect();
    let (g0, g1) = (
        "0f1e2d3c-4b5a-4968-8776-655443322110",
        "1a2b3c4d-5e6f-4708-9192-a3b4c5d6e7f8",
    );
    assert_eq!(
        kinds,
        vec![
            (g0, MemberKind::Account),
            (g0, MemberKind::Account),
            (g1, MemberKind::Group),
            (g1, MemberKind::Device),
            (g1, MemberKind::ServicePrincipal),
            (g1, MemberKind::Contact),
            (g1, MemberKind::Other),
        ]
    );

    assert_eq!(devices[0].owner_ids.len(), 2);
    assert_eq!(
        (devices[0].trust_type.as_deref(), devices[0].enabled),
        (Some("AzureAd"), true)
    );
    assert_eq!(
        (
            devices[1].display_name.as_str(),
            devices[1].enabled,
            devices[1].owner_ids.len()
        ),
        ("Zoë's iPhone", false, 0)
    );

    // Graph's placeholders for "never" become absent times.
    assert_eq!(
        sign_ins[0].last_interactive.as_deref(),
        Some("2026-11-24T07:01:02Z")
    );
    assert_eq!(
        (
            sign_ins[0].last_non_interactive.as_deref(),
            sign_ins[0].last_successful.as_deref()
        ),
        (None, None)
    );
    assert_eq!(sign_ins[1].last_interactive, None);
    assert_eq!(
        sign_ins[1].last_non_interactive.as_deref(),
        Some("2026-01-05T22:10:00Z")
    );
    assert_eq!(
        (
            &sign_ins[2].last_interactive,
            &sign_ins[2].last_non_interactive,
            &sign_ins[2].last_successful
        ),
        (&None, &None, &None)
    );
}

#[test]
fn without_entra_premium_sign_ins_are_skipped_with_a_data_quality_note() {
    let mut replies = full_run();
    replies.pop();
    replies.push(status(403, ERROR_403_NON_PREMIUM, &[]));
    let mut transport = Script::new(replies);
    let mut host = Recorder::default();
    let summary = collect(&settings(), &mut transport, &mut host).unwrap();
    assert!(!host.batches.iter().any(|b| matches!(b, Batch::SignIns(_))));
    assert!(!summary.counts.iter().any(|(k, _)| k == "sign_ins"));
    assert_eq!(summary.data_quality.len(), 1);
    assert!(
        summary.data_quality[0].contains("no Microsoft Entra ID P1 or P2"),
        "{:?}",
        summary.data_quality
    );
    let users = summary
        .counts
        .iter()
        .find(|(k, _)| k == "accounts")
        .unwrap();
    assert_eq!(users.1, 3, "everything else is still collected");

    // Without AuditLog.Read.All the note names the permission instead.
    let mut replies = full_run();
    replies.pop();
    replies.push(status(403, ERROR_403, &[]));
    let summary = collect(
        &settings(),
        &mut Script::new(replies),
        &mut Recorder::default(),
    )
    .unwrap();
    assert!(summary.data_quality[0].contains("AuditLog.Read.All"));
}
