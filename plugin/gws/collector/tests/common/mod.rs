//! A scripted transport answering by URL and a host that records what it is handed, shared by
//! the plugin's tests.

#![allow(dead_code)]

use itam_gws::hostapi::HostApi;
use itam_gws::transport::{Reply, Transport, TransportError};
use itam_gws::types::*;
use std::collections::{HashMap, VecDeque};

/// The Directory API's base in the fixtures.
pub const DIRECTORY: &str = "https://admin.googleapis.com/admin/directory/v1";
/// The License Manager API's base.
pub const LICENSING: &str = "https://licensing.googleapis.com/apps/licensing/v1";
/// The Reseller API's base.
pub const RESELLER: &str = "https://reseller.googleapis.com/apps/reseller/v1";
/// The fixtures' customer.
pub const CUSTOMER: &str = "C03az79cb";

/// A 200 answer with `body`.
pub fn ok(body: &str) -> Result<Reply, TransportError> {
    status(200, body, &[])
}

/// An answer with `code`, `body` and `headers`.
pub fn status(code: u16, body: &str, headers: &[(&str, &str)]) -> Result<Reply, TransportError> {
    Ok(Reply {
        status: code,
        headers: headers
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
        body: body.as_bytes().to_vec(),
    })
}

/// Answers each URL with its scripted replies in order (the last one again once they run
/// out); a License Manager URL without a script gets an empty list; any other URL panics.
#[derive(Default)]
pub struct Fake {
    routes: HashMap<String, VecDeque<Result<Reply, TransportError>>>,
    /// Every URL requested, in order.
    pub urls: Vec<String>,
    /// The headers of every request.
    pub headers: Vec<Vec<(String, String)>>,
}

impl Fake {
    /// Scripts the replies to `url`.
    pub fn on(mut self, url: &str, replies: Vec<Result<Reply, TransportError>>) -> Fake {
        self.routes.insert(url.to_string(), replies.into());
        self
    }

    /// How many times `url` was requested.
    pub fn count(&self, url: &str) -> usize {
        self.urls.iter().filter(|u| *u == url).count()
    }
}

impl Transport for Fake {
    fn get(&mut self, url: &str, headers: &[(&str, &str)]) -> Result<Reply, TransportError> {
        self.urls.push(url.to_string());
        self.headers.push(
            headers
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        );
        match self.routes.get_mut(url) {
            Some(replies) if replies.len() > 1 => replies.pop_front().unwrap(),
            Some(replies) => replies.front().cloned().expect("a scripted reply"),
            None if url.starts_with(LICENSING) => {
                ok(include_str!("../fixtures/licences_empty.json"))
            }
            None => panic!("an unexpected request: {url}"),
        }
    }

    fn post_json(
        &mut self,
        url: &str,
        _headers: &[(&str, &str)],
        _body: &[u8],
    ) -> Result<Reply, TransportError> {
        panic!("the plugin only reads, yet it posted to {url}")
    }
}

/// Records batches, logs and authorizations; answers `authorize` with `refuse` if set.
#[derive(Default)]
pub struct Recorder {
    pub batches: Vec<Batch>,
    pub logs: Vec<(LogLevel, String)>,
    pub grants: Vec<Grant>,
    pub refuse: Option<AuthError>,
    pub cancel_after: Option<usize>,
}

impl HostApi for Recorder {
    fn log(&mut self, level: LogLevel, message: &str) {
        self.logs.push((level, message.to_string()));
    }

    fn progress(&mut self, _phase: &str, _done: u64, _total: Option<u64>) {}

    fn emit(&mut self, batch: Batch) -> Flow {
        self.batches.push(batch);
        match self.cancel_after {
            Some(n) if self.batches.len() >= n => Flow::Cancel,
            _ => Flow::Proceed,
        }
    }

    fn authorize(&mut self, grant: &Grant) -> Result<TokenFacts, AuthError> {
        self.grants.push(grant.clone());
        match &self.refuse {
            Some(e) => Err(e.clone()),
            None => Ok(TokenFacts {
                expires_at: 0,
                roles: vec![],
                tenant_id: None,
            }),
        }
    }
}

/// Everything a run emitted, by kind.
#[derive(Default, Debug)]
pub struct Emitted {
    pub accounts: Vec<Account>,
    pub sign_ins: Vec<SignInActivity>,
    pub groups: Vec<Group>,
    pub memberships: Vec<Membership>,
    pub products: Vec<Product>,
    pub assignments: Vec<Assignment>,
    pub subscriptions: Vec<Subscription>,
    /// The kinds in the order their first batch came.
    pub order: Vec<&'static str>,
}

impl Emitted {
    /// Sorts `batches` by kind.
    pub fn of(batches: Vec<Batch>) -> Emitted {
        let mut e = Emitted::default();
        for batch in batches {
            let kind = match batch {
                Batch::Accounts(v) => {
                    e.accounts.extend(v);
                    "accounts"
                }
                Batch::SignIns(v) => {
                    e.sign_ins.extend(v);
                    "sign_ins"
                }
                Batch::Groups(v) => {
                    e.groups.extend(v);
                    "groups"
                }
                Batch::Memberships(v) => {
                    e.memberships.extend(v);
                    "memberships"
                }
                Batch::Products(v) => {
                    e.products.extend(v);
                    "products"
                }
                Batch::Assignments(v) => {
                    e.assignments.extend(v);
                    "assignments"
                }
                Batch::Subscriptions(v) => {
                    e.subscriptions.extend(v);
                    "subscriptions"
                }
                other => panic!("the plugin emitted a kind it does not declare: {other:?}"),
            };
            if !e.order.contains(&kind) {
                e.order.push(kind);
            }
        }
        e
    }

    /// The value of attribute `key` of `attributes`.
    pub fn attribute<'a>(attributes: &'a [(String, String)], key: &str) -> Option<&'a str> {
        attributes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The value of summary count `kind`.
pub fn count(summary: &Summary, kind: &str) -> u64 {
    summary
        .counts
        .iter()
        .find(|(k, _)| k == kind)
        .unwrap_or_else(|| panic!("no count of {kind}: {:?}", summary.counts))
        .1
}

/// The value of summary fact `name`.
pub fn fact<'a>(summary: &'a Summary, name: &str) -> Option<&'a str> {
    summary
        .facts
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}
