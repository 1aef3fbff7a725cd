//! Fuzzes the m365 plugin's reading of Microsoft Graph answers, through its public API and a
//! scripted transport (no network):
//!
//! - a page (`value` + `@odata.nextLink`) of each Graph type the plugin reads — `User` (live
//!   and soft-deleted), `SubscribedSku`, `GraphGroup`, `DirectoryObject`, `GraphDevice`,
//!   `CompanySubscription`, `SignInUser`, `Organization` — and their mappings to the
//!   contract's entities;
//! - a `$batch` answer (`batch_get_each`), inner errors and retries included;
//! - an error answer: `Retry-After` (`retry::retry_after`) and `graph::graph_failure`;
//! - a token failure (`auth::auth_failure`) and the plugin's settings (`M365Settings::parse`);
//! - a whole collection run (`collect::collect_with`) over a script of answers.
//!
//! Input: byte 0 picks one of the above; the rest is the answer. For a whole run, answers are
//! separated by 0xFF (never in UTF-8 JSON); each is one status byte, a `Retry-After` value up
//! to the first `\n`, then the body. Nothing may panic, and every parsed value must map.

#![no_main]

use itam_m365::auth::auth_failure;
use itam_m365::batch::batch_get_each;
use itam_m365::collect::collect_with;
use itam_m365::graph::{Graph, graph_failure};
use itam_m365::hostapi::HostApi;
use itam_m365::model::*;
use itam_m365::retry::{RetryPolicy, retry_after};
use itam_m365::settings::M365Settings;
use itam_m365::transport::{NetworkCause, Reply, Transport, TransportError};
use itam_m365::types::*;
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;
use std::collections::VecDeque;
use std::time::{Duration, SystemTime};

/// Statuses a script byte selects; 0 and 1 stand for a network failure and a denied host.
const STATUSES: [u16; 16] = [
    0, 1, 200, 200, 200, 204, 400, 401, 403, 404, 429, 500, 502, 503, 504, 599,
];

/// Answers requests from a script; once it runs out, with empty pages and batches.
struct Script(VecDeque<Result<Reply, TransportError>>);

impl Script {
    fn next(&mut self, empty: &str) -> Result<Reply, TransportError> {
        self.0
            .pop_front()
            .unwrap_or_else(|| Ok(reply(200, None, empty.as_bytes())))
    }
}

