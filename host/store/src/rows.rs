//! Rows of each entity kind, as the plugin sent them, for the open run's staging tables (see
//! [`super::staging`]): each batch becomes the rows of one or two tables, which the engine
//! appends in bulk ([`crate::engine::Connection::stage`]).

use crate::query::Value;
use crate::values;
use anyhow::{Context, Result, ensure};
use itam_runtime::contract::types::{
    Account, AccountKind, Assignment, AssignmentSource, Batch, Device, Group, GroupLicense,
    MemberKind, Membership, Product, Removal, SignInActivity, Subscription, Units,
};

/// Rows for one table (a run's `stage_<table>`), its columns, and the rows in the order sent.
pub(crate) struct Staged {
    pub into: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

impl Staged {
    fn new(table: &str, columns: &[&str]) -> Staged {
        Staged {
            into: format!("stage_{table}"),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    fn push<const N: usize>(&mut self, row: [Value; N]) {
        debug_assert_eq!(N, self.columns.len(), "{}", self.into);
        self.rows.push(row.into());
    }
}

fn json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).expect("plain data serializes")
}

fn attributes(attrs: &[(String, String)]) -> String {
    json(
        &attrs
            .iter()
            .cloned()
            .collect::<std::collections::BTreeMap<_, _>>(),
    )
}

fn to_i64(n: u64, what: &str) -> Result<i64> {
    i64::try_from(n).with_context(|| format!("{what} = {n} is out of range"))
}

/// The rows of what an incremental run says is gone (applied when the run commits, see
/// [`super::apply`]); `staged` is how many memberships were staged before them.
pub(crate) fn removals(removals: &[Removal], staged: i64) -> Result<Staged> {
    let mut out = Staged::new("removals", &["kind", "id", "member_id", "after"]);
    for removal in removals {
        let (kind, id, member) = match removal {
            Removal::Account(id) => ("account", id.as_str(), None),
            Removal::Group(id) => ("group", id.as_str(), None),
            Removal::Device(id) => ("device", id.as_str(), None),
            Removal::Membership(link) => (
                "membership",
                link.group_id.as_str(),
                Some(link.member_id.as_str()),
            ),
        };
        ensure!(!id.is_empty(), "the plugin removed a {kind} without an id");
        out.push(values![kind, id, member, staged]);
    }
    Ok(out)
}

/// The rows of one batch of `source`'s entities.
pub(crate) fn batch(source: &str, batch: &Batch) -> Result<Vec<Staged>> {
    Ok(match batch {
        Batch::Accounts(items) => vec![accounts(source, items)?],
        Batch::Groups(items) => vec![groups(source, items)?],
        Batch::Memberships(items) => vec![memberships(source, items)],
        Batch::Products(items) => vec![products(source, items)?],
        Batch::Assignments(items) => vec![assignments(source, items)?],
        Batch::GroupLicenses(items) => vec![group_licenses(source, items)],
        Batch::Subscriptions(items) => vec![subscriptions(source, items)?],
        Batch::Devices(items) => devices(source, items)?,
        Batch::SignIns(items) => vec![sign_ins(source, items)?],
    })
}

fn accounts(source: &str, items: &[Account]) -> Result<Staged> {
    let mut out = Staged::new(
        "accounts",
        &[
            "source",
            "id",
            "user_principal_name",
            "display_name",
            "mail",
            "account_enabled",
            "user_type",
            "department",
            "job_title",
            "usage_location",
            "created_date_time",
            "attributes",
            "deleted_date_time",
        ],
    );
    for a in items {
        ensure!(!a.id.is_empty(), "the plugin sent an account without an id");
        let kind = match a.kind {
            AccountKind::Member => "Member",
            AccountKind::Guest => "Guest",
            AccountKind::Other => "Other",
        };
        out.push(values![
            source,
            &a.id,
            &a.principal_name,
            &a.display_name,
            &a.mail,
            a.enabled,
            kind,
            &a.department,
            &a.job_title,
            &a.usage_location,
            &a.created,
            attributes(&a.attributes),
            &a.deleted
        ]);
    }
    Ok(out)
}

fn groups(source: &str, items: &[Group]) -> Result<Staged> {
    let mut out = Staged::new(
        "groups",
        &[
            "source",
            "id",
            "display_name",
            "group_types",
            "security_enabled",
            "mail_enabled",
            "attributes",
        ],
    );
    for g in items {
        ensure!(!g.id.is_empty(), "the plugin sent a group without an id");
        out.push(values![
            source,
            &g.id,
            &g.display_name,
            json(&g.group_types),
            g.security_enabled,
            g.mail_enabled,
            attributes(&g.attributes)
        ]);
    }
    Ok(out)
}

fn memberships(source: &str, items: &[Membership]) -> Staged {
    let mut out = Staged::new(
        "memberships",
        &["source", "group_id", "member_id", "member_kind"],
    );
    for m in items {
        let kind = match m.member_kind {
            MemberKind::Account => "account",
            MemberKind::Group => "group",
            MemberKind::Device => "device",
            MemberKind::ServicePrincipal => "service_principal",
            MemberKind::Contact => "contact",
            MemberKind::External => "external",
            MemberKind::Other => "other",
        };
        out.push(values![source, &m.group_id, &m.member_id, kind]);
    }
    out
}

fn products(source: &str, items: &[Product]) -> Result<Staged> {
    let mut out = Staged::new(
        "products",
        &[
            "source",
            "product_id",
            "part_number",
            "display_name",
            "capability_status",
            "enabled",
            "warning",
            "suspended",
            "locked_out",
            "consumed_units",
            "service_plans",
            "attributes",
        ],
    );
    for p in items {
        ensure!(!p.id.is_empty(), "the plugin sent a product without an id");
        let plans: Vec<_> = p
            .plans
            .iter()
            .map(|s| {
                serde_json::json!({
                    "service_plan_id": s.id, "service_plan_name": s.name,
                    "provisioning_status": s.provisioning_status, "applies_to": s.applies_to,
                })
            })
            .collect();
        let unit = |count: fn(&Units) -> u64, name| {
            p.units.as_ref().map(|u| to_i64(count(u), name)).transpose()
        };
        out.push(values![
            source,
            &p.id,
            &p.part_number,
            &p.display_name,
            &p.status,
            unit(|u| u.enabled, "enabled")?,
            unit(|u| u.warning, "warning")?,
            unit(|u| u.suspended, "suspended")?,
            unit(|u| u.locked_out, "locked_out")?,
            to_i64(p.consumed, "consumed")?,
            json(&plans),
            attributes(&p.attributes)
        ]);
    }
    Ok(out)
}

fn assignments(source: &str, items: &[Assignment]) -> Result<Staged> {
    let mut out = Staged::new(
        "assignments",
        &[
            "source",
            "user_id",
            "product_id",
            "assigned_by_group",
            "state",
            "error",
            "disabled_plans",
        ],
    );
    for a in items {
        let group = match a.source {
            AssignmentSource::Direct => String::new(),
            AssignmentSource::Group => a
                .group_id
                .clone()
                .filter(|g| !g.is_empty())
                .context("the plugin sent a group assignment without a group")?,
        };
        out.push(values![
            source,
            &a.account_id,
            &a.product_id,
            group,
            &a.state,
            &a.error,
            json(&a.disabled_plans)
        ]);
    }
    Ok(out)
}

fn group_licenses(source: &str, items: &[GroupLicense]) -> Staged {
    let mut out = Staged::new(
        "group_licenses",
        &["source", "group_id", "product_id", "disabled_plans"],
    );
    for g in items {
        out.push(values![
            source,
            &g.group_id,
            &g.product_id,
            json(&g.disabled_plans)
        ]);
    }
    out
}

fn subscriptions(source: &str, items: &[Subscription]) -> Result<Staged> {
    let mut out = Staged::new(
        "subscriptions",
        &[
            "source",
            "id",
            "product_id",
            "part_number",
            "status",
            "total_licenses",
            "is_trial",
            "created_date_time",
            "next_lifecycle_date_time",
            "attributes",
        ],
    );
    for s in items {
        ensure!(
            !s.id.is_empty(),
            "the plugin sent a subscription without an id"
        );
        out.push(values![
            source,
            &s.id,
            &s.product_id,
            &s.part_number,
            &s.status,
            to_i64(s.total_units, "total_units")?,
            s.trial,
            &s.created,
            &s.next_lifecycle,
            attributes(&s.attributes)
        ]);
    }
    Ok(out)
}

fn devices(source: &str, items: &[Device]) -> Result<Vec<Staged>> {
    let mut out = Staged::new(
        "devices",
        &[
            "source",
            "id",
            "display_name",
            "device_id",
            "operating_system",
            "operating_system_version",
            "account_enabled",
            "trust_type",
            "approximate_last_sign_in_date_time",
            "registration_date_time",
            "attributes",
        ],
    );
    let mut owners = Staged::new("device_owners", &["source", "device_id", "account_id"]);
    for d in items {
        ensure!(!d.id.is_empty(), "the plugin sent a device without an id");
        out.push(values![
            source,
            &d.id,
            &d.display_name,
            &d.device_id,
            &d.operating_system,
            &d.operating_system_version,
            d.enabled,
            &d.trust_type,
            &d.last_sign_in,
            &d.registered,
            attributes(&d.attributes)
        ]);
        for account in &d.owner_ids {
            owners.push(values![source, &d.id, account]);
        }
    }
    Ok(vec![out, owners])
}

fn sign_ins(source: &str, items: &[SignInActivity]) -> Result<Staged> {
    let mut out = Staged::new(
        "sign_ins",
        &[
            "source",
            "account_id",
            "last_sign_in_date_time",
            "last_non_interactive_sign_in_date_time",
            "last_successful_sign_in_date_time",
        ],
    );
    for s in items {
        ensure!(
            !s.account_id.is_empty(),
            "the plugin sent sign-in activity without an account"
        );
        out.push(values![
            source,
            &s.account_id,
            &s.last_interactive,
            &s.last_non_interactive,
            &s.last_successful
        ]);
    }
    Ok(out)
}
