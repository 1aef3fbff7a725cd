//! Generated users: a super administrator first, then people with every state a collector must
//! tell apart (active, suspended, archived, never signed in, new joiners, delegated admins).

use crate::catalog::{FAMILY, GIVEN, ORG_UNITS, ascii_fold};
use crate::clock::DAY;
use crate::tenant::User;
use rand::Rng;
use std::collections::HashSet;

/// Per mille of users archived.
const ARCHIVED: u32 = 30;
/// Per mille of users suspended (after the archived ones).
const SUSPENDED: u32 = 55;

/// `n` users of `domain`, the first a super administrator who signed in recently.
pub(crate) fn generate(rng: &mut impl Rng, n: usize, domain: &str, now: i64) -> Vec<User> {
    let mut taken = HashSet::new();
    let mut users = Vec::with_capacity(n);
    for i in 0..n {
        let given = GIVEN[rng.random_range(0..GIVEN.len())];
        let family = FAMILY[rng.random_range(0..FAMILY.len())];
        let base = format!("{}.{}", ascii_fold(given), ascii_fold(family));
        let mut local = base.clone();
        let mut k = 2;
        while !taken.insert(local.clone()) {
            local = format!("{base}{k}");
            k += 1;
        }
        let roll = if i == 0 {
            1000
        } else {
            rng.random_range(0..1000u32)
        };
        let archived = roll < ARCHIVED;
        let suspended = !archived && roll < ARCHIVED + SUSPENDED;
        let joiner = !archived && !suspended && rng.random_bool(0.03);
        let creation_time = if joiner {
            now - rng.random_range(1..7) * DAY - rng.random_range(0..DAY)
        } else {
            now - rng.random_range(40..2200) * DAY - rng.random_range(0..DAY)
        };
        let last_login_time = if i == 0 {
            Some(now - rng.random_range(600..7200))
        } else if joiner || (!archived && !suspended && rng.random_bool(0.04)) {
            None
        } else if archived {
            Some((creation_time + 10 * DAY).max(now - rng.random_range(200..700) * DAY))
        } else if suspended {
            Some((creation_time + 5 * DAY).max(now - rng.random_range(30..400) * DAY))
        } else if rng.random_bool(0.08) {
            // Active but not seen for a while: 60 to 240 days.
            Some((creation_time + DAY).max(now - rng.random_range(60..240) * DAY))
        } else {
            Some(now - rng.random_range(0..30 * DAY))
        };
        let is_admin = i == 0 || (i > 0 && rng.random_bool(0.01));
        let is_delegated_admin = !is_admin && rng.random_bool(0.02);
        let org_unit_path = if i == 0 {
            "/".to_string()
        } else {
            ORG_UNITS[rng.random_range(0..ORG_UNITS.len())].to_string()
        };
        users.push(User {
            id: crate::ids::numeric(rng, 21, 1),
            primary_email: format!("{local}@{domain}"),
            given_name: given.into(),
            family_name: family.into(),
            is_admin,
            is_delegated_admin,
            suspended,
            suspension_reason: suspended.then(|| "ADMIN".to_string()),
            archived,
            creation_time,
            last_login_time,
            org_unit_path,
            enrolled_in_2sv: i == 0 || rng.random_bool(0.7),
            agreed_to_terms: last_login_time.is_some(),
            change_password_at_next_login: last_login_time.is_none(),
            etag: crate::ids::etag(rng),
        });
    }
    users
}
