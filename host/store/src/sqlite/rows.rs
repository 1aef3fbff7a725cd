//! Rows of each entity kind, as the plugin sent them, into the open run's staging tables
//! (see [`super::staging`]).

use anyhow::{Context, Result, ensure};
use itam_runtime::contract::types::{
    Account, AccountKind, Assignment, AssignmentSource, Batch, Device, Group, GroupLicense,
    MemberKind, Membership, Product, Removal, SignInActivity, Subscription, Units,
};
use rusqlite::{Connection, params};

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

/// Stages what an incremental run says is gone (applied when the run commits, see
/// [`super::apply`]).
pub(crate) fn write_removals(conn: &Connection, removals: &[Removal]) -> Result<()> {
    let staged: i64 = conn.query_row(
        "SELECT COALESCE(MAX(rowid), 0) FROM temp.stage_memberships",
        [],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO temp.stage_removals (kind, id, member_id, after) VALUES (?1, ?2, ?3, ?4)",
    )?;
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
        stmt.execute(params![kind, id, member, staged])?;
    }
    Ok(())
}

/// Writes one batch of `source`'s entities into the open run.
pub(crate) fn write_batch(conn: &Connection, source: &str, batch: &Batch) -> Result<()> {
    match batch {
        Batch::Accounts(items) => {
            let mut stmt = conn.prepare_cached(
                "INSERT INTO temp.stage_accounts (source, id, user_principal_name, display_name, mail,
                    account_enabled, user_type, department, job_title, usage_location, created_date_time, attributes,
                    deleted_date_time)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?;
            for Account {
                id,
                principal_name,
                display_name,
                mail,
                enabled,
                kind,
                department,
                job_title,
                usage_location,
                created,
                deleted,
                attributes: attrs,
            } in items
            {
                ensure!(!id.is_empty(), "the plugin sent an account without an id");
                let kind = match kind {
                    AccountKind::Member => "Member",
                    AccountKind::Guest => "Guest",
                    AccountKind::Other => "Other",
                };
                stmt.execute(params![
                    source,
                    id,
                    principal_name,
                    display_name,
                    mail,
                    enabled,
                    kind,
                    department,
                    job_title,
                    usage_location,
                    created,
                    attributes(attrs),
                    deleted
                ])?;
            }
        }
        Batch::Groups(items) => {
            let mut stmt = conn.prepare_cached(
                "INSERT INTO temp.stage_groups (source, id, display_name, group_types, security_enabled, mail_enabled, attributes)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for Group {
                id,
                display_name,
                security_enabled,
                mail_enabled,
                group_types,
                attributes: attrs,
            } in items
            {
                ensure!(!id.is_empty(), "the plugin sent a group without an id");
                stmt.execute(params![
                    source,
                    id,
                    display_name,
                    json(group_types),
                    security_enabled,
                    mail_enabled,
                    attributes(attrs)
                ])?;
            }
        }
        Batch::Memberships(items) => {
            let mut stmt = conn.prepare_cached(
                "INSERT INTO temp.stage_memberships (source, group_id, member_id, member_kind) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for Membership {
                group_id,
                member_id,
                member_kind,
            } in items
            {
                let kind = match member_kind {
                    MemberKind::Account => "account",
                    MemberKind::Group => "group",
                    MemberKind::Device => "device",
                    MemberKind::ServicePrincipal => "service_principal",
                    MemberKind::Contact => "contact",
                    MemberKind::External => "external",
                    MemberKind::Other => "other",
                };
                stmt.execute(params![source, group_id, member_id, kind])?;
            }
        }
        Batch::Products(items) => {
            let mut stmt = conn.prepare_cached(
                "INSERT INTO temp.stage_products (source, product_id, part_number, display_name,
                    capability_status, enabled, warning, suspended, locked_out, consumed_units,
                    service_plans, attributes)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?;
            for p in items {
                let Product {
                    id,
                    part_number,
                    status,
                    plans,
                    ..
                } = p;
                ensure!(!id.is_empty(), "the plugin sent a product without an id");
                let plans: Vec<_> = plans
                    .iter()
                    .map(|s| serde_json::json!({
                        "service_plan_id": s.id, "service_plan_name": s.name,
                        "provisioning_status": s.provisioning_status, "applies_to": s.applies_to,
                    }))
                    .collect();
                let unit = |count: fn(&Units) -> u64, name| {
                    p.units.as_ref().map(|u| to_i64(count(u), name)).transpose()
                };
                stmt.execute(params![
                    source,
                    id,
                    part_number,
                    p.display_name,
                    status,
                    unit(|u| u.enabled, "enabled")?,
                    unit(|u| u.warning, "warning")?,
                    unit(|u| u.suspended, "suspended")?,
                    unit(|u| u.locked_out, "locked_out")?,
                    to_i64(p.consumed, "consumed")?,
                    json(&plans),
                    attributes(&p.attributes)
                ])?;
            }
        }
        Batch::Assignments(items) => {
            let mut stmt = conn.prepare_cached(
                "INSERT INTO temp.stage_assignments (source, user_id, product_id, assigned_by_group, state, error, disabled_plans)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for Assignment {
                account_id,
                product_id,
                source: via,
                group_id,
                state,
                error,
                disabled_plans,
            } in items
            {
                let group = match via {
                    AssignmentSource::Direct => String::new(),
                    AssignmentSource::Group => group_id
                        .clone()
                        .filter(|g| !g.is_empty())
                        .context("the plugin sent a group assignment without a group")?,
                };
                stmt.execute(params![
                    source,
                    account_id,
                    product_id,
                    group,
                    state,
                    error,
                    json(disabled_plans)
                ])?;
            }
        }
        Batch::GroupLicenses(items) => {
            let mut stmt = conn.prepare_cached(
                "INSERT INTO temp.stage_group_licenses (source, group_id, product_id, disabled_plans) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for GroupLicense {
                group_id,
                product_id,
                disabled_plans,
            } in items
            {
                stmt.execute(params![source, group_id, product_id, json(disabled_plans)])?;
            }
        }
        Batch::Subscriptions(items) => write_subscriptions(conn, source, items)?,
        Batch::Devices(items) => write_devices(conn, source, items)?,
        Batch::SignIns(items) => write_sign_ins(conn, source, items)?,
    }
    Ok(())
}

