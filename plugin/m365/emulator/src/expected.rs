//! Ground truth: what a correct collector reports about the tenant, computed straight from the
//! model (never from the emulator's HTTP answers), so tests compare exact values.

use crate::clock::{self, DAY};
use crate::directory::{MemberKind, MemberRef};
use crate::tenant::{Tenant, User, count_consumed};
use std::collections::{BTreeMap, BTreeSet};

/// The balance a correct collector must report for one SKU.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectedBalance {
    /// SKU GUID.
    pub sku_id: String,
    /// Part number.
    pub part_number: String,
    /// Status.
    pub status: String,
    /// Enabled units.
    pub enabled: u64,
    /// Warning units.
    pub warning: u64,
    /// Suspended units.
    pub suspended: u64,
    /// Locked-out units.
    pub locked_out: u64,
    /// Consumed units.
    pub consumed: u64,
}

/// SKU GUID → object IDs of the users concerned.
pub type UsersBySku = BTreeMap<String, BTreeSet<String>>;

/// Licence waste, per paid SKU (entries without users are left out).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExpectedWaste {
    /// Disabled users holding the SKU.
    pub disabled: UsersBySku,
    /// Enabled users holding the SKU whose last activity (the later of the interactive and
    /// non-interactive sign-ins) is older than the threshold.
    pub inactive: UsersBySku,
    /// Enabled users holding the SKU who never signed in, created before the threshold.
    pub never_signed_in: UsersBySku,
    /// Soft-deleted users whose `assignedLicenses` include the SKU.
    pub soft_deleted: UsersBySku,
    /// Guests (enabled or not) holding the SKU.
    pub guest_paid: UsersBySku,
    /// Users with both a direct and a group assignment of the SKU (in any state).
    pub duplicate: UsersBySku,
    /// Users holding the SKU and another paid SKU whose service plans include all of its
    /// plans (for identical plan sets, the SKU with the larger GUID is the redundant one).
    pub redundant: UsersBySku,
    /// For any SKU: user object ID → error code, for states whose error is not `None`.
    pub errors: BTreeMap<String, BTreeMap<String, String>>,
    /// Paid SKUs with more enabled units than consumed: the difference.
    pub unassigned: BTreeMap<String, u64>,
}

/// A subscription as a correct collector reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectedSubscription {
    /// Subscription `id`.
    pub id: String,
    /// `skuId`.
    pub sku_id: String,
    /// `status`.
    pub status: String,
    /// `totalLicenses`.
    pub total_licenses: u64,
    /// `isTrial`.
    pub is_trial: bool,
    /// `nextLifecycleDateTime`.
    pub next_lifecycle: Option<String>,
    /// Whole days from the tenant's now to `nextLifecycleDateTime` (rounded down).
    pub days_until: Option<i64>,
}

/// What changed between two states of a tenant (see [`Tenant::evolve`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExpectedChanges {
    /// Users only in the new state.
    pub joiners: BTreeSet<String>,
    /// Users only in the old state.
    pub leavers: BTreeSet<String>,
    /// Users enabled before and disabled now.
    pub disabled: BTreeSet<String>,
    /// Users disabled before and enabled now.
    pub enabled: BTreeSet<String>,
    /// (user ID, SKU GUID) held now and not before, for users in both states.
    pub licence_added: BTreeSet<(String, String)>,
    /// (user ID, SKU GUID) held before and not now, for users in both states.
    pub licence_removed: BTreeSet<(String, String)>,
    /// (user ID, old principal name) of users in both states whose principal name changed.
    pub renamed: BTreeSet<(String, String)>,
}

/// The SKUs (indices) a user holds: those with a state other than `Error`.
pub fn held_skus(user: &User) -> BTreeSet<usize> {
    user.states
        .iter()
        .filter(|s| s.state != "Error")
        .map(|s| s.sku)
        .collect()
}

