//! The plugin against the Google Workspace emulator (`plugin/gws/emulator`) in-process, over
//! real loopback HTTP: the test host obtains tokens from the emulator's token endpoint with
//! the service account's signed assertion (as the real host does) and attaches them, and the
//! results are compared with the emulator's ground truth.

mod common;

use common::{Emitted, Recorder, count, fact};
use gws_emulator::{Api, Billing, Emulator, Fault, FaultRule, Options, Tenant, TenantSpec};
use itam_gws::check::check;
use itam_gws::client::Google;
use itam_gws::collect::collect_with;
use itam_gws::hostapi::HostApi;
use itam_gws::settings::GwsSettings;
use itam_gws::transport::{Reply, Transport, TransportError};
use itam_gws::types::*;
use std::cell::RefCell;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::rc::Rc;

/// One HTTP/1.1 exchange with a loopback server (`http://host:port/path?query`).
fn exchange(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> std::io::Result<Reply> {
    let rest = url.strip_prefix("http://").expect("a loopback http URL");
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = TcpStream::connect(authority)?;
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nhost: {authority}\r\nconnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(body) = body {
        request.push_str(&format!("content-length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes())?;
    if let Some(body) = body {
        stream.write_all(body)?;
    }
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP answer");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    Ok(Reply {
        status,
        headers,
        body,
    })
}

/// A chunked body's data.
fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = raw.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&raw[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&raw[end + 2..end + 2 + size]);
        raw = &raw[end + 2 + size + 2..];
    }
    out
}

/// The token the host holds, shared by the host (which obtains it) and the transport (which
/// attaches it), as the real host keeps it from the plugin.
type Token = Rc<RefCell<Option<String>>>;

/// HTTP to the emulator, with the host's token attached.
struct Loopback {
    token: Token,
    urls: Vec<String>,
}

impl Transport for Loopback {
    fn get(&mut self, url: &str, headers: &[(&str, &str)]) -> Result<Reply, TransportError> {
        self.urls.push(url.to_string());
        let bearer = self.token.borrow().as_ref().map(|t| format!("Bearer {t}"));
        let mut all = headers.to_vec();
        if let Some(b) = &bearer {
            all.push(("authorization", b));
        }
        exchange("GET", url, &all, None).map_err(|e| {
            TransportError::Network(itam_gws::transport::NetworkCause::Other(e.to_string()))
        })
    }

    fn post_json(
        &mut self,
        url: &str,
        _: &[(&str, &str)],
        _: &[u8],
    ) -> Result<Reply, TransportError> {
        panic!("the plugin only reads, yet it posted to {url}")
    }
}

/// A host whose `authorize` does what the real host does for a JWT-bearer grant: a signed
/// assertion for the grant's subject and scopes, posted to the token URL; a refusal comes back
/// as Google's `error` and `error_description`, with the service account's client ID appended.
struct EmulatorHost<'a> {
    emulator: &'a Emulator,
    token: Token,
    inner: Recorder,
}

impl HostApi for EmulatorHost<'_> {
    fn log(&mut self, level: LogLevel, message: &str) {
        self.inner.log(level, message);
    }

    fn progress(&mut self, phase: &str, done: u64, total: Option<u64>) {
        self.inner.progress(phase, done, total);
    }

    fn emit(&mut self, batch: Batch) -> Flow {
        self.inner.emit(batch)
    }

    fn authorize(&mut self, grant: &Grant) -> Result<TokenFacts, AuthError> {
        self.inner.grants.push(grant.clone());
        let Grant::JwtBearer(g) = grant else {
            panic!("the plugin asked for a grant other than a JWT bearer")
        };
        let scopes: Vec<&str> = g.scopes.iter().map(String::as_str).collect();
        let assertion = self
            .emulator
            .assertion(g.subject.as_deref().unwrap_or(""), &scopes);
        let form = format!(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion={assertion}"
        );
        let reply = exchange(
            "POST",
            &g.token_url,
            &[("content-type", "application/x-www-form-urlencoded")],
            Some(form.as_bytes()),
        )
        .expect("the emulator's token endpoint answers");
        let json: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
        if reply.status != 200 {
            return Err(AuthError {
                status: reply.status,
                error: json["error"].as_str().unwrap_or_default().into(),
                codes: vec![],
                description: format!(
                    "{} (service account client ID {})",
                    json["error_description"].as_str().unwrap_or_default(),
                    self.emulator.service_account().client_id
                ),
            });
        }
        *self.token.borrow_mut() = json["access_token"].as_str().map(str::to_string);
        Ok(TokenFacts {
            expires_at: 0,
            roles: vec![],
            tenant_id: None,
        })
    }
}

