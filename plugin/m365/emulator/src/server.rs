//! The HTTP server: routing, bearer checks, `$select`, `$top` and `$skiptoken` paging, and the
//! generations of the tenant it serves.

use crate::delta::ExpiredDelta;
use crate::faults::{Fault, FaultPlan, FaultRule};
use crate::generation::Generation;
use crate::tenant::Tenant;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

/// How the emulator behaves.
#[derive(Clone, Debug)]
pub struct Options {
    /// Largest page the server returns, whatever `$top` asks.
    pub max_page: usize,
    /// When set, pages are a little smaller than asked, varying page by page (as Graph may do).
    pub ragged_pages: bool,
    /// Overrides the origin used in `@odata.nextLink` (default: the request's `Host`).
    pub next_link_base: Option<String>,
    /// Roles put into issued tokens.
    pub roles: Vec<String>,
    /// Scopes the token endpoint accepts.
    pub accepted_scopes: Vec<String>,
    /// Lifetime of issued tokens.
    pub token_lifetime_secs: u64,
    /// Faults to inject.
    pub faults: Vec<FaultRule>,
    /// Seed for rate-triggered faults.
    pub fault_seed: u64,
    /// Serve HTTPS with a freshly generated CA (see [`Emulator::ca_pem`]).
    pub tls: bool,
    /// Certificates (DER) registered on the app, for client-assertion credentials.
    pub client_certificates: Vec<Vec<u8>>,
    /// Render each distinct successful Graph answer once and serve it from memory afterwards
    /// (for benchmarks; memoized answers skip fault injection).
    pub memoize: bool,
    /// Append one JSON line per client request here: arrival time, method, URI and body.
    pub request_log: Option<std::path::PathBuf>,
    /// Items per page of a delta round. Graph documents no page size for delta queries (and
    /// refuses `$top` on them), so this is the emulator's choice.
    pub delta_page_size: usize,
    /// Most members in one item's `members@delta`: a group with more appears once per slice of
    /// its members, over several items and pages, as Graph spreads large groups.
    pub delta_members_per_item: usize,
    /// How many replacements of the tenant a delta token survives: a token from an older
    /// generation is answered as expired.
    pub delta_generations: usize,
    /// How expired, forgotten or unknown delta tokens are answered.
    pub expired_delta: ExpiredDelta,
    /// Whether a change to `licenseAssignmentStates` alone puts a user in the next users delta
    /// round. Graph documents that changes to that property are not tracked, hence `false`.
    pub delta_tracks_licence_states: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_page: 999,
            ragged_pages: true,
            next_link_base: None,
            roles: vec!["Directory.Read.All".into(), "User.Read.All".into()],
            accepted_scopes: [
                "https://graph.microsoft.com/.default",
                "https://graph.microsoft.us/.default",
                "https://dod-graph.microsoft.us/.default",
                "https://microsoftgraph.chinacloudapi.cn/.default",
            ]
            .map(String::from)
            .to_vec(),
            token_lifetime_secs: 3599,
            faults: Vec::new(),
            fault_seed: 1,
            tls: false,
            client_certificates: Vec::new(),
            memoize: false,
            request_log: None,
            delta_page_size: 200,
            delta_members_per_item: 20,
            delta_generations: 64,
            expired_delta: ExpiredDelta::default(),
            delta_tracks_licence_states: false,
        }
    }
}

pub(crate) struct Inner {
    /// The current generation: the tenant served and what is derived from it. Handlers read it
    /// once per request.
    generation: RwLock<Arc<Generation>>,
    /// Held while a new generation is built, so replacements apply one after the other.
    installing: Mutex<()>,
    /// Identifies this emulator in its delta tokens.
    pub(crate) instance: u64,
    /// Delta tokens issued before the last [`Emulator::expire_delta_tokens`] carry an older
    /// epoch.
    delta_epoch: AtomicU64,
    pub options: Options,
    faults: FaultPlan,
    counts: Mutex<BTreeMap<String, u64>>,
    injected: Mutex<BTreeMap<String, u64>>,
    tokens: Mutex<HashMap<String, u64>>,
    connections: std::sync::atomic::AtomicU64,
    /// Assertion IDs seen, to refuse replays.
    pub(crate) jtis: Mutex<std::collections::HashSet<String>>,
    /// `METHOD host path` of every request, in order.
    log: Mutex<Vec<String>>,
    /// The scope of every token request.
    pub(crate) scopes: Mutex<Vec<String>>,
    /// Pre-rendered answers (used when [`Options::memoize`] is set).
    pub(crate) memo: crate::memo::Memo,
    /// Where client requests are logged, if anywhere.
    pub(crate) request_log: Option<crate::memo::RequestLog>,
}

