//! The request log: one JSON line per request served (arrival time in unix nanoseconds, method,
//! path and query, status), like the Graph emulator's `requests.jsonl`.

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// An open JSON-lines log.
pub(crate) struct RequestLog {
    file: Mutex<std::fs::File>,
}

impl RequestLog {
    /// Creates (or truncates) the log at `path`.
    pub(crate) fn create(path: &Path) -> std::io::Result<RequestLog> {
        Ok(RequestLog {
            file: Mutex::new(std::fs::File::create(path)?),
        })
    }

    /// Appends one request.
    pub(crate) fn record(&self, method: &str, uri: &str, status: u16) {
        let at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let line = serde_json::json!({
            "at_ns": at.to_string(),
            "method": method,
            "uri": uri,
            "status": status,
        });
        // A test aid: a failed write loses a log line, never a response.
        let _ = writeln!(self.file.lock().unwrap(), "{line}");
    }
}
