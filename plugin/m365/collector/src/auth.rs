//! Turning token-endpoint failures into errors that say what to fix.

use crate::types::{AuthError, CollectError, Failure};

/// What an identity-platform error code means and how to fix it.
struct Diagnosis {
    cause: &'static str,
    fix: &'static str,
}

fn diagnose(code: u32) -> Option<Diagnosis> {
    let d = |cause, fix| Some(Diagnosis { cause, fix });
    match code {
        7000215 => d(
            "the client secret is wrong (or the secret's ID was given instead of its value)",
            "in the app registration open Certificates & secrets, create a new client secret, copy its Value (not the Secret ID) and update the secret your config references",
        ),
        7000222 => d(
            "the client secret has expired",
            "create a new client secret under Certificates & secrets in the app registration and update the secret your config references",
        ),
        7000218 => d(
            "the token request carried no client secret or certificate",
            "set client_secret or certificate under [source.credential]",
        ),
        700016 => d(
            "the application (client) ID is not registered in this tenant",
            "check client_id is the Application (client) ID from the app registration's Overview page, and tenant_id is the tenant the app is registered in",
        ),
        90002 => d(
            "the tenant was not found",
            "check tenant_id (Directory (tenant) ID or a verified domain) and that cloud names the cloud the tenant lives in",
        ),
        900023 => d(
            "the tenant identifier is malformed",
            "set tenant_id to the Directory (tenant) ID (a GUID) or a verified domain",
        ),
        70011 => d(
            "the requested scope is not valid",
            "check that cloud matches the tenant's cloud; the scope is derived from it",
        ),
        700027 => d(
            "the certificate is not registered on the application or the assertion's signature is invalid",
            "upload the certificate's public part under Certificates & secrets in the app registration",
        ),
        700024 => d(
            "the client assertion is not within its valid time range",
            "check this machine's clock",
        ),
        _ => None,
    }
}

/// The first line of an identity-platform `error_description` (without trace lines).
fn first_line(description: &str) -> &str {
    description.lines().next().unwrap_or("").trim()
}

/// Maps a failed `authorize` to the contract's error.
pub fn auth_failure(error: &AuthError) -> CollectError {
    let service_code = error.codes.first().copied();
    let known = service_code.and_then(diagnose);
    let (message, fix) = match &known {
        Some(d) => {
            let code = service_code.unwrap_or_default();
            // Microsoft's description starts with the code itself: say it once.
            let said = first_line(&error.description);
            let said = said
                .strip_prefix(&format!("AADSTS{code}:"))
                .map(str::trim_start)
                .unwrap_or(said);
            (
                format!("{} (AADSTS{code}: {said})", d.cause),
                Some(d.fix.to_string()),
            )
        }
        // The host's own refusals and network failures carry their fix after `; fix: `.
        None => match first_line(&error.description).split_once("; fix: ") {
            Some((what, fix)) => (
                format!("could not obtain a token: {what}"),
                Some(fix.to_string()),
            ),
            None => (
                format!(
                    "could not obtain a token: {}: {}",
                    error.error,
                    first_line(&error.description)
                ),
                None,
            ),
        },
    };
    let failure = Failure {
        message,
        fix,
        status: (error.status != 0).then_some(error.status),
        code: service_code
            .map(|c| format!("AADSTS{c}"))
            .or_else(|| Some(error.error.clone())),
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

    fn err(status: u16, error: &str, codes: Vec<u32>, description: &str) -> AuthError {
        AuthError {
            status,
            error: error.into(),
            codes,
            description: description.into(),
        }
    }

    #[test]
    fn wrong_secret_names_cause_and_fix() {
        let e = auth_failure(&err(
            401,
            "invalid_client",
            vec![7000215],
            "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x\r\nCorrelation ID: y",
        ));
        let CollectError::Unauthorized(f) = e else {
            panic!("expected unauthorized")
        };
        assert!(f.message.starts_with("the client secret is wrong"));
        assert_eq!(
            f.message.matches("AADSTS7000215").count(),
            1,
            "{}",
            f.message
        );
        assert!(!f.message.contains("Trace ID"));
        assert!(f.fix.unwrap().contains("Certificates & secrets"));
        assert_eq!(f.code.as_deref(), Some("AADSTS7000215"));
        assert_eq!(f.status, Some(401));
    }

    #[test]
    fn unknown_tenant_and_unknown_code() {
        let CollectError::Unauthorized(f) = auth_failure(&err(
            400,
            "invalid_tenant",
            vec![90002],
            "AADSTS90002: Tenant 'x' not found.",
        )) else {
            panic!()
        };
        assert!(f.message.contains("tenant was not found"));
        let CollectError::Unauthorized(f) =
            auth_failure(&err(400, "invalid_request", vec![1], "AADSTS1: odd"))
        else {
            panic!()
        };
        assert!(f.message.contains("invalid_request: AADSTS1: odd"));
        assert!(f.fix.is_none());
    }

    #[test]
    fn host_side_refusals_keep_their_kind() {
        assert!(matches!(
            auth_failure(&err(
                0,
                "not-allowed",
                vec![],
                "token URL not on the allow-list"
            )),
            CollectError::Denied(_)
        ));
        assert!(matches!(
            auth_failure(&err(0, "network", vec![], "connection refused")),
            CollectError::Network(_)
        ));
        let CollectError::Network(f) = auth_failure(&err(
            0,
            "network",
            vec![],
            "token request to https://login.example failed: the connection was refused (tcp connect error); fix: check the URL",
        )) else {
            panic!()
        };
        assert_eq!(
            f.message,
            "could not obtain a token: token request to https://login.example failed: the connection was refused (tcp connect error)"
        );
        assert_eq!(f.fix.as_deref(), Some("check the URL"));
    }
}