pub(crate) type Shared = Arc<Inner>;

impl Inner {
    /// Counts a request and returns its number for that endpoint (1-based).
    pub(crate) fn count(&self, endpoint: &str) -> u64 {
        let mut counts = self.counts.lock().unwrap();
        let n = counts.entry(endpoint.to_string()).or_default();
        *n += 1;
        *n
    }

    pub(crate) fn issue(&self, token: String, exp: u64) {
        self.tokens.lock().unwrap().insert(token, exp);
    }

    /// The current generation.
    pub(crate) fn current(&self) -> Arc<Generation> {
        self.generation.read().unwrap().clone()
    }

    /// Installs the tenant `change` makes of the current one as the next generation; returns
    /// its number. Answers memoized for the previous generation are forgotten.
    pub(crate) fn install_with(&self, change: impl FnOnce(&Tenant) -> Tenant) -> u64 {
        // A panic while building a generation leaves the current one in place.
        let _one_at_a_time = self.installing.lock().unwrap_or_else(|e| e.into_inner());
        let current = self.current();
        let next = current.next(change(&current.tenant), self.options.delta_generations);
        let number = next.number;
        *self.generation.write().unwrap() = Arc::new(next);
        self.memo.clear();
        number
    }

    /// The epoch delta tokens must carry to be honoured.
    pub(crate) fn delta_epoch(&self) -> u64 {
        self.delta_epoch.load(Ordering::SeqCst)
    }
}

/// Tenants handed out by [`Emulator::tenant`], kept as long as the emulator: an append-only
/// list, so references to them stay valid while the served tenant changes.
struct Pinned {
    tenant: Arc<Tenant>,
    next: OnceLock<Box<Pinned>>,
}

/// A running emulator.
pub struct Emulator {
    addr: SocketAddr,
    ca_pem: Option<String>,
    shared: Shared,
    task: tokio::task::JoinHandle<()>,
    pinned: Pinned,
}

