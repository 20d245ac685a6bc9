//! The home page: find an area, an indicator or a place; the places and their recommendations'
//! status; England's headline gaps (the latest slope index of inequality of each indicator).
//! Read from the cache only.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use store::Release;

use super::area::ENGLAND;
use crate::cache::PlaceSummary;
use crate::views::{data_value, encode};
use crate::{AppState, WebError};

/// A headline gap: an indicator's latest England row with a slope index of inequality.
pub struct Gap {
    /// The indicator's page.
    pub href: String,
    /// The indicator's name (and sex when not Persons).
    pub name: String,
    /// The period.
    pub period: String,
    /// The SII as shown.
    pub sii: String,
    /// Its exact value.
    pub sii_value: String,
    /// Its 95% interval as shown.
    pub interval: String,
    /// The most minus least deprived gap as shown.
    pub gap: String,
}

/// The home page's template.
#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    release: Option<Release>,
    places: Vec<PlaceSummary>,
    gaps: Vec<Gap>,
    indicators: usize,
    areas: usize,
}

/// `GET /`.
pub async fn page(State(state): State<AppState>) -> Result<Response, WebError> {
    let cache = state.cache.get(&state.store).await?;
    let gaps = cache
        .latest(ENGLAND)
        .iter()
        .filter(|r| r.sii.is_some() && r.age == "All ages")
        .map(|r| Gap {
            href: format!("/indicators/{}/inequalities?sex={}", encode(&r.indicator_id), encode(&r.sex)),
            name: if r.sex == "Persons" {
                r.indicator_name.clone()
            } else {
                format!("{} ({})", r.indicator_name, r.sex)
            },
            period: r.time_period.clone(),
            sii: crate::charts::human(r.sii, 1),
            sii_value: data_value(r.sii).unwrap_or_default(),
            interval: format!(
                "{} to {}",
                crate::charts::human(r.sii_lower_95, 1),
                crate::charts::human(r.sii_upper_95, 1)
            ),
            gap: crate::charts::human(r.gap_most_minus_least_deprived, 1),
        })
        .collect();
    super::render(&Home {
        release: cache.release.clone(),
        places: cache.places.clone(),
        gaps,
        indicators: cache.indicators.len(),
        areas: cache.areas.len(),
    })
}
