//! `GET /v1.0/users/delta`, `/groups/delta` and `/devices/delta` (also as `delta()` and
//! `microsoft.graph.delta[()]`), with Graph's documented semantics.
//!
//! A first round lists every object, in pages linked by `@odata.nextLink` (an opaque
//! `$skiptoken` that pins the round to its generation, so replacing the tenant mid-round tears
//! nothing), and ends with an `@odata.deltaLink` (an opaque `$deltatoken`). A round from a
//! `$deltatoken` returns what changed since, see [`crate::delta_items`]. Query options go on
//! the first request only: tokens carry `$select` and `$filter`, a `$deltatoken` request may
//! change `$select`, a `$skiptoken` request takes nothing else. `$deltatoken=latest` answers
//! an empty round with a deltaLink. `$top`, `$orderby`, `$expand`, `$search`, `$count` and a
//! `$filter` other than `id eq '…'` (or-ed, at most 50 IDs for users and groups) are refused
//! with 400 `Request_UnsupportedQuery`; selecting `signInActivity` (users) or
//! `registeredOwners`/`registeredUsers` (devices) with 400 `BadRequest`. Tokens the emulator
//! can no longer honour are answered as [`ExpiredDelta`] says.

use crate::delta_items::{Items, Round, Selection};
use crate::delta_token::DeltaState;
use crate::generation::Resource;
use crate::server::{Inner, Shared, base_url, bearer_rejection, graph_error};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;

/// How the emulator answers a `$deltatoken` or `$skiptoken` it cannot honour: expired by
/// [`crate::Emulator::expire_delta_tokens`], from a generation no longer kept, issued by
/// another emulator, or not a token at all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ExpiredDelta {
    /// 400 with code `syncStateNotFound`: "The sync state generation is not found. The delta
    /// token is expired and data must be synchronized again." (what Graph answers for an
    /// expired directory token).
    #[default]
    SyncStateNotFound,
    /// 400 with code `resyncRequired`: "The delta token is no longer valid, and the app must
    /// reset the sync state." (Graph documents the code, not its status).
    ResyncRequired,
    /// 410 Gone with a `Location` header holding the initial query with an empty
    /// `$deltatoken`, and no body (Graph's "synchronization reset").
    Gone,
}

/// Most IDs in a users or groups delta `$filter`.
const MAX_FILTER_IDS: usize = 50;

/// `GET /v1.0/users/delta`
pub(crate) async fn users(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    delta(&shared, &headers, &query, Resource::Users)
}

/// `GET /v1.0/groups/delta`
pub(crate) async fn groups(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    delta(&shared, &headers, &query, Resource::Groups)
}

/// `GET /v1.0/devices/delta`
pub(crate) async fn devices(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    delta(&shared, &headers, &query, Resource::Devices)
}

