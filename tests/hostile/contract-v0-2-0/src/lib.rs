//! Not hostile: a plugin built against the frozen contract `itam:collector@0.2.0`
//! (`wit/since_v0.2.0`) straight from its WIT, as plugins were before the SDK moved on, that
//! collects incrementally. Every later host must keep loading and running it, in full and in
//! changes.
//!
//! A run without state (the first, or one the host asks to read in full) emits a full snapshot:
//! accounts `v2-1` and `v2-2`, product `v2-p` (10 enabled, 1 warning, 2 suspended, 3 locked out
//! units) and one assignment of it to each account, and returns a state naming the accounts.
//! An incremental run that gets that state back reads accounts and assignments as changes: it
//! emits `v2-1` renamed `Version One, renamed` with its assignment, removes `v2-2` with
//! `host.remove` (if the state still names it), keeps the product, and returns a new state.

mod bindings {
    wit_bindgen::generate!({
        path: "../../../wit/since_v0.2.0",
        world: "collector",
    });
}

use bindings::exports::itam::collector::plugin::Guest;
use bindings::itam::collector::host;
use bindings::itam::collector::incremental::{CollectRequest, Coverage, Outcome, Removal};
use bindings::itam::collector::types::*;

struct Plugin;

/// The product every account holds.
const PRODUCT: &str = "v2-p";
/// The accounts of a full snapshot: (ID, display name).
const ACCOUNTS: [(&str, &str); 2] = [("v2-1", "Version One"), ("v2-2", "Version Two")];
/// The name `v2-1` has after an incremental run.
const RENAMED: &str = "Version One, renamed";
/// What every state starts with: the plugin and the state's format.
const STATE_PREFIX: &str = "contract-v0-2-0/1:";

/// The state naming the accounts the host holds after the run.
fn state(accounts: &[&str]) -> Vec<u8> {
    format!("{STATE_PREFIX}{}", accounts.join(",")).into_bytes()
}

/// The accounts a state names, or none when it is not this plugin's.
fn accounts_in(state: &[u8]) -> Option<Vec<String>> {
    let text = std::str::from_utf8(state).ok()?;
    let ids = text.strip_prefix(STATE_PREFIX)?;
    Some(
        ids.split(',')
            .filter(|id| !id.is_empty())
            .map(str::to_string)
            .collect(),
    )
}

fn account(id: &str, name: &str) -> Account {
    Account {
        id: id.into(),
        principal_name: format!("{id}@contoso.example"),
        display_name: Some(name.into()),
        mail: None,
        enabled: true,
        kind: AccountKind::Member,
        department: None,
        job_title: None,
        usage_location: None,
        created: None,
        deleted: None,
        attributes: Vec::new(),
    }
}

fn product() -> Product {
    Product {
        id: PRODUCT.into(),
        part_number: "VERSION_TWO_PACK".into(),
        status: "Enabled".into(),
        enabled: 10,
        warning: 1,
        suspended: 2,
        locked_out: 3,
        consumed: 2,
        plans: Vec::new(),
        attributes: Vec::new(),
    }
}

fn assignment(account_id: &str) -> Assignment {
    Assignment {
        account_id: account_id.into(),
        product_id: PRODUCT.into(),
        source: AssignmentSource::Direct,
        group_id: None,
        state: "Active".into(),
        error: None,
        disabled_plans: Vec::new(),
    }
}

fn cancelled() -> CollectError {
    CollectError::Cancelled(Failure {
        message: "the host cancelled the run".into(),
        fix: None,
        status: None,
        code: None,
        request_id: None,
    })
}

/// Hands `batch` to the host; a cancel ends the run.
fn emit(batch: Batch) -> Result<(), CollectError> {
    match host::emit(&batch) {
        Flow::Proceed => Ok(()),
        Flow::Cancel => Err(cancelled()),
    }
}

fn summary(counts: &[(&str, u64)]) -> Summary {
    Summary {
        counts: counts.iter().map(|(k, n)| (k.to_string(), *n)).collect(),
        warnings: Vec::new(),
        data_quality: Vec::new(),
        facts: Vec::new(),
    }
}

/// A full read: every account, the product and the assignments.
fn full(full_reason: Option<String>) -> Result<Outcome, CollectError> {
    emit(Batch::Products(vec![product()]))?;
    emit(Batch::Accounts(
        ACCOUNTS
            .iter()
            .map(|(id, name)| account(id, name))
            .collect(),
    ))?;
    emit(Batch::Assignments(
        ACCOUNTS.iter().map(|(id, _)| assignment(id)).collect(),
    ))?;
    Ok(Outcome {
        summary: summary(&[("products", 1), ("accounts", 2), ("assignments", 2)]),
        coverage: vec![
            (EntityKind::Account, Coverage::Full),
            (EntityKind::Product, Coverage::Full),
            (EntityKind::Assignment, Coverage::Full),
        ],
        state: Some(state(&ACCOUNTS.map(|(id, _)| id))),
        full_reason,
    })
}

/// A changes read from the accounts a saved state names: `v2-1` renamed, with its assignment;
/// `v2-2` removed if it is still there; the product kept.
fn changes(known: &[String]) -> Result<Outcome, CollectError> {
    let (changed, gone) = (ACCOUNTS[0].0, ACCOUNTS[1].0);
    emit(Batch::Accounts(vec![account(changed, RENAMED)]))?;
    emit(Batch::Assignments(vec![assignment(changed)]))?;
    let mut removed = 0;
    if known.iter().any(|id| id == gone) {
        if host::remove(&[Removal::Account(gone.into())]) == Flow::Cancel {
            return Err(cancelled());
        }
        removed = 1;
    }
    let mut summary = summary(&[("accounts", 1), ("assignments", 1)]);
    summary
        .facts
        .push(("removed accounts".into(), removed.to_string()));
    Ok(Outcome {
        summary,
        coverage: vec![
            (EntityKind::Account, Coverage::Changes),
            (EntityKind::Assignment, Coverage::Changes),
            (EntityKind::Product, Coverage::Kept),
        ],
        state: Some(state(&[changed])),
        full_reason: None,
    })
}

impl Guest for Plugin {
    fn describe() -> Descriptor {
        Descriptor {
            name: "contract-v0.2.0".into(),
            version: "0.2.0".into(),
            description:
                "built against itam:collector@0.2.0; two accounts, a product and its assignments, then changes"
                    .into(),
            settings: Vec::new(),
            credential: CredentialKind::None,
            permissions: Vec::new(),
            produces: vec![
                EntityKind::Account,
                EntityKind::Product,
                EntityKind::Assignment,
            ],
        }
    }

    fn plan(_settings: Settings) -> Result<RunPlan, CollectError> {
        Ok(RunPlan {
            hosts: Vec::new(),
            grant: None,
        })
    }

    fn check(_settings: Settings) -> Vec<CheckFinding> {
        Vec::new()
    }

    fn collect(_settings: Settings, request: CollectRequest) -> Result<Outcome, CollectError> {
        if request.mode == CollectMode::Full {
            return full(None);
        }
        match request.state.as_deref().map(accounts_in) {
            Some(Some(known)) => changes(&known),
            Some(None) => full(Some("the saved state is not this plugin's".into())),
            None => full(Some("no state from an earlier run".into())),
        }
    }
}

bindings::export!(Plugin with_types_in bindings);
