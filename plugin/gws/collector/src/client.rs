//! Google's REST APIs over the transport: JSON answers, paging by `nextPageToken`, retries with
//! backoff, one re-authorization on 401, and typed errors.

use crate::api_error::{GoogleError, api_failure};
use crate::auth::auth_failure;
use crate::errors::{amended, internal};
use crate::hostapi::HostApi;
use crate::retry::{RetryPolicy, retry_after, retryable_status};
use crate::transport::{NetworkCause, Reply, Transport, TransportError};
use crate::types::{CollectError, Failure, Grant, LogLevel};
use serde::de::DeserializeOwned;
use std::collections::HashSet;
use std::time::{Duration, SystemTime};

/// A page of one of Google's list methods: its items and the token of the next page.
pub trait Paged {
    /// `nextPageToken`, taken out of the page; none (or empty) after the last page.
    fn take_next_page_token(&mut self) -> Option<String>;
}

/// What one attempt at a request came to.
enum Attempt<D> {
    Done(D),
    /// Worth another try, after Google's `Retry-After` if it gave one.
    Retry(Option<Duration>, CollectError),
    Reauthorize(CollectError),
    Fail(CollectError),
}

/// A client of Google's APIs for one run, holding the host's token (attached by the host).
pub struct Google<'a, T: Transport, H: HostApi> {
    transport: &'a mut T,
    host: &'a mut H,
    grant: Grant,
    policy: RetryPolicy,
    retries: u32,
    rng: fastrand::Rng,
    /// Pause used between retries; tests replace it.
    pub sleep: fn(Duration),
}

/// The scopes a grant requests (for the fixes of token errors).
pub fn grant_scopes(grant: &Grant) -> Vec<String> {
    match grant {
        Grant::JwtBearer(g) => g.scopes.clone(),
        Grant::ClientCredentials(g) => vec![g.scope.clone()],
    }
}

/// The user a grant acts as, if any.
fn grant_subject(grant: &Grant) -> Option<&str> {
    match grant {
        Grant::JwtBearer(g) => g.subject.as_deref(),
        Grant::ClientCredentials(_) => None,
    }
}

/// The URL of the page after `url` that `token` names.
pub fn with_page_token(url: &str, token: &str) -> String {
    let joiner = if url.contains('?') { '&' } else { '?' };
    format!("{url}{joiner}pageToken={}", crate::transport::encode(token))
}

