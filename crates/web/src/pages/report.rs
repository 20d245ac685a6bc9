//! The printable place report: `/places/{slug}/report` (one HTML page with print styles, its
//! CSS and SVG inlined so that it makes no request) and `/places/{slug}/report.pdf` (the same
//! page printed by headless Chromium, [`crate::pdf`]). `fairer report` writes either from the
//! same [`html`].
//!
//! Its parts: a summary (stage, strategy, recommendations by status, targets by assessment),
//! the place's indicators grouped by Marmot principle (the catalogue's domain), the gradients by
//! deprivation decile where the release has decile rows, progress against each target (with
//! its chart and data), and every recommendation's status. When the place is an ICS and the
//! release has a scorecard for its area (an ICB), the ICB's scorecard follows the summary
//! (`_scorecard_section.html`: the scorecard page's tables over the same
//! [`IcbModel`](super::scorecard::IcbModel), issue 14).

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use engine::compute::decomposition::{CATEGORY_TYPE as DECOMPOSITION_TYPE, YLL_CATEGORY_TYPE};
use store::{Store, ValueQuery, ValueRow};

use super::place::{data_value, interval, number, IndicatorRow, PlaceModel};
use super::scorecard::IcbModel;
use crate::scorecard_cache::ScorecardCache;
use crate::{AppState, WebError};

/// The Content-Security-Policy of the report page: its styles are inline (so that the page is
/// one file, printable offline), nothing else is allowed.
pub const REPORT_CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
     form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

/// The indicators of one domain of the catalogue (a Marmot principle in the starter's).
pub struct IndicatorGroup {
    /// The domain's name as stored with the release, or its id in words, or "Other indicators".
    pub heading: String,
    /// Its rows.
    pub rows: Vec<IndicatorRow>,
}

/// One decile's value.
#[derive(Clone, Debug)]
pub struct DecileRow {
    /// The decile's label ("Most deprived decile (IMD)").
    pub label: String,
    /// The value for people.
    pub value: String,
    /// The value as `data-value`.
    pub value_data: String,
    /// Its 95% interval for people.
    pub interval: String,
    /// Where the value sits on the gradient's common scale, in per cent (0 to 100); `None`
    /// without a value.
    pub at: Option<f64>,
    /// Where its lower and upper 95% limits sit, in per cent, when it has both.
    pub limits: Option<(f64, f64)>,
}

/// An indicator's gradient across deprivation deciles in its latest period.
pub struct Gradient {
    /// The indicator's name.
    pub name: String,
    /// The sex.
    pub sex: String,
    /// The period.
    pub period: String,
    /// The lowest and highest value of the common scale, for people.
    pub range: (String, String),
    /// The deciles, most deprived first.
    pub deciles: Vec<DecileRow>,
    /// The slope index of inequality with its interval, in words, when the release has it.
    pub sii: Option<String>,
    /// The gap between the most and least deprived deciles, when the release has it.
    pub gap: Option<String>,
}

/// The report's template.
#[derive(Template)]
#[template(path = "report.html")]
struct Report<'a> {
    place: PlaceModel,
    /// The ICB's scorecard, when the place is an ICS with one.
    scorecard: Option<IcbModel>,
    /// Why an ICS place has no scorecard, when the scorecards say.
    scorecard_note: Option<String>,
    groups: Vec<IndicatorGroup>,
    gradients: Vec<Gradient>,
    generated_on: String,
    css: &'a str,
}

/// The decile's rank, 1 (most deprived) to 10 (least), from a label such as "Second most
/// deprived decile (IMD)", "Least deprived decile", "3" or "Decile 3"; `None` otherwise.
pub fn decile_rank(label: &str) -> Option<u8> {
    const WORDS: [&str; 10] = [
        "most",
        "second most",
        "third most",
        "fourth most",
        "fifth most",
        "fifth least",
        "fourth least",
        "third least",
        "second least",
        "least",
    ];
    let lower = label.to_ascii_lowercase();
    // The longest matching prefix ("second most" before "most"): with a space after it.
    if let Some(i) = WORDS
        .iter()
        .enumerate()
        .filter(|(_, w)| lower.starts_with(&format!("{w} ")))
        .map(|(i, _)| i)
        .max_by_key(|i| WORDS[*i].len())
    {
        return u8::try_from(i + 1).ok();
    }
    let digits: String = lower.chars().filter(char::is_ascii_digit).collect();
    digits.parse::<u8>().ok().filter(|d| (1..=10).contains(d))
}

