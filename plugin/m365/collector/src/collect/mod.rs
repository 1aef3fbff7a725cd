//! One collection run, step by step, streaming every page to the host as it arrives:
//! the tenant (products, subscriptions), groups with their licences and members, users with
//! their licences, devices, soft-deleted users, and sign-in activity when the tenant allows it.
//!
//! Users, groups and devices are read with Graph's delta queries. A full run reads their first
//! rounds and hands the host the links the next rounds start from (its state, see
//! [`state`]); an incremental run reads only what changed since ([`changes`]). The tenant's
//! products and subscriptions have no delta and are read in full every run.

mod changes;
mod directory;
mod groups;
mod sign_ins;
pub mod state;
mod tenant;
mod users;

use crate::errors::failure;
use crate::graph::Graph;
use crate::hostapi::HostApi;
use crate::settings::M365Settings;
use crate::transport::Transport;
use crate::types::{
    Batch, CollectError, CollectMode, CollectRequest, CredentialKind, Descriptor, EntityKind, Flow,
    LogLevel, Outcome, Permission, Removal, Summary,
};
use state::DeltaState;

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

/// Hands removals to the host (an incremental run's entities that are gone), counted as
/// `removed`; none are not sent.
pub(crate) fn remove(
    host: &mut impl HostApi,
    tally: &mut Tally,
    removals: Vec<Removal>,
) -> Result<(), CollectError> {
    for chunk in removals.chunks(1000) {
        tally.counts.add("removed", chunk.len());
        if host.remove(chunk.to_vec()).is_cancel() {
            return Err(CollectError::Cancelled(failure(
                "the host cancelled the run",
                None,
            )));
        }
    }
    Ok(())
}

/// Collects everything for `settings` (a full read), streaming page by page to the host.
pub fn collect(
    settings: &M365Settings,
    transport: &mut impl Transport,
    host: &mut impl HostApi,
) -> Result<Summary, CollectError> {
    collect_incremental(settings, transport, host, CollectRequest::full()).map(|o| o.summary)
}

/// Collects as `request` asks: everything, or (with the state of an earlier run) what changed
/// since, streaming page by page to the host.
pub fn collect_incremental(
    settings: &M365Settings,
    transport: &mut impl Transport,
    host: &mut impl HostApi,
    request: CollectRequest,
) -> Result<Outcome, CollectError> {
    let base = settings.graph_base();
    let key = format!("{base} {}", settings.tenant_id);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut graph = Graph::connect(transport, host, settings.grant())?;
    collect_with(&mut graph, &base, &key, &request, now)
}

/// The collection itself, over a connected client: `key` names the tenant the saved state
/// must belong to, `now` is the time in unix seconds.
pub fn collect_with<T: Transport, H: HostApi>(
    graph: &mut Graph<'_, T, H>,
    base: &str,
    key: &str,
    request: &CollectRequest,
    now: u64,
) -> Result<Outcome, CollectError> {
    let mut tally = Tally::default();
    let previous = match request.mode {
        CollectMode::Incremental => {
            DeltaState::load(request.state.as_deref(), key, now).map_err(Some)
        }
        // The host asked for a full read and says why itself.
        CollectMode::Full => Err(None),
    };
    let mut state = DeltaState::new(key, now);
    state.units = tenant::read(graph, base, &mut tally)?;
    let (coverage, full_reason) = match previous {
        Ok(previous) => {
            // Licence states (an error cleared by new units, say) follow the units without
            // any user changing in Graph's eyes: every user's licences are read again.
            let units = units_changed(&previous, &state)
                .map(|products| format!("the purchased units of {products} changed"));
            changes::read(
                graph,
                base,
                &mut tally,
                previous,
                &mut state,
                &request.refresh,
                units,
            )?
        }
        Err(reason) => {
            read_all(graph, base, &mut tally, &mut state)?;
            (Vec::new(), reason)
        }
    };

    if graph.retries() > 0 {
        tally.warnings.push(format!(
            "{} requests were retried after throttling or transient errors",
            graph.retries()
        ));
    }
    let c = &tally.counts;
    let line = format!(
        "collected {} products, {} subscriptions, {} users, {} assignments, {} groups, {} memberships, {} devices, {} deleted users, {} removed",
        c.get("products"),
        c.get("subscriptions"),
        c.get("accounts"),
        c.get("assignments"),
        c.get("groups"),
        c.get("memberships"),
        c.get("devices"),
        c.get("deleted_accounts"),
        c.get("removed"),
    );
    graph.host().log(LogLevel::Info, &line);
    Ok(Outcome {
        summary: Summary {
            counts: tally.counts.0,
            warnings: tally.warnings,
            data_quality: tally.data_quality,
            facts: tally.facts,
        },
        coverage,
        state: Some(state.to_bytes()),
        full_reason,
    })
}

/// The part numbers (or IDs) of the products whose purchased units differ between the saved
/// state and now, if any.
fn units_changed(previous: &DeltaState, now: &DeltaState) -> Option<String> {
    let changed: Vec<&str> = previous
        .units
        .keys()
        .chain(now.units.keys())
        .filter(|id| previous.units.get(*id) != now.units.get(*id))
        .map(String::as_str)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    (!changed.is_empty()).then(|| changed.join(", "))
}

/// Reads everything: the first round of every delta query (opening the links the next run
/// starts from), the device list, the deleted users and sign-in activity.
fn read_all<T: Transport, H: HostApi>(
    graph: &mut Graph<'_, T, H>,
    base: &str,
    tally: &mut Tally,
    state: &mut DeltaState,
) -> Result<(), CollectError> {
    state.groups = groups::read_all(graph, base, tally, &mut state.licence_groups)?;
    state.users = users::read_all(graph, base, tally)?;
    state.devices = directory::open_devices_link(graph, base)?;
    directory::read_devices(graph, base, tally)?;
    directory::read_deleted_users(graph, base, tally)?;
    sign_ins::read(graph, base, tally)
}
