//! Groups with their licences and direct members, read with the groups delta query and its
//! `members@delta`: a first round lists every group with all of its members, a later round the
//! groups that changed and the members that joined or left. Graph spreads a large group's
//! members over several pages, listing the group again on each; nested membership is resolved
//! by the host from these direct memberships.
//!
//! Delta queries do not track users' licence states, and a user's licence from a group
//! follows its direct membership: so a later round says which users joined or left a
//! licence-assigning group (their licences are read again), and whether such a group was
//! deleted or changed its licences (then every user's licences are read again).

use super::{Tally, emit, remove};
use crate::delta::{self, Round};
use crate::graph::Graph;
use crate::hostapi::HostApi;
use crate::model::{GROUP_DELTA_SELECT, GraphGroup};
use crate::transport::Transport;
use crate::types::{Batch, CollectError, MemberKind, MemberLink, Removal};
use std::collections::{BTreeMap, BTreeSet};

/// What a groups round found that the users' read must follow up.
#[derive(Default)]
pub(super) struct LicenceFollowUp {
    /// Users who joined or left a licence-assigning group.
    pub users: BTreeSet<String>,
    /// Why every user's licences must be read again, if they must.
    pub all_users: Option<String>,
}

/// One groups round from `url`, emitting what it lists. `licence_groups` (the products each
/// licence-assigning group assigns) is read and kept up to date.
pub(super) fn read_round<T: Transport, H: HostApi>(
    graph: &mut Graph<'_, T, H>,
    url: &str,
    tally: &mut Tally,
    licence_groups: &mut BTreeMap<String, Vec<String>>,
    follow_up: &mut LicenceFollowUp,
) -> Result<Round, CollectError> {
    // A group listed again later in the round (for more of its members) is emitted once.
    let mut emitted = BTreeSet::new();
    let mut gone = Vec::new();
    let round = delta::round(graph, url, |graph, groups: Vec<GraphGroup>| {
        let mut rows = Vec::new();
        let mut licences = Vec::new();
        let mut memberships = Vec::new();
        for mut group in groups {
            if group.removed.is_some() {
                if licence_groups.remove(&group.id).is_some() {
                    follow_up.all_users.get_or_insert_with(|| {
                        format!("the licence-assigning group {} was deleted", group.id)
                    });
                }
                gone.push(Removal::Group(group.id));
                continue;
            }
            let assigns = licence_groups.contains_key(&group.id);
            for member in std::mem::take(&mut group.members_delta) {
                let is_user = member.kind() == MemberKind::Account;
                if is_user && (assigns || !group.assigned_licenses.is_empty()) {
                    follow_up.users.insert(member.id.clone());
                }
                match member.removed {
                    Some(_) => gone.push(Removal::Membership(MemberLink {
                        group_id: group.id.clone(),
                        member_id: member.id,
                    })),
                    None => memberships.push(member.membership_of(&group.id)),
                }
            }
            if !emitted.insert(group.id.clone()) {
                continue;
            }
            let products = group.licence_products();
            let before = licence_groups.get(&group.id).cloned().unwrap_or_default();
            if products != before {
                follow_up
                    .all_users
                    .get_or_insert_with(|| format!("the licences of group {} changed", group.id));
            }
            if products.is_empty() {
                licence_groups.remove(&group.id);
            } else {
                licence_groups.insert(group.id.clone(), products);
            }
            licences.extend(group.licenses());
            rows.push(group.into_group());
        }
        let host = graph.host();
        let len = rows.len();
        let done = emit(host, tally, "groups", Batch::Groups(rows), len)?;
        let len = licences.len();
        emit(
            host,
            tally,
            "group_licenses",
            Batch::GroupLicenses(licences),
            len,
        )?;
        let len = memberships.len();
        emit(
            host,
            tally,
            "memberships",
            Batch::Memberships(memberships),
            len,
        )?;
        host.progress("groups", done, None);
        Ok(())
    })?;
    if let Round::Done(_) = round {
        remove(graph.host(), tally, gone)?;
    }
    Ok(round)
}

/// The first groups round: every group with all of its members. Returns the next round's link.
pub(super) fn read_all<T: Transport, H: HostApi>(
    graph: &mut Graph<'_, T, H>,
    base: &str,
    tally: &mut Tally,
    licence_groups: &mut BTreeMap<String, Vec<String>>,
) -> Result<String, CollectError> {
    licence_groups.clear();
    let url = format!("{base}/groups/delta?$select={GROUP_DELTA_SELECT}");
    // In a first round nothing is compared against: there is nothing to follow up.
    match read_round(
        graph,
        &url,
        tally,
        licence_groups,
        &mut LicenceFollowUp::default(),
    )? {
        Round::Done(link) => Ok(link),
        Round::Rejected(e) => Err(e),
    }
}
