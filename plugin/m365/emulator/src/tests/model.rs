//! The generated tenant holds every case, deterministically, and its ground truth is coherent.

use super::{NOW, tenant};
use crate::clock::{self, DAY};
use crate::tenant::{User, group, sku};
use crate::{MemberKind, Tenant, expected_changes, held_skus};
use std::collections::BTreeSet;

#[test]
fn same_seed_gives_the_same_tenant() {
    let a = tenant(2000, 7);
    let b = tenant(2000, 7);
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
    let c = tenant(2000, 8);
    assert_ne!(a.users[17].id, c.users[17].id);
}

#[test]
fn classic_anomalies_are_present() {
    let t = tenant(2000, 7);
    assert_eq!(t.users.len(), 2000);
    let e5 = &t.expected_balance()[sku::M365_E5];
    assert!(e5.consumed > e5.enabled, "E5 must be over-allocated");
    assert!(t.users.iter().any(|u| u.upn.contains("#EXT#")));
    assert!(t.users.iter().any(|u| !u.upn.is_ascii()));
    assert_eq!(t.skus[sku::VISIO].status, "Suspended");
    assert_eq!(t.skus[sku::CUSTOM].locked_out, 5);
}

#[test]
fn product_plans_nest_as_in_microsofts_catalogue() {
    let t = tenant(50, 1);
    let plans = |s: usize| -> BTreeSet<&str> {
        t.skus[s].plans.iter().map(|(id, _)| id.as_str()).collect()
    };
    assert!(plans(sku::O365_E3).is_subset(&plans(sku::M365_E3)));
    assert!(plans(sku::EMS).is_subset(&plans(sku::M365_E3)));
    assert!(plans(sku::M365_E3).is_subset(&plans(sku::M365_E5)));
    assert!(plans(sku::O365_E3) != plans(sku::M365_E3));
    assert_eq!(t.e3_plans_off(), ["5dbe027f-2339-4123-9542-606e4d348a72"]);
    assert_eq!(t.skus[sku::O365_E3].plans[3].1, "SHAREPOINTENTERPRISE");
    assert!(Tenant::is_paid(sku::O365_E3) && Tenant::is_paid(sku::CUSTOM));
    assert!(!Tenant::is_paid(sku::FLOW_FREE) && !Tenant::is_paid(sku::TEAMS_EXPLORATORY));
}

/// Every waste case is present, for tenants of 2,000 and 300 users and several seeds.
#[test]
fn every_waste_case_is_present() {
    for (users, seed) in [(2000, 7), (300, 1), (300, 2), (300, 3), (300, 4), (200, 5)] {
        let t = tenant(users, seed);
        let w = t.expected_waste(90);
        let context = format!("{users} users, seed {seed}");
        for (name, map) in [
            ("disabled", &w.disabled),
            ("inactive", &w.inactive),
            ("never_signed_in", &w.never_signed_in),
            ("soft_deleted", &w.soft_deleted),
            ("guest_paid", &w.guest_paid),
            ("duplicate", &w.duplicate),
            ("redundant", &w.redundant),
        ] {
            assert!(!map.is_empty(), "{name} is empty ({context})");
            assert!(map.values().all(|u| !u.is_empty()), "{name} ({context})");
            let paid = |id: &String| {
                let s = t.skus.iter().position(|s| s.sku_id == *id).unwrap();
                Tenant::is_paid(s)
            };
            assert!(map.keys().all(paid), "{name} lists a free SKU ({context})");
        }
        let codes: BTreeSet<&str> = w
            .errors
            .values()
            .flat_map(|m| m.values().map(String::as_str))
            .collect();
        assert_eq!(
            codes,
            BTreeSet::from([
                "CountViolation",
                "DependencyViolation",
                "MutuallyExclusiveViolation",
                "ProhibitedInUsageLocationViolation",
                "UniquenessViolation",
            ]),
            "{context}"
        );
        let o365 = &t.skus[sku::O365_E3].sku_id;
        assert!(w.redundant[o365].len() >= 3, "{context}");
        assert!(
            w.redundant.contains_key(&t.skus[sku::EMS].sku_id),
            "{context}"
        );
        assert!(w.unassigned[o365] > 0, "{context}");
        assert!(!w.unassigned.contains_key(&t.skus[sku::M365_E5].sku_id));
    }
}

