//! `$batch`: several small reads in one request. Graph throttles each inner request on its own,
//! so an inner request that fails with a retryable status is retried alone, after its own
//! `Retry-After`.

use crate::graph::{Graph, graph_failure};
use crate::hostapi::HostApi;
use crate::retry::{retry_after, retryable_status};
use crate::transport::{Reply, Transport};
use crate::types::CollectError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::SystemTime;

/// Graph accepts at most this many requests in one batch.
pub const MAX_BATCH: usize = 20;

#[derive(Serialize)]
struct BatchRequest<'a> {
    requests: Vec<InnerRequest<'a>>,
}

#[derive(Serialize)]
struct InnerRequest<'a> {
    id: String,
    method: &'static str,
    url: &'a str,
}

#[derive(Deserialize)]
struct BatchResponse {
    #[serde(default)]
    responses: Vec<InnerResponse>,
}

#[derive(Deserialize)]
struct InnerResponse {
    id: String,
    status: u16,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    body: Value,
}

/// GETs each URL (relative to `base`, e.g. `/subscribedSkus`) in one `$batch` and returns the
/// JSON bodies in the same order; any failure fails the whole call.
pub fn batch_get<T: Transport, H: HostApi>(
    graph: &mut Graph<'_, T, H>,
    base: &str,
    urls: &[&str],
) -> Result<Vec<Value>, CollectError> {
    batch_get_each(graph, base, urls)?.into_iter().collect()
}

/// Like [`batch_get`], but an inner request that fails for good (e.g. 404 for a group deleted
/// meanwhile) fails only its own slot. The outer `Err` means the batch itself failed.
pub fn batch_get_each<T: Transport, H: HostApi, U: AsRef<str>>(
    graph: &mut Graph<'_, T, H>,
    base: &str,
    urls: &[U],
) -> Result<Vec<Result<Value, CollectError>>, CollectError> {
    assert!(
        urls.len() <= MAX_BATCH,
        "a $batch holds at most {MAX_BATCH} requests"
    );
    let request = BatchRequest {
        requests: urls
            .iter()
            .enumerate()
            .map(|(i, url)| InnerRequest {
                id: i.to_string(),
                method: "GET",
                url: url.as_ref(),
            })
            .collect(),
    };
    let body = serde_json::to_vec(&request).expect("a batch request serializes");
    let response: BatchResponse = graph.post_json(&format!("{base}/$batch"), &body)?;
    let mut bodies: Vec<Option<Result<Value, CollectError>>> = Vec::new();
    bodies.resize_with(urls.len(), || None);
    for inner in response.responses {
        let Some(slot) = inner
            .id
            .parse::<usize>()
            .ok()
            .and_then(|i| bodies.get_mut(i))
        else {
            continue;
        };
        let url = urls[inner.id.parse::<usize>().unwrap_or_default()].as_ref();
        if (200..300).contains(&inner.status) {
            if inner.body.is_object() {
                *slot = Some(Ok(inner.body));
            } else {
                let reason = format!("Graph sent an unreadable answer for {url} inside $batch");
                graph.pause_before_retry(None, &reason)?;
                *slot = Some(graph.get_json(&format!("{base}{url}")));
            }
            continue;
        }
        let reply = Reply {
            status: inner.status,
            headers: inner
                .headers
                .into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect(),
            body: serde_json::to_vec(&inner.body).unwrap_or_default(),
        };
        if retryable_status(inner.status) || inner.status == 401 {
            let reason = format!("Graph answered {} for {url} inside $batch", inner.status);
            graph.pause_before_retry(retry_after(&reply, SystemTime::now()), &reason)?;
            *slot = Some(graph.get_json(&format!("{base}{url}")));
        } else {
            *slot = Some(Err(graph_failure(&reply, &format!("{base}{url}"))));
        }
    }
    // An inner response Graph left out is read on its own.
    let mut out = Vec::with_capacity(urls.len());
    for (slot, url) in bodies.into_iter().zip(urls) {
        out.push(match slot {
            Some(body) => body,
            None => graph.get_json(&format!("{base}{}", url.as_ref())),
        });
    }
    Ok(out)
}
