//! Microsoft Graph over the transport: paging, typed errors, one re-authorization on 401.

use crate::auth::auth_failure;
use crate::errors;
use crate::hostapi::HostApi;
use crate::retry::{RetryPolicy, retry_after, retryable_status};
use crate::transport::{NetworkCause, Reply, Transport, TransportError};
use crate::types::{CollectError, Failure, Grant, LogLevel};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::time::{Duration, SystemTime};

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

/// What one attempt at a request came to.
enum Attempt<D> {
    Done(D),
    /// Worth another try, after Graph's `Retry-After` if it gave one.
    Retry(Option<Duration>, CollectError),
    Reauthorize(CollectError),
    Fail(CollectError),
}

/// A walk through the pages of one collection; see [`Graph::next_page`].
pub struct Pager {
    next: Option<String>,
    seen: std::collections::HashSet<String>,
}

impl Pager {
    /// Starts at the collection's first page.
    pub fn new(url: String) -> Pager {
        Pager {
            next: Some(url),
            seen: Default::default(),
        }
    }
}

/// The error for a server that sends an `@odata.nextLink` it already sent.
fn repeated_next_link(next: &str) -> CollectError {
    CollectError::Upstream(Failure {
        message: format!(
            "Graph sent an @odata.nextLink it had already sent ({next}); stopping instead of looping"
        ),
        fix: Some("retry later; if it persists, report it to Microsoft with the request ID".into()),
        status: None,
        code: None,
        request_id: None,
    })
}

/// A Graph client for one run.
pub struct Graph<'a, T: Transport, H: HostApi> {
    transport: &'a mut T,
    host: &'a mut H,
    grant: Grant,
    policy: RetryPolicy,
    retries: u32,
    rng: fastrand::Rng,
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
            policy: RetryPolicy::default(),
            retries: 0,
            rng: fastrand::Rng::new(),
            sleep: std::thread::sleep,
        })
    }

    /// Replaces the retry policy.
    pub fn with_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Retries spent so far in this run.
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// The host, for emitting and logging between pages.
    pub fn host(&mut self) -> &mut H {
        self.host
    }

    /// Follows `@odata.nextLink` from `url` until it is absent, handing each page to `on_page`.
    pub fn for_each_page<V: DeserializeOwned>(
        &mut self,
        url: &str,
        on_page: impl FnMut(&mut H, Vec<V>) -> Result<(), CollectError>,
    ) -> Result<(), CollectError> {
        let first: Page<V> = self.get_json(url)?;
        self.pages_from(first, on_page)
    }

    /// The next page of the collection `pager` walks, or `None` after the last one. For
    /// callers that must make other requests between pages.
    pub fn next_page<V: DeserializeOwned>(
        &mut self,
        pager: &mut Pager,
    ) -> Result<Option<Vec<V>>, CollectError> {
        let Some(url) = pager.next.take() else {
            return Ok(None);
        };
        if !pager.seen.insert(url.clone()) {
            return Err(repeated_next_link(&url));
        }
        let page: Page<V> = self.get_json(&url)?;
        pager.next = page.next_link;
        Ok(Some(page.value))
    }

    /// Like [`Graph::for_each_page`], starting from a first page already read (e.g. in a `$batch`).
    pub fn for_each_page_from<V: DeserializeOwned>(
        &mut self,
        first: serde_json::Value,
        on_page: impl FnMut(&mut H, Vec<V>) -> Result<(), CollectError>,
    ) -> Result<(), CollectError> {
        let first: Page<V> = serde_json::from_value(first).map_err(|e| {
            errors::internal(format!("Graph sent a page this plugin cannot read: {e}"))
        })?;
        self.pages_from(first, on_page)
    }

    fn pages_from<V: DeserializeOwned>(
        &mut self,
        first: Page<V>,
        mut on_page: impl FnMut(&mut H, Vec<V>) -> Result<(), CollectError>,
    ) -> Result<(), CollectError> {
        let mut page = first;
        let mut seen = std::collections::HashSet::new();
        loop {
            on_page(self.host, page.value)?;
            match page.next_link {
                Some(next) if seen.contains(&next) => return Err(repeated_next_link(&next)),
                Some(next) => {
                    page = self.get_json(&next)?;
                    seen.insert(next);
                }
                None => return Ok(()),
            }
        }
    }

    /// GETs `url` and parses the JSON answer, retrying what is worth retrying and
    /// re-authorizing once on 401.
    pub fn get_json<D: DeserializeOwned>(&mut self, url: &str) -> Result<D, CollectError> {
        self.fetch_json(url, None)
    }

    /// POSTs a JSON `body` to `url` with the same retries. Only for requests that are safe to
    /// repeat, such as a `$batch` of GETs.
    pub fn post_json<D: DeserializeOwned>(
        &mut self,
        url: &str,
        body: &[u8],
    ) -> Result<D, CollectError> {
        self.fetch_json(url, Some(body))
    }

    /// Waits as the retry policy says before a request is repeated on its own (e.g. a throttled
    /// request inside a `$batch`), spending one retry of the run's budget.
    pub fn pause_before_retry(
        &mut self,
        wait: Option<Duration>,
        reason: &str,
    ) -> Result<(), CollectError> {
        if self.retries >= self.policy.run_budget {
            return Err(CollectError::Throttled(Failure {
                message: format!(
                    "{reason}; the run's budget of {} retries is spent",
                    self.policy.run_budget
                ),
                fix: Some("Graph kept throttling; run again later or less often".into()),
                status: None,
                code: None,
                request_id: None,
            }));
        }
        let wait = wait
            .map(|w| w.min(self.policy.max_retry_after))
            .unwrap_or_else(|| self.policy.backoff(1, &mut self.rng));
        self.retries += 1;
        self.host.log(
            LogLevel::Warn,
            &format!("{reason}; retrying it alone in {:.1} s", wait.as_secs_f64()),
        );
        (self.sleep)(wait);
        Ok(())
    }

    fn fetch_json<D: DeserializeOwned>(
        &mut self,
        url: &str,
        body: Option<&[u8]>,
    ) -> Result<D, CollectError> {
        let client_request_id = new_request_id(&mut self.rng);
        let headers = [
            ("accept", "application/json"),
            ("x-ms-throttle-priority", "low"),
            ("client-request-id", client_request_id.as_str()),
        ];
        let mut reauthorized = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (wait, error) = match self.attempt(url, &headers, body) {
                Attempt::Done(value) => return Ok(value),
                Attempt::Fail(e) => return Err(tagged(e, &client_request_id)),
                Attempt::Reauthorize(e) if reauthorized => {
                    return Err(tagged(e, &client_request_id));
                }
                Attempt::Reauthorize(_) => {
                    reauthorized = true;
                    self.host.log(
                        LogLevel::Info,
                        "Graph rejected the token; asking the host for a fresh one",
                    );
                    self.host
                        .authorize(&self.grant)
                        .map_err(|e| auth_failure(&e))?;
                    continue;
                }
                Attempt::Retry(wait, error) => (wait, error),
            };
            if attempt >= self.policy.max_attempts {
                return Err(gave_up(
                    error,
                    &format!("gave up after {attempt} attempts"),
                    &client_request_id,
                ));
            }
            if self.retries >= self.policy.run_budget {
                return Err(gave_up(
                    error,
                    &format!(
                        "the run's budget of {} retries is spent",
                        self.policy.run_budget
                    ),
                    &client_request_id,
                ));
            }
            let wait = match wait {
                Some(w) if w > self.policy.max_retry_after => {
                    return Err(gave_up(
                        error,
                        &format!(
                            "Graph asked to wait {} s, longer than the {} s this run waits",
                            w.as_secs(),
                            self.policy.max_retry_after.as_secs()
                        ),
                        &client_request_id,
                    ));
                }
                Some(w) => w,
                None => self.policy.backoff(attempt, &mut self.rng),
            };
            self.retries += 1;
            self.host.log(
                LogLevel::Warn,
                &format!(
                    "{}; retrying in {:.1} s (attempt {} of {}, client-request-id {client_request_id})",
                    errors::details(&error).message,
                    wait.as_secs_f64(),
                    attempt + 1,
                    self.policy.max_attempts
                ),
            );
            (self.sleep)(wait);
        }
    }

    fn attempt<D: DeserializeOwned>(
        &mut self,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Attempt<D> {
        let sent = match body {
            None => self.transport.get(url, headers),
            Some(body) => self.transport.post_json(url, headers, body),
        };
        let reply = match sent {
            Ok(reply) => reply,
            Err(e @ TransportError::Denied(_)) => return Attempt::Fail(transport_failure(e, url)),
            Err(e) => return Attempt::Retry(None, transport_failure(e, url)),
        };
        match reply.status {
            200..=299 => match serde_json::from_slice(&reply.body) {
                Ok(value) => Attempt::Done(value),
                Err(e) => Attempt::Retry(
                    None,
                    CollectError::Upstream(Failure {
                        message: format!(
                            "Graph sent an answer that is not valid JSON ({e}) for {url}"
                        ),
                        fix: Some(
                            "retry later; if it persists, report it with the request ID".into(),
                        ),
                        status: Some(reply.status),
                        code: None,
                        request_id: reply.header("request-id").map(str::to_string),
                    }),
                ),
            },
            401 => Attempt::Reauthorize(graph_failure(&reply, url)),
            status if retryable_status(status) => Attempt::Retry(
                retry_after(&reply, SystemTime::now()),
                graph_failure(&reply, url),
            ),
            _ => Attempt::Fail(graph_failure(&reply, url)),
        }
    }
}

