//! The same tenant some time later: leavers, joiners, users disabled and enabled again, and
//! licences added and removed; everything else (IDs, credentials, SKUs and their units,
//! subscriptions, groups, devices) stays as it was.

use crate::cases::pick;
use crate::clock::DAY;
use crate::deleted::DeletedUser;
use crate::directory::sync_licence_groups;
use crate::tenant::{Tenant, User, UserTemplate, direct, group, sku, stream};
use rand::Rng;
use rand::seq::index::sample;
use std::collections::HashSet;

impl Tenant {
    /// The tenant after a round of changes drawn from `seed` (a user is in at most one
    /// change): `max(2, users / 100)` leavers (now soft-deleted), as many joiners (created in
    /// the last 15 days), as many users disabled, half as many re-enabled, and as many users
    /// who gain one paid SKU directly and who lose one direct SKU. Memberships, devices'
    /// owners and consumption follow. See [`crate::expected_changes`] for the ground truth.
    pub fn evolve(&self, seed: u64) -> Tenant {
        let mut rng = stream(seed, 100);
        let mut t = self.clone();
        let k = (t.users.len() / 100).max(2);
        let mut taken = HashSet::new();
        let leavers = pick(&t.users, &mut rng, k, &mut taken, |u| {
            u.user_type == "Member"
        });
        let disable = pick(&t.users, &mut rng, k, &mut taken, |u| u.enabled);
        let enable = pick(&t.users, &mut rng, (k / 2).max(1), &mut taken, |u| {
            !u.enabled
        });
        let gain = pick(&t.users, &mut rng, k, &mut taken, |u| u.enabled);
        let lose = pick(&t.users, &mut rng, k, &mut taken, |u| {
            lone_direct(u).is_some()
        });
        // A new principal name (a marriage, a domain move): the same account, renamed.
        let rename = pick(&t.users, &mut rng, (k / 2).max(1), &mut taken, |u| {
            u.user_type == "Member"
        });
        for i in rename {
            let user = &mut t.users[i];
            user.upn = format!("renamed.{seed:x}.{}", user.upn);
        }

        for i in disable {
            t.users[i].enabled = false;
        }
        for i in enable {
            t.users[i].enabled = true;
        }
        let extra = [sku::VISIO, sku::M365_E5, sku::CUSTOM, sku::EMS];
        for (n, i) in gain.into_iter().enumerate() {
            let user = &mut t.users[i];
            let new = (0..extra.len())
                .map(|k| extra[(n + k) % extra.len()])
                .find(|s| {
                    !user
                        .states
                        .iter()
                        .any(|x| x.sku == *s && x.state != "Error")
                });
            if let Some(s) = new {
                user.states.push(direct(s));
            }
        }
        for i in lose {
            if let Some(at) = lone_direct(&t.users[i]) {
                t.users[i].states.remove(at);
            }
        }

        let mut leavers = leavers;
        leavers.sort_unstable_by(|a, b| b.cmp(a));
        for i in leavers {
            let user = t.users.remove(i);
            let deleted = t.now - rng.random_range(DAY..5 * DAY);
            t.deleted_users.push(DeletedUser::from_user(&user, deleted));
            for device in &mut t.devices {
                device.owners.retain(|o| *o != user.id);
            }
        }

        let e3_plans_off = t.e3_plans_off();
        let template = UserTemplate {
            domain: &t.domain,
            e3_plans_off: &e3_plans_off,
        };
        let teams = t.groups.len() - group::FIRST_TEAM;
        let joiners: Vec<User> = (0..k)
            .map(|j| {
                let created = t.now - rng.random_range(DAY..15 * DAY);
                let mut user = template.draw(&mut rng, &format!("n{seed:x}x{j}"), created);
                user.sign_in = crate::activity::for_joiner(t.now, &mut rng);
                user.member_of = sample(&mut rng, teams, 1.min(teams))
                    .into_iter()
                    .map(|g| group::FIRST_TEAM + g)
                    .collect();
                sync_licence_groups(&mut user);
                user
            })
            .collect();
        t.users.extend(joiners);
        t
    }
}

/// The position of a working direct state whose SKU the user holds no other way, if any.
fn lone_direct(user: &User) -> Option<usize> {
    user.states.iter().position(|s| {
        s.group.is_none()
            && s.state != "Error"
            && user.states.iter().filter(|x| x.sku == s.sku).count() == 1
    })
}
