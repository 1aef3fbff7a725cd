//! The sandbox's caps beyond the operator's everyday limits: what a plugin may hold in the
//! host's memory, how many requests it may have in flight, how long its setup calls may take,
//! how much it may log and emit at once. Each default protects the host; an embedder may set
//! them per source ([`super::Limits::caps`]).

use std::time::Duration;

/// The caps of one plugin call.
#[derive(Debug, Clone, PartialEq)]
pub struct Caps {
    /// Most host resources (wasi:http header sets, requests, responses, streams, pollables) a
    /// plugin may hold at once; each lives in the host's memory, outside the plugin's memory cap.
    pub max_handles: usize,
    /// Most bytes one wasi:http header set may hold, so that `max_handles` header sets stay
    /// within a bounded amount of host memory (16 MiB by default).
    pub max_header_bytes: usize,
    /// Most requests a plugin may have in flight at once; one more fails at once with wasi:http
    /// `connection-limit-reached` (rather than waiting, which could wait on the plugin itself).
    pub max_in_flight: usize,
    /// How long `describe` and `plan` (each with its instantiation) may take: they do no I/O.
    pub setup_deadline: Duration,
    /// How long a cancelled plugin may keep running before it is stopped.
    pub cancel_grace: Duration,
    /// How much of a plugin's stderr (a panic message, say) is kept for the run's error.
    pub stderr_bytes: usize,
    /// Most log lines per call; later ones are dropped, and that is said once.
    pub max_log_lines: u32,
    /// Most log bytes per call.
    pub max_log_bytes: usize,
    /// Most entities one `emit` may carry.
    pub max_batch_entities: usize,
    /// Longest text field of an entity (a name, an ID, an attribute value), in bytes.
    pub max_field_bytes: usize,
    /// Largest state a plugin may hand back for its next run (contract 0.2.0 and later). A
    /// larger one is not kept: the run's snapshot is, and the next run reads in full.
    pub max_state_bytes: usize,
}

impl Default for Caps {
    fn default() -> Caps {
        Caps {
            max_handles: 1024,
            max_header_bytes: 16 << 10,
            max_in_flight: 16,
            setup_deadline: Duration::from_secs(10),
            cancel_grace: Duration::from_secs(10),
            stderr_bytes: 4096,
            max_log_lines: 10_000,
            max_log_bytes: 1 << 20,
            max_batch_entities: 100_000,
            max_field_bytes: 64 << 10,
            max_state_bytes: 1 << 20,
        }
    }
}
