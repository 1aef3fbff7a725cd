//! The service's HTTP side: shared state, the router, and the policy every request passes —
//! the access token (or a session from signing in with it), cross-site request checks on
//! POST, bounded bodies, and security headers. The pages ([`super::dashboard`]), the API
//! ([`super::api`]) and the metrics hang off [`router`].

use super::metrics::Metrics;
use super::scheduler::Scheduler;
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use itam_runtime::credentials::Secret;
use itam_store::Store;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use subtle::ConstantTimeEq;

/// Largest request body accepted, in bytes (forms and API calls are tiny).
pub const MAX_BODY: usize = 16 << 10;

/// Most requests handled at once; more wait their turn (reports over a large tenant take
/// tenths of a second of a core each).
const MAX_IN_FLIGHT: usize = 32;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The scheduler (the configuration in force, sources' state, runs on request).
    pub scheduler: Scheduler,
    /// The database.
    pub store: Store,
    /// The reports of each source's snapshot, computed once per snapshot.
    pub reports: Arc<crate::serve::snapshot_reports::ReportCache>,
    /// The metrics.
    pub metrics: Arc<Metrics>,
    /// The access policy.
    pub access: Arc<Access>,
}

/// Who may use the service.
pub struct Access {
    /// The access token, when one is configured.
    token: Option<Secret>,
    /// Whether `/metrics` answers without the token.
    metrics_public: bool,
    /// Sessions of browsers that signed in with the token (newest last, bounded).
    sessions: Mutex<VecDeque<String>>,
    /// A per-process random value the dashboard's forms carry, which a page of another site
    /// cannot read (a cross-site form post does not carry it).
    form_key: String,
    /// Whether the service speaks HTTPS (session cookies are then `Secure`).
    pub tls: bool,
}

/// Most signed-in sessions remembered; the oldest is forgotten first.
const MAX_SESSIONS: usize = 256;

/// The session cookie's name.
const SESSION_COOKIE: &str = "itam_session";

impl Access {
    /// The policy for `token` (none: open, which the service allows only on loopback).
    pub fn new(token: Option<Secret>, metrics_public: bool, tls: bool) -> Access {
        Access {
            token,
            metrics_public,
            sessions: Mutex::default(),
            form_key: random_hex(),
            tls,
        }
    }

    /// The value the dashboard's forms carry in their `form_key` field.
    pub fn form_key(&self) -> &str {
        &self.form_key
    }

    /// Whether `candidate` is the form key (constant time).
    pub fn form_key_matches(&self, candidate: &str) -> bool {
        bool::from(candidate.as_bytes().ct_eq(self.form_key.as_bytes()))
    }

    /// Whether a token is required at all.
    pub fn protected(&self) -> bool {
        self.token.is_some()
    }

    /// Whether `candidate` is the access token (constant time).
    pub fn token_matches(&self, candidate: &str) -> bool {
        match &self.token {
            Some(token) => bool::from(candidate.as_bytes().ct_eq(token.expose().as_bytes())),
            None => false,
        }
    }

    /// A new session for a browser that presented the token; its cookie value.
    pub fn new_session(&self) -> String {
        let id = random_hex();
        let mut sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        if sessions.len() >= MAX_SESSIONS {
            sessions.pop_front();
        }
        sessions.push_back(id.clone());
        id
    }

    /// The `Set-Cookie` value for session `id`.
    pub fn session_cookie(&self, id: &str) -> String {
        let secure = if self.tls { "; Secure" } else { "" };
        format!("{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict{secure}")
    }

    fn session_valid(&self, headers: &HeaderMap) -> bool {
        let Some(id) = cookie(headers, SESSION_COOKIE) else {
            return false;
        };
        let sessions = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        sessions
            .iter()
            .any(|s| bool::from(s.as_bytes().ct_eq(id.as_bytes())))
    }

    /// Whether the request is authorised: no token configured, a valid bearer token, or a
    /// signed-in session.
    fn allows(&self, headers: &HeaderMap) -> bool {
        if !self.protected() {
            return true;
        }
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        match bearer {
            Some(token) => self.token_matches(token.trim()),
            None => self.session_valid(headers),
        }
    }
}

