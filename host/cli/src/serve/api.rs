//! The JSON API under `/api/v1/`: the same reports, with the same keys, as the CLI's
//! `--format json`, and runs on request. Documented in `openapi.json` (served at
//! `/api/v1/openapi.json`) and README.md.

use super::holders::{MAX_QUERY, holders_page};
use super::scheduler::RunNow;
use super::state::{AppState, internal_error};
use crate::render::keys;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use itam_reports::catalog::ProductCatalog;
use itam_store::Store;
use serde::Deserialize;
use serde_json::{Value, json};

/// The API's routes (nested under `/api/v1`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/sources", get(sources))
        .route("/fleet", get(fleet))
        .route("/sources/{source}/balance", get(balance))
        .route("/sources/{source}/waste", get(waste))
        .route("/sources/{source}/subscriptions", get(subscriptions))
        .route("/sources/{source}/changes", get(changes))
        .route("/sources/{source}/runs", get(runs).post(start_run))
        .route("/sources/{source}/accounts/{account}", get(account))
        .route("/sources/{source}/products/{product}/holders", get(holders))
}

/// The OpenAPI document.
async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("openapi.json"),
    )
        .into_response()
}

/// `GET /api/v1/fleet`: the services sharing the store (see `itam fleet status`).
async fn fleet(State(state): State<AppState>) -> Response {
    let store = state.store.clone();
    let config = state.scheduler.config();
    report(move || crate::serve::fleet_status(&store, &config)).await
}

/// An API error: status and message as `{"error": "..."}`.
fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, axum::Json(json!({ "error": message.into() }))).into_response()
}

/// Runs `f` on a blocking thread (reports read SQLite) and answers its value as JSON under
/// the CLI's keys. A configuration-type error (unknown account or product) is a 404.
async fn report<T, F>(f: F) -> Response
where
    T: serde::Serialize + Send + 'static,
    F: FnOnce() -> anyhow::Result<T> + Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(value)) => match serde_json::to_value(&value) {
            Ok(value) => axum::Json(keys::rename(value)).into_response(),
            Err(e) => internal_error(&e.into()),
        },
        Ok(Err(e)) if itam_runtime::error::is_config_error(&e) => {
            error(StatusCode::NOT_FOUND, format!("{e:#}"))
        }
        Ok(Err(e)) => internal_error(&e),
        Err(e) => internal_error(&anyhow::anyhow!("{e}")),
    }
}

/// The 404 for a source that is not configured, if `source` is not.
fn unknown_source(state: &AppState, source: &str) -> Option<Response> {
    let config = state.scheduler.config();
    (!config.sources.iter().any(|s| s.name == source)).then(|| {
        error(
            StatusCode::NOT_FOUND,
            format!("no source `{}` is configured", crate::display::text(source)),
        )
    })
}

/// The source, if it is configured and has a snapshot; else the answer to give.
fn snapshot_of(state: &AppState, source: &str) -> Result<Store, Box<Response>> {
    if let Some(answer) = unknown_source(state, source) {
        return Err(Box::new(answer));
    }
    match state.store.last_success(source) {
        Ok(Some(_)) => Ok(state.store.clone()),
        Ok(None) => Err(Box::new(error(
            StatusCode::NOT_FOUND,
            format!(
                "source `{}` has no successful run yet",
                crate::display::text(source)
            ),
        ))),
        Err(e) => Err(Box::new(internal_error(&e))),
    }
}

/// Answers `f`'s report over `source`'s snapshot (404 without one), with its catalogue.
async fn on_snapshot<T, F>(state: &AppState, source: String, f: F) -> Response
where
    T: serde::Serialize + Send + 'static,
    F: FnOnce(&Store, &str, &dyn ProductCatalog) -> anyhow::Result<T> + Send + 'static,
{
    let store = match snapshot_of(state, &source) {
        Ok(store) => store,
        Err(answer) => return *answer,
    };
    report(move || {
        let catalog = crate::catalogs::for_source(&store, &source)?;
        f(&store, &source, &*catalog)
    })
    .await
}

/// `GET /sources`: every configured source with its schedule, state and last success.
async fn sources(State(state): State<AppState>) -> Response {
    let statuses = state.scheduler.status();
    let store = state.store.clone();
    report(move || {
        let mut out = Vec::new();
        for status in statuses {
            let last = store.last_success(&status.name)?;
            let mut value = serde_json::to_value(&status)?;
            value["last_success"] = match last {
                Some(run) => json!({ "run_id": run.id, "ended_at": run.ended_at }),
                None => Value::Null,
            };
            out.push(value);
        }
        Ok(out)
    })
    .await
}

