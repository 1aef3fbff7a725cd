//! Pre-rendered answers, for benchmarks: with [`Options::memoize`](crate::Options), each
//! distinct successful Graph answer is rendered once and then served from memory, so a client
//! timed against the emulator measures itself, not the emulator's JSON rendering. A benchmark
//! fills the memo with one untimed warm-up run.
//!
//! Also writes the request log that lets a benchmark replay exactly the requests a client made
//! (see [`RequestLog`]).

use crate::server::{Inner, Served, Shared, bearer_rejection};
use axum::body::Body;
use axum::http::{HeaderValue, Request, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// One rendered answer: its content type, `Preference-Applied` and body.
#[derive(Clone)]
struct Rendered {
    content_type: Option<HeaderValue>,
    preference_applied: Option<HeaderValue>,
    body: Bytes,
}

/// What identifies an answer: method, host, path and query, `Prefer` header, request body.
type Key = (String, String, String, String, Bytes);

/// Successful Graph answers by [`Key`], for the current generation of the tenant.
#[derive(Default)]
pub(crate) struct Memo {
    answers: Mutex<HashMap<Key, Rendered>>,
}

impl Memo {
    /// Forgets every answer (the tenant or the delta tokens changed).
    pub(crate) fn clear(&self) {
        self.answers.lock().unwrap().clear();
    }
}

/// A JSON-lines file with one line per request the emulator received from a client (inner
/// `$batch` requests are part of their batch's body): arrival time in unix nanoseconds,
/// method, path and query, and body.
pub(crate) struct RequestLog {
    file: Mutex<std::fs::File>,
}

impl RequestLog {
    /// Creates (or truncates) the log at `path`.
    pub(crate) fn create(path: &Path) -> std::io::Result<RequestLog> {
        Ok(RequestLog {
            file: Mutex::new(std::fs::File::create(path)?),
        })
    }

    fn record(&self, method: &str, uri: &str, body: &[u8]) {
        let at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let line = serde_json::json!({
            "at_ns": at.to_string(),
            "method": method,
            "uri": uri,
            "body": String::from_utf8_lossy(body),
        });
        let mut file = self.file.lock().unwrap();
        // A benchmark aid: a failed write loses a log line, never a response.
        let _ = writeln!(file, "{line}");
    }
}

/// Whether answers to this path may be memoized: Graph reads only, never the token endpoint
/// (tokens and assertions must stay single-use) or OIDC discovery.
fn memoizable(path: &str) -> bool {
    path.starts_with("/v1.0/")
}

/// Serves a client's request: logs it, answers from the memo when memoizing and already
/// rendered, and otherwise through `render` (remembering a 200 answer).
pub(crate) async fn respond<F, Fut>(shared: Shared, request: Request<Body>, render: F) -> Served
where
    F: FnOnce(Request<Body>) -> Fut,
    Fut: Future<Output = Served>,
{
    let (parts, body) = request.into_parts();
    let body = http_body_util::BodyExt::collect(body)
        .await
        .map_err(std::io::Error::other)?
        .to_bytes();
    let uri = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    if let Some(log) = &shared.request_log
        && crate::server::endpoint_of(&parts.uri) != "admin"
    {
        log.record(parts.method.as_str(), &uri, &body);
    }
    let request = Request::from_parts(parts, Body::from(body.clone()));
    if !shared.options.memoize || !memoizable(request.uri().path()) {
        return render(request).await;
    }
    if let Some(rejection) = bearer_rejection(&shared, request.headers()) {
        return Ok(rejection);
    }
    let host = request
        .headers()
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("-")
        .to_string();
    let prefer = request
        .headers()
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    let key = (request.method().to_string(), host, uri, prefer, body);
    if let Some(hit) = lookup(&shared, &key) {
        shared.count(crate::server::endpoint_of(request.uri()));
        return Ok(answer(hit));
    }
    let response = render(request).await?;
    if response.status() != StatusCode::OK {
        return Ok(response);
    }
    let (parts, body) = response.into_parts();
    let body = http_body_util::BodyExt::collect(body)
        .await
        .map_err(std::io::Error::other)?
        .to_bytes();
    let rendered = Rendered {
        content_type: parts.headers.get("content-type").cloned(),
        preference_applied: parts.headers.get("preference-applied").cloned(),
        body: body.clone(),
    };
    shared.memo.answers.lock().unwrap().insert(key, rendered);
    Ok(Response::from_parts(parts, Body::from(body)))
}

fn lookup(shared: &Inner, key: &Key) -> Option<Rendered> {
    shared.memo.answers.lock().unwrap().get(key).cloned()
}

/// A memoized answer, with a fresh `request-id` as Graph gives every response.
fn answer(rendered: Rendered) -> Response {
    let mut response = Response::new(Body::from(rendered.body));
    let headers = response.headers_mut();
    if let Some(content_type) = rendered.content_type {
        headers.insert("content-type", content_type);
    }
    if let Some(applied) = rendered.preference_applied {
        headers.insert("preference-applied", applied);
    }
    if let Ok(id) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        headers.insert("request-id", id);
    }
    response
}
