//! Google's products and SKUs: which products the License Manager API is asked about, and the
//! SKU names used when neither API names a SKU itself.
//!
//! From Google's "Google Product and SKU IDs" page of the Enterprise License Manager API
//! (<https://developers.google.com/workspace/admin/licensing/v1/how-tos/products>), with the
//! Reseller API's page of the same name
//! (<https://developers.google.com/workspace/admin/reseller/v1/how-tos/products>) for the
//! products it adds. Names are kept without the "(formerly …)" remarks the pages add to some
//! rows, as the APIs answer them (`skuName`). At run time the names Google sends win: an
//! assignment's or a subscription's `skuName` is the product's display name, this table only
//! fills in when neither says.
//!
//! SKU IDs are unique across the whole table (a test holds it to that), so a SKU ID alone
//! names a product of the contract.

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

const WORKSPACE: (&str, &str) = ("Google-Apps", "Google Workspace");
const EDUCATION: (&str, &str) = ("101031", "Google Workspace for Education");
const ARCHIVED: (&str, &str) = ("101034", "Google Workspace Archived User");
const GEMINI: (&str, &str) = ("101047", "Gemini");
const VOICE: (&str, &str) = ("101033", "Google Voice");
const VAULT: (&str, &str) = ("Google-Vault", "Google Vault");
const DRIVE: (&str, &str) = ("Google-Drive-storage", "Google Drive storage");
const APPSHEET: (&str, &str) = ("101038", "AppSheet");
const ASSURED: (&str, &str) = ("101039", "Assured Controls");
const COLAB: (&str, &str) = ("101050", "Google Colab");

/// `sku(product, id, name)` for a product given as `(productId, productName)`.
const fn of(
    product: (&'static str, &'static str),
    sku_id: &'static str,
    sku_name: &'static str,
) -> Sku {
    sku(product.0, product.1, sku_id, sku_name)
}

