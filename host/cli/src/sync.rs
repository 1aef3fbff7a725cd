//! One sync of one source: validate, plan the sandbox, collect into a run, commit or fail.

use crate::config::{Limits, Network, Source};
use crate::display;
use crate::error::config_error;
use anyhow::{Result, anyhow};
use itam_runtime::contract::types::Failure;
use itam_runtime::contract::types::{CollectError, CollectMode, RunPlan};
use itam_runtime::credentials::TokenBroker;
use itam_runtime::policy::AllowList;
use itam_runtime::state::NoSink;
use itam_runtime::{Plugin, RunContext, Runtime};
use itam_store::Store;
use std::sync::Arc;

/// What a successful sync did.
#[derive(Debug, Clone)]
pub struct SyncReport {
    /// Source name.
    pub source: String,
    /// The run's ID in the store.
    pub run_id: i64,
    /// Entities stored per kind.
    pub counts: Vec<(String, u64)>,
    /// Problems that did not stop the run.
    pub warnings: Vec<String>,
}

impl SyncReport {
    /// The counts as `5000 accounts, 9 products, …`.
    pub fn counts_text(&self) -> String {
        let parts: Vec<String> = self
            .counts
            .iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect();
        parts.join(", ")
    }
}

/// A source ready to run: its plugin loaded and its plan validated (no network used yet).
pub struct Prepared {
    plugin: Plugin,
    plugin_name: String,
    plugin_version: String,
    plan: RunPlan,
    allow: AllowList,
    network: Network,
}

/// The context of a networked plugin call for `source`.
pub fn run_context(
    source: &Source,
    limits: &Limits,
    network: &Network,
    allow: AllowList,
    broker: Arc<TokenBroker>,
    sink: Box<dyn itam_runtime::BatchSink>,
) -> RunContext {
    RunContext {
        source: source.name.clone(),
        allow,
        broker,
        sink,
        memory_bytes: limits.memory_bytes,
        request_timeouts: [
            limits.connect_timeout,
            limits.first_byte_timeout,
            limits.between_bytes_timeout,
        ],
        max_response_bytes: limits.max_response_bytes,
        max_output_bytes: limits.max_output_bytes,
        network: network.clone(),
        observer: Arc::new(crate::progress::Progress::new(true)),
    }
}

/// A context for calls that must not touch the network or emit anything.
pub fn offline_context(source: &str, limits: &Limits) -> RunContext {
    RunContext {
        source: source.to_string(),
        allow: AllowList::default(),
        broker: Arc::new(TokenBroker::new(
            None,
            AllowList::default(),
            limits.connect_timeout,
            &Network::default(),
        )),
        sink: Box::new(NoSink),
        memory_bytes: limits.memory_bytes,
        request_timeouts: [
            limits.connect_timeout,
            limits.first_byte_timeout,
            limits.between_bytes_timeout,
        ],
        max_response_bytes: limits.max_response_bytes,
        max_output_bytes: 0,
        network: Network::default(),
        observer: Arc::new(itam_runtime::observer::Quiet),
    }
}

/// Renders a plugin failure as one line plus a fix line. The plugin's texts are escaped
/// ([`display::text`]), newlines included, so the only line break is the host's own before
/// `fix:` and nothing the plugin says can forge a line of the error.
pub fn describe_failure(kind: &str, f: &Failure) -> String {
    let mut text = format!("{kind}: {}", display::text(&f.message));
    let mut details = Vec::new();
    if let Some(code) = &f.code {
        details.push(format!("code {}", display::text(code)));
    }
    if let Some(status) = f.status {
        details.push(format!("HTTP {status}"));
    }
    if let Some(id) = &f.request_id {
        details.push(format!("request-id {}", display::text(id)));
    }
    details.push(format!("at {}", itam_store::now()));
    if !details.is_empty() {
        text.push_str(&format!(" [{}]", details.join(", ")));
    }
    if let Some(fix) = &f.fix {
        text.push_str(&format!("\n  fix: {}", display::text(fix)));
    }
    text
}

