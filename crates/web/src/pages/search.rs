//! `/search?q=`: areas by code or name, indicators by id or name, places by name (case
//! ignored, anywhere in the text). Read from the cache only.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::views::encode;
use crate::{AppState, WebError};

/// The search's query.
#[derive(Deserialize)]
pub struct SearchQuery {
    /// The text looked for.
    pub q: Option<String>,
}

/// A result: its page and what it is.
pub struct Hit {
    /// The page.
    pub href: String,
    /// Its name.
    pub name: String,
    /// Its kind and code.
    pub detail: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    q: String,
    areas: Vec<Hit>,
    indicators: Vec<Hit>,
    places: Vec<Hit>,
}

/// At most this many hits of each kind.
const MAX: usize = 50;

/// `GET /search`.
pub async fn page(State(state): State<AppState>, Query(query): Query<SearchQuery>) -> Result<Response, WebError> {
    let cache = state.cache.get(&state.store).await?;
    let q = query.q.unwrap_or_default().trim().to_string();
    let needle = q.to_lowercase();
    let hit = |text: &str| !needle.is_empty() && text.to_lowercase().contains(&needle);
    let areas = cache
        .areas
        .iter()
        .filter(|a| hit(&a.code) || hit(&a.name))
        .take(MAX)
        .map(|a| Hit {
            href: cache.area_href(&a.code, &a.area_type),
            name: a.name.clone(),
            detail: format!("{}, {}", a.area_type, a.code),
        })
        .collect();
    let indicators = cache
        .indicators
        .iter()
        .filter(|i| hit(&i.id) || hit(&i.name))
        .take(MAX)
        .map(|i| Hit { href: format!("/indicators/{}", encode(&i.id)), name: i.name.clone(), detail: i.id.clone() })
        .collect();
    let places = cache
        .places
        .iter()
        .filter(|p| hit(&p.place.fields.name) || hit(&p.place.fields.slug))
        .take(MAX)
        .map(|p| Hit {
            href: format!("/places/{}", encode(&p.place.fields.slug)),
            name: p.place.fields.name.clone(),
            detail: p.place.fields.kind.clone(),
        })
        .collect();
    super::render(&SearchPage { q, areas, indicators, places })
}
