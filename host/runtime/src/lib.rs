//! The ITAM collector runtime: runs untrusted collector plugins (WASI components implementing
//! the `itam:collector` world) in a wasmtime sandbox, holds their credentials, and streams what
//! they collect to a sink the embedder provides.
//!
//! The sandbox: one wasmtime engine per process, components loaded through a compiled-artifact
//! cache, and a store per run with WASI (no files, no environment), wasi:http behind the
//! outbound policy, the `host` interface, a memory cap and a wall-clock deadline. Everything a
//! plugin may do is decided in [`policy`]; credentials live in [`credentials`] and never enter
//! the plugin.

mod cache;
pub mod compile;
pub mod contract;
pub mod credentials;
mod engine;
pub mod error;
pub mod files;
mod host_impl;
mod http;
pub mod net_cause;
pub mod network;
pub mod observer;
mod outbound;
pub mod policy;
pub mod state;
pub mod text;

pub(crate) use contract::v0_1_0 as bindings;
pub use engine::{CallOutcome, Plugin, Runtime, serve_compiler};
pub use state::{BatchSink, NoSink, RunContext};