fn delta(
    shared: &Inner,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
    resource: Resource,
) -> Response {
    if let Some(r) = bearer_rejection(shared, headers) {
        return r;
    }
    // System query options are matched without regard to case.
    let query: HashMap<String, String> = query
        .iter()
        .map(|(k, v)| (k.to_lowercase(), v.clone()))
        .collect();
    if let Some(r) = unsupported(resource, &query) {
        return r;
    }
    let generation = shared.current();
    let g = generation.as_ref();
    let epoch = shared.delta_epoch();
    let fresh = |s: &DeltaState| {
        s.instance == shared.instance && s.epoch == epoch && s.resource == resource
    };
    let state = if let Some(token) = query.get("$skiptoken") {
        if query.len() > 1 {
            return unsupported_query();
        }
        let decoded = DeltaState::from_skip_token(token);
        match decoded
            .clone()
            .filter(|s| fresh(s) && s.to <= g.number && g.covers(s.from.unwrap_or(s.to)))
        {
            Some(state) => state,
            None => return expired(shared, headers, resource, decoded),
        }
    } else {
        let filter = match query.get("$filter").map(|f| parse_filter(f, resource)) {
            Some(Ok(ids)) => Some(ids),
            Some(Err(())) => return unsupported_query(),
            None => None,
        };
        let select = query.get("$select").cloned();
        let start = |from: Option<u64>, select, filter| {
            let mut state = DeltaState::round(resource, shared.instance, epoch, from, g.number);
            (state.select, state.filter) = (select, filter);
            state
        };
        match query.get("$deltatoken").map(String::as_str) {
            None | Some("") => start(None, select, filter),
            Some("latest") => {
                let state = start(None, select, filter);
                return answer(shared, headers, &query, resource, &state, Vec::new(), None);
            }
            Some(token) => {
                let decoded = DeltaState::from_delta_token(token);
                match decoded.clone().filter(|s| fresh(s) && g.covers(s.to)) {
                    Some(previous) => start(
                        Some(previous.to),
                        select.or(previous.select),
                        filter.or(previous.filter),
                    ),
                    None => return expired(shared, headers, resource, decoded),
                }
            }
        }
    };

    let minimal = resource != Resource::Devices && prefers_minimal(headers);
    let options = &shared.options;
    let round = Round {
        generation: g,
        resource,
        selection: Selection::new(
            resource,
            state.select.as_deref(),
            options.delta_tracks_licence_states,
        ),
        filter: state.filter.as_deref(),
        members_per_item: options.delta_members_per_item,
    };
    let items = match state.from {
        None => round.listing(state.to),
        Some(from) => {
            let key = format!(
                "{resource:?}|{from}|{}|{:?}|{:?}|{minimal}",
                state.to, state.select, state.filter
            );
            Items::Rendered(g.cached(key, || round.changes(from, state.to, minimal)))
        }
    };
    let total = items.len();
    let offset = state.offset.min(total);
    let mut size = options.delta_page_size.max(1);
    if options.ragged_pages && size > 7 {
        size -= (offset / size) % 7;
    }
    let end = (offset + size).min(total);
    let value = round.render(&items, offset..end, state.to);
    let next = (end < total).then_some(end);
    let mut response = answer(shared, headers, &query, resource, &state, value, next);
    if minimal {
        response
            .headers_mut()
            .insert("preference-applied", "return=minimal".parse().unwrap());
    }
    response
}

/// A page: `value`, then an `@odata.nextLink` to the page at `next`, or the round's
/// `@odata.deltaLink`.
fn answer(
    shared: &Inner,
    headers: &HeaderMap,
    query: &HashMap<String, String>,
    resource: Resource,
    state: &DeltaState,
    value: Vec<Value>,
    next: Option<usize>,
) -> Response {
    let base = base_url(shared, headers);
    let name = resource.name();
    // With `$select` on the request, the context names the selected properties (relationships
    // such as `members` apart), as in Graph's examples.
    let context = match query.get("$select") {
        Some(select) => {
            let listed: Vec<&str> = select
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty() && !p.eq_ignore_ascii_case("members"))
                .collect();
            format!("{base}/v1.0/$metadata#{name}({})", listed.join(","))
        }
        None => format!("{base}/v1.0/$metadata#{name}"),
    };
    let link = format!("{base}/v1.0/{name}/delta");
    let mut body = json!({"@odata.context": context});
    match next {
        Some(offset) => {
            body["@odata.nextLink"] =
                json!(format!("{link}?$skiptoken={}", state.skip_token(offset)))
        }
        None => {
            body["@odata.deltaLink"] = json!(format!("{link}?$deltatoken={}", state.delta_token()))
        }
    }
    body["value"] = Value::Array(value);
    let request_id = uuid::Uuid::new_v4().to_string();
    ([("request-id", request_id)], axum::Json(body)).into_response()
}

/// The 400 for query options delta queries refuse, if any.
fn unsupported(resource: Resource, query: &HashMap<String, String>) -> Option<Response> {
    const ALLOWED: [&str; 4] = ["$select", "$filter", "$deltatoken", "$skiptoken"];
    if query
        .keys()
        .any(|k| k.starts_with('$') && !ALLOWED.contains(&k.as_str()))
    {
        return Some(unsupported_query());
    }
    let refused: &[&str] = match resource {
        Resource::Users => &["signinactivity"],
        Resource::Groups => &[],
        Resource::Devices => &["registeredowners", "registeredusers"],
    };
    let named: Vec<&str> = query
        .get("$select")
        .map(|s| s.split(',').map(str::trim).collect())
        .unwrap_or_default();
    let bad: Vec<&str> = named
        .into_iter()
        .filter(|p| refused.contains(&p.to_lowercase().as_str()))
        .collect();
    (!bad.is_empty()).then(|| {
        graph_error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            &format!(
                "Invalid request for delta query: for this entity set, $expand/$select is not supported for the following properties: {}",
                bad.join(",")
            ),
        )
    })
}

