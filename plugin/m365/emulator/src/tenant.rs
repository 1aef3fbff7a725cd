//! The synthetic tenant: products, users, groups and licence assignments, generated from a
//! seed. The entities added for licence-waste reports live in [`crate::directory`],
//! [`crate::activity`], [`crate::subscriptions`] and [`crate::deleted`]; the ground truth tests
//! compare against is in [`crate::expected`]; the JSON Graph sends is in `render.rs`.

use crate::activity::SignIn;
use crate::catalog::{DEPARTMENTS, FIRST, LAST, LOCATIONS, TITLES, base_skus, guid};
use crate::clock::{self, DAY};
use crate::deleted::DeletedUser;
use crate::directory::{Device, DirectoryObject, MemberRef};
use crate::subscriptions::Subscription;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub use crate::expected::ExpectedBalance;

/// How to generate a tenant. Build it as `TenantSpec { users, seed, ..Default::default() }`.
#[derive(Clone, Debug)]
pub struct TenantSpec {
    /// Number of users.
    pub users: usize,
    /// Seed: the same spec always gives the same tenant.
    pub seed: u64,
    /// The tenant's "now" in unix seconds: every date that matters for reports (sign-ins,
    /// creation, deletion, renewals) is relative to it, at least 3 days away from the 30, 60
    /// and 90-day boundaries. Default: the current time.
    pub now: i64,
    /// Whether the tenant has Entra ID P1/P2, which Graph requires for `signInActivity`.
    /// Default: true.
    pub premium: bool,
}

impl Default for TenantSpec {
    fn default() -> Self {
        TenantSpec {
            users: 500,
            seed: 42,
            now: clock::system_now(),
            premium: true,
        }
    }
}

/// A product the tenant bought.
#[derive(Clone, Debug, PartialEq)]
pub struct Sku {
    /// SKU GUID (Microsoft's real ID for known products).
    pub sku_id: String,
    /// Part number.
    pub part_number: String,
    /// Capability status.
    pub status: String,
    /// Prepaid units: enabled, warning, suspended, locked out.
    pub enabled: u64,
    /// Units in the grace period.
    pub warning: u64,
    /// Suspended units.
    pub suspended: u64,
    /// Locked-out units.
    pub locked_out: u64,
    /// Service plans as (id, name).
    pub plans: Vec<(String, String)>,
}

/// One entry of a user's `licenseAssignmentStates`.
#[derive(Clone, Debug, PartialEq)]
pub struct AssignmentState {
    /// SKU index into [`Tenant::skus`].
    pub sku: usize,
    /// The group it comes from (index into [`Tenant::groups`]), or direct.
    pub group: Option<usize>,
    /// `Active`, `ActiveWithError` or `Error`. Only `Error` consumes no unit.
    pub state: &'static str,
    /// `None` or the error: `CountViolation`, `MutuallyExclusiveViolation`,
    /// `DependencyViolation`, `ProhibitedInUsageLocationViolation`, `UniquenessViolation`.
    pub error: &'static str,
    /// Disabled plan IDs.
    pub disabled_plans: Vec<String>,
}

/// A user.
#[derive(Clone, Debug, PartialEq)]
pub struct User {
    /// Object ID.
    pub id: String,
    /// UPN.
    pub upn: String,
    /// Display name.
    pub display_name: String,
    /// Mail (null for some).
    pub mail: Option<String>,
    /// Enabled.
    pub enabled: bool,
    /// `Member` or `Guest`.
    pub user_type: &'static str,
    /// Department (null for some).
    pub department: Option<String>,
    /// Job title (null for some).
    pub job_title: Option<String>,
    /// Usage location (null for some).
    pub usage_location: Option<String>,
    /// Creation time (RFC 3339).
    pub created: String,
    /// Licence states.
    pub states: Vec<AssignmentState>,
    /// Sign-in activity; `None` when the user never signed in.
    pub sign_in: Option<SignIn>,
    /// Groups the user is a direct member of (indices into [`Tenant::groups`], ascending).
    /// It holds every group a licence state names: in Entra, group licences follow direct
    /// membership only.
    pub member_of: Vec<usize>,
}