impl Emulator {
    /// Serves `tenant` on `127.0.0.1:port` (0 picks a free port). Must run inside tokio.
    pub async fn start(tenant: Tenant, options: Options, port: u16) -> anyhow::Result<Emulator> {
        let faults = FaultPlan::new(options.faults.clone(), options.fault_seed);
        let tls = options.tls.then(crate::tls::generate).transpose()?;
        let request_log = match &options.request_log {
            Some(path) => Some(crate::memo::RequestLog::create(path).map_err(|e| {
                anyhow::anyhow!("cannot create the request log {}: {e}", path.display())
            })?),
            None => None,
        };
        let first = Arc::new(Generation::first(tenant));
        let pinned = Pinned {
            tenant: first.tenant.clone(),
            next: OnceLock::new(),
        };
        let shared = Arc::new(Inner {
            generation: RwLock::new(first),
            installing: Mutex::default(),
            instance: rand::random(),
            delta_epoch: AtomicU64::new(0),
            options,
            faults,
            counts: Mutex::default(),
            injected: Mutex::default(),
            tokens: Mutex::default(),
            connections: Default::default(),
            jtis: Mutex::default(),
            log: Mutex::default(),
            scopes: Mutex::default(),
            memo: Default::default(),
            request_log,
        });
        let app = Router::new()
            .route("/{tenant}/oauth2/v2.0/token", post(crate::token::token))
            .route(
                "/{tenant}/v2.0/.well-known/openid-configuration",
                get(crate::token::openid_configuration),
            )
            .route("/v1.0/subscribedSkus", get(subscribed_skus))
            .route("/v1.0/users", get(users))
            .route("/v1.0/groups", get(groups))
            .route("/v1.0/organization", get(organization))
            .route(
                "/v1.0/directory/subscriptions",
                get(crate::endpoints::subscriptions),
            )
            .route("/v1.0/groups/{id}/members", get(crate::endpoints::members))
            .route(
                "/v1.0/groups/{id}/transitiveMembers",
                get(crate::endpoints::transitive_members),
            )
            .route("/v1.0/devices", get(crate::endpoints::devices))
            .route(
                "/v1.0/directory/deletedItems/microsoft.graph.user",
                get(crate::endpoints::deleted_users),
            )
            .route("/v1.0/users/{id}", get(crate::objects::user))
            .route("/v1.0/devices/{id}", get(crate::objects::device))
            .route(
                "/v1.0/directory/deletedItems/{id}",
                get(crate::objects::deleted_item),
            );
        let mut app = app;
        for form in DELTA_FORMS {
            app = app
                .route(&format!("/v1.0/users/{form}"), get(crate::delta::users))
                .route(&format!("/v1.0/groups/{form}"), get(crate::delta::groups))
                .route(&format!("/v1.0/devices/{form}"), get(crate::delta::devices));
        }
        let app = app
            .route(crate::admin::CHANGES, post(crate::admin::changes))
            .fallback(not_found)
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let ca_pem = tls.as_ref().map(|t| t.ca_pem.clone());
        let task = tokio::spawn(serve(
            listener,
            app,
            shared.clone(),
            tls.map(|t| t.acceptor),
        ));
        Ok(Emulator {
            addr,
            ca_pem,
            shared,
            task,
            pinned,
        })
    }

    /// `http://127.0.0.1:PORT`, or `https://localhost:PORT` with TLS.
    pub fn url(&self) -> String {
        match self.ca_pem {
            Some(_) => format!("https://localhost:{}", self.addr.port()),
            None => format!("http://{}", self.addr),
        }
    }

    /// The CA to trust when serving TLS.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// The tenant it serves now. The reference stays valid (and unchanged) when the tenant is
    /// replaced: each tenant handed out is kept as long as the emulator, so a test replacing
    /// the tenant many times may prefer [`Emulator::current_tenant`].
    pub fn tenant(&self) -> &Tenant {
        let current = self.shared.current().tenant.clone();
        let mut node = &self.pinned;
        loop {
            match node.next.get() {
                Some(next) => node = next,
                None if Arc::ptr_eq(&node.tenant, &current) => return &node.tenant,
                None => {
                    node = node.next.get_or_init(|| {
                        Box::new(Pinned {
                            tenant: current.clone(),
                            next: OnceLock::new(),
                        })
                    })
                }
            }
        }
    }

    /// The current generation (for the crate's tests).
    #[cfg(test)]
    pub(crate) fn current_generation(&self) -> Arc<Generation> {
        self.shared.current()
    }

    /// The tenant it serves now, shared.
    pub fn current_tenant(&self) -> Arc<Tenant> {
        self.shared.current().tenant.clone()
    }

    /// The number of the generation served now: 0 for the tenant it started with, one more
    /// per replacement.
    pub fn generation(&self) -> u64 {
        self.shared.current().number
    }

    /// Serves `tenant` from now on, as a new generation, and returns its number. Delta queries
    /// then report what changed from earlier generations (the last
    /// [`Options::delta_generations`] ones); rounds already under way finish on the
    /// generation they started on.
    pub fn set_tenant(&self, tenant: Tenant) -> u64 {
        self.shared.install_with(|_| tenant)
    }

    /// Serves the current tenant after `count` random changes drawn from `seed` (see
    /// [`Tenant::apply_random`]); returns the new generation's number.
    pub fn apply_random_changes(&self, seed: u64, count: usize) -> u64 {
        self.shared
            .install_with(|current| current.apply_random(seed, count))
    }

