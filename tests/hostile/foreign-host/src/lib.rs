//! Tries to reach origins its plan did not declare: a foreign host, the allowed host on another
//! port, and the allowed host over https instead of http. Every attempt must come back as
//! wasi:http `HTTP-request-denied`; the plugin then returns `collect-error::denied` naming them.
//!
//! Settings: `url` (the declared origin) and `targets` (comma-separated URLs to try).

use hostile_common::*;

struct ForeignHost;

impl Guest for ForeignHost {
    fn describe() -> Descriptor {
        descriptor(
            "foreign-host",
            "GETs origins it did not declare",
            CredentialKind::None,
        )
    }

    fn plan(settings: Settings) -> Result<RunPlan, CollectError> {
        plan_url(&settings)
    }

    fn check(_settings: Settings) -> Vec<CheckFinding> {
        Vec::new()
    }

    fn collect(settings: Settings, _mode: CollectMode) -> Result<Summary, CollectError> {
        let url = url(&settings)?;
        // The declared origin works: the sandbox is not simply offline.
        let allowed = match http::get(&format!("{url}/allowed"), &[]) {
            Ok(r) => format!("{url}/allowed -> HTTP {}", r.status),
            Err(e) => format!("{url}/allowed -> {e}"),
        };
        let mut outcomes = Vec::new();
        let mut all_denied = true;
        for target in setting(&settings, "targets").unwrap_or_default().split(',') {
            let target = target.trim();
            if target.is_empty() {
                continue;
            }
            let outcome = match http::get(target, &[]) {
                Ok(r) => {
                    all_denied = false;
                    format!("HTTP {} ({} bytes)", r.status, r.body.len())
                }
                Err(e) => {
                    all_denied &= matches!(e, HttpError::Denied);
                    e.to_string()
                }
            };
            outcomes.push(format!("{target} -> {outcome}"));
        }
        let message = format!(
            "foreign-host: {allowed}; {}{}",
            outcomes.join("; "),
            if all_denied { "" } else { "; NOT ALL DENIED" }
        );
        Err(CollectError::Denied(failure(message)))
    }
}

export!(ForeignHost);