/// Sign-in times keep at least 3 days from the 30, 60 and 90-day boundaries, so the answer
/// doesn't depend on the threshold among those, nor on a test running a little later.
#[test]
fn sign_ins_stay_clear_of_the_thresholds() {
    let t = tenant(2000, 7);
    let (w30, w90) = (t.expected_waste(30), t.expected_waste(90));
    assert_eq!(w30.inactive, w90.inactive);
    assert_eq!(w30.never_signed_in, w90.never_signed_in);
    for u in &t.users {
        if let Some(last) = u.sign_in.as_ref().and_then(|s| s.last_activity()) {
            let age = (NOW - last) / DAY;
            assert!(age <= 27 || age >= 123, "{} active {age} days ago", u.id);
        }
    }
}

#[test]
fn each_sign_in_category_has_paid_users_guests_and_disabled_users() {
    let t = tenant(300, 2);
    let created = |u: &User| clock::parse(&u.created).unwrap();
    let last = |u: &User| u.sign_in.as_ref().and_then(|s| s.last_activity());
    let paid = |u: &User| held_skus(u).into_iter().any(Tenant::is_paid);
    type Category<'a> = (&'a str, &'a dyn Fn(&User) -> bool);
    let categories: [Category; 3] = [
        ("inactive", &|u| {
            last(u).is_some_and(|l| l < NOW - 120 * DAY)
        }),
        ("never, old", &|u| {
            last(u).is_none() && created(u) < NOW - 120 * DAY
        }),
        ("never, new", &|u| {
            last(u).is_none() && created(u) > NOW - 20 * DAY
        }),
    ];
    for (name, in_category) in categories {
        let users: Vec<_> = t.users.iter().filter(|u| in_category(u)).collect();
        assert!(
            users
                .iter()
                .any(|u| u.enabled && paid(u) && u.user_type == "Member"),
            "{name}: no enabled paid member"
        );
        assert!(
            users.iter().any(|u| u.user_type == "Guest"),
            "{name}: no guest"
        );
        assert!(
            users.iter().any(|u| !u.enabled && paid(u)),
            "{name}: no disabled"
        );
    }
    // New accounts that never signed in are not waste.
    let w = t.expected_waste(30);
    let flagged: BTreeSet<&String> = w.never_signed_in.values().flatten().collect();
    let new_never = t
        .users
        .iter()
        .filter(|u| last(u).is_none() && created(u) > NOW - 20 * DAY && paid(u) && u.enabled);
    assert!(new_never.clone().count() > 0);
    for u in new_never {
        assert!(!flagged.contains(&u.id));
    }
    // Some are active only through non-interactive sign-ins.
    assert!(t.users.iter().any(|u| {
        u.sign_in.as_ref().is_some_and(|s| {
            s.last_sign_in.as_deref().and_then(clock::parse) < Some(NOW - 120 * DAY)
                && s.last_activity() > Some(NOW - 30 * DAY)
        })
    }));
}

