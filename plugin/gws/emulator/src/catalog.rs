//! Google's product and SKU identifiers, and the names used to generate people.
//!
//! Product IDs, product names, SKU IDs and SKU names are Google's own, from the "Google Product
//! and SKU IDs" page of the Enterprise License Manager API
//! (<https://developers.google.com/workspace/admin/licensing/v1/how-tos/products>). The Google
//! Workspace rows were read from that page; the Vault, Voice, Archived User and Cloud Identity
//! rows were checked against tables that cite it (GAM's "Licenses" wiki page and scripts calling
//! the API). The License Manager API answers the SKU name without the "(formerly …)" remarks the
//! page adds to some rows, so none are kept here.

/// One licensable SKU of a Google product.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sku {
    /// `productId`, e.g. `Google-Apps`.
    pub product_id: &'static str,
    /// `productName`, e.g. `Google Workspace`.
    pub product_name: &'static str,
    /// `skuId`, e.g. `1010020028`.
    pub sku_id: &'static str,
    /// `skuName`, e.g. `Google Workspace Business Standard`.
    pub sku_name: &'static str,
}

const fn sku(
    product_id: &'static str,
    product_name: &'static str,
    sku_id: &'static str,
    sku_name: &'static str,
) -> Sku {
    Sku {
        product_id,
        product_name,
        sku_id,
        sku_name,
    }
}

/// Product `Google-Apps`.
pub const WORKSPACE: &str = "Google-Apps";
/// Product `Google-Vault`.
pub const VAULT: &str = "Google-Vault";
/// Product `101033` (Google Voice).
pub const VOICE: &str = "101033";
/// Product `101034` (Google Workspace Archived User).
pub const ARCHIVED: &str = "101034";
/// Product `101001` (Cloud Identity).
pub const CLOUD_IDENTITY: &str = "101001";
/// Product `101005` (Cloud Identity Premium).
pub const CLOUD_IDENTITY_PREMIUM: &str = "101005";

/// Google Workspace Business Starter.
pub const BUSINESS_STARTER: Sku = sku(
    WORKSPACE,
    "Google Workspace",
    "1010020027",
    "Google Workspace Business Starter",
);
/// Google Workspace Business Standard.
pub const BUSINESS_STANDARD: Sku = sku(
    WORKSPACE,
    "Google Workspace",
    "1010020028",
    "Google Workspace Business Standard",
);
/// Google Workspace Business Plus.
pub const BUSINESS_PLUS: Sku = sku(
    WORKSPACE,
    "Google Workspace",
    "1010020025",
    "Google Workspace Business Plus",
);
/// Google Workspace Enterprise Standard.
pub const ENTERPRISE_STANDARD: Sku = sku(
    WORKSPACE,
    "Google Workspace",
    "1010020026",
    "Google Workspace Enterprise Standard",
);
/// Google Workspace Enterprise Plus.
pub const ENTERPRISE_PLUS: Sku = sku(
    WORKSPACE,
    "Google Workspace",
    "1010020020",
    "Google Workspace Enterprise Plus",
);
/// Google Workspace Frontline Starter.
pub const FRONTLINE_STARTER: Sku = sku(
    WORKSPACE,
    "Google Workspace",
    "1010020030",
    "Google Workspace Frontline Starter",
);
/// Google Vault (the add-on for editions without it).
pub const VAULT_SKU: Sku = sku(VAULT, "Google Vault", "Google-Vault", "Google Vault");
/// Google Vault - Former Employee.
pub const VAULT_FORMER_EMPLOYEE: Sku = sku(
    VAULT,
    "Google Vault",
    "Google-Vault-Former-Employee",
    "Google Vault - Former Employee",
);
/// Google Voice Starter.
pub const VOICE_STARTER: Sku = sku(VOICE, "Google Voice", "1010330003", "Google Voice Starter");
/// Google Voice Standard.
pub const VOICE_STANDARD: Sku = sku(VOICE, "Google Voice", "1010330004", "Google Voice Standard");
/// Google Voice Premier.
pub const VOICE_PREMIER: Sku = sku(VOICE, "Google Voice", "1010330002", "Google Voice Premier");
/// Google Workspace Business Standard - Archived User.
pub const BUSINESS_STANDARD_ARCHIVED: Sku = sku(
    ARCHIVED,
    "Google Workspace Archived User",
    "1010340006",
    "Google Workspace Business Standard - Archived User",
);
/// Google Workspace Business Plus - Archived User.
pub const BUSINESS_PLUS_ARCHIVED: Sku = sku(
    ARCHIVED,
    "Google Workspace Archived User",
    "1010340003",
    "Google Workspace Business Plus - Archived User",
);
/// Google Workspace Enterprise Standard - Archived User.
pub const ENTERPRISE_STANDARD_ARCHIVED: Sku = sku(
    ARCHIVED,
    "Google Workspace Archived User",
    "1010340004",
    "Google Workspace Enterprise Standard - Archived User",
);
/// Google Workspace Enterprise Plus - Archived User.
pub const ENTERPRISE_PLUS_ARCHIVED: Sku = sku(
    ARCHIVED,
    "Google Workspace Archived User",
    "1010340001",
    "Google Workspace Enterprise Plus - Archived User",
);
/// Cloud Identity Free.
pub const CLOUD_IDENTITY_FREE: Sku = sku(
    CLOUD_IDENTITY,
    "Cloud Identity",
    "1010010001",
    "Cloud Identity Free",
);
/// Cloud Identity Premium.
pub const CLOUD_IDENTITY_PREMIUM_SKU: Sku = sku(
    CLOUD_IDENTITY_PREMIUM,
    "Cloud Identity Premium",
    "1010050001",
    "Cloud Identity Premium",
);

