//! The Graph endpoints licence-waste reports read: subscriptions, group members (direct and
//! transitive), devices with their owners, soft-deleted users, and users' `signInActivity`
//! with the permission, licence and page-size checks Graph makes.

use crate::directory::MemberRef;
use crate::server::{
    Collection, EXPAND_PAGE, GROUP_DEFAULTS, Inner, Shared, USER_DEFAULTS, bearer_rejection,
    graph_error, page, project,
};
use crate::tenant::Tenant;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::Value;

use std::collections::{HashMap, HashSet};

/// Largest `$top` Graph accepts when `signInActivity` is selected.
const SIGN_IN_MAX_TOP: usize = 500;

/// Most objects Graph returns in an expanded relationship of a directory object (without a
/// nextLink for the rest).
pub(crate) const EXPANDED_ITEMS: usize = 20;

/// Each group's members, computed once when the emulator starts, so a page costs only its
/// own items whatever the group's size.
pub(crate) struct MemberIndex {
    /// Group object ID → index.
    by_id: HashMap<String, usize>,
    /// Direct members per group: users in tenant order, then the other members.
    direct: Vec<Vec<MemberRef>>,
    /// Members per group through nested groups, each once; nested groups included.
    transitive: Vec<Vec<MemberRef>>,
}

impl MemberIndex {
    /// Indexes the tenant's memberships.
    pub(crate) fn build(t: &Tenant) -> MemberIndex {
        let mut direct: Vec<Vec<MemberRef>> = vec![Vec::new(); t.groups.len()];
        for (i, u) in t.users.iter().enumerate() {
            for &g in &u.member_of {
                direct[g].push(MemberRef::User(i));
            }
        }
        for (g, group) in t.groups.iter().enumerate() {
            direct[g].extend(&group.other_members);
        }
        let transitive = (0..t.groups.len()).map(|g| flatten(&direct, g)).collect();
        MemberIndex {
            by_id: t
                .groups
                .iter()
                .enumerate()
                .map(|(i, g)| (g.id.clone(), i))
                .collect(),
            direct,
            transitive,
        }
    }
}

impl MemberIndex {
    /// Group `g`'s direct members.
    pub(crate) fn direct(&self, g: usize) -> &[MemberRef] {
        &self.direct[g]
    }
}

/// Group `g`'s members through nested groups, each once, in discovery order.
fn flatten(direct: &[Vec<MemberRef>], g: usize) -> Vec<MemberRef> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut visited = HashSet::from([g]);
    let mut todo = vec![g];
    while let Some(current) = todo.pop() {
        for &m in &direct[current] {
            if seen.insert(m) {
                out.push(m);
            }
            if let MemberRef::Group(nested) = m
                && visited.insert(nested)
            {
                todo.push(nested);
            }
        }
    }
    out
}

/// Whether the query's `$select` names `signInActivity`.
pub(crate) fn selects_sign_ins(query: &HashMap<String, String>) -> bool {
    query.get("$select").is_some_and(|s| {
        s.split(',')
            .any(|p| p.trim().eq_ignore_ascii_case("signInActivity"))
    })
}

/// `GET /v1.0/users?$select=…signInActivity…`: needs `AuditLog.Read.All` (403
/// `Authorization_RequestDenied`) and a tenant with Entra ID P1/P2 (403
/// `Authentication_RequestFromNonPremiumTenantOrB2CTenant`), and takes `$top` up to 500.
pub(crate) fn users_with_sign_ins(
    shared: &Inner,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
) -> Response {
    if !shared
        .options
        .roles
        .iter()
        .any(|r| r == "AuditLog.Read.All")
    {
        return graph_error(
            StatusCode::FORBIDDEN,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        );
    }
    let generation = shared.current();
    let t = &generation.tenant;
    if !t.premium {
        return graph_error(
            StatusCode::FORBIDDEN,
            "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
            "Neither tenant is B2C or tenant doesn't have premium license",
        );
    }
    let top = query.get("$top").and_then(|t| t.parse::<usize>().ok());
    if top.is_some_and(|top| top > SIGN_IN_MAX_TOP) {
        return graph_error(
            StatusCode::BAD_REQUEST,
            "Request_UnsupportedQuery",
            &format!("Cannot query data for more than {SIGN_IN_MAX_TOP} users at a time."),
        );
    }
    let collection = Collection {
        path: "/users",
        context: "users",
        total: t.users.len(),
        cap: None,
    };
    page(shared, headers, query, collection, |i| {
        let u = &t.users[i];
        let mut item = t.user_json(u);
        item["signInActivity"] = t.sign_in_json(u);
        project(item, query, Some(USER_DEFAULTS))
    })
}

