//! Time as Google's APIs write it: RFC 3339 in the Directory API (kept as sent), milliseconds
//! since the epoch as an int64 (a JSON string) in the Reseller API.

use serde::{Deserialize, Deserializer};

/// What the Directory API answers as `lastLoginTime` for a user who never signed in.
pub const NEVER_SIGNED_IN: &str = "1970-01-01T00:00:00.000Z";

/// A sign-in time, or none for Google's "never" (the epoch, in any precision) and for an
/// absent or empty value.
pub fn signed_in(time: Option<String>) -> Option<String> {
    time.filter(|t| !t.is_empty() && !t.starts_with("1970-01-01T00:00:00"))
}

/// Milliseconds since the Unix epoch as RFC 3339 in UTC (`2026-03-01T00:00:00Z`, with
/// milliseconds only when there are some).
pub fn rfc3339_from_millis(millis: i64) -> String {
    let seconds = millis.div_euclid(1000);
    let ms = millis.rem_euclid(1000);
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let (h, m, s) = (of_day / 3600, of_day % 3600 / 60, of_day % 60);
    if ms == 0 {
        format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}Z")
    } else {
        format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{ms:03}Z")
    }
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// An int64 as Google encodes it (a JSON string), also accepted as a number; absent, `null` or
/// unreadable is none.
pub fn int64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    use serde_json::Value;
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(t)) => t.trim().parse().ok(),
        Some(Value::Number(n)) => n.as_i64(),
        _ => None,
    })
}

/// [`int64`] as RFC 3339 (for the Reseller API's times).
pub fn millis_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(int64(d)?.map(rfc3339_from_millis))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds_become_rfc3339() {
        assert_eq!(rfc3339_from_millis(0), "1970-01-01T00:00:00Z");
        assert_eq!(
            rfc3339_from_millis(1_772_323_200_000),
            "2026-03-01T00:00:00Z"
        );
        assert_eq!(
            rfc3339_from_millis(951_782_400_123),
            "2000-02-29T00:00:00.123Z"
        );
        assert_eq!(rfc3339_from_millis(-1000), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn googles_never_is_none() {
        assert_eq!(signed_in(Some(NEVER_SIGNED_IN.into())), None);
        assert_eq!(signed_in(Some("1970-01-01T00:00:00Z".into())), None);
        assert_eq!(signed_in(Some(String::new())), None);
        assert_eq!(
            signed_in(Some("2026-03-01T08:00:00.000Z".into())).as_deref(),
            Some("2026-03-01T08:00:00.000Z")
        );
    }

    #[test]
    fn int64_accepts_strings_and_numbers() {
        #[derive(Deserialize)]
        struct T {
            #[serde(default, deserialize_with = "int64")]
            a: Option<i64>,
        }
        let parse = |s: &str| serde_json::from_str::<T>(s).unwrap().a;
        assert_eq!(parse(r#"{"a": "1772323200000"}"#), Some(1_772_323_200_000));
        assert_eq!(parse(r#"{"a": 12}"#), Some(12));
        assert_eq!(parse(r#"{"a": null}"#), None);
        assert_eq!(parse(r#"{"a": "x"}"#), None);
        assert_eq!(parse(r#"{}"#), None);
    }
}
