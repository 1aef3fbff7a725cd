//! The engine (one per process) and loaded plugins.

use crate::cache;
use crate::compile::{self, CompileLimits, Compiler};
use crate::contract::types::{
    CheckFinding, CollectError, CollectRequest, Descriptor, Outcome, RunPlan,
};
use crate::contract::{ContractVersion, Instance};
use crate::error::{SinkFailed, StopReason, Stopped};
use crate::network::Network;
use crate::policy::bounds;
use crate::state::{RunContext, RunState};
use anyhow::{Result, anyhow};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, Store};

/// The engine's configuration: the same for the host and its compiler child, whose artifacts
/// must match it.
fn engine_config() -> Config {
    let mut config = Config::new();
    config.epoch_interruption(true);
    config.wasm_component_model(true);
    config
}

/// The compiler child's main (see [`Compiler::Child`]): compiles stdin to stdout.
pub fn serve_compiler() -> Result<()> {
    compile::serve_child(&Engine::new(&engine_config())?)
}

/// How often the epoch advances; deadlines are counted in these ticks.
const EPOCH_TICK: Duration = Duration::from_millis(50);

/// One wasmtime engine and linker, shared by every run in the process.
#[derive(Clone)]
pub struct Runtime {
    engine: Engine,
    linker: Arc<Linker<RunState>>,
    cache_dir: Option<PathBuf>,
    network: Network,
    compiler: Compiler,
}

/// Builds a [`Runtime`]: where compiled components are cached, how the network is reached,
/// where components are compiled. Limits and the allowed hosts are per source
/// ([`crate::OperatorPolicy`]).
#[derive(Debug, Default)]
pub struct RuntimeBuilder {
    cache_dir: Option<Option<PathBuf>>,
    network: Network,
    compiler: Compiler,
}

impl RuntimeBuilder {
    /// Keeps compiled components in `dir` (`None` disables the cache; the default is the
    /// user's cache directory).
    pub fn cache_dir(mut self, dir: Option<PathBuf>) -> Self {
        self.cache_dir = Some(dir);
        self
    }

    /// The proxy and extra trusted CAs for plugins' traffic and token requests.
    pub fn network(mut self, network: Network) -> Self {
        self.network = network;
        self
    }

    /// Where components are compiled (in this process by default).
    pub fn compiler(mut self, compiler: Compiler) -> Self {
        self.compiler = compiler;
        self
    }

    /// Builds the engine (with its epoch ticker thread) and the linker.
    pub fn build(self) -> Result<Runtime> {
        let mut runtime = Runtime::new()?
            .with_network(self.network)
            .with_compiler(self.compiler);
        if let Some(dir) = self.cache_dir {
            runtime = runtime.with_cache_dir(dir);
        }
        Ok(runtime)
    }
}

/// A loaded plugin component.
#[derive(Clone)]
pub struct Plugin {
    runtime: Runtime,
    component: Component,
    /// The contract version the component was built against.
    pub contract: ContractVersion,
    /// Whether the embedding program vouches for the plugin (a built-in one): it may then
    /// choose the hosts that receive a credential without the operator listing them.
    pub trusted: bool,
    /// SHA-256 of the component's bytes.
    pub sha256: String,
}

/// The outcome of one plugin call: the inner result, plus what happened around it.
pub(crate) struct CallOutcome<T> {
    /// The plugin's own answer.
    pub result: Result<T, CollectError>,
    /// Origins the plugin was refused.
    pub denied: Vec<String>,
    /// Origins whose responses exceeded the response size limit.
    pub oversized: Vec<String>,
    /// The size of what the plugin emitted (entities measured by their text), in bytes.
    pub output_bytes: u64,
    /// Requests sent and throttled answers.
    pub traffic: crate::Traffic,
}

impl Runtime {
    /// A builder with the defaults (the user's cache directory, the environment's proxy,
    /// compilation in this process).
    pub fn builder() -> RuntimeBuilder {
        RuntimeBuilder::default()
    }

