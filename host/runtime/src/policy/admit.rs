//! Whether a plugin's plan may run under the operator's policy, and the allow-list it runs with.

use super::{AllowList, OperatorPolicy};
use crate::contract::types::{Descriptor, RunPlan};
use crate::text::text;

/// Checks `plan` against `policy` and returns the allow-list: the plugin's declared origins,
/// narrowed by the operator's `allowed_hosts`. A plugin that is not `trusted` (not built into
/// the embedding program) may not choose on its own the hosts that receive a credential: the
/// operator must list them. A grant needs a credential.
pub fn admit(
    plan: &RunPlan,
    descriptor: &Descriptor,
    policy: &OperatorPolicy,
    has_credential: bool,
    trusted: bool,
) -> Result<AllowList, String> {
    // The hosts in these messages are the plugin's text.
    let allow = AllowList::build(&plan.hosts, policy.allowed_hosts.as_deref())
        .map_err(|e| text(&e).into_owned())?;
    let asked = text(&plan.hosts.join(", ")).into_owned();
    if !trusted && has_credential && policy.allowed_hosts.is_none() {
        return Err(format!(
            "the plugin is loaded from a file and the source holds a credential, so list the origins it may reach in allowed_hosts (it asks for: {asked})"
        ));
    }
    if allow.origins().is_empty() && !plan.hosts.is_empty() {
        return Err(format!(
            "allowed_hosts removes every host the plugin needs ({asked}); list some of them or drop allowed_hosts"
        ));
    }
    if plan.grant.is_some() && !has_credential {
        return Err(format!(
            "the {} plugin needs a credential; add [source.credential] with client_id and a client_secret or certificate, or a service_account key file (README.md, Configuration reference)",
            text(&descriptor.name)
        ));
    }
    Ok(allow)
}