/// `GET /v1.0/directory/subscriptions`
pub(crate) async fn subscriptions(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Some(r) = bearer_rejection(&shared, &headers) {
        return r;
    }
    let generation = shared.current();
    let t = &generation.tenant;
    let collection = Collection {
        path: "/directory/subscriptions",
        context: "directory/subscriptions",
        total: t.subscriptions.len(),
        cap: None,
    };
    page(&shared, &headers, &query, collection, |i| {
        project(t.subscription_json(&t.subscriptions[i]), &query, None)
    })
}

/// `GET /v1.0/groups/{id}/members`
pub(crate) async fn members(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    member_page(&shared, &headers, &query, &id, "members")
}

/// `GET /v1.0/groups/{id}/transitiveMembers`
pub(crate) async fn transitive_members(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    member_page(&shared, &headers, &query, &id, "transitiveMembers")
}

/// A page of a group's direct (`members`) or transitive (`transitiveMembers`) members, each
/// with its `@odata.type`; 404 `Request_ResourceNotFound` for an unknown group.
fn member_page(
    shared: &Inner,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
    id: &str,
    relation: &str,
) -> Response {
    if let Some(r) = bearer_rejection(shared, headers) {
        return r;
    }
    let generation = shared.current();
    let Some(&g) = generation.members.by_id.get(id) else {
        return graph_error(
            StatusCode::NOT_FOUND,
            "Request_ResourceNotFound",
            &format!(
                "Resource '{id}' does not exist or one of its queried reference-property objects are not present."
            ),
        );
    };
    let list = match relation {
        "members" => &generation.members.direct[g],
        _ => &generation.members.transitive[g],
    };
    let t = &generation.tenant;
    let path = format!("/groups/{id}/{relation}");
    let collection = Collection {
        path: &path,
        context: "directoryObjects",
        total: list.len(),
        cap: None,
    };
    page(shared, headers, query, collection, |i| {
        let m = list[i];
        let defaults = match m {
            MemberRef::User(_) => Some(USER_DEFAULTS),
            MemberRef::Group(_) => Some(GROUP_DEFAULTS),
            _ => None,
        };
        project(t.member_json(m), query, defaults)
    })
}

/// `GET /v1.0/devices`, with `$expand=registeredOwners` (owners as `@odata.type` and `id`, at
/// most [`EXPANDED_ITEMS`] per device): then, as Graph does, pages hold at most
/// [`EXPAND_PAGE`] devices whatever `$top` says.
pub(crate) async fn devices(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Some(r) = bearer_rejection(&shared, &headers) {
        return r;
    }
    let generation = shared.current();
    let t = &generation.tenant;
    let owners = query.get("$expand").is_some_and(|e| {
        e.split(',')
            .any(|x| x.trim().to_lowercase().starts_with("registeredowners"))
    });
    let collection = Collection {
        path: "/devices",
        context: "devices",
        total: t.devices.len(),
        cap: query.contains_key("$expand").then_some(EXPAND_PAGE),
    };
    page(&shared, &headers, &query, collection, |i| {
        let d = &t.devices[i];
        let mut item = project(t.device_json(d), &query, None);
        if owners {
            let mut listed = t.registered_owners_json(d);
            if let Value::Array(owners) = &mut listed {
                owners.truncate(EXPANDED_ITEMS);
            }
            item["registeredOwners"] = listed;
        }
        item
    })
}

/// `GET /v1.0/directory/deletedItems/microsoft.graph.user`
pub(crate) async fn deleted_users(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Some(r) = bearer_rejection(&shared, &headers) {
        return r;
    }
    let generation = shared.current();
    let t = &generation.tenant;
    let collection = Collection {
        path: "/directory/deletedItems/microsoft.graph.user",
        context: "directory/deletedItems/microsoft.graph.user",
        total: t.deleted_users.len(),
        cap: None,
    };
    page(&shared, &headers, &query, collection, |i| {
        project(t.deleted_user_json(&t.deleted_users[i]), &query, None)
    })
}
