//! Signing a browser in: when the service has an access token, the dashboard asks for it once
//! and keeps a session cookie (`HttpOnly`, `SameSite=Strict`; `Secure` over HTTPS). Programs
//! send the token as a bearer token instead.

use super::state::AppState;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, html};
use serde::Deserialize;

/// The sign-in form.
pub async fn page(State(state): State<AppState>) -> Response {
    if !state.access.protected() {
        return (
            StatusCode::SEE_OTHER,
            [(header::LOCATION, HeaderValue::from_static("/"))],
        )
            .into_response();
    }
    form(None).into_response()
}

fn form(problem: Option<&str>) -> Html<String> {
    Html(
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { "Sign in · itam" }
                    link rel="icon" href="/favicon.svg" type="image/svg+xml";
                }
                body style="font-family: system-ui, sans-serif; max-width: 28rem; margin: 4rem auto;" {
                    h1 { "itam" }
                    p { "This service needs its access token ([serve] token)." }
                    @if let Some(problem) = problem {
                        p role="alert" style="color: #a00;" { (problem) }
                    }
                    form method="post" action="/login" {
                        label for="token" { "Access token" }
                        " "
                        input id="token" name="token" type="password" autocomplete="current-password" required;
                        " "
                        button type="submit" { "Sign in" }
                    }
                }
            }
        }
        .into_string(),
    )
}

/// The posted form.
#[derive(Deserialize)]
pub struct Credentials {
    token: String,
}

/// Checks the token and starts a session.
pub async fn sign_in(
    State(state): State<AppState>,
    Form(form_data): Form<Credentials>,
) -> Response {
    if !state.access.protected() {
        return (
            StatusCode::SEE_OTHER,
            [(header::LOCATION, HeaderValue::from_static("/"))],
        )
            .into_response();
    }
    if !state.access.token_matches(form_data.token.trim()) {
        tracing::warn!("a sign-in with a wrong access token was refused");
        return (
            StatusCode::UNAUTHORIZED,
            form(Some("That is not the access token.")),
        )
            .into_response();
    }
    let session = state.access.new_session();
    let cookie = state.access.session_cookie(&session);
    match HeaderValue::from_str(&cookie) {
        Ok(cookie) => (
            StatusCode::SEE_OTHER,
            [
                (header::SET_COOKIE, cookie),
                (header::LOCATION, HeaderValue::from_static("/")),
            ],
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
