//! Fault injection: the first N requests of an endpoint are answered with a throttling or
//! availability error, Google's way, so a client's backoff can be tested.
//!
//! Endpoint names: `token`, `users`, `groups`, `members`, `customer`, `licenses` (both License
//! Manager list methods) and `subscriptions`.

use crate::errors::ApiError;
use std::str::FromStr;

/// What goes wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// 429 `rateLimitExceeded` (`RESOURCE_EXHAUSTED`), with `Retry-After` in seconds if given.
    TooManyRequests(Option<u64>),
    /// 503 `backendError` (`UNAVAILABLE`), with `Retry-After` in seconds if given.
    Unavailable(Option<u64>),
    /// 403 `rateLimitExceeded` in the `usageLimits` domain, as older Google APIs throttle.
    RateLimitExceeded,
    /// 403 `userRateLimitExceeded` in the `usageLimits` domain (the Directory API's per-user
    /// quota).
    UserRateLimitExceeded,
}

impl Fault {
    /// The error answered, for the API served by `service` (e.g. `admin.googleapis.com`).
    pub fn error(self, service: &str, project_number: &str) -> ApiError {
        match self {
            Fault::TooManyRequests(retry) => {
                let message = format!(
                    "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' of service '{service}' for consumer 'project_number:{project_number}'."
                );
                let mut e = ApiError::new(
                    429,
                    &message,
                    "usageLimits",
                    "rateLimitExceeded",
                    Some("RESOURCE_EXHAUSTED"),
                );
                e.headers = retry
                    .map(|s| ("retry-after", s.to_string()))
                    .into_iter()
                    .collect();
                e
            }
            Fault::Unavailable(retry) => {
                let mut e = ApiError::new(
                    503,
                    "The service is currently unavailable.",
                    "global",
                    "backendError",
                    Some("UNAVAILABLE"),
                );
                e.headers = retry
                    .map(|s| ("retry-after", s.to_string()))
                    .into_iter()
                    .collect();
                e
            }
            Fault::RateLimitExceeded => {
                let mut e = ApiError::new(
                    403,
                    "Rate Limit Exceeded",
                    "usageLimits",
                    "rateLimitExceeded",
                    Some("PERMISSION_DENIED"),
                );
                e.item_message = "Rate Limit Exceeded".into();
                e
            }
            Fault::UserRateLimitExceeded => ApiError::new(
                403,
                "User Rate Limit Exceeded",
                "usageLimits",
                "userRateLimitExceeded",
                Some("PERMISSION_DENIED"),
            ),
        }
    }
}

/// "The first `first` requests of `endpoint` get `fault`."
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultRule {
    /// Endpoint name (see the module documentation).
    pub endpoint: String,
    /// How many requests, counted from the first.
    pub first: u64,
    /// What they get.
    pub fault: Fault,
}

impl FaultRule {
    /// A rule.
    pub fn new(endpoint: &str, first: u64, fault: Fault) -> FaultRule {
        FaultRule {
            endpoint: endpoint.into(),
            first,
            fault,
        }
    }
}

/// `ENDPOINT:KIND:N[:RETRY_AFTER]`, KIND one of `429`, `503`, `403-rate`, `403-user`; e.g.
/// `users:429:2:1` (the first two `users` requests get 429 with `Retry-After: 1`).
impl FromStr for FaultRule {
    type Err = String;

    fn from_str(s: &str) -> Result<FaultRule, String> {
        let parts: Vec<&str> = s.split(':').collect();
        let (endpoint, kind, n, retry) = match parts.as_slice() {
            [e, k, n] => (*e, *k, *n, None),
            [e, k, n, r] => (
                *e,
                *k,
                *n,
                Some(
                    r.parse::<u64>()
                        .map_err(|_| format!("bad Retry-After in {s:?}"))?,
                ),
            ),
            _ => return Err(format!("expected ENDPOINT:KIND:N[:RETRY_AFTER], got {s:?}")),
        };
        let first = n.parse().map_err(|_| format!("bad count in {s:?}"))?;
        let fault = match kind {
            "429" => Fault::TooManyRequests(retry.or(Some(1))),
            "503" => Fault::Unavailable(retry),
            "403-rate" => Fault::RateLimitExceeded,
            "403-user" => Fault::UserRateLimitExceeded,
            other => {
                return Err(format!(
                    "unknown fault {other:?} (429, 503, 403-rate, 403-user)"
                ));
            }
        };
        Ok(FaultRule::new(endpoint, first, fault))
    }
}

/// The fault, if any, for request number `n` (1-based) of `endpoint`.
pub(crate) fn decide(rules: &[FaultRule], endpoint: &str, n: u64) -> Option<Fault> {
    rules
        .iter()
        .find(|r| r.endpoint == endpoint && n <= r.first)
        .map(|r| r.fault)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_decides() {
        let rule: FaultRule = "users:429:2:5".parse().unwrap();
        assert_eq!(
            rule,
            FaultRule::new("users", 2, Fault::TooManyRequests(Some(5)))
        );
        let rules = vec![rule, "licenses:503:1".parse().unwrap()];
        assert_eq!(
            decide(&rules, "users", 2),
            Some(Fault::TooManyRequests(Some(5)))
        );
        assert_eq!(decide(&rules, "users", 3), None);
        assert_eq!(
            decide(&rules, "licenses", 1),
            Some(Fault::Unavailable(None))
        );
        assert!("users:418:1".parse::<FaultRule>().is_err());
        let e = Fault::TooManyRequests(Some(1)).error("admin.googleapis.com", "42");
        assert_eq!(e.body()["error"]["status"], "RESOURCE_EXHAUSTED");
        assert_eq!(
            e.body()["error"]["errors"][0]["reason"],
            "rateLimitExceeded"
        );
    }
}
