//! The server-rendered pages.

mod admin;
mod audit;
mod edit;
mod home;
mod sign_in;
pub mod place;
pub mod report;

use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::{AppState, WebError};

/// Every page's route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::page))
        .merge(sign_in::routes())
        .merge(edit::routes())
        .merge(audit::routes())
        .merge(admin::routes())
        .route("/places/{slug}", get(place::page))
        .route("/places/{slug}/report", get(report::page))
        .route("/places/{slug}/report.pdf", get(report::pdf))
}

/// A rendered page, or the error that stopped it.
pub(crate) fn render(page: &impl Template) -> Result<Response, WebError> {
    Ok(Html(page.render()?).into_response())
}
