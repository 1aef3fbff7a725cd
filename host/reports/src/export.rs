//! Exports of the current snapshot, streamed row by row.

use crate::catalog::ProductCatalog;
use anyhow::Result;
use itam_store::{Dialect, Query, Value as SqlValue, values};
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

/// What `entity`'s rows hold: the columns, each an SQL expression named by its alias
/// (`expr AS name`) or by its column (`t.name`), and the rest of the statement (`?1` is the
/// source).
fn shape(entity: Entity, d: Dialect) -> (Vec<String>, &'static str) {
    let product_ids = format!(
        "(SELECT {} FROM assignments x WHERE x.source = a.source AND x.user_id = a.id) AS product_ids",
        d.json_array_agg("x.product_id")
    );
    let (columns, rest): (Vec<&str>, &str) = match entity {
        Entity::Accounts => (
            vec![
                "id", "user_principal_name", "display_name", "mail", "account_enabled", "user_type",
                "department", "job_title", "usage_location", "created_date_time", "attributes",
            ],
            "FROM accounts WHERE source = ?1 AND deleted_date_time IS NULL
             ORDER BY user_principal_name, id",
        ),
        Entity::DeletedAccounts => (
            vec![
                "id", "user_principal_name", "display_name", "mail", "account_enabled", "user_type",
                "department", "job_title", "usage_location", "created_date_time",
                "deleted_date_time", &product_ids, "attributes",
            ],
            "FROM accounts a WHERE source = ?1 AND deleted_date_time IS NOT NULL
             ORDER BY deleted_date_time, id",
        ),
        Entity::Groups => (
            vec![
                "id", "display_name", "group_types", "security_enabled", "mail_enabled",
                "attributes",
            ],
            "FROM groups WHERE source = ?1 ORDER BY display_name, id",
        ),
        Entity::Memberships => (
            vec![
                "m.group_id", "g.display_name AS group_name", "m.member_id", "m.member_kind",
            ],
            "FROM memberships m LEFT JOIN groups g ON g.source = m.source AND g.id = m.group_id
             WHERE m.source = ?1 ORDER BY m.group_id, m.member_id",
        ),
        Entity::Products => (
            vec![
                "product_id", "part_number", "display_name AS product_name", "capability_status",
                "enabled", "warning", "suspended", "locked_out", "consumed_units",
                "service_plans", "attributes",
            ],
            "FROM products WHERE source = ?1 ORDER BY part_number",
        ),
        Entity::Assignments => (
            vec![
                "a.user_id", "u.user_principal_name", "a.product_id", "p.part_number",
                "p.display_name AS product_name",
                "NULLIF(a.assigned_by_group, '') AS assigned_by_group",
                "g.display_name AS group_name", "a.state", "a.error", "a.disabled_plans",
            ],
            "FROM assignments a
             JOIN accounts u ON u.source = a.source AND u.id = a.user_id AND u.deleted_date_time IS NULL
             LEFT JOIN products p ON p.source = a.source AND p.product_id = a.product_id
             LEFT JOIN groups g ON g.source = a.source AND g.id = a.assigned_by_group
             WHERE a.source = ?1
             ORDER BY u.user_principal_name, a.user_id, a.product_id, a.assigned_by_group",
        ),
        Entity::GroupLicenses => (
            vec![
                "l.group_id", "g.display_name AS group_name", "l.product_id", "p.part_number",
                "p.display_name AS product_name", "l.disabled_plans",
            ],
            "FROM group_licenses l
             LEFT JOIN groups g ON g.source = l.source AND g.id = l.group_id
             LEFT JOIN products p ON p.source = l.source AND p.product_id = l.product_id
             WHERE l.source = ?1 ORDER BY l.group_id, l.product_id",
        ),
        Entity::LicenceGroupMembers => (
            vec![
                "m.group_id", "g.display_name AS group_name", "m.member_id", "m.member_kind",
                "m.via_group",
            ],
            "FROM licence_group_members m
             LEFT JOIN groups g ON g.source = m.source AND g.id = m.group_id
             WHERE m.source = ?1 ORDER BY m.group_id, m.member_id",
        ),
        Entity::Subscriptions => (
            vec![
                "s.id", "s.product_id", "s.part_number", "p.display_name AS product_name",
                "s.status", "s.total_licenses", "s.is_trial", "s.created_date_time",
                "s.next_lifecycle_date_time", "s.attributes",
            ],
            "FROM subscriptions s
             LEFT JOIN products p ON p.source = s.source AND p.product_id = s.product_id
             WHERE s.source = ?1 ORDER BY s.next_lifecycle_date_time NULLS FIRST, s.id",
        ),
        Entity::Devices => (
            vec![
                "id", "device_id", "display_name", "operating_system", "operating_system_version",
                "account_enabled", "trust_type", "approximate_last_sign_in_date_time",
                "registration_date_time", "attributes",
            ],
            "FROM devices WHERE source = ?1 ORDER BY display_name, id",
        ),
        Entity::DeviceOwners => (
            vec![
                "o.device_id", "d.display_name AS device_display_name", "o.account_id",
                "a.user_principal_name",
            ],
            "FROM device_owners o
             LEFT JOIN devices d ON d.source = o.source AND d.id = o.device_id
             LEFT JOIN accounts a ON a.source = o.source AND a.id = o.account_id
             WHERE o.source = ?1 ORDER BY o.device_id, o.account_id",
        ),
        Entity::SignIns => (
            vec![
                "s.account_id", "a.user_principal_name", "s.last_sign_in_date_time",
                "s.last_non_interactive_sign_in_date_time", "s.last_successful_sign_in_date_time",
            ],
            "FROM sign_ins s LEFT JOIN accounts a ON a.source = s.source AND a.id = s.account_id
             WHERE s.source = ?1 ORDER BY a.user_principal_name NULLS FIRST, s.account_id",
        ),
        Entity::Changes => (
            vec![
                "run_id", "kind", "account_id", "principal_name AS user_principal_name",
                "product_id", "detail",
            ],
            "FROM changes WHERE source = ?1
             ORDER BY run_id, kind, principal_name NULLS FIRST, product_id NULLS FIRST",
        ),
    };
    (columns.into_iter().map(str::to_string).collect(), rest)
}