/// `GET /sources/{source}/balance`: `itam report balance --format json`.
async fn balance(State(state): State<AppState>, Path(source): Path<String>) -> Response {
    on_snapshot(&state, source, move |store, source, catalog| {
        itam_reports::balance::balance(store, source, catalog)
    })
    .await
}

/// `?inactive_days=N` of the waste report.
#[derive(Deserialize)]
struct WasteQuery {
    inactive_days: Option<u32>,
}

/// `GET /sources/{source}/waste`: `itam report waste --format json`.
async fn waste(
    State(state): State<AppState>,
    Path(source): Path<String>,
    Query(query): Query<WasteQuery>,
) -> Response {
    let config = state.scheduler.config();
    let days = query.inactive_days.unwrap_or(config.reports.inactive_days);
    if !itam_reports::settings::INACTIVE_DAYS.contains(&i64::from(days)) {
        return error(StatusCode::BAD_REQUEST, "inactive_days must be 1 to 3650");
    }
    on_snapshot(&state, source, move |store, source, catalog| {
        let now = chrono::Utc::now();
        itam_reports::cost::waste_report(store, source, &config.reports, days, now, catalog)
    })
    .await
}

/// `GET /sources/{source}/subscriptions`: `itam report subscriptions --format json`.
async fn subscriptions(State(state): State<AppState>, Path(source): Path<String>) -> Response {
    on_snapshot(&state, source, move |store, source, catalog| {
        itam_reports::subscriptions::subscriptions(store, source, chrono::Utc::now(), catalog)
    })
    .await
}

/// `?run=N` of the change log, or `?since=CURSOR[&limit=N]` of the change feed.
#[derive(Deserialize)]
struct ChangesQuery {
    run: Option<i64>,
    since: Option<i64>,
    limit: Option<u64>,
}

/// Most changes one feed answer holds; the cursor says where to go on.
const MAX_FEED_PAGE: u64 = 10_000;

/// `GET /sources/{source}/changes`: `itam report changes --format json`; with `?since=CURSOR`
/// the change feed, as `itam changes --format json --source {source} --since CURSOR` prints it.
async fn changes(
    State(state): State<AppState>,
    Path(source): Path<String>,
    Query(query): Query<ChangesQuery>,
) -> Response {
    let Some(since) = query.since else {
        return on_snapshot(&state, source, move |store, source, catalog| {
            itam_reports::changes::changes(store, source, query.run, catalog)
        })
        .await;
    };
    if let Some(answer) = unknown_source(&state, &source) {
        return answer;
    }
    let limit = query.limit.unwrap_or(1000).clamp(1, MAX_FEED_PAGE);
    let store = state.store.clone();
    match tokio::task::spawn_blocking(move || -> anyhow::Result<Value> {
        let (mut cursor, mut changes) = (since, Vec::new());
        itam_reports::feed::feed(&store, Some(&source), since, limit, &mut |entry| {
            cursor = entry.cursor;
            changes.push(crate::render::keys::rename(serde_json::to_value(entry)?));
            Ok(())
        })?;
        Ok(json!({ "changes": changes, "cursor": cursor }))
    })
    .await
    {
        Ok(Ok(value)) => axum::Json(value).into_response(),
        Ok(Err(e)) => internal_error(&e),
        Err(e) => internal_error(&anyhow::anyhow!("{e}")),
    }
}

/// `?limit=N` of the run list.
#[derive(Deserialize)]
struct RunsQuery {
    limit: Option<u32>,
}

/// `GET /sources/{source}/runs`: `itam runs --source {source} --format json`.
async fn runs(
    State(state): State<AppState>,
    Path(source): Path<String>,
    Query(query): Query<RunsQuery>,
) -> Response {
    if let Some(answer) = unknown_source(&state, &source) {
        return answer;
    }
    let limit = query.limit.unwrap_or(20).clamp(1, 1000);
    let store = state.store.clone();
    report(move || store.runs(&source, limit)).await
}