/// A group.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// Object ID.
    pub id: String,
    /// Display name.
    pub display_name: String,
    /// Group types.
    pub group_types: Vec<&'static str>,
    /// Security-enabled.
    pub security_enabled: bool,
    /// Mail-enabled.
    pub mail_enabled: bool,
    /// Licences assigned to the group: (SKU index, disabled plan IDs).
    pub licenses: Vec<(usize, Vec<String>)>,
    /// Direct members that are not users: nested groups, devices, service principals and
    /// organisational contacts. User members are in [`User::member_of`].
    pub other_members: Vec<MemberRef>,
}

/// The whole tenant.
#[derive(Clone, Debug, PartialEq)]
pub struct Tenant {
    /// Tenant GUID.
    pub tenant_id: String,
    /// Its initial domain.
    pub domain: String,
    /// The registered application's client ID.
    pub client_id: String,
    /// The application's client secret.
    pub client_secret: String,
    /// The reference time (unix seconds) the tenant's dates are relative to.
    pub now: i64,
    /// Whether the tenant has Entra ID P1/P2 (needed for `signInActivity`).
    pub premium: bool,
    /// Products.
    pub skus: Vec<Sku>,
    /// Subscriptions (`/directory/subscriptions`) the SKUs' units come from.
    pub subscriptions: Vec<Subscription>,
    /// Users.
    pub users: Vec<User>,
    /// Groups.
    pub groups: Vec<Group>,
    /// Devices.
    pub devices: Vec<Device>,
    /// Service principals (only as group members).
    pub service_principals: Vec<DirectoryObject>,
    /// Organisational contacts (only as group members).
    pub contacts: Vec<DirectoryObject>,
    /// Soft-deleted users (`/directory/deletedItems/microsoft.graph.user`), not in `/users`.
    pub deleted_users: Vec<DeletedUser>,
}

/// Part numbers in [`Tenant::skus`] order.
pub mod sku {
    /// Office 365 E3, direct.
    pub const O365_E3: usize = 0;
    /// Microsoft 365 E3, mostly by group.
    pub const M365_E3: usize = 1;
    /// Microsoft 365 E5, over-allocated.
    pub const M365_E5: usize = 2;
    /// EMS E3, in warning.
    pub const EMS: usize = 3;
    /// Power Automate Free (viral).
    pub const FLOW_FREE: usize = 4;
    /// Fabric (Free).
    pub const POWER_BI_STANDARD: usize = 5;
    /// Teams Exploratory (trial).
    pub const TEAMS_EXPLORATORY: usize = 6;
    /// Visio Plan 2, suspended.
    pub const VISIO: usize = 7;
    /// A SKU missing from the product catalogue.
    pub const CUSTOM: usize = 8;
}

/// Fixed groups in [`Tenant::groups`] order; team groups follow from [`group::FIRST_TEAM`].
pub mod group {
    /// "License - Microsoft 365 E3": assigns Microsoft 365 E3 (SharePoint off); it has the
    /// "E3 pilot" group as a nested member.
    pub const LICENSE_M365_E3: usize = 0;
    /// "License - EMS E3": a dynamic group assigning EMS E3.
    pub const LICENSE_EMS: usize = 1;
    /// "E3 pilot": a security group without licences, nested in [`LICENSE_M365_E3`]. Its
    /// members do not get the outer group's licence.
    pub const E3_PILOT: usize = 2;
    /// The first team group.
    pub const FIRST_TEAM: usize = 3;
}

/// What a new user is drawn with.
pub(crate) struct UserTemplate<'a> {
    /// The tenant's initial domain.
    pub domain: &'a str,
    /// Plans disabled by the Microsoft 365 E3 group licence.
    pub e3_plans_off: &'a [String],
}

