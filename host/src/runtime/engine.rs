//! The engine (one per process) and loaded plugins.

use super::bindings::Collector;
use super::bindings::exports::itam::collector::plugin::{
    CheckFinding, CollectError, CollectMode, Descriptor, RunPlan, Summary,
};
use super::cache;
use super::state::{RunContext, RunState};
use crate::config::Network;
use anyhow::{Context, Result, anyhow};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Config, Engine, Store};

/// How often the epoch advances; deadlines are counted in these ticks.
const EPOCH_TICK: Duration = Duration::from_millis(50);

/// One wasmtime engine and linker, shared by every run in the process.
#[derive(Clone)]
pub struct Runtime {
    engine: Engine,
    linker: Arc<Linker<RunState>>,
    cache_dir: Option<PathBuf>,
    network: Network,
}

/// A loaded plugin component.
#[derive(Clone)]
pub struct Plugin {
    runtime: Runtime,
    component: Component,
    /// SHA-256 of the component's bytes.
    pub sha256: String,
}

/// The outcome of one plugin call: the inner result, plus what happened around it.
pub struct CallOutcome<T> {
    /// The plugin's own answer.
    pub result: Result<T, CollectError>,
    /// Origins the plugin was refused.
    pub denied: Vec<String>,
    /// Origins whose responses exceeded the response size limit.
    pub oversized: Vec<String>,
}

impl Runtime {
    /// Builds the engine (epoch interruption on, with a ticker thread) and the linker.
    pub fn new() -> Result<Runtime> {
        let mut config = Config::new();
        config.epoch_interruption(true);
        config.wasm_component_model(true);
        let engine = Engine::new(&config)?;
        let ticker = engine.weak();
        std::thread::Builder::new()
            .name("itam-epoch".into())
            .spawn(move || {
                while let Some(engine) = ticker.upgrade() {
                    engine.increment_epoch();
                    drop(engine);
                    std::thread::sleep(EPOCH_TICK);
                }
            })?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
        Collector::add_to_linker::<RunState, HasSelf<RunState>>(&mut linker, |s| s)?;
        Ok(Runtime {
            engine,
            linker: Arc::new(linker),
            cache_dir: cache::default_dir().map(|d| d.join("components")),
            network: Network::default(),
        })
    }

    /// Uses `dir` for compiled components (`None` disables the cache).
    pub fn with_cache_dir(mut self, dir: Option<PathBuf>) -> Runtime {
        self.cache_dir = dir;
        self
    }

    /// Uses `network` (proxy, extra CAs) for plugins' traffic and token requests.
    pub fn with_network(mut self, network: Network) -> Runtime {
        self.network = network;
        self
    }

    /// The network settings.
    pub fn network(&self) -> &Network {
        &self.network
    }

    /// Loads a component from its bytes (compiled once, then served from the cache).
    pub fn load(&self, wasm: &[u8]) -> Result<Plugin> {
        let started = std::time::Instant::now();
        let component = cache::load(&self.engine, wasm, self.cache_dir.as_deref())
            .context("the plugin is not a valid WebAssembly component")?;
        tracing::debug!(
            micros = started.elapsed().as_micros() as u64,
            "plugin loaded"
        );
        Ok(Plugin {
            runtime: self.clone(),
            component,
            sha256: cache::sha256_hex(wasm),
        })
    }
}

