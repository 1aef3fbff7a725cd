//! Exports of the current snapshot, streamed row by row.

use crate::catalog::ProductCatalog;
use anyhow::Result;
use rusqlite::Connection;
use rusqlite::types::ValueRef;
use serde_json::{Map, Value};

/// The entities `itam export` knows. Names spell "licence" the British way; the American
/// spellings are accepted too (`group-licenses`, `license-group-members`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entity {
    /// Users and other accounts (live ones).
    Accounts,
    /// Soft-deleted accounts, not yet purged.
    DeletedAccounts,
    /// Groups.
    Groups,
    /// Group memberships.
    Memberships,
    /// Products (subscribed products).
    Products,
    /// Licence assignments of live accounts, with provenance (a soft-deleted account's
    /// licences are in `deleted-accounts`).
    Assignments,
    /// Licences assigned to groups.
    GroupLicenses,
    /// Members of licence-assigning groups with nested groups resolved.
    LicenceGroupMembers,
    /// Subscriptions (terms, renewal dates, trials).
    Subscriptions,
    /// Devices.
    Devices,
    /// Registered owners of devices.
    DeviceOwners,
    /// Sign-in activity of accounts.
    SignIns,
    /// The change log of every run.
    Changes,
}

impl Entity {
    /// Every entity, in the order `itam export --help` lists them.
    pub const ALL: [Entity; 13] = [
        Entity::Accounts,
        Entity::DeletedAccounts,
        Entity::Groups,
        Entity::Memberships,
        Entity::Products,
        Entity::Assignments,
        Entity::GroupLicenses,
        Entity::LicenceGroupMembers,
        Entity::Subscriptions,
        Entity::Devices,
        Entity::DeviceOwners,
        Entity::SignIns,
        Entity::Changes,
    ];

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Entity::Accounts => "accounts",
            Entity::DeletedAccounts => "deleted-accounts",
            Entity::Groups => "groups",
            Entity::Memberships => "memberships",
            Entity::Products => "products",
            Entity::Assignments => "assignments",
            Entity::GroupLicenses => "group-licences",
            Entity::LicenceGroupMembers => "licence-group-members",
            Entity::Subscriptions => "subscriptions",
            Entity::Devices => "devices",
            Entity::DeviceOwners => "device-owners",
            Entity::SignIns => "sign-ins",
            Entity::Changes => "changes",
        }
    }

    /// The American spelling, where it differs.
    pub fn alias(self) -> Option<&'static str> {
        match self {
            Entity::GroupLicenses => Some("group-licenses"),
            Entity::LicenceGroupMembers => Some("license-group-members"),
            _ => None,
        }
    }

    /// What it holds, in a few words.
    pub fn help(self) -> &'static str {
        match self {
            Entity::Accounts => "Users and other accounts (live ones)",
            Entity::DeletedAccounts => "Soft-deleted accounts, not yet purged",
            Entity::Groups => "Groups",
            Entity::Memberships => "Group memberships",
            Entity::Products => "Products (subscribed products)",
            Entity::Assignments => {
                "Licence assignments of live accounts, with provenance (a soft-deleted account's licences are in `deleted-accounts`)"
            }
            Entity::GroupLicenses => "Licences assigned to groups",
            Entity::LicenceGroupMembers => {
                "Members of licence-assigning groups with nested groups resolved"
            }
            Entity::Subscriptions => "Subscriptions (terms, renewal dates, trials)",
            Entity::Devices => "Devices",
            Entity::DeviceOwners => "Registered owners of devices",
            Entity::SignIns => "Sign-in activity of accounts",
            Entity::Changes => "The change log of every run",
        }
    }
}

/// Columns holding JSON text, exported as JSON values.
const JSON_COLUMNS: &[&str] = &[
    "attributes",
    "group_types",
    "service_plans",
    "disabled_plans",
    "product_ids",
];
/// Columns holding 0/1, exported as booleans.
const BOOL_COLUMNS: &[&str] = &[
    "account_enabled",
    "security_enabled",
    "mail_enabled",
    "is_trial",
];

