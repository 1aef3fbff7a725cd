//! Groups, then each group's direct members, classified against the directory.

use super::tally::{BATCH, Tally, emit};
use crate::client::Google;
use crate::hostapi::HostApi;
use crate::model::{GroupsPage, MemberClass, MembersPage};
use crate::settings::GwsSettings;
use crate::transport::{Transport, encode};
use crate::types::{Batch, CollectError, LogLevel, Membership};

/// The page size of `groups.list` and `members.list` (Google's maximum).
pub const PAGE_SIZE: u32 = 200;

/// The URL of the first page of `groups.list` for `customer_id`, `size` groups a page.
pub fn url(settings: &GwsSettings, customer_id: &str, size: u32) -> String {
    format!(
        "{}/groups?customer={}&maxResults={size}",
        settings.directory_base(),
        encode(customer_id)
    )
}

/// The URL of the first page of `members.list` of `group_id`, `size` members a page.
pub fn members_url(settings: &GwsSettings, group_id: &str, size: u32) -> String {
    format!(
        "{}/groups/{}/members?maxResults={size}",
        settings.directory_base(),
        encode(group_id)
    )
}

/// Reads every group, emitting them page by page; returns their IDs in order.
pub fn read<T: Transport, H: HostApi>(
    google: &mut Google<'_, T, H>,
    settings: &GwsSettings,
    customer_id: &str,
    tally: &mut Tally,
) -> Result<Vec<String>, CollectError> {
    let mut ids: Vec<String> = Vec::new();
    google.for_each_page(
        &url(settings, customer_id, PAGE_SIZE),
        |host, page: GroupsPage| {
            let groups: Vec<_> = page
                .groups
                .iter()
                .filter(|g| !g.id.is_empty())
                .map(|g| g.to_group())
                .collect();
            ids.extend(groups.iter().map(|g| g.id.clone()));
            let done = emit(host, tally, "groups", groups, Batch::Groups)?;
            host.progress("groups", done, None);
            Ok(())
        },
    )?;
    Ok(ids)
}

/// Reads the direct members of every group in `group_ids` and emits the memberships. A group
/// deleted since it was listed (404) is skipped with a warning.
pub fn read_members<T: Transport, H: HostApi>(
    google: &mut Google<'_, T, H>,
    settings: &GwsSettings,
    group_ids: &[String],
    class: &MemberClass,
    tally: &mut Tally,
) -> Result<(), CollectError> {
    let mut pending: Vec<Membership> = Vec::new();
    let mut vanished: Vec<&str> = Vec::new();
    tally.add("memberships", 0);
    for (done, group_id) in group_ids.iter().enumerate() {
        let read = google.for_each_page(
            &members_url(settings, group_id, PAGE_SIZE),
            |host, page: MembersPage| {
                pending.extend(
                    page.members
                        .iter()
                        .filter_map(|m| class.membership(group_id, m)),
                );
                if pending.len() >= BATCH {
                    emit(
                        host,
                        tally,
                        "memberships",
                        std::mem::take(&mut pending),
                        Batch::Memberships,
                    )?;
                }
                Ok(())
            },
        );
        match read {
            Ok(()) => {}
            Err(e) if e.failure().status == Some(404) => {
                google.host().log(
                    LogLevel::Warn,
                    &format!(
                        "group {group_id} was deleted while it was read; its members are left out"
                    ),
                );
                vanished.push(group_id);
            }
            Err(e) => return Err(e),
        }
        google
            .host()
            .progress("members", done as u64 + 1, Some(group_ids.len() as u64));
    }
    emit(
        google.host(),
        tally,
        "memberships",
        pending,
        Batch::Memberships,
    )?;
    if !vanished.is_empty() {
        tally.warnings.push(format!(
            "{} groups were deleted while they were read, so their members are left out: {}",
            vanished.len(),
            vanished.join(", ")
        ));
    }
    Ok(())
}
