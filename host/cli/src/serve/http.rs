//! The service's HTTP side: the router, and the policy every request passes —
//! the access token (or a session from signing in with it), cross-site request checks on
//! POST, bounded bodies, and security headers. The pages ([`super::dashboard`]), the API
//! ([`super::api`]) and the metrics hang off [`router`].

use super::metrics::Metrics;
use super::state::{AppState, internal_error};
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// Largest request body accepted, in bytes (forms and API calls are tiny).
pub const MAX_BODY: usize = 16 << 10;

/// Most requests handled at once; more wait their turn (reports over a large tenant take
/// tenths of a second of a core each).
const MAX_IN_FLIGHT: usize = 32;

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
    let store = state.store.clone();
    let encoded = tokio::task::spawn_blocking(move || {
        let fleet = crate::serve::fleet_status(&store, &config)?;
        metrics.encode(&sources, &config.reports, Some(&fleet))
    })
    .await;
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