    /// Makes every delta and skip token issued so far expire, as when Graph has lost the sync
    /// state: they are answered as [`Options::expired_delta`] says.
    pub fn expire_delta_tokens(&self) {
        self.shared.delta_epoch.fetch_add(1, Ordering::SeqCst);
        self.shared.memo.clear();
    }

    /// Requests served per endpoint name (`token`, `users`, `signInActivity`, `groups`,
    /// `members`, `transitiveMembers`, `subscribedSkus`, `subscriptions`, `devices`,
    /// `deletedUsers`, `organization`, `users/delta`, `groups/delta`, `devices/delta`, `batch`,
    /// `other`, …). Inner requests of a `$batch` count under their own endpoint too. Requests
    /// to the emulator's own admin endpoints are not counted.
    pub fn requests(&self) -> BTreeMap<String, u64> {
        self.shared.counts.lock().unwrap().clone()
    }

    /// Total requests served.
    pub fn total_requests(&self) -> u64 {
        self.requests().values().sum()
    }

    /// Every access token issued so far (for tests that prove tokens never leak).
    pub fn issued_tokens(&self) -> Vec<String> {
        self.shared.tokens.lock().unwrap().keys().cloned().collect()
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `METHOD host path` of every request served, in order (the host as the client sent it).
    pub fn request_log(&self) -> Vec<String> {
        self.shared.log.lock().unwrap().clone()
    }

    /// The scope of every token request, in order.
    pub fn token_scopes(&self) -> Vec<String> {
        self.shared.scopes.lock().unwrap().clone()
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.shared
            .connections
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Faults injected per endpoint.
    pub fn faults_injected(&self) -> BTreeMap<String, u64> {
        self.shared.injected.lock().unwrap().clone()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A Graph error envelope with `request-id`.
pub(crate) fn graph_error(status: StatusCode, code: &str, message: &str) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let body = json!({"error": {"code": code, "message": message, "innerError": {
        "date": "2026-01-01T00:00:00", "request-id": request_id, "client-request-id": request_id}}});
    (status, [("request-id", request_id)], axum::Json(body)).into_response()
}

async fn not_found() -> Response {
    graph_error(
        StatusCode::NOT_FOUND,
        "Request_ResourceNotFound",
        "Resource not found for the segment.",
    )
}

/// The 401 answer for a request without a valid bearer token, if any.
pub(crate) fn bearer_rejection(shared: &Inner, headers: &HeaderMap) -> Option<Response> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let Some(token) = token else {
        return Some(graph_error(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "Access token is empty.",
        ));
    };
    match shared.tokens.lock().unwrap().get(token) {
        Some(exp) if *exp > now() => None,
        Some(_) => Some(graph_error(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "Access token has expired or is not yet valid.",
        )),
        None => Some(graph_error(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "CompactToken parsing failed with error code: 80049217",
        )),
    }
}

/// Keeps only `$select`ed properties (plus `id` and `@odata.*` annotations, matched without
/// regard to case, as Graph does); without `$select`, the default set.
pub(crate) fn select(item: Value, select: Option<&str>, defaults: &[&str]) -> Value {
    let Value::Object(map) = item else {
        return item;
    };
    let wanted: Vec<String> = match select {
        Some(s) => s
            .split(',')
            .map(|p| p.trim().to_lowercase())
            .chain(["id".to_string()])
            .collect(),
        None => defaults.iter().map(|s| s.to_lowercase()).collect(),
    };
    Value::Object(
        map.into_iter()
            .filter(|(k, _)| k.starts_with("@odata.") || wanted.contains(&k.to_lowercase()))
            .collect::<Map<_, _>>(),
    )
}

/// Applies the query's `$select` to `item`; without `$select`, keeps `defaults`, or everything
/// when `defaults` is `None`.
pub(crate) fn project(
    item: Value,
    query: &HashMap<String, String>,
    defaults: Option<&[&str]>,
) -> Value {
    match (query.get("$select"), defaults) {
        (None, None) => item,
        (selected, defaults) => select(item, selected.map(String::as_str), defaults.unwrap_or(&[])),
    }
}

fn page_token(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("RFNwdA-{offset}-emulated"))
}

fn parse_token(token: &str) -> Option<usize> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("RFNwdA-")?
        .strip_suffix("-emulated")?
        .parse()
        .ok()
}