impl<'a, T: Transport, H: HostApi> Google<'a, T, H> {
    /// Asks the host for a token for `grant` and returns a client whose requests carry it.
    pub fn connect(
        transport: &'a mut T,
        host: &'a mut H,
        grant: Grant,
    ) -> Result<Self, CollectError> {
        host.authorize(&grant)
            .map_err(|e| auth_failure(&e, &grant_scopes(&grant)))?;
        Ok(Google {
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

    /// The host, for emitting and logging between requests.
    pub fn host(&mut self) -> &mut H {
        self.host
    }

    /// GETs `url` and parses the JSON answer, retrying what is worth retrying and
    /// re-authorizing once on 401.
    pub fn get_json<D: DeserializeOwned>(&mut self, url: &str) -> Result<D, CollectError> {
        let mut reauthorized = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (wait, error) = match self.attempt(url) {
                Attempt::Done(value) => return Ok(value),
                Attempt::Fail(e) => return Err(e),
                Attempt::Reauthorize(e) if reauthorized => return Err(e),
                Attempt::Reauthorize(_) => {
                    reauthorized = true;
                    self.host.log(
                        LogLevel::Info,
                        "Google rejected the token; asking the host for a fresh one",
                    );
                    self.host
                        .authorize(&self.grant)
                        .map_err(|e| auth_failure(&e, &grant_scopes(&self.grant)))?;
                    continue;
                }
                Attempt::Retry(wait, error) => (wait, error),
            };
            if attempt >= self.policy.max_attempts {
                return Err(gave_up(error, &format!("gave up after {attempt} attempts")));
            }
            if self.retries >= self.policy.run_budget {
                return Err(gave_up(
                    error,
                    &format!(
                        "the run's budget of {} retries is spent",
                        self.policy.run_budget
                    ),
                ));
            }
            let wait = match wait {
                Some(w) if w > self.policy.max_retry_after => {
                    return Err(gave_up(
                        error,
                        &format!(
                            "Google asked to wait {} s, longer than the {} s this run waits",
                            w.as_secs(),
                            self.policy.max_retry_after.as_secs()
                        ),
                    ));
                }
                Some(w) => w,
                None => self.policy.backoff(attempt, &mut self.rng),
            };
            self.retries += 1;
            self.host.log(
                LogLevel::Warn,
                &format!(
                    "{}; retrying in {:.1} s (attempt {} of {})",
                    error.failure().message,
                    wait.as_secs_f64(),
                    attempt + 1,
                    self.policy.max_attempts
                ),
            );
            (self.sleep)(wait);
        }
    }

    /// Reads every page of the list at `url` (which carries its `maxResults`), following
    /// `nextPageToken`, and hands each page to `on_page` as it arrives.
    pub fn for_each_page<P: DeserializeOwned + Paged>(
        &mut self,
        url: &str,
        mut on_page: impl FnMut(&mut H, P) -> Result<(), CollectError>,
    ) -> Result<(), CollectError> {
        let mut seen = HashSet::new();
        let mut next = url.to_string();
        loop {
            let mut page: P = self.get_json(&next)?;
            let token = page.take_next_page_token().filter(|t| !t.is_empty());
            on_page(self.host, page)?;
            match token {
                None => return Ok(()),
                Some(token) if !seen.insert(token.clone()) => {
                    return Err(CollectError::Upstream(Failure {
                        message: format!(
                            "Google sent a nextPageToken it had already sent for {url}; stopping instead of looping"
                        ),
                        fix: Some("run again later; if it persists, report it".into()),
                        status: None,
                        code: None,
                        request_id: None,
                    }));
                }
                Some(token) => next = with_page_token(url, &token),
            }
        }
    }

    fn attempt<D: DeserializeOwned>(&mut self, url: &str) -> Attempt<D> {
        let reply = match self.transport.get(url, &[("accept", "application/json")]) {
            Ok(reply) => reply,
            Err(e @ (TransportError::Denied(_) | TransportError::Request(_))) => {
                return Attempt::Fail(transport_failure(e, url));
            }
            Err(e) => return Attempt::Retry(None, transport_failure(e, url)),
        };
        match reply.status {
            200..=299 => match serde_json::from_slice(&reply.body) {
                Ok(value) => Attempt::Done(value),
                Err(e) => Attempt::Retry(
                    None,
                    CollectError::Upstream(Failure {
                        message: format!(
                            "Google sent an answer this plugin cannot read ({e}) for {url}"
                        ),
                        fix: Some("run again later; if it persists, report it".into()),
                        status: Some(reply.status),
                        code: None,
                        request_id: None,
                    }),
                ),
            },
            401 => Attempt::Reauthorize(self.failure(&reply, url)),
            status if retryable_status(status) || GoogleError::parse(&reply).is_rate_limit() => {
                Attempt::Retry(
                    retry_after(&reply, SystemTime::now()),
                    self.failure(&reply, url),
                )
            }
            _ => Attempt::Fail(self.failure(&reply, url)),
        }
    }

    fn failure(&self, reply: &Reply, url: &str) -> CollectError {
        api_failure(reply, url, grant_subject(&self.grant))
    }
}

/// `error` with why the request was given up appended to its message.
fn gave_up(error: CollectError, why: &str) -> CollectError {
    amended(error, |f| f.message = format!("{}; {why}", f.message))
}

fn transport_failure(error: TransportError, url: &str) -> CollectError {
    let cause = match error {
        TransportError::Denied(_) => {
            return CollectError::Denied(Failure {
                message: format!(
                    "the host denied a request to {url}: its origin is not on the source's allow-list"
                ),
                fix: Some("if the origin is legitimate, set api_url / token_url accordingly or list it in the source's allowed_hosts".into()),
                status: None,
                code: Some("HTTP-request-denied".into()),
                request_id: None,
            });
        }
        TransportError::Network(cause) => cause,
        // A request that could not be sent (a header refused): reported in the host's words.
        TransportError::Request(said) => {
            return internal(format!("a request to {url} could not be sent: {said}"));
        }
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
