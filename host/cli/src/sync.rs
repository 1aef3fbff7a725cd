//! One sync of one source: validate, plan the sandbox, collect into a run, commit or fail.

use crate::config::{Credential, Limits, Source};
use crate::display;
use crate::error::config_error;
use anyhow::{Result, anyhow};
use itam_runtime::contract::types::{CollectError, RunPlan};
use itam_runtime::{CancelToken, CollectOptions, Observer, Runtime, Traffic, describe_failure};
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
    /// Whether the run read only what changed (else it read everything).
    pub incremental: bool,
    /// Why it read everything, if it did.
    pub full_reason: Option<String>,
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

    /// How the run read, in words: `incremental`, or `full (why)`.
    pub fn mode_text(&self) -> String {
        match (&self.full_reason, self.incremental) {
            (_, true) => "incremental".into(),
            (Some(reason), false) => format!("full: {reason}"),
            (None, false) => "full".into(),
        }
    }
}

/// How a run is watched and stopped.
pub struct RunControl {
    /// Where the run's progress goes.
    pub observer: Arc<dyn Observer>,
    /// Cancelling it stops the run: the plugin's next `emit` is answered *cancel*, and the run
    /// is recorded as cancelled.
    pub cancel: CancelToken,
    /// Read everything, even where the plugin could read only what changed (`--full`).
    pub full: bool,
    /// The webhooks told of the run's changes (see `serve::webhooks`).
    pub notify: Vec<String>,
    /// Paces the run's requests (the service's request rate per app, see `serve::pace`).
    pub pacer: Option<Arc<dyn itam_runtime::Pacer>>,
}

impl RunControl {
    /// A run with a progress line on standard error, stopped only by Ctrl-C (`itam sync`).
    pub fn interactive() -> RunControl {
        RunControl {
            observer: Arc::new(crate::progress::Progress::new(true)),
            cancel: CancelToken::new(),
            full: false,
            notify: Vec::new(),
            pacer: None,
        }
    }
}

/// How a run ended, with what it sent whatever the result.
pub struct RunOutcome {
    /// The sync's report, or why it failed.
    pub result: Result<SyncReport>,
    /// Requests sent and throttled answers (zero when the plugin never ran).
    pub traffic: Traffic,
    /// Whether the run was cancelled (and recorded so).
    pub cancelled: bool,
}

/// A source ready to run: its plugin loaded and its plan validated (no network used yet).
pub struct Prepared {
    inner: itam_runtime::Prepared,
}

impl Source {
    /// The source as the runtime takes it.
    pub fn runtime_source(&self) -> itam_runtime::Source {
        itam_runtime::Source {
            name: self.name.clone(),
            settings: self.settings.clone(),
            credential: self.credential.clone(),
            credential_pending: self.credential.is_none() && self.credential_ref.is_some(),
            policy: itam_runtime::OperatorPolicy {
                allowed_hosts: self.allowed_hosts.clone(),
                limits: self.limits.clone(),
            },
        }
    }
}

/// Loads the source's plugin and validates its settings and sandbox plan. Errors here are
/// configuration errors (exit 2); nothing has been sent.
pub async fn prepare(runtime: &Runtime, source: &Source, limits: &Limits) -> Result<Prepared> {
    // A plugin that cannot be loaded or does not implement the contract is a configuration
    // problem of the source, found before any request.
    let unusable = |e: anyhow::Error| config_error(format!("source `{}`: {e:#}", source.name));
    let plugin = crate::plugins::load(runtime, &source.plugin, limits).map_err(unusable)?;
    let mut spec = source.runtime_source();
    spec.policy.limits = limits.clone();
    Ok(Prepared {
        inner: runtime.prepare(&plugin, spec).await?,
    })
}

impl Prepared {
    /// The allowed origins, as shown to operators.
    pub fn allow_list(&self) -> Vec<String> {
        self.inner.allow_list()
    }

    /// The plan the plugin declared.
    pub fn plan(&self) -> &RunPlan {
        self.inner.plan()
    }

    /// The runtime's prepared source (for `check`).
    pub fn runtime(&self) -> &itam_runtime::Prepared {
        &self.inner
    }

    /// Supplies the source's credential once it has been read (see
    /// [`itam_runtime::Prepared::set_credential`]).
    pub fn set_credential(&mut self, credential: Option<Credential>) {
        if let Some(credential) = credential {
            self.inner.set_credential(credential);
        }
    }

    /// Runs the collection into a new run of `store`, with a progress line. On any failure
    /// the run is rolled back, recorded as failed, and the previous snapshot stays current.
    pub async fn run(
        &self,
        store: &Store,
        source: &Source,
        limits: &Limits,
        full: bool,
        notify: Vec<String>,
    ) -> Result<SyncReport> {
        let control = RunControl {
            full,
            notify,
            ..RunControl::interactive()
        };
        self.run_with(store, source, limits, control).await.result
    }

