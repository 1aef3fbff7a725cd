//! When and how long to wait before trying a Graph request again.
//!
//! Only GETs are sent, so every request is idempotent and safe to repeat. Throttling (429) and
//! transient server errors (500, 502, 503, 504), broken connections, timeouts and unreadable
//! bodies are retried: after `Retry-After` when Graph sends it (seconds, integer or decimal, or
//! an HTTP date), otherwise after an exponential backoff with full jitter. Each request has an
//! attempt limit and the whole run a retry budget, so a persistent failure ends the run with a
//! clear error instead of retrying forever. The arithmetic is the SDK's
//! ([`itam_plugin_sdk::retry`]); the statuses and limits are Graph's.

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
    /// First backoff step.
    pub base: Duration,
    /// Largest backoff step.
    pub cap: Duration,
    /// The longest `Retry-After` honoured; longer waits end the request.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            run_budget: 200,
            base: Duration::from_millis(500),
            cap: Duration::from_secs(60),
            max_retry_after: Duration::from_secs(300),
        }
    }
}

impl From<RetryPolicy> for sdk::RetryPolicy {
    /// The same limits, with full jitter.
    fn from(p: RetryPolicy) -> Self {
        sdk::RetryPolicy {
            max_attempts: p.max_attempts,
            run_budget: p.run_budget,
            base: p.base,
            jitter: Jitter::Full,
            cap: p.cap,
            max_retry_after: p.max_retry_after,
        }
    }
}

/// Whether an HTTP status is worth retrying.
pub fn retryable_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
}

/// The wait Graph asked for in `Retry-After`, if any.
pub fn retry_after(reply: &Reply, now: SystemTime) -> Option<Duration> {
    sdk::retry_after(reply.header("retry-after")?, now)
}

impl RetryPolicy {
    /// Full-jitter backoff before retry number `retry` (1-based): uniform in
    /// `[0, min(cap, base * 2^(retry-1))]`.
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
        let decimal = reply(&[("retry-after", "2.128")]);
        assert_eq!(
            retry_after(&decimal, now),
            Some(Duration::from_millis(2128))
        );
        let spaced = reply(&[("Retry-After", " 3 ")]);
        assert_eq!(retry_after(&spaced, now), Some(Duration::from_secs(3)));
        assert_eq!(retry_after(&reply(&[]), now), None);
        assert_eq!(retry_after(&reply(&[("retry-after", "soon")]), now), None);
    }

    #[test]
    fn backoff_is_full_jitter_from_half_a_second_to_a_minute() {
        let policy = RetryPolicy::default();
        let mut rng = fastrand::Rng::with_seed(3);
        for retry in 1..=20 {
            let ceiling = Duration::from_millis(500 << (retry - 1).min(7)).min(policy.cap);
            let d = policy.backoff(retry, &mut rng);
            assert!(d <= ceiling, "{retry}: {d:?}");
        }
        assert_eq!(policy.cap, Duration::from_secs(60));
        let spread: std::collections::BTreeSet<_> =
            (0..20).map(|_| policy.backoff(4, &mut rng)).collect();
        assert!(spread.len() > 10, "full jitter spreads the waits");
    }

    #[test]
    fn throttling_and_transient_server_errors_are_retryable() {
        assert!(
            retryable_status(429)
                && retryable_status(500)
                && retryable_status(502)
                && retryable_status(503)
                && retryable_status(504)
        );
        assert!(!retryable_status(404) && !retryable_status(403) && !retryable_status(501));
    }
}
