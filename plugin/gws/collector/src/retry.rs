//! When and how long to wait before trying a request to Google again.
//!
//! Only GETs are sent, so every request is safe to repeat. Google asks clients to retry
//! throttling (429, and 403 `rateLimitExceeded` / `userRateLimitExceeded`) and unavailability
//! (500, 502, 503, 504) with truncated exponential backoff: wait `2^n` seconds plus up to a
//! second of random jitter, at most a minute or so, and give up after a few tries
//! (<https://developers.google.com/workspace/admin/directory/v1/limits>). A `Retry-After`, when
//! Google sends one, is honoured instead. Broken connections and unreadable bodies are retried
//! the same way. Each request has an attempt limit and the whole run a retry budget, so a
//! persistent failure ends the run with a clear error instead of retrying forever. The
//! arithmetic is the SDK's ([`itam_plugin_sdk::retry`]); the statuses and limits are Google's.

use crate::transport::Reply;
use itam_plugin_sdk::retry::{self as sdk, Jitter};
use std::time::{Duration, SystemTime};

/// Retry limits.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    /// Retries allowed over the whole run.
    pub run_budget: u32,
    /// The first backoff step (doubled for each retry).
    pub base: Duration,
    /// The most random jitter added to a step.
    pub jitter: Duration,
    /// The largest backoff.
    pub cap: Duration,
    /// The longest `Retry-After` honoured; longer waits end the request.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            run_budget: 200,
            base: Duration::from_secs(1),
            jitter: Duration::from_secs(1),
            cap: Duration::from_secs(64),
            max_retry_after: Duration::from_secs(300),
        }
    }
}

impl From<RetryPolicy> for sdk::RetryPolicy {
    /// The same limits, the jitter added to the step.
    fn from(p: RetryPolicy) -> Self {
        sdk::RetryPolicy {
            max_attempts: p.max_attempts,
            run_budget: p.run_budget,
            base: p.base,
            jitter: Jitter::UpTo(p.jitter),
            cap: p.cap,
            max_retry_after: p.max_retry_after,
        }
    }
}

/// Whether an HTTP status is worth retrying whatever Google's reason (a 403 is retried only for
/// a rate-limit reason, see [`crate::api_error::GoogleError::is_rate_limit`]).
pub fn retryable_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
}

/// The wait Google asked for in `Retry-After` (seconds, or an HTTP date), if any.
pub fn retry_after(reply: &Reply, now: SystemTime) -> Option<Duration> {
    sdk::retry_after(reply.header("retry-after")?, now)
}

impl RetryPolicy {
    /// The backoff before retry number `retry` (1-based): `base * 2^(retry-1)` plus a random
    /// jitter of up to `jitter`, at most `cap`.
    pub fn backoff(&self, retry: u32, rng: &mut fastrand::Rng) -> Duration {
        sdk::RetryPolicy::from(*self).backoff(retry, rng)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(headers: &[(&str, &str)]) -> Reply {
        Reply {
            status: 429,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: vec![],
        }
    }

    #[test]
    fn retry_after_is_read_from_the_header() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let seconds = reply(&[("retry-after", "3")]);
        assert_eq!(retry_after(&seconds, now), Some(Duration::from_secs(3)));
        assert_eq!(retry_after(&reply(&[]), now), None);
        assert_eq!(retry_after(&reply(&[("retry-after", "-1")]), now), None);
    }

    #[test]
    fn backoff_doubles_from_a_second_with_a_second_of_jitter_and_is_capped() {
        let policy = RetryPolicy::default();
        let mut rng = fastrand::Rng::with_seed(7);
        for retry in 1..=6 {
            let d = policy.backoff(retry, &mut rng);
            let floor = Duration::from_secs(1 << (retry - 1));
            assert!(d >= floor && d <= floor + policy.jitter, "{retry}: {d:?}");
        }
        assert_eq!(policy.backoff(30, &mut rng), Duration::from_secs(64));
    }

    #[test]
    fn throttling_and_unavailability_are_retryable_but_not_a_bare_403() {
        assert!(retryable_status(429) && retryable_status(503) && !retryable_status(403));
    }
}