/// An emulated customer of `users` users billed as `billing`, served with `options`.
fn serve(
    users: usize,
    billing: Billing,
    options: Options,
    edit: impl FnOnce(&mut Tenant),
) -> (tokio::runtime::Runtime, Emulator) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut tenant = Tenant::generate(&TenantSpec {
        users,
        billing,
        ..TenantSpec::default()
    });
    edit(&mut tenant);
    let emulator = runtime
        .block_on(Emulator::start(tenant, options, 0))
        .unwrap();
    (runtime, emulator)
}

fn settings(emulator: &Emulator) -> GwsSettings {
    GwsSettings::parse(&[
        ("admin_email".into(), emulator.expected().admin_email),
        ("token_url".into(), emulator.token_url()),
        ("api_url".into(), emulator.url()),
    ])
    .unwrap()
}

/// Collects from `emulator` without sleeping between retries.
fn run(emulator: &Emulator) -> (Result<Summary, CollectError>, Emitted, u32) {
    let token = Token::default();
    let mut transport = Loopback {
        token: token.clone(),
        urls: vec![],
    };
    let mut host = EmulatorHost {
        emulator,
        token,
        inner: Recorder::default(),
    };
    let s = settings(emulator);
    let (result, retries) = match Google::connect(&mut transport, &mut host, s.grant()) {
        Ok(mut google) => {
            google.sleep = |_| {};
            let result = collect_with(&mut google, &s);
            (result, google.retries())
        }
        Err(e) => (Err(e), 0),
    };
    (result, Emitted::of(host.inner.batches), retries)
}

#[test]
fn a_reseller_managed_customer_is_collected_as_the_emulator_knows_it() {
    let (_runtime, emulator) = serve(300, Billing::Reseller, Options::default(), |_| {});
    let expected = emulator.expected();
    let (summary, e, _) = run(&emulator);
    let summary = summary.unwrap();
    let c = &expected.counts;

    assert_eq!(e.accounts.len(), c.users);
    // Neither suspended nor archived users can sign in.
    assert_eq!(
        e.accounts.iter().filter(|a| !a.enabled).count(),
        c.users - c.active
    );
    let flag = |key: &str| {
        e.accounts
            .iter()
            .filter(|a| Emitted::attribute(&a.attributes, key) == Some("true"))
            .count()
    };
    assert_eq!(
        (
            flag("archived"),
            flag("is_admin"),
            flag("is_delegated_admin")
        ),
        (c.archived, c.admins, c.delegated_admins)
    );
    assert_eq!(
        e.sign_ins
            .iter()
            .filter(|s| s.last_successful.is_none())
            .count(),
        c.never_logged_in
    );

    assert_eq!(e.groups.len(), c.groups);
    assert_eq!(e.memberships.len(), c.memberships);
    let kind = |k: MemberKind| e.memberships.iter().filter(|m| m.member_kind == k).count();
    assert_eq!(
        (
            kind(MemberKind::Account),
            kind(MemberKind::Group),
            kind(MemberKind::External),
            kind(MemberKind::Other)
        ),
        (c.user_members, c.nested, c.external, c.customer_members)
    );

    assert_eq!(e.assignments.len(), c.licence_assignments);
    assert_eq!(e.products.len(), expected.skus.len());
    for sku in &expected.skus {
        let p = e
            .products
            .iter()
            .find(|p| p.id == sku.sku_id)
            .unwrap_or_else(|| panic!("no product {}", sku.sku_id));
        assert_eq!(p.consumed, sku.assigned as u64, "{}", sku.sku_id);
        assert_eq!(p.display_name.as_deref(), Some(sku.sku_name.as_str()));
        let units = p.units.as_ref().map(|u| (u.enabled, u.suspended));
        let want = sku.seats.as_ref().map(|s| {
            let n = match s.plan.as_str() {
                "FLEXIBLE" => s.licensed_number_of_seats,
                "TRIAL" | "FREE" => s.maximum_number_of_seats.unwrap(),
                _ => s.number_of_seats.unwrap(),
            };
            if s.status == "SUSPENDED" {
                (0, n)
            } else {
                (n, 0)
            }
        });
        assert_eq!(units, want, "{} ({:?})", sku.sku_id, sku.seats);
    }
    let subscribed = expected.skus.iter().filter(|s| s.seats.is_some()).count();
    assert_eq!(e.subscriptions.len(), subscribed);
    assert_eq!(count(&summary, "subscriptions"), subscribed as u64);
    // Vault Former Employee has no subscription of its own: its units are unknown, with a note.
    assert_eq!(
        summary.data_quality.len(),
        usize::from(subscribed < expected.skus.len())
    );

    assert_eq!(
        fact(&summary, "customer_id"),
        Some(expected.customer_id.as_str())
    );
    assert_eq!(fact(&summary, "domain"), Some(expected.domain.as_str()));
    assert_eq!(
        fact(&summary, "organization"),
        Some(expected.organization.as_str())
    );
    assert_eq!(fact(&summary, "billing"), Some("reseller"));
    assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);
}

