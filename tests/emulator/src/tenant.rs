//! The synthetic tenant: products, users, groups and licence assignments, generated from a
//! seed, with the ground truth tests compare against.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

/// How to generate a tenant.
#[derive(Clone, Debug)]
pub struct TenantSpec {
    /// Number of users.
    pub users: usize,
    /// Seed: the same spec always gives the same tenant.
    pub seed: u64,
}

impl Default for TenantSpec {
    fn default() -> Self {
        TenantSpec {
            users: 500,
            seed: 42,
        }
    }
}

/// A product the tenant bought.
#[derive(Clone, Debug)]
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
#[derive(Clone, Debug)]
pub struct AssignmentState {
    /// SKU index into [`Tenant::skus`].
    pub sku: usize,
    /// The group it comes from (index into [`Tenant::groups`]), or direct.
    pub group: Option<usize>,
    /// `Active` or `Error`.
    pub state: &'static str,
    /// `None` or the error.
    pub error: &'static str,
    /// Disabled plan IDs.
    pub disabled_plans: Vec<String>,
}

/// A user.
#[derive(Clone, Debug)]
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
    /// Creation time.
    pub created: String,
    /// Licence states.
    pub states: Vec<AssignmentState>,
}

/// A group.
#[derive(Clone, Debug)]
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
}

/// The whole tenant.
#[derive(Clone, Debug)]
pub struct Tenant {
    /// Tenant GUID.
    pub tenant_id: String,
    /// Its initial domain.
    pub domain: String,
    /// The registered application's client ID.
    pub client_id: String,
    /// The application's client secret.
    pub client_secret: String,
    /// Products.
    pub skus: Vec<Sku>,
    /// Users.
    pub users: Vec<User>,
    /// Groups.
    pub groups: Vec<Group>,
}

/// The balance a correct collector must report for one SKU.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectedBalance {
    /// SKU GUID.
    pub sku_id: String,
    /// Part number.
    pub part_number: String,
    /// Status.
    pub status: String,
    /// Enabled units.
    pub enabled: u64,
    /// Warning units.
    pub warning: u64,
    /// Suspended units.
    pub suspended: u64,
    /// Locked-out units.
    pub locked_out: u64,
    /// Consumed units.
    pub consumed: u64,
}

fn guid(rng: &mut ChaCha8Rng) -> String {
    let b: [u8; 16] = rng.random();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
        u16::from_be_bytes([b[4], b[5]]),
        u16::from_be_bytes([b[6], b[7]]) & 0x0fff,
        (u16::from_be_bytes([b[8], b[9]]) & 0x3fff) | 0x8000,
        u64::from_be_bytes([0, 0, b[10], b[11], b[12], b[13], b[14], b[15]])
    )
}

const FIRST: &[&str] = &[
    "Anna", "José", "Zoë", "Łukasz", "Søren", "Mei", "Ólafur", "Chloé", "Jürgen", "Aiyana",
    "Kwame", "Priya", "Dmitri", "Fatima", "Noah", "Björn", "Ngozi", "Hiroshi", "Inès", "Mateo",
];
const LAST: &[&str] = &[
    "Smith",
    "García",
    "Müller",
    "Nowak",
    "Østergaard",
    "陈",
    "Dubois",
    "Okafor",
    "Tanaka",
    "Kowalski",
    "Núñez",
    "O'Brien",
    "Johansson",
    "Ivanova",
    "Haddad",
    "Kim",
];
const DEPARTMENTS: &[&str] = &[
    "Sales",
    "Finance",
    "Engineering",
    "Support",
    "Marketing",
    "Legal",
    "HR",
];
const TITLES: &[&str] = &[
    "Manager",
    "Analyst",
    "Engineer",
    "Consultant",
    "Director",
    "Assistant",
];
const LOCATIONS: &[&str] = &["US", "GB", "DE", "FR", "NL", "JP", "BR", "IN"];

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

