//! The Reseller API (`/apps/reseller/v1`): `subscriptions.list`. Only a customer's reseller may
//! call it: for a directly billed customer it answers 403 `forbidden`, as Google documents for a
//! caller that does not own the customer
//! (<https://developers.google.com/workspace/admin/reseller/v1/support/reseller_api_common_errors>).

use crate::auth::{Api, authorize, require_admin};
use crate::errors::{self, ApiError};
use crate::paging;
use crate::scopes;
use crate::server::Shared;
use crate::tenant::Billing;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::collections::HashMap;

/// What the Reseller API answers a caller that is not the customer's reseller.
pub const NOT_RESELLER: &str = "Authenticated user is not authorized to perform this action.";

/// `GET /apps/reseller/v1/subscriptions`
pub(crate) async fn subscriptions(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let token = authorize(
        &shared,
        &headers,
        Api::Reseller,
        scopes::SUBSCRIPTIONS_LIST,
        "google.apps.reseller.v1.ResellerService.ListSubscriptions",
    )?;
    let t = &shared.tenant;
    if t.billing == Billing::Direct {
        return Err(errors::forbidden(NOT_RESELLER));
    }
    require_admin(&shared, &token).map_err(|_| errors::forbidden(NOT_RESELLER))?;
    if let Some(c) = q.get("customerId").filter(|c| !c.is_empty())
        && !t.is_customer(c, false)
    {
        return Err(errors::forbidden(NOT_RESELLER));
    }
    let size = paging::page_size(&q, paging::SUBSCRIPTIONS)?;
    let offset = paging::offset(&q, "subscriptions")?;
    let (range, next) = paging::page(t.subscriptions.len(), offset, size, "subscriptions");
    let subscriptions: Vec<_> = t.subscriptions[range]
        .iter()
        .map(|s| s.to_json(t))
        .collect();
    let mut body = json!({
        "kind": "reseller#subscriptions",
        "subscriptions": subscriptions,
    });
    if let Some(next) = next {
        body["nextPageToken"] = json!(next);
    }
    Ok(axum::Json(body).into_response())
}