impl UserTemplate<'_> {
    /// Draws a user; `number` makes the UPN unique, `created` is unix seconds. Licence states
    /// from groups are set, group memberships are not (see [`crate::directory`]).
    pub(crate) fn draw(&self, rng: &mut ChaCha8Rng, number: &str, created: i64) -> User {
        let domain = self.domain;
        let first = FIRST[rng.random_range(0..FIRST.len())];
        let last = LAST[rng.random_range(0..LAST.len())];
        let guest = rng.random_bool(0.04);
        let name = format!("{}.{}{number}", first.to_lowercase(), last.to_lowercase());
        let upn = if guest {
            format!("{name}_fabrikam.com#EXT#@{domain}")
        } else {
            format!("{name}@{domain}")
        };
        let mut states = Vec::new();
        if !guest {
            let r: f64 = rng.random();
            if r < 0.45 {
                states.push(direct(sku::O365_E3));
            } else if r < 0.70 {
                let error = rng.random_bool(0.02);
                states.push(AssignmentState {
                    sku: sku::M365_E3,
                    group: Some(group::LICENSE_M365_E3),
                    state: if error { "Error" } else { "Active" },
                    error: if error { "CountViolation" } else { "None" },
                    disabled_plans: self.e3_plans_off.to_vec(),
                });
                if !error && rng.random_bool(0.05) {
                    states.push(direct(sku::M365_E3));
                }
            } else if r < 0.74 {
                states.push(direct(sku::M365_E5));
            }
            if rng.random_bool(0.15) {
                states.push(AssignmentState {
                    group: Some(group::LICENSE_EMS),
                    ..direct(sku::EMS)
                });
            }
            for (p, s) in [
                (0.10, sku::FLOW_FREE),
                (0.05, sku::POWER_BI_STANDARD),
                (0.02, sku::TEAMS_EXPLORATORY),
                (0.01, sku::VISIO),
                (0.01, sku::CUSTOM),
            ] {
                if rng.random_bool(p) {
                    states.push(direct(s));
                }
            }
        } else if rng.random_bool(0.25) {
            states.push(direct(sku::O365_E3));
        }
        let nullish = rng.random_bool(0.1);
        let department = DEPARTMENTS[rng.random_range(0..DEPARTMENTS.len())];
        User {
            id: guid(rng),
            display_name: format!("{first} {last}"),
            mail: (!nullish).then(|| {
                upn.replace("#EXT#", "")
                    .replace(&format!("@{domain}"), "@contoso.com")
            }),
            enabled: !rng.random_bool(0.05),
            user_type: if guest { "Guest" } else { "Member" },
            department: (!nullish).then(|| department.to_string()),
            job_title: (!nullish && !guest)
                .then(|| TITLES[rng.random_range(0..TITLES.len())].to_string()),
            usage_location: (!guest)
                .then(|| LOCATIONS[rng.random_range(0..LOCATIONS.len())].to_string()),
            created: clock::format(created),
            upn,
            states,
            sign_in: None,
            member_of: Vec::new(),
        }
    }
}

/// A direct, working assignment of SKU `sku`.
pub(crate) fn direct(sku: usize) -> AssignmentState {
    AssignmentState {
        sku,
        group: None,
        state: "Active",
        error: "None",
        disabled_plans: vec![],
    }
}

/// The fixed groups and `teams` team groups.
fn generate_groups(rng: &mut ChaCha8Rng, teams: usize, e3_plans_off: &[String]) -> Vec<Group> {
    let group = |id, name: &str, types, security, mail, licenses| Group {
        id,
        display_name: name.into(),
        group_types: types,
        security_enabled: security,
        mail_enabled: mail,
        licenses,
        other_members: vec![],
    };
    let mut groups = vec![
        group(
            guid(rng),
            "License - Microsoft 365 E3",
            vec![],
            true,
            false,
            vec![(sku::M365_E3, e3_plans_off.to_vec())],
        ),
        group(
            guid(rng),
            "License - EMS E3",
            vec!["DynamicMembership"],
            true,
            false,
            vec![(sku::EMS, vec![])],
        ),
        group(guid(rng), "E3 pilot", vec![], true, false, vec![]),
    ];
    groups[group::LICENSE_M365_E3]
        .other_members
        .push(MemberRef::Group(group::E3_PILOT));
    for i in 0..teams {
        let kind = i % 3;
        groups.push(group(
            guid(rng),
            &format!("{} team {i}", DEPARTMENTS[i % DEPARTMENTS.len()]),
            if kind == 0 { vec!["Unified"] } else { vec![] },
            kind != 0,
            kind != 2,
            vec![],
        ));
    }
    groups
}

