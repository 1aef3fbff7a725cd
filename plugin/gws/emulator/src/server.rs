//! The HTTP server: routes on one origin, request counting, fault injection and the request log.

use crate::auth::Api;
use crate::faults::{self, FaultRule};
use crate::request_log::RequestLog;
use crate::service_account::ServiceAccount;
use crate::tenant::{Tenant, TenantSpec};
use crate::token::IssuedToken;
use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// How the emulator behaves beyond the tenant it serves.
#[derive(Clone, Debug)]
pub struct Options {
    /// APIs not enabled in the service account's Cloud project: calls get 403
    /// `accessNotConfigured`.
    pub disabled_apis: Vec<Api>,
    /// Faults to inject.
    pub faults: Vec<FaultRule>,
    /// Append one JSON line per request here.
    pub request_log: Option<PathBuf>,
    /// `expires_in` of issued tokens (Google: 3599).
    pub token_lifetime_secs: i64,
    /// How far `iat` may be in the future and `exp` in the past.
    pub clock_skew_secs: i64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            disabled_apis: Vec::new(),
            faults: Vec::new(),
            request_log: None,
            token_lifetime_secs: 3599,
            clock_skew_secs: 300,
        }
    }
}

/// State shared by the handlers.
pub(crate) struct Inner {
    pub(crate) tenant: Arc<Tenant>,
    pub(crate) options: Options,
    pub(crate) tokens: Mutex<HashMap<String, IssuedToken>>,
    counts: Mutex<BTreeMap<String, u64>>,
    injected: Mutex<BTreeMap<String, u64>>,
    log: Option<RequestLog>,
}

pub(crate) type Shared = Arc<Inner>;

/// The endpoint name a request counts under (and faults are routed by): `token`, `users`,
/// `groups`, `members`, `customer`, `licenses`, `subscriptions` or `other`.
pub fn endpoint_of(path: &str) -> &'static str {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segments.as_slice() {
        ["token"] => "token",
        ["admin", "directory", "v1", "users"] => "users",
        ["admin", "directory", "v1", "groups"] => "groups",
        ["admin", "directory", "v1", "groups", _, "members"] => "members",
        ["admin", "directory", "v1", "customers", _] => "customer",
        ["apps", "licensing", "v1", "product", ..] => "licenses",
        ["apps", "reseller", "v1", "subscriptions"] => "subscriptions",
        _ => "other",
    }
}

/// The API an endpoint belongs to (for fault bodies).
fn service_of(endpoint: &str) -> &'static str {
    match endpoint {
        "token" => "oauth2.googleapis.com",
        "licenses" => Api::Licensing.service(),
        "subscriptions" => Api::Reseller.service(),
        _ => Api::Admin.service(),
    }
}

/// Counts the request, injects a fault if one is due, and logs the outcome.
async fn observe(State(shared): State<Shared>, request: Request, next: Next) -> Response {
    let endpoint = endpoint_of(request.uri().path());
    let n = {
        let mut counts = shared.counts.lock().unwrap();
        let n = counts.entry(endpoint.to_string()).or_default();
        *n += 1;
        *n
    };
    let method = request.method().to_string();
    let uri = request
        .uri()
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();
    let response = match faults::decide(&shared.options.faults, endpoint, n) {
        Some(fault) => {
            *shared
                .injected
                .lock()
                .unwrap()
                .entry(endpoint.to_string())
                .or_default() += 1;
            tracing::debug!(endpoint, n, ?fault, "injecting a fault");
            fault
                .error(
                    service_of(endpoint),
                    &shared.tenant.service_account.project_number,
                )
                .into_response()
        }
        None => next.run(request).await,
    };
    if let Some(log) = &shared.log {
        log.record(&method, &uri, response.status().as_u16());
    }
    response
}

async fn not_found() -> Response {
    crate::errors::not_found("Not Found").into_response()
}