/// Every SKU the emulator knows, in the order ground truth lists them.
pub const SKUS: &[Sku] = &[
    BUSINESS_STARTER,
    BUSINESS_STANDARD,
    BUSINESS_PLUS,
    ENTERPRISE_STANDARD,
    ENTERPRISE_PLUS,
    FRONTLINE_STARTER,
    VAULT_SKU,
    VAULT_FORMER_EMPLOYEE,
    VOICE_STARTER,
    VOICE_STANDARD,
    VOICE_PREMIER,
    BUSINESS_STANDARD_ARCHIVED,
    BUSINESS_PLUS_ARCHIVED,
    ENTERPRISE_STANDARD_ARCHIVED,
    ENTERPRISE_PLUS_ARCHIVED,
    CLOUD_IDENTITY_FREE,
    CLOUD_IDENTITY_PREMIUM_SKU,
];

/// The SKU with this `skuId`.
pub fn by_sku_id(sku_id: &str) -> Option<&'static Sku> {
    SKUS.iter().find(|s| s.sku_id == sku_id)
}

/// Given names; a few carry diacritics (primary addresses are folded to ASCII).
pub(crate) const GIVEN: &[&str] = &[
    "Ada",
    "Alan",
    "Amara",
    "Ana",
    "Arjun",
    "Beatriz",
    "Bjørn",
    "Carlos",
    "Chen",
    "Chloé",
    "Dana",
    "David",
    "Dmitri",
    "Elena",
    "Emeka",
    "Emma",
    "Fatima",
    "François",
    "Grace",
    "Hana",
    "Hiroshi",
    "Ines",
    "Ivan",
    "Jamal",
    "Jana",
    "José",
    "Julia",
    "Kai",
    "Karin",
    "Leila",
    "Liam",
    "Lucía",
    "Łukasz",
    "Maya",
    "Mei",
    "Mohammed",
    "Nadia",
    "Noah",
    "Olga",
    "Omar",
    "Priya",
    "Rafael",
    "Rosa",
    "Sara",
    "Sofia",
    "Søren",
    "Tariq",
    "Thomas",
    "Uma",
    "Victor",
    "Wei",
    "Yara",
    "Yusuf",
    "Zoë",
];

/// Family names.
pub(crate) const FAMILY: &[&str] = &[
    "Abe",
    "Adeyemi",
    "Almeida",
    "Andersen",
    "Becker",
    "Brown",
    "Castro",
    "Chen",
    "Cohen",
    "Dubois",
    "Eriksen",
    "Fernández",
    "Fischer",
    "García",
    "Gupta",
    "Hansen",
    "Haddad",
    "Ito",
    "Jansen",
    "Kim",
    "Kowalski",
    "Kumar",
    "Larsen",
    "López",
    "Martin",
    "Müller",
    "Nakamura",
    "Nguyen",
    "Novak",
    "Okafor",
    "Olsen",
    "Park",
    "Patel",
    "Petrov",
    "Rossi",
    "Santos",
    "Schmidt",
    "Singh",
    "Smith",
    "Suzuki",
    "Tanaka",
    "Taylor",
    "Wang",
    "Weber",
    "Williams",
    "Yilmaz",
    "Zhang",
];

/// Organisational units users are placed in.
pub(crate) const ORG_UNITS: &[&str] = &[
    "/",
    "/Engineering",
    "/Engineering/Platform",
    "/Sales",
    "/Finance",
    "/People",
    "/Legal",
    "/Support",
    "/Contractors",
];

/// Department groups: (local part of the address, display name). The first one is nested in the
/// all-staff group and itself holds the next one, giving a two-level nesting chain.
pub(crate) const DEPARTMENTS: &[(&str, &str)] = &[
    ("engineering", "Engineering"),
    ("eng-platform", "Engineering – Platform"),
    ("sales", "Sales"),
    ("finance", "Finance"),
    ("people", "People & Culture"),
    ("legal", "Legal"),
    ("support", "Customer Support"),
];

/// Outside addresses that appear as members of collaboration groups.
pub(crate) const OUTSIDE: &[&str] = &[
    "j.rivera.consulting@gmail.com",
    "ops@contractor-example.net",
    "auditor@external-audit.example.org",
    "m.dupont@partner-example.com",
    "helpdesk@msp-example.net",
    "k.owusu@gmail.com",
];

/// Folds the non-ASCII letters of the generated names to ASCII for addresses.
pub(crate) fn ascii_fold(name: &str) -> String {
    name.chars()
        .filter_map(|c| {
            let folded = match c {
                'á' | 'à' | 'â' | 'ä' => 'a',
                'é' | 'è' | 'ê' | 'ë' => 'e',
                'í' | 'ì' | 'î' | 'ï' => 'i',
                'ó' | 'ò' | 'ô' | 'ö' | 'ø' => 'o',
                'ú' | 'ù' | 'û' | 'ü' => 'u',
                'ñ' => 'n',
                'ç' => 'c',
                'ł' | 'Ł' => 'l',
                'Ø' => 'o',
                c if c.is_ascii_alphanumeric() => c.to_ascii_lowercase(),
                _ => return None,
            };
            Some(folded)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sku_ids_are_unique_and_found() {
        for s in SKUS {
            assert_eq!(by_sku_id(s.sku_id), Some(s));
        }
        let mut ids: Vec<_> = SKUS.iter().map(|s| s.sku_id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), SKUS.len());
    }

    #[test]
    fn names_fold_to_ascii() {
        assert_eq!(ascii_fold("Łukasz"), "lukasz");
        assert_eq!(ascii_fold("Zoë"), "zoe");
        assert_eq!(ascii_fold("Bjørn"), "bjorn");
        assert_eq!(ascii_fold("Fernández"), "fernandez");
    }
}
