//! The licence dashboard: server-rendered pages.

use super::http::AppState;
use axum::Router;

/// The dashboard's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
}
