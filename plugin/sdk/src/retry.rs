//! When and how long to wait before repeating a request: the mechanics, not the policy.
//!
//! A plugin decides which answers are worth another try (statuses, the service's own error
//! reasons) and with which limits, following its vendor's guidance; this module does the
//! arithmetic that is the same everywhere. [`retry_after`] reads a `Retry-After` header (a
//! number of seconds, or an HTTP date); [`RetryPolicy`] holds the limits (attempts per
//! request, retries per run, the longest `Retry-After` honoured) and computes the truncated
//! exponential backoff with random [`Jitter`] used when the service names no wait.
//!
//! Repeat only requests that are safe to repeat (a GET, or a request the service makes
//! idempotent). Keep the run budget: a persistent failure should end the run with a clear
//! error rather than retry forever.
//!
//! ```
//! use itam_plugin_sdk::retry::{Jitter, RetryPolicy, retry_after};
//! use std::time::{Duration, SystemTime};
//!
//! const POLICY: RetryPolicy = RetryPolicy {
//!     max_attempts: 6,
//!     run_budget: 200,
//!     base: Duration::from_secs(1),
//!     jitter: Jitter::UpTo(Duration::from_secs(1)),
//!     cap: Duration::from_secs(64),
//!     max_retry_after: Duration::from_secs(300),
//! };
//!
//! let mut rng = fastrand::Rng::new();
//! // The service's `Retry-After` when it sent one, else the policy's backoff for retry 2.
//! let header = Some("3");
//! let wait = header
//!     .and_then(|value| retry_after(value, SystemTime::now()))
//!     .unwrap_or_else(|| POLICY.backoff(2, &mut rng));
//! assert_eq!(wait, Duration::from_secs(3));
//! assert!(wait <= POLICY.max_retry_after);
//! ```

use std::time::{Duration, SystemTime};

/// The random part of a backoff.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Jitter {
    /// "Full jitter": the wait is uniform between zero and the step (itself at most the cap).
    Full,
    /// The wait is the step plus a uniform random amount of up to this much, at most the cap.
    UpTo(Duration),
}

/// Retry limits and backoff: how often a request may be tried, how many retries a whole run
/// may spend, and how long to wait when the service names no wait.
///
/// Retry `n` (1-based) has the step `base * 2^(n-1)` (the doubling stops after 16 retries),
/// made random by `jitter` and never longer than `cap`; see [`RetryPolicy::backoff`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    /// Retries allowed over the whole run.
    pub run_budget: u32,
    /// The first backoff step (doubled for each retry).
    pub base: Duration,
    /// How the step is made random.
    pub jitter: Jitter,
    /// The largest backoff.
    pub cap: Duration,
    /// The longest `Retry-After` honoured; longer waits end the request.
    pub max_retry_after: Duration,
}

impl RetryPolicy {
    /// The backoff before retry number `retry` (1-based), drawing one random number from `rng`:
    /// with [`Jitter::Full`] uniform in `[0, min(cap, base * 2^(retry-1))]`, with
    /// [`Jitter::UpTo`]`(j)` `base * 2^(retry-1)` plus up to `j`, at most `cap`.
    pub fn backoff(&self, retry: u32, rng: &mut fastrand::Rng) -> Duration {
        let step = self
            .base
            .saturating_mul(1u32 << retry.saturating_sub(1).min(16));
        match self.jitter {
            Jitter::Full => step.min(self.cap).mul_f64(rng.f64()),
            Jitter::UpTo(most) => step.saturating_add(most.mul_f64(rng.f64())).min(self.cap),
        }
    }
}