/// What changed from `old` to `new`.
pub fn expected_changes(old: &Tenant, new: &Tenant) -> ExpectedChanges {
    let index = |t: &Tenant| -> BTreeMap<String, (bool, BTreeSet<String>, String)> {
        t.users
            .iter()
            .map(|u| {
                let held = held_skus(u)
                    .into_iter()
                    .map(|s| t.skus[s].sku_id.clone())
                    .collect();
                (u.id.clone(), (u.enabled, held, u.upn.clone()))
            })
            .collect()
    };
    let (before, after) = (index(old), index(new));
    let mut changes = ExpectedChanges {
        joiners: after
            .keys()
            .filter(|id| !before.contains_key(*id))
            .cloned()
            .collect(),
        leavers: before
            .keys()
            .filter(|id| !after.contains_key(*id))
            .cloned()
            .collect(),
        ..Default::default()
    };
    for (id, (was_enabled, had, old_upn)) in &before {
        let Some((enabled, holds, upn)) = after.get(id) else {
            continue;
        };
        if upn != old_upn {
            changes.renamed.insert((id.clone(), old_upn.clone()));
        }
        match (was_enabled, enabled) {
            (true, false) => changes.disabled.insert(id.clone()),
            (false, true) => changes.enabled.insert(id.clone()),
            _ => false,
        };
        let pairs = |a: &BTreeSet<String>, b: &BTreeSet<String>| {
            a.difference(b)
                .map(|s| (id.clone(), s.clone()))
                .collect::<Vec<_>>()
        };
        changes.licence_added.extend(pairs(holds, had));
        changes.licence_removed.extend(pairs(had, holds));
    }
    changes
}

impl Tenant {
    /// Units of SKU `sku` in use: users with at least one working assignment of it.
    pub fn consumed(&self, sku: usize) -> u64 {
        count_consumed(&self.users, sku)
    }

    /// The balance a correct collector reports, in SKU order.
    pub fn expected_balance(&self) -> Vec<ExpectedBalance> {
        self.skus
            .iter()
            .enumerate()
            .map(|(i, s)| ExpectedBalance {
                sku_id: s.sku_id.clone(),
                part_number: s.part_number.clone(),
                status: s.status.clone(),
                enabled: s.enabled,
                warning: s.warning,
                suspended: s.suspended,
                locked_out: s.locked_out,
                consumed: self.consumed(i),
            })
            .collect()
    }

    /// Number of `licenseAssignmentStates` entries over all users.
    pub fn assignment_states(&self) -> usize {
        self.users.iter().map(|u| u.states.len()).sum()
    }

    /// The licence waste a correct collector reports, with `inactive_days` as the threshold
    /// for inactive and never-signed-in users.
    pub fn expected_waste(&self, inactive_days: i64) -> ExpectedWaste {
        let cutoff = self.now - inactive_days * DAY;
        let mut waste = ExpectedWaste::default();
        let plans: Vec<BTreeSet<&str>> = self
            .skus
            .iter()
            .map(|s| s.plans.iter().map(|(id, _)| id.as_str()).collect())
            .collect();
        let add = |map: &mut UsersBySku, sku: usize, user: &str| {
            map.entry(self.skus[sku].sku_id.clone())
                .or_default()
                .insert(user.to_string());
        };
        for u in &self.users {
            let paid: BTreeSet<usize> = held_skus(u)
                .into_iter()
                .filter(|s| Tenant::is_paid(*s))
                .collect();
            let last_activity = u.sign_in.as_ref().and_then(|s| s.last_activity());
            let created = clock::parse(&u.created).unwrap_or(self.now);
            for &s in &paid {
                if !u.enabled {
                    add(&mut waste.disabled, s, &u.id);
                }
                if u.enabled && last_activity.is_some_and(|t| t < cutoff) {
                    add(&mut waste.inactive, s, &u.id);
                }
                if u.enabled && last_activity.is_none() && created < cutoff {
                    add(&mut waste.never_signed_in, s, &u.id);
                }
                if u.user_type == "Guest" {
                    add(&mut waste.guest_paid, s, &u.id);
                }
                let covered_by = |b: &usize| {
                    *b != s
                        && plans[s].is_subset(&plans[*b])
                        && (plans[s] != plans[*b] || self.skus[s].sku_id > self.skus[*b].sku_id)
                };
                if !plans[s].is_empty() && paid.iter().any(covered_by) {
                    add(&mut waste.redundant, s, &u.id);
                }
            }
            for s in 0..self.skus.len() {
                let via = |group: bool| {
                    u.states
                        .iter()
                        .any(|x| x.sku == s && x.group.is_some() == group)
                };
                if Tenant::is_paid(s) && via(true) && via(false) {
                    add(&mut waste.duplicate, s, &u.id);
                }
            }
            for state in u.states.iter().filter(|x| x.error != "None") {
                waste
                    .errors
                    .entry(self.skus[state.sku].sku_id.clone())
                    .or_default()
                    .insert(u.id.clone(), state.error.to_string());
            }
        }
        for d in &self.deleted_users {
            for &s in d.licenses.iter().filter(|s| Tenant::is_paid(**s)) {
                add(&mut waste.soft_deleted, s, &d.id);
            }
        }
        for (i, sku) in self.skus.iter().enumerate() {
            let consumed = self.consumed(i);
            if Tenant::is_paid(i) && sku.enabled > consumed {
                waste
                    .unassigned
                    .insert(sku.sku_id.clone(), sku.enabled - consumed);
            }
        }
        waste
    }

