//! The style sheet and the icon, compiled into the binary.

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::AppState;

/// The style sheet (screen, phone and print).
pub const STYLE_SHEET: &str = include_str!("../assets/fairer.css");
/// The icon.
pub const FAVICON: &str = include_str!("../assets/favicon.svg");

/// `/static/fairer.css` and `/favicon.svg`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/static/fairer.css",
            get(|| async { ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE_SHEET) }),
        )
        .route("/favicon.svg", get(|| async { ([(header::CONTENT_TYPE, "image/svg+xml")], FAVICON).into_response() }))
}
