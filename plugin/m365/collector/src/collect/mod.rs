//! One collection run, step by step, streaming every page to the host as it arrives:
//! the tenant (products, subscriptions), users with their licences, groups with their licences
//! and members, devices, soft-deleted users, and sign-in activity when the tenant allows it.

mod directory;
mod groups;
mod sign_ins;
mod tenant;
mod users;

use crate::errors::failure;
use crate::graph::Graph;
use crate::hostapi::HostApi;
use crate::settings::M365Settings;
use crate::transport::Transport;
use crate::types::{
    Batch, CollectError, CredentialKind, Descriptor, EntityKind, Flow, LogLevel, Permission,
    Summary,
};

/// Page size for users, groups, members and devices (Graph's maximum).
pub const PAGE_SIZE: u32 = 999;

/// What this plugin is, takes, needs and produces.
pub fn descriptor() -> Descriptor {
    let permission = |name: &str, required, purpose: &str| Permission {
        name: name.into(),
        required,
        purpose: purpose.into(),
    };
    Descriptor {
        name: crate::NAME.into(),
        version: crate::VERSION.into(),
        description: "Microsoft 365 licences, subscriptions, users, groups and devices from Microsoft Graph (app-only)"
            .into(),
        settings: crate::settings::specs(),
        credential: CredentialKind::Oauth2ClientCredentials,
        permissions: vec![
            permission(
                "Directory.Read.All",
                true,
                "subscribed SKUs, subscriptions, the organization, groups with their licences and members, devices, deleted users",
            ),
            permission(
                "User.Read.All",
                true,
                "users with their licence assignments",
            ),
            permission(
                "AuditLog.Read.All",
                false,
                "sign-in activity (needs Microsoft Entra ID P1 or P2): without it, inactive and never-signed-in licences cannot be found",
            ),
        ],
        produces: vec![
            EntityKind::Product,
            EntityKind::Subscription,
            EntityKind::Account,
            EntityKind::Assignment,
            EntityKind::Group,
            EntityKind::GroupLicense,
            EntityKind::Membership,
            EntityKind::Device,
            EntityKind::SignInActivity,
        ],
    }
}

/// Running totals of what was emitted, in first-emitted order.
#[derive(Default)]
pub(crate) struct Counts(Vec<(String, u64)>);

impl Counts {
    /// Adds `n` to `kind` and returns the new total.
    pub(crate) fn add(&mut self, kind: &str, n: usize) -> u64 {
        let n = n as u64;
        match self.0.iter_mut().find(|(k, _)| k == kind) {
            Some((_, total)) => {
                *total += n;
                *total
            }
            None => {
                self.0.push((kind.to_string(), n));
                n
            }
        }
    }

    fn get(&self, kind: &str) -> u64 {
        self.0
            .iter()
            .find(|(k, _)| k == kind)
            .map_or(0, |(_, n)| *n)
    }
}

/// What a run has gathered besides the entities themselves.
#[derive(Default)]
pub(crate) struct Tally {
    pub counts: Counts,
    pub warnings: Vec<String>,
    pub data_quality: Vec<String>,
    pub facts: Vec<(String, String)>,
}

/// Hands `batch` (counted under `kind`) to the host; an empty batch is not sent.
pub(crate) fn emit(
    host: &mut impl HostApi,
    tally: &mut Tally,
    kind: &str,
    batch: Batch,
    len: usize,
) -> Result<u64, CollectError> {
    let total = tally.counts.add(kind, len);
    if len == 0 {
        return Ok(total);
    }
    match host.emit(batch) {
        Flow::Proceed => Ok(total),
        Flow::Cancel => Err(CollectError::Cancelled(failure(
            "the host cancelled the run",
            None,
        ))),
    }
}

/// Collects everything for `settings`, streaming page by page to the host.
pub fn collect(
    settings: &M365Settings,
    transport: &mut impl Transport,
    host: &mut impl HostApi,
) -> Result<Summary, CollectError> {
    let base = settings.graph_base();
    let mut graph = Graph::connect(transport, host, settings.grant())?;
    collect_with(&mut graph, &base)
}

/// The collection itself, over a connected client.
pub fn collect_with<T: Transport, H: HostApi>(
    graph: &mut Graph<'_, T, H>,
    base: &str,
) -> Result<Summary, CollectError> {
    let mut tally = Tally::default();
    tenant::read(graph, base, &mut tally)?;
    users::read(graph, base, &mut tally)?;
    groups::read(graph, base, &mut tally)?;
    directory::read_devices(graph, base, &mut tally)?;
    directory::read_deleted_users(graph, base, &mut tally)?;
    sign_ins::read(graph, base, &mut tally)?;

    if graph.retries() > 0 {
        tally.warnings.push(format!(
            "{} requests were retried after throttling or transient errors",
            graph.retries()
        ));
    }
    let c = &tally.counts;
    let line = format!(
        "collected {} products, {} subscriptions, {} users, {} assignments, {} groups, {} memberships, {} devices, {} deleted users",
        c.get("products"),
        c.get("subscriptions"),
        c.get("accounts"),
        c.get("assignments"),
        c.get("groups"),
        c.get("memberships"),
        c.get("devices"),
        c.get("deleted_accounts"),
    );
    graph.host().log(LogLevel::Info, &line);
    Ok(Summary {
        counts: tally.counts.0,
        warnings: tally.warnings,
        data_quality: tally.data_quality,
        facts: tally.facts,
    })
}
