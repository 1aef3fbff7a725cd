//! Tries to reach origins its plan did not declare: a foreign host, the allowed host on another
//! port, and the allowed host over https instead of http. Every attempt must come back as
//! wasi:http `HTTP-request-denied`; the plugin then returns `collect-error::denied` naming them.
//!
//! Settings: `url` (the declared origin) and `targets` (comma-separated URLs to try).

use hostile_common::*;

struct ForeignHost;

impl Collector for ForeignHost {
    fn describe(&self) -> Descriptor {
        descriptor("foreign-host", "GETs origins it did not declare")
    }

    fn collect(&self, settings: &Settings, _mode: CollectMode) -> Result<Summary, CollectError> {
        let url = url(settings)?;
        // The declared origin works: the sandbox is not simply offline.
        let allowed = format!(
            "{url}/allowed -> {}",
            status(&WasiHttp.get(&format!("{url}/allowed"), &[]))
        );
        let mut outcomes = Vec::new();
        let mut all_denied = true;
        for target in setting(settings, "targets").unwrap_or_default().split(',') {
            let target = target.trim();
            if target.is_empty() {
                continue;
            }
            let answer = WasiHttp.get(target, &[]);
            all_denied &= answer.as_ref().is_err_and(HttpError::is_denied);
            outcomes.push(format!("{target} -> {}", status_and_size(&answer)));
        }
        let message = format!(
            "foreign-host: {allowed}; {}{}",
            outcomes.join("; "),
            if all_denied { "" } else { "; NOT ALL DENIED" }
        );
        Err(CollectError::Denied(Failure::new(message)))
    }
}

register_collector!(ForeignHost);
