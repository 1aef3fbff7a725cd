//! The limits of one plugin run, as the operator sets them.

use std::time::Duration;

/// Sandbox limits for one plugin run.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Linear-memory cap in bytes.
    pub memory_bytes: usize,
    /// Wall-clock deadline for a whole run.
    pub run_timeout: Duration,
    /// TCP/TLS connect timeout per request.
    pub connect_timeout: Duration,
    /// Time to the first response byte per request.
    pub first_byte_timeout: Duration,
    /// Longest silence between response bytes.
    pub between_bytes_timeout: Duration,
    /// Largest response body the plugin may receive, in bytes.
    pub max_response_bytes: u64,
    /// Most output one run may emit (entities measured by their text), in bytes.
    pub max_output_bytes: u64,
    /// What the plugin may contain, and the time and memory its compilation may take.
    pub compile: crate::compile::CompileLimits,
    /// The caps on host resources, requests in flight, setup time, logs and batches.
    pub caps: super::Caps,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 256 << 20,
            run_timeout: Duration::from_secs(30 * 60),
            connect_timeout: Duration::from_secs(10),
            first_byte_timeout: Duration::from_secs(60),
            between_bytes_timeout: Duration::from_secs(60),
            max_response_bytes: 32 << 20,
            max_output_bytes: 512 << 20,
            compile: Default::default(),
            caps: Default::default(),
        }
    }
}

/// A size limit as operators write it: `32 MiB`, `0.25 MiB`.
pub fn mib(bytes: u64) -> String {
    let m = bytes as f64 / (1u64 << 20) as f64;
    if m.fract() == 0.0 {
        format!("{m:.0} MiB")
    } else {
        format!("{} MiB", (m * 100.0).round() / 100.0)
    }
}
