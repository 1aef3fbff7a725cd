//! `check`: a cheap diagnosis of a source, step by step, each failure with its fix.

use crate::auth::auth_failure;
use crate::errors::details;
use crate::graph::Graph;
use crate::hostapi::HostApi;
use crate::retry::RetryPolicy;
use crate::settings::M365Settings;
use crate::transport::Transport;
use crate::types::{CheckFinding, CheckStatus, CollectError, TokenFacts};
use serde_json::Value;

/// Roles collection cannot do without.
pub const REQUIRED_ROLES: &[&str] = &["Directory.Read.All", "User.Read.All"];

/// Graph's code for a tenant without Entra ID P1/P2.
const NON_PREMIUM: &str = "Authentication_RequestFromNonPremiumTenantOrB2CTenant";

fn finding(
    step: &str,
    status: CheckStatus,
    detail: impl Into<String>,
    fix: Option<String>,
) -> CheckFinding {
    CheckFinding {
        step: step.into(),
        status,
        detail: detail.into(),
        fix,
    }
}

fn failed(step: &str, error: &CollectError) -> CheckFinding {
    let f = details(error);
    let mut detail = f.message.clone();
    if let Some(id) = &f.request_id {
        detail.push_str(&format!(" [request-id {id}]"));
    }
    finding(step, CheckStatus::Fail, detail, f.fix.clone())
}

/// The endpoints `collect` reads, each as its smallest request.
fn probes(base: &str) -> Vec<(&'static str, String)> {
    vec![
        ("GET /subscribedSkus", format!("{base}/subscribedSkus")),
        (
            "GET /organization",
            format!("{base}/organization?$select=id"),
        ),
        ("GET /users", format!("{base}/users?$select=id&$top=1")),
        ("GET /groups", format!("{base}/groups?$select=id&$top=1")),
        (
            "GET /directory/subscriptions",
            format!("{base}/directory/subscriptions"),
        ),
        ("GET /devices", format!("{base}/devices?$select=id&$top=1")),
        (
            "GET /directory/deletedItems/microsoft.graph.user",
            format!("{base}/directory/deletedItems/microsoft.graph.user?$select=id&$top=1"),
        ),
    ]
}

/// Runs every step; a failed token skips the steps that need it.
pub fn check(
    settings: &M365Settings,
    transport: &mut impl Transport,
    host: &mut impl HostApi,
) -> Vec<CheckFinding> {
    let grant = settings.grant();
    let base = settings.graph_base();
    let facts: TokenFacts = match host.authorize(&grant) {
        Ok(facts) => facts,
        Err(e) => {
            let mut out = vec![failed("token", &auth_failure(&e))];
            for step in ["roles"]
                .into_iter()
                .chain(probes(&base).iter().map(|(s, _)| *s))
            {
                out.push(finding(step, CheckStatus::Skipped, "needs a token", None));
            }
            return out;
        }
    };
    let mut out = vec![finding(
        "token",
        CheckStatus::Pass,
        format!("token acquired from {}", grant.token_url()),
        None,
    )];

    let missing: Vec<&str> = REQUIRED_ROLES
        .iter()
        .copied()
        .filter(|r| !facts.roles.iter().any(|g| g == r))
        .collect();
    out.push(if facts.roles.is_empty() {
        finding(
            "roles",
            CheckStatus::Warn,
            "the token does not list its roles; permissions are checked by the endpoint steps",
            None,
        )
    } else if missing.is_empty() {
        finding("roles", CheckStatus::Pass, format!("granted: {}", facts.roles.join(", ")), None)
    } else {
        finding(
            "roles",
            CheckStatus::Fail,
            format!("missing application permissions: {}", missing.join(", ")),
            Some(format!(
                "in the app registration open API permissions, add Microsoft Graph application permissions {} and click Grant admin consent",
                missing.join(" and ")
            )),
        )
    });

    let mut graph = match Graph::connect(transport, host, grant) {
        Ok(graph) => graph.with_policy(RetryPolicy {
            max_attempts: 3,
            ..RetryPolicy::default()
        }),
        Err(e) => {
            out.push(failed("graph", &e));
            return out;
        }
    };
    for (step, url) in probes(&base) {
        match graph.get_json::<Value>(&url) {
            Ok(_) => out.push(finding(step, CheckStatus::Pass, "answers", None)),
            Err(e) => out.push(failed(step, &e)),
        }
    }

    out.push(if facts.roles.iter().any(|r| r == "AuditLog.Read.All") {
        finding("optional: AuditLog.Read.All", CheckStatus::Pass, "granted", None)
    } else {
        finding(
            "optional: AuditLog.Read.All",
            CheckStatus::Warn,
            "not granted",
            Some("sign-in activity is not collected and inactive accounts cannot be found; add the application permission AuditLog.Read.All and grant admin consent".into()),
        )
    });
    // Whether sign-in activity will come is what the sync will find: ask Graph the same way.
    let probe = format!("{base}/users?$select=signInActivity&$top=1");
    out.push(match graph.get_json::<Value>(&probe) {
        Ok(_) => finding(
            "optional: sign-in activity",
            CheckStatus::Pass,
            "Graph returns it (Entra ID P1 or P2 present)",
            None,
        ),
        Err(CollectError::Forbidden(f)) if f.code.as_deref() == Some(NON_PREMIUM) => finding(
            "optional: sign-in activity",
            CheckStatus::Warn,
            "the tenant has no Microsoft Entra ID P1 or P2 licence, so Graph does not return it",
            Some("inactive and never-signed-in accounts cannot be found; Graph returns sign-in activity only to tenants with Entra ID P1 or P2".into()),
        ),
        Err(CollectError::Forbidden(_)) => finding(
            "optional: sign-in activity",
            CheckStatus::Warn,
            "Graph refuses it to this app",
            Some("inactive and never-signed-in accounts cannot be found; add the application permission AuditLog.Read.All and grant admin consent".into()),
        ),
        Err(e) => failed("optional: sign-in activity", &e),
    });
    out
}
