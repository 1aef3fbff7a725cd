//! The identity platform's client-credentials token endpoint, with its error bodies.

use crate::server::Shared;
use crate::tenant::Tenant;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::json;
use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// An identity-platform error answer.
fn aadsts(status: StatusCode, error: &str, code: u32, text: &str) -> Response {
    let trace = uuid::Uuid::new_v4();
    let correlation = uuid::Uuid::new_v4();
    let body = json!({
        "error": error,
        "error_description": format!("AADSTS{code}: {text}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: 2026-01-01 00:00:00Z"),
        "error_codes": [code],
        "timestamp": "2026-01-01 00:00:00Z",
        "trace_id": trace.to_string(),
        "correlation_id": correlation.to_string(),
        "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
    });
    (status, axum::Json(body)).into_response()
}

/// AADSTS90002 when `tenant` is neither the tenant's ID nor its domain.
fn unknown_tenant(t: &Tenant, tenant: &str) -> Option<Response> {
    (tenant != t.tenant_id && tenant != t.domain).then(|| {
        aadsts(
            StatusCode::BAD_REQUEST,
            "invalid_tenant",
            90002,
            &format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
            ),
        )
    })
}

/// `POST /{tenant}/oauth2/v2.0/token`
pub async fn token(
    State(shared): State<Shared>,
    Path(tenant): Path<String>,
    headers: axum::http::HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let generation = shared.current();
    let t = &generation.tenant;
    if let Some(refusal) = unknown_tenant(t, &tenant) {
        return refusal;
    }
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return aadsts(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            70003,
            "The app requested an unsupported grant type.",
        );
    }
    let client_id = form.get("client_id").cloned().unwrap_or_default();
    if client_id != t.client_id {
        return aadsts(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
            ),
        );
    }
    let scope = form.get("scope").cloned().unwrap_or_default();
    shared.scopes.lock().unwrap().push(scope.clone());
    if !shared.options.accepted_scopes.contains(&scope) {
        return aadsts(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            70011,
            &format!(
                "The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid."
            ),
        );
    }
    if let Some(assertion) = form.get("client_assertion") {
        if let Some(refusal) =
            check_assertion(&shared, &tenant, &client_id, &headers, &form, assertion)
        {
            return refusal;
        }
        return issue(&shared, t);
    }
    match form.get("client_secret") {
        None => aadsts(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        ),
        Some(secret) if *secret != t.client_secret => aadsts(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000215,
            &format!(
                "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."
            ),
        ),
        Some(_) => issue(&shared, t),
    }
}

