//! Google's error answers (`{"error": {"code", "message", "errors": [{"reason", …}], "status",
//! "details"}}`) as the contract's errors, each with a fix written for the operator.

use crate::api::Api;
use crate::transport::Reply;
use crate::types::{CollectError, Failure};
use serde::Deserialize;

/// Google's error envelope.
#[derive(Deserialize, Debug, Default)]
struct Envelope {
    error: Option<ErrorBody>,
}

/// `error`.
#[derive(Deserialize, Debug, Default)]
#[serde(default)]
struct ErrorBody {
    message: Option<String>,
    errors: Vec<ErrorItem>,
    status: Option<String>,
    details: Vec<Detail>,
}

/// One of `error.errors`.
#[derive(Deserialize, Debug, Default)]
#[serde(default)]
struct ErrorItem {
    reason: Option<String>,
}

/// One of `error.details` (only `google.rpc.ErrorInfo`'s metadata is read).
#[derive(Deserialize, Debug, Default)]
#[serde(default)]
struct Detail {
    metadata: Option<Metadata>,
}

/// `ErrorInfo.metadata` of a disabled API.
#[derive(Deserialize, Debug, Default)]
#[serde(default, rename_all = "camelCase")]
struct Metadata {
    activation_url: Option<String>,
    service_title: Option<String>,
}

/// What Google said in an error answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GoogleError {
    /// The HTTP status.
    pub status: u16,
    /// `error.errors[0].reason` (e.g. `accessNotConfigured`, `forbidden`), else `error.status`
    /// (e.g. `PERMISSION_DENIED`).
    pub reason: Option<String>,
    /// `error.message`.
    pub message: Option<String>,
    /// Where to enable a disabled API (`ErrorInfo.metadata.activationUrl`, or the link in the
    /// message).
    pub activation_url: Option<String>,
    /// The disabled API's title (`ErrorInfo.metadata.serviceTitle`, or the message's start).
    pub service_title: Option<String>,
}

/// The reasons Google throttles with under 403 (the Directory API's per-user and per-project
/// rates, and its quota), which are retried like 429.
pub const RATE_LIMIT_REASONS: [&str; 3] = [
    "rateLimitExceeded",
    "userRateLimitExceeded",
    "quotaExceeded",
];

impl GoogleError {
    /// Reads an error answer; a body that is not Google's envelope gives only the status.
    pub fn parse(reply: &Reply) -> GoogleError {
        let body = serde_json::from_slice::<Envelope>(&reply.body)
            .ok()
            .and_then(|e| e.error)
            .unwrap_or_default();
        let reason = body
            .errors
            .iter()
            .find_map(|e| e.reason.clone())
            .or(body.status);
        let metadata = body.details.into_iter().find_map(|d| d.metadata);
        let message = body.message;
        let activation_url = metadata
            .as_ref()
            .and_then(|m| m.activation_url.clone())
            .or_else(|| message.as_deref().and_then(link_in_message));
        let service_title = metadata.and_then(|m| m.service_title).or_else(|| {
            message
                .as_deref()
                .and_then(|m| m.split_once(" has not been used"))
                .map(|(title, _)| title.trim().to_string())
        });
        GoogleError {
            status: reply.status,
            reason,
            message,
            activation_url,
            service_title,
        }
    }

    /// Whether this is Google throttling: 429, or 403 with a rate-limit reason.
    pub fn is_rate_limit(&self) -> bool {
        self.status == 429
            || (self.status == 403
                && self
                    .reason
                    .as_deref()
                    .is_some_and(|r| RATE_LIMIT_REASONS.contains(&r)))
    }

    /// Whether the API is disabled in the service account's project.
    pub fn is_disabled_api(&self) -> bool {
        self.reason.as_deref() == Some("accessNotConfigured")
            || self.activation_url.is_some() && self.status == 403
    }
}