    /// Builds the engine (epoch interruption on, with a ticker thread) and the linker, with the
    /// defaults of [`Runtime::builder`].
    pub fn new() -> Result<Runtime> {
        let engine = Engine::new(&engine_config())?;
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
        crate::contract::add_to_linker(&mut linker)?;
        Ok(Runtime {
            engine,
            linker: Arc::new(linker),
            cache_dir: cache::default_dir().map(|d| d.join("components")),
            network: Network::default(),
            compiler: Compiler::default(),
        })
    }

    /// Compiles components with `compiler` (in this process by default).
    pub fn with_compiler(mut self, compiler: Compiler) -> Runtime {
        self.compiler = compiler;
        self
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

    /// Loads an untrusted component from its bytes: compiled within `limits` once, then served
    /// from the cache. A plugin loaded this way holds a credential only for the hosts the
    /// operator lists ([`crate::OperatorPolicy::allowed_hosts`]).
    pub fn load(&self, wasm: &[u8], limits: &CompileLimits) -> Result<Plugin> {
        let started = std::time::Instant::now();
        let compile = || compile::compile(&self.engine, wasm, &self.compiler, limits);
        let component = cache::load(&self.engine, wasm, self.cache_dir.as_deref(), compile)?;
        let contract = ContractVersion::of(&component, &self.engine).map_err(anyhow::Error::msg)?;
        tracing::debug!(
            micros = started.elapsed().as_micros() as u64,
            "plugin loaded"
        );
        Ok(Plugin {
            runtime: self.clone(),
            component,
            contract,
            trusted: false,
            sha256: cache::sha256_hex(wasm),
        })
    }

    /// Loads a component the embedding program ships itself (a built-in plugin), which may
    /// choose the hosts that receive its source's credential.
    pub fn load_trusted(&self, wasm: &[u8], limits: &CompileLimits) -> Result<Plugin> {
        let mut plugin = self.load(wasm, limits)?;
        plugin.trusted = true;
        Ok(plugin)
    }

    /// Loads an untrusted component from a file (at most [`crate::files::MAX_PLUGIN`] bytes).
    pub fn load_file(&self, path: &std::path::Path, limits: &CompileLimits) -> Result<Plugin> {
        let wasm = crate::files::read_capped(path, crate::files::MAX_PLUGIN)
            .map_err(|e| anyhow!("reading the plugin {}: {e}", path.display()))?;
        self.load(&wasm, limits)
    }
}

impl Plugin {
    /// Instantiates the component for one call. Instantiation runs the component's start
    /// functions, which are guest code too: it is under the same epoch deadline and the same
    /// wall-clock `deadline` as the call that follows.
    async fn instantiate(
        &self,
        ctx: RunContext,
        deadline: Deadline,
    ) -> Result<(Store<RunState>, Instance)> {
        let memory_mib = ctx.memory_bytes >> 20;
        let caps = ctx.caps.clone();
        let mut store = Store::new(&self.runtime.engine, RunState::new(ctx));
        store.limiter(|s| s.limits());
        let ticks = (deadline.total.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64;
        store.set_epoch_deadline(ticks);
        store.epoch_deadline_trap();
        let started = Instance::new(
            self.contract,
            &mut store,
            &self.component,
            &self.runtime.linker,
        );
        match tokio::time::timeout_at(deadline.at, started).await {
            Err(_) => Err(stop(
                StopReason::Deadline,
                format!(
                    "the plugin did not finish starting within {} (its start function blocked); it was stopped",
                    deadline.shown()
                ),
            )),
            Ok(Err(e)) => {
                match trap_reason(&e, deadline, memory_mib, &caps) {
                    Some((reason, message)) => Err(e.context(Stopped { reason, message })),
                    None => Err(e.context(format!(
                        "the plugin does not implement the itam:collector@{} world or imports something the host does not provide",
                        self.contract
                    ))),
                }
            }
            Ok(Ok(bindings)) => Ok((store, bindings)),
        }
    }

    /// Asks the plugin what it is and needs (no I/O, within the memory of `limits`).
    pub async fn describe(&self, limits: &crate::policy::Limits) -> Result<Descriptor> {
        let ctx = crate::prepare::offline_context("describe", limits);
        let deadline = Deadline::after(ctx.caps.setup_deadline);
        let (mut store, bindings) = self.instantiate(ctx, deadline).await?;
        let call = bindings.describe(&mut store);
        tokio::time::timeout_at(deadline.at, call)
            .await
            .map_err(|_| {
                stop(
                    StopReason::Deadline,
                    format!(
                        "the plugin did not answer describe within {}",
                        deadline.shown()
                    ),
                )
            })?
    }

    /// Asks the plugin to plan `settings` (no I/O): the origins it will contact and the grant
    /// it needs, or its typed refusal of the settings (the inner error), which says what to fix.
    pub async fn plan(
        &self,
        settings: &[(String, String)],
        limits: &crate::policy::Limits,
    ) -> Result<Result<RunPlan, CollectError>> {
        self.plan_in(crate::prepare::offline_context("plan", limits), settings)
            .await
    }

    /// Calls `plan` for a source's settings.
    pub(crate) async fn plan_in(
        &self,
        ctx: RunContext,
        settings: &[(String, String)],
    ) -> Result<Result<RunPlan, CollectError>> {
        let deadline = Deadline::after(ctx.caps.setup_deadline);
        let (mut store, bindings) = self.instantiate(ctx, deadline).await?;
        let settings = settings.to_vec();
        let call = bindings.plan(&mut store, &settings);
        let mut plan = tokio::time::timeout_at(deadline.at, call)
            .await
            .map_err(|_| {
                stop(
                    StopReason::Deadline,
                    format!("the plugin did not answer plan within {}", deadline.shown()),
                )
            })??;
        if let Err(e) = &mut plan {
            bounds::error(e);
        }
        Ok(plan)
    }

    /// Calls `check` under `deadline`.
    pub(crate) async fn check(
        &self,
        ctx: RunContext,
        settings: &[(String, String)],
        deadline: Duration,
    ) -> Result<Vec<CheckFinding>> {
        let deadline = Deadline::after(deadline);
        let (mut store, bindings) = self.instantiate(ctx, deadline).await?;
        let settings = settings.to_vec();
        let call = bindings.check(&mut store, &settings);
        let mut findings = tokio::time::timeout_at(deadline.at, call)
            .await
            .map_err(|_| {
                stop(
                    StopReason::Deadline,
                    format!("the check exceeded its deadline of {}", deadline.shown()),
                )
            })??;
        bounds::findings(&mut findings);
        Ok(findings)
    }

    /// Calls `collect` under the run deadline (which also covers instantiation). The outer
    /// error is a trap, a timeout or a sink failure; the inner result is the plugin's own.
    pub(crate) async fn collect(
        &self,
        ctx: RunContext,
        settings: &[(String, String)],
        request: &CollectRequest,
        deadline: Duration,
    ) -> Result<CallOutcome<Outcome>> {
        let memory_mib = ctx.memory_bytes >> 20;
        let cancel = ctx.cancel.clone();
        let caps = ctx.caps.clone();
        let grace = caps.cancel_grace;
        let deadline = Deadline::after(deadline);
        let (mut store, bindings) = self.instantiate(ctx, deadline).await?;
        let settings = settings.to_vec();
        let call = bindings.collect(&mut store, &settings, request);
        // Once cancelled, the plugin has `grace` to see *cancel* from `emit` and return.
        let stopped = async {
            cancel.cancelled().await;
            tokio::time::sleep(grace).await;
        };
        let call = async {
            tokio::select! {
                result = call => Some(result),
                () = stopped => None,
            }
        };
        let result = match tokio::time::timeout_at(deadline.at, call).await {
            Err(_) => return Err(stop(StopReason::Deadline, deadline.exceeded())),
            Ok(None) => {
                return Err(stop(
                    StopReason::Cancelled,
                    format!(
                        "the run was cancelled and the plugin did not stop within {} s of being told; it was stopped",
                        grace.as_secs()
                    ),
                ));
            }
            Ok(Some(result)) => match result {
                Err(trap) => {
                    let (reason, message) = trap_reason(&trap, deadline, memory_mib, &caps)
                        .unwrap_or((StopReason::Trap, "the plugin crashed (trap)".to_string()));
                    let message = match store.data().stderr_text() {
                        Some(said) => format!("{message}; the plugin's stderr: {said}"),
                        None => message,
                    };
                    return Err(trap.context(Stopped { reason, message }));
                }
                Ok(mut result) => {
                    match &mut result {
                        Ok(outcome) => bounds::outcome(outcome, &caps),
                        Err(e) => bounds::error(e),
                    }
                    result
                }
            },
        };
        if let Some(e) = store.data_mut().finish_sink() {
            return Err(e.context(SinkFailed));
        }
        Ok(CallOutcome {
            result,
            denied: store.data().denied(),
            oversized: store.data().oversized(),
            output_bytes: store.data().output.used(),
            traffic: store.data().traffic(),
        })
    }
}

/// The wall-clock deadline of one plugin call, instantiation included.
#[derive(Clone, Copy)]
struct Deadline {
    at: tokio::time::Instant,
    total: Duration,
}

impl Deadline {
    fn after(total: Duration) -> Deadline {
        Deadline {
            at: tokio::time::Instant::now() + total,
            total,
        }
    }

