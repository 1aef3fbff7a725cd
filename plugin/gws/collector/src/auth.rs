//! Turning a failed `authorize` (Google's token endpoint refusing the service account's
//! assertion, or the host refusing to try) into errors that say what to fix.

use crate::types::{AuthError, CollectError, Failure};

/// Where domain-wide delegation is granted in the Admin console.
pub const DELEGATION_PATH: &str =
    "Security → Access and data control → API controls → Manage Domain Wide Delegation";

/// What the host appends to a JWT-bearer token error: `service account client ID N`.
const CLIENT_ID_MARK: &str = "service account client ID ";

/// The service account's numeric client ID, when the host's error description carries it.
pub fn client_id_in(description: &str) -> Option<&str> {
    let at = description.find(CLIENT_ID_MARK)? + CLIENT_ID_MARK.len();
    let rest = &description[at..];
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

/// How to grant domain-wide delegation of `scopes` to the service account.
pub fn delegation_fix(client_id: Option<&str>, scopes: &[String]) -> String {
    let client = match client_id {
        Some(id) => format!("client ID {id}"),
        None => "the service account's client ID (`client_id` in its JSON key file, the \"Unique ID\" in the Cloud console)".into(),
    };
    format!(
        "in the Admin console (admin.google.com) open {DELEGATION_PATH}, add or edit {client} and paste these OAuth scopes: {}",
        scopes.join(",")
    )
}

/// Why Google answered `invalid_grant`, by its description, and how to fix it.
fn invalid_grant(description: &str) -> (&'static str, &'static str) {
    let d = description.to_ascii_lowercase();
    if d.contains("invalid email or user id") {
        (
            "admin_email is not a user of the customer",
            "set admin_email to the primary address of an existing super administrator (not an alias, a group or a suspended user)",
        )
    } else if d.contains("signature") {
        (
            "the assertion's signature does not match a key of the service account (the key was deleted, or the key file belongs to another account)",
            "create a new JSON key for the service account (Cloud console → IAM & Admin → Service accounts → Keys → Add key → JSON) and point service_account.file at it",
        )
    } else if d.contains("iat") || d.contains("exp") || d.contains("timeframe") {
        (
            "Google thinks the assertion's issue or expiry time is wrong: this machine's clock is off",
            "synchronise this machine's clock (NTP); Google accepts assertions only within a few minutes of its own time",
        )
    } else if d.contains("account not found") {
        (
            "the service account in the key file does not exist (it was deleted)",
            "create a service account and a JSON key for it in the Cloud console, grant it domain-wide delegation, and point service_account.file at the new key",
        )
    } else if d.contains("audience") {
        (
            "the token endpoint refused the assertion's audience",
            "leave token_url unset (Google's https://oauth2.googleapis.com/token) unless a test server stands in for Google",
        )
    } else {
        (
            "Google refused the service account's assertion",
            "check the key file, the service account and admin_email; itam check shows each step",
        )
    }
}

/// The first line of a description.
fn first_line(description: &str) -> &str {
    description.lines().next().unwrap_or("").trim()
}

/// Maps a failed `authorize` for `scopes` to the contract's error.
pub fn auth_failure(error: &AuthError, scopes: &[String]) -> CollectError {
    let said = first_line(&error.description);
    let google = |cause: &str| format!("{cause} (Google: {}: {said})", error.error);
    let (message, fix) = match error.error.as_str() {
        "unauthorized_client" => (
            google("domain-wide delegation is missing, or does not cover every scope the plugin requests"),
            Some(delegation_fix(client_id_in(&error.description), scopes)),
        ),
        "invalid_grant" => {
            let (cause, fix) = invalid_grant(&error.description);
            (google(cause), Some(fix.to_string()))
        }
        "invalid_client" => (
            google("the service account is disabled or deleted"),
            Some("enable the service account (Cloud console → IAM & Admin → Service accounts), or create a new one with a JSON key and domain-wide delegation".to_string()),
        ),
        "invalid_scope" => (
            google("Google refused the requested scopes"),
            Some("report this: the plugin requested a scope Google does not know".to_string()),
        ),
        "access_denied" => (
            google("Google denied the service account access"),
            Some(delegation_fix(client_id_in(&error.description), scopes)),
        ),
        // The host's own refusals and network failures carry their fix after `; fix: `.
        _ => match said.split_once("; fix: ") {
            Some((what, fix)) => (
                format!("could not obtain a token: {what}"),
                Some(fix.to_string()),
            ),
            None => (
                format!("could not obtain a token: {}: {said}", error.error),
                None,
            ),
        },
    };
    let failure = Failure {
        message,
        fix,
        status: (error.status != 0).then_some(error.status),
        code: Some(error.error.clone()),
        request_id: None,
    };
    match error.error.as_str() {
        "not-allowed" => CollectError::Denied(failure),
        "network" => CollectError::Network(failure),
        _ => CollectError::Unauthorized(failure),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(status: u16, error: &str, description: &str) -> AuthError {
        AuthError {
            status,
            error: error.into(),
            codes: vec![],
            description: description.into(),
        }
    }

    fn scopes() -> Vec<String> {
        crate::scopes::requested(true)
    }

    #[test]
    fn missing_delegation_names_the_client_id_and_the_scopes_to_paste() {
        let CollectError::Unauthorized(f) = auth_failure(
            &err(
                401,
                "unauthorized_client",
                "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested. (service account client ID 104857600000000000042)",
            ),
            &scopes(),
        ) else {
            panic!()
        };
        let fix = f.fix.unwrap();
        assert!(
            fix.contains("add or edit client ID 104857600000000000042"),
            "{fix}"
        );
        assert!(fix.contains(DELEGATION_PATH));
        assert!(fix.ends_with(&scopes().join(",")), "{fix}");
        assert!(f.message.starts_with("domain-wide delegation is missing"));
        assert_eq!(f.code.as_deref(), Some("unauthorized_client"));
        assert_eq!(f.status, Some(401));

        let CollectError::Unauthorized(f) = auth_failure(
            &err(401, "unauthorized_client", "Client is unauthorized"),
            &scopes(),
        ) else {
            panic!()
        };
        assert!(f.fix.unwrap().contains("`client_id` in its JSON key file"));
    }

    #[test]
    fn invalid_grant_says_which_case() {
        for (description, needle) in [
            ("Invalid email or User ID", "admin_email is not a user"),
            ("Invalid JWT Signature.", "signature does not match"),
            (
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values",
                "clock is off",
            ),
            ("Invalid grant: account not found", "does not exist"),
        ] {
            let CollectError::Unauthorized(f) =
                auth_failure(&err(400, "invalid_grant", description), &scopes())
            else {
                panic!()
            };
            assert!(f.message.contains(needle), "{}", f.message);
            assert!(f.message.contains(description.lines().next().unwrap()));
            assert!(f.fix.is_some());
        }
    }

    #[test]
    fn host_side_refusals_keep_their_kind_and_fix() {
        assert!(matches!(
            auth_failure(
                &err(0, "not-allowed", "token URL not on the allow-list"),
                &scopes()
            ),
            CollectError::Denied(_)
        ));
        let CollectError::Network(f) = auth_failure(
            &err(
                0,
                "network",
                "token request to https://oauth2.googleapis.com failed: refused; fix: check the proxy",
            ),
            &scopes(),
        ) else {
            panic!()
        };
        assert_eq!(f.fix.as_deref(), Some("check the proxy"));
        assert_eq!(client_id_in("… service account client ID 42)"), Some("42"));
        assert_eq!(client_id_in("service account client ID x"), None);
    }
}
