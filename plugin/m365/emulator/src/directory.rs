//! Directory objects besides users: devices with registered owners, service principals and
//! organisational contacts, and who is a direct member of which group.

use crate::cases::pick;
use crate::catalog::guid;
use crate::clock::{self, DAY};
use crate::tenant::{Group, User, group};
use rand::Rng;
use rand::seq::index::sample;
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;

/// The type of a directory object, as a group member.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MemberKind {
    /// `#microsoft.graph.user`
    User,
    /// `#microsoft.graph.group`
    Group,
    /// `#microsoft.graph.device`
    Device,
    /// `#microsoft.graph.servicePrincipal`
    ServicePrincipal,
    /// `#microsoft.graph.orgContact`
    OrgContact,
}

impl MemberKind {
    /// The `@odata.type` Graph writes for it.
    pub fn odata_type(self) -> &'static str {
        match self {
            MemberKind::User => "#microsoft.graph.user",
            MemberKind::Group => "#microsoft.graph.group",
            MemberKind::Device => "#microsoft.graph.device",
            MemberKind::ServicePrincipal => "#microsoft.graph.servicePrincipal",
            MemberKind::OrgContact => "#microsoft.graph.orgContact",
        }
    }
}

/// A group member, by index into the tenant's collection of its kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MemberRef {
    /// [`crate::Tenant::users`]. Never in [`Group::other_members`]: user membership is
    /// [`User::member_of`].
    User(usize),
    /// [`crate::Tenant::groups`]: a nested group.
    Group(usize),
    /// [`crate::Tenant::devices`].
    Device(usize),
    /// [`crate::Tenant::service_principals`].
    ServicePrincipal(usize),
    /// [`crate::Tenant::contacts`].
    OrgContact(usize),
}

impl MemberRef {
    /// Its kind.
    pub fn kind(self) -> MemberKind {
        match self {
            MemberRef::User(_) => MemberKind::User,
            MemberRef::Group(_) => MemberKind::Group,
            MemberRef::Device(_) => MemberKind::Device,
            MemberRef::ServicePrincipal(_) => MemberKind::ServicePrincipal,
            MemberRef::OrgContact(_) => MemberKind::OrgContact,
        }
    }
}

/// A service principal or an organisational contact: only an ID and a name.
#[derive(Clone, Debug, PartialEq)]
pub struct DirectoryObject {
    /// Object ID.
    pub id: String,
    /// Display name.
    pub display_name: String,
}

/// A device registered or joined in Entra ID.
#[derive(Clone, Debug, PartialEq)]
pub struct Device {
    /// Object ID (`id`).
    pub id: String,
    /// Device ID (`deviceId`), another GUID.
    pub device_id: String,
    /// Display name.
    pub display_name: String,
    /// `Windows`, `macOS`, `iOS` or `Android`.
    pub operating_system: &'static str,
    /// Operating system version.
    pub operating_system_version: String,
    /// `accountEnabled`.
    pub enabled: bool,
    /// `AzureAd` (joined), `ServerAd` (hybrid joined) or `Workplace` (registered).
    pub trust_type: &'static str,
    /// `approximateLastSignInDateTime`, if any.
    pub last_sign_in: Option<String>,
    /// `registrationDateTime`.
    pub registered: String,
    /// Object IDs of the registered owners (users), 0 to 2.
    pub owners: Vec<String>,
}

/// Sets each user's direct group memberships: the groups its licence states name, 0 to 2 team
/// groups, and for a few users the "E3 pilot" group (mostly users without the Microsoft 365 E3
/// group licence, as nested members don't inherit it; one is a direct member of both).
pub(crate) fn assign_memberships(users: &mut [User], groups: &[Group], rng: &mut ChaCha8Rng) {
    let teams = groups.len() - group::FIRST_TEAM;
    for user in users.iter_mut() {
        let count = match rng.random::<f64>() {
            r if r < 0.4 => 0,
            r if r < 0.8 => 1,
            _ => 2,
        };
        user.member_of = sample(rng, teams, count.min(teams))
            .into_iter()
            .map(|t| group::FIRST_TEAM + t)
            .collect();
        sync_licence_groups(user);
    }
    let in_e3_group = |u: &User| u.member_of.contains(&group::LICENSE_M365_E3);
    let mut taken = HashSet::new();
    let pilots = (users.len() / 250).max(4);
    let mut pilot = pick(users, rng, pilots, &mut taken, |u| !in_e3_group(u));
    pilot.extend(pick(users, rng, 1, &mut taken, in_e3_group));
    for i in pilot {
        users[i].member_of.push(group::E3_PILOT);
        users[i].member_of.sort_unstable();
    }
}

