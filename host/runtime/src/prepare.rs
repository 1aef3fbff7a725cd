//! From a loaded plugin and a source's settings to a run: the plugin's plan is asked for and
//! checked against the operator's policy before anything is sent, then `check` and `collect`
//! run inside the sandbox that plan describes.

use crate::cancel::CancelToken;
use crate::contract::types::{
    CheckFinding, CollectError, CollectMode, CollectRequest, Descriptor, EntityKind, Failure,
    Outcome, RunPlan, Settings,
};
use crate::credentials::{Credential, TokenBroker};
use crate::error::config_error;
use crate::network::Network;
use crate::observer::{Observer, Quiet};
use crate::policy::{AllowList, Limits};
use crate::state::{BatchSink, NoSink, RunContext};
use crate::text::text;
use crate::{Plugin, Runtime};
use anyhow::Result;
use std::sync::Arc;
use std::time::Duration;

/// What the operator decides about one source, beyond what its plugin declares.
#[derive(Debug, Clone, Default)]
pub struct OperatorPolicy {
    /// Narrows the origins the plugin declared to these (`scheme://host[:port]`). A plugin
    /// loaded with [`Runtime::load`] (not trusted) needs this list to hold a credential.
    pub allowed_hosts: Option<Vec<String>>,
    /// The limits of every call.
    pub limits: Limits,
}

/// One source: a name, the plugin's settings, the credential the host holds for it, and the
/// operator's policy.
#[derive(Debug, Clone)]
pub struct Source {
    /// The source's name, in logs and errors.
    pub name: String,
    /// Settings passed to the plugin (it validates them in `plan`).
    pub settings: Settings,
    /// The credential the host uses for the plugin's grant; it never enters the plugin.
    pub credential: Option<Credential>,
    /// Whether the source has a credential that is not read yet (`credential` is `None`): the
    /// plan is then checked as if it were there, so that a plan can be checked without reading
    /// a secret. [`Prepared::set_credential`] supplies it before a call that needs it.
    pub credential_pending: bool,
    /// Allowed hosts and limits.
    pub policy: OperatorPolicy,
}

impl Source {
    /// A source with default limits, no credential and the plugin's own hosts.
    pub fn new(name: impl Into<String>, settings: Settings) -> Source {
        Source {
            name: name.into(),
            settings,
            credential: None,
            credential_pending: false,
            policy: OperatorPolicy::default(),
        }
    }
}

/// A source ready to run: its plugin described, its plan validated against the operator's
/// policy, its allow-list built. Nothing has been sent yet.
pub struct Prepared {
    plugin: Plugin,
    source: Source,
    descriptor: Descriptor,
    plan: RunPlan,
    allow: AllowList,
    network: Network,
}

/// How one collection runs.
#[derive(Clone)]
pub struct CollectOptions {
    /// Full or incremental.
    pub mode: CollectMode,
    /// The state the plugin returned after the source's last successful run (incremental
    /// runs only; plugins built against contract 0.1.0 never see it).
    pub state: Option<Vec<u8>>,
    /// Kinds to read in full even in an incremental run (their own interval has come).
    pub refresh: Vec<EntityKind>,
    /// Receives progress.
    pub observer: Arc<dyn Observer>,
    /// Cancels the run.
    pub cancel: CancelToken,
    /// Paces the run's requests, if the embedder shares a request rate between runs.
    pub pacer: Option<Arc<dyn crate::Pacer>>,
}

impl Default for CollectOptions {
    fn default() -> Self {
        CollectOptions {
            mode: CollectMode::Full,
            state: None,
            refresh: Vec::new(),
            observer: Arc::new(Quiet),
            cancel: CancelToken::new(),
            pacer: None,
        }
    }
}

/// What a collection came to. The outer `Result` of [`Prepared::collect`] is the host's side
/// (a trap, a deadline, a sink that failed); `result` here is the plugin's own answer.
#[derive(Debug)]
pub struct Collected {
    /// The plugin's outcome (its summary, how it read each kind, its state for the next run),
    /// or its typed error.
    pub result: Result<Outcome, CollectError>,
    /// Origins the plugin tried to reach and was refused.
    pub denied: Vec<String>,
    /// Origins whose responses exceeded the response size limit.
    pub oversized: Vec<String>,
    /// What the plugin emitted (entities measured by their text), in bytes.
    pub output_bytes: u64,
    /// How often the plugin asked for a new token so soon that the host answered from its
    /// cache (see [`crate::credentials::MIN_REFRESH_INTERVAL`]).
    pub cached_token_answers: u64,
    /// The requests the plugin sent and the answers that asked it to slow down.
    pub traffic: Traffic,
}

/// What a call sent over the network.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Traffic {
    /// HTTP requests the plugin sent (token requests, which the host makes, not counted).
    pub requests: u64,
    /// Answers with 429 Too Many Requests or 503 Service Unavailable.
    pub throttled: u64,
}

