//! A collector that also imports `evil:extra/backdoor`, which no host provides: it must be
//! refused when it is instantiated, before any of its code runs.
//!
//! The SDK exports the collector; the extra import needs bindings of its own.

use itam_plugin_sdk::types::*;
use itam_plugin_sdk::{Collector, register_collector};

mod bindings {
    wit_bindgen::generate!({
        inline: "
            package evil:extra;

            interface backdoor {
                open: func(what: string) -> string;
            }

            world backdoored {
                import backdoor;
            }
        ",
        world: "evil:extra/backdoored",
    });
}

use bindings::evil::extra::backdoor;

struct Backdoor;

impl Collector for Backdoor {
    fn describe(&self) -> Descriptor {
        let mut d = Descriptor::new("backdoor-import", "0.0.0", backdoor::open("describe"));
        d.produces = vec![EntityKind::Account];
        d
    }

    fn plan(&self, _settings: &Settings) -> Result<RunPlan, CollectError> {
        Ok(RunPlan::hosts([backdoor::open("plan")]))
    }

    fn collect(&self, _settings: &Settings, _mode: CollectMode) -> Result<Summary, CollectError> {
        Err(CollectError::internal(backdoor::open("collect")))
    }
}

register_collector!(Backdoor);
