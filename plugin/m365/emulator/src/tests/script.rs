//! Scripted changes: each kind does what it says and keeps the tenant consistent, so the
//! ground truth of [`crate::expected`] stays right.

use super::tenant;
use crate::tenant::{group, sku};
use crate::{Change, MemberRef, Tenant, expected_changes, held_skus};

/// Applies `change` and checks the result is consistent.
fn apply(t: &Tenant, change: Change) -> Tenant {
    let after = t.apply(&change);
    assert_eq!(
        after.consistency_errors(),
        Vec::<String>::new(),
        "{change:?}"
    );
    after
}

fn user<'a>(t: &'a Tenant, id: &str) -> &'a crate::tenant::User {
    t.users.iter().find(|u| u.id == id).unwrap()
}

#[test]
fn generated_and_evolved_tenants_are_consistent() {
    for (users, seed) in [(2000, 7), (300, 1), (50, 2)] {
        let t = tenant(users, seed);
        assert_eq!(t.consistency_errors(), Vec::<String>::new());
        assert_eq!(t.evolve(3).consistency_errors(), Vec::<String>::new());
    }
}

#[test]
fn each_kind_of_change_does_what_it_says() {
    let t = tenant(400, 3);
    let first = t.users[0].id.clone();

    // Leaver, restore, purge.
    let left = apply(
        &t,
        Change::Leaver {
            user: first.clone(),
        },
    );
    assert!(left.users.iter().all(|u| u.id != first));
    let deleted = left.deleted_users.last().unwrap();
    assert_eq!(deleted.id, first);
    assert_eq!(
        deleted
            .licenses
            .iter()
            .copied()
            .collect::<std::collections::BTreeSet<_>>(),
        held_skus(&t.users[0])
    );
    // A soft-deleted user stays the registered owner of its devices until it is purged.
    let owned = |t: &Tenant| -> usize {
        t.devices
            .iter()
            .filter(|d| d.owners.contains(&first))
            .count()
    };
    assert_eq!(owned(&left), owned(&t));
    assert_eq!(expected_changes(&t, &left).leavers.len(), 1);
    let back = apply(
        &left,
        Change::Restore {
            user: first.clone(),
        },
    );
    let restored = user(&back, &first);
    assert_eq!(restored.states, t.users[0].states);
    assert_eq!(restored.member_of, t.users[0].member_of);
    assert!(back.deleted_users.iter().all(|d| d.id != first));
    let purged = apply(
        &left,
        Change::Purge {
            user: first.clone(),
        },
    );
    assert!(purged.deleted_users.iter().all(|d| d.id != first));
    assert!(purged.users.iter().all(|u| u.id != first));
    assert_eq!(owned(&purged), 0);
    // A generated soft-deleted user can be restored too, with its group memberships.
    let old = t.deleted_users[2].id.clone();
    let restored = apply(&t, Change::Restore { user: old.clone() });
    let u = user(&restored, &old);
    assert!(
        u.states
            .iter()
            .all(|s| s.group.is_none_or(|g| u.member_of.contains(&g)))
    );

    // Joiners, alone or into a licence group.
    let joined = apply(
        &t,
        Change::Joiner {
            seed: 9,
            group: None,
        },
    );
    assert_eq!(joined.users.len(), t.users.len() + 1);
    let e3 = t.groups[group::LICENSE_M365_E3].id.clone();
    let joined = apply(
        &t,
        Change::Joiner {
            seed: 10,
            group: Some(e3.clone()),
        },
    );
    let new = joined.users.last().unwrap();
    assert!(new.member_of.contains(&group::LICENSE_M365_E3));
    assert!(
        new.states
            .iter()
            .any(|s| s.group == Some(group::LICENSE_M365_E3))
    );
    assert_eq!(expected_changes(&t, &joined).joiners.len(), 1);

    // Renames, disable and enable.
    let renamed = apply(
        &t,
        Change::RenameUpn {
            user: first.clone(),
            upn: "x@contoso.onmicrosoft.com".into(),
        },
    );
    assert_eq!(user(&renamed, &first).upn, "x@contoso.onmicrosoft.com");
    assert_eq!(expected_changes(&t, &renamed).renamed.len(), 1);
    let taken = t.users[1].upn.clone();
    assert!(
        t.clone()
            .try_apply(&Change::RenameUpn {
                user: first.clone(),
                upn: taken
            })
            .is_err()
    );
    let named = apply(
        &t,
        Change::RenameDisplayName {
            user: first.clone(),
            display_name: "Zed Zed".into(),
        },
    );
    assert_eq!(user(&named, &first).display_name, "Zed Zed");
    let enabled = t.users.iter().find(|u| u.enabled).unwrap().id.clone();
    let disabled = apply(
        &t,
        Change::Disable {
            user: enabled.clone(),
        },
    );
    assert!(!user(&disabled, &enabled).enabled);
    assert!(
        disabled
            .clone()
            .try_apply(&Change::Disable {
                user: enabled.clone()
            })
            .is_err()
    );
    assert!(
        user(
            &apply(
                &disabled,
                Change::Enable {
                    user: enabled.clone()
                }
            ),
            &enabled
        )
        .enabled
    );

    // Direct licences.
    let bare = t
        .users
        .iter()
        .find(|u| u.states.is_empty())
        .unwrap()
        .id
        .clone();
    let added = apply(
        &t,
        Change::AddLicence {
            user: bare.clone(),
            sku: sku::VISIO,
        },
    );
    assert_eq!(held_skus(user(&added, &bare)), [sku::VISIO].into());
    assert_eq!(added.consumed(sku::VISIO), t.consumed(sku::VISIO) + 1);
    let removed = apply(
        &added,
        Change::RemoveLicence {
            user: bare.clone(),
            sku: sku::VISIO,
        },
    );
    assert!(user(&removed, &bare).states.is_empty());
    assert!(
        removed
            .clone()
            .try_apply(&Change::RemoveLicence {
                user: bare.clone(),
                sku: sku::VISIO
            })
            .is_err()
    );

    // Licence groups: states follow direct membership.
    let in_group = apply(
        &t,
        Change::JoinGroup {
            user: bare.clone(),
            group: e3.clone(),
        },
    );
    let u = user(&in_group, &bare);
    assert_eq!(held_skus(u), [sku::M365_E3].into());
    assert_eq!(u.states[0].disabled_plans, t.e3_plans_off());
    let out = apply(
        &in_group,
        Change::LeaveGroup {
            user: bare.clone(),
            group: e3.clone(),
        },
    );
    assert!(user(&out, &bare).states.is_empty());
    assert!(
        user(&out, &bare)
            .member_of
            .iter()
            .all(|g| *g != group::LICENSE_M365_E3)
    );

    // Nesting, without cycles.
    let team = t.groups[group::FIRST_TEAM].id.clone();
    let pilot = t.groups[group::E3_PILOT].id.clone();
    let nested = apply(
        &t,
        Change::NestGroup {
            group: team.clone(),
            parent: pilot.clone(),
        },
    );
    assert!(
        nested.groups[group::E3_PILOT]
            .other_members
            .contains(&MemberRef::Group(group::FIRST_TEAM))
    );
    assert!(
        nested.transitive_user_members(group::LICENSE_M365_E3).len()
            >= t.transitive_user_members(group::LICENSE_M365_E3).len()
    );
    let cycle = Change::NestGroup {
        group: e3.clone(),
        parent: team.clone(),
    };
    assert!(
        nested.clone().try_apply(&cycle).is_err(),
        "E3 ⊃ pilot ⊃ team ⊃ E3"
    );
    let unnested = apply(
        &nested,
        Change::UnnestGroup {
            group: team.clone(),
            parent: pilot.clone(),
        },
    );
    assert_eq!(
        unnested.groups[group::E3_PILOT].other_members,
        t.groups[group::E3_PILOT].other_members
    );

    // A new licence group, then its deletion: members lose its licence, indices stay right.
    let id = "0a0a0a0a-0000-4000-8000-000000000001".to_string();
    let created = apply(
        &t,
        Change::NewGroup {
            id: id.clone(),
            display_name: "License - Visio".into(),
            licences: vec![sku::VISIO],
        },
    );
    let with_member = apply(
        &created,
        Change::JoinGroup {
            user: bare.clone(),
            group: id.clone(),
        },
    );
    let later_team = with_member.groups.len() - 2;
    let with_member = apply(
        &with_member,
        Change::NestGroup {
            group: id.clone(),
            parent: with_member.groups[later_team].id.clone(),
        },
    );
    assert_eq!(with_member.consumed(sku::VISIO), t.consumed(sku::VISIO) + 1);
    let gone = apply(&with_member, Change::DeleteGroup { group: id.clone() });
    assert_eq!(gone.groups.len(), t.groups.len());
    assert_eq!(gone.consumed(sku::VISIO), t.consumed(sku::VISIO));
    assert!(user(&gone, &bare).states.is_empty());
    assert!(
        t.clone()
            .try_apply(&Change::DeleteGroup { group: e3.clone() })
            .is_err(),
        "a fixed group"
    );
    // Deleting a team group shifts later indices everywhere.
    let second_team = t.groups[group::FIRST_TEAM + 1].id.clone();
    let shifted = apply(
        &t,
        Change::DeleteGroup {
            group: team.clone(),
        },
    );
    let moved = shifted
        .groups
        .iter()
        .position(|g| g.id == second_team)
        .unwrap();
    assert_eq!(moved, group::FIRST_TEAM);
    assert_eq!(
        shifted.direct_members(moved).len(),
        t.direct_members(group::FIRST_TEAM + 1).len()
    );
    assert_eq!(
        shifted.membership_count(),
        t.membership_count() - t.direct_members(group::FIRST_TEAM).len()
    );

    // SKU units, with the subscriptions following.
    let up = apply(
        &t,
        Change::SkuUnits {
            sku: sku::VISIO,
            enabled: 7,
        },
    );
    assert_eq!(up.skus[sku::VISIO].enabled, 7);
    assert_eq!(up.expected_subscriptions().len(), t.subscriptions.len() + 1);
    let down = apply(
        &t,
        Change::SkuUnits {
            sku: sku::O365_E3,
            enabled: 1,
        },
    );
    assert_eq!(down.expected_balance()[sku::O365_E3].enabled, 1);

    // Devices.
    let added = apply(
        &t,
        Change::DeviceAdded {
            seed: 4,
            owner: Some(first.clone()),
        },
    );
    assert_eq!(added.devices.last().unwrap().owners, [first.as_str()]);
    let member = t
        .groups
        .iter()
        .flat_map(|g| &g.other_members)
        .find_map(|m| match m {
            MemberRef::Device(d) => Some(*d),
            _ => None,
        })
        .unwrap();
    let removed = apply(
        &t,
        Change::DeviceRemoved {
            device: t.devices[member].id.clone(),
        },
    );
    assert_eq!(removed.devices.len(), t.devices.len() - 1);
    assert!(removed.membership_count() < t.membership_count());
    assert!(
        t.clone()
            .try_apply(&Change::DeviceRemoved {
                device: "nope".into()
            })
            .is_err()
    );
}

