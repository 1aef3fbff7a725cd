//! What the host does for the plugin (the contract's `host` interface): log, report progress,
//! store entities, and obtain a token.
//!
//! Call the functions directly, or write the plugin's logic against the [`HostApi`] trait and
//! pass it [`Host`]: a test then passes its own `HostApi` that records batches, answers
//! `cancel` on command or refuses a token, and the logic runs natively with `cargo test`.
//!
//! These functions exist only inside a WebAssembly component; called natively, they panic.

use crate::types::{AuthError, Batch, CollectError, Flow, Grant, LogLevel, Removal, TokenFacts};

#[cfg(target_arch = "wasm32")]
use crate::bindings::itam::collector::host as imports;

/// Panics with a message saying the host is only there inside a component.
#[cfg(not(target_arch = "wasm32"))]
#[track_caller]
fn outside(function: &str) -> ! {
    panic!(
        "itam_plugin_sdk::host::{function} was called outside a WebAssembly component; in native tests, pass your own HostApi"
    )
}

/// Writes a log line through the host's logger (shown on `itam`'s stderr with `-v`; `warn` and
/// `error` lines by default). Never log secrets. The host keeps at most 4 KiB of a line and
/// 10,000 lines or 1 MiB per call.
pub fn log(level: LogLevel, message: &str) {
    #[cfg(target_arch = "wasm32")]
    imports::log(level, message);
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = (level, message);
        outside("log")
    }
}

/// Reports progress: the phase (e.g. `users`), items done in it, and the total if known.
pub fn progress(phase: &str, done: u64, total: Option<u64>) {
    #[cfg(target_arch = "wasm32")]
    imports::progress(phase, done, total);
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = (phase, done, total);
        outside("progress")
    }
}

/// Hands a batch of entities to the host, which stores it within the current run. The answer
/// is [`Flow::Proceed`], or [`Flow::Cancel`] when the plugin must stop and return
/// [`CollectError::cancelled`].
pub fn emit(batch: &Batch) -> Flow {
    #[cfg(target_arch = "wasm32")]
    return imports::emit(batch);
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = batch;
        outside("emit")
    }
}

/// Asks the host to obtain a token for `grant` with the source's credential and to attach it
/// to the plugin's requests for the grant's resource hosts; calling it again forces a fresh
/// token. The grant must be the one the plan declared. Only non-secret facts about the token
/// come back; the token itself stays in the host.
pub fn authorize(grant: &Grant) -> Result<TokenFacts, AuthError> {
    #[cfg(target_arch = "wasm32")]
    return imports::authorize(grant);
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = grant;
        outside("authorize")
    }
}

/// Tells the host that entities are gone since the state an incremental run started from
/// (accounts deleted for good, groups, memberships, devices). Only for kinds the run reports
/// as [`Coverage::Changes`](crate::types::Coverage::Changes) in its outcome. The answer is as
/// for [`emit`].
pub fn remove(removals: &[Removal]) -> Flow {
    #[cfg(target_arch = "wasm32")]
    return imports::remove(removals);
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = removals;
        outside("remove")
    }
}

/// The host's functions as a trait, so collection logic can run natively against a fake.
///
/// [`Host`] is the real one. A method added in a later version will have a default.
pub trait HostApi {
    /// Writes a log line (see [`log`]).
    fn log(&mut self, level: LogLevel, message: &str);
    /// Reports progress in a phase (see [`progress`]).
    fn progress(&mut self, phase: &str, done: u64, total: Option<u64>);
    /// Hands a batch to the host (see [`emit`]).
    fn emit(&mut self, batch: Batch) -> Flow;
    /// Asks the host for a token for `grant` (see [`authorize`]).
    fn authorize(&mut self, grant: &Grant) -> Result<TokenFacts, AuthError>;
    /// Names entities that are gone (see [`remove`]). The default refuses with
    /// [`Flow::Cancel`]: a fake that never expects removals needs nothing more.
    fn remove(&mut self, removals: Vec<Removal>) -> Flow {
        let _ = removals;
        Flow::Cancel
    }
}

/// The real host, through the component's imports. Natively its methods panic.
#[derive(Clone, Copy, Debug, Default)]
pub struct Host;

impl HostApi for Host {
    fn log(&mut self, level: LogLevel, message: &str) {
        log(level, message);
    }

    fn progress(&mut self, phase: &str, done: u64, total: Option<u64>) {
        progress(phase, done, total);
    }

    fn emit(&mut self, batch: Batch) -> Flow {
        emit(&batch)
    }

    fn authorize(&mut self, grant: &Grant) -> Result<TokenFacts, AuthError> {
        authorize(grant)
    }

    fn remove(&mut self, removals: Vec<Removal>) -> Flow {
        remove(&removals)
    }
}

/// Hands `items` to the host in batches of at most `size` (made by `batch`, e.g.
/// `Batch::Accounts`), reporting progress in `phase` after each, and stops at the first
/// [`Flow::Cancel`] with [`CollectError::cancelled`]. Returns how many were emitted.
///
/// The host takes at most 100,000 entities per batch; a few hundred to a few thousand keep
/// memory flat on both sides.
pub fn emit_in_batches<T>(
    host: &mut (impl HostApi + ?Sized),
    phase: &str,
    items: Vec<T>,
    size: usize,
    batch: impl Fn(Vec<T>) -> Batch,
) -> Result<u64, CollectError> {
    let total = items.len() as u64;
    let size = size.max(1);
    let mut done = 0;
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        let chunk: Vec<T> = items.by_ref().take(size).collect();
        done += chunk.len() as u64;
        if host.emit(batch(chunk)).is_cancel() {
            return Err(CollectError::cancelled());
        }
        host.progress(phase, done, Some(total));
    }
    Ok(done)
}
