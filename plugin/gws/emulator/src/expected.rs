//! Ground truth: what a correct collector reports about the customer, computed from the model
//! (never from the emulator's HTTP answers), so tests compare exact values. `--info-out` writes
//! it as JSON beside the URL.

use crate::catalog;
use crate::tenant::{Billing, MemberRef, Tenant};
use serde::Serialize;

/// The service account, as a client configures it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExpectedServiceAccount {
    /// `client_email`.
    pub client_email: String,
    /// `client_id` (the ID domain-wide delegation is granted to).
    pub client_id: String,
    /// `private_key_id`.
    pub private_key_id: String,
    /// `project_id`.
    pub project_id: String,
}

/// Counts over users and groups.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Users.
    pub users: usize,
    /// Users neither suspended nor archived.
    pub active: usize,
    /// Suspended users.
    pub suspended: usize,
    /// Archived users.
    pub archived: usize,
    /// Users whose `lastLoginTime` is the never-signed-in sentinel.
    pub never_logged_in: usize,
    /// Super administrators (`isAdmin`).
    pub admins: usize,
    /// Delegated administrators.
    pub delegated_admins: usize,
    /// Users holding no licence.
    pub unlicensed: usize,
    /// Groups.
    pub groups: usize,
    /// Direct member entries over all groups (every type).
    pub memberships: usize,
    /// Member entries of type `USER` that are users of the customer.
    pub user_members: usize,
    /// Member entries of type `GROUP` (nested groups).
    pub nested: usize,
    /// Member entries with an outside address (type `USER`, another domain).
    pub external: usize,
    /// Member entries of type `CUSTOMER`.
    pub customer_members: usize,
    /// The longest chain of nested groups (1 when no group holds another).
    pub max_nesting_depth: usize,
    /// Licence assignments over all products.
    pub licence_assignments: usize,
}

/// Seats of a reseller subscription.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExpectedSeats {
    /// `subscriptionId`.
    pub subscription_id: String,
    /// `plan.planName`.
    pub plan: String,
    /// `status`.
    pub status: String,
    /// `seats.numberOfSeats` (annual plans).
    pub number_of_seats: Option<u64>,
    /// `seats.maximumNumberOfSeats` (flexible and trial plans).
    pub maximum_number_of_seats: Option<u64>,
    /// `seats.licensedNumberOfSeats`.
    pub licensed_number_of_seats: u64,
    /// `trialSettings.isInTrial`.
    pub is_in_trial: bool,
}

/// One SKU the customer holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExpectedSku {
    /// `productId`.
    pub product_id: String,
    /// `productName`.
    pub product_name: String,
    /// `skuId`.
    pub sku_id: String,
    /// `skuName`.
    pub sku_name: String,
    /// Users holding it.
    pub assigned: usize,
    /// … of whom suspended.
    pub assigned_suspended: usize,
    /// … of whom archived.
    pub assigned_archived: usize,
    /// Its subscription's seats (reseller-managed customers only; `None` when directly billed or
    /// when the SKU has no subscription of its own).
    pub seats: Option<ExpectedSeats>,
}

/// Everything a collector should find.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Expected {
    /// Customer ID.
    pub customer_id: String,
    /// Primary domain.
    pub domain: String,
    /// Organisation name.
    pub organization: String,
    /// The super administrator to impersonate.
    pub admin_email: String,
    /// The service account.
    pub service_account: ExpectedServiceAccount,
    /// `reseller` or `direct`.
    pub billing: Billing,
    /// Counts.
    pub counts: Counts,
    /// Per SKU held (or subscribed to), in catalogue order.
    pub skus: Vec<ExpectedSku>,
}

/// The depth of the longest nesting chain starting at group `g` (1 for a group holding none).
fn depth(t: &Tenant, g: usize, seen: &mut Vec<usize>) -> usize {
    if seen.contains(&g) {
        return 0;
    }
    seen.push(g);
    let below = t.groups[g]
        .members
        .iter()
        .filter_map(|m| match m.member {
            MemberRef::Group(h) => Some(depth(t, h, seen)),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    seen.pop();
    below + 1
}

impl Tenant {
    /// The ground truth of this tenant.
    pub fn expected(&self) -> Expected {
        let mut c = Counts {
            users: self.users.len(),
            groups: self.groups.len(),
            licence_assignments: self.assignments.len(),
            ..Counts::default()
        };
        for u in &self.users {
            c.active += usize::from(!u.suspended && !u.archived);
            c.suspended += usize::from(u.suspended);
            c.archived += usize::from(u.archived);
            c.never_logged_in += usize::from(u.last_login_time.is_none());
            c.admins += usize::from(u.is_admin);
            c.delegated_admins += usize::from(u.is_delegated_admin);
        }
        let mut licensed = vec![false; self.users.len()];
        for a in &self.assignments {
            licensed[a.user] = true;
        }
        c.unlicensed = licensed.iter().filter(|l| !**l).count();
        for g in &self.groups {
            c.memberships += g.members.len();
            for m in &g.members {
                match m.member {
                    MemberRef::User(_) => c.user_members += 1,
                    MemberRef::Group(_) => c.nested += 1,
                    MemberRef::External { .. } => c.external += 1,
                    MemberRef::Customer => c.customer_members += 1,
                }
            }
        }
        c.max_nesting_depth = (0..self.groups.len())
            .map(|g| depth(self, g, &mut Vec::new()))
            .max()
            .unwrap_or(0);
        let skus = catalog::SKUS
            .iter()
            .filter_map(|sku| {
                let holders: Vec<usize> = self
                    .assignments_of(sku.product_id, Some(sku.sku_id))
                    .map(|a| a.user)
                    .collect();
                let subscription = self.subscriptions.iter().find(|s| s.sku == sku);
                if holders.is_empty() && subscription.is_none() {
                    return None;
                }
                let seats = subscription
                    .filter(|_| self.billing == Billing::Reseller)
                    .map(|s| ExpectedSeats {
                        subscription_id: s.id.clone(),
                        plan: s.plan.name().into(),
                        status: s.status.into(),
                        number_of_seats: s.number_of_seats,
                        maximum_number_of_seats: s.maximum_number_of_seats,
                        licensed_number_of_seats: s.licensed_number_of_seats,
                        is_in_trial: s.trial_end.is_some(),
                    });
                Some(ExpectedSku {
                    product_id: sku.product_id.into(),
                    product_name: sku.product_name.into(),
                    sku_id: sku.sku_id.into(),
                    sku_name: sku.sku_name.into(),
                    assigned: holders.len(),
                    assigned_suspended: holders
                        .iter()
                        .filter(|u| self.users[**u].suspended)
                        .count(),
                    assigned_archived: holders.iter().filter(|u| self.users[**u].archived).count(),
                    seats,
                })
            })
            .collect();
        let sa = &self.service_account;
        Expected {
            customer_id: self.customer_id.clone(),
            domain: self.domain.clone(),
            organization: self.organization.clone(),
            admin_email: self.admin_email().into(),
            service_account: ExpectedServiceAccount {
                client_email: sa.client_email.clone(),
                client_id: sa.client_id.clone(),
                private_key_id: sa.private_key_id.clone(),
                project_id: sa.project_id.clone(),
            },
            billing: self.billing,
            counts: c,
            skus,
        }
    }
}
