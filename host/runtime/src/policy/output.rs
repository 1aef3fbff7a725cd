//! What the host accepts from a plugin's `emit`: bounded batches of well-formed entities, each
//! measured against the run's output limit. A plugin is untrusted code; nothing it emits
//! reaches a sink unchecked. (That references point at entities the run sent is the store's
//! check, made when the run is published.)

use crate::bindings::itam::collector::types::{
    Account, Assignment, Batch, Device, Group, GroupLicense, Membership, Product, SignInActivity,
    Subscription,
};
use crate::contract::types::Removal;
use anyhow::{Result, bail};

/// Sums the text of an entity's fields, refusing any field longer than `max_field`.
struct Measure {
    bytes: u64,
    kind: &'static str,
    max_field: usize,
}

impl Measure {
    fn text(&mut self, field: &str, value: &str) -> Result<()> {
        if value.len() > self.max_field {
            bail!(
                "the plugin sent {} with a {field} of {} bytes; the host accepts at most {} KiB per field",
                self.kind,
                value.len(),
                self.max_field >> 10
            );
        }
        // Every field costs a little even when empty, so floods of empty entities count too.
        self.bytes += value.len() as u64 + 8;
        Ok(())
    }

    fn opt(&mut self, field: &str, value: &Option<String>) -> Result<()> {
        self.text(field, value.as_deref().unwrap_or_default())
    }

    fn list(&mut self, field: &str, values: &[String]) -> Result<()> {
        values.iter().try_for_each(|v| self.text(field, v))
    }

    fn pairs(&mut self, field: &str, values: &[(String, String)]) -> Result<()> {
        values
            .iter()
            .try_for_each(|(k, v)| self.text(field, k).and_then(|_| self.text(field, v)))
    }

    fn id(&mut self, field: &str, value: &str) -> Result<()> {
        if value.is_empty() {
            bail!("the plugin sent {} without {field}", self.kind);
        }
        self.text(field, value)
    }
}

/// Entities in `batch`.
pub fn batch_len(batch: &Batch) -> usize {
    match batch {
        Batch::Accounts(v) => v.len(),
        Batch::Groups(v) => v.len(),
        Batch::Memberships(v) => v.len(),
        Batch::Products(v) => v.len(),
        Batch::Assignments(v) => v.len(),
        Batch::GroupLicenses(v) => v.len(),
        Batch::Subscriptions(v) => v.len(),
        Batch::Devices(v) => v.len(),
        Batch::SignIns(v) => v.len(),
    }
}

/// Checks `batch` against `caps` and returns its size in bytes, as counted against the run's
/// output limit.
pub fn batch_size(batch: &Batch, caps: &super::Caps) -> Result<u64> {
    let len = batch_len(batch);
    if len > caps.max_batch_entities {
        bail!(
            "the plugin emitted {len} entities in one batch; the host accepts at most {} per batch",
            caps.max_batch_entities
        );
    }
    let mut m = Measure {
        bytes: 0,
        kind: "",
        max_field: caps.max_field_bytes,
    };
    match batch {
        Batch::Accounts(v) => v.iter().try_for_each(|e| account(&mut m, e))?,
        Batch::Groups(v) => v.iter().try_for_each(|e| group(&mut m, e))?,
        Batch::Memberships(v) => v.iter().try_for_each(|e| membership(&mut m, e))?,
        Batch::Products(v) => v.iter().try_for_each(|e| product(&mut m, e))?,
        Batch::Assignments(v) => v.iter().try_for_each(|e| assignment(&mut m, e))?,
        Batch::GroupLicenses(v) => v.iter().try_for_each(|e| group_license(&mut m, e))?,
        Batch::Subscriptions(v) => v.iter().try_for_each(|e| subscription(&mut m, e))?,
        Batch::Devices(v) => v.iter().try_for_each(|e| device(&mut m, e))?,
        Batch::SignIns(v) => v.iter().try_for_each(|e| sign_in(&mut m, e))?,
    }
    Ok(m.bytes)
}

fn account(m: &mut Measure, a: &Account) -> Result<()> {
    m.kind = "an account";
    m.id("an id", &a.id)?;
    m.text("principal name", &a.principal_name)?;
    for (field, value) in [
        ("display name", &a.display_name),
        ("mail", &a.mail),
        ("department", &a.department),
        ("job title", &a.job_title),
        ("usage location", &a.usage_location),
        ("creation time", &a.created),
        ("deletion time", &a.deleted),
    ] {
        m.opt(field, value)?;
    }
    m.pairs("attribute", &a.attributes)
}

fn group(m: &mut Measure, g: &Group) -> Result<()> {
    m.kind = "a group";
    m.id("an id", &g.id)?;
    m.text("display name", &g.display_name)?;
    m.list("group type", &g.group_types)?;
    m.pairs("attribute", &g.attributes)
}

