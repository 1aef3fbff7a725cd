//! The emulator's own endpoints, for scripts and benchmarks (not Graph's; never counted,
//! logged, memoized or faulted, and without a bearer token).
//!
//! `POST /_emulator/changes?seed=S&count=N` applies `N` random changes drawn from seed `S` (see
//! [`crate::Tenant::apply_random`]) to the current tenant and serves the result as a new
//! generation; it answers `{"generation": g, "changes": N}`.

use crate::server::Shared;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::collections::HashMap;

/// The path of the changes endpoint.
pub(crate) const CHANGES: &str = "/_emulator/changes";

/// `POST /_emulator/changes?seed=S&count=N`
pub(crate) async fn changes(
    State(shared): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let number = |name: &str| query.get(name).and_then(|v| v.parse::<u64>().ok());
    let (Some(seed), Some(count)) = (number("seed"), number("count")) else {
        let error = json!({"error": {
            "code": "badRequest",
            "message": "seed and count must be non-negative integers: POST /_emulator/changes?seed=S&count=N[&profile=churn]",
        }});
        return (StatusCode::BAD_REQUEST, axum::Json(error)).into_response();
    };
    let count = count as usize;
    // Building a generation of a large tenant takes a while: not on the server's threads.
    // `profile=churn`: only day-to-day changes of people (see `Change::is_churn`).
    let churn = query.get("profile").is_some_and(|p| p == "churn");
    let installed = tokio::task::spawn_blocking(move || {
        shared.install_with(|current| match churn {
            true => current.apply_churn(seed, count),
            false => current.apply_random(seed, count),
        })
    })
    .await;
    match installed {
        Ok(generation) => {
            axum::Json(json!({"generation": generation, "changes": count})).into_response()
        }
        Err(e) => {
            let error = json!({"error": {"code": "generalException", "message": e.to_string()}});
            (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(error)).into_response()
        }
    }
}