fn write_subscriptions(conn: &Connection, source: &str, items: &[Subscription]) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO temp.stage_subscriptions (source, id, product_id, part_number, status, total_licenses,
            is_trial, created_date_time, next_lifecycle_date_time, attributes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for s in items {
        ensure!(
            !s.id.is_empty(),
            "the plugin sent a subscription without an id"
        );
        stmt.execute(params![
            source,
            s.id,
            s.product_id,
            s.part_number,
            s.status,
            to_i64(s.total_units, "total_units")?,
            s.trial,
            s.created,
            s.next_lifecycle,
            attributes(&s.attributes)
        ])?;
    }
    Ok(())
}

fn write_devices(conn: &Connection, source: &str, items: &[Device]) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO temp.stage_devices (source, id, display_name, device_id, operating_system,
            operating_system_version, account_enabled, trust_type, approximate_last_sign_in_date_time,
            registration_date_time, attributes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    let mut owner = conn.prepare_cached(
        "INSERT INTO temp.stage_device_owners (source, device_id, account_id) VALUES (?1, ?2, ?3)",
    )?;
    for d in items {
        ensure!(!d.id.is_empty(), "the plugin sent a device without an id");
        stmt.execute(params![
            source,
            d.id,
            d.display_name,
            d.device_id,
            d.operating_system,
            d.operating_system_version,
            d.enabled,
            d.trust_type,
            d.last_sign_in,
            d.registered,
            attributes(&d.attributes)
        ])?;
        for account in &d.owner_ids {
            owner.execute(params![source, d.id, account])?;
        }
    }
    Ok(())
}

fn write_sign_ins(conn: &Connection, source: &str, items: &[SignInActivity]) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO temp.stage_sign_ins (source, account_id, last_sign_in_date_time,
            last_non_interactive_sign_in_date_time, last_successful_sign_in_date_time)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for s in items {
        ensure!(
            !s.account_id.is_empty(),
            "the plugin sent sign-in activity without an account"
        );
        stmt.execute(params![
            source,
            s.account_id,
            s.last_interactive,
            s.last_non_interactive,
            s.last_successful
        ])?;
    }
    Ok(())
}
