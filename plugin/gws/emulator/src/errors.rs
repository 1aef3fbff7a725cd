//! Google's error answers: the JSON error envelope of the REST APIs
//! (`{"error": {"code", "message", "errors": [{"message", "domain", "reason"}], "status"}}`)
//! and the OAuth token endpoint's `{"error", "error_description"}`.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// One API error (boxed, so results carrying it stay small; its fields are reached through
/// [`ErrorDetail`]).
#[derive(Clone, Debug)]
pub struct ApiError(Box<ErrorDetail>);

/// What an [`ApiError`] says.
#[derive(Clone, Debug)]
pub struct ErrorDetail {
    /// HTTP status.
    pub code: u16,
    /// `error.message`.
    pub message: String,
    /// `error.errors[0].message` (often shorter than `message`).
    pub item_message: String,
    /// `error.errors[0].domain`: `global` or `usageLimits`.
    pub domain: &'static str,
    /// `error.errors[0].reason`.
    pub reason: &'static str,
    /// `error.status`, the canonical code, when Google sends one.
    pub status: Option<&'static str>,
    /// Extra fields of `error.errors[0]` (`location`, `extendedHelp`, …).
    pub item_extra: Vec<(&'static str, String)>,
    /// `error.details`, when Google sends them.
    pub details: Option<Value>,
    /// Headers to add (`WWW-Authenticate`, `Retry-After`).
    pub headers: Vec<(&'static str, String)>,
}

impl ApiError {
    /// An error whose item repeats `message`.
    pub fn new(
        code: u16,
        message: &str,
        domain: &'static str,
        reason: &'static str,
        status: Option<&'static str>,
    ) -> ApiError {
        ApiError(Box::new(ErrorDetail {
            code,
            message: message.into(),
            item_message: message.into(),
            domain,
            reason,
            status,
            item_extra: Vec::new(),
            details: None,
            headers: Vec::new(),
        }))
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let mut item = json!({
            "message": self.item_message,
            "domain": self.domain,
            "reason": self.reason,
        });
        for (k, v) in &self.item_extra {
            item[*k] = json!(v);
        }
        let mut error = json!({
            "code": self.code,
            "message": self.message,
            "errors": [item],
        });
        if let Some(status) = self.status {
            error["status"] = json!(status);
        }
        if let Some(details) = &self.details {
            error["details"] = details.clone();
        }
        json!({ "error": error })
    }
}

impl std::ops::Deref for ApiError {
    type Target = ErrorDetail;

    fn deref(&self) -> &ErrorDetail {
        &self.0
    }
}

impl std::ops::DerefMut for ApiError {
    fn deref_mut(&mut self) -> &mut ErrorDetail {
        &mut self.0
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(self.body())).into_response();
        for (name, value) in &self.headers {
            if let Ok(v) = HeaderValue::from_str(value) {
                response.headers_mut().insert(*name, v);
            }
        }
        response
    }
}

/// 401: the bearer token is unknown or expired.
pub fn invalid_credentials() -> ApiError {
    let mut e = ApiError::new(
        401,
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
        "global",
        "authError",
        Some("UNAUTHENTICATED"),
    );
    e.item_message = "Invalid Credentials".into();
    e.item_extra = vec![
        ("location", "Authorization".into()),
        ("locationType", "header".into()),
    ];
    e.headers = vec![(
        "www-authenticate",
        "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"".into(),
    )];
    e
}

/// 401: no credentials at all.
pub fn missing_credentials() -> ApiError {
    let mut e = ApiError::new(
        401,
        "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
        "global",
        "required",
        Some("UNAUTHENTICATED"),
    );
    e.item_message = "Login Required.".into();
    e.item_extra = vec![
        ("location", "Authorization".into()),
        ("locationType", "header".into()),
    ];
    e.headers = vec![(
        "www-authenticate",
        "Bearer realm=\"https://accounts.google.com/\"".into(),
    )];
    e
}

/// 403: the token lacks every scope the method accepts (`method` as Google names it, e.g.
/// `ccc.hosted.frontend.directory.v1.DirectoryUsers.List`, may be empty).
pub fn insufficient_scopes(accepted: &[&str], service: &str, method: &str) -> ApiError {
    let mut e = ApiError::new(
        403,
        "Request had insufficient authentication scopes.",
        "global",
        "insufficientPermissions",
        Some("PERMISSION_DENIED"),
    );
    e.item_message = "Insufficient Permission".into();
    e.details = Some(json!([{
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
        "domain": "googleapis.com",
        "metadata": {"method": method, "service": service},
    }]));
    e.headers = vec![(
        "www-authenticate",
        format!(
            "Bearer realm=\"https://accounts.google.com/\", error=\"insufficient_scope\", scope=\"{}\"",
            accepted.join(" ")
        ),
    )];
    e
}

/// 403 `forbidden`: the impersonated user may not use this API (not an administrator), the
/// customer is not the caller's, or (Reseller API) the caller is not the customer's reseller.
pub fn forbidden(message: &str) -> ApiError {
    ApiError::new(403, message, "global", "forbidden", None)
}

/// What the Directory API answers a caller who is not an administrator of the customer.
pub const NOT_AUTHORIZED: &str = "Not Authorized to access this resource/api";

/// 403 `accessNotConfigured`: the API is disabled in the service account's Cloud project.
pub fn access_not_configured(title: &str, service: &str, project_number: &str) -> ApiError {
    let message = format!(
        "{title} has not been used in project {project_number} before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/{service}/overview?project={project_number} then retry. If you enabled this API recently, wait a few minutes for the action to propagate to our systems and retry."
    );
    let mut e = ApiError::new(
        403,
        &message,
        "usageLimits",
        "accessNotConfigured",
        Some("PERMISSION_DENIED"),
    );
    e.item_extra = vec![(
        "extendedHelp",
        "https://console.developers.google.com".into(),
    )];
    e.details = Some(json!([
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "SERVICE_DISABLED",
            "domain": "googleapis.com",
            "metadata": {
                "service": service,
                "consumer": format!("projects/{project_number}"),
                "serviceTitle": title,
                "activationUrl": format!("https://console.developers.google.com/apis/api/{service}/overview?project={project_number}"),
                "containerInfo": project_number,
            },
        },
        {
            "@type": "type.googleapis.com/google.rpc.Help",
            "links": [{
                "description": "Google developers console API activation",
                "url": format!("https://console.developers.google.com/apis/api/{service}/overview?project={project_number}"),
            }],
        },
    ]));
    e
}

/// 400 `invalid`: a parameter out of range, such as `maxResults`.
pub fn invalid(message: &str) -> ApiError {
    ApiError::new(400, message, "global", "invalid", Some("INVALID_ARGUMENT"))
}

/// 400 `badRequest`.
pub fn bad_request() -> ApiError {
    ApiError::new(
        400,
        "Bad Request",
        "global",
        "badRequest",
        Some("INVALID_ARGUMENT"),
    )
}

/// 400 `required`: a required parameter is missing.
pub fn required(parameter: &str) -> ApiError {
    ApiError::new(
        400,
        &format!("Required parameter: {parameter}"),
        "global",
        "required",
        Some("INVALID_ARGUMENT"),
    )
}

/// 404 `notFound`.
pub fn not_found(message: &str) -> ApiError {
    ApiError::new(404, message, "global", "notFound", Some("NOT_FOUND"))
}

/// The token endpoint's error answer.
pub fn oauth(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}
