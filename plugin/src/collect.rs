//! One collection run: products, users with their licences, groups with theirs.

use crate::batch::batch_get;
use crate::errors::failure;
use crate::graph::Graph;
use crate::hostapi::HostApi;
use crate::model::{
    GROUP_SELECT, GraphGroup, ORGANIZATION_SELECT, Organization, SubscribedSku, USER_SELECT, User,
};
use crate::settings::M365Settings;
use crate::transport::Transport;
use crate::types::{
    Batch, CollectError, CredentialKind, Descriptor, EntityKind, Flow, LogLevel, Permission,
    Summary,
};

/// Page size for users and groups (Graph's maximum).
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
        description: "Microsoft 365 licences, users and groups from Microsoft Graph (app-only)"
            .into(),
        settings: crate::settings::specs(),
        credential: CredentialKind::Oauth2ClientCredentials,
        permissions: vec![
            permission(
                "Directory.Read.All",
                true,
                "subscribed SKUs, the organization, groups and their licences",
            ),
            permission(
                "User.Read.All",
                true,
                "users with their licence assignments",
            ),
        ],
        produces: vec![
            EntityKind::Product,
            EntityKind::Account,
            EntityKind::Assignment,
            EntityKind::Group,
            EntityKind::GroupLicense,
        ],
    }
}

/// Running totals of what was emitted.
#[derive(Default)]
struct Counts {
    products: u64,
    accounts: u64,
    assignments: u64,
    groups: u64,
    group_licenses: u64,
}

fn emit(host: &mut impl HostApi, batch: Batch) -> Result<(), CollectError> {
    match host.emit(batch) {
        Flow::Proceed => Ok(()),
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
    let mut counts = Counts::default();

    // The tenant-level reads are small: one $batch.
    let org_url = format!("/organization?$select={ORGANIZATION_SELECT}");
    let mut tenant = batch_get(graph, base, &["/subscribedSkus", &org_url])?;
    let organization = tenant.pop().unwrap_or_default();
    let skus = tenant.pop().unwrap_or_default();
    graph.for_each_page_from(skus, |host, skus: Vec<SubscribedSku>| {
        counts.products += skus.len() as u64;
        host.progress("products", counts.products, None);
        emit(
            host,
            Batch::Products(skus.into_iter().map(SubscribedSku::into_product).collect()),
        )
    })?;
    let facts = organization["value"]
        .get(0)
        .and_then(|o| serde_json::from_value::<Organization>(o.clone()).ok())
        .map(|o| o.facts())
        .unwrap_or_default();

    let users_url = format!("{base}/users?$select={USER_SELECT}&$top={PAGE_SIZE}");
    graph.for_each_page(&users_url, |host, users: Vec<User>| {
        let assignments: Vec<_> = users.iter().flat_map(User::assignments).collect();
        counts.accounts += users.len() as u64;
        counts.assignments += assignments.len() as u64;
        emit(
            host,
            Batch::Accounts(users.into_iter().map(User::into_account).collect()),
        )?;
        emit(host, Batch::Assignments(assignments))?;
        host.progress("users", counts.accounts, None);
        Ok(())
    })?;

    let groups_url = format!("{base}/groups?$select={GROUP_SELECT}&$top={PAGE_SIZE}");
    graph.for_each_page(&groups_url, |host, groups: Vec<GraphGroup>| {
        let licenses: Vec<_> = groups.iter().flat_map(GraphGroup::licenses).collect();
        counts.groups += groups.len() as u64;
        counts.group_licenses += licenses.len() as u64;
        emit(
            host,
            Batch::Groups(groups.into_iter().map(GraphGroup::into_group).collect()),
        )?;
        emit(host, Batch::GroupLicenses(licenses))?;
        host.progress("groups", counts.groups, None);
        Ok(())
    })?;

    let mut warnings = Vec::new();
    if graph.retries() > 0 {
        warnings.push(format!(
            "{} requests were retried after throttling or transient errors",
            graph.retries()
        ));
    }
    graph.host().log(
        LogLevel::Info,
        &format!(
            "collected {} products, {} users, {} assignments, {} groups",
            counts.products, counts.accounts, counts.assignments, counts.groups
        ),
    );
    Ok(Summary {
        counts: vec![
            ("products".into(), counts.products),
            ("accounts".into(), counts.accounts),
            ("assignments".into(), counts.assignments),
            ("groups".into(), counts.groups),
            ("group_licenses".into(), counts.group_licenses),
        ],
        warnings,
        data_quality: Vec::new(),
        facts,
    })
}
