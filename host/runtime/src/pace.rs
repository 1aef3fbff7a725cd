//! Pacing a plugin's requests from outside the run: the embedder may hold requests back (a
//! request rate shared by several runs, or by several hosts) and hear of the answers that
//! asked to slow down. The sandbox's own limits do not depend on it.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// Paces the requests of the runs it is given to (see `CollectOptions::pacer`).
pub trait Pacer: Send + Sync {
    /// Resolves when the run may send its next request.
    fn ready(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;

    /// An answer asked the run to slow down (429 Too Many Requests or 503 Service
    /// Unavailable), with the wait its `Retry-After` asked for, if any.
    fn throttled(&self, retry_after: Option<Duration>);
}

/// The wait a `Retry-After` header asks for, when it gives seconds (Graph's form; an HTTP
/// date counts as none).
pub fn retry_after(headers: &http::HeaderMap) -> Option<Duration> {
    let value = headers.get(http::header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_only() {
        let mut headers = http::HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(http::header::RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(
            http::header::RETRY_AFTER,
            "Wed, 21 Oct 2026 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&headers), None);
    }
}