/// The gradients of the place's area: for each indicator and sex, the decile rows of the
/// latest period that has them (only indicators with all their deciles ranked), with the SII
/// and gap of the whole-area row of that period.
fn gradients(deciles: &[ValueRow], whole: &[ValueRow]) -> Vec<Gradient> {
    let mut by_key: BTreeMap<(String, String), Vec<&ValueRow>> = BTreeMap::new();
    // Deprivation quantiles only: not the life expectancy gap's parts or the years of life lost.
    let quantile =
        |r: &&ValueRow| !matches!(r.category_type.as_deref(), Some(DECOMPOSITION_TYPE) | Some(YLL_CATEGORY_TYPE));
    for r in deciles.iter().filter(|r| r.value.is_some()).filter(quantile) {
        by_key.entry((r.indicator_id.clone(), r.sex.clone())).or_default().push(r);
    }
    let mut out = Vec::new();
    for ((indicator, sex), rows) in by_key {
        let Some(latest) = rows.iter().filter_map(|r| r.time_period_sortable).max() else { continue };
        let mut latest_rows: Vec<(u8, &ValueRow)> = rows
            .iter()
            .filter(|r| r.time_period_sortable == Some(latest))
            .filter_map(|r| decile_rank(r.category.as_deref().unwrap_or("")).map(|d| (d, *r)))
            .collect();
        if latest_rows.len() < 2 {
            continue;
        }
        latest_rows.sort_by_key(|(d, _)| *d);
        // One scale for the rows: from the lowest limit (or value) to the highest, padded by a
        // twentieth on each side, so that the gradient shows (bars from zero would hide it).
        let (lo, hi) =
            crate::charts::extent(latest_rows.iter().flat_map(|(_, r)| [r.value, r.lower_95, r.upper_95]).flatten())
                .unwrap_or((0.0, 1.0));
        let pad = ((hi - lo) / 20.0).max(f64::EPSILON);
        let scale = crate::charts::Scale::new((lo - pad, hi + pad), (0.0, 100.0));
        let period = latest_rows[0].1.time_period.clone();
        let summary = whole
            .iter()
            .find(|w| w.indicator_id == indicator && w.sex == sex && w.time_period_sortable == Some(latest));
        out.push(Gradient {
            range: (number(Some(scale.d0)), number(Some(scale.d1))),
            name: latest_rows[0].1.indicator_name.clone(),
            sex,
            period,
            deciles: latest_rows
                .iter()
                .map(|(_, r)| DecileRow {
                    label: r.category.clone().unwrap_or_default(),
                    value: number(r.value),
                    value_data: data_value(r.value),
                    interval: interval(r.lower_95, r.upper_95),
                    at: r.value.map(|v| scale.map_clamped(v)),
                    limits: r.lower_95.zip(r.upper_95).map(|(l, u)| (scale.map_clamped(l), scale.map_clamped(u))),
                })
                .collect(),
            sii: summary.and_then(|s| {
                s.sii.map(|v| format!("{} {}", number(Some(v)), interval(s.sii_lower_95, s.sii_upper_95)))
            }),
            gap: summary.and_then(|s| s.gap_most_minus_least_deprived).map(|g| number(Some(g))),
        });
    }
    out
}

/// Where the report's scorecard comes from.
enum Scorecards<'a> {
    /// The server's scorecards of the newest release ([`AppState::scorecards`]).
    Served(&'a AppState),
    /// Assembled from the store's newest release for this report (`fairer report`).
    Assembled,
}

/// The scorecard section's model of an ICS place whose area has a scorecard (with the store's
/// funding, commitments and readiness joined, as on `/scorecards/{code}`), or why there is
/// none; `(None, None)` for a place that is not an ICS.
async fn scorecard_of(
    store: &Store,
    place: &PlaceModel,
    from: Scorecards<'_>,
) -> Result<(Option<IcbModel>, Option<String>), WebError> {
    if place.kind != "ICS" {
        return Ok((None, None));
    }
    let built = match from {
        Scorecards::Served(state) => state.scorecards().await,
        Scorecards::Assembled => match store.latest_release().await {
            Ok(release) => ScorecardCache::build(store, release.as_ref()).await.map(std::sync::Arc::new),
            Err(e) => Err(e.into()),
        },
    };
    // The rest of the report does not depend on the scorecards: a failure to assemble them is
    // said in the section rather than failing the report.
    let cache = match built {
        Ok(cache) => cache,
        Err(e) => return Ok((None, Some(format!("the scorecards could not be assembled ({e})")))),
    };
    let Some(card) = cache.card(&place.area_code) else {
        return Ok((None, cache.notes.first().map(|n| n.trim_end_matches('.').to_string())));
    };
    let (card, ics) = super::scorecard::joined(store, card).await?;
    Ok((Some(IcbModel::new(&card, ics.as_ref(), &cache)), None))
}