fn query(entity: Entity) -> &'static str {
    match entity {
        Entity::Accounts => "SELECT id, user_principal_name, display_name, mail, account_enabled, user_type, department,
            job_title, usage_location, created_date_time, attributes
            FROM accounts WHERE source = ?1 AND deleted_date_time IS NULL ORDER BY user_principal_name, id",
        Entity::DeletedAccounts => "SELECT id, user_principal_name, display_name, mail, account_enabled, user_type, department,
            job_title, usage_location, created_date_time, deleted_date_time,
            (SELECT json_group_array(x.product_id) FROM assignments x WHERE x.source = a.source AND x.user_id = a.id) AS product_ids,
            attributes
            FROM accounts a WHERE source = ?1 AND deleted_date_time IS NOT NULL ORDER BY deleted_date_time, id",
        Entity::Groups => "SELECT id, display_name, group_types, security_enabled, mail_enabled, attributes
            FROM groups WHERE source = ?1 ORDER BY display_name, id",
        Entity::Memberships => "SELECT m.group_id, g.display_name AS group_name, m.member_id, m.member_kind
            FROM memberships m LEFT JOIN groups g ON g.source = m.source AND g.id = m.group_id
            WHERE m.source = ?1 ORDER BY m.group_id, m.member_id",
        Entity::Products => "SELECT product_id, part_number, display_name AS product_name, capability_status, enabled, warning, suspended,
            locked_out, consumed_units, service_plans, attributes FROM products WHERE source = ?1 ORDER BY part_number",
        Entity::Assignments => "SELECT a.user_id, u.user_principal_name, a.product_id, p.part_number,
            p.display_name AS product_name, NULLIF(a.assigned_by_group, '') AS assigned_by_group,
            g.display_name AS group_name, a.state, a.error, a.disabled_plans
            FROM assignments a
            JOIN accounts u ON u.source = a.source AND u.id = a.user_id AND u.deleted_date_time IS NULL
            LEFT JOIN products p ON p.source = a.source AND p.product_id = a.product_id
            LEFT JOIN groups g ON g.source = a.source AND g.id = a.assigned_by_group
            WHERE a.source = ?1 ORDER BY u.user_principal_name, a.user_id, a.product_id, a.assigned_by_group",
        Entity::GroupLicenses => "SELECT l.group_id, g.display_name AS group_name, l.product_id, p.part_number,
            p.display_name AS product_name, l.disabled_plans
            FROM group_licenses l
            LEFT JOIN groups g ON g.source = l.source AND g.id = l.group_id
            LEFT JOIN products p ON p.source = l.source AND p.product_id = l.product_id
            WHERE l.source = ?1 ORDER BY l.group_id, l.product_id",
        Entity::LicenceGroupMembers => "SELECT m.group_id, g.display_name AS group_name, m.member_id, m.member_kind, m.via_group
            FROM licence_group_members m LEFT JOIN groups g ON g.source = m.source AND g.id = m.group_id
            WHERE m.source = ?1 ORDER BY m.group_id, m.member_id",
        Entity::Subscriptions => "SELECT s.id, s.product_id, s.part_number, p.display_name AS product_name, s.status, s.total_licenses, s.is_trial, s.created_date_time,
            s.next_lifecycle_date_time, s.attributes FROM subscriptions s
            LEFT JOIN products p ON p.source = s.source AND p.product_id = s.product_id
            WHERE s.source = ?1 ORDER BY s.next_lifecycle_date_time, s.id",
        Entity::Devices => "SELECT id, device_id, display_name, operating_system, operating_system_version, account_enabled,
            trust_type, approximate_last_sign_in_date_time, registration_date_time, attributes
            FROM devices WHERE source = ?1 ORDER BY display_name, id",
        Entity::DeviceOwners => "SELECT o.device_id, d.display_name AS device_display_name, o.account_id, a.user_principal_name
            FROM device_owners o
            LEFT JOIN devices d ON d.source = o.source AND d.id = o.device_id
            LEFT JOIN accounts a ON a.source = o.source AND a.id = o.account_id
            WHERE o.source = ?1 ORDER BY o.device_id, o.account_id",
        Entity::SignIns => "SELECT s.account_id, a.user_principal_name, s.last_sign_in_date_time,
            s.last_non_interactive_sign_in_date_time, s.last_successful_sign_in_date_time
            FROM sign_ins s LEFT JOIN accounts a ON a.source = s.source AND a.id = s.account_id
            WHERE s.source = ?1 ORDER BY a.user_principal_name, s.account_id",
        Entity::Changes => "SELECT run_id, kind, account_id, principal_name AS user_principal_name, product_id, detail
            FROM changes WHERE source = ?1 ORDER BY run_id, kind, principal_name, product_id",
    }
}

fn value(name: &str, raw: ValueRef<'_>) -> Value {
    match raw {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) if BOOL_COLUMNS.contains(&name) => Value::Bool(i != 0),
        ValueRef::Integer(i) => Value::from(i),
        ValueRef::Real(f) => Value::from(f),
        ValueRef::Text(t) => {
            let text = String::from_utf8_lossy(t).into_owned();
            if JSON_COLUMNS.contains(&name) {
                serde_json::from_str(&text).unwrap_or(Value::String(text))
            } else {
                Value::String(text)
            }
        }
        ValueRef::Blob(_) => Value::Null,
    }
}

/// The column names of `entity`'s rows: the keys of every object [`export`] hands on.
pub fn columns(conn: &Connection, entity: Entity) -> Result<Vec<String>> {
    let stmt = conn.prepare(query(entity))?;
    Ok(stmt.column_names().iter().map(|s| s.to_string()).collect())
}

/// Streams `entity` of `source`: `row` gets each row as a JSON object keyed by [`columns`]
/// (JSON columns parsed, 0/1 columns as booleans, product names the plugin's or the
/// catalogue's).
pub fn export(
    conn: &Connection,
    source: &str,
    entity: Entity,
    catalog: &dyn ProductCatalog,
    row: &mut dyn FnMut(Map<String, Value>) -> Result<()>,
) -> Result<()> {
    let mut stmt = conn.prepare(query(entity))?;
    let names: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
    let mut rows = stmt.query([source])?;
    while let Some(r) = rows.next()? {
        let mut obj = Map::new();
        for (i, name) in names.iter().enumerate() {
            obj.insert(name.clone(), value(name, r.get_ref(i)?));
        }
        // Product names are the plugin's, else the catalogue's, beside the product ID.
        if obj.get("product_name").is_some_and(Value::is_null) {
            let id = obj["product_id"].as_str().unwrap_or_default().to_string();
            obj.insert(
                "product_name".into(),
                catalog.product_name(&id).map_or(Value::Null, Value::from),
            );
        }
        row(obj)?;
    }
    Ok(())
}