fn base_skus(rng: &mut ChaCha8Rng) -> Vec<Sku> {
    let plan = |id: &str, name: &str| (id.to_string(), name.to_string());
    let exchange = plan(
        "efb87545-963c-4e0d-99df-69c6916d9eb0",
        "EXCHANGE_S_ENTERPRISE",
    );
    let office = plan("43de0ff5-c92c-492b-9116-175376d08c38", "OFFICESUBSCRIPTION");
    let teams = plan("57ff2da0-773e-42df-b2af-ffb7a2317929", "TEAMS1");
    let sharepoint = plan(
        "5dbe027f-2339-4123-9542-606e4d348a72",
        "SHAREPOINTENTERPRISE",
    );
    let foundation = plan(
        "113feb6c-3fe4-4440-bddc-54d774bf0318",
        "EXCHANGE_S_FOUNDATION",
    );
    let sku = |id: &str, part: &str, status: &str, plans: Vec<(String, String)>| Sku {
        sku_id: id.into(),
        part_number: part.into(),
        status: status.into(),
        enabled: 0,
        warning: 0,
        suspended: 0,
        locked_out: 0,
        plans,
    };
    vec![
        sku(
            "6fd2c87f-b296-42f0-b197-1e91e994b900",
            "ENTERPRISEPACK",
            "Enabled",
            vec![
                exchange.clone(),
                office.clone(),
                teams.clone(),
                sharepoint.clone(),
            ],
        ),
        sku(
            "05e9a617-0261-4cee-bb44-138d3ef5d965",
            "SPE_E3",
            "Enabled",
            vec![
                exchange.clone(),
                office.clone(),
                teams.clone(),
                sharepoint.clone(),
            ],
        ),
        sku(
            "06ebc4ee-1bb5-47dd-8120-11324bc54e06",
            "SPE_E5",
            "Enabled",
            vec![
                exchange,
                office,
                teams,
                sharepoint,
                plan("4828c8ec-dc2e-4779-b502-87ac9ce28ab7", "MCOEV"),
            ],
        ),
        sku(
            "efccb6f7-5641-4e0e-bd10-b4976e1bf68e",
            "EMS",
            "Warning",
            vec![
                plan("41781fb2-bc02-4b7c-bd55-b576c07bb09d", "AAD_PREMIUM"),
                plan("c1ec4a95-1f05-45b3-a911-aa3fa01094f5", "INTUNE_A"),
            ],
        ),
        sku(
            "f30db892-07e9-47e9-837c-80727f46fd3d",
            "FLOW_FREE",
            "Enabled",
            vec![
                foundation.clone(),
                plan("50e68c76-46c6-4674-81f9-75456511b170", "FLOW_P2_VIRAL"),
            ],
        ),
        sku(
            "a403ebcc-fae0-4ca2-8c8c-7a907fd6c235",
            "POWER_BI_STANDARD",
            "Enabled",
            vec![
                foundation.clone(),
                plan("2049e525-b859-401b-b2a0-e0a31c4b1fe4", "BI_AZURE_P0"),
            ],
        ),
        sku(
            "710779e8-3d4a-4c88-adb9-386c958d1fdf",
            "TEAMS_EXPLORATORY",
            "Enabled",
            vec![plan(
                "9aaf7827-d63c-4b61-89c3-182f06f82e5c",
                "EXCHANGE_S_STANDARD",
            )],
        ),
        sku(
            "c5928f49-12ba-48f7-ada3-0d743a3601d5",
            "VISIOCLIENT",
            "Suspended",
            vec![
                foundation,
                plan(
                    "663a804f-1c30-4ff0-9915-9db84f0d1cea",
                    "VISIO_CLIENT_SUBSCRIPTION",
                ),
            ],
        ),
        sku(&guid(rng), "CONTOSO_LINE_OF_BUSINESS", "Enabled", vec![]),
    ]
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
        let mut groups = vec![
            Group {
                id: guid(&mut rng),
                display_name: "License - Microsoft 365 E3".into(),
                group_types: vec![],
                security_enabled: true,
                mail_enabled: false,
                licenses: vec![(sku::M365_E3, e3_plans_off.clone())],
            },
            Group {
                id: guid(&mut rng),
                display_name: "License - EMS E3".into(),
                group_types: vec!["DynamicMembership"],
                security_enabled: true,
                mail_enabled: false,
                licenses: vec![(sku::EMS, vec![])],
            },
        ];
        for i in 0..(spec.users / 40).max(3) {
            let kind = i % 3;
            groups.push(Group {
                id: guid(&mut rng),
                display_name: format!("{} team {i}", DEPARTMENTS[i % DEPARTMENTS.len()]),
                group_types: if kind == 0 { vec!["Unified"] } else { vec![] },
                security_enabled: kind != 0,
                mail_enabled: kind != 2,
                licenses: vec![],
            });
        }

        let mut users = Vec::with_capacity(spec.users);
        for i in 0..spec.users {
            let first = FIRST[rng.random_range(0..FIRST.len())];
            let last = LAST[rng.random_range(0..LAST.len())];
            let guest = rng.random_bool(0.04);
            let upn = if guest {
                format!(
                    "{}.{}{i}_fabrikam.com#EXT#@{domain}",
                    first.to_lowercase(),
                    last.to_lowercase()
                )
            } else {
                format!(
                    "{}.{}{i}@{domain}",
                    first.to_lowercase(),
                    last.to_lowercase()
                )
            };
            let mut states = Vec::new();
            let direct = |states: &mut Vec<AssignmentState>, sku: usize| {
                states.push(AssignmentState {
                    sku,
                    group: None,
                    state: "Active",
                    error: "None",
                    disabled_plans: vec![],
                })
            };
            if !guest {
                let r: f64 = rng.random();
                if r < 0.45 {
                    direct(&mut states, sku::O365_E3);
                } else if r < 0.70 {
                    let error = rng.random_bool(0.02);
                    states.push(AssignmentState {
                        sku: sku::M365_E3,
                        group: Some(0),
                        state: if error { "Error" } else { "Active" },
                        error: if error { "CountViolation" } else { "None" },
                        disabled_plans: e3_plans_off.clone(),
                    });
                    if !error && rng.random_bool(0.05) {
                        direct(&mut states, sku::M365_E3);
                    }
                } else if r < 0.74 {
                    direct(&mut states, sku::M365_E5);
                }
                if rng.random_bool(0.15) {
                    states.push(AssignmentState {
                        sku: sku::EMS,
                        group: Some(1),
                        state: "Active",
                        error: "None",
                        disabled_plans: vec![],
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
                        direct(&mut states, s);
                    }
                }
            } else if rng.random_bool(0.25) {
                direct(&mut states, sku::O365_E3);
            }
            let nullish = rng.random_bool(0.1);
            users.push(User {
                id: guid(&mut rng),
                display_name: format!("{first} {last}"),
                mail: (!nullish).then(|| {
                    upn.replace("#EXT#", "")
                        .replace(&format!("@{domain}"), "@contoso.com")
                }),
                enabled: !rng.random_bool(0.05),
                user_type: if guest { "Guest" } else { "Member" },
                department: (!nullish).then(|| DEPARTMENTS[i % DEPARTMENTS.len()].to_string()),
                job_title: (!nullish && !guest)
                    .then(|| TITLES[rng.random_range(0..TITLES.len())].to_string()),
                usage_location: (!guest)
                    .then(|| LOCATIONS[rng.random_range(0..LOCATIONS.len())].to_string()),
                created: format!(
                    "20{:02}-{:02}-{:02}T{:02}:{:02}:00Z",
                    rng.random_range(15..26),
                    rng.random_range(1..13),
                    rng.random_range(1..29),
                    rng.random_range(0..24),
                    rng.random_range(0..60)
                ),
                upn,
                states,
            });
        }

        // Purchased units follow usage, with the deliberate anomalies the demo shows.
        let consumed: Vec<u64> = (0..skus.len()).map(|s| count_consumed(&users, s)).collect();
        for (i, sku) in skus.iter_mut().enumerate() {
            let c = consumed[i];
            match i {
                sku::M365_E5 => sku.enabled = c.saturating_sub(3).max(1),
                sku::EMS => {
                    sku.enabled = c + 5;
                    sku.warning = 10;
                }
                sku::FLOW_FREE => sku.enabled = 10_000,
                sku::POWER_BI_STANDARD => sku.enabled = 1_000_000,
                sku::TEAMS_EXPLORATORY => sku.enabled = 100.max(c),
                sku::VISIO => {
                    sku.enabled = 0;
                    sku.suspended = c + 2;
                }
                sku::CUSTOM => sku.enabled = c,
                _ => sku.enabled = c + c / 10 + 5,
            }
        }
        Tenant {
            tenant_id,
            domain,
            client_id,
            client_secret,
            skus,
            users,
            groups,
        }
    }

    /// Units of SKU `sku` in use: users with at least one working assignment of it.
    pub fn consumed(&self, sku: usize) -> u64 {
        count_consumed(&self.users, sku)
    }

    /// The balance a correct collector reports, in SKU order.
    pub fn expected_balance(&self) -> Vec<ExpectedBalance> {
        self.skus
            .iter()
            .enumerate()
            .map(|(i, s)| ExpectedBalance {
                sku_id: s.sku_id.clone(),
                part_number: s.part_number.clone(),
                status: s.status.clone(),
                enabled: s.enabled,
                warning: s.warning,
                suspended: s.suspended,
                locked_out: s.locked_out,
                consumed: self.consumed(i),
            })
            .collect()
    }

    /// Number of `licenseAssignmentStates` entries over all users.
    pub fn assignment_states(&self) -> usize {
        self.users.iter().map(|u| u.states.len()).sum()
    }

    /// A subscribedSku as Graph serializes it.
    pub fn sku_json(&self, i: usize) -> Value {
        let s = &self.skus[i];
        json!({
            "capabilityStatus": s.status,
            "consumedUnits": self.consumed(i),
            "id": format!("{}_{}", self.tenant_id, s.sku_id),
            "prepaidUnits": {"enabled": s.enabled, "suspended": s.suspended, "warning": s.warning, "lockedOut": s.locked_out},
            "servicePlans": s.plans.iter().map(|(id, name)| json!({
                "servicePlanId": id, "servicePlanName": name, "provisioningStatus": "Success", "appliesTo": "User"
            })).collect::<Vec<_>>(),
            "skuId": s.sku_id,
            "skuPartNumber": s.part_number,
            "appliesTo": "User",
            "accountId": self.tenant_id,
            "accountName": "Contoso",
            "subscriptionIds": [],
        })
    }

    /// A user with every property the emulator knows, as Graph serializes them.
    pub fn user_json(&self, u: &User) -> Value {
        let working = |s: &&AssignmentState| s.state != "Error";
        let mut assigned: Vec<Value> = Vec::new();
        for s in u.states.iter().filter(working) {
            let id = &self.skus[s.sku].sku_id;
            if !assigned.iter().any(|a| a["skuId"] == *id) {
                assigned.push(json!({"skuId": id, "disabledPlans": s.disabled_plans}));
            }
        }
        json!({
            "id": u.id,
            "businessPhones": [],
            "displayName": u.display_name,
            "givenName": u.display_name.split(' ').next(),
            "surname": null,
            "userPrincipalName": u.upn,
            "mail": u.mail,
            "mobilePhone": null,
            "officeLocation": null,
            "preferredLanguage": null,
            "accountEnabled": u.enabled,
            "userType": u.user_type,
            "department": u.department,
            "jobTitle": u.job_title,
            "usageLocation": u.usage_location,
            "createdDateTime": u.created,
            "assignedLicenses": assigned,
            "licenseAssignmentStates": u.states.iter().map(|s| json!({
                "assignedByGroup": s.group.map(|g| self.groups[g].id.clone()),
                "disabledPlans": s.disabled_plans,
                "error": s.error,
                "lastUpdatedDateTime": "2025-06-01T08:00:00Z",
                "skuId": self.skus[s.sku].sku_id,
                "state": s.state,
            })).collect::<Vec<_>>(),
        })
    }

    /// A group as Graph serializes it.
    pub fn group_json(&self, g: &Group) -> Value {
        json!({
            "id": g.id,
            "displayName": g.display_name,
            "description": null,
            "groupTypes": g.group_types,
            "securityEnabled": g.security_enabled,
            "mailEnabled": g.mail_enabled,
            "mail": null,
            "assignedLicenses": g.licenses.iter().map(|(s, off)| json!({"skuId": self.skus[*s].sku_id, "disabledPlans": off})).collect::<Vec<_>>(),
        })
    }
}

fn count_consumed(users: &[User], sku: usize) -> u64 {
    users
        .iter()
        .filter(|u| u.states.iter().any(|s| s.sku == sku && s.state != "Error"))
        .count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_tenant_and_anomalies_present() {
        let a = Tenant::generate(&TenantSpec {
            users: 2000,
            seed: 7,
        });
        let b = Tenant::generate(&TenantSpec {
            users: 2000,
            seed: 7,
        });
        assert_eq!(a.users.len(), 2000);
        assert_eq!(a.users[17].upn, b.users[17].upn);
        let e5 = &a.expected_balance()[sku::M365_E5];
        assert!(e5.consumed > e5.enabled, "E5 must be over-allocated");
        assert!(a.users.iter().any(|u| u.upn.contains("#EXT#")));
        assert!(a.users.iter().any(|u| !u.enabled && !u.states.is_empty()));
        assert!(a.users.iter().any(|u| !u.upn.is_ascii()));
        assert!(
            a.users
                .iter()
                .any(|u| u.states.iter().any(|s| s.error == "CountViolation"))
        );
        assert_eq!(a.skus[sku::VISIO].status, "Suspended");
    }
}
