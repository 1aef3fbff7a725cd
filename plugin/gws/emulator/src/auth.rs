//! Who may call what: the bearer token (401), the API being enabled in the service account's
//! Cloud project (403 `accessNotConfigured`), the token's scopes (403 `insufficientPermissions`)
//! and the impersonated user being an administrator (403 `forbidden`).

use crate::errors::{self, ApiError};
use crate::server::Inner;
use crate::token::IssuedToken;
use axum::http::HeaderMap;
use std::str::FromStr;

/// One of the emulated Google APIs, as a Cloud project enables them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Api {
    /// Admin SDK API (`admin.googleapis.com`): the Directory API.
    Admin,
    /// Enterprise License Manager API (`licensing.googleapis.com`).
    Licensing,
    /// Google Workspace Reseller API (`reseller.googleapis.com`).
    Reseller,
}

impl Api {
    /// The service name.
    pub fn service(self) -> &'static str {
        match self {
            Api::Admin => "admin.googleapis.com",
            Api::Licensing => "licensing.googleapis.com",
            Api::Reseller => "reseller.googleapis.com",
        }
    }

    /// The API's title in the Cloud console, as `accessNotConfigured` names it.
    pub fn title(self) -> &'static str {
        match self {
            Api::Admin => "Admin SDK API",
            Api::Licensing => "Enterprise License Manager API",
            Api::Reseller => "Google Workspace Reseller API",
        }
    }
}

impl FromStr for Api {
    type Err = String;

    fn from_str(s: &str) -> Result<Api, String> {
        match s {
            "admin" => Ok(Api::Admin),
            "licensing" => Ok(Api::Licensing),
            "reseller" => Ok(Api::Reseller),
            other => Err(format!(
                "unknown API {other:?} (admin, licensing or reseller)"
            )),
        }
    }
}

/// The token of a request to `api` if it may call a method accepting any of `accepted`
/// (`method` is Google's name of it, for the scope error's details).
pub(crate) fn authorize(
    shared: &Inner,
    headers: &HeaderMap,
    api: Api,
    accepted: &[&str],
    method: &str,
) -> Result<IssuedToken, ApiError> {
    let Some(value) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return Err(errors::missing_credentials());
    };
    let Some(token) = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
    else {
        return Err(errors::invalid_credentials());
    };
    let issued = shared.tokens.lock().unwrap().get(token.trim()).cloned();
    let Some(issued) = issued.filter(|t| t.expires_at > crate::clock::system_now()) else {
        return Err(errors::invalid_credentials());
    };
    if shared.options.disabled_apis.contains(&api) {
        return Err(errors::access_not_configured(
            api.title(),
            api.service(),
            &shared.tenant.service_account.project_number,
        ));
    }
    if !issued.scopes.iter().any(|s| accepted.contains(&s.as_str())) {
        return Err(errors::insufficient_scopes(accepted, api.service(), method));
    }
    Ok(issued)
}

/// Refuses with `forbidden` unless the token impersonates a super administrator.
pub(crate) fn require_admin(shared: &Inner, token: &IssuedToken) -> Result<(), ApiError> {
    let admin = token
        .subject
        .as_deref()
        .and_then(|s| shared.tenant.user_by_email(s))
        .is_some_and(|u| u.is_admin && !u.suspended);
    if admin {
        Ok(())
    } else {
        Err(errors::forbidden(errors::NOT_AUTHORIZED))
    }
}