impl Plugin {
    async fn instantiate(
        &self,
        ctx: RunContext,
        deadline: Duration,
    ) -> Result<(Store<RunState>, Collector)> {
        let mut store = Store::new(&self.runtime.engine, RunState::new(ctx));
        store.limiter(|s| s.limits());
        let ticks = (deadline.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64;
        store.set_epoch_deadline(ticks);
        store.epoch_deadline_trap();
        let bindings = Collector::instantiate_async(&mut store, &self.component, &self.runtime.linker)
            .await
            .map_err(anyhow::Error::from)
            .context("the plugin does not implement the itam:collector@0.1.0 world or imports something the host does not provide")?;
        Ok((store, bindings))
    }

    /// Calls `describe`.
    pub async fn describe(&self, ctx: RunContext) -> Result<Descriptor> {
        let (mut store, bindings) = self.instantiate(ctx, Duration::from_secs(10)).await?;
        let call = bindings.itam_collector_plugin().call_describe(&mut store);
        Ok(tokio::time::timeout(Duration::from_secs(10), call)
            .await
            .map_err(|_| anyhow!("the plugin did not answer describe within 10 s"))??)
    }

    /// Calls `plan` for a source's settings.
    pub async fn plan(
        &self,
        ctx: RunContext,
        settings: &[(String, String)],
    ) -> Result<Result<RunPlan, CollectError>> {
        let (mut store, bindings) = self.instantiate(ctx, Duration::from_secs(10)).await?;
        let settings = settings.to_vec();
        let call = bindings
            .itam_collector_plugin()
            .call_plan(&mut store, &settings);
        Ok(tokio::time::timeout(Duration::from_secs(10), call)
            .await
            .map_err(|_| anyhow!("the plugin did not answer plan within 10 s"))??)
    }

    /// Calls `check` under `deadline`.
    pub async fn check(
        &self,
        ctx: RunContext,
        settings: &[(String, String)],
        deadline: Duration,
    ) -> Result<Vec<CheckFinding>> {
        let (mut store, bindings) = self.instantiate(ctx, deadline).await?;
        let settings = settings.to_vec();
        let call = bindings
            .itam_collector_plugin()
            .call_check(&mut store, &settings);
        Ok(tokio::time::timeout(deadline, call).await.map_err(|_| {
            anyhow!(
                "the check exceeded its deadline of {} s",
                deadline.as_secs()
            )
        })??)
    }

    /// Calls `collect` under the run deadline. The outer error is a trap, a timeout or a sink
    /// failure; the inner result is the plugin's own.
    pub async fn collect(
        &self,
        ctx: RunContext,
        settings: &[(String, String)],
        mode: CollectMode,
        deadline: Duration,
    ) -> Result<CallOutcome<Summary>> {
        let memory_mib = ctx.memory_bytes >> 20;
        let (mut store, bindings) = self.instantiate(ctx, deadline).await?;
        let settings = settings.to_vec();
        let call = bindings
            .itam_collector_plugin()
            .call_collect(&mut store, &settings, mode);
        let result = match tokio::time::timeout(deadline, call).await {
            Err(_) => {
                return Err(anyhow!(
                    "the run exceeded its deadline of {} s and was stopped",
                    deadline.as_secs()
                ));
            }
            Ok(Err(trap)) => {
                let trap = anyhow::Error::from(trap);
                let reason = match trap.downcast_ref::<wasmtime::Trap>() {
                    Some(wasmtime::Trap::Interrupt) => format!(
                        "the run exceeded its deadline of {} s and was stopped",
                        deadline.as_secs()
                    ),
                    _ if is_memory_exhaustion(&trap) => format!(
                        "the plugin exceeded its memory limit of {memory_mib} MiB and was stopped (limits.memory_limit_mb)"
                    ),
                    _ => "the plugin crashed (trap)".to_string(),
                };
                let reason = match store.data().stderr_text() {
                    Some(said) => format!("{reason}; the plugin's stderr: {said}"),
                    None => reason,
                };
                return Err(trap.context(reason));
            }
            Ok(Ok(result)) => result,
        };
        if let Some(e) = store.data_mut().finish_sink() {
            return Err(e.context("storing the plugin's entities failed"));
        }
        Ok(CallOutcome {
            result,
            denied: store.data().denied(),
            oversized: store.data().oversized(),
        })
    }
}

/// Whether a trap came from a memory growth the store's limit refused.
fn is_memory_exhaustion(trap: &anyhow::Error) -> bool {
    trap.chain().any(|e| {
        let text = e.to_string();
        text.contains("forcing trap when growing memory")
            || text.contains("forcing a memory growth failure")
    })
}