    /// The subscriptions a correct collector reports, in `/directory/subscriptions` order.
    pub fn expected_subscriptions(&self) -> Vec<ExpectedSubscription> {
        self.subscriptions
            .iter()
            .map(|s| ExpectedSubscription {
                id: s.id.clone(),
                sku_id: self.skus[s.sku].sku_id.clone(),
                status: s.status.to_string(),
                total_licenses: s.total_licenses,
                is_trial: s.is_trial,
                next_lifecycle: s.next_lifecycle.clone(),
                days_until: s
                    .next_lifecycle
                    .as_deref()
                    .and_then(clock::parse)
                    .map(|t| (t - self.now).div_euclid(DAY)),
            })
            .collect()
    }

    /// IDs of the subscriptions whose next lifecycle date is within `days` from now.
    pub fn renewing_within(&self, days: i64) -> BTreeSet<String> {
        let window = self.now..=self.now + days * DAY;
        self.subscriptions
            .iter()
            .filter(|s| {
                s.next_lifecycle
                    .as_deref()
                    .and_then(clock::parse)
                    .is_some_and(|t| window.contains(&t))
            })
            .map(|s| s.id.clone())
            .collect()
    }

    /// The direct members of group `group`, as (object ID, kind): its users, then its other
    /// members.
    pub fn direct_members(&self, group: usize) -> Vec<(String, MemberKind)> {
        let users = self
            .users
            .iter()
            .filter(|u| u.member_of.contains(&group))
            .map(|u| (u.id.clone(), MemberKind::User));
        let others = self.groups[group]
            .other_members
            .iter()
            .map(|m| (self.member_id(*m).to_string(), m.kind()));
        users.chain(others).collect()
    }

    /// Object IDs of the users in group `group` directly or through nested groups.
    pub fn transitive_user_members(&self, group: usize) -> BTreeSet<String> {
        let mut seen = BTreeSet::from([group]);
        let mut todo = vec![group];
        while let Some(g) = todo.pop() {
            for m in &self.groups[g].other_members {
                if let MemberRef::Group(nested) = *m
                    && seen.insert(nested)
                {
                    todo.push(nested);
                }
            }
        }
        self.users
            .iter()
            .filter(|u| u.member_of.iter().any(|g| seen.contains(g)))
            .map(|u| u.id.clone())
            .collect()
    }

    /// Direct member entries over all groups.
    pub fn membership_count(&self) -> usize {
        let users: usize = self.users.iter().map(|u| u.member_of.len()).sum();
        users
            + self
                .groups
                .iter()
                .map(|g| g.other_members.len())
                .sum::<usize>()
    }

    /// Registered-owner entries over all devices.
    pub fn device_owner_count(&self) -> usize {
        self.devices.iter().map(|d| d.owners.len()).sum()
    }

    /// The object ID of a member.
    pub fn member_id(&self, m: MemberRef) -> &str {
        match m {
            MemberRef::User(i) => &self.users[i].id,
            MemberRef::Group(i) => &self.groups[i].id,
            MemberRef::Device(i) => &self.devices[i].id,
            MemberRef::ServicePrincipal(i) => &self.service_principals[i].id,
            MemberRef::OrgContact(i) => &self.contacts[i].id,
        }
    }
}