/// A running emulator, serving until dropped.
pub struct Emulator {
    addr: SocketAddr,
    shared: Shared,
    task: tokio::task::JoinHandle<()>,
}

impl Emulator {
    /// Serves `tenant` on `127.0.0.1:port` (0 picks a free port). Must run inside tokio.
    pub async fn start(tenant: Tenant, options: Options, port: u16) -> anyhow::Result<Emulator> {
        let log = match &options.request_log {
            Some(path) => Some(RequestLog::create(path).map_err(|e| {
                anyhow::anyhow!("cannot create the request log {}: {e}", path.display())
            })?),
            None => None,
        };
        let shared = Arc::new(Inner {
            tenant: Arc::new(tenant),
            options,
            tokens: Mutex::default(),
            counts: Mutex::default(),
            injected: Mutex::default(),
            log,
        });
        let app = Router::new()
            .route("/token", post(crate::token::token))
            .route("/admin/directory/v1/users", get(crate::directory::users))
            .route("/admin/directory/v1/groups", get(crate::directory::groups))
            .route(
                "/admin/directory/v1/groups/{group_key}/members",
                get(crate::directory::members),
            )
            .route(
                "/admin/directory/v1/customers/{customer_key}",
                get(crate::directory::customer),
            )
            .route(
                "/apps/licensing/v1/product/{product}/users",
                get(crate::licensing::for_product),
            )
            .route(
                "/apps/licensing/v1/product/{product}/sku/{sku}/users",
                get(crate::licensing::for_product_and_sku),
            )
            .route(
                "/apps/reseller/v1/subscriptions",
                get(crate::reseller::subscriptions),
            )
            .fallback(not_found)
            .layer(axum::middleware::from_fn_with_state(
                shared.clone(),
                observe,
            ))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!("the emulator stopped serving: {e}");
            }
        });
        Ok(Emulator { addr, shared, task })
    }

    /// `http://127.0.0.1:PORT`: the base URL of every API (replace Google's bases with it).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `<url>/token`: the token endpoint (in place of `https://oauth2.googleapis.com/token`).
    pub fn token_url(&self) -> String {
        format!("{}/token", self.url())
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The tenant it serves.
    pub fn tenant(&self) -> &Tenant {
        &self.shared.tenant
    }

    /// The service account a client authenticates as.
    pub fn service_account(&self) -> &ServiceAccount {
        &self.shared.tenant.service_account
    }

    /// The service account's JSON key file.
    pub fn key_file_json(&self) -> String {
        self.service_account().key_file_json()
    }

    /// The ground truth.
    pub fn expected(&self) -> crate::Expected {
        self.shared.tenant.expected()
    }

    /// A signed assertion for this emulator's token endpoint: the service account impersonating
    /// `subject`, asking for `scopes`, issued now for an hour. For tests.
    pub fn assertion(&self, subject: &str, scopes: &[&str]) -> String {
        let now = crate::clock::system_now();
        let sa = self.service_account();
        sa.sign_assertion(&serde_json::json!({
            "iss": sa.client_email,
            "scope": scopes.join(" "),
            "aud": self.token_url(),
            "iat": now,
            "exp": now + 3600,
            "sub": subject,
        }))
    }

    /// Requests received per endpoint name (see [`endpoint_of`]), faulted ones included.
    pub fn requests(&self) -> BTreeMap<String, u64> {
        self.shared.counts.lock().unwrap().clone()
    }

    /// Faults injected per endpoint name.
    pub fn faults_injected(&self) -> BTreeMap<String, u64> {
        self.shared.injected.lock().unwrap().clone()
    }

    /// Every access token issued so far.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.shared.tokens.lock().unwrap().keys().cloned().collect()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Generates the tenant `spec` describes and serves it with `options` on a free loopback port.
pub async fn spawn(spec: &TenantSpec, options: Options) -> anyhow::Result<Emulator> {
    Emulator::start(Tenant::generate(spec), options, 0).await
}
