//! The generated customer: determinism, Google's rules (one SKU per product and user, no cycles
//! in group nesting), every case a collector must handle, and speed at 10,000 users.

use super::{SEED, tenant};
use crate::tenant::MemberRef;
use crate::{Billing, Tenant, TenantSpec};
use std::collections::BTreeSet;

#[test]
fn the_same_spec_gives_the_same_tenant() {
    let (a, b) = (tenant(200), tenant(200));
    assert_eq!(a.users, b.users);
    assert_eq!(a.groups, b.groups);
    assert_eq!(a.assignments, b.assignments);
    assert_eq!(a.expected(), b.expected());
    let other = Tenant::generate(&TenantSpec {
        users: 200,
        seed: SEED,
        billing: Billing::Direct,
        now: a.now,
    });
    assert_eq!(other.users, a.users);
}

#[test]
fn google_rules_hold_and_every_case_is_present() {
    let t = tenant(1000);
    let mut seen = BTreeSet::new();
    for a in &t.assignments {
        assert!(
            seen.insert((a.user, a.sku.product_id)),
            "one SKU per product and user"
        );
    }
    let emails: BTreeSet<_> = t.users.iter().map(|u| u.primary_email.as_str()).collect();
    assert_eq!(emails.len(), t.users.len());
    assert!(t.users[0].is_admin && !t.users[0].suspended);
    for u in t.users.iter().filter(|u| u.archived) {
        assert!(
            t.assignments
                .iter()
                .filter(|a| a.user == t.users.iter().position(|x| x == u).unwrap())
                .all(|a| a.sku.product_id == "101034")
        );
    }
    let e = t.expected();
    let c = &e.counts;
    assert!(c.suspended > 0 && c.archived > 0 && c.never_logged_in > 0 && c.unlicensed > 0);
    assert!(c.delegated_admins > 0);
    assert!(c.nested >= 2 && c.external > 0 && c.customer_members == 1);
    assert_eq!(
        c.max_nesting_depth, 3,
        "all-staff → engineering → eng-platform"
    );
    for product in ["Google-Apps", "Google-Vault", "101033", "101034", "101005"] {
        assert!(e.skus.iter().any(|s| s.product_id == product), "{product}");
    }
    assert!(e.skus.iter().any(|s| s.assigned_suspended > 0));
    // No group holds itself, directly or not.
    for g in 0..t.groups.len() {
        let mut stack = vec![g];
        let mut reached = BTreeSet::new();
        while let Some(h) = stack.pop() {
            for m in &t.groups[h].members {
                if let MemberRef::Group(k) = m.member {
                    assert_ne!(k, g, "cycle through {}", t.groups[g].email);
                    if reached.insert(k) {
                        stack.push(k);
                    }
                }
            }
        }
    }
    // Seats of annual plans cover their licences; trials hold at most 10.
    for s in &t.subscriptions {
        if let Some(n) = s.number_of_seats {
            assert!(n >= s.licensed_number_of_seats);
        }
        if s.plan == crate::Plan::Trial {
            assert!(s.licensed_number_of_seats <= 10);
        }
    }
}

#[test]
fn ten_thousand_users_generate_quickly() {
    let start = std::time::Instant::now();
    let t = tenant(10_000);
    let e = t.expected();
    assert_eq!(e.counts.users, 10_000);
    assert!(start.elapsed().as_secs() < 20, "{:?}", start.elapsed());
}