#[test]
fn subscriptions_cover_every_renewal_window_and_status() {
    let t = tenant(500, 3);
    let subs = t.expected_subscriptions();
    for s in 0..t.skus.len() {
        assert!(subs.iter().any(|x| x.sku_id == t.skus[s].sku_id), "SKU {s}");
    }
    let days: Vec<Option<i64>> = subs.iter().map(|s| s.days_until).collect();
    assert!(
        days.iter()
            .any(|d| d.is_some_and(|d| (0..=30).contains(&d)))
    );
    assert!(
        days.iter()
            .any(|d| d.is_some_and(|d| (31..=60).contains(&d)))
    );
    assert!(
        days.iter()
            .any(|d| d.is_some_and(|d| (61..=90).contains(&d)))
    );
    assert!(days.iter().any(|d| d.is_some_and(|d| d > 90)));
    assert!(days.contains(&None));
    let statuses: BTreeSet<&str> = subs.iter().map(|s| s.status.as_str()).collect();
    assert_eq!(
        statuses,
        BTreeSet::from(["Enabled", "LockedOut", "Suspended", "Warning"])
    );
    let trial = &t.skus[sku::TEAMS_EXPLORATORY].sku_id;
    assert!(subs.iter().all(|s| s.is_trial == (s.sku_id == *trial)));
    // Units add up per SKU and status.
    for (i, sku) in t.skus.iter().enumerate() {
        let total = |status: &str| -> u64 {
            t.subscriptions
                .iter()
                .filter(|s| s.sku == i && s.status == status)
                .map(|s| s.total_licenses)
                .sum()
        };
        assert_eq!(total("Enabled"), sku.enabled, "{}", sku.part_number);
        assert_eq!(total("Warning"), sku.warning, "{}", sku.part_number);
        assert_eq!(total("Suspended"), sku.suspended, "{}", sku.part_number);
        assert_eq!(total("LockedOut"), sku.locked_out, "{}", sku.part_number);
    }
    let within_30 = t.renewing_within(30);
    let expected: BTreeSet<String> = subs
        .iter()
        .filter(|s| s.days_until.is_some_and(|d| d <= 30))
        .map(|s| s.id.clone())
        .collect();
    assert_eq!(within_30, expected);
    assert!(within_30.len() >= 2 && within_30.len() < t.renewing_within(60).len());
}

#[test]
fn memberships_follow_licence_states_and_nesting() {
    let t = tenant(2000, 7);
    let e3 = group::LICENSE_M365_E3;
    let direct: Vec<_> = t.direct_members(e3);
    let direct_users: BTreeSet<&String> = direct
        .iter()
        .filter(|(_, k)| *k == MemberKind::User)
        .map(|(id, _)| id)
        .collect();
    let licensed: BTreeSet<&String> = t
        .users
        .iter()
        .filter(|u| u.states.iter().any(|s| s.group == Some(e3)))
        .map(|u| &u.id)
        .collect();
    assert_eq!(direct_users, licensed);
    let pilot = &t.groups[group::E3_PILOT];
    assert!(direct.contains(&(pilot.id.clone(), MemberKind::Group)));
    assert_eq!(t.groups[group::E3_PILOT].display_name, "E3 pilot");
    assert!(pilot.licenses.is_empty());

    let pilots: BTreeSet<String> = t
        .direct_members(group::E3_PILOT)
        .into_iter()
        .map(|m| m.0)
        .collect();
    assert!(pilots.len() >= 5);
    let transitive = t.transitive_user_members(e3);
    assert!(pilots.is_subset(&transitive));
    assert_eq!(
        transitive.len(),
        licensed.union(&pilots.iter().collect()).count()
    );
    // Nested members don't inherit the group's licence.
    assert!(pilots.iter().any(|id| !licensed.contains(id)));

    let kinds: BTreeSet<MemberKind> = (0..t.groups.len())
        .flat_map(|g| t.direct_members(g))
        .map(|(_, k)| k)
        .collect();
    assert_eq!(kinds.len(), 5, "every member type appears: {kinds:?}");
    assert!(t.users.iter().all(|u| {
        u.member_of
            .iter()
            .filter(|g| **g >= group::FIRST_TEAM)
            .count()
            <= 2
    }));
    let total: usize = (0..t.groups.len()).map(|g| t.direct_members(g).len()).sum();
    assert_eq!(t.membership_count(), total);
}

