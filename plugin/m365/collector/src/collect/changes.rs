//! An incremental run: the next round of each delta query from the saved links. Groups are read
//! first, because what they say (users who joined or left a licence-assigning group, such a
//! group deleted or its licences changed) decides which users' licences must be read again:
//! Graph's delta queries do not track users' licence states.
//!
//! A link Graph rejects (it keeps them 7 days, and may reset them) is replaced by a first
//! round of that kind alone, read in full; the run says so in a warning, and when every link
//! was rejected the run is a full one.

use super::groups::LicenceFollowUp;
use super::state::DeltaState;
use super::{Tally, directory, groups, sign_ins, users};
use crate::delta::Round;
use crate::errors::details;
use crate::graph::Graph;
use crate::hostapi::HostApi;
use crate::transport::Transport;
use crate::types::{CollectError, Coverage, EntityKind};

/// How each kind was read, and why the run read everything if it ended up doing so.
pub(super) type HowRead = (Vec<(EntityKind, Coverage)>, Option<String>);

/// Reads what changed since `previous`, filling `next` with the links for the run after;
/// `users_in_full` says why every user must be read again, if they must.
pub(super) fn read<T: Transport, H: HostApi>(
    graph: &mut Graph<'_, T, H>,
    base: &str,
    tally: &mut Tally,
    previous: DeltaState,
    next: &mut DeltaState,
    refresh: &[EntityKind],
    users_in_full: Option<String>,
) -> Result<HowRead, CollectError> {
    let mut coverage = Vec::new();
    let mut rejected = Vec::new();

    next.licence_groups = previous.licence_groups.clone();
    let mut follow_up = LicenceFollowUp {
        all_users: users_in_full,
        ..LicenceFollowUp::default()
    };
    let group_kinds = [
        EntityKind::Group,
        EntityKind::GroupLicense,
        EntityKind::Membership,
    ];
    match groups::read_round(
        graph,
        &previous.groups,
        tally,
        &mut next.licence_groups,
        &mut follow_up,
    )? {
        Round::Done(link) => {
            next.groups = link;
            read_as(&mut coverage, &group_kinds, Coverage::Changes);
        }
        Round::Rejected(e) => {
            rejected.push(said("groups", &e));
            next.groups = groups::read_all(graph, base, tally, &mut next.licence_groups)?;
            read_as(&mut coverage, &group_kinds, Coverage::Full);
            follow_up.all_users = Some("the groups were read in full".into());
        }
    }

    let user_kinds = [EntityKind::Account, EntityKind::Assignment];
    let users_round = match &follow_up.all_users {
        Some(why) => {
            tally.warnings.push(format!(
                "every user's licences were read again because {why} (delta queries do not track licence states)"
            ));
            None
        }
        None => match users::read_changes(graph, base, tally, &previous.users, &follow_up.users)? {
            Round::Done(link) => Some(link),
            Round::Rejected(e) => {
                rejected.push(said("users", &e));
                None
            }
        },
    };
    match users_round {
        Some(link) => {
            next.users = link;
            read_as(&mut coverage, &user_kinds, Coverage::Changes);
        }
        None => {
            next.users = users::read_all(graph, base, tally)?;
            directory::read_deleted_users(graph, base, tally)?;
            read_as(&mut coverage, &user_kinds, Coverage::Full);
        }
    }

    match directory::read_device_changes(graph, base, tally, &previous.devices)? {
        Round::Done(link) => {
            next.devices = link;
            read_as(&mut coverage, &[EntityKind::Device], Coverage::Changes);
        }
        Round::Rejected(e) => {
            rejected.push(said("devices", &e));
            next.devices = directory::open_devices_link(graph, base)?;
            directory::read_devices(graph, base, tally)?;
            read_as(&mut coverage, &[EntityKind::Device], Coverage::Full);
        }
    }

    // When every other kind was read in full anyway, so is sign-in activity: the run is then
    // a full one.
    let all_full = coverage.iter().all(|(_, c)| *c == Coverage::Full);
    if all_full || refresh.contains(&EntityKind::SignInActivity) {
        sign_ins::read(graph, base, tally)?;
        read_as(&mut coverage, &[EntityKind::SignInActivity], Coverage::Full);
    } else {
        read_as(&mut coverage, &[EntityKind::SignInActivity], Coverage::Kept);
    }

    let mut why = Vec::new();
    if !rejected.is_empty() {
        why.push(format!(
            "Graph rejected the delta links ({})",
            rejected.join("; ")
        ));
    }
    if let Some(users) = follow_up
        .all_users
        .filter(|_| users_round_skipped(&coverage))
    {
        why.push(format!("every user was read again because {users}"));
    }
    if all_full {
        return Ok((Vec::new(), Some(why.join("; "))));
    }
    if !rejected.is_empty() {
        tally
            .warnings
            .push(format!("{}; those kinds were read in full", why[0]));
    }
    Ok((coverage, None))
}

fn read_as(coverage: &mut Vec<(EntityKind, Coverage)>, kinds: &[EntityKind], how: Coverage) {
    coverage.extend(kinds.iter().map(|k| (*k, how)));
}

/// Whether users were read in full (not from their delta link).
fn users_round_skipped(coverage: &[(EntityKind, Coverage)]) -> bool {
    coverage
        .iter()
        .any(|(k, c)| *k == EntityKind::Account && *c == Coverage::Full)
}

/// `users: 410 syncStateNotFound`, for the reason a link was rejected.
fn said(kind: &str, error: &CollectError) -> String {
    let f = details(error);
    format!(
        "{kind}: {} {}",
        f.status.map(|s| s.to_string()).unwrap_or_default(),
        f.code.as_deref().unwrap_or("without an error code")
    )
}