/// Adds the groups the user's licence states name to its memberships, sorted.
pub(crate) fn sync_licence_groups(user: &mut User) {
    user.member_of
        .extend(user.states.iter().filter_map(|s| s.group));
    user.member_of.sort_unstable();
    user.member_of.dedup();
}

/// Two service principals and two organisational contacts.
pub(crate) fn other_objects(rng: &mut ChaCha8Rng) -> (Vec<DirectoryObject>, Vec<DirectoryObject>) {
    let mut object = |name: &str| DirectoryObject {
        id: guid(rng),
        display_name: name.into(),
    };
    let principals = vec![object("Contoso HR connector"), object("Backup agent")];
    let contacts = vec![object("Fabrikam support"), object("Northwind sales")];
    (principals, contacts)
}

/// `users / 2` devices (at least 3), with 0 to 2 registered owners each: some owned by
/// disabled users, some without owner.
pub(crate) fn devices(users: &[User], now: i64, rng: &mut ChaCha8Rng) -> Vec<Device> {
    let count = (users.len() / 2).max(3);
    let mut devices: Vec<Device> = (0..count)
        .map(|i| draw_device(i, users, now, rng))
        .collect();
    // Make sure a device is owned by a disabled user and another has no owner.
    let disabled = users.iter().find(|u| !u.enabled).map(|u| u.id.clone());
    let owned_by_disabled = |d: &Device| d.owners.iter().any(|o| Some(o) == disabled.as_ref());
    if let Some(id) = &disabled
        && !devices.iter().any(owned_by_disabled)
    {
        devices[0].owners = vec![id.clone()];
    }
    if devices.iter().all(|d| !d.owners.is_empty()) {
        devices[count - 1].owners.clear();
    }
    devices
}

/// Draws device number `i` (which names it) with 0 to 2 registered owners among `users`.
pub(crate) fn draw_device(i: usize, users: &[User], now: i64, rng: &mut ChaCha8Rng) -> Device {
    let (os, version, name) = match rng.random_range(0..10) {
        0..6 => (
            "Windows",
            format!(
                "10.0.{}.{}",
                [19045, 22631, 26100][i % 3],
                rng.random_range(1000..5000)
            ),
            format!("CONTOSO-LT-{i:04}"),
        ),
        6 => (
            "macOS",
            format!("14.{}", rng.random_range(0..8)),
            format!("Contoso-MBP-{i}"),
        ),
        7..9 => (
            "iOS",
            format!("17.{}", rng.random_range(0..7)),
            format!("iPhone-{i}"),
        ),
        _ => ("Android", "14.0".to_string(), format!("Pixel-{i}")),
    };
    let trust = match (os, rng.random_range(0..10)) {
        ("Windows", 0..6) => "AzureAd",
        ("Windows", 6..9) => "ServerAd",
        _ => "Workplace",
    };
    let owners = match (users.len(), rng.random_range(0..20)) {
        (0, _) | (_, 0..3) => vec![],
        (n, 3..18) => vec![users[rng.random_range(0..n)].id.clone()],
        (n, _) => sample(rng, n, 2.min(n))
            .into_iter()
            .map(|u| users[u].id.clone())
            .collect(),
    };
    Device {
        id: guid(rng),
        device_id: guid(rng),
        display_name: name,
        operating_system: os,
        operating_system_version: version,
        enabled: rng.random_bool(0.95),
        trust_type: trust,
        last_sign_in: rng
            .random_bool(0.95)
            .then(|| clock::format(now - rng.random_range(0..200 * DAY))),
        registered: clock::format(now - rng.random_range(30 * DAY..1500 * DAY)),
        owners,
    }
}

/// Makes devices, the service principals and the contacts members of some team groups.
pub(crate) fn add_other_members(groups: &mut [Group], devices: &[Device], rng: &mut ChaCha8Rng) {
    let first = group::FIRST_TEAM;
    for (t, g) in groups[first..].iter_mut().enumerate() {
        if t % 4 == 0 && !devices.is_empty() {
            let n = rng.random_range(1..=2).min(devices.len());
            g.other_members.extend(
                sample(rng, devices.len(), n)
                    .into_iter()
                    .map(MemberRef::Device),
            );
        }
    }
    groups[first]
        .other_members
        .push(MemberRef::ServicePrincipal(0));
    groups[first].other_members.push(MemberRef::OrgContact(0));
    groups[first + 1]
        .other_members
        .push(MemberRef::ServicePrincipal(1));
    groups[first + 2]
        .other_members
        .push(MemberRef::OrgContact(1));
}