/// A collection as `page` serves it.
pub(crate) struct Collection<'a> {
    /// Path after `/v1.0`, e.g. `/users`, for `@odata.nextLink`.
    pub path: &'a str,
    /// What follows `$metadata#` in `@odata.context`, e.g. `users`.
    pub context: &'a str,
    /// Number of items.
    pub total: usize,
    /// Largest page whatever `$top` says, if smaller than the server's (see [`EXPAND_PAGE`]).
    pub cap: Option<usize>,
}

/// Graph's largest page of directory objects when the request has `$expand`, whatever `$top`
/// asks (known issue "$expand on directory objects returns a maximum of 100 objects").
pub(crate) const EXPAND_PAGE: usize = 100;

/// The `scheme://host` of links in answers: [`Options::next_link_base`], or the request's host.
pub(crate) fn base_url(shared: &Inner, headers: &HeaderMap) -> String {
    shared.options.next_link_base.clone().unwrap_or_else(|| {
        let host = headers
            .get("host")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        let scheme = if shared.options.tls { "https" } else { "http" };
        format!("{scheme}://{host}")
    })
}

/// One page of a collection, with an absolute `@odata.nextLink` while more remain. `item`
/// renders the item at an index, already projected (see [`project`]).
pub(crate) fn page(
    shared: &Inner,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
    collection: Collection,
    item: impl Fn(usize) -> Value,
) -> Response {
    let Collection {
        path,
        context,
        total,
        cap,
    } = collection;
    let top = match query.get("$top").map(|t| t.parse::<usize>()) {
        None => 100,
        Some(Ok(t)) if (1..=999).contains(&t) => t,
        Some(_) => {
            return graph_error(
                StatusCode::BAD_REQUEST,
                "Request_UnsupportedQuery",
                "Invalid page size specified: '$top'. Must be between 1 and 999 inclusive.",
            );
        }
    };
    let offset = match query.get("$skiptoken") {
        None => 0,
        Some(t) => match parse_token(t) {
            Some(o) => o,
            None => {
                return graph_error(
                    StatusCode::BAD_REQUEST,
                    "Directory_ExpiredPageToken",
                    "The specified page token value has expired and can no longer be included in your request.",
                );
            }
        },
    };
    let mut size = top
        .min(shared.options.max_page)
        .min(cap.unwrap_or(usize::MAX));
    if shared.options.ragged_pages && size > 7 {
        size -= (offset / size.max(1)) % 7;
    }
    let end = (offset + size).min(total);
    let value: Vec<Value> = (offset..end).map(item).collect();
    let base = base_url(shared, headers);
    let mut body =
        json!({"@odata.context": format!("{base}/v1.0/$metadata#{context}"), "value": value});
    if end < total {
        let mut params: Vec<String> = query
            .iter()
            .filter(|(k, _)| *k != "$skiptoken")
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        params.sort();
        params.push(format!("$skiptoken={}", page_token(end)));
        body["@odata.nextLink"] = Value::String(format!("{base}/v1.0{path}?{}", params.join("&")));
    }
    let request_id = uuid::Uuid::new_v4().to_string();
    ([("request-id", request_id)], axum::Json(body)).into_response()
}

pub(crate) const USER_DEFAULTS: &[&str] = &[
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
];
pub(crate) const GROUP_DEFAULTS: &[&str] = &[
    "id",
    "displayName",
    "description",
    "groupTypes",
    "mail",
    "mailEnabled",
    "securityEnabled",
];