#[test]
fn devices_and_deleted_users_are_generated() {
    let t = tenant(2000, 7);
    assert_eq!(t.devices.len(), 1000);
    assert_eq!(tenant(3, 1).devices.len(), 3);
    let disabled: BTreeSet<&String> = t
        .users
        .iter()
        .filter(|u| !u.enabled)
        .map(|u| &u.id)
        .collect();
    assert!(t.devices.iter().any(|d| d.owners.is_empty()));
    assert!(t.devices.iter().any(|d| d.owners.len() == 2));
    assert!(
        t.devices
            .iter()
            .any(|d| d.owners.iter().any(|o| disabled.contains(o)))
    );
    assert!(t.device_owner_count() > 800);
    let systems: BTreeSet<&str> = t.devices.iter().map(|d| d.operating_system).collect();
    assert_eq!(systems.len(), 4);

    assert_eq!(t.deleted_users.len(), 10);
    assert_eq!(tenant(300, 1).deleted_users.len(), 3);
    let live: BTreeSet<&String> = t.users.iter().map(|u| &u.id).collect();
    for d in &t.deleted_users {
        assert!(!live.contains(&d.id));
        assert!(d.upn.starts_with(&d.id.replace('-', "")));
        let deleted = clock::parse(&d.deleted).unwrap();
        assert!(deleted < NOW && deleted > NOW - 25 * DAY);
    }
    assert!(t.deleted_users.iter().any(|d| d.licenses.is_empty()));
    assert!(
        t.deleted_users
            .iter()
            .any(|d| d.licenses == [sku::FLOW_FREE])
    );
    assert!(
        t.deleted_users
            .iter()
            .filter(|d| d.licenses.iter().any(|s| Tenant::is_paid(*s)))
            .count()
            >= 8
    );
}

#[test]
fn evolve_produces_every_kind_of_change() {
    let old = tenant(2000, 7);
    let new = old.evolve(99);
    assert_eq!(new.tenant_id, old.tenant_id);
    assert_eq!(new.client_secret, old.client_secret);
    assert_eq!(format!("{:?}", new.skus), format!("{:?}", old.skus));
    assert_eq!(new.groups.len(), old.groups.len());
    let c = expected_changes(&old, &new);
    for (name, len) in [
        ("joiners", c.joiners.len()),
        ("leavers", c.leavers.len()),
        ("disabled", c.disabled.len()),
        ("enabled", c.enabled.len()),
        ("licence_added", c.licence_added.len()),
        ("licence_removed", c.licence_removed.len()),
        ("renamed", c.renamed.len()),
    ] {
        assert!(len > 0, "no {name}");
    }
    assert_eq!(c.joiners.len(), 20);
    assert_eq!(c.leavers.len(), 20);
    // Leavers are soft-deleted, joiners are recent.
    let deleted: BTreeSet<&String> = new.deleted_users.iter().map(|d| &d.id).collect();
    assert!(c.leavers.iter().all(|id| deleted.contains(id)));
    for u in new.users.iter().filter(|u| c.joiners.contains(&u.id)) {
        assert!(clock::parse(&u.created).unwrap() > NOW - 20 * DAY);
        assert!(
            u.states
                .iter()
                .all(|s| s.group.is_none_or(|g| u.member_of.contains(&g)))
        );
    }
    // Everyone else is unchanged.
    let changed: BTreeSet<&String> = c
        .disabled
        .iter()
        .chain(&c.enabled)
        .chain(c.licence_added.iter().map(|x| &x.0))
        .chain(c.licence_removed.iter().map(|x| &x.0))
        .chain(c.renamed.iter().map(|x| &x.0))
        .collect();
    let before: std::collections::HashMap<&String, String> = old
        .users
        .iter()
        .map(|u| (&u.id, format!("{u:?}")))
        .collect();
    let mut same = 0;
    for u in new.users.iter().filter(|u| !changed.contains(&u.id)) {
        if let Some(b) = before.get(&u.id) {
            assert_eq!(*b, format!("{u:?}"));
            same += 1;
        }
    }
    assert!(same > 1800);
    assert!(
        new.devices
            .iter()
            .flat_map(|d| &d.owners)
            .all(|o| !c.leavers.contains(o))
    );
    assert_eq!(expected_changes(&old, &old), Default::default());
    assert_eq!(format!("{:?}", old.evolve(99)), format!("{new:?}"));
}