/// Every SKU Google documents, product by product.
pub const SKUS: &[Sku] = &[
    // Google Workspace.
    of(WORKSPACE, "1010020027", "Google Workspace Business Starter"),
    of(
        WORKSPACE,
        "1010020028",
        "Google Workspace Business Standard",
    ),
    of(WORKSPACE, "1010020025", "Google Workspace Business Plus"),
    of(
        WORKSPACE,
        "1010060003",
        "Google Workspace Enterprise Essentials",
    ),
    of(
        WORKSPACE,
        "1010020029",
        "Google Workspace Enterprise Starter",
    ),
    of(
        WORKSPACE,
        "1010020026",
        "Google Workspace Enterprise Standard",
    ),
    of(WORKSPACE, "1010020020", "Google Workspace Enterprise Plus"),
    of(WORKSPACE, "1010060001", "Google Workspace Essentials"),
    of(
        WORKSPACE,
        "1010060005",
        "Google Workspace Enterprise Essentials Plus",
    ),
    of(
        WORKSPACE,
        "1010020030",
        "Google Workspace Frontline Starter",
    ),
    of(
        WORKSPACE,
        "1010020031",
        "Google Workspace Frontline Standard",
    ),
    of(WORKSPACE, "1010020034", "Google Workspace Frontline Plus"),
    of(
        WORKSPACE,
        "1010020035",
        "Google Workspace Business Continuity",
    ),
    of(
        WORKSPACE,
        "1010020036",
        "Google Workspace Business Continuity Plus",
    ),
    // G Suite and legacy SKUs.
    of(WORKSPACE, "Google-Apps-Unlimited", "G Suite Business"),
    of(WORKSPACE, "Google-Apps-For-Business", "G Suite Basic"),
    of(WORKSPACE, "Google-Apps-Lite", "G Suite Lite"),
    of(
        WORKSPACE,
        "Google-Apps-For-Postini",
        "Google Apps Message Security",
    ),
    // Gemini and AI.
    sku(
        "101068",
        "Gemini Business",
        "1010680001",
        "Gemini Enterprise Business Edition",
    ),
    of(GEMINI, "1010470001", "Gemini Enterprise"),
    of(GEMINI, "1010470002", "Gemini Labs"),
    of(GEMINI, "1010470003", "Gemini Business"),
    of(GEMINI, "1010470006", "Gemini Security"),
    of(GEMINI, "1010470007", "Gemini Meet"),
    of(GEMINI, "1010470008", "Google AI Ultra for Business"),
    of(GEMINI, "1010470009", "AI Expanded Access"),
    // Education.
    of(
        WORKSPACE,
        "Google-Apps-For-Education",
        "Google Workspace for Education Fundamentals",
    ),
    of(
        WORKSPACE,
        "1010070001",
        "Google Workspace for Education Fundamentals",
    ),
    of(
        WORKSPACE,
        "1010070004",
        "Google Workspace for Education Gmail Only",
    ),
    of(
        ARCHIVED,
        "1010340007",
        "Google Workspace for Education Fundamentals - Archived User",
    ),
    of(
        EDUCATION,
        "1010310005",
        "Google Workspace for Education Standard",
    ),
    of(
        EDUCATION,
        "1010310006",
        "Google Workspace for Education Standard (Staff)",
    ),
    of(
        EDUCATION,
        "1010310007",
        "Google Workspace for Education Standard (Extra Student)",
    ),
    of(
        EDUCATION,
        "1010310008",
        "Google Workspace for Education Plus",
    ),
    of(
        EDUCATION,
        "1010310009",
        "Google Workspace for Education Plus (Staff)",
    ),
    of(
        EDUCATION,
        "1010310010",
        "Google Workspace for Education Plus (Extra Student)",
    ),
    of(
        EDUCATION,
        "1010310002",
        "Google Workspace for Education Plus - Legacy",
    ),
    of(
        EDUCATION,
        "1010310003",
        "Google Workspace for Education Plus - Legacy (Student)",
    ),
    sku(
        "101037",
        "Google Workspace for Education",
        "1010370001",
        "Google Workspace for Education: Teaching and Learning Upgrade",
    ),
    // Cloud Identity.
    sku(
        "101001",
        "Cloud Identity",
        "1010010001",
        "Cloud Identity Free",
    ),
    sku(
        "101005",
        "Cloud Identity Premium",
        "1010050001",
        "Cloud Identity Premium",
    ),
    // Google Voice.
    of(VOICE, "1010330003", "Google Voice Starter"),
    of(VOICE, "1010330004", "Google Voice Standard"),
    of(VOICE, "1010330002", "Google Voice Premier"),
    // Archived User.
    of(
        ARCHIVED,
        "1010340005",
        "Google Workspace Business Starter - Archived User",
    ),
    of(
        ARCHIVED,
        "1010340006",
        "Google Workspace Business Standard - Archived User",
    ),
    of(
        ARCHIVED,
        "1010340003",
        "Google Workspace Business Plus - Archived User",
    ),
    of(
        ARCHIVED,
        "1010340004",
        "Google Workspace Enterprise Standard - Archived User",
    ),
    of(
        ARCHIVED,
        "1010340001",
        "Google Workspace Enterprise Plus - Archived User",
    ),
    of(ARCHIVED, "1010340002", "G Suite Business - Archived User"),
    // Google Vault.
    of(VAULT, "Google-Vault", "Google Vault"),
    of(
        VAULT,
        "Google-Vault-Former-Employee",
        "Google Vault - Former Employee",
    ),
    // Google Drive storage.
    of(
        DRIVE,
        "Google-Drive-storage-20GB",
        "Google Drive storage 20 GB",
    ),
    of(
        DRIVE,
        "Google-Drive-storage-50GB",
        "Google Drive storage 50 GB",
    ),
    of(
        DRIVE,
        "Google-Drive-storage-200GB",
        "Google Drive storage 200 GB",
    ),
    of(
        DRIVE,
        "Google-Drive-storage-400GB",
        "Google Drive storage 400 GB",
    ),
    of(
        DRIVE,
        "Google-Drive-storage-1TB",
        "Google Drive storage 1 TB",
    ),
    of(
        DRIVE,
        "Google-Drive-storage-2TB",
        "Google Drive storage 2 TB",
    ),
    of(
        DRIVE,
        "Google-Drive-storage-4TB",
        "Google Drive storage 4 TB",
    ),
    of(
        DRIVE,
        "Google-Drive-storage-8TB",
        "Google Drive storage 8 TB",
    ),
    of(
        DRIVE,
        "Google-Drive-storage-16TB",
        "Google Drive storage 16 TB",
    ),
    sku(
        "101043",
        "Google Workspace Additional Storage",
        "1010430001",
        "Google Workspace Additional Storage",
    ),
    // AppSheet.
    of(APPSHEET, "1010380001", "AppSheet Core"),
    of(APPSHEET, "1010380002", "AppSheet Enterprise Standard"),
    of(APPSHEET, "1010380003", "AppSheet Enterprise Plus"),
    sku(
        "101054",
        "AppSheet User Pass",
        "1010540001",
        "AppSheet User Pass",
    ),
    // Other add-ons.
    sku(
        "101036",
        "Google Meet Global Dialing",
        "1010360001",
        "Google Meet Global Dialing",
    ),
    sku("101035", "Cloud Search", "1010350001", "Cloud Search"),
    of(ASSURED, "1010390001", "Assured Controls"),
    of(ASSURED, "1010390002", "Assured Controls Plus"),
    sku(
        "101040",
        "Chrome Enterprise Premium",
        "1010400001",
        "Chrome Enterprise Premium",
    ),
    sku(
        "101049",
        "Endpoint Education Upgrade",
        "1010490001",
        "Endpoint Education Upgrade",
    ),
    of(COLAB, "1010500001", "Colab Pro"),
    of(COLAB, "1010500002", "Colab Pro+"),
    // Chrome Enterprise (device licences).
    sku(
        "Google-Chrome-Device-Management",
        "Chrome Enterprise",
        "Google-Chrome-Device-Management",
        "Chrome Enterprise",
    ),
];

/// The SKU with this `skuId`.
pub fn by_sku_id(sku_id: &str) -> Option<&'static Sku> {
    SKUS.iter().find(|s| s.sku_id == sku_id)
}

/// Every product ID, once, in the table's order: the products whose licence assignments are
/// listed (each with all of its SKUs, known here or not).
pub fn product_ids() -> Vec<&'static str> {
    let mut ids: Vec<&'static str> = Vec::new();
    for s in SKUS {
        if !ids.contains(&s.product_id) {
            ids.push(s.product_id);
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sku_ids_are_unique_across_products() {
        let mut ids: Vec<&str> = SKUS.iter().map(|s| s.sku_id).collect();
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), before, "a SKU ID names one product");
        for s in SKUS {
            assert_eq!(by_sku_id(s.sku_id), Some(s));
            assert!(!s.sku_name.contains("(formerly"), "{}", s.sku_name);
        }
    }

    #[test]
    fn each_product_is_asked_about_once_and_has_one_name() {
        let products = product_ids();
        assert_eq!(products[0], "Google-Apps");
        for p in &products {
            let names: std::collections::BTreeSet<&str> = SKUS
                .iter()
                .filter(|s| s.product_id == *p)
                .map(|s| s.product_name)
                .collect();
            assert_eq!(names.len(), 1, "{p}: {names:?}");
        }
    }
}
