//! Users with their licence assignments (provenance, state, error, disabled plans).

use super::{PAGE_SIZE, Tally, emit};
use crate::graph::Graph;
use crate::hostapi::HostApi;
use crate::model::{USER_SELECT, User};
use crate::transport::Transport;
use crate::types::{Batch, CollectError};

pub(super) fn read<T: Transport, H: HostApi>(
    graph: &mut Graph<'_, T, H>,
    base: &str,
    tally: &mut Tally,
) -> Result<(), CollectError> {
    let url = format!("{base}/users?$select={USER_SELECT}&$top={PAGE_SIZE}");
    graph.for_each_page(&url, |host, users: Vec<User>| {
        emit_users(host, tally, users, "accounts")
    })
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