#[test]
fn random_changes_are_valid_varied_and_deterministic() {
    let t = tenant(300, 5);
    let mut rng = crate::tenant::stream(1, 1);
    let mut kinds = std::collections::BTreeSet::new();
    let mut current = t.clone();
    for _ in 0..600 {
        let change = Change::random(&mut rng, &current);
        kinds.insert(
            format!("{change:?}")
                .split([' ', '{'])
                .next()
                .unwrap()
                .to_string(),
        );
        current = apply(&current, change);
    }
    assert_eq!(kinds.len(), 19, "{kinds:?}");
    let a = t.apply_random(8, 200);
    assert_eq!(a, t.apply_random(8, 200));
    assert_ne!(a, t.apply_random(9, 200));
    assert_eq!(a.consistency_errors(), Vec::<String>::new());
    // The ground truth still computes for a changed tenant.
    let c = expected_changes(&t, &a);
    assert!(!c.joiners.is_empty() && !c.leavers.is_empty());
    let w = a.expected_waste(90);
    let soft: std::collections::BTreeSet<&String> = w.soft_deleted.values().flatten().collect();
    let holding: std::collections::BTreeSet<&String> = a
        .deleted_users
        .iter()
        .filter(|d| d.licenses.iter().any(|s| Tenant::is_paid(*s)))
        .map(|d| &d.id)
        .collect();
    assert_eq!(soft, holding);
}

#[test]
fn churn_changes_people_but_no_units_and_no_groups() {
    let t = tenant(600, 4);
    let after = t.apply_churn(9, 120);
    assert_eq!(after.consistency_errors(), Vec::<String>::new());
    assert_eq!(after.groups.len(), t.groups.len());
    let units = |t: &Tenant| t.skus.iter().map(|s| s.enabled).collect::<Vec<_>>();
    assert_eq!(units(&after), units(&t));
    assert_ne!(after.users, t.users, "people changed");
}
