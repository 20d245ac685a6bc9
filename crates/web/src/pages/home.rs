//! The home page: the latest release, the places and their programme stage.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use store::{Place, Release};

use crate::{AppState, WebError};

/// The home page's template.
#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    release: Option<Release>,
    places: Vec<Place>,
}

/// `GET /`.
pub async fn page(State(state): State<AppState>) -> Result<Response, WebError> {
    let release = state.store.latest_release().await?;
    let places = state.store.places().await?;
    super::render(&Home { release, places })
}