impl Runtime {
    /// Describes `plugin`, asks it to plan `source`'s settings (no I/O), and checks the plan
    /// against the operator's policy. Every error is a configuration error
    /// ([`crate::error::is_config_error`]): nothing has been sent.
    pub async fn prepare(&self, plugin: &Plugin, source: Source) -> Result<Prepared> {
        let name = source.name.clone();
        let unusable = |e: anyhow::Error| config_error(format!("source `{name}`: {e:#}"));
        let limits = &source.policy.limits;
        let descriptor = plugin.describe(limits).await.map_err(unusable)?;
        let plan = match plugin
            .plan_in(offline_context(&source.name, limits), &source.settings)
            .await?
        {
            Ok(plan) => plan,
            Err(e) => {
                return Err(config_error(format!(
                    "source `{name}`: {}",
                    describe_failure(&e)
                )));
            }
        };
        let allow = crate::policy::admit(
            &plan,
            &descriptor,
            &source.policy,
            source.credential.is_some() || source.credential_pending,
            plugin.trusted,
        )
        .map_err(|e| config_error(format!("source `{name}`: {e}")))?;
        Ok(Prepared {
            plugin: plugin.clone(),
            source,
            descriptor,
            plan,
            allow,
            network: self.network().clone(),
        })
    }
}

impl Prepared {
    /// What the plugin says it is.
    pub fn descriptor(&self) -> &Descriptor {
        &self.descriptor
    }

    /// The plan the plugin declared for the source's settings.
    pub fn plan(&self) -> &RunPlan {
        &self.plan
    }

    /// The origins the plugin may reach, as shown to operators.
    pub fn allow_list(&self) -> Vec<String> {
        self.allow.origins().iter().map(|o| o.to_string()).collect()
    }

    /// The source.
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// Supplies the credential of a source prepared with `credential_pending`.
    pub fn set_credential(&mut self, credential: Credential) {
        self.source.credential = Some(credential);
        self.source.credential_pending = false;
    }

    /// The loaded plugin.
    pub fn plugin(&self) -> &Plugin {
        &self.plugin
    }

    /// A token broker for one call: the source's credential, the declared grant only.
    fn broker(&self) -> Arc<TokenBroker> {
        Arc::new(
            TokenBroker::new(
                self.source.credential.clone(),
                self.allow.clone(),
                self.source.policy.limits.first_byte_timeout,
                &self.network,
            )
            .expecting(self.plan.grant.clone()),
        )
    }

    fn context(
        &self,
        broker: Arc<TokenBroker>,
        sink: Box<dyn BatchSink>,
        observer: Arc<dyn Observer>,
        cancel: CancelToken,
    ) -> RunContext {
        let limits = &self.source.policy.limits;
        RunContext {
            source: self.source.name.clone(),
            allow: self.allow.clone(),
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
            network: self.network.clone(),
            observer,
            cancel,
            caps: limits.caps.clone(),
            pacer: None,
        }
    }

    /// Runs the plugin's `check` (token, permissions, endpoints) within `deadline`.
    pub async fn check(&self, deadline: Duration) -> Result<Vec<CheckFinding>> {
        let ctx = self.context(
            self.broker(),
            Box::new(NoSink),
            Arc::new(Quiet),
            CancelToken::new(),
        );
        self.plugin
            .check(ctx, &self.source.settings, deadline)
            .await
    }

    /// Runs the plugin's `collect`: every batch it emits is checked against the policy and
    /// handed to `sink`. The sink decides what a run means (the store publishes the snapshot
    /// only when the result is a success).
    pub async fn collect(
        &self,
        sink: Box<dyn BatchSink>,
        options: CollectOptions,
    ) -> Result<Collected> {
        let broker = self.broker();
        let mut ctx = self.context(broker.clone(), sink, options.observer, options.cancel);
        ctx.pacer = options.pacer;
        let limits = &self.source.policy.limits;
        let request = CollectRequest {
            mode: options.mode,
            state: match options.mode {
                CollectMode::Incremental => options.state,
                CollectMode::Full => None,
            },
            refresh: options.refresh,
        };
        let call = self
            .plugin
            .collect(ctx, &self.source.settings, &request, limits.run_timeout)
            .await?;
        Ok(Collected {
            result: call.result,
            denied: call.denied,
            oversized: call.oversized,
            output_bytes: call.output_bytes,
            cached_token_answers: broker.refused_refreshes(),
            traffic: call.traffic,
        })
    }
}

/// A context for calls that must not touch the network or emit anything.
pub(crate) fn offline_context(source: &str, limits: &Limits) -> RunContext {
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
        observer: Arc::new(Quiet),
        cancel: CancelToken::new(),
        caps: limits.caps.clone(),
        pacer: None,
    }
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

/// A plugin failure as one line plus a fix line. The plugin's texts are escaped
/// ([`crate::text::text`]), newlines included, so the only line break is the host's own before
/// `fix:` and nothing the plugin says can forge a line of the error.
pub fn describe_failure(e: &CollectError) -> String {
    let (kind, f) = split_error(e);
    let mut out = format!("{kind}: {}", text(&f.message));
    let mut details = Vec::new();
    if let Some(code) = &f.code {
        details.push(format!("code {}", text(code)));
    }
    if let Some(status) = f.status {
        details.push(format!("HTTP {status}"));
    }
    if let Some(id) = &f.request_id {
        details.push(format!("request-id {}", text(id)));
    }
    details.push(format!(
        "at {}",
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    ));
    out.push_str(&format!(" [{}]", details.join(", ")));
    if let Some(fix) = &f.fix {
        out.push_str(&format!("\n  fix: {}", text(fix)));
    }
    out
}
