//! Users with their licence assignments (provenance, state, error, disabled plans), read with
//! the users delta query: a first round lists every user, a later round the users that changed.
//!
//! A changed user comes with everything selected, so the host replaces the account and all of
//! its assignments. A user soft-deleted since (`@removed`, reason `changed`) is read again from
//! the deleted items, since it may still hold licences; one deleted for good is removed.

use super::{Tally, emit, remove};
use crate::batch::{MAX_BATCH, batch_get_each};
use crate::delta::{self, Round};
use crate::errors::details;
use crate::graph::Graph;
use crate::hostapi::HostApi;
use crate::model::{DELETED_USER_SELECT, USER_SELECT, User};
use crate::transport::Transport;
use crate::types::{Batch, CollectError, Removal};
use std::collections::BTreeSet;

/// The first round: every user. Returns the link the next round starts from.
pub(super) fn read_all<T: Transport, H: HostApi>(
    graph: &mut Graph<'_, T, H>,
    base: &str,
    tally: &mut Tally,
) -> Result<String, CollectError> {
    let url = format!("{base}/users/delta?$select={USER_SELECT}");
    match delta::round(graph, &url, |graph, users: Vec<User>| {
        let live = users.into_iter().filter(|u| u.removed.is_none()).collect();
        emit_users(graph.host(), tally, live, "accounts")
    })? {
        Round::Done(link) => Ok(link),
        // A first round starts from no link, so there is none to reject.
        Round::Rejected(e) => Err(e),
    }
}

/// A later round from `link`: the users that changed, and then the users in `also` (whose
/// licences may have changed without the user changing, e.g. by joining a licence-assigning
/// group) that the round did not list.
pub(super) fn read_changes<T: Transport, H: HostApi>(
    graph: &mut Graph<'_, T, H>,
    base: &str,
    tally: &mut Tally,
    link: &str,
    also: &BTreeSet<String>,
) -> Result<Round, CollectError> {
    let mut seen = BTreeSet::new();
    let mut soft_deleted = Vec::new();
    let mut gone = Vec::new();
    let round = delta::round(graph, link, |graph, users: Vec<User>| {
        let mut live = Vec::with_capacity(users.len());
        for user in users {
            seen.insert(user.id.clone());
            match &user.removed {
                Some(r) if r.soft() => soft_deleted.push(user.id),
                Some(_) => gone.push(Removal::Account(user.id)),
                None => live.push(user),
            }
        }
        emit_users(graph.host(), tally, live, "accounts")
    })?;
    if let Round::Rejected(_) = round {
        return Ok(round);
    }
    // A soft-deleted user keeps its licences until it is purged: read it from the deleted
    // items. One already purged is gone.
    let deleted_urls =
        |id: &String| format!("/directory/deletedItems/{id}?$select={DELETED_USER_SELECT}");
    for user in read_each(graph, base, &soft_deleted, deleted_urls, &mut gone)? {
        emit_users(graph.host(), tally, vec![user], "deleted_accounts")?;
    }
    let unseen: Vec<String> = also.difference(&seen).cloned().collect();
    let live_urls = |id: &String| format!("/users/{id}?$select={USER_SELECT}");
    let mut vanished = Vec::new();
    for user in read_each(graph, base, &unseen, live_urls, &mut vanished)? {
        emit_users(graph.host(), tally, vec![user], "accounts")?;
    }
    // A user that vanished between the round and this read is listed by the next round.
    remove(graph.host(), tally, gone)?;
    Ok(round)
}

/// Reads the users `ids` one by one in `$batch`es of 20 (`url` makes each request); the ones
/// Graph no longer has go to `missing` as removals.
fn read_each<T: Transport, H: HostApi>(
    graph: &mut Graph<'_, T, H>,
    base: &str,
    ids: &[String],
    url: impl Fn(&String) -> String,
    missing: &mut Vec<Removal>,
) -> Result<Vec<User>, CollectError> {
    let mut users = Vec::new();
    for chunk in ids.chunks(MAX_BATCH) {
        let urls: Vec<String> = chunk.iter().map(&url).collect();
        for (id, answer) in chunk.iter().zip(batch_get_each(graph, base, &urls)?) {
            match answer {
                Ok(body) => users.push(serde_json::from_value(body).map_err(|e| {
                    crate::errors::internal(format!(
                        "Graph sent a user this plugin cannot read: {e}"
                    ))
                })?),
                Err(e) if details(&e).status == Some(404) => {
                    missing.push(Removal::Account(id.clone()))
                }
                Err(e) => return Err(e),
            }
        }
    }
    Ok(users)
}

/// Emits a page of users and their assignments; `kind` counts live and deleted users apart.
pub(super) fn emit_users(
    host: &mut impl HostApi,
    tally: &mut Tally,
    users: Vec<User>,
    kind: &str,
) -> Result<(), CollectError> {
    let assignments: Vec<_> = users.iter().flat_map(User::assignments).collect();
    let (users_len, assignments_len) = (users.len(), assignments.len());
    let accounts = Batch::Accounts(users.into_iter().map(User::into_account).collect());
    let done = emit(host, tally, kind, accounts, users_len)?;
    emit(
        host,
        tally,
        "assignments",
        Batch::Assignments(assignments),
        assignments_len,
    )?;
    host.progress(
        if kind == "accounts" {
            "users"
        } else {
            "deleted users"
        },
        done,
        None,
    );
    Ok(())
}
