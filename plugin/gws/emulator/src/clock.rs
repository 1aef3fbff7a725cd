//! Time as Google's admin APIs write it: RFC 3339 with milliseconds (`2026-01-31T08:00:00.000Z`)
//! in the Directory API, milliseconds since the epoch as strings in the Reseller API.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// What the Directory API answers as `lastLoginTime` for a user who never signed in.
pub const NEVER: &str = "1970-01-01T00:00:00.000Z";

/// The current time in unix seconds.
pub fn system_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Unix seconds as `YYYY-MM-DDTHH:MM:SS.000Z`.
pub fn rfc3339(t: i64) -> String {
    let at =
        time::OffsetDateTime::from_unix_timestamp(t).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// Unix seconds as the Reseller API's milliseconds-since-the-epoch string.
pub fn millis(t: i64) -> String {
    (t * 1000).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(rfc3339(0), NEVER);
        assert_eq!(rfc3339(1_772_323_200), "2026-03-01T00:00:00.000Z");
        assert_eq!(millis(1_772_323_200), "1772323200000");
    }
}
