//! Graph delta queries: one round follows `@odata.nextLink` pages until the page that carries
//! `@odata.deltaLink`, the link the next round starts from. The first round (no link) lists
//! every object; later rounds list what changed since, with removed objects marked `@removed`.
//!
//! Graph rejects a link it no longer keeps (it keeps directory links for 7 days): 410 Gone, or
//! an error whose code is `syncStateNotFound` or `resyncRequired` (any casing). The caller then
//! reads that kind again from a first round.

use crate::errors::{self, details};
use crate::graph::Graph;
use crate::hostapi::HostApi;
use crate::transport::Transport;
use crate::types::CollectError;
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// How long Graph keeps a delta link for directory objects.
pub const LINK_LIFETIME_SECS: u64 = 7 * 86400;

/// One page of a delta round.
#[derive(Deserialize)]
struct DeltaPage<T> {
    #[serde(default = "Vec::new")]
    value: Vec<T>,
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
    #[serde(rename = "@odata.deltaLink")]
    delta_link: Option<String>,
}

/// `@removed` on an object gone since the last round.
#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Removed {
    /// `changed` (soft-deleted, can be restored) or `deleted` (gone for good).
    pub reason: Option<String>,
}

impl Removed {
    /// Whether the object can still be restored (a soft-deleted user or group).
    pub fn soft(&self) -> bool {
        self.reason.as_deref() == Some("changed")
    }
}

/// Whether `error` is Graph rejecting a delta link it no longer keeps.
pub fn link_rejected(error: &CollectError) -> bool {
    let f = details(error);
    let code = f.code.as_deref().unwrap_or("").to_ascii_lowercase();
    f.status == Some(410) || code == "syncstatenotfound" || code == "resyncrequired"
}

/// What a round came to.
pub enum Round {
    /// The round finished; the next one starts from this link.
    Done(String),
    /// Graph rejected the link the round started from, before anything was read.
    Rejected(CollectError),
}

/// Reads one delta round from `url`, handing each page to `on_page`.
pub fn round<T: Transport, H: HostApi, V: DeserializeOwned>(
    graph: &mut Graph<'_, T, H>,
    url: &str,
    mut on_page: impl FnMut(&mut Graph<'_, T, H>, Vec<V>) -> Result<(), CollectError>,
) -> Result<Round, CollectError> {
    let mut page: DeltaPage<V> = match graph.get_json(url) {
        Ok(page) => page,
        Err(e) if link_rejected(&e) => return Ok(Round::Rejected(e)),
        Err(e) => return Err(e),
    };
    let mut seen = std::collections::HashSet::new();
    loop {
        let (next, delta) = (page.next_link.take(), page.delta_link.take());
        on_page(graph, page.value)?;
        match (next, delta) {
            (_, Some(delta)) => return Ok(Round::Done(delta)),
            (Some(next), None) => {
                if !seen.insert(next.clone()) {
                    return Err(errors::internal(format!(
                        "Graph sent an @odata.nextLink it had already sent in this delta round ({next}); stopping instead of looping"
                    )));
                }
                // A link rejected in the middle of a round cannot be resumed: the run fails,
                // its state is not advanced, and the next run starts from the same link.
                page = graph.get_json(&next)?;
            }
            (None, None) => {
                return Err(errors::internal(
                    "Graph ended a delta round without an @odata.deltaLink; the next run cannot continue from it",
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Failure;

    fn upstream(status: u16, code: Option<&str>) -> CollectError {
        CollectError::Upstream(Failure {
            status: Some(status),
            code: code.map(str::to_string),
            ..Failure::new("x")
        })
    }

    #[test]
    fn a_rejected_link_is_recognised_by_status_or_code_in_any_casing() {
        assert!(link_rejected(&upstream(410, None)));
        assert!(link_rejected(&upstream(400, Some("syncStateNotFound"))));
        assert!(link_rejected(&upstream(410, Some("SyncStateNotFound"))));
        assert!(link_rejected(&upstream(400, Some("resyncRequired"))));
        assert!(!link_rejected(&upstream(
            400,
            Some("Request_UnsupportedQuery")
        )));
        assert!(!link_rejected(&upstream(500, None)));
    }
}
