//! Writing one run: batches go into the run's transaction; commit or fail ends it.

use super::{Store, now};
use crate::runtime::BatchSink;
use crate::runtime::bindings::itam::collector::types::{
    Account, AccountKind, Assignment, AssignmentSource, Batch, Group, GroupLicense, MemberKind,
    Membership, Product, Summary,
};
use anyhow::{Context, Result, ensure};
use rusqlite::{Connection, params};

/// The open run of one source. Clones share the run.
#[derive(Clone)]
pub struct RunWriter {
    store: Store,
    run_id: i64,
    source: String,
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

impl RunWriter {
    pub(super) fn begin(
        store: Store,
        source: &str,
        plugin: &str,
        version: &str,
        sha256: &str,
    ) -> Result<RunWriter> {
        let run_id = {
            let conn = store.lock();
            conn.execute(
                "INSERT INTO runs (source, plugin, plugin_version, plugin_sha256, pid, started_at, status)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'running')",
                params![source, plugin, version, sha256, std::process::id(), now()],
            )?;
            let run_id = conn.last_insert_rowid();
            let opened = (|| -> rusqlite::Result<()> {
                conn.execute_batch("BEGIN IMMEDIATE")?;
                for table in [
                    "accounts",
                    "groups",
                    "memberships",
                    "products",
                    "assignments",
                    "group_licenses",
                ] {
                    conn.execute(&format!("DELETE FROM {table} WHERE source = ?1"), [source])?;
                }
                Ok(())
            })();
            if let Err(e) = opened {
                if !conn.is_autocommit() {
                    let _ = conn.execute_batch("ROLLBACK");
                }
                let _ = conn.execute(
                    "UPDATE runs SET status = 'failed', ended_at = ?2, error = ?3 WHERE id = ?1",
                    params![
                        run_id,
                        now(),
                        format!("the run could not start its transaction: {e}")
                    ],
                );
                return Err(anyhow::Error::new(e).context("starting the run's transaction"));
            }
            run_id
        };
        Ok(RunWriter {
            store,
            run_id,
            source: source.to_string(),
        })
    }

    /// The run's ID.
    pub fn run_id(&self) -> i64 {
        self.run_id
    }

    /// Makes the run's snapshot current, records its licence counts and marks it succeeded.
    pub fn commit(&self, summary: &Summary) -> Result<()> {
        let conn = self.store.lock();
        let result = (|| -> Result<()> {
            conn.execute(
                "INSERT INTO product_history (run_id, source, sku_id, sku_part_number, capability_status,
                     enabled, warning, suspended, locked_out, consumed_units)
                 SELECT ?1, source, sku_id, sku_part_number, capability_status,
                     enabled, warning, suspended, locked_out, consumed_units
                 FROM products WHERE source = ?2",
                params![self.run_id, self.source],
            )?;
            let map = |pairs: &[(String, String)]| {
                pairs
                    .iter()
                    .cloned()
                    .collect::<std::collections::BTreeMap<_, _>>()
            };
            let summary = serde_json::json!({
                "counts": summary.counts.iter().cloned().collect::<std::collections::BTreeMap<_, _>>(),
                "warnings": summary.warnings,
                "data_quality": summary.data_quality,
                "facts": map(&summary.facts),
            });
            conn.execute(
                "UPDATE runs SET status = 'succeeded', ended_at = ?2, counts = ?3 WHERE id = ?1",
                params![self.run_id, now(), summary.to_string()],
            )?;
            conn.execute_batch("COMMIT")?;
            Ok(())
        })();
        if result.is_err() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        result.context("committing the run")
    }

    /// Discards everything the run wrote and records why it failed.
    pub fn fail(&self, error: &str) -> Result<()> {
        let conn = self.store.lock();
        if !conn.is_autocommit() {
            conn.execute_batch("ROLLBACK")?;
        }
        conn.execute(
            "UPDATE runs SET status = 'failed', ended_at = ?2, error = ?3 WHERE id = ?1",
            params![self.run_id, now(), error],
        )?;
        Ok(())
    }

    fn write(&self, conn: &Connection, batch: &Batch) -> Result<()> {
        let source = &self.source;
        match batch {
            Batch::Accounts(items) => {
                let mut stmt = conn.prepare_cached(
                    "INSERT OR REPLACE INTO accounts (source, id, user_principal_name, display_name, mail,
                        account_enabled, user_type, department, job_title, usage_location, created_date_time, attributes)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
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
                        attributes(attrs)
                    ])?;
                }
            }
            Batch::Groups(items) => {
                let mut stmt = conn.prepare_cached(
                    "INSERT OR REPLACE INTO groups (source, id, display_name, group_types, security_enabled, mail_enabled, attributes)
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
                    "INSERT OR REPLACE INTO memberships (source, group_id, member_id, member_kind) VALUES (?1, ?2, ?3, ?4)",
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
                        MemberKind::Other => "other",
                    };
                    stmt.execute(params![source, group_id, member_id, kind])?;
                }
            }
            Batch::Products(items) => {
                let mut stmt = conn.prepare_cached(
                    "INSERT OR REPLACE INTO products (source, sku_id, sku_part_number, capability_status, enabled, warning,
                        suspended, locked_out, consumed_units, service_plans, attributes)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
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
                    stmt.execute(params![
                        source,
                        id,
                        part_number,
                        status,
                        to_i64(p.enabled, "enabled")?,
                        to_i64(p.warning, "warning")?,
                        to_i64(p.suspended, "suspended")?,
                        to_i64(p.locked_out, "locked_out")?,
                        to_i64(p.consumed, "consumed")?,
                        json(&plans),
                        attributes(&p.attributes)
                    ])?;
                }
            }
            Batch::Assignments(items) => {
                let mut stmt = conn.prepare_cached(
                    "INSERT OR REPLACE INTO assignments (source, user_id, sku_id, assigned_by_group, state, error, disabled_plans)
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
                    "INSERT OR REPLACE INTO group_licenses (source, group_id, sku_id, disabled_plans) VALUES (?1, ?2, ?3, ?4)",
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
        }
        Ok(())
    }
}

impl BatchSink for RunWriter {
    fn accept(&mut self, batch: Batch) -> Result<()> {
        let conn = self.store.lock();
        self.write(&conn, &batch)
    }
}