/// A random request ID in GUID form, sent as `client-request-id` for support cases.
fn new_request_id(rng: &mut fastrand::Rng) -> String {
    let (a, b) = (rng.u64(..), rng.u64(..));
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0x0fff,
        ((b >> 48) & 0x3fff) | 0x8000,
        b & 0xffff_ffff_ffff
    )
}

fn with_message(mut error: CollectError, edit: impl FnOnce(&mut Failure)) -> CollectError {
    edit(errors::details_mut(&mut error));
    error
}

fn tagged(error: CollectError, client_request_id: &str) -> CollectError {
    with_message(error, |f| {
        f.message
            .push_str(&format!(" (client-request-id {client_request_id})"))
    })
}

fn gave_up(error: CollectError, why: &str, client_request_id: &str) -> CollectError {
    tagged(
        with_message(error, |f| f.message = format!("{}; {why}", f.message)),
        client_request_id,
    )
}

fn transport_failure(error: TransportError, url: &str) -> CollectError {
    let cause = match error {
        TransportError::Denied(_) => return CollectError::Denied(Failure {
            message: format!("the host denied a request to {url}: its host is not on the source's allow-list"),
            fix: Some("if the host is legitimate, set login_url / graph_url accordingly; otherwise the server sent an unexpected link".into()),
            status: None,
            code: Some("HTTP-request-denied".into()),
            request_id: None,
        }),
        TransportError::Network(cause) => cause,
        // A request that could not be sent (a header refused): reported in the host's words.
        TransportError::Request(said) => NetworkCause::Other(said),
        other => NetworkCause::Other(other.to_string()),
    };
    CollectError::Network(Failure {
        message: format!("no answer from {url}: {}", cause.text()),
        fix: Some(crate::transport::fix(&cause).into()),
        status: None,
        code: None,
        request_id: None,
    })
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
