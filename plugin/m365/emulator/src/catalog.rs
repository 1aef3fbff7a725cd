//! What the generator draws from: the products (real SKU and service-plan GUIDs), names,
//! departments and locations, and GUIDs from the seeded generator.

use crate::tenant::Sku;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// A random version-4 GUID drawn from `rng` (so the same seed gives the same IDs).
pub(crate) fn guid<R: Rng + ?Sized>(rng: &mut R) -> String {
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

/// A GUID derived from a string and a salt (FNV-1a), for values that must be stable without
/// drawing from a generator, such as sign-in request IDs.
pub(crate) fn derived_guid(of: &str, salt: u64) -> String {
    let hash = |seed: u64| {
        of.bytes().fold(seed, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    let (a, b) = (
        hash(0xcbf2_9ce4_8422_2325 ^ salt),
        hash(0x8422_2325_cbf2_9ce4 ^ salt),
    );
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0x0fff,
        ((b >> 48) & 0x3fff) | 0x8000,
        b & 0xffff_ffff_ffff
    )
}

pub(crate) const FIRST: &[&str] = &[
    "Anna", "José", "Zoë", "Łukasz", "Søren", "Mei", "Ólafur", "Chloé", "Jürgen", "Aiyana",
    "Kwame", "Priya", "Dmitri", "Fatima", "Noah", "Björn", "Ngozi", "Hiroshi", "Inès", "Mateo",
];
pub(crate) const LAST: &[&str] = &[
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
pub(crate) const DEPARTMENTS: &[&str] = &[
    "Sales",
    "Finance",
    "Engineering",
    "Support",
    "Marketing",
    "Legal",
    "HR",
];
pub(crate) const TITLES: &[&str] = &[
    "Manager",
    "Analyst",
    "Engineer",
    "Consultant",
    "Director",
    "Assistant",
];
pub(crate) const LOCATIONS: &[&str] = &["US", "GB", "DE", "FR", "NL", "JP", "BR", "IN"];

/// The tenant's products, in [`crate::tenant::sku`] order, with no units yet.
///
/// Service plans nest as in Microsoft's catalogue: Microsoft 365 E3 includes Office 365 E3 and
/// EMS E3 (Entra ID P1 and Intune), and Microsoft 365 E5 includes Microsoft 365 E3. The
/// SharePoint plan stays at index 3 of Office 365 E3 and Microsoft 365 E3, where the
/// group-licence's disabled plan points.
pub(crate) fn base_skus(rng: &mut ChaCha8Rng) -> Vec<Sku> {
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
    let entra_p1 = plan("41781fb2-bc02-4b7c-bd55-b576c07bb09d", "AAD_PREMIUM");
    let intune = plan("c1ec4a95-1f05-45b3-a911-aa3fa01094f5", "INTUNE_A");
    let o365_e3 = vec![exchange, office, teams, sharepoint];
    let ems = vec![entra_p1, intune];
    let m365_e3: Vec<_> = o365_e3.iter().chain(&ems).cloned().collect();
    let mut m365_e5 = m365_e3.clone();
    m365_e5.push(plan("4828c8ec-dc2e-4779-b502-87ac9ce28ab7", "MCOEV"));
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
            o365_e3,
        ),
        sku(
            "05e9a617-0261-4cee-bb44-138d3ef5d965",
            "SPE_E3",
            "Enabled",
            m365_e3,
        ),
        sku(
            "06ebc4ee-1bb5-47dd-8120-11324bc54e06",
            "SPE_E5",
            "Enabled",
            m365_e5,
        ),
        sku(
            "efccb6f7-5641-4e0e-bd10-b4976e1bf68e",
            "EMS",
            "Warning",
            ems,
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