/// Issues an access token for the tenant's app.
fn issue(shared: &Shared, t: &Tenant) -> Response {
    let lifetime = shared.options.token_lifetime_secs;
    let exp = now() + lifetime;
    let claims = json!({
        "aud": "https://graph.microsoft.com",
        "iss": format!("https://sts.windows.net/{}/", t.tenant_id),
        "iat": now(), "nbf": now(), "exp": exp,
        "app_displayname": "ITAM collector (emulated)",
        "appid": t.client_id,
        "idtyp": "app",
        "roles": shared.options.roles,
        "tid": t.tenant_id,
        "jti": uuid::Uuid::new_v4().to_string(),
        "ver": "1.0",
    });
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let token = format!(
        "{}.{}.{}",
        b64.encode(br#"{"typ":"JWT","alg":"none"}"#),
        b64.encode(claims.to_string()),
        b64.encode(uuid::Uuid::new_v4().as_bytes())
    );
    shared.issue(token.clone(), exp);
    axum::Json(json!({
        "token_type": "Bearer",
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": token,
    }))
    .into_response()
}

/// Verifies a client assertion as the identity platform does: type, registered certificate
/// (by thumbprint), signature, audience, issuer and subject, lifetime, and that its `jti` is new.
/// Returns the refusal, if any.
fn check_assertion(
    shared: &Shared,
    tenant: &str,
    client_id: &str,
    headers: &axum::http::HeaderMap,
    form: &HashMap<String, String>,
    assertion: &str,
) -> Option<Response> {
    use sha2::Digest;
    let refuse = |code: u32, text: &str| {
        Some(aadsts(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            code,
            text,
        ))
    };
    if form.get("client_assertion_type").map(String::as_str)
        != Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    {
        return Some(aadsts(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            50027,
            "Invalid client_assertion_type.",
        ));
    }
    let parts: Vec<&str> = assertion.split('.').collect();
    let decode = |p: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(p.trim_end_matches('='))
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
    };
    let (Some(header), Some(claims)) = (
        parts.first().and_then(|p| decode(p)),
        parts.get(1).and_then(|p| decode(p)),
    ) else {
        return Some(aadsts(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            50027,
            "JWT token is invalid or malformed.",
        ));
    };
    let normalize = |s: &str| s.trim_end_matches('=').replace('+', "-").replace('/', "_");
    let thumbprint_s1 = header["x5t"].as_str().map(normalize);
    let thumbprint_s256 = header["x5t#S256"].as_str().map(normalize);
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let cert = shared.options.client_certificates.iter().find(|der| {
        thumbprint_s256.as_deref() == Some(&b64.encode(sha2::Sha256::digest(der)))
            || thumbprint_s1.as_deref() == Some(&b64.encode(sha1::Sha1::digest(der)))
    });
    let Some(cert) = cert else {
        return refuse(
            700027,
            &format!(
                "Client assertion failed signature validation. [Reason - The key was not found., Thumbprint of key used by client: '{}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{client_id}'.]",
                thumbprint_s256.or(thumbprint_s1).unwrap_or_default()
            ),
        );
    };
    let alg = header["alg"].as_str().unwrap_or_default();
    if !itam_test_support::certs::verify_signature(cert, assertion, alg) {
        return refuse(700027, "Client assertion contains an invalid signature.");
    }
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if shared.options.tls { "https" } else { "http" };
    let audience = format!("{scheme}://{host}/{tenant}/oauth2/v2.0/token");
    if claims["aud"].as_str() != Some(audience.as_str()) {
        return refuse(
            700027,
            &format!(
                "The audience '{}' is invalid; expected '{audience}'.",
                claims["aud"]
            ),
        );
    }
    if claims["iss"].as_str() != Some(client_id) || claims["sub"].as_str() != Some(client_id) {
        return refuse(
            700027,
            "The issuer and subject of the client assertion must be the client ID.",
        );
    }
    let now = now() as f64;
    let exp = claims["exp"].as_f64().unwrap_or(0.0);
    let start = claims["nbf"]
        .as_f64()
        .or(claims["iat"].as_f64())
        .unwrap_or(now);
    if exp <= now || start > now + 300.0 || exp - start > 900.0 {
        return refuse(
            700024,
            "Client assertion is not within its valid time range.",
        );
    }
    let Some(jti) = claims["jti"].as_str() else {
        return refuse(700027, "The client assertion has no jti.");
    };
    if !shared.jtis.lock().unwrap().insert(jti.to_string()) {
        return refuse(700027, "The client assertion's jti was already used.");
    }
    None
}

/// `GET /{tenant}/v2.0/.well-known/openid-configuration`: the metadata MSAL reads before asking
/// for a token, with URLs built from the request's host.
pub async fn openid_configuration(
    State(shared): State<Shared>,
    Path(tenant): Path<String>,
    headers: axum::http::HeaderMap,
) -> Response {
    if let Some(refusal) = unknown_tenant(&shared.current().tenant, &tenant) {
        return refusal;
    }
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if shared.options.tls { "https" } else { "http" };
    let base = format!("{scheme}://{host}/{tenant}");
    axum::Json(json!({
        "token_endpoint": format!("{base}/oauth2/v2.0/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": format!("{base}/discovery/v2.0/keys"),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": format!("{base}/v2.0"),
        "authorization_endpoint": format!("{base}/oauth2/v2.0/authorize"),
        "device_authorization_endpoint": format!("{base}/oauth2/v2.0/devicecode"),
        "end_session_endpoint": format!("{base}/oauth2/v2.0/logout"),
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "tid"],
        "tenant_region_scope": "NA",
        "cloud_instance_name": "microsoftonline.com",
        "msgraph_host": "graph.microsoft.com",
    }))
    .into_response()
}