async fn subscribed_skus(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Some(r) = bearer_rejection(&shared, &headers) {
        return r;
    }
    let generation = shared.current();
    let t = &generation.tenant;
    let value: Vec<Value> = (0..t.skus.len())
        .map(|i| match query.get("$select") {
            Some(s) => select(t.sku_json(i), Some(s), &[]),
            None => t.sku_json(i),
        })
        .collect();
    axum::Json(json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#subscribedSkus", "value": value})).into_response()
}

async fn organization(State(shared): State<Shared>, headers: HeaderMap) -> Response {
    if let Some(r) = bearer_rejection(&shared, &headers) {
        return r;
    }
    let generation = shared.current();
    let t = &generation.tenant;
    axum::Json(json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#organization",
        "value": [{
            "id": t.tenant_id,
            "displayName": "Contoso",
            "verifiedDomains": [
                {"capabilities": "Email, OfficeCommunicationsOnline", "isDefault": true, "isInitial": true, "name": t.domain, "type": "Managed"}
            ],
        }]
    }))
    .into_response()
}

async fn users(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Some(r) = bearer_rejection(&shared, &headers) {
        return r;
    }
    if crate::endpoints::selects_sign_ins(&query) {
        return crate::endpoints::users_with_sign_ins(&shared, &headers, &query);
    }
    let generation = shared.current();
    let t = &generation.tenant;
    let collection = Collection {
        path: "/users",
        context: "users",
        total: t.users.len(),
        cap: None,
    };
    page(&shared, &headers, &query, collection, |i| {
        project(t.user_json(&t.users[i]), &query, Some(USER_DEFAULTS))
    })
}

async fn groups(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Some(r) = bearer_rejection(&shared, &headers) {
        return r;
    }
    let generation = shared.current();
    let t = &generation.tenant;
    let collection = Collection {
        path: "/groups",
        context: "groups",
        total: t.groups.len(),
        cap: None,
    };
    page(&shared, &headers, &query, collection, |i| {
        project(t.group_json(&t.groups[i]), &query, Some(GROUP_DEFAULTS))
    })
}

/// The path segments that name the delta function: `delta`, `delta()` and the long forms
/// Microsoft's SDKs send.
pub(crate) const DELTA_FORMS: [&str; 4] = [
    "delta",
    "delta()",
    "microsoft.graph.delta",
    "microsoft.graph.delta()",
];

/// The endpoint name a request counts under (and faults are routed by): `token`,
/// `openid-configuration`, `subscribedSkus`, `organization`, `users`, `signInActivity` (users
/// with `signInActivity` selected), `groups`, `members`, `transitiveMembers`, `subscriptions`,
/// `devices`, `deletedUsers`, `users/delta`, `groups/delta`, `devices/delta`, `batch`, `admin`
/// (the emulator's own endpoints, never counted) or `other`.
pub(crate) fn endpoint_of(uri: &axum::http::Uri) -> &'static str {
    let path = uri.path();
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match segments.as_slice() {
        ["v1.0", collection, form] if DELTA_FORMS.contains(form) => match *collection {
            "users" => "users/delta",
            "groups" => "groups/delta",
            "devices" => "devices/delta",
            _ => "other",
        },
        ["_emulator", ..] => "admin",
        ["v1.0", "users"] => {
            let query = Query::<HashMap<String, String>>::try_from_uri(uri);
            match query {
                Ok(Query(q)) if crate::endpoints::selects_sign_ins(&q) => "signInActivity",
                _ => "users",
            }
        }
        ["v1.0", "groups"] => "groups",
        ["v1.0", "groups", _, "members"] => "members",
        ["v1.0", "groups", _, "transitiveMembers"] => "transitiveMembers",
        ["v1.0", "subscribedSkus"] => "subscribedSkus",
        ["v1.0", "organization"] => "organization",
        ["v1.0", "directory", "subscriptions"] => "subscriptions",
        ["v1.0", "directory", "deletedItems", "microsoft.graph.user"] => "deletedUsers",
        ["v1.0", "directory", "deletedItems", _] => "deletedItem",
        ["v1.0", "users", _] => "user",
        ["v1.0", "devices", _] => "device",
        ["v1.0", "devices"] => "devices",
        ["v1.0", "$batch"] => "batch",
        _ if path.ends_with("/oauth2/v2.0/token") => "token",
        _ if path.ends_with("/.well-known/openid-configuration") => "openid-configuration",
        _ => "other",
    }
}

