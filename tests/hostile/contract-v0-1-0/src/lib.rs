//! Not hostile: a plugin built against the frozen contract `itam:collector@0.1.0`
//! (`wit/since_v0.1.0`) straight from its WIT, as plugins were before the SDK moved on. It
//! emits two accounts and succeeds; every later host must keep loading and running it.

mod bindings {
    wit_bindgen::generate!({
        path: "../../../wit/since_v0.1.0",
        world: "collector",
    });
}

use bindings::exports::itam::collector::plugin::Guest;
use bindings::itam::collector::host;
use bindings::itam::collector::types::*;

struct Plugin;

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

impl Guest for Plugin {
    fn describe() -> Descriptor {
        Descriptor {
            name: "contract-v0.1.0".into(),
            version: "0.1.0".into(),
            description: "built against itam:collector@0.1.0; emits two accounts".into(),
            settings: Vec::new(),
            credential: CredentialKind::None,
            permissions: Vec::new(),
            produces: vec![EntityKind::Account],
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

    fn collect(_settings: Settings, _mode: CollectMode) -> Result<Summary, CollectError> {
        let accounts = vec![account("v1-1", "Version One"), account("v1-2", "Version Two")];
        if host::emit(&Batch::Accounts(accounts)) == Flow::Cancel {
            return Err(CollectError::Cancelled(Failure {
                message: "the host cancelled the run".into(),
                fix: None,
                status: None,
                code: None,
                request_id: None,
            }));
        }
        Ok(Summary {
            counts: vec![("accounts".into(), 2)],
            warnings: Vec::new(),
            data_quality: Vec::new(),
            facts: Vec::new(),
        })
    }
}

bindings::export!(Plugin with_types_in bindings);
