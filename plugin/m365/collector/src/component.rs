//! The wasm export layer: wires the contract's exports to the plugin logic.

use crate::bindings::exports::itam::collector::plugin::Guest;
use crate::hostapi::ComponentHost;
use crate::transport::WakiTransport;
use crate::types::{
    CheckFinding, CheckStatus, CollectError, CollectMode, Descriptor, RunPlan, Settings, Summary,
};

struct M365;

impl Guest for M365 {
    fn describe() -> Descriptor {
        crate::collect::descriptor()
    }

    fn plan(settings: Settings) -> Result<RunPlan, CollectError> {
        crate::settings::M365Settings::parse(&settings).map(|s| s.run_plan())
    }

    fn check(settings: Settings) -> Vec<CheckFinding> {
        match crate::settings::M365Settings::parse(&settings) {
            Ok(settings) => crate::check::check(&settings, &mut WakiTransport, &mut ComponentHost),
            Err(e) => {
                let f = crate::errors::details(&e);
                vec![CheckFinding {
                    step: "settings".into(),
                    status: CheckStatus::Fail,
                    detail: f.message.clone(),
                    fix: f.fix.clone(),
                }]
            }
        }
    }

    fn collect(settings: Settings, _mode: CollectMode) -> Result<Summary, CollectError> {
        let settings = crate::settings::M365Settings::parse(&settings)?;
        crate::collect::collect(&settings, &mut WakiTransport, &mut ComponentHost)
    }
}

crate::bindings::export!(M365 with_types_in crate::bindings);
