//! The inventory's JSON format (see README.md) and its mapping to the contract's entities.
//!
//! Unknown fields are refused, so a typo in the inventory is an error rather than a silent
//! gap; the references between entities are checked before anything is emitted.

use itam_plugin_sdk::types::{Account, AccountKind, Assignment, Product, Units};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};

/// The whole document served at `url`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inventory {
    /// The organisation the inventory describes, reported as a fact of the run.
    #[serde(default)]
    pub organization: Option<String>,
    /// What was bought.
    #[serde(default)]
    pub products: Vec<ProductEntry>,
    /// Who can hold licences.
    #[serde(default)]
    pub accounts: Vec<AccountEntry>,
    /// Which account holds which product.
    #[serde(default)]
    pub assignments: Vec<AssignmentEntry>,
}

/// One product and its licence counts.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductEntry {
    /// Stable identifier.
    pub id: String,
    /// Part number or SKU code, e.g. `OFFICE_STD`.
    pub part_number: String,
    /// The name the product is sold under, e.g. `Office Standard`.
    #[serde(default)]
    pub display_name: Option<String>,
    /// `Enabled` (default), `Warning`, `Suspended` or `LockedOut`.
    #[serde(default = "enabled_status")]
    pub status: String,
    /// Licences bought and usable; absent when the inventory does not say how many were
    /// bought (the product's balance is then unknown).
    #[serde(default)]
    pub enabled: Option<u64>,
    /// Licences in their grace period (0 when `enabled` is given and this is not).
    #[serde(default)]
    pub warning: Option<u64>,
    /// Licences suspended (0 when `enabled` is given and this is not).
    #[serde(default)]
    pub suspended: Option<u64>,
    /// Licences locked out (0 when `enabled` is given and this is not).
    #[serde(default)]
    pub locked_out: Option<u64>,
    /// Licences in use as the source counts them; by default, the product's assignments.
    #[serde(default)]
    pub consumed: Option<u64>,
}

fn enabled_status() -> String {
    "Enabled".into()
}

/// The kind of an account, in lower case.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A member of the organisation (the default).
    #[default]
    Member,
    /// An external guest.
    Guest,
    /// Anything else, e.g. a service account.
    Other,
}

/// One account.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountEntry {
    /// Stable identifier.
    pub id: String,
    /// Sign-in name, e.g. `ada@contoso.example`.
    pub principal_name: String,
    /// Display name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// E-mail address.
    #[serde(default)]
    pub mail: Option<String>,
    /// Whether the account may sign in (default `true`).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// `member` (default), `guest` or `other`.
    #[serde(default)]
    pub kind: Kind,
    /// Department.
    #[serde(default)]
    pub department: Option<String>,
    /// Job title.
    #[serde(default)]
    pub job_title: Option<String>,
    /// Two-letter country code.
    #[serde(default)]
    pub usage_location: Option<String>,
    /// Creation time, RFC 3339.
    #[serde(default)]
    pub created: Option<String>,
}

fn yes() -> bool {
    true
}

/// One licence of one product held by one account.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignmentEntry {
    /// The account's `id`.
    pub account_id: String,
    /// The product's `id`.
    pub product_id: String,
    /// `Active` (default), `ActiveWithError` or `Error`.
    #[serde(default = "active_state")]
    pub state: String,
    /// What went wrong with the assignment, if anything.
    #[serde(default)]
    pub error: Option<String>,
}

fn active_state() -> String {
    "Active".into()
}

/// The inventory as the contract's entities, ready to emit.
#[derive(Debug, Default)]
pub struct Entities {
    /// The organisation's name, if the inventory gives it.
    pub organization: Option<String>,
    /// Products, with `consumed` filled in.
    pub products: Vec<Product>,
    /// Accounts.
    pub accounts: Vec<Account>,
    /// Direct assignments.
    pub assignments: Vec<Assignment>,
    /// Gaps in the data and why, for the run's summary (e.g. products without purchased
    /// units).
    pub data_quality: Vec<String>,
}

impl Inventory {
    /// Reads an inventory document.
    pub fn parse(body: &[u8]) -> Result<Inventory, String> {
        serde_json::from_slice(body).map_err(|e| e.to_string())
    }

