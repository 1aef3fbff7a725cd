//! Single objects by ID: `GET /v1.0/users/{id}`, `/v1.0/devices/{id}` (with
//! `$expand=registeredOwners`) and `/v1.0/directory/deletedItems/{id}`, as an incremental
//! collector reads the objects a delta round named (usually inside a `$batch`). An ID the
//! tenant does not have answers Graph's 404 `Request_ResourceNotFound`.

use crate::endpoints::EXPANDED_ITEMS;
use crate::server::{Shared, USER_DEFAULTS, bearer_rejection, graph_error, project};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::collections::HashMap;

fn not_found(id: &str) -> Response {
    graph_error(
        StatusCode::NOT_FOUND,
        "Request_ResourceNotFound",
        &format!(
            "Resource '{id}' does not exist or one of its queried reference-property objects are not present."
        ),
    )
}

/// Answers a request for the object `id` with what `render` makes of it in the current
/// tenant, or Graph's 404.
fn answer(
    shared: &Shared,
    headers: &HeaderMap,
    id: &str,
    render: impl FnOnce(&crate::Tenant) -> Option<Value>,
) -> Response {
    if let Some(r) = bearer_rejection(shared, headers) {
        return r;
    }
    let generation = shared.current();
    match render(&generation.tenant) {
        Some(item) => axum::Json(item).into_response(),
        None => not_found(id),
    }
}

/// `GET /v1.0/users/{id}`.
pub(crate) async fn user(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    answer(&shared, &headers, &id, |t| {
        let u = t.users.iter().find(|u| u.id == id)?;
        Some(project(t.user_json(u), &query, Some(USER_DEFAULTS)))
    })
}

/// `GET /v1.0/devices/{id}`, with its registered owners when `$expand` asks for them.
pub(crate) async fn device(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    answer(&shared, &headers, &id, |t| {
        let d = t.devices.iter().find(|d| d.id == id)?;
        let mut item = project(t.device_json(d), &query, None);
        let owners = query.get("$expand").is_some_and(|e| {
            e.split(',')
                .any(|x| x.trim().to_lowercase().starts_with("registeredowners"))
        });
        if owners {
            let mut listed = t.registered_owners_json(d);
            if let Value::Array(owners) = &mut listed {
                owners.truncate(EXPANDED_ITEMS);
            }
            item["registeredOwners"] = listed;
        }
        Some(item)
    })
}

/// `GET /v1.0/directory/deletedItems/{id}`: a soft-deleted user.
pub(crate) async fn deleted_item(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    answer(&shared, &headers, &id, |t| {
        let d = t.deleted_users.iter().find(|d| d.id == id)?;
        Some(project(t.deleted_user_json(d), &query, None))
    })
}
