//! Devices with their registered owners.

use super::groups::DirectoryObject;
use super::null_as_empty;
use crate::types::Device;
use serde::Deserialize;

/// The device properties used.
pub const DEVICE_SELECT: &str = "id,deviceId,displayName,operatingSystem,operatingSystemVersion,accountEnabled,trustType,approximateLastSignInDateTime,registrationDateTime";

/// Query for `/devices`: the properties used, with each device's registered owners expanded.
pub const DEVICE_QUERY: &str = "$select=id,deviceId,displayName,operatingSystem,operatingSystemVersion,accountEnabled,trustType,approximateLastSignInDateTime,registrationDateTime&$expand=registeredOwners($select=id)";

/// A `device`.
#[derive(Deserialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct GraphDevice {
    /// Object ID.
    pub id: String,
    /// The device's own ID.
    pub device_id: Option<String>,
    /// Display name.
    pub display_name: Option<String>,
    /// Operating system.
    pub operating_system: Option<String>,
    /// Operating system version.
    pub operating_system_version: Option<String>,
    /// Whether the device may sign in.
    pub account_enabled: Option<bool>,
    /// `AzureAd`, `ServerAd` or `Workplace`.
    pub trust_type: Option<String>,
    /// Approximate last sign-in.
    pub approximate_last_sign_in_date_time: Option<String>,
    /// Registration time.
    pub registration_date_time: Option<String>,
    /// Registered owners (expanded).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub registered_owners: Vec<DirectoryObject>,
}

impl GraphDevice {
    /// The neutral device.
    pub fn into_device(self) -> Device {
        Device {
            display_name: self.display_name.unwrap_or_default(),
            id: self.id,
            device_id: self.device_id,
            operating_system: self.operating_system,
            operating_system_version: self.operating_system_version,
            enabled: self.account_enabled.unwrap_or(true),
            trust_type: self.trust_type,
            last_sign_in: self.approximate_last_sign_in_date_time,
            registered: self.registration_date_time,
            owner_ids: self.registered_owners.into_iter().map(|o| o.id).collect(),
            attributes: Vec::new(),
        }
    }
}

/// A device as a delta round lists it: only its ID matters (the device is then read with its
/// owners, which delta rounds do not carry).
#[derive(Deserialize, Debug)]
pub struct DeviceId {
    /// Object ID.
    pub id: String,
    /// The device is gone since the last round.
    #[serde(rename = "@removed")]
    pub removed: Option<crate::delta::Removed>,
}
