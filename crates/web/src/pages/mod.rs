//! The server-rendered pages.

mod admin;
mod area;
mod area_benchmark;
mod audit;
mod edit;
pub mod etag;
mod home;
mod indicator;
mod network;
/// The network's events, publications and contact (issue 15, events helper).
pub mod outreach;
pub mod place;
mod readiness;
pub mod report;
/// The ICB scorecards (issue 14, scorecard-web).
pub mod scorecard;
mod search;
mod sign_in;

use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::{AppState, WebError};

/// Every page's route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(sign_in::routes())
        .merge(edit::routes())
        .merge(audit::routes())
        .merge(admin::routes())
        .merge(network::routes())
        .merge(outreach::routes())
        .route("/places/{slug}/report.pdf", get(report::pdf))
        .merge(readiness::routes())
        .route("/scorecards/{code}/report.pdf", get(scorecard::report_pdf))
        .route("/areas/{code}", get(area::page))
        .route("/areas/{code}/profile.csv", get(area::profile_csv))
        .merge(tagged())
}

/// The public pages that are the same for every visitor, each tagged by its body
/// ([`etag::tagged`]: `ETag`, and `304` to a request that holds it).
fn tagged() -> Router<AppState> {
    Router::new()
        .route("/", get(home::page))
        .route("/places/{slug}", get(place::page))
        .route("/places/{slug}/report", get(report::page))
        .route("/search", get(search::page))
        .route("/indicators/{id}", get(indicator::compare))
        .route("/indicators/{id}/map", get(indicator::map_page))
        .route("/indicators/{id}/trend", get(indicator::trend_page))
        .route("/indicators/{id}/inequalities", get(indicator::inequalities))
        .route("/indicators/{id}/definition", get(indicator::definition))
        .route("/charts/{file}", get(indicator::chart_svg))
        .route("/scorecards", get(scorecard::index))
        .route("/scorecards/cyp-tool", get(scorecard::cyp_tool))
        .route("/scorecards/{code}", get(scorecard::icb))
        .route("/scorecards/{code}/indicators/{id}", get(scorecard::indicator))
        .route("/scorecards/{code}/report", get(scorecard::report))
        .route_layer(axum::middleware::from_fn(etag::tagged))
}

/// A rendered page, or the error that stopped it.
pub(crate) fn render(page: &impl Template) -> Result<Response, WebError> {
    Ok(Html(page.render()?).into_response())
}