#[test]
fn a_directly_billed_customer_has_unknown_units_everywhere() {
    let (_runtime, emulator) = serve(120, Billing::Direct, Options::default(), |_| {});
    let (summary, e, _) = run(&emulator);
    let summary = summary.unwrap();
    assert_eq!(e.products.len(), emulator.expected().skus.len());
    assert!(e.products.iter().all(|p| p.units.is_none()));
    assert!(e.subscriptions.is_empty());
    assert_eq!(fact(&summary, "billing"), Some("direct"));
    assert!(summary.data_quality[0].contains("billed directly by Google"));
}

#[test]
fn googles_throttling_is_ridden_out() {
    let faults = vec![
        FaultRule::new("users", 2, Fault::TooManyRequests(Some(1))),
        FaultRule::new("members", 1, Fault::UserRateLimitExceeded),
        FaultRule::new("licenses", 1, Fault::Unavailable(None)),
        FaultRule::new("subscriptions", 1, Fault::RateLimitExceeded),
    ];
    let (_runtime, emulator) = serve(
        120,
        Billing::Reseller,
        Options {
            faults,
            ..Options::default()
        },
        |_| {},
    );
    let (summary, e, retries) = run(&emulator);
    let summary = summary.unwrap();
    assert_eq!(retries, 5);
    assert_eq!(e.accounts.len(), emulator.expected().counts.users);
    assert!(!e.subscriptions.is_empty());
    assert!(
        summary
            .warnings
            .iter()
            .any(|w| w.starts_with("5 requests were retried"))
    );
}

#[test]
fn a_disabled_api_and_missing_delegation_say_how_to_fix_them() {
    let (_runtime, emulator) = serve(
        50,
        Billing::Reseller,
        Options {
            disabled_apis: vec![Api::Licensing],
            ..Options::default()
        },
        |_| {},
    );
    let (result, _, _) = run(&emulator);
    let err = result.unwrap_err();
    let fix = err.failure().fix.clone().unwrap();
    assert!(matches!(err, CollectError::Forbidden(_)), "{err:?}");
    assert!(
        fix.contains("https://console.developers.google.com/apis/api/licensing.googleapis.com/overview?project="),
        "{fix}"
    );

    let (_runtime, emulator) = serve(50, Billing::Reseller, Options::default(), |t| {
        t.delegation.clear()
    });
    let (result, _, _) = run(&emulator);
    let err = result.unwrap_err();
    assert!(matches!(err, CollectError::Unauthorized(_)), "{err:?}");
    let fix = err.failure().fix.clone().unwrap();
    let client_id = emulator.expected().service_account.client_id;
    assert!(fix.contains(&format!("client ID {client_id}")), "{fix}");
}

#[test]
fn check_passes_every_step_against_a_reseller_managed_customer() {
    let (_runtime, emulator) = serve(50, Billing::Reseller, Options::default(), |_| {});
    let token = Token::default();
    let mut transport = Loopback {
        token: token.clone(),
        urls: vec![],
    };
    let mut host = EmulatorHost {
        emulator: &emulator,
        token,
        inner: Recorder::default(),
    };
    let findings = check(&settings(&emulator), &mut transport, &mut host);
    for f in &findings {
        assert_eq!(f.status, CheckStatus::Pass, "{f:?}");
    }
    assert_eq!(findings.len(), 7);
    assert!(
        transport
            .urls
            .iter()
            .all(|u| u.contains("maxResults=1") || u.contains("/customers/"))
    );
}

#[test]
fn the_catalogue_knows_every_sku_the_emulator_serves() {
    for s in gws_emulator::catalog::SKUS {
        let mine = itam_gws::catalog::by_sku_id(s.sku_id)
            .unwrap_or_else(|| panic!("{} is not in the catalogue", s.sku_id));
        assert_eq!(
            (mine.product_id, mine.product_name, mine.sku_name),
            (s.product_id, s.product_name, s.sku_name)
        );
    }
}
