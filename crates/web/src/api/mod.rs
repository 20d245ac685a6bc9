//! The JSON API under `/api/v1`: the same numbers as the pages, for programs.

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use store::{Area, Place, Release};

use crate::{AppState, WebError};

/// Every API route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/releases", get(releases))
        .route("/api/v1/areas", get(areas))
        .route("/api/v1/places", get(places))
}

/// `GET /api/v1/releases`: every release, newest first.
async fn releases(State(state): State<AppState>) -> Result<Json<Vec<Release>>, WebError> {
    let mut releases = state.store.releases().await?;
    releases.sort_by_key(|r| std::cmp::Reverse(r.id));
    Ok(Json(releases))
}

/// The filters of `GET /api/v1/areas`.
#[derive(Deserialize)]
struct AreaFilter {
    /// Only areas of this type ("Local authority", "Region", …).
    #[serde(rename = "type")]
    area_type: Option<String>,
}

/// `GET /api/v1/areas[?type=T]`: the areas of the newest release's geography.
async fn areas(State(state): State<AppState>, Query(filter): Query<AreaFilter>) -> Result<Json<Vec<Area>>, WebError> {
    Ok(Json(state.store.areas(filter.area_type.as_deref()).await?))
}

/// `GET /api/v1/places`: every place.
async fn places(State(state): State<AppState>) -> Result<Json<Vec<Place>>, WebError> {
    Ok(Json(state.store.places().await?))
}
