//! Microsoft Graph over the transport: paging, typed errors, one re-authorization on 401.

use crate::auth::auth_failure;
use crate::hostapi::HostApi;
use crate::transport::{Reply, Transport, TransportError};
use crate::types::{CollectError, Failure, Grant, LogLevel};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::time::Duration;

/// Attempts per request when Graph throttles (429) or is briefly unavailable (503).
const MAX_ATTEMPTS: u32 = 5;
/// The longest `Retry-After` the plugin waits before giving up on the request.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

/// One page of a Graph collection.
#[derive(Deserialize)]
struct Page<T> {
    #[serde(default = "Vec::new")]
    value: Vec<T>,
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
}

/// Graph's error envelope.
#[derive(Deserialize)]
struct ErrorEnvelope {
    error: ErrorBody,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    code: Option<String>,
    message: Option<String>,
    inner_error: Option<InnerError>,
}

#[derive(Deserialize)]
struct InnerError {
    #[serde(rename = "request-id")]
    request_id: Option<String>,
}

/// A Graph client for one run.
pub struct Graph<'a, T: Transport, H: HostApi> {
    transport: &'a mut T,
    host: &'a mut H,
    grant: Grant,
    /// Pause used between retries; tests replace it.
    pub sleep: fn(Duration),
}

impl<'a, T: Transport, H: HostApi> Graph<'a, T, H> {
    /// Asks the host for a token for `grant` and returns a client that uses it.
    pub fn connect(
        transport: &'a mut T,
        host: &'a mut H,
        grant: Grant,
    ) -> Result<Self, CollectError> {
        host.authorize(&grant).map_err(|e| auth_failure(&e))?;
        Ok(Graph {
            transport,
            host,
            grant,
            sleep: std::thread::sleep,
        })
    }

    /// The host, for emitting and logging between pages.
    pub fn host(&mut self) -> &mut H {
        self.host
    }

    /// Follows `@odata.nextLink` from `url` until it is absent, handing each page to `on_page`.
    pub fn for_each_page<V: DeserializeOwned>(
        &mut self,
        url: &str,
        mut on_page: impl FnMut(&mut H, Vec<V>) -> Result<(), CollectError>,
    ) -> Result<(), CollectError> {
        let mut next = Some(url.to_string());
        while let Some(url) = next.take() {
            let reply = self.get(&url)?;
            let page: Page<V> = serde_json::from_slice(&reply.body).map_err(|e| {
                CollectError::Upstream(Failure {
                    message: format!("Graph sent a page that is not valid JSON ({e}) for {url}"),
                    fix: Some("retry later; if it persists, report it with the request ID".into()),
                    status: Some(reply.status),
                    code: None,
                    request_id: reply.header("request-id").map(str::to_string),
                })
            })?;
            on_page(self.host, page.value)?;
            next = page.next_link;
        }
        Ok(())
    }

    /// GETs `url`, retrying throttling and re-authorizing once on 401.
    pub fn get(&mut self, url: &str) -> Result<Reply, CollectError> {
        let headers = [
            ("accept", "application/json"),
            ("x-ms-throttle-priority", "low"),
        ];
        let mut reauthorized = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let reply = self
                .transport
                .get(url, &headers)
                .map_err(|e| transport_failure(e, url))?;
            match reply.status {
                200..=299 => return Ok(reply),
                401 if !reauthorized => {
                    reauthorized = true;
                    self.host.log(
                        LogLevel::Info,
                        "Graph rejected the token; asking the host for a fresh one",
                    );
                    self.host
                        .authorize(&self.grant)
                        .map_err(|e| auth_failure(&e))?;
                }
                429 | 503 if attempt < MAX_ATTEMPTS => {
                    let wait = retry_after(&reply)
                        .unwrap_or(Duration::from_secs(1 << attempt))
                        .min(MAX_RETRY_AFTER);
                    self.host.log(
                        LogLevel::Warn,
                        &format!(
                            "Graph answered {} for {url}; retrying in {:.1}s",
                            reply.status,
                            wait.as_secs_f64()
                        ),
                    );
                    (self.sleep)(wait);
                }
                _ => return Err(graph_failure(&reply, url)),
            }
        }
    }
}

/// `Retry-After` in seconds (integer or decimal).
fn retry_after(reply: &Reply) -> Option<Duration> {
    let seconds: f64 = reply.header("retry-after")?.trim().parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds))
}

fn transport_failure(error: TransportError, url: &str) -> CollectError {
    match error {
        TransportError::Denied(_) => CollectError::Denied(Failure {
            message: format!("the host denied a request to {url}: its host is not on the source's allow-list"),
            fix: Some("if the host is legitimate, set login_url / graph_url accordingly; otherwise the server sent an unexpected link".into()),
            status: None,
            code: Some("HTTP-request-denied".into()),
            request_id: None,
        }),
        TransportError::Network(reason) => CollectError::Network(Failure {
            message: format!("no answer from {url}: {reason}"),
            fix: Some("check network access to the Graph and sign-in hosts (proxy, firewall, DNS)".into()),
            status: None,
            code: None,
            request_id: None,
        }),
    }
}

/// A Graph error answer as the contract's error, with a fix where the code is known.
pub fn graph_failure(reply: &Reply, url: &str) -> CollectError {
    let parsed: Option<ErrorBody> = serde_json::from_slice::<ErrorEnvelope>(&reply.body)
        .ok()
        .map(|e| e.error);
    let code = parsed.as_ref().and_then(|e| e.code.clone());
    let graph_message = parsed.as_ref().and_then(|e| e.message.clone());
    let request_id = reply.header("request-id").map(str::to_string).or_else(|| {
        parsed
            .as_ref()
            .and_then(|e| e.inner_error.as_ref())
            .and_then(|i| i.request_id.clone())
    });
    let fix = match code.as_deref() {
        Some("Authorization_RequestDenied") => Some(
            "add the application permissions Directory.Read.All and User.Read.All in API permissions and grant admin consent",
        ),
        Some("InvalidAuthenticationToken") => Some(
            "the token was rejected twice; check that client_id, tenant_id and cloud match the app registration",
        ),
        Some("Authentication_RequestFromNonPremiumTenantOrB2CTenant") => Some(
            "the tenant lacks Entra ID P1/P2 for this data; collection without it is still possible",
        ),
        Some("Request_ResourceNotFound") => Some("check tenant_id and graph_url"),
        _ if reply.status == 429 || reply.status == 503 => {
            Some("Graph kept throttling; run again later or less often")
        }
        _ => None,
    };
    let message = format!(
        "Graph answered {} {}: {} ({url})",
        reply.status,
        code.as_deref().unwrap_or("without an error code"),
        graph_message.as_deref().unwrap_or("no message")
    );
    let failure = Failure {
        message,
        fix: fix.map(str::to_string),
        status: Some(reply.status),
        code,
        request_id,
    };
    match reply.status {
        401 => CollectError::Unauthorized(failure),
        403 => CollectError::Forbidden(failure),
        429 | 503 => CollectError::Throttled(failure),
        _ => CollectError::Upstream(failure),
    }
}