/// The kind and details of a plugin error.
pub fn split_error(e: &CollectError) -> (&'static str, &Failure) {
    match e {
        CollectError::InvalidConfig(f) => ("invalid configuration", f),
        CollectError::Unauthorized(f) => ("unauthorized", f),
        CollectError::Forbidden(f) => ("forbidden", f),
        CollectError::Throttled(f) => ("throttled", f),
        CollectError::Upstream(f) => ("upstream error", f),
        CollectError::Network(f) => ("network error", f),
        CollectError::Denied(f) => ("denied by the sandbox", f),
        CollectError::Cancelled(f) => ("cancelled", f),
        CollectError::Internal(f) => ("plugin error", f),
    }
}

/// Loads the source's plugin and validates its settings and sandbox plan. Errors here are
/// configuration errors (exit 2); nothing has been sent.
pub async fn prepare(runtime: &Runtime, source: &Source, limits: &Limits) -> Result<Prepared> {
    // A plugin that cannot be loaded or does not implement the contract is a configuration
    // problem of the source, found before any request.
    let unusable = |e: anyhow::Error| config_error(format!("source `{}`: {e:#}", source.name));
    let plugin = crate::plugins::load(runtime, &source.plugin, limits).map_err(unusable)?;
    let descriptor = plugin
        .describe(offline_context(&source.name, limits))
        .await
        .map_err(unusable)?;
    let plan = match plugin
        .plan(offline_context(&source.name, limits), &source.settings)
        .await?
    {
        Ok(plan) => plan,
        Err(e) => {
            let (kind, f) = split_error(&e);
            return Err(config_error(format!(
                "source `{}`: {}",
                source.name,
                describe_failure(kind, f)
            )));
        }
    };
    // The hosts in these messages are the plugin's text.
    let allow = AllowList::build(&plan.hosts, source.allowed_hosts.as_deref())
        .map_err(|e| config_error(format!("source `{}`: {}", source.name, display::text(&e))))?;
    let asked = display::text(&plan.hosts.join(", ")).into_owned();
    // A plugin from a file is not the project's own code: it may not choose, on its own, the
    // hosts that receive this source's credential and tokens.
    if matches!(source.plugin, crate::config::PluginRef::File(_))
        && source.has_credential()
        && source.allowed_hosts.is_none()
    {
        return Err(config_error(format!(
            "source `{}`: the plugin is loaded from a file and the source holds a credential, so list the origins it may reach in allowed_hosts (it asks for: {asked})",
            source.name,
        )));
    }
    if allow.origins().is_empty() && !plan.hosts.is_empty() {
        return Err(config_error(format!(
            "source `{}`: allowed_hosts removes every host the plugin needs ({asked}); list some of them or drop allowed_hosts",
            source.name,
        )));
    }
    if plan.grant.is_some() && !source.has_credential() {
        return Err(config_error(format!(
            "source `{}`: the {} plugin needs a credential; add [source.credential] with client_id and client_secret",
            source.name,
            display::text(&descriptor.name)
        )));
    }
    Ok(Prepared {
        plugin,
        plugin_name: descriptor.name,
        plugin_version: descriptor.version,
        plan,
        allow,
        network: runtime.network().clone(),
    })
}

impl Prepared {
    /// The allowed origins, as shown to operators.
    pub fn allow_list(&self) -> Vec<String> {
        self.allow.origins().iter().map(|o| o.to_string()).collect()
    }

    /// The allow-list built from the plan.
    pub fn allow(&self) -> AllowList {
        self.allow.clone()
    }

    /// The network settings runs use.
    pub fn network(&self) -> &Network {
        &self.network
    }

    /// The loaded plugin.
    pub fn plugin(&self) -> &Plugin {
        &self.plugin
    }

    /// The plan the plugin declared.
    pub fn plan(&self) -> &RunPlan {
        &self.plan
    }

