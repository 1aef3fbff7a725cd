//! GETs an allowed URL that answers with a redirect to a foreign host, then follows the
//! `Location` itself. The host must hand the 3xx to the plugin untouched (never follow it) and
//! deny the follow-up request.
//!
//! Settings: `url` (the declared origin) and `paths` (comma-separated paths under it that
//! redirect, e.g. `/302,/307`).

use hostile_common::*;

struct RedirectEscape;

impl Collector for RedirectEscape {
    fn describe(&self) -> Descriptor {
        descriptor("redirect-escape", "follows redirects to a foreign host")
    }

    fn collect(&self, settings: &Settings, _mode: CollectMode) -> Result<Summary, CollectError> {
        let url = url(settings)?;
        let mut outcomes = Vec::new();
        for path in setting(settings, "paths").unwrap_or_default().split(',') {
            let first = format!("{url}{}", path.trim());
            match WasiHttp.get(&first, &[]) {
                Err(e) => outcomes.push(format!("{first} -> {}", status(&Err(e)))),
                Ok(r) => {
                    let location = r.header("location").unwrap_or("");
                    let followed = status_and_size(&WasiHttp.get(location, &[]));
                    outcomes.push(format!(
                        "{first} -> HTTP {} to {location}; following it -> {followed}",
                        r.status
                    ));
                }
            }
        }
        Err(CollectError::Denied(Failure::new(format!(
            "redirect-escape: {}",
            outcomes.join("; ")
        ))))
    }
}

register_collector!(RedirectEscape);
