//! The Enterprise License Manager API (`/apps/licensing/v1`): `licenseAssignments.listForProduct`
//! and `licenseAssignments.listForProductAndSku`. A product or SKU the customer holds no licence
//! of answers an empty list, not an error.

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

/// `GET /apps/licensing/v1/product/{productId}/users`
pub(crate) async fn for_product(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Path(product): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    list(&shared, &headers, &q, &product, None)
}

/// `GET /apps/licensing/v1/product/{productId}/sku/{skuId}/users`
pub(crate) async fn for_product_and_sku(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Path((product, sku)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    list(&shared, &headers, &q, &product, Some(&sku))
}

fn list(
    shared: &Shared,
    headers: &HeaderMap,
    q: &HashMap<String, String>,
    product: &str,
    sku: Option<&str>,
) -> Result<Response, ApiError> {
    let token = authorize(shared, headers, Api::Licensing, scopes::LICENSES_LIST, "")?;
    require_admin(shared, &token)?;
    let t = &shared.tenant;
    let Some(customer) = q.get("customerId").filter(|c| !c.is_empty()) else {
        return Err(errors::required("customerId"));
    };
    if !t.is_customer(customer, false) {
        return Err(errors::forbidden(NOT_AUTHORIZED));
    }
    let size = paging::page_size(q, paging::LICENSES)?;
    let listing = format!("licenses/{product}/{}", sku.unwrap_or(""));
    let offset = paging::offset(q, &listing)?;
    let held: Vec<_> = t.assignments_of(product, sku).collect();
    let (range, next) = paging::page(held.len(), offset, size, &listing);
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let origin = format!("http://{host}");
    let items: Vec<_> = held[range]
        .iter()
        .map(|a| render::assignment(t, a, &origin))
        .collect();
    let mut body = json!({
        "kind": "licensing#licenseAssignmentList",
        "etag": format!("\"{}/licenses/{product}\"", t.customer_id),
    });
    // Google leaves `items` out when there are none.
    if !items.is_empty() {
        body["items"] = json!(items);
    }
    if let Some(next) = next {
        body["nextPageToken"] = json!(next);
    }
    Ok(axum::Json(body).into_response())
}