/// The report of the place `slug` as one HTML page (CSS and SVG inlined: it makes no
/// request), from the store's newest release; an ICS place's scorecard is assembled from
/// that release for this report (what `fairer report` prints; the server uses its own
/// scorecards, [`html_served`]).
///
/// # Errors
/// An unknown place (not found), a failed query, or a template that fails to render.
pub async fn html(store: &Store, slug: &str) -> Result<String, WebError> {
    render(store, slug, Scorecards::Assembled).await
}

/// [`html`] with the server's scorecards of the newest release (built by the release refresh,
/// [`crate::scorecard_cache`]): what `/places/{slug}/report` and its PDF show.
///
/// # Errors
/// As [`html`].
pub async fn html_served(state: &AppState, slug: &str) -> Result<String, WebError> {
    render(&state.store, slug, Scorecards::Served(state)).await
}

/// The report of `slug`, its scorecard from `scorecards`.
async fn render(store: &Store, slug: &str, scorecards: Scorecards<'_>) -> Result<String, WebError> {
    let mut place = PlaceModel::load(store, slug).await?;
    let (scorecard, scorecard_note) = scorecard_of(store, &place, scorecards).await?;
    let area = place.area_code.clone();
    let deciles = store
        .values(&ValueQuery { area: Some(area.clone()), whole_area: Some(false), ..ValueQuery::default() })
        .await?;
    let whole = if deciles.is_empty() {
        Vec::new()
    } else {
        store.values(&ValueQuery { area: Some(area), whole_area: Some(true), ..ValueQuery::default() }).await?
    };
    let gradients = gradients(&deciles, &whole);
    // Headings: each domain's name as the catalogue gives it (stored with the release), in the
    // catalogue's order of domains; a domain without a stored name by its id, then the rest.
    let described: HashMap<String, store::IndicatorMetadata> =
        store.indicators().await?.into_iter().map(|i| (i.id, i.metadata)).collect();
    let mut grouped: BTreeMap<(u32, String), Vec<IndicatorRow>> = BTreeMap::new();
    for row in std::mem::take(&mut place.indicators) {
        let meta = described.get(&row.id);
        let key = match (meta.and_then(|m| m.domain_name.clone()), row.domain.as_deref()) {
            (Some(name), _) => (meta.and_then(|m| m.domain_position).unwrap_or(u32::MAX - 2), name),
            (None, Some(d)) => (u32::MAX - 1, crate::views::words(d)),
            (None, None) => (u32::MAX, "Other indicators".to_string()),
        };
        grouped.entry(key).or_default().push(row);
    }
    let groups = grouped.into_iter().map(|((_, heading), rows)| IndicatorGroup { heading, rows }).collect();
    let report = Report {
        place,
        scorecard,
        scorecard_note,
        groups,
        gradients,
        generated_on: store::utc_today(),
        css: crate::assets::STYLE_SHEET,
    };
    Ok(report.render()?)
}

/// `GET /places/{slug}/report`: the printable report.
pub async fn page(State(state): State<AppState>, Path(slug): Path<String>) -> Result<Response, WebError> {
    let body = html_served(&state, &slug).await?;
    Ok(([(header::CONTENT_SECURITY_POLICY, REPORT_CONTENT_SECURITY_POLICY)], Html(body)).into_response())
}

/// `GET /places/{slug}/report.pdf`: the report printed by headless Chromium (503 naming what
/// to install when there is none).
pub async fn pdf(State(state): State<AppState>, Path(slug): Path<String>) -> Result<Response, WebError> {
    let body = html_served(&state, &slug).await?;
    let chromium = match crate::pdf::find_chromium(state.config().chromium.as_deref()) {
        Ok(path) => path,
        Err(e) => return Ok(e.into_response()),
    };
    match crate::pdf::render(body, chromium).await {
        Ok(bytes) => Ok((
            [
                (header::CONTENT_TYPE, "application/pdf".to_string()),
                (header::CONTENT_DISPOSITION, format!("inline; filename=\"fairer-{slug}-report.pdf\"")),
            ],
            bytes,
        )
            .into_response()),
        Err(e) => Ok(e.into_response()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deciles_rank_from_the_portal_labels() {
        assert_eq!(decile_rank("Most deprived decile (IMD)"), Some(1));
        assert_eq!(decile_rank("Second most deprived decile (IMD)"), Some(2));
        assert_eq!(decile_rank("Fifth least deprived decile (IMD, within area)"), Some(6));
        assert_eq!(decile_rank("Least deprived decile (IMD)"), Some(10));
        assert_eq!(decile_rank("Second least deprived decile"), Some(9));
        assert_eq!(decile_rank("Decile 3"), Some(3));
        assert_eq!(decile_rank("10"), Some(10));
        assert_eq!(decile_rank("Middle quintile (IMD)"), None);
    }
}