fn unsupported_query() -> Response {
    graph_error(
        StatusCode::BAD_REQUEST,
        "Request_UnsupportedQuery",
        "Unsupported Query.",
    )
}

/// The object IDs of `id eq '…' [or id eq '…']…`, the only `$filter` delta queries take (at
/// most 50 IDs for users and groups).
fn parse_filter(filter: &str, resource: Resource) -> Result<Vec<String>, ()> {
    let lower = filter.to_ascii_lowercase();
    let mut ids = Vec::new();
    let mut rest = (filter, lower.as_str());
    loop {
        let (clause, more) = match rest.1.find(" or ") {
            Some(at) => (&rest.0[..at], Some(at + 4)),
            None => (rest.0, None),
        };
        let mut words = clause.split_whitespace();
        let (Some(field), Some(op), Some(value), None) =
            (words.next(), words.next(), words.next(), words.next())
        else {
            return Err(());
        };
        let id = value
            .strip_prefix('\'')
            .and_then(|v| v.strip_suffix('\''))
            .filter(|v| !v.is_empty() && !v.contains('\''))
            .ok_or(())?;
        if !field.eq_ignore_ascii_case("id") || !op.eq_ignore_ascii_case("eq") {
            return Err(());
        }
        ids.push(id.to_string());
        match more {
            Some(at) => rest = (&rest.0[at..], &rest.1[at..]),
            None => break,
        }
    }
    if resource != Resource::Devices && ids.len() > MAX_FILTER_IDS {
        return Err(());
    }
    Ok(ids)
}

/// Whether the request asks for `Prefer: return=minimal`.
fn prefers_minimal(headers: &HeaderMap) -> bool {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim().eq_ignore_ascii_case("return=minimal"))
}

/// The answer to a token that cannot be honoured (see [`ExpiredDelta`]); `state` is what the
/// token said, if it was one.
fn expired(
    shared: &Inner,
    headers: &HeaderMap,
    resource: Resource,
    state: Option<DeltaState>,
) -> Response {
    match shared.options.expired_delta {
        ExpiredDelta::SyncStateNotFound => graph_error(
            StatusCode::BAD_REQUEST,
            "syncStateNotFound",
            "The sync state generation is not found. The delta token is expired and data must be synchronized again.",
        ),
        ExpiredDelta::ResyncRequired => graph_error(
            StatusCode::BAD_REQUEST,
            "resyncRequired",
            "The delta token is no longer valid, and the app must reset the sync state.",
        ),
        ExpiredDelta::Gone => {
            let mut params = Vec::new();
            if let Some(select) = state.as_ref().and_then(|s| s.select.as_deref()) {
                params.push(format!("$select={}", encode(select)));
            }
            if let Some(ids) = state.as_ref().and_then(|s| s.filter.as_deref()) {
                let clauses: Vec<String> = ids.iter().map(|id| format!("id eq '{id}'")).collect();
                params.push(format!("$filter={}", encode(&clauses.join(" or "))));
            }
            params.push("$deltatoken=".into());
            let location = format!(
                "{}/v1.0/{}/delta?{}",
                base_url(shared, headers),
                resource.name(),
                params.join("&")
            );
            let request_id = uuid::Uuid::new_v4().to_string();
            (
                StatusCode::GONE,
                [("location", location), ("request-id", request_id)],
            )
                .into_response()
        }
    }
}

/// Percent-encodes a query value (keeping the characters Graph's links show as they are).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b',' | b'$' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_by_id_only() {
        let ids = parse_filter("id eq 'a' or ID EQ 'b'", Resource::Users).unwrap();
        assert_eq!(ids, ["a", "b"]);
        assert!(parse_filter("displayName eq 'a'", Resource::Users).is_err());
        assert!(parse_filter("id eq a", Resource::Users).is_err());
        assert!(parse_filter("startswith(id,'a')", Resource::Users).is_err());
        let many: Vec<String> = (0..51).map(|i| format!("id eq '{i}'")).collect();
        assert!(parse_filter(&many.join(" or "), Resource::Groups).is_err());
        assert_eq!(
            parse_filter(&many.join(" or "), Resource::Devices)
                .unwrap()
                .len(),
            51
        );
        assert_eq!(encode("id eq 'a'"), "id%20eq%20%27a%27");
    }
}