impl Transport for Script {
    fn get(&mut self, _: &str, _: &[(&str, &str)]) -> Result<Reply, TransportError> {
        self.next(r#"{"value":[]}"#)
    }
    fn post_json(
        &mut self,
        _: &str,
        _: &[(&str, &str)],
        _: &[u8],
    ) -> Result<Reply, TransportError> {
        self.next(r#"{"responses":[]}"#)
    }
}

/// A host that accepts everything.
struct Host;

impl HostApi for Host {
    fn log(&mut self, _: LogLevel, _: &str) {}
    fn progress(&mut self, _: &str, _: u64, _: Option<u64>) {}
    fn emit(&mut self, _: Batch) -> Flow {
        Flow::Proceed
    }
    fn authorize(&mut self, _: &Grant) -> Result<TokenFacts, AuthError> {
        Ok(TokenFacts {
            expires_at: 0,
            roles: vec![],
            tenant_id: None,
        })
    }
}

fn reply(status: u16, retry: Option<&str>, body: &[u8]) -> Reply {
    let headers = retry.map(|r| vec![("retry-after".to_string(), r.to_string())]);
    Reply {
        status,
        headers: headers.unwrap_or_default(),
        body: body.to_vec(),
    }
}

/// One scripted answer: status byte, `Retry-After` line, body.
fn scripted(chunk: &[u8]) -> Result<Reply, TransportError> {
    let Some((&status, rest)) = chunk.split_first() else {
        return Ok(reply(200, None, b"{}"));
    };
    let (retry, body) = match rest.iter().position(|&b| b == b'\n') {
        Some(i) => (
            Some(String::from_utf8_lossy(&rest[..i]).into_owned()),
            &rest[i + 1..],
        ),
        None => (None, rest),
    };
    match STATUSES[usize::from(status) % STATUSES.len()] {
        0 => Err(TransportError::Network(NetworkCause::Other("reset".into()))),
        1 => Err(TransportError::Denied("not allowed".into())),
        s => Ok(reply(s, retry.as_deref().filter(|r| !r.is_empty()), body)),
    }
}

/// Runs `f` on a client over `script` that never sleeps and retries little.
fn with_graph<R>(
    script: Vec<Result<Reply, TransportError>>,
    f: impl FnOnce(&mut Graph<'_, Script, Host>) -> R,
) -> R {
    let (mut transport, mut host) = (Script(script.into()), Host);
    let policy = RetryPolicy {
        max_attempts: 3,
        run_budget: 8,
        base: Duration::ZERO,
        cap: Duration::ZERO,
        max_retry_after: Duration::from_secs(300),
    };
    let grant = Grant::client_credentials("https://login.test/t/token", "s", [] as [&str; 0]);
    let mut graph = Graph::connect(&mut transport, &mut host, grant)
        .expect("the host authorizes")
        .with_policy(policy);
    graph.sleep = |_| {};
    f(&mut graph)
}

/// Reads `body` as a page of `V` and maps each item with `map`.
fn page<V: DeserializeOwned>(body: &[u8], mut map: impl FnMut(V)) {
    let _ = with_graph(vec![Ok(reply(200, None, body))], |g| {
        g.for_each_page("https://graph.test/v1.0/x", |_, items: Vec<V>| {
            items.into_iter().for_each(&mut map);
            Ok(())
        })
    });
}

fn user(u: User) {
    let id = u.id.clone();
    assert!(u.assignments().iter().all(|a| a.account_id == id));
    assert_eq!(u.into_account().id, id);
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(body);
    match mode % 13 {
        0 => {
            let script = body.split(|&b| b == 0xFF).map(scripted).collect();
            let _ = with_graph(script, |g| collect_with(g, "https://graph.test/v1.0"));
        }
        1 => page(body, user),
        2 => page(body, |s: SubscribedSku| drop(s.into_product())),
        3 => page(body, |g: GraphGroup| drop((g.licenses(), g.into_group()))),
        4 => page(body, |m: DirectoryObject| drop(m.membership_of("g"))),
        5 => page(body, |d: GraphDevice| drop(d.into_device())),
        6 => page(body, |s: CompanySubscription| drop(s.into_subscription())),
        7 => page(body, |s: SignInUser| drop(s.into_sign_ins())),
        8 => page(body, |o: Organization| drop(o.facts())),
        9 => {
            let script = vec![Ok(reply(200, None, body))];
            let urls = [
                "/subscribedSkus",
                "/organization",
                "/directory/subscriptions",
            ];
            let _ = with_graph(script, |g| {
                batch_get_each(g, "https://graph.test/v1.0", &urls)
            });
        }
        10 => {
            let (head, rest) = text.split_once('\n').unwrap_or((&text, ""));
            let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
            for status in [401, 403, 429, 503, 404] {
                let r = reply(status, Some(head), rest.as_bytes());
                let wait = retry_after(&r, now);
                if let Ok(n) = head.trim().parse::<u32>() {
                    assert_eq!(wait, Some(Duration::from_secs(n.into())));
                }
                drop(graph_failure(&r, "https://graph.test/v1.0/users"));
            }
        }
        11 => {
            let (error, description) = text.split_once('\n').unwrap_or((&text, ""));
            let codes = body
                .chunks_exact(4)
                .take(3)
                .map(|c| u32::from_le_bytes(c.try_into().unwrap()));
            let status = u16::from(body.first().copied().unwrap_or(0)) * 3;
            let e = AuthError {
                status,
                error: error.into(),
                codes: codes.collect(),
                description: description.into(),
            };
            drop(auth_failure(&e));
        }
        _ => {
            let pairs = text
                .lines()
                .filter_map(|l| l.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()));
            if let Ok(s) = M365Settings::parse(&pairs.collect::<Vec<_>>()) {
                drop((s.token_url(), s.graph_base(), s.run_plan()));
            }
        }
    }
});