/// `POST /sources/{source}/runs`: starts a run now (202), or 409 while one is in progress.
/// The request must carry a bearer token or a JSON content type, which a page of another site
/// cannot send without the browser asking first (and the service never allows it).
async fn start_run(
    State(state): State<AppState>,
    Path(source): Path<String>,
    headers: HeaderMap,
) -> Response {
    let json_body = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json_body && !headers.contains_key(header::AUTHORIZATION) {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the request with `Content-Type: application/json` (an empty body is fine)",
        );
    }
    run_now_answer(&state, &source)
}

/// The answer to a run asked for through the API.
fn run_now_answer(state: &AppState, source: &str) -> Response {
    match state.scheduler.run_now(source) {
        RunNow::Started => (
            StatusCode::ACCEPTED,
            axum::Json(json!({ "source": source, "status": "started" })),
        )
            .into_response(),
        RunNow::AlreadyRunning => error(
            StatusCode::CONFLICT,
            "a run of this source is in progress; try again when it has ended",
        ),
        RunNow::UnknownSource => error(StatusCode::NOT_FOUND, "no such source is configured"),
        RunNow::Stopping => error(StatusCode::SERVICE_UNAVAILABLE, "the service is stopping"),
    }
}

/// `GET /sources/{source}/accounts/{account}`: `itam report account`.
async fn account(
    State(state): State<AppState>,
    Path((source, who)): Path<(String, String)>,
) -> Response {
    on_snapshot(&state, source, move |store, source, catalog| {
        itam_reports::account::account(store, source, &who, catalog)
    })
    .await
}

/// Paging and search of a product's holders.
#[derive(Deserialize)]
pub struct HoldersQuery {
    /// 1-based page.
    pub page: Option<usize>,
    /// Holders per page (1 to 500, default 50).
    pub per_page: Option<usize>,
    /// Only holders whose name, principal name or department contains this
    /// (case-insensitive).
    pub q: Option<String>,
}

/// `GET /sources/{source}/products/{product}/holders`: a page of the accounts holding the
/// product (part number or ID), with provenance.
async fn holders(
    State(state): State<AppState>,
    Path((source, product)): Path<(String, String)>,
    Query(query): Query<HoldersQuery>,
) -> Response {
    let page = query.page.unwrap_or(1).max(1);
    let per_page = query.per_page.unwrap_or(50).clamp(1, 500);
    let search = query.q.unwrap_or_default();
    if search.len() > MAX_QUERY {
        return error(StatusCode::BAD_REQUEST, "q is too long");
    }
    on_snapshot(&state, source, move |store, source, catalog| {
        holders_page(store, source, &product, &search, page, per_page, catalog)
    })
    .await
}

/// `/readyz`: ready when the store is open, the configuration loaded, and every scheduled
/// source has succeeded within twice its interval (or has not finished its first run since
/// start-up). The body names each source that is not ready and why.
pub async fn readyz(State(state): State<AppState>) -> Response {
    let statuses = state.scheduler.status();
    let store = state.store.clone();
    let checked = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<String>> {
        let now = chrono::Utc::now();
        let mut problems = Vec::new();
        for s in statuses {
            let Some(interval) = s.interval_seconds else {
                continue;
            };
            let last = store
                .last_success(&s.name)?
                .and_then(|r| r.ended_at)
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok());
            let fresh = last.is_some_and(|t| {
                (now - t.with_timezone(&chrono::Utc)).num_seconds() <= 2 * interval as i64
            });
            if fresh || !s.ran_since_start {
                continue;
            }
            let why = match (&last, &s.last_error) {
                (None, Some(e)) => format!("no successful run yet; the last failed: {e}"),
                (None, None) => "no successful run yet".to_string(),
                (Some(t), _) => format!(
                    "last success {} is older than twice the interval ({} s)",
                    t.to_rfc3339(),
                    2 * interval
                ),
            };
            problems.push(format!(
                "source `{}`: {}",
                s.name,
                crate::display::text(&why)
            ));
        }
        Ok(problems)
    })
    .await;
    match checked {
        Ok(Ok(problems)) if problems.is_empty() => (StatusCode::OK, "ready\n").into_response(),
        Ok(Ok(problems)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready\n{}\n", problems.join("\n")),
        )
            .into_response(),
        Ok(Err(e)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "not ready: the store cannot be read: {}\n",
                crate::display::text(&format!("{e:#}"))
            ),
        )
            .into_response(),
        Err(e) => internal_error(&anyhow::anyhow!("{e}")),
    }
}