/// Accepts connections and serves each with HTTP/1.1 (over TLS when given an acceptor),
/// applying the fault plan per request.
async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shared: Shared,
    tls: Option<tokio_rustls::TlsAcceptor>,
) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        shared
            .connections
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let app = app.clone();
        let shared = shared.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            match tls {
                None => serve_connection(stream, app, shared).await,
                Some(acceptor) => {
                    if let Ok(stream) = acceptor.accept(stream).await {
                        serve_connection(stream, app, shared).await;
                    }
                }
            }
        });
    }
}

async fn serve_connection<S>(stream: S, app: Router, shared: Shared)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service =
        hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
            let app = app.clone();
            let shared = shared.clone();
            async move {
                let request = request.map(axum::body::Body::new);
                crate::memo::respond(shared.clone(), request, |r| respond(app, shared, r)).await
            }
        });
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
        .await;
}

pub(crate) type Served = Result<Response, std::io::Error>;

type ServedFuture = std::pin::Pin<Box<dyn Future<Output = Served> + Send>>;

/// Routes a request: `$batch` is unpacked here, everything else goes to the router. Boxed,
/// because a batch routes its inner requests through here again.
fn dispatch(
    app: Router,
    shared: Shared,
    endpoint: &'static str,
    request: axum::http::Request<axum::body::Body>,
) -> ServedFuture {
    use tower::ServiceExt;
    if endpoint == "batch" {
        return Box::pin(batch(app, shared, request));
    }
    Box::pin(async move { app.oneshot(request).await.map_err(|e| match e {}) })
}

/// `POST /v1.0/$batch`: each inner GET goes through the same routing, counting and faults as a
/// request of its own, so inner requests can be throttled one by one.
async fn batch(
    app: Router,
    shared: Shared,
    request: axum::http::Request<axum::body::Body>,
) -> Served {
    let (parts, body) = request.into_parts();
    if let Some(r) = bearer_rejection(&shared, &parts.headers) {
        return Ok(r);
    }
    let bytes = http_body_util::BodyExt::collect(body)
        .await
        .map_err(std::io::Error::other)?
        .to_bytes();
    let Ok(Value::Object(doc)) = serde_json::from_slice::<Value>(&bytes) else {
        return Ok(graph_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Invalid batch payload format.",
        ));
    };
    let requests = doc
        .get("requests")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if requests.is_empty() || requests.len() > 20 {
        return Ok(graph_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "A batch holds 1 to 20 requests.",
        ));
    }
    let mut responses = Vec::new();
    for inner in requests {
        let id = inner["id"].as_str().unwrap_or_default().to_string();
        let url = inner["url"]
            .as_str()
            .unwrap_or_default()
            .trim_start_matches('/')
            .to_string();
        if inner["method"].as_str() != Some("GET") {
            responses.push(json!({"id": id, "status": 405, "body": {"error": {"code": "BadRequest", "message": "The emulator batches GET requests only."}}}));
            continue;
        }
        let mut builder = axum::http::Request::get(format!("/v1.0/{url}"));
        for name in ["authorization", "host"] {
            if let Some(v) = parts.headers.get(name) {
                builder = builder.header(name, v);
            }
        }
        // The inner request's own headers, such as `Prefer`.
        if let Some(Value::Object(own)) = inner.get("headers") {
            for (name, value) in own {
                let name = axum::http::HeaderName::from_bytes(name.as_bytes());
                let value = value.as_str().map(axum::http::HeaderValue::from_str);
                if let (Ok(name), Some(Ok(value))) = (name, value)
                    && name != "authorization"
                    && name != "host"
                {
                    builder = builder.header(name, value);
                }
            }
        }
        let inner_request = builder
            .body(axum::body::Body::empty())
            .map_err(std::io::Error::other)?;
        let entry = match respond(app.clone(), shared.clone(), inner_request).await {
            Ok(response) => {
                let status = response.status().as_u16();
                let mut headers = Map::new();
                for name in ["retry-after", "content-type", "request-id"] {
                    if let Some(v) = response.headers().get(name).and_then(|v| v.to_str().ok()) {
                        headers.insert(name.to_string(), Value::String(v.to_string()));
                    }
                }
                let bytes = http_body_util::BodyExt::collect(response.into_body())
                    .await
                    .map_err(std::io::Error::other)?
                    .to_bytes();
                let body = serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null);
                json!({"id": id, "status": status, "headers": headers, "body": body})
            }
            Err(_) => {
                json!({"id": id, "status": 500, "body": {"error": {"code": "generalException", "message": "An unexpected error occurred."}}})
            }
        };
        responses.push(entry);
    }
    Ok(axum::Json(json!({"responses": responses})).into_response())
}

