//! Fault injection: per endpoint, on chosen requests or at a seeded rate, the emulator
//! answers with what Graph and networks do on a bad day.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::sync::Mutex;
use std::time::Duration;

/// How a `Retry-After` header is written.
#[derive(Clone, Debug, PartialEq)]
pub enum RetryAfter {
    /// Whole seconds, e.g. `3`.
    Seconds(u64),
    /// Decimal seconds as Graph sometimes sends, e.g. `2.128`.
    Decimal(f64),
    /// An HTTP date this many seconds in the future.
    HttpDate(u64),
}

impl RetryAfter {
    /// The header value.
    pub fn header(&self) -> String {
        match self {
            RetryAfter::Seconds(s) => s.to_string(),
            RetryAfter::Decimal(s) => format!("{s}"),
            RetryAfter::HttpDate(s) => {
                httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(*s))
            }
        }
    }
}

/// What goes wrong.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// 429 `TooManyRequests`, with or without `Retry-After`.
    Throttle(Option<RetryAfter>),
    /// 503 `serviceNotAvailable`, with or without `Retry-After`.
    Unavailable(Option<RetryAfter>),
    /// Another server error status (500, 502, 504).
    Status(u16),
    /// The connection closes before any response header.
    ResetBeforeHeaders,
    /// Headers are sent, then the connection breaks mid-body.
    ResetAfterHeaders,
    /// `Content-Length` promises more bytes than are sent.
    TruncatedBody,
    /// A 200 whose body is not valid JSON.
    MalformedJson,
    /// The answer comes only after this long.
    Stall(Duration),
    /// Every issued token is revoked before answering (a 401 `InvalidAuthenticationToken`).
    RevokeTokens,
    /// 403 `Authorization_RequestDenied`.
    Forbidden,
}

/// Which requests of an endpoint get the fault.
#[derive(Clone, Debug, PartialEq)]
pub enum Trigger {
    /// These request numbers of the endpoint (1-based).
    Nth(Vec<u64>),
    /// Each request with this probability, drawn from the emulator's seed.
    Rate(f64),
    /// Every request.
    Always,
}

/// One fault rule.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultRule {
    /// Endpoint name, as [`crate::Emulator::requests`] counts them: `token`, `subscribedSkus`,
    /// `users`, `signInActivity`, `groups`, `members`, `transitiveMembers`, `subscriptions`,
    /// `devices`, `deletedUsers`, `users/delta`, `groups/delta`, `devices/delta`, …
    pub endpoint: String,
    /// When it fires.
    pub trigger: Trigger,
    /// What happens.
    pub fault: Fault,
}

impl FaultRule {
    /// A rule for `endpoint`.
    pub fn new(endpoint: &str, trigger: Trigger, fault: Fault) -> FaultRule {
        FaultRule {
            endpoint: endpoint.into(),
            trigger,
            fault,
        }
    }
}

/// Decides, per request, which fault (if any) applies.
pub struct FaultPlan {
    rules: Vec<FaultRule>,
    rng: Mutex<ChaCha8Rng>,
}

impl FaultPlan {
    /// A plan from rules and a seed.
    pub fn new(rules: Vec<FaultRule>, seed: u64) -> FaultPlan {
        FaultPlan {
            rules,
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed)),
        }
    }

    /// The fault for request number `n` (1-based) of `endpoint`: the first rule that fires.
    pub fn decide(&self, endpoint: &str, n: u64) -> Option<Fault> {
        for rule in self.rules.iter().filter(|r| r.endpoint == endpoint) {
            let fires = match &rule.trigger {
                Trigger::Nth(list) => list.contains(&n),
                Trigger::Rate(p) => self.rng.lock().unwrap().random_bool(p.clamp(0.0, 1.0)),
                Trigger::Always => true,
            };
            if fires {
                return Some(rule.fault.clone());
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nth_and_seeded_rate() {
        let plan = FaultPlan::new(
            vec![
                FaultRule::new("users", Trigger::Nth(vec![2]), Fault::Status(502)),
                FaultRule::new("groups", Trigger::Rate(0.5), Fault::Forbidden),
            ],
            1,
        );
        assert_eq!(plan.decide("users", 1), None);
        assert_eq!(plan.decide("users", 2), Some(Fault::Status(502)));
        let fired = (1..=1000)
            .filter(|n| plan.decide("groups", *n).is_some())
            .count();
        assert!((400..600).contains(&fired), "{fired}");
        assert!(RetryAfter::HttpDate(5).header().ends_with("GMT"));
        assert_eq!(RetryAfter::Decimal(2.128).header(), "2.128");
    }
}