    /// [`Prepared::run`] watched and stopped through `control`. A cancelled run is rolled back
    /// and recorded as cancelled.
    pub async fn run_with(
        &self,
        store: &Store,
        source: &Source,
        limits: &Limits,
        control: RunControl,
    ) -> RunOutcome {
        let cancel = control.cancel.clone();
        let mut traffic = Traffic::default();
        let result = self
            .collect_into(store, source, limits, control, &mut traffic)
            .await;
        let cancelled = cancel.is_cancelled() && result.is_err();
        RunOutcome {
            result,
            traffic,
            cancelled,
        }
    }

    async fn collect_into(
        &self,
        store: &Store,
        source: &Source,
        limits: &Limits,
        control: RunControl,
        traffic: &mut Traffic,
    ) -> Result<SyncReport> {
        // What a failure leaves behind: the last good snapshot, or (on a first run) nothing.
        let kept = if store.last_success(&source.name)?.is_some() {
            "previous snapshot kept"
        } else {
            "nothing stored (no earlier successful sync)"
        };
        let descriptor = self.inner.descriptor();
        let writer = store.begin_run(
            &source.name,
            &descriptor.name,
            &descriptor.version,
            &self.inner.plugin().sha256,
        )?;
        let cancel = control.cancel.clone();
        let run_mode = crate::run_mode::decide(crate::run_mode::Inputs {
            forced_full: control.full,
            full_every: source.full_every,
            sign_ins_every: source.sign_ins_every,
            plugin: &descriptor.name,
            previous: store.plugin_state(&source.name)?,
            now: chrono::Utc::now(),
        });
        if let Some(reason) = &run_mode.full_reason {
            writer.set_full_reason(reason);
        }
        writer.notify(control.notify);
        let options = CollectOptions {
            mode: run_mode.mode,
            state: run_mode.state,
            refresh: run_mode.refresh,
            observer: control.observer,
            cancel: control.cancel,
            pacer: control.pacer,
        };
        let outcome = self.inner.collect(Box::new(writer.clone()), options).await;
        if let Ok(call) = &outcome {
            *traffic = call.traffic;
        }
        let who = format!(
            "source `{}` ({} {})",
            source.name,
            display::text(&descriptor.name),
            display::text(&descriptor.version)
        );
        let failure = match outcome {
            Ok(call) => match call.result {
                Ok(mut outcome) => {
                    outcome
                        .summary
                        .warnings
                        .extend(cached_tokens(call.cached_token_answers));
                    if let Err(e) = writer.commit(&outcome, call.output_bytes) {
                        // One line that may quote the plugin's IDs.
                        let failure = display::text(&format!("{e:#}")).into_owned();
                        writer.fail(&failure)?;
                        return Err(anyhow!("{who}: sync failed, {kept}\n  {failure}"));
                    }
                    let incremental = outcome.is_incremental();
                    return Ok(SyncReport {
                        source: source.name.clone(),
                        run_id: writer.run_id(),
                        counts: outcome.summary.counts,
                        warnings: outcome.summary.warnings,
                        incremental,
                        full_reason: match incremental {
                            true => None,
                            false => outcome.full_reason.or(run_mode.full_reason),
                        },
                    });
                }
                Err(_) if cancel.is_cancelled() => {
                    writer.cancel(CANCELLED)?;
                    return Err(anyhow!("{who}: run cancelled, {kept}"));
                }
                Err(e) => {
                    let mut text = describe_failure(&e);
                    if let (CollectError::Unauthorized(_), Some(c)) = (&e, &source.credential) {
                        text.push_str(&format!(
                            "\n  the credential in use comes from {}",
                            c.origin
                        ));
                    }
                    if let Some(note) = cached_tokens(call.cached_token_answers) {
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
            Err(_) if cancel.is_cancelled() => {
                writer.cancel(CANCELLED)?;
                return Err(anyhow!("{who}: run cancelled, {kept}"));
            }
            Err(e) => format!("{e:#}").replace('\n', "\n  "),
        };
        writer.fail(&failure)?;
        Err(anyhow!("{who}: sync failed, {kept}\n  {failure}"))
    }
}

/// What a cancelled run records.
const CANCELLED: &str = "cancelled before it finished (the service stopped, or the operator asked); the previous snapshot was kept";

/// A note when the plugin asked for tokens faster than the host grants new ones.
fn cached_tokens(cached: u64) -> Option<String> {
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
        .run(store, source, limits, false, Vec::new())
        .await
}
