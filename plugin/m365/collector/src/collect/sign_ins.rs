//! Sign-in activity, read in its own pass: it needs AuditLog.Read.All and a tenant with
//! Microsoft Entra ID P1 or P2, and Graph caps its page size. When the tenant or the app
//! lacks either, collection goes on and the run says what is missing and why.

use super::{Tally, emit};
use crate::graph::Graph;
use crate::hostapi::HostApi;
use crate::model::{SIGN_IN_SELECT, SignInUser};
use crate::transport::Transport;
use crate::types::{Batch, CollectError, LogLevel};

/// Graph's page-size limit when `signInActivity` is selected.
pub const SIGN_IN_PAGE_SIZE: u32 = 500;

/// Graph's code for a tenant without Entra ID P1/P2.
const NON_PREMIUM: &str = "Authentication_RequestFromNonPremiumTenantOrB2CTenant";

pub(super) fn read<T: Transport, H: HostApi>(
    graph: &mut Graph<'_, T, H>,
    base: &str,
    tally: &mut Tally,
) -> Result<(), CollectError> {
    let url = format!("{base}/users?$select={SIGN_IN_SELECT}&$top={SIGN_IN_PAGE_SIZE}");
    let mut pages = 0u32;
    let result = graph.for_each_page(&url, |host, users: Vec<SignInUser>| {
        pages += 1;
        let len = users.len();
        let batch = Batch::SignIns(users.into_iter().map(SignInUser::into_sign_ins).collect());
        let done = emit(host, tally, "sign_ins", batch, len)?;
        host.progress("sign-in activity", done, None);
        Ok(())
    });
    match result {
        Ok(()) => Ok(()),
        // Refused before anything was emitted: the data is missing as a whole, not in part.
        Err(CollectError::Forbidden(f)) if pages == 0 => {
            let why = if f.code.as_deref() == Some(NON_PREMIUM) {
                "the tenant has no Microsoft Entra ID P1 or P2 licence"
            } else {
                "the app lacks the AuditLog.Read.All application permission (grant it and admin consent)"
            };
            let note = format!(
                "sign-in activity unavailable: {why}; inactive and never-signed-in licences could not be evaluated"
            );
            graph.host().log(LogLevel::Warn, &note);
            tally.data_quality.push(note);
            Ok(())
        }
        Err(e) => Err(e),
    }
}
