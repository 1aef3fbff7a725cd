//! The sandbox: one wasmtime engine per process, components loaded through a compiled-artifact
//! cache, and a store per run with WASI (no files, no environment), wasi:http behind the
//! outbound policy, the `host` interface, a memory cap and a wall-clock deadline.

pub mod bindings;
pub mod bounds;
mod cache;
pub mod compile;
mod engine;
mod host_impl;
mod limiter;
pub mod net_cause;
mod outbound;
pub mod progress;
mod sender;
pub mod state;

pub use engine::{Plugin, Runtime, serve_compiler};
pub use state::{BatchSink, RunContext};