/// A generator for one concern of the tenant, so adding draws to one concern leaves the others
/// unchanged.
pub(crate) fn stream(seed: u64, concern: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(concern);
    rng
}

impl Tenant {
    /// Generates the tenant for `spec`.
    pub fn generate(spec: &TenantSpec) -> Tenant {
        let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
        let tenant_id = guid(&mut rng);
        let client_id = guid(&mut rng);
        let client_secret = format!("emu~{}", guid(&mut rng).replace('-', ""));
        let domain = "contoso.onmicrosoft.com".to_string();
        let mut skus = base_skus(&mut rng);
        let e3_plans_off = vec![skus[sku::M365_E3].plans[3].0.clone()];
        let mut groups = generate_groups(&mut rng, (spec.users / 40).max(3), &e3_plans_off);

        let template = UserTemplate {
            domain: &domain,
            e3_plans_off: &e3_plans_off,
        };
        let mut users: Vec<User> = (0..spec.users)
            .map(|i| {
                let created = spec.now - rng.random_range(130 * DAY..3000 * DAY);
                template.draw(&mut rng, &i.to_string(), created)
            })
            .collect();

        crate::cases::seed(&mut users, &e3_plans_off, &mut stream(spec.seed, 1));
        crate::directory::assign_memberships(&mut users, &groups, &mut stream(spec.seed, 2));
        crate::activity::assign(&mut users, spec.now, &mut stream(spec.seed, 3));
        let mut objects = stream(spec.seed, 4);
        let (service_principals, contacts) = crate::directory::other_objects(&mut objects);
        let devices = crate::directory::devices(&users, spec.now, &mut objects);
        crate::directory::add_other_members(&mut groups, &devices, &mut objects);
        let deleted_users =
            crate::deleted::generate(&template, spec.users, spec.now, &mut stream(spec.seed, 5));

        let consumed: Vec<u64> = (0..skus.len()).map(|s| count_consumed(&users, s)).collect();
        let subscriptions = crate::subscriptions::purchase(
            &mut skus,
            &consumed,
            &tenant_id,
            spec.now,
            &mut stream(spec.seed, 6),
        );
        Tenant {
            tenant_id,
            domain,
            client_id,
            client_secret,
            now: spec.now,
            premium: spec.premium,
            skus,
            subscriptions,
            users,
            groups,
            devices,
            service_principals,
            contacts,
            deleted_users,
        }
    }

    /// Plans the Microsoft 365 E3 group licence disables.
    pub(crate) fn e3_plans_off(&self) -> Vec<String> {
        self.groups[group::LICENSE_M365_E3].licenses[0].1.clone()
    }

    /// Whether SKU `sku` is paid for: every SKU except the free, viral and trial ones
    /// (`FLOW_FREE`, `POWER_BI_STANDARD`, `TEAMS_EXPLORATORY`).
    pub fn is_paid(sku: usize) -> bool {
        !matches!(
            sku,
            sku::FLOW_FREE | sku::POWER_BI_STANDARD | sku::TEAMS_EXPLORATORY
        )
    }
}

/// Users with at least one assignment of `sku` in a state other than `Error`.
pub(crate) fn count_consumed(users: &[User], sku: usize) -> u64 {
    users
        .iter()
        .filter(|u| u.states.iter().any(|s| s.sku == sku && s.state != "Error"))
        .count() as u64
}
