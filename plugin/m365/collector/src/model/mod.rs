//! Graph JSON → the contract's neutral entities, one file per kind of Graph object. Unknown
//! properties are ignored and nulls are accepted wherever Graph may send them.

mod devices;
mod groups;
mod licensing;
mod organization;
mod subscriptions;
mod users;

pub use devices::{DEVICE_QUERY, DEVICE_SELECT, DeviceId, GraphDevice};
pub use groups::{DirectoryObject, GROUP_DELTA_SELECT, GROUP_SELECT, GraphGroup};
pub use licensing::{
    AssignedLicense, LicenseAssignmentState, PrepaidUnits, ServicePlanInfo, SubscribedSku,
};
pub use organization::{ORGANIZATION_SELECT, Organization, VerifiedDomain};
pub use subscriptions::CompanySubscription;
pub use users::{
    DELETED_USER_SELECT, SIGN_IN_SELECT, SignInActivity, SignInUser, USER_SELECT, User,
};

use serde::{Deserialize, Deserializer};

/// A list that Graph may send as `null`.
fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}