/// The `https://console.developers.google.com/…` link of an `accessNotConfigured` message
/// ("… Enable it by visiting <link> then retry. …").
fn link_in_message(message: &str) -> Option<String> {
    let start = message.find("https://console.")?;
    let link: String = message[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    Some(link.trim_end_matches(['.', ',', ')']).to_string())
}

/// A Google error answer to a request for `url` as the contract's error, with a fix where the
/// cause is known. `admin` is the user the service account acts as (for the fixes that name
/// it).
pub fn api_failure(reply: &Reply, url: &str, admin: Option<&str>) -> CollectError {
    let error = GoogleError::parse(reply);
    let api = Api::of_url(url);
    let admin = admin.unwrap_or("the user named in admin_email");
    let reason = error.reason.as_deref();
    let fix: Option<String> = if error.is_disabled_api() {
        let title = error.service_title.as_deref().unwrap_or(api.title());
        let link = error
            .activation_url
            .clone()
            .unwrap_or_else(|| api.console_link());
        Some(format!(
            "enable the {title} in the service account's Google Cloud project: open {link}, click Enable, wait a few minutes for it to take effect, and run again"
        ))
    } else if error.is_rate_limit() || matches!(error.status, 503) {
        Some("Google kept throttling after every retry: run again later; the quotas are under APIs & Services → Quotas in the service account's Cloud project".into())
    } else {
        match (error.status, reason, api) {
            (401, _, _) => Some("Google refused the token twice: check the service account's key file and its domain-wide delegation (itam check shows which)".into()),
            (403, Some("insufficientPermissions" | "ACCESS_TOKEN_SCOPE_INSUFFICIENT"), _) => Some(format!(
                "the token lacks the scope {}: add it to the service account's client ID in the Admin console (Security → Access and data control → API controls → Domain-wide delegation)",
                api.scope_for(url)
            )),
            (403, _, Api::Reseller) => Some("the Reseller API answers only the customer's reseller: a directly billed customer's purchased units cannot be read (set read_subscriptions = false to stop asking)".into()),
            (403, _, _) => Some(format!(
                "{admin} must be a super administrator of the customer: in the Admin console open Directory → Users → {admin} → Admin roles and privileges and assign Super Admin (or set admin_email to a super administrator); customer_id must name that administrator's customer"
            )),
            (404, _, Api::Directory) if url.contains("/customers/") => Some("set customer_id to my_customer or to the customer ID shown under Account → Account settings in the Admin console".into()),
            (400, _, _) => Some("Google refused the request as malformed: report it with this message".into()),
            (500..=599, _, _) => Some("Google's service failed after every retry: run again later".into()),
            _ => None,
        }
    };
    let message = format!(
        "the {} answered {} {}: {} ({url})",
        api.title(),
        error.status,
        reason.unwrap_or("without a reason"),
        error
            .message
            .as_deref()
            .map(|m| m.trim())
            .unwrap_or("no message")
    );
    let failure = Failure {
        message,
        fix,
        status: Some(error.status),
        code: error.reason.clone(),
        request_id: None,
    };
    if error.is_rate_limit() || error.status == 503 {
        return CollectError::Throttled(failure);
    }
    match error.status {
        401 => CollectError::Unauthorized(failure),
        403 => CollectError::Forbidden(failure),
        _ => CollectError::Upstream(failure),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: vec![],
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn a_disabled_api_names_the_api_and_the_console_link_from_googles_message() {
        let body = r#"{"error": {"code": 403, "message": "Enterprise License Manager API has not been used in project 123 before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/licensing.googleapis.com/overview?project=123 then retry.", "errors": [{"message": "x", "domain": "usageLimits", "reason": "accessNotConfigured"}], "status": "PERMISSION_DENIED"}}"#;
        let url = "https://licensing.googleapis.com/apps/licensing/v1/product/Google-Apps/users";
        let CollectError::Forbidden(f) = api_failure(&reply(403, body), url, None) else {
            panic!()
        };
        assert_eq!(f.code.as_deref(), Some("accessNotConfigured"));
        let fix = f.fix.unwrap();
        assert!(
            fix.starts_with("enable the Enterprise License Manager API"),
            "{fix}"
        );
        assert!(
            fix.contains(
                "open https://console.developers.google.com/apis/api/licensing.googleapis.com/overview?project=123,"
            ),
            "{fix}"
        );
    }

    #[test]
    fn rate_limits_under_403_are_throttling_and_forbidden_names_the_admin() {
        let rate = r#"{"error": {"code": 403, "message": "User Rate Limit Exceeded", "errors": [{"reason": "userRateLimitExceeded", "domain": "usageLimits"}]}}"#;
        let e = GoogleError::parse(&reply(403, rate));
        assert!(e.is_rate_limit());
        assert!(matches!(
            api_failure(
                &reply(403, rate),
                "https://x/admin/directory/v1/users",
                None
            ),
            CollectError::Throttled(_)
        ));
        let denied = r#"{"error": {"code": 403, "message": "Not Authorized to access this resource/api", "errors": [{"reason": "forbidden", "domain": "global"}]}}"#;
        let CollectError::Forbidden(f) = api_failure(
            &reply(403, denied),
            "https://x/admin/directory/v1/users",
            Some("it@acme.example"),
        ) else {
            panic!()
        };
        assert!(
            f.fix
                .unwrap()
                .contains("it@acme.example must be a super administrator")
        );
        assert!(
            f.message
                .contains("Not Authorized to access this resource/api")
        );
    }

    #[test]
    fn a_body_that_is_not_googles_still_gives_the_status() {
        let CollectError::Upstream(f) = api_failure(&reply(502, "<html>"), "https://x/y", None)
        else {
            panic!()
        };
        assert_eq!(f.status, Some(502));
        assert!(f.message.contains("502 without a reason"), "{}", f.message);
    }
}
