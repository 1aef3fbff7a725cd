//! `POST /token`, Google's OAuth 2.0 token endpoint for service accounts
//! (<https://developers.google.com/identity/protocols/oauth2/service-account>): a JWT-bearer
//! grant whose assertion is checked for real (RS256 signature by the service account's key,
//! `kid`, issuer, audience, a lifetime of at most an hour, domain-wide delegation of every
//! requested scope, and an impersonated subject that is a user of the customer).

use crate::errors::oauth;
use crate::server::Shared;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use rand::Rng;
use serde_json::json;
use std::collections::HashMap;

/// The grant type of a JWT-bearer request.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// Audiences Google accepts besides the emulator's own token URL.
const GOOGLE_AUDIENCES: [&str; 3] = [
    crate::service_account::GOOGLE_TOKEN_URL,
    "https://www.googleapis.com/oauth2/v4/token",
    "https://accounts.google.com/o/oauth2/token",
];

/// `invalid_grant` for a bad signature, an unknown `kid` or an algorithm other than RS256.
pub const BAD_SIGNATURE: &str = "Invalid JWT Signature.";
/// `invalid_grant` for `iat`/`exp` out of range.
pub const BAD_LIFETIME: &str = "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values and use a clock with skew to account for clock differences between systems.";
/// `invalid_grant` for a `sub` that is not a user.
pub const BAD_SUBJECT: &str = "Invalid email or User ID";
/// `invalid_grant` for an issuer that is no service account.
pub const UNKNOWN_ACCOUNT: &str = "Invalid grant: account not found";
/// `unauthorized_client` when domain-wide delegation is missing or does not cover a scope.
pub const NOT_DELEGATED: &str = "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.";

/// An access token the emulator issued.
#[derive(Clone, Debug)]
pub(crate) struct IssuedToken {
    /// Scopes granted.
    pub scopes: Vec<String>,
    /// The impersonated user's address, if any.
    pub subject: Option<String>,
    /// Expiry, unix seconds.
    pub expires_at: i64,
}

fn invalid_grant(description: &str) -> Response {
    oauth(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

/// `POST /token`
pub(crate) async fn token(
    State(shared): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let grant_type = form.get("grant_type").map(String::as_str).unwrap_or("");
    if grant_type != JWT_BEARER {
        return oauth(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            &format!("Invalid grant_type: {grant_type}"),
        );
    }
    let Some(assertion) = form.get("assertion") else {
        return oauth(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing required parameter: assertion",
        );
    };
    let Some(jwt) = crate::jwt::decode(assertion) else {
        return invalid_grant(BAD_SIGNATURE);
    };
    let t = &shared.tenant;
    let sa = &t.service_account;
    if jwt.claim("iss") != Some(sa.client_email.as_str()) {
        return invalid_grant(UNKNOWN_ACCOUNT);
    }
    let kid_ok = match jwt.header.get("kid") {
        None => true,
        Some(kid) => kid.as_str() == Some(sa.private_key_id.as_str()),
    };
    if jwt.header.get("alg").and_then(|a| a.as_str()) != Some("RS256")
        || !kid_ok
        || !jwt.verifies_with(sa.public_key_der())
    {
        return invalid_grant(BAD_SIGNATURE);
    }
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let own = format!("http://{host}/token");
    let aud = jwt.claim("aud").unwrap_or("");
    if aud != own && !GOOGLE_AUDIENCES.contains(&aud) {
        return invalid_grant(&format!(
            "Invalid JWT: Failed audience check. The right audience is {}",
            crate::service_account::GOOGLE_TOKEN_URL
        ));
    }
    let now = crate::clock::system_now();
    let skew = shared.options.clock_skew_secs;
    let lifetime_ok = match (jwt.time("iat"), jwt.time("exp")) {
        (Some(iat), Some(exp)) => {
            exp > iat && exp - iat <= 3600 && iat <= now + skew && exp >= now - skew
        }
        _ => false,
    };
    if !lifetime_ok {
        return invalid_grant(BAD_LIFETIME);
    }
    let scopes: Vec<String> = jwt
        .claim("scope")
        .unwrap_or("")
        .split_whitespace()
        .map(String::from)
        .collect();
    if scopes.is_empty() {
        return oauth(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "Invalid OAuth scope or ID token audience provided.",
        );
    }
    let subject = jwt.claim("sub").filter(|s| !s.is_empty()).map(String::from);
    if let Some(sub) = &subject {
        let delegated = t.delegation.get(&sa.client_id);
        let covered = delegated.is_some_and(|granted| scopes.iter().all(|s| granted.contains(s)));
        if !covered {
            return oauth(
                StatusCode::UNAUTHORIZED,
                "unauthorized_client",
                NOT_DELEGATED,
            );
        }
        if t.user_by_email(sub).is_none() {
            return invalid_grant(BAD_SUBJECT);
        }
    }
    let lifetime = shared.options.token_lifetime_secs;
    let access_token = new_access_token();
    shared.tokens.lock().unwrap().insert(
        access_token.clone(),
        IssuedToken {
            scopes,
            subject,
            expires_at: now + lifetime,
        },
    );
    axum::Json(json!({
        "access_token": access_token,
        "expires_in": lifetime,
        "token_type": "Bearer",
    }))
    .into_response()
}

/// A fresh opaque token shaped like Google's (`ya29.` and base64url).
fn new_access_token() -> String {
    let bytes: [u8; 96] = rand::rng().random();
    format!(
        "ya29.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}