/// The name a selected column is exported as: its alias, else the column's own name.
fn name(column: &str) -> &str {
    match column.rsplit_once(" AS ") {
        Some((_, alias)) => alias,
        None => column.rsplit('.').next().unwrap_or(column),
    }
}

fn value(name: &str, raw: &SqlValue) -> Value {
    match raw {
        SqlValue::Null => Value::Null,
        SqlValue::Integer(i) if BOOL_COLUMNS.contains(&name) => Value::Bool(*i != 0),
        SqlValue::Integer(i) => Value::from(*i),
        SqlValue::Real(f) => Value::from(*f),
        SqlValue::Text(text) if JSON_COLUMNS.contains(&name) => {
            serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.clone()))
        }
        SqlValue::Text(text) => Value::String(text.clone()),
        SqlValue::Blob(_) => Value::Null,
    }
}

/// The column names of `entity`'s rows: the keys of every object [`export`] hands on.
pub fn columns(entity: Entity) -> Vec<String> {
    // The names are the same on every engine.
    let (columns, _) = shape(entity, Dialect::Sqlite);
    columns.iter().map(|c| name(c).to_string()).collect()
}

/// Streams `entity` of `source`: `row` gets each row as a JSON object keyed by [`columns`]
/// (JSON columns parsed, 0/1 columns as booleans, product names the plugin's or the
/// catalogue's).
pub fn export(
    q: &mut dyn Query,
    source: &str,
    entity: Entity,
    catalog: &dyn ProductCatalog,
    row: &mut dyn FnMut(Map<String, Value>) -> Result<()>,
) -> Result<()> {
    let (columns, rest) = shape(entity, q.dialect());
    let sql = format!("SELECT {} {rest}", columns.join(", "));
    let names: Vec<&str> = columns.iter().map(|c| name(c)).collect();
    q.for_each(&sql, &values![source], &mut |r| {
        let mut obj = Map::new();
        for (name, raw) in names.iter().zip(r.values()) {
            obj.insert(name.to_string(), value(name, raw));
        }
        // Product names are the plugin's, else the catalogue's, beside the product ID.
        if obj.get("product_name").is_some_and(Value::is_null) {
            let id = obj["product_id"].as_str().unwrap_or_default().to_string();
            obj.insert(
                "product_name".into(),
                catalog.product_name(&id).map_or(Value::Null, Value::from),
            );
        }
        row(obj)
    })
}