    /// The deadline in seconds, as errors show it.
    fn shown(&self) -> String {
        format!("{} s", self.total.as_secs())
    }

    fn exceeded(&self) -> String {
        format!(
            "the run exceeded its deadline of {} and was stopped (limits.run_timeout; raise it if the tenant needs longer)",
            self.shown()
        )
    }
}

/// An error saying the host stopped the call, and why.
fn stop(reason: StopReason, message: String) -> anyhow::Error {
    anyhow::Error::new(Stopped { reason, message })
}

/// What a trap means, when it is one of the sandbox's limits.
fn trap_reason(
    trap: &anyhow::Error,
    deadline: Deadline,
    memory_mib: usize,
    caps: &crate::policy::Caps,
) -> Option<(StopReason, String)> {
    if matches!(
        trap.downcast_ref::<wasmtime::Trap>(),
        Some(wasmtime::Trap::Interrupt)
    ) {
        return Some((StopReason::Deadline, deadline.exceeded()));
    }
    if is_memory_exhaustion(trap) {
        return Some((
            StopReason::Memory,
            format!(
                "the plugin exceeded its memory limit of {memory_mib} MiB and was stopped (limits.memory_limit_mb)"
            ),
        ));
    }
    if trap
        .chain()
        .any(|e| e.to_string().contains("total size of fields exceeds limit"))
    {
        return Some((
            StopReason::HostResources,
            format!(
                "the plugin built an HTTP header set larger than {} KiB and was stopped",
                caps.max_header_bytes >> 10
            ),
        ));
    }
    if trap
        .chain()
        .any(|e| e.to_string().contains("resource table has no free keys"))
    {
        return Some((
            StopReason::HostResources,
            format!(
                "the plugin held more than {} host resources (HTTP headers, requests, responses, streams) at once and was stopped",
                caps.max_handles
            ),
        ));
    }
    None
}

/// Whether a trap came from a memory growth the store's limit refused.
fn is_memory_exhaustion(trap: &anyhow::Error) -> bool {
    trap.chain().any(|e| {
        let text = e.to_string();
        text.contains("forcing trap when growing memory")
            || text.contains("forcing a memory growth failure")
            || text.contains("past its limit of")
    })
}
