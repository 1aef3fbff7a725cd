//! Soft-deleted users: in `/directory/deletedItems/microsoft.graph.user` for 30 days, still
//! holding their licences, and no longer in `/users`.

use crate::clock::{self, DAY};
use crate::tenant::{Tenant, User, UserTemplate, sku};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// A soft-deleted user.
#[derive(Clone, Debug)]
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
            let user = template.draw(rng, &format!("x{i}"), created);
            let mut deleted = DeletedUser::from_user(&user, now - rng.random_range(DAY..25 * DAY));
            match i {
                0 => deleted.licenses.clear(),
                1 => deleted.licenses = vec![sku::FLOW_FREE],
                _ if !deleted.licenses.iter().any(|s| Tenant::is_paid(*s)) => {
                    deleted.licenses.insert(0, sku::O365_E3);
                }
                _ => {}
            }
            deleted
        })
        .collect()
}
