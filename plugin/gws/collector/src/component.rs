//! The plugin as the SDK's [`Collector`]: each call parses the settings and hands them, with
//! the real transport and host, to the logic.

use crate::settings::GwsSettings;
use crate::types::{
    CheckFinding, CheckStatus, CollectError, CollectMode, Descriptor, RunPlan, Settings, Summary,
};
use itam_plugin_sdk::host::Host;
use itam_plugin_sdk::http::WasiHttp;
use itam_plugin_sdk::{Collector, register_collector};

/// The Google Workspace collector.
pub struct Gws;

register_collector!(Gws);

impl Collector for Gws {
    fn describe(&self) -> Descriptor {
        crate::descriptor::descriptor()
    }

    fn plan(&self, settings: &Settings) -> Result<RunPlan, CollectError> {
        GwsSettings::parse(settings).map(|s| s.run_plan())
    }

    fn check(&self, settings: &Settings) -> Vec<CheckFinding> {
        match GwsSettings::parse(settings) {
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

    /// Every run reads everything (an incremental request is answered with a full read, which
    /// the SDK's default `collect_incremental` reports as such).
    fn collect(&self, settings: &Settings, _mode: CollectMode) -> Result<Summary, CollectError> {
        let settings = GwsSettings::parse(settings)?;
        crate::collect::collect(&settings, &mut WasiHttp, &mut Host)
    }
}
