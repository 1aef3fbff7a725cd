//! Licence anomalies planted among the drawn users, so every licence-waste case exists in a
//! tenant of any realistic size: group-licence errors of each kind, redundant products,
//! direct-plus-group duplicates, guests and disabled users holding paid licences.

use crate::tenant::{AssignmentState, Tenant, User, direct, group, sku};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;

/// Plants the anomalies. Users picked for one anomaly are not picked for another.
pub(crate) fn seed(users: &mut [User], e3_plans_off: &[String], rng: &mut ChaCha8Rng) {
    let mut taken = HashSet::new();
    let few = (users.len() / 500).max(2);
    let unlicensed_member = |u: &User| u.enabled && u.user_type == "Member" && u.states.is_empty();

    // Group-licence errors. Graph reports them on the group's assignment: `Error` consumes no
    // unit; a proxy-address conflict (`UniquenessViolation`) leaves the licence working, with
    // `ActiveWithError`.
    for (error, state, sku, group) in [
        (
            "MutuallyExclusiveViolation",
            "Error",
            sku::M365_E3,
            group::LICENSE_M365_E3,
        ),
        ("DependencyViolation", "Error", sku::EMS, group::LICENSE_EMS),
        (
            "ProhibitedInUsageLocationViolation",
            "Error",
            sku::M365_E3,
            group::LICENSE_M365_E3,
        ),
        (
            "UniquenessViolation",
            "ActiveWithError",
            sku::M365_E3,
            group::LICENSE_M365_E3,
        ),
    ] {
        for i in pick(users, rng, few, &mut taken, unlicensed_member) {
            users[i].states.push(AssignmentState {
                sku,
                group: Some(group),
                state,
                error,
                disabled_plans: if sku == sku::M365_E3 {
                    e3_plans_off.to_vec()
                } else {
                    vec![]
                },
            });
        }
    }

    let e3_by_group_only = |u: &User| {
        let by_group = u
            .states
            .iter()
            .any(|s| s.sku == sku::M365_E3 && s.group.is_some() && s.state == "Active");
        let direct = u.states.iter().any(|s| s.group.is_none());
        u.user_type == "Member" && by_group && !direct
    };

    // Over the group's capacity: at least one `CountViolation`.
    if !users
        .iter()
        .any(|u| u.states.iter().any(|s| s.error == "CountViolation"))
    {
        for i in pick(users, rng, 1, &mut taken, e3_by_group_only) {
            for s in users[i].states.iter_mut().filter(|s| s.sku == sku::M365_E3) {
                (s.state, s.error) = ("Error", "CountViolation");
            }
        }
    }

    // Microsoft 365 E3 both by group and directly.
    let duplicates = users
        .iter()
        .filter(|u| {
            let e3 = |direct: bool| {
                u.states
                    .iter()
                    .any(|s| s.sku == sku::M365_E3 && s.group.is_none() == direct)
            };
            e3(true) && e3(false)
        })
        .count();
    for i in pick(
        users,
        rng,
        2usize.saturating_sub(duplicates),
        &mut taken,
        e3_by_group_only,
    ) {
        users[i].states.push(direct(sku::M365_E3));
    }

    // Redundant products: Office 365 E3 on top of Microsoft 365 E3, by group or directly.
    for i in pick(
        users,
        rng,
        (users.len() / 300).max(3),
        &mut taken,
        e3_by_group_only,
    ) {
        users[i].states.push(direct(sku::O365_E3));
    }
    let o365_only = |u: &User| {
        u.user_type == "Member"
            && u.states.len() == 1
            && u.states[0].sku == sku::O365_E3
            && u.states[0].group.is_none()
    };
    for i in pick(users, rng, 1, &mut taken, o365_only) {
        users[i].states.push(direct(sku::M365_E3));
    }

    // Guests holding a paid licence, and disabled users who still hold one.
    let holds_paid = |u: &User| {
        u.states
            .iter()
            .any(|s| s.state != "Error" && Tenant::is_paid(s.sku))
    };
    let paid_guests = users
        .iter()
        .filter(|u| u.user_type == "Guest" && holds_paid(u))
        .count();
    let bare_guest = |u: &User| u.user_type == "Guest" && u.states.is_empty();
    for i in pick(
        users,
        rng,
        2usize.saturating_sub(paid_guests),
        &mut taken,
        bare_guest,
    ) {
        users[i].states.push(direct(sku::O365_E3));
    }
    let disabled_paid = users.iter().filter(|u| !u.enabled && holds_paid(u)).count();
    let paid_member = |u: &User| u.enabled && u.user_type == "Member" && holds_paid(u);
    for i in pick(
        users,
        rng,
        2usize.saturating_sub(disabled_paid),
        &mut taken,
        paid_member,
    ) {
        users[i].enabled = false;
    }
}

/// Up to `n` users matching `want` and not yet taken, scanning from a random start; marks
/// them taken.
pub(crate) fn pick(
    users: &[User],
    rng: &mut ChaCha8Rng,
    n: usize,
    taken: &mut HashSet<usize>,
    want: impl Fn(&User) -> bool,
) -> Vec<usize> {
    if users.is_empty() || n == 0 {
        return Vec::new();
    }
    let start = rng.random_range(0..users.len());
    let picked: Vec<usize> = (0..users.len())
        .map(|k| (start + k) % users.len())
        .filter(|i| !taken.contains(i) && want(&users[*i]))
        .take(n)
        .collect();
    taken.extend(&picked);
    picked
}
