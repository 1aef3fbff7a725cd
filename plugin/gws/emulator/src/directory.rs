//! The Admin SDK Directory API (`/admin/directory/v1`): `users.list`, `groups.list`,
//! `members.list` and `customers.get`.

use crate::auth::{Api, authorize, require_admin};
use crate::errors::{self, ApiError, NOT_AUTHORIZED};
use crate::paging;
use crate::render;
use crate::scopes;
use crate::server::Shared;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::collections::HashMap;

type Params = Query<HashMap<String, String>>;

/// Checks `customer` / `domain` as `users.list` and `groups.list` take them: one of them is
/// required, and must name this customer.
fn check_customer(shared: &Shared, q: &HashMap<String, String>) -> Result<(), ApiError> {
    let t = &shared.tenant;
    match (q.get("customer"), q.get("domain")) {
        (Some(c), _) if t.is_customer(c, true) => Ok(()),
        (None, Some(d)) if d.eq_ignore_ascii_case(&t.domain) => Ok(()),
        (None, None) => Err(errors::bad_request()),
        _ => Err(errors::forbidden(NOT_AUTHORIZED)),
    }
}

/// The listing's etag.
fn list_etag(shared: &Shared, what: &str) -> String {
    format!("\"{}/{what}\"", shared.tenant.customer_id)
}

/// `GET /admin/directory/v1/users`
pub(crate) async fn users(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Query(q): Params,
) -> Result<Response, ApiError> {
    let token = authorize(
        &shared,
        &headers,
        Api::Admin,
        scopes::USERS_LIST,
        "ccc.hosted.frontend.directory.v1.DirectoryUsers.List",
    )?;
    require_admin(&shared, &token)?;
    check_customer(&shared, &q)?;
    if let Some(p) = q.get("projection")
        && !matches!(p.as_str(), "basic" | "full" | "custom")
    {
        return Err(errors::invalid(&format!(
            "Invalid value for projection: {p}"
        )));
    }
    let size = paging::page_size(&q, paging::USERS)?;
    let offset = paging::offset(&q, "users")?;
    let t = &shared.tenant;
    let (range, next) = paging::page(t.users.len(), offset, size, "users");
    let users: Vec<_> = t.users[range].iter().map(|u| render::user(t, u)).collect();
    let mut body = json!({
        "kind": "admin#directory#users",
        "etag": list_etag(&shared, "users"),
        "users": users,
    });
    if let Some(next) = next {
        body["nextPageToken"] = json!(next);
    }
    Ok(axum::Json(body).into_response())
}

/// `GET /admin/directory/v1/groups`
pub(crate) async fn groups(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Query(q): Params,
) -> Result<Response, ApiError> {
    let token = authorize(
        &shared,
        &headers,
        Api::Admin,
        scopes::GROUPS_LIST,
        "ccc.hosted.frontend.directory.v1.DirectoryGroups.List",
    )?;
    require_admin(&shared, &token)?;
    check_customer(&shared, &q)?;
    let size = paging::page_size(&q, paging::GROUPS)?;
    let offset = paging::offset(&q, "groups")?;
    let t = &shared.tenant;
    let (range, next) = paging::page(t.groups.len(), offset, size, "groups");
    let groups: Vec<_> = t.groups[range]
        .iter()
        .map(|g| render::group(t, g))
        .collect();
    let mut body = json!({
        "kind": "admin#directory#groups",
        "etag": list_etag(&shared, "groups"),
        "groups": groups,
    });
    if let Some(next) = next {
        body["nextPageToken"] = json!(next);
    }
    Ok(axum::Json(body).into_response())
}

/// `GET /admin/directory/v1/groups/{groupKey}/members` (`groupKey`: ID or address), with the
/// optional `roles` filter (`OWNER,MANAGER,MEMBER`).
pub(crate) async fn members(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Path(group_key): Path<String>,
    Query(q): Params,
) -> Result<Response, ApiError> {
    let token = authorize(
        &shared,
        &headers,
        Api::Admin,
        scopes::MEMBERS_LIST,
        "ccc.hosted.frontend.directory.v1.DirectoryMembers.List",
    )?;
    require_admin(&shared, &token)?;
    let t = &shared.tenant;
    let Some(g) = t.group_index(&group_key) else {
        return Err(errors::not_found("Resource Not Found: groupKey"));
    };
    let roles: Option<Vec<String>> = q.get("roles").map(|r| {
        r.split(',')
            .map(|s| s.trim().to_ascii_uppercase())
            .collect()
    });
    let listed: Vec<_> = t.groups[g]
        .members
        .iter()
        .filter(|m| roles.as_ref().is_none_or(|r| r.iter().any(|x| x == m.role)))
        .collect();
    let size = paging::page_size(&q, paging::MEMBERS)?;
    let listing = format!(
        "members/{}/{}",
        t.groups[g].id,
        q.get("roles").map_or("", |r| r)
    );
    let offset = paging::offset(&q, &listing)?;
    let (range, next) = paging::page(listed.len(), offset, size, &listing);
    let members: Vec<_> = listed[range].iter().map(|m| render::member(t, m)).collect();
    let mut body = json!({
        "kind": "admin#directory#members",
        "etag": t.groups[g].etag,
    });
    // Google leaves `members` out of an empty answer.
    if !members.is_empty() {
        body["members"] = json!(members);
    }
    if let Some(next) = next {
        body["nextPageToken"] = json!(next);
    }
    Ok(axum::Json(body).into_response())
}

/// `GET /admin/directory/v1/customers/{customerKey}` (`my_customer` or the customer ID).
pub(crate) async fn customer(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> Result<Response, ApiError> {
    let token = authorize(
        &shared,
        &headers,
        Api::Admin,
        scopes::CUSTOMERS_GET,
        "ccc.hosted.frontend.directory.v1.DirectoryCustomers.Get",
    )?;
    require_admin(&shared, &token)?;
    let t = &shared.tenant;
    if key != "my_customer" && key != t.customer_id {
        return Err(errors::forbidden(NOT_AUTHORIZED));
    }
    Ok(axum::Json(render::customer(t)).into_response())
}