    /// Checks identifiers and references, then maps every entry to its entity. The error says
    /// which entry is wrong.
    pub fn into_entities(self) -> Result<Entities, String> {
        let products = unique("product", self.products.iter().map(|p| p.id.as_str()))?;
        let accounts = unique("account", self.accounts.iter().map(|a| a.id.as_str()))?;
        let mut consumed: HashMap<&str, u64> = HashMap::new();
        let mut held = HashSet::new();
        for (i, a) in self.assignments.iter().enumerate() {
            if !accounts.contains(a.account_id.as_str()) {
                return Err(format!(
                    "assignment {i} names account `{}`, which is not among the accounts",
                    a.account_id
                ));
            }
            if !products.contains(a.product_id.as_str()) {
                return Err(format!(
                    "assignment {i} names product `{}`, which is not among the products",
                    a.product_id
                ));
            }
            if !held.insert((a.account_id.as_str(), a.product_id.as_str())) {
                return Err(format!(
                    "assignment {i} repeats product `{}` for account `{}`",
                    a.product_id, a.account_id
                ));
            }
            *consumed.entry(a.product_id.as_str()).or_default() += 1;
        }
        let products = self
            .products
            .iter()
            .map(|p| product(p, consumed.get(p.id.as_str()).copied().unwrap_or(0)))
            .collect::<Result<Vec<_>, _>>()?;
        let unknown: Vec<&str> = products
            .iter()
            .filter(|p| p.units.is_none())
            .map(|p| p.part_number.as_str())
            .collect();
        let mut data_quality = Vec::new();
        if !unknown.is_empty() {
            // A note stays short (the host keeps 4 KiB of it): ten names at most.
            let mut named = unknown[..unknown.len().min(10)].join(", ");
            if unknown.len() > 10 {
                named.push_str(&format!(" and {} more", unknown.len() - 10));
            }
            data_quality.push(format!(
                "purchased units unknown for {named}: the inventory does not say how many were bought"
            ));
        }
        Ok(Entities {
            organization: self.organization,
            products,
            accounts: self.accounts.into_iter().map(account).collect(),
            assignments: self.assignments.into_iter().map(assignment).collect(),
            data_quality,
        })
    }
}

/// The identifiers, or an error naming an empty or repeated one.
fn unique<'a>(what: &str, ids: impl Iterator<Item = &'a str>) -> Result<HashSet<&'a str>, String> {
    let mut seen = HashSet::new();
    for (i, id) in ids.enumerate() {
        if id.is_empty() {
            return Err(format!("{what} {i} has an empty `id`"));
        }
        if !seen.insert(id) {
            return Err(format!("{what} `{id}` is listed twice"));
        }
    }
    Ok(seen)
}

/// The product, with its purchased units when the entry gives `enabled` (counts of the other
/// states without it are an error: the balance would be wrong).
fn product(p: &ProductEntry, assigned: u64) -> Result<Product, String> {
    let mut product = Product::with_unknown_units(p.id.clone(), p.part_number.clone());
    match p.enabled {
        Some(enabled) => {
            product = product.units(Units {
                enabled,
                warning: p.warning.unwrap_or(0),
                suspended: p.suspended.unwrap_or(0),
                locked_out: p.locked_out.unwrap_or(0),
            })
        }
        None if p.warning.or(p.suspended).or(p.locked_out).is_some() => {
            return Err(format!(
                "product `{}` counts `warning`, `suspended` or `locked_out` licences but not `enabled` ones",
                p.id
            ));
        }
        None => {}
    }
    if let Some(name) = &p.display_name {
        product = product.display_name(name.clone());
    }
    product.status = p.status.clone();
    product.consumed = p.consumed.unwrap_or(assigned);
    Ok(product)
}

fn account(a: AccountEntry) -> Account {
    let mut account = Account::new(a.id, a.principal_name);
    account.display_name = a.display_name;
    account.mail = a.mail;
    account.enabled = a.enabled;
    account.kind = match a.kind {
        Kind::Member => AccountKind::Member,
        Kind::Guest => AccountKind::Guest,
        Kind::Other => AccountKind::Other,
    };
    account.department = a.department;
    account.job_title = a.job_title;
    account.usage_location = a.usage_location;
    account.created = a.created;
    account
}

