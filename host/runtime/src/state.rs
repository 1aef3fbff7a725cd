//! Per-run store state: WASI without files or environment, wasi:http behind the outbound
//! policy, memory limits, and where the plugin's batches go.

use crate::bindings::itam::collector::types::Batch;
use crate::credentials::TokenBroker;
use crate::network::Network;
use crate::observer::{Observer, Progress};
use crate::outbound::OutboundPolicy;
use crate::policy::AllowList;
use crate::policy::limiter::Limiter;
use std::sync::Arc;
use std::time::Duration;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// Where a run's batches go (the store, in practice). An error fails the run.
pub trait BatchSink: Send {
    /// Accepts one batch. A sink may store it later; then an error surfaces on a later call.
    fn accept(&mut self, batch: Batch) -> anyhow::Result<()>;

    /// Accepts entities an incremental run says are gone (contract 0.2.0 and later). A sink
    /// that only replaces whole snapshots refuses them, and the run fails.
    fn remove(&mut self, removals: Vec<crate::contract::types::Removal>) -> anyhow::Result<()> {
        let _ = removals;
        anyhow::bail!("this host's sink does not apply removals (incremental runs)")
    }

    /// Called when the plugin returns: finishes storing what was accepted.
    fn finish(&mut self) -> anyhow::Result<()> {
        Ok(())
    }
}

/// A sink that refuses everything: for calls that must not emit (`describe`, `plan`).
pub struct NoSink;

impl BatchSink for NoSink {
    fn accept(&mut self, _batch: Batch) -> anyhow::Result<()> {
        anyhow::bail!("the plugin emitted entities outside of collect")
    }
}

/// What one plugin call may do and where its output goes.
pub struct RunContext {
    /// Source name, for logs and errors.
    pub source: String,
    /// The origins the plugin may reach.
    pub allow: AllowList,
    /// Obtains and attaches tokens.
    pub broker: Arc<TokenBroker>,
    /// Receives batches.
    pub sink: Box<dyn BatchSink>,
    /// Memory cap in bytes.
    pub memory_bytes: usize,
    /// Per-request timeouts: connect, first byte, between bytes.
    pub request_timeouts: [Duration; 3],
    /// Largest response body the plugin may receive.
    pub max_response_bytes: u64,
    /// Most output (entities measured by their text) the call may emit.
    pub max_output_bytes: u64,
    /// Proxy and extra trusted CAs.
    pub network: Network,
    /// Receives the call's progress.
    pub observer: Arc<dyn Observer>,
    /// Cancels the call: the plugin's next `emit` is answered *cancel*.
    pub cancel: crate::cancel::CancelToken,
    /// The caps on host resources, requests in flight, setup time, logs and batches.
    pub caps: crate::policy::Caps,
    /// Paces the plugin's requests, if the embedder shares a request rate between runs.
    pub pacer: Option<Arc<dyn crate::Pacer>>,
}

/// The `T` of the wasmtime `Store`.
pub struct RunState {
    pub(super) wasi: WasiCtx,
    pub(super) http: WasiHttpCtx,
    pub(super) table: ResourceTable,
    pub(super) limits: Limiter,
    pub(super) outbound: OutboundPolicy,
    pub(super) broker: Arc<TokenBroker>,
    pub(super) sink: Box<dyn BatchSink>,
    pub(super) source: String,
    /// The first error the sink reported; the run fails with it.
    pub(super) sink_error: Option<anyhow::Error>,
    /// What the plugin wrote to stderr (a panic message, say), bounded.
    stderr: wasmtime_wasi::p2::pipe::MemoryOutputPipe,
    pub(super) progress: Progress,
    /// What the plugin may still log in this call.
    pub(super) log_budget: crate::policy::bounds::LogBudget,
    /// What the plugin may still emit in this call.
    pub(super) output: crate::policy::output::OutputBudget,
    pub(super) cancel: crate::cancel::CancelToken,
    pub(super) caps: crate::policy::Caps,
}

impl RunState {
    /// Builds the state for one call.
    pub fn new(ctx: RunContext) -> RunState {
        // Nothing is inherited: no preopened directories, no environment, no arguments,
        // no sockets and no name lookup (HTTP goes through wasi:http and its policy).
        let stderr = wasmtime_wasi::p2::pipe::MemoryOutputPipe::new(ctx.caps.stderr_bytes);
        let wasi = WasiCtx::builder()
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .stderr(stderr.clone())
            .build();
        let progress = Progress::new(&ctx.source, ctx.observer.clone());
        let mut outbound = OutboundPolicy::new(
            ctx.allow,
            ctx.broker.clone(),
            ctx.request_timeouts,
            ctx.max_response_bytes,
            ctx.caps.max_in_flight,
            &ctx.network,
        );
        outbound.count_requests(progress.requests.clone());
        if let Some(pacer) = ctx.pacer.clone() {
            outbound.pace_with(pacer);
        }
        let mut http = WasiHttpCtx::new();
        http.set_field_size_limit(ctx.caps.max_header_bytes);
        let mut table = ResourceTable::new();
        table.set_max_capacity(ctx.caps.max_handles);
        RunState {
            wasi,
            http,
            table,
            limits: Limiter::new(ctx.memory_bytes),
            outbound,
            broker: ctx.broker,
            sink: ctx.sink,
            source: ctx.source,
            sink_error: None,
            stderr,
            progress,
            log_budget: crate::policy::bounds::LogBudget::new(
                ctx.caps.max_log_lines,
                ctx.caps.max_log_bytes,
            ),
            output: crate::policy::output::OutputBudget::new(
                ctx.max_output_bytes,
                ctx.caps.clone(),
            ),
            cancel: ctx.cancel,
            caps: ctx.caps.clone(),
        }
    }

    /// The start of what the plugin wrote to stderr, as one printable line, if anything.
    pub fn stderr_text(&self) -> Option<String> {
        let bytes = self.stderr.contents();
        let text: String = String::from_utf8_lossy(&bytes)
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        (!text.is_empty()).then_some(text)
    }

    /// Finishes the sink (see [`BatchSink::finish`]) and takes its first error, if any.
    pub fn finish_sink(&mut self) -> Option<anyhow::Error> {
        if self.sink_error.is_none() {
            self.sink_error = self.sink.finish().err();
        }
        self.sink_error.take()
    }

    /// The limiter, for `Store::limiter`.
    pub fn limits(&mut self) -> &mut Limiter {
        &mut self.limits
    }

    /// Origins the plugin tried to reach and was refused.
    pub fn denied(&self) -> Vec<String> {
        self.outbound.denied()
    }

    /// Origins whose responses exceeded the response size limit.
    pub fn oversized(&self) -> Vec<String> {
        self.outbound.oversized()
    }

    /// Requests sent and answers asking to slow down, so far.
    pub fn traffic(&self) -> crate::Traffic {
        crate::Traffic {
            requests: self.outbound.requests(),
            throttled: self.outbound.throttled(),
        }
    }
}

impl WasiView for RunState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for RunState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.outbound,
        }
    }
}
