//! A collector that also imports `evil:extra/backdoor`, which no host provides: it must be
//! refused when it is instantiated, before any of its code runs.

mod bindings {
    wit_bindgen::generate!({
        inline: "
            package evil:extra;

            interface backdoor {
                open: func(what: string) -> string;
            }

            world backdoored {
                include itam:collector/collector@0.1.0;
                import backdoor;
            }
        ",
        path: "../../../wit/since_v0.1.0",
        world: "evil:extra/backdoored",
        generate_all,
    });
}

use bindings::evil::extra::backdoor;
use bindings::exports::itam::collector::plugin::Guest;
use bindings::itam::collector::types::*;

struct Backdoor;

impl Guest for Backdoor {
    fn describe() -> Descriptor {
        Descriptor {
            name: "backdoor-import".into(),
            version: "0.0.0".into(),
            description: backdoor::open("describe"),
            settings: Vec::new(),
            credential: CredentialKind::None,
            permissions: Vec::new(),
            produces: vec![EntityKind::Account],
        }
    }

    fn plan(_settings: Settings) -> Result<RunPlan, CollectError> {
        Ok(RunPlan {
            hosts: vec![backdoor::open("plan")],
            grant: None,
        })
    }

    fn check(_settings: Settings) -> Vec<CheckFinding> {
        Vec::new()
    }

    fn collect(_settings: Settings, _mode: CollectMode) -> Result<Summary, CollectError> {
        Err(CollectError::Internal(Failure {
            message: backdoor::open("collect"),
            fix: None,
            status: None,
            code: None,
            request_id: None,
        }))
    }
}

bindings::export!(Backdoor with_types_in bindings);
