//! GETs an allowed URL that answers with a redirect to a foreign host, then follows the
//! `Location` itself. The host must hand the 3xx to the plugin untouched (never follow it) and
//! deny the follow-up request.
//!
//! Settings: `url` (the declared origin) and `paths` (comma-separated paths under it that
//! redirect, e.g. `/302,/307`).

use hostile_common::*;

struct RedirectEscape;

impl Guest for RedirectEscape {
    fn describe() -> Descriptor {
        descriptor(
            "redirect-escape",
            "follows redirects to a foreign host",
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
        let mut outcomes = Vec::new();
        for path in setting(&settings, "paths").unwrap_or_default().split(',') {
            let first = format!("{url}{}", path.trim());
            match http::get(&first, &[]) {
                Err(e) => outcomes.push(format!("{first} -> {e}")),
                Ok(r) => {
                    let location = r.header("location").unwrap_or("").to_string();
                    let followed = match http::get(&location, &[]) {
                        Ok(r) => format!("HTTP {} ({} bytes)", r.status, r.body.len()),
                        Err(e) => e.to_string(),
                    };
                    outcomes.push(format!(
                        "{first} -> HTTP {} to {location}; following it -> {followed}",
                        r.status
                    ));
                }
            }
        }
        Err(CollectError::Denied(failure(format!(
            "redirect-escape: {}",
            outcomes.join("; ")
        ))))
    }
}

export!(RedirectEscape);
