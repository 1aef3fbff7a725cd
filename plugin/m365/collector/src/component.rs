//! The plugin as the SDK's [`Collector`]: each call parses the settings and hands them, with
//! the real transport and host, to the Graph logic.

use crate::settings::M365Settings;
use crate::types::{
    CheckFinding, CheckStatus, CollectError, CollectMode, CollectRequest, Descriptor, Outcome,
    RunPlan, Settings, Summary,
};
use itam_plugin_sdk::host::Host;
use itam_plugin_sdk::http::WasiHttp;
use itam_plugin_sdk::{Collector, register_collector};

/// The Microsoft 365 collector.
pub struct M365;

register_collector!(M365);

impl Collector for M365 {
    fn describe(&self) -> Descriptor {
        crate::collect::descriptor()
    }

    fn plan(&self, settings: &Settings) -> Result<RunPlan, CollectError> {
        M365Settings::parse(settings).map(|s| s.run_plan())
    }

    fn check(&self, settings: &Settings) -> Vec<CheckFinding> {
        match M365Settings::parse(settings) {
            Ok(settings) => crate::check::check(&settings, &mut WasiHttp, &mut Host),
            Err(e) => {
                let f = e.failure();
                vec![CheckFinding {
                    step: "settings".into(),
                    status: CheckStatus::Fail,
                    detail: f.message.clone(),
                    fix: f.fix.clone(),
                }]
            }
        }
    }

    fn collect(&self, settings: &Settings, _mode: CollectMode) -> Result<Summary, CollectError> {
        let settings = M365Settings::parse(settings)?;
        crate::collect::collect(&settings, &mut WasiHttp, &mut Host)
    }

    fn collect_incremental(
        &self,
        settings: &Settings,
        request: CollectRequest,
    ) -> Result<Outcome, CollectError> {
        let settings = M365Settings::parse(settings)?;
        crate::collect::collect_incremental(&settings, &mut WasiHttp, &mut Host, request)
    }
}
