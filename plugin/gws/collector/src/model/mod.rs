//! Google's JSON resources → the contract's neutral entities, one file per kind of resource.
//! Unknown fields are ignored, and every field Google may leave out is optional.

mod customer;
mod group;
mod licence;
mod member;
mod subscription;
mod user;

pub use customer::Customer;
pub use group::{Group, GroupsPage};
pub use licence::{LicenceAssignment, LicencesPage};
pub use member::{Member, MemberClass, MembersPage};
pub use subscription::{Subscription, SubscriptionsPage};
pub use user::{User, UsersPage};

use serde::{Deserialize, Deserializer};

/// A list Google may leave out or send as `null`.
fn list_or_none<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// Implements [`Paged`](crate::client::Paged) for a page type with a `next_page_token` field.
macro_rules! paged {
    ($page:ty) => {
        impl crate::client::Paged for $page {
            fn take_next_page_token(&mut self) -> Option<String> {
                self.next_page_token.take()
            }
        }
    };
}
pub(crate) use paged;
