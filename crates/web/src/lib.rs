//! Fairer on the web: server-rendered pages that work without JavaScript, and a JSON API, all
//! read from the store ([`store::Store`]).
//!
//! [`app`] builds the whole application as an axum [`Router`] (what the tests drive in
//! memory); [`serve`] runs it on a listener. Handlers stay short: the numbers come from the
//! store, the pages are askama templates in `templates/`, and errors become responses in one
//! place ([`WebError`]).

pub mod api;
mod assets;
mod auth;
pub mod cache;
pub mod catalogue;
pub mod charts;
pub mod download;
mod error;
pub mod format;
pub mod geo;
pub mod mail;
mod pages;
pub mod pdf;
pub mod scorecard_cache;
mod state;
mod views;

pub use auth::password::{
    check_new as check_new_password, hash_blocking as hash_password, verify_blocking as verify_password,
};
pub use auth::Auth;
pub use error::{ApiError, WebError};
pub use pages::report;
/// The ICB scorecards' pages and model (issue 14): what `fairer scorecard` prints.
pub use pages::scorecard;
pub use state::{AppState, Config};

use axum::http::{header, HeaderName, HeaderValue};
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;

/// The Content-Security-Policy of every response: nothing from elsewhere, no scripts, styles
/// and images only from this server, forms only to it.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The whole application: pages, the API under `/api/v1`, static assets, and the security
/// headers on every response.
pub fn app(state: AppState) -> Router {
    Router::new()
        .merge(pages::routes())
        .merge(api::routes())
        .merge(assets::routes())
        .fallback(error::not_found)
        .with_state(state)
        // Cross-site POSTs (Sec-Fetch-Site, or Origin against Host) are refused with 403.
        .layer(tower_http::csrf::CsrfLayer::new())
        .layer(header_layer(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .layer(header_layer(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header_layer(header::REFERRER_POLICY, "same-origin"))
        .layer(header_layer(header::X_FRAME_OPTIONS, "DENY"))
}

/// A layer that sets `name` to `value` on responses that do not set it themselves.
fn header_layer(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// Serves [`app`] on `listener` until `shutdown` completes (pass
/// `std::future::pending()` to serve for ever).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // With the peer's address: the sign-in throttle counts failures per client IP.
    // E-mails still owed, and the retention job of events' needs and closed contact queries (issue 15).
    tokio::spawn(pages::outreach::retention_task(state.clone()));
    // The newest release's page cache and ICB scorecards, built before the first request asks.
    tokio::spawn(scorecard_cache::warm(state.clone()));
    let app = app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}
