//! Groups with their licences, then the direct members of each group. Member lists are read
//! in `$batch`es of 20 groups per page of groups, so nothing tenant-sized is held; large
//! groups continue through their own `@odata.nextLink`s. Nested membership is resolved by the
//! host from these direct memberships.

use super::{PAGE_SIZE, Tally, emit};
use crate::batch::{MAX_BATCH, batch_get_each};
use crate::errors::details;
use crate::graph::{Graph, Pager};
use crate::hostapi::HostApi;
use crate::model::{DirectoryObject, GROUP_SELECT, GraphGroup};
use crate::transport::Transport;
use crate::types::{Batch, CollectError, LogLevel};

pub(super) fn read<T: Transport, H: HostApi>(
    graph: &mut Graph<'_, T, H>,
    base: &str,
    tally: &mut Tally,
) -> Result<(), CollectError> {
    let url = format!("{base}/groups?$select={GROUP_SELECT}&$top={PAGE_SIZE}");
    let mut pager = Pager::new(url);
    // The members of each page of groups are read before the next page.
    while let Some(page) = graph.next_page::<GraphGroup>(&mut pager)? {
        let ids: Vec<String> = page.iter().map(|g| g.id.clone()).collect();
        let licenses: Vec<_> = page.iter().flat_map(GraphGroup::licenses).collect();
        let host = graph.host();
        let len = page.len();
        let groups = Batch::Groups(page.into_iter().map(GraphGroup::into_group).collect());
        let done = emit(host, tally, "groups", groups, len)?;
        let len = licenses.len();
        emit(
            host,
            tally,
            "group_licenses",
            Batch::GroupLicenses(licenses),
            len,
        )?;
        host.progress("groups", done, None);
        for chunk in ids.chunks(MAX_BATCH) {
            read_members(graph, base, chunk, tally)?;
        }
    }
    Ok(())
}

/// Reads the direct members of up to 20 groups.
fn read_members<T: Transport, H: HostApi>(
    graph: &mut Graph<'_, T, H>,
    base: &str,
    group_ids: &[String],
    tally: &mut Tally,
) -> Result<(), CollectError> {
    let urls: Vec<String> = group_ids
        .iter()
        .map(|id| format!("/groups/{id}/members?$select=id&$top={PAGE_SIZE}"))
        .collect();
    let answers = batch_get_each(graph, base, &urls)?;
    for (group_id, answer) in group_ids.iter().zip(answers) {
        let first = match answer {
            Ok(first) => first,
            // Deleted since it was listed: its members no longer matter.
            Err(e) if details(&e).status == Some(404) => {
                let note = format!(
                    "group {group_id} was deleted during the run; its members were skipped"
                );
                graph.host().log(LogLevel::Warn, &note);
                tally.warnings.push(note);
                continue;
            }
            Err(e) => return Err(e),
        };
        graph.for_each_page_from(first, |host, members: Vec<DirectoryObject>| {
            let len = members.len();
            let batch = Batch::Memberships(
                members
                    .into_iter()
                    .map(|m| m.membership_of(group_id))
                    .collect(),
            );
            let done = emit(host, tally, "memberships", batch, len)?;
            host.progress("memberships", done, None);
            Ok(())
        })?;
    }
    Ok(())
}
