//! What every handler of the service shares: the scheduler, the store, the reports and
//! metrics, and the access policy (the token, browser sessions, the dashboard's form key).

use super::metrics::Metrics;
use super::scheduler::Scheduler;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use itam_runtime::credentials::Secret;
use itam_store::Store;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use subtle::ConstantTimeEq;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The scheduler (the configuration in force, sources' state, runs on request).
    pub scheduler: Scheduler,
    /// The database.
    pub store: Store,
    /// The reports of each source's snapshot, computed once per snapshot.
    pub reports: Arc<super::snapshot_reports::ReportCache>,
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
    pub(super) metrics_public: bool,
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
    pub(super) fn allows(&self, headers: &HeaderMap) -> bool {
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

/// A 500 answer; the cause is logged (it never holds a secret, but may be long).
pub fn internal_error(e: &anyhow::Error) -> Response {
    tracing::error!("{}", crate::display::lines(&format!("{e:#}")));
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        axum::Json(serde_json::json!({ "error": "internal error; see the service's log" })),
    )
        .into_response()
}