/// The wait a `Retry-After` header's `value` asks for, seen at `now`: a number of seconds
/// (integer or decimal), or an HTTP date (a date already past asks for no wait). `None` when
/// the value is neither, is negative, or is too large to be a [`Duration`]; the caller
/// compares a wait with [`RetryPolicy::max_retry_after`].
pub fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        // Absurd values (1e20) must not overflow: they are simply too long to wait for.
        return Duration::try_from_secs_f64(seconds).ok();
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    const FULL: RetryPolicy = RetryPolicy {
        max_attempts: 6,
        run_budget: 200,
        base: Duration::from_millis(500),
        jitter: Jitter::Full,
        cap: Duration::from_secs(60),
        max_retry_after: Duration::from_secs(300),
    };

    const ADDED: RetryPolicy = RetryPolicy {
        max_attempts: 6,
        run_budget: 200,
        base: Duration::from_secs(1),
        jitter: Jitter::UpTo(Duration::from_secs(1)),
        cap: Duration::from_secs(64),
        max_retry_after: Duration::from_secs(300),
    };

    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
    }

    #[test]
    fn retry_after_in_seconds_decimal_seconds_or_as_a_date() {
        let now = now();
        assert_eq!(retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(retry_after(" 3 ", now), Some(Duration::from_secs(3)));
        assert_eq!(retry_after("2.128", now), Some(Duration::from_millis(2128)));
        let date = httpdate::fmt_http_date(now + Duration::from_secs(7));
        assert_eq!(retry_after(&date, now), Some(Duration::from_secs(7)));
        let past = httpdate::fmt_http_date(now - Duration::from_secs(7));
        assert_eq!(retry_after(&past, now), Some(Duration::ZERO));
    }

    #[test]
    fn retry_after_refuses_nonsense_and_does_not_overflow() {
        let now = now();
        assert_eq!(retry_after("soon", now), None);
        assert_eq!(retry_after("", now), None);
        assert_eq!(retry_after("-1", now), None);
        assert_eq!(retry_after("NaN", now), None);
        assert!(retry_after("1e19", now).unwrap() > Duration::from_secs(300));
        assert_eq!(retry_after("1e30", now), None);
    }

    #[test]
    fn full_jitter_is_spread_below_the_step_and_capped() {
        let mut rng = fastrand::Rng::with_seed(3);
        for retry in 1..=20 {
            let ceiling = FULL
                .base
                .saturating_mul(1 << (retry - 1).min(16))
                .min(FULL.cap);
            let d = FULL.backoff(retry, &mut rng);
            assert!(d <= ceiling && d <= FULL.cap, "{retry}: {d:?}");
        }
        assert!(FULL.backoff(0, &mut rng) <= FULL.base);
        assert!(FULL.backoff(u32::MAX, &mut rng) <= FULL.cap);
        let spread: BTreeSet<_> = (0..20).map(|_| FULL.backoff(4, &mut rng)).collect();
        assert!(spread.len() > 10, "full jitter spreads the waits");
    }

    #[test]
    fn added_jitter_doubles_the_step_and_is_capped() {
        let Jitter::UpTo(jitter) = ADDED.jitter else {
            unreachable!()
        };
        let mut rng = fastrand::Rng::with_seed(7);
        for retry in 1..=6 {
            let d = ADDED.backoff(retry, &mut rng);
            let floor = Duration::from_secs(1 << (retry - 1)).min(ADDED.cap);
            assert!(d >= floor && d <= floor + jitter, "{retry}: {d:?}");
        }
        assert_eq!(ADDED.backoff(30, &mut rng), ADDED.cap);
        let spread: BTreeSet<_> = (0..20).map(|_| ADDED.backoff(2, &mut rng)).collect();
        assert!(spread.len() > 10, "the jitter spreads the waits");
    }

    #[test]
    fn a_huge_base_saturates_instead_of_overflowing() {
        let policy = RetryPolicy {
            base: Duration::MAX,
            cap: Duration::MAX,
            ..ADDED
        };
        let mut rng = fastrand::Rng::with_seed(1);
        assert_eq!(policy.backoff(5, &mut rng), Duration::MAX);
        let full = RetryPolicy {
            jitter: Jitter::Full,
            ..policy
        };
        // Does not panic.
        full.backoff(5, &mut rng);
    }
}
