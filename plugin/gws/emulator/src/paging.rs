//! `maxResults`, `pageToken` and `nextPageToken`: each list method has Google's default and
//! maximum page size, and opaque page tokens that belong to one listing.

use crate::errors::{self, ApiError};
use base64::Engine as _;
use std::collections::HashMap;

/// A list method's page sizes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    /// Page size when `maxResults` is absent.
    pub default: usize,
    /// Largest `maxResults` accepted.
    pub max: usize,
}

/// `users.list`: 100 by default, at most 500.
pub(crate) const USERS: Limits = Limits {
    default: 100,
    max: 500,
};
/// `groups.list`: at most 200.
pub(crate) const GROUPS: Limits = Limits {
    default: 200,
    max: 200,
};
/// `members.list`: at most 200.
pub(crate) const MEMBERS: Limits = Limits {
    default: 200,
    max: 200,
};
/// `licenseAssignments.listForProduct[AndSku]`: 100 by default, at most 1000.
pub(crate) const LICENSES: Limits = Limits {
    default: 100,
    max: 1000,
};
/// `subscriptions.list`: 20 by default, at most 100.
pub(crate) const SUBSCRIPTIONS: Limits = Limits {
    default: 20,
    max: 100,
};

/// The page size asked for, within `limits` (else 400 `invalid`).
pub(crate) fn page_size(q: &HashMap<String, String>, limits: Limits) -> Result<usize, ApiError> {
    let Some(raw) = q.get("maxResults") else {
        return Ok(limits.default);
    };
    match raw.parse::<usize>() {
        Ok(n) if (1..=limits.max).contains(&n) => Ok(n),
        _ => Err(errors::invalid(&format!(
            "Invalid value '{raw}'. Values must be within the range: [1, {}]",
            limits.max
        ))),
    }
}

fn encode(listing: &str, offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{offset}|{listing}"))
}

/// Where the page starts: 0 without `pageToken`, else the offset the token was issued for, as
/// long as it was issued for the same `listing` (else 400 `invalid`).
pub(crate) fn offset(q: &HashMap<String, String>, listing: &str) -> Result<usize, ApiError> {
    let Some(token) = q.get("pageToken").filter(|t| !t.is_empty()) else {
        return Ok(0);
    };
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            let (offset, l) = s.split_once('|')?;
            (l == listing).then(|| offset.parse().ok())?
        })
        .ok_or_else(|| errors::invalid("Invalid Input: pageToken"))
}

/// The range of one page of `total` items and the token of the next page, if any.
pub(crate) fn page(
    total: usize,
    offset: usize,
    size: usize,
    listing: &str,
) -> (std::ops::Range<usize>, Option<String>) {
    let start = offset.min(total);
    let end = (start + size).min(total);
    let next = (end < total).then(|| encode(listing, end));
    (start..end, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_belong_to_their_listing() {
        let (range, next) = page(250, 0, 100, "users");
        assert_eq!(range, 0..100);
        let q = HashMap::from([("pageToken".to_string(), next.unwrap())]);
        assert_eq!(offset(&q, "users").unwrap(), 100);
        assert!(offset(&q, "groups").is_err());
        assert_eq!(page(250, 200, 100, "users"), (200..250, None));
        let q = HashMap::from([("maxResults".to_string(), "501".to_string())]);
        assert!(page_size(&q, USERS).is_err());
    }
}