fn assignment(a: AssignmentEntry) -> Assignment {
    let mut assignment = Assignment::direct(a.account_id, a.product_id);
    assignment.state = a.state;
    assignment.error = a.error;
    assignment
}

#[cfg(test)]
mod tests {
    use super::*;
    use itam_plugin_sdk::types::AssignmentSource;

    const SAMPLE: &str = r#"{
        "organization": "Contoso",
        "products": [
            {"id": "office", "part_number": "OFFICE_STD", "enabled": 10},
            {"id": "visio", "part_number": "VISIO", "status": "Warning", "enabled": 2,
             "warning": 1, "suspended": 3, "locked_out": 4, "consumed": 7},
            {"id": "cad", "part_number": "CAD_SUITE", "display_name": "CAD Suite"}
        ],
        "accounts": [
            {"id": "u1", "principal_name": "ada@contoso.example", "display_name": "Ada",
             "mail": "ada@contoso.example", "department": "R&D", "job_title": "Engineer",
             "usage_location": "GB", "created": "2024-01-02T03:04:05Z"},
            {"id": "u2", "principal_name": "bob@partner.example", "kind": "guest",
             "enabled": false}
        ],
        "assignments": [
            {"account_id": "u1", "product_id": "office"},
            {"account_id": "u2", "product_id": "office", "state": "Error",
             "error": "CountViolation"},
            {"account_id": "u1", "product_id": "visio"}
        ]
    }"#;

    fn entities(json: &str) -> Result<Entities, String> {
        Inventory::parse(json.as_bytes())?.into_entities()
    }

    #[test]
    fn products_keep_their_counts_and_count_their_assignments_by_default() {
        let e = entities(SAMPLE).unwrap();
        assert_eq!(e.organization.as_deref(), Some("Contoso"));
        let office = &e.products[0];
        assert_eq!(
            (
                office.id.as_str(),
                office.part_number.as_str(),
                office.status.as_str()
            ),
            ("office", "OFFICE_STD", "Enabled")
        );
        let units = |p: &Product| {
            p.units
                .as_ref()
                .map(|u| (u.enabled, u.warning, u.suspended, u.locked_out))
        };
        assert_eq!((units(office), office.consumed), (Some((10, 0, 0, 0)), 2));
        assert!(office.display_name.is_none());
        let visio = &e.products[1];
        assert_eq!(visio.status, "Warning");
        assert_eq!((units(visio), visio.consumed), (Some((2, 1, 3, 4)), 7));
        assert!(e.data_quality.len() == 1 && e.data_quality[0].contains("CAD_SUITE"));
    }

    #[test]
    fn a_product_without_enabled_units_has_unknown_units_and_may_carry_its_name() {
        let e = entities(SAMPLE).unwrap();
        let cad = &e.products[2];
        assert!(cad.units.is_none());
        assert_eq!(cad.display_name.as_deref(), Some("CAD Suite"));
        assert_eq!((cad.status.as_str(), cad.consumed), ("Enabled", 0));
        assert_eq!(
            e.data_quality,
            [
                "purchased units unknown for CAD_SUITE: the inventory does not say how many were bought"
            ]
        );
        assert!(
            entities(r#"{"products": [{"id": "p", "part_number": "P", "enabled": 1}]}"#)
                .unwrap()
                .data_quality
                .is_empty()
        );
        let many: Vec<String> = (0..12)
            .map(|i| format!(r#"{{"id": "p{i}", "part_number": "P{i}"}}"#))
            .collect();
        let e = entities(&format!(r#"{{"products": [{}]}}"#, many.join(","))).unwrap();
        assert_eq!(
            e.data_quality,
            [
                "purchased units unknown for P0, P1, P2, P3, P4, P5, P6, P7, P8, P9 and 2 more: the inventory does not say how many were bought"
            ]
        );
    }

    #[test]
    fn accounts_map_every_field_with_member_and_enabled_by_default() {
        let e = entities(SAMPLE).unwrap();
        let ada = &e.accounts[0];
        assert_eq!(ada.id, "u1");
        assert_eq!(ada.principal_name, "ada@contoso.example");
        assert_eq!(ada.display_name.as_deref(), Some("Ada"));
        assert_eq!(ada.mail.as_deref(), Some("ada@contoso.example"));
        assert_eq!(ada.department.as_deref(), Some("R&D"));
        assert_eq!(ada.job_title.as_deref(), Some("Engineer"));
        assert_eq!(ada.usage_location.as_deref(), Some("GB"));
        assert_eq!(ada.created.as_deref(), Some("2024-01-02T03:04:05Z"));
        assert!(ada.enabled && ada.kind == AccountKind::Member && ada.deleted.is_none());
        let bob = &e.accounts[1];
        assert!(!bob.enabled && bob.kind == AccountKind::Guest && bob.display_name.is_none());
    }

    #[test]
    fn assignments_are_direct_and_active_unless_told_otherwise() {
        let e = entities(SAMPLE).unwrap();
        assert_eq!(e.assignments.len(), 3);
        let first = &e.assignments[0];
        assert_eq!(
            (first.account_id.as_str(), first.product_id.as_str()),
            ("u1", "office")
        );
        assert_eq!(first.source, AssignmentSource::Direct);
        assert_eq!(
            (first.state.as_str(), first.error.as_deref()),
            ("Active", None)
        );
        assert!(first.group_id.is_none() && first.disabled_plans.is_empty());
        let failed = &e.assignments[1];
        assert_eq!(
            (failed.state.as_str(), failed.error.as_deref()),
            ("Error", Some("CountViolation"))
        );
    }

    #[test]
    fn an_empty_document_is_an_empty_inventory() {
        let e = entities("{}").unwrap();
        assert!(e.products.is_empty() && e.accounts.is_empty() && e.assignments.is_empty());
    }

    #[test]
    fn malformed_documents_say_what_is_wrong() {
        let error = |json: &str| entities(json).unwrap_err();
        assert!(error("\"licences\"").starts_with("invalid type: string"));
        assert!(error("{\"products\": [").starts_with("EOF while parsing"));
        assert!(error(r#"{"acounts": []}"#).contains("unknown field `acounts`"));
        assert!(
            error(r#"{"accounts": [{"id": "u1"}]}"#).contains("missing field `principal_name`")
        );
        assert!(
            error(r#"{"accounts": [{"id": "u1", "principal_name": "a", "kind": "robot"}]}"#)
                .contains("unknown variant `robot`")
        );
        assert_eq!(
            error(r#"{"products": [{"id": "", "part_number": "P", "enabled": 1}]}"#),
            "product 0 has an empty `id`"
        );
        assert_eq!(
            error(r#"{"products": [{"id": "p", "part_number": "P", "suspended": 1}]}"#),
            "product `p` counts `warning`, `suspended` or `locked_out` licences but not `enabled` ones"
        );
        assert_eq!(
            error(
                r#"{"accounts": [{"id": "u1", "principal_name": "a"}, {"id": "u1", "principal_name": "b"}]}"#
            ),
            "account `u1` is listed twice"
        );
        let refs = r#"{"accounts": [{"id": "u1", "principal_name": "a"}],
                       "products": [{"id": "p", "part_number": "P", "enabled": 1}],
                       "assignments": [ASSIGNMENT]}"#;
        let with = |a: &str| error(&refs.replace("ASSIGNMENT", a));
        assert_eq!(
            with(r#"{"account_id": "u9", "product_id": "p"}"#),
            "assignment 0 names account `u9`, which is not among the accounts"
        );
        assert_eq!(
            with(r#"{"account_id": "u1", "product_id": "q"}"#),
            "assignment 0 names product `q`, which is not among the products"
        );
        assert_eq!(
            with(
                r#"{"account_id": "u1", "product_id": "p"}, {"account_id": "u1", "product_id": "p"}"#
            ),
            "assignment 1 repeats product `p` for account `u1`"
        );
    }
}