fn membership(m: &mut Measure, x: &Membership) -> Result<()> {
    m.kind = "a membership";
    m.id("a group id", &x.group_id)?;
    m.id("a member id", &x.member_id)
}

fn product(m: &mut Measure, p: &Product) -> Result<()> {
    m.kind = "a product";
    m.id("an id", &p.id)?;
    m.text("part number", &p.part_number)?;
    m.opt("display name", &p.display_name)?;
    m.text("status", &p.status)?;
    for plan in &p.plans {
        m.id("a service plan id", &plan.id)?;
        m.text("service plan name", &plan.name)?;
        m.text("provisioning status", &plan.provisioning_status)?;
        m.text("applies-to", &plan.applies_to)?;
    }
    m.pairs("attribute", &p.attributes)
}

fn assignment(m: &mut Measure, a: &Assignment) -> Result<()> {
    m.kind = "an assignment";
    m.id("an account id", &a.account_id)?;
    m.id("a product id", &a.product_id)?;
    m.opt("group id", &a.group_id)?;
    m.text("state", &a.state)?;
    m.opt("error", &a.error)?;
    m.list("disabled plan", &a.disabled_plans)
}

fn group_license(m: &mut Measure, l: &GroupLicense) -> Result<()> {
    m.kind = "a group licence";
    m.id("a group id", &l.group_id)?;
    m.id("a product id", &l.product_id)?;
    m.list("disabled plan", &l.disabled_plans)
}

fn subscription(m: &mut Measure, s: &Subscription) -> Result<()> {
    m.kind = "a subscription";
    m.id("an id", &s.id)?;
    m.id("a product id", &s.product_id)?;
    m.text("part number", &s.part_number)?;
    m.text("status", &s.status)?;
    m.opt("creation time", &s.created)?;
    m.opt("next lifecycle time", &s.next_lifecycle)?;
    m.pairs("attribute", &s.attributes)
}

fn device(m: &mut Measure, d: &Device) -> Result<()> {
    m.kind = "a device";
    m.id("an id", &d.id)?;
    m.text("display name", &d.display_name)?;
    for (field, value) in [
        ("device id", &d.device_id),
        ("operating system", &d.operating_system),
        ("operating system version", &d.operating_system_version),
        ("trust type", &d.trust_type),
        ("last sign-in", &d.last_sign_in),
        ("registration time", &d.registered),
    ] {
        m.opt(field, value)?;
    }
    m.list("owner id", &d.owner_ids)?;
    m.pairs("attribute", &d.attributes)
}

fn sign_in(m: &mut Measure, s: &SignInActivity) -> Result<()> {
    m.kind = "sign-in activity";
    m.id("an account id", &s.account_id)?;
    m.opt("last interactive sign-in", &s.last_interactive)?;
    m.opt("last non-interactive sign-in", &s.last_non_interactive)?;
    m.opt("last successful sign-in", &s.last_successful)
}

/// What a run may still emit: every batch is checked and measured, and the run fails once its
/// entities pass the source's output limit (`limits.max_output_mb`).
#[derive(Debug)]
pub struct OutputBudget {
    used: u64,
    max: u64,
    caps: super::Caps,
}

impl OutputBudget {
    /// A budget of `max` bytes, each batch within `caps`.
    pub fn new(max: u64, caps: super::Caps) -> OutputBudget {
        OutputBudget { used: 0, max, caps }
    }

    /// Checks `batch` and counts it against the budget.
    pub fn admit(&mut self, batch: &Batch) -> Result<()> {
        self.used += batch_size(batch, &self.caps)?;
        if self.used > self.max {
            bail!(
                "the plugin's output exceeded the source's limit of {} (limits.max_output_mb); nothing of this run is kept",
                super::mib(self.max)
            );
        }
        Ok(())
    }

    /// Checks a list of removals against the per-batch cap and counts their identifiers
    /// against the budget.
    pub fn admit_removals(&mut self, removals: &[Removal]) -> Result<()> {
        if removals.len() > self.caps.max_batch_entities {
            bail!(
                "the plugin removed {} entities in one call; the host accepts at most {} per call",
                removals.len(),
                self.caps.max_batch_entities
            );
        }
        for removal in removals {
            let ids: [&str; 2] = match removal {
                Removal::Account(id) | Removal::Group(id) | Removal::Device(id) => [id, ""],
                Removal::Membership(link) => [&link.group_id, &link.member_id],
            };
            for id in ids {
                if id.len() > self.caps.max_field_bytes {
                    bail!(
                        "the plugin removed an entity whose identifier is {} bytes long; the host accepts at most {}",
                        id.len(),
                        self.caps.max_field_bytes
                    );
                }
                self.used += id.len() as u64;
            }
        }
        if self.used > self.max {
            bail!(
                "the plugin's output exceeded the source's limit of {} (limits.max_output_mb); nothing of this run is kept",
                super::mib(self.max)
            );
        }
        Ok(())
    }

    /// Bytes admitted so far.
    pub fn used(&self) -> u64 {
        self.used
    }
}