/// 32 random bytes as hex, from the operating system's generator.
fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    rand_core_06::RngCore::fill_bytes(&mut rand_core_06::OsRng, &mut bytes);
    hex::encode(bytes)
}

/// The value of cookie `name`, if the request carries it.
fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The whole service: pages, API, metrics and health, behind the access policy.
pub fn router(state: AppState) -> Router {
    let protected = Router::new()
        .merge(super::dashboard::routes())
        .nest("/api/v1", super::api::routes())
        .route("/metrics", get(metrics))
        .route_layer(middleware::from_fn_with_state(state.clone(), authorise));
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/favicon.svg", get(favicon))
        .route("/readyz", get(super::api::readyz))
        .route(
            "/login",
            get(super::login::page).post(super::login::sign_in),
        )
        .merge(protected)
        .layer(middleware::from_fn(cross_site_posts))
        .layer(middleware::from_fn(security_headers))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
            MAX_IN_FLIGHT,
        ))
        .with_state(state)
}

/// Refuses requests without the token (or a session), except `/metrics` when it is public.
async fn authorise(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let public_metrics = state.access.metrics_public && request.uri().path() == "/metrics";
    if public_metrics || state.access.allows(request.headers()) {
        return next.run(request).await;
    }
    let wants_html = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if wants_html && request.method() == Method::GET {
        return (
            StatusCode::SEE_OTHER,
            [(header::LOCATION, HeaderValue::from_static("/login"))],
        )
            .into_response();
    }
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))],
        axum::Json(serde_json::json!({
            "error": "this service needs its access token: send `Authorization: Bearer <token>` ([serve] token)"
        })),
    )
        .into_response()
}

/// A POST must come from this service's own pages or from a program, never from another
/// site's page: the browser's `Sec-Fetch-Site` (or, without it, `Origin`) must not name
/// another site. Forms also carry the form key and API calls a JSON body or a bearer token,
/// which a cross-site form cannot send (checked where they are handled).
async fn cross_site_posts(request: Request, next: Next) -> Response {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        let headers = request.headers();
        let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
        let same_origin = match fetch_site {
            Some(site) => matches!(site, "same-origin" | "none"),
            None => match (headers.get(header::ORIGIN), headers.get(header::HOST)) {
                (Some(origin), Some(host)) => origin
                    .to_str()
                    .ok()
                    .and_then(|o| o.split_once("://"))
                    .is_some_and(|(_, rest)| Some(rest) == host.to_str().ok()),
                _ => true,
            },
        };
        if !same_origin {
            return (StatusCode::FORBIDDEN, "cross-site requests are refused\n").into_response();
        }
    }
    next.run(request).await
}

/// Headers every answer carries: no framing, no sniffing, no referrer, and a content
/// security policy that allows only the service's own inline style and script.
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The icon browsers show for the dashboard (public: the sign-in page has it too).
async fn favicon() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("image/svg+xml"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("max-age=86400"),
            ),
        ],
        FAVICON,
    )
        .into_response()
}

/// A bar chart in a rounded square.
const FAVICON: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1f5fbf"/><rect x="3" y="8" width="2.5" height="5" fill="#fff"/><rect x="6.75" y="5" width="2.5" height="8" fill="#fff"/><rect x="10.5" y="3" width="2.5" height="10" fill="#fff"/></svg>"##;

/// `/metrics`: every metric, read from the store at each scrape.
async fn metrics(State(state): State<AppState>) -> Response {
    let config = state.scheduler.config();
    let sources: Vec<String> = config.sources.iter().map(|s| s.name.clone()).collect();
    let metrics = state.metrics.clone();
    let encoded =
        tokio::task::spawn_blocking(move || metrics.encode(&sources, &config.reports)).await;
    match encoded {
        Ok(Ok(text)) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(Metrics::CONTENT_TYPE),
            )],
            Body::from(text),
        )
            .into_response(),
        Ok(Err(e)) => internal_error(&e),
        Err(e) => internal_error(&anyhow::anyhow!("{e}")),
    }
}

/// A 500 answer; the cause is logged (it never holds a secret, but may be long).
pub fn internal_error(e: &anyhow::Error) -> Response {
    tracing::error!("{}", crate::display::lines(&format!("{e:#}")));
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        axum::Json(serde_json::json!({ "error": "internal error; see the service's log" })),
    )
        .into_response()
}
