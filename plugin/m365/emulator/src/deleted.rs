//! Soft-deleted users: in `/directory/deletedItems/microsoft.graph.user` for 30 days, still
//! holding their licences, and no longer in `/users`.

use crate::clock::{self, DAY};
use crate::directory::sync_licence_groups;
use crate::tenant::{Tenant, User, UserTemplate, direct, sku};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// A soft-deleted user.
#[derive(Clone, Debug, PartialEq)]
pub struct DeletedUser {
    /// Object ID.
    pub id: String,
    /// UPN as Graph shows it after deletion: the object ID without dashes, then the old UPN.
    pub upn: String,
    /// Display name.
    pub display_name: String,
    /// Mail.
    pub mail: Option<String>,
    /// `Member` or `Guest`.
    pub user_type: &'static str,
    /// `accountEnabled` when deleted.
    pub enabled: bool,
    /// Creation time (RFC 3339).
    pub created: String,
    /// Deletion time (RFC 3339), within the last 25 days.
    pub deleted: String,
    /// SKUs in `assignedLicenses` (indices into [`Tenant::skus`]).
    pub licenses: Vec<usize>,
    /// The account as it was when deleted: a restore brings back its properties, licence
    /// states and group memberships (its `member_of` holds every group a licence state names).
    /// Graph keeps a soft-deleted user's memberships until it is purged.
    pub user: User,
}

impl DeletedUser {
    /// The user as soft-deleted at `deleted` (unix seconds), keeping the SKUs it held.
    pub(crate) fn from_user(user: &User, deleted: i64) -> DeletedUser {
        let mut licenses: Vec<usize> = Vec::new();
        for s in user.states.iter().filter(|s| s.state != "Error") {
            if !licenses.contains(&s.sku) {
                licenses.push(s.sku);
            }
        }
        DeletedUser {
            id: user.id.clone(),
            upn: format!("{}{}", user.id.replace('-', ""), user.upn),
            display_name: user.display_name.clone(),
            mail: user.mail.clone(),
            user_type: user.user_type,
            enabled: user.enabled,
            created: user.created.clone(),
            deleted: clock::format(deleted),
            licenses,
            user: user.clone(),
        }
    }
}

/// `max(3, users / 200)` users deleted in the last 25 days: most still hold a paid SKU, the
/// first none, the second only Power Automate Free.
pub(crate) fn generate(
    template: &UserTemplate,
    users: usize,
    now: i64,
    rng: &mut ChaCha8Rng,
) -> Vec<DeletedUser> {
    (0..(users / 200).max(3))
        .map(|i| {
            let created = now - rng.random_range(200 * DAY..2000 * DAY);
            let mut user = template.draw(rng, &format!("x{i}"), created);
            let deleted = now - rng.random_range(DAY..25 * DAY);
            let holds_paid = |u: &User| {
                u.states
                    .iter()
                    .any(|s| s.state != "Error" && Tenant::is_paid(s.sku))
            };
            match i {
                0 => user.states.clear(),
                1 => user.states = vec![direct(sku::FLOW_FREE)],
                _ if !holds_paid(&user) => user.states.insert(0, direct(sku::O365_E3)),
                _ => {}
            }
            sync_licence_groups(&mut user);
            DeletedUser::from_user(&user, deleted)
        })
        .collect()
}