    /// Runs the collection into a new run of `store`. On any failure the run is rolled back,
    /// recorded as failed, and the previous snapshot stays current.
    pub async fn run(&self, store: &Store, source: &Source, limits: &Limits) -> Result<SyncReport> {
        // What a failure leaves behind: the last good snapshot, or (on a first run) nothing.
        let kept = if store.last_success(&source.name)?.is_some() {
            "previous snapshot kept"
        } else {
            "nothing stored (no earlier successful sync)"
        };
        let broker = Arc::new(
            TokenBroker::new(
                source.credential.clone(),
                self.allow.clone(),
                limits.first_byte_timeout,
                &self.network,
            )
            .expecting(self.plan.grant.clone()),
        );
        let writer = store.begin_run(
            &source.name,
            &self.plugin_name,
            &self.plugin_version,
            &self.plugin.sha256,
        )?;
        let ctx = run_context(
            source,
            limits,
            &self.network,
            self.allow.clone(),
            broker.clone(),
            Box::new(writer.clone()),
        );
        let outcome = self
            .plugin
            .collect(ctx, &source.settings, CollectMode::Full, limits.run_timeout)
            .await;
        let who = format!(
            "source `{}` ({} {})",
            source.name,
            display::text(&self.plugin_name),
            display::text(&self.plugin_version)
        );
        let failure = match outcome {
            Ok(call) => match call.result {
                Ok(mut summary) => {
                    summary.warnings.extend(cached_tokens(&broker));
                    if let Err(e) = writer.commit(&summary, call.output_bytes) {
                        // One line that may quote the plugin's IDs.
                        let failure = display::text(&format!("{e:#}")).into_owned();
                        writer.fail(&failure)?;
                        return Err(anyhow!("{who}: sync failed, {kept}\n  {failure}"));
                    }
                    return Ok(SyncReport {
                        source: source.name.clone(),
                        run_id: writer.run_id(),
                        counts: summary.counts,
                        warnings: summary.warnings,
                    });
                }
                Err(e) => {
                    let (kind, f) = split_error(&e);
                    let mut text = describe_failure(kind, f);
                    if let (CollectError::Unauthorized(_), Some(c)) = (&e, &source.credential) {
                        text.push_str(&format!(
                            "\n  the credential in use comes from {}",
                            c.origin
                        ));
                    }
                    if let Some(note) = cached_tokens(&broker) {
                        text.push_str(&format!("\n  {note}"));
                    }
                    if !call.denied.is_empty() {
                        text.push_str(&format!("\n  denied: {}", call.denied.join(", ")));
                    }
                    if !call.oversized.is_empty() {
                        text.push_str(&format!(
                            "\n  responses from {} exceeded the source's response size limit of {} (limits.max_response_mb); raise it if they are legitimate",
                            call.oversized.join(", "),
                            itam_runtime::policy::mib(limits.max_response_bytes)
                        ));
                    }
                    text
                }
            },
            // A trap's text runs over several lines (wasmtime's wasm backtrace) and quotes the
            // function names of the plugin's name section: its lines are indented under the
            // error, so none of them starts at the margin like a line of the host's own.
            Err(e) => format!("{e:#}").replace('\n', "\n  "),
        };
        writer.fail(&failure)?;
        Err(anyhow!("{who}: sync failed, {kept}\n  {failure}"))
    }
}

/// A note when the plugin asked for tokens faster than the host grants new ones.
fn cached_tokens(broker: &TokenBroker) -> Option<String> {
    let cached = broker.refused_refreshes();
    (cached > 0).then(|| {
        format!(
            "the plugin asked for a new token {cached} time(s) within {} s of the last one; the host answered from its cache",
            itam_runtime::credentials::MIN_REFRESH_INTERVAL.as_secs()
        )
    })
}

/// Prepares and runs one source.
pub async fn sync_source(
    runtime: &Runtime,
    store: &Store,
    source: &Source,
    limits: &Limits,
) -> Result<SyncReport> {
    prepare(runtime, source, limits)
        .await?
        .run(store, source, limits)
        .await
}