async fn respond(
    app: Router,
    shared: Shared,
    request: axum::http::Request<axum::body::Body>,
) -> Served {
    let endpoint = endpoint_of(request.uri());
    if endpoint == "admin" {
        return dispatch(app, shared, endpoint, request).await;
    }
    let n = shared.count(endpoint);
    let host = request
        .headers()
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("-");
    shared.log.lock().unwrap().push(format!(
        "{} {host} {}",
        request.method(),
        request.uri().path()
    ));
    let fault = shared.faults.decide(endpoint, n);
    if let Some(f) = &fault {
        *shared
            .injected
            .lock()
            .unwrap()
            .entry(endpoint.to_string())
            .or_default() += 1;
        tracing::debug!(endpoint, n, fault = ?f, "injecting a fault");
    }
    let retry_after = |r: &Option<crate::faults::RetryAfter>, mut response: Response| {
        if let Some(r) = r {
            response
                .headers_mut()
                .insert("retry-after", r.header().parse().unwrap());
        }
        response
    };
    let call = |request| dispatch(app, shared.clone(), endpoint, request);
    match fault {
        None => call(request).await,
        Some(Fault::Throttle(r)) => Ok(retry_after(
            &r,
            graph_error(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequests",
                "Please retry again later.",
            ),
        )),
        Some(Fault::Unavailable(r)) => Ok(retry_after(
            &r,
            graph_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "serviceNotAvailable",
                "The service is temporarily unavailable.",
            ),
        )),
        Some(Fault::Status(code)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            Ok(graph_error(
                status,
                "generalException",
                "An unexpected error occurred.",
            ))
        }
        Some(Fault::Forbidden) => Ok(graph_error(
            StatusCode::FORBIDDEN,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        )),
        Some(Fault::ResetBeforeHeaders) => Err(std::io::Error::other(
            "injected: connection reset before headers",
        )),
        Some(Fault::Stall(d)) => {
            tokio::time::sleep(d).await;
            call(request).await
        }
        Some(Fault::RevokeTokens) => {
            shared.tokens.lock().unwrap().clear();
            call(request).await
        }
        Some(fault @ (Fault::ResetAfterHeaders | Fault::TruncatedBody | Fault::MalformedJson)) => {
            let (mut parts, body) = call(request).await?.into_parts();
            let bytes = http_body_util::BodyExt::collect(body)
                .await
                .map_err(std::io::Error::other)?
                .to_bytes();
            let half = bytes.slice(..bytes.len() / 2);
            let body = match fault {
                Fault::MalformedJson => {
                    parts.headers.insert("content-length", half.len().into());
                    axum::body::Body::from(half)
                }
                Fault::TruncatedBody => {
                    // A stream body has no known size, so hyper frames it by the promised
                    // length and closes the connection when the stream ends early.
                    parts.headers.insert("content-length", bytes.len().into());
                    let chunks: Vec<Result<bytes::Bytes, std::io::Error>> = vec![Ok(half)];
                    axum::body::Body::from_stream(futures_util::stream::iter(chunks))
                }
                _ => {
                    parts.headers.remove("content-length");
                    let chunks: Vec<Result<bytes::Bytes, std::io::Error>> = vec![
                        Ok(half),
                        Err(std::io::Error::other("injected: connection reset mid-body")),
                    ];
                    axum::body::Body::from_stream(futures_util::stream::iter(chunks))
                }
            };
            Ok(Response::from_parts(parts, body))
        }
    }
}
