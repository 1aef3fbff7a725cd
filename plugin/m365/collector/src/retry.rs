//! When and how long to wait before trying a Graph request again.
//!
//! Only GETs are sent, so every request is idempotent and safe to repeat. Throttling (429) and
//! transient server errors (500, 502, 503, 504), broken connections, timeouts and unreadable
//! bodies are retried: after `Retry-After` when Graph sends it (seconds, integer or decimal, or
//! an HTTP date), otherwise after an exponential backoff with full jitter. Each request has an
//! attempt limit and the whole run a retry budget, so a persistent failure ends the run with a
//! clear error instead of retrying forever.

use crate::transport::Reply;
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

/// Whether an HTTP status is worth retrying.
pub fn retryable_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
}

/// The wait Graph asked for in `Retry-After`, if any.
pub fn retry_after(reply: &Reply, now: SystemTime) -> Option<Duration> {
    let value = reply.header("retry-after")?.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        // Absurd values (1e20) must not overflow: they are simply too long to wait for.
        return Duration::try_from_secs_f64(seconds).ok();
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

impl RetryPolicy {
    /// Full-jitter backoff before retry number `retry` (1-based): uniform in
    /// `[0, min(cap, base * 2^(retry-1))]`.
    pub fn backoff(&self, retry: u32, rng: &mut fastrand::Rng) -> Duration {
        let ceiling = self
            .base
            .saturating_mul(1u32 << (retry.saturating_sub(1)).min(16))
            .min(self.cap);
        ceiling.mul_f64(rng.f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(value: &str) -> Reply {
        Reply {
            status: 429,
            headers: vec![("retry-after".into(), value.into())],
            body: vec![],
        }
    }

    #[test]
    fn retry_after_in_all_three_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(retry_after(&reply("3"), now), Some(Duration::from_secs(3)));
        assert_eq!(
            retry_after(&reply("2.128"), now),
            Some(Duration::from_millis(2128))
        );
        let date = httpdate::fmt_http_date(now + Duration::from_secs(7));
        assert_eq!(
            retry_after(&reply(&date), now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(retry_after(&reply("soon"), now), None);
        assert_eq!(retry_after(&reply("-1"), now), None);
        assert_eq!(retry_after(&reply("NaN"), now), None);
        assert!(retry_after(&reply("1e19"), now).unwrap() > Duration::from_secs(300));
        assert_eq!(retry_after(&reply("1e30"), now), None);
    }

    #[test]
    fn backoff_is_jittered_and_capped() {
        let policy = RetryPolicy::default();
        let mut rng = fastrand::Rng::with_seed(3);
        for retry in 1..=20 {
            let ceiling = policy
                .base
                .saturating_mul(1 << (retry - 1).min(16))
                .min(policy.cap);
            let d = policy.backoff(retry, &mut rng);
            assert!(d <= ceiling && d <= policy.cap, "{retry}: {d:?}");
        }
        let spread: std::collections::BTreeSet<_> =
            (0..20).map(|_| policy.backoff(4, &mut rng)).collect();
        assert!(spread.len() > 10, "full jitter spreads the waits");
        assert!(
            retryable_status(429)
                && retryable_status(504)
                && !retryable_status(404)
                && !retryable_status(403)
        );
    }
}
