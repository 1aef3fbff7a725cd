//! The ITAM collector runtime: runs untrusted collector plugins (WASI components implementing
//! the `itam:collector` world) in a wasmtime sandbox, holds their credentials, and streams what
//! they collect to a sink the embedder provides.
//!
//! The sandbox: one wasmtime engine per process, components loaded through a compiled-artifact
//! cache, and a store per run with WASI (no files, no environment), wasi:http behind the
//! outbound policy, the `host` interface, a memory cap and a wall-clock deadline. Everything a
//! plugin may do is decided in [`policy`]; credentials live in [`credentials`] and never enter
//! the plugin.
//!
//! # Embedding
//!
//! Build a [`Runtime`] once; [`Runtime::load`] a plugin (or [`Runtime::load_trusted`] one you
//! ship yourself); [`Runtime::prepare`] it for a [`Source`] (the plugin plans its settings and
//! the plan is checked against the operator's [`OperatorPolicy`], before anything is sent);
//! then [`Prepared::check`] or [`Prepared::collect`] into a [`BatchSink`] of yours. Progress
//! goes to an [`Observer`]; a [`CancelToken`] stops a run.
//!
//! ```no_run
//! use itam_runtime::contract::types::Batch;
//! use itam_runtime::{BatchSink, CollectOptions, Runtime, Source};
//!
//! struct Print;
//!
//! impl BatchSink for Print {
//!     fn accept(&mut self, batch: Batch) -> anyhow::Result<()> {
//!         if let Batch::Accounts(accounts) = batch {
//!             println!("{} accounts", accounts.len());
//!         }
//!         Ok(())
//!     }
//! }
//!
//! # async fn run() -> anyhow::Result<()> {
//! let runtime = Runtime::builder().build()?;
//! let plugin = runtime.load_file("inventory.wasm".as_ref(), &Default::default())?;
//! let source = Source::new("lab", vec![("url".into(), "http://127.0.0.1:8080".into())]);
//! let prepared = runtime.prepare(&plugin, source).await?;
//! let collected = prepared.collect(Box::new(Print), CollectOptions::default()).await?;
//! match collected.result {
//!     Ok(outcome) => println!("done: {:?}", outcome.summary.counts),
//!     Err(e) => eprintln!("{}", itam_runtime::describe_failure(&e)),
//! }
//! # Ok(())
//! # }
//! ```

#![deny(missing_docs)]

mod cache;
pub mod cancel;
pub mod compile;
pub mod contract;
pub mod credentials;
mod engine;
pub mod error;
pub mod files;
mod host_impl;
pub mod http;
pub mod net_cause;
pub mod network;
pub mod observer;
mod outbound;
pub mod pace;
pub mod policy;
mod prepare;
pub mod state;
pub mod text;

pub use cancel::CancelToken;
pub(crate) use contract::v0_3_0 as bindings;
pub use engine::{Plugin, Runtime, RuntimeBuilder, serve_compiler};
pub use observer::Observer;
pub use pace::Pacer;
pub use prepare::{
    CollectOptions, Collected, OperatorPolicy, Prepared, Source, Traffic, describe_failure,
    split_error,
};
pub use state::{BatchSink, NoSink, RunContext};
