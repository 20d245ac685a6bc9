//! The ICB scorecards in the API (issue 14, `docs/scorecard.md` §6): a summary per ICB, one
//! ICB's scorecard (the model every surface shares, with the store's funding, commitments and
//! readiness joined), one indicator's card, the funding lines, the readiness self-assessments
//! and the children and young people's scores.
//!
//! What comes only from the release (the summary, an indicator's card, the CYP scores) is
//! tagged by release like the rest of the API; what joins store data that changes between
//! releases (the scorecard, funding, readiness) is not ([`UNTAGGED`]).

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use serde::Serialize;
use store::scorecard::ReadinessTool;

use super::schema::{Schema, Ty};
use super::{items, json, tagged, to_json, Query, CODE_ICB, ICB_INDICATOR};
use crate::error::ApiError;
use crate::{AppState, WebError};

/// The scorecard routes whose answers change without a new release (no `ETag`, no 304).
pub const UNTAGGED: &[&str] =
    &["/api/v1/scorecards/{code}", "/api/v1/scorecards/{code}/funding", "/api/v1/scorecards/{code}/readiness"];

/// One ICB's summary.
pub static SCORECARD_SUMMARY: Schema = Schema {
    name: "ScorecardSummary",
    description: "An ICB's scorecard in brief: how many indicators it has and how many of their Core20 gaps \
                  narrow, widen, show no significant change or have too few periods.",
    properties: || {
        use Ty::*;
        vec![
            ("icb_code", Text),
            ("icb_name", Text),
            ("indicators", Int),
            ("narrowing", Int),
            ("widening", Int),
            ("no_significant_change", Int),
            ("not_enough_periods", Int),
            ("href", Text),
        ]
    },
};

/// A scorecard (engine::scorecard::model::Scorecard).
pub static SCORECARD: Schema = Schema {
    name: "Scorecard",
    description: "One ICB's scorecard: per clinical area, each indicator's value, breakdowns, Core20 gap and its \
                  trend, rank and completeness; the ICB's funding lines, the ICS place's commitments, its children \
                  and young people's scores and the current readiness self-assessment.",
    properties: || {
        use Ty::*;
        vec![
            ("icb_code", Text),
            ("icb_name", Text),
            ("release", Text),
            ("periods", Array),
            ("areas", Array),
            ("completeness", Array),
            ("cyp", OptObject),
            ("funding", Array),
            ("commitments", Array),
            ("readiness", OptObject),
            ("notes", Array),
        ]
    },
};

/// An indicator's card.
pub static INDICATOR_CARD: Schema = Schema {
    name: "IndicatorCard",
    description: "One indicator on an ICB's scorecard: latest value with limits, England's value, rank, Core20 \
                  and rest values, the gap with its MOVER limits, its rank and trend verdict, the SII, every \
                  breakdown cell of the latest period and the completeness of each classification.",
    properties: || {
        use Ty::*;
        vec![
            ("id", Text),
            ("name", Text),
            ("polarity", Text),
            ("period", Text),
            ("latest", Object),
            ("england", OptNum),
            ("rank", OptObject),
            ("core20", Object),
            ("rest", Object),
            ("gap", OptObject),
            ("gap_rank", OptObject),
            ("narrowing", Object),
            ("sii", OptObject),
            ("breakdowns", Array),
            ("completeness", Array),
        ]
    },
};

/// A funding line as stored.
pub static FUNDING: Schema = Schema {
    name: "FundingLine",
    description: "A line of what the ICB reports it spent of its inequalities allocation, with the file and row it \
                  was imported from.",
    properties: || {
        use Ty::*;
        vec![
            ("id", Int),
            ("icb_code", Text),
            ("financial_year", Text),
            ("category", Text),
            ("allocation_gbp", OptNum),
            ("spent_gbp", OptNum),
            ("targets", Array),
            ("note", OptText),
            ("source_row", Int),
            ("source_file", Text),
            ("imported_at", Text),
            ("imported_by", Text),
        ]
    },
};

/// The readiness self-assessments of an ICB.
pub static READINESS: Schema = Schema {
    name: "Readiness",
    description: "An ICB's readiness self-assessments: the tool (catalogues/cyp_readiness.toml), the current \
                  (latest submitted) assessment summarised, and every assessment with its answers and actions, \
                  newest first.",
    properties: || {
        use Ty::*;
        vec![("icb_code", Text), ("tool", Object), ("current", OptObject), ("history", Array)]
    },
};

/// The CYP scores.
pub static CYP_SCORES: Schema = Schema {
    name: "CypScores",
    description: "The children and young people's measurement tool: each driver's and the overall score of every \
                  ICB with simulated 95% intervals of scores and ranks, and the ranks' sensitivity to the weights.",
    properties: || {
        use Ty::*;
        vec![
            ("framework", Text),
            ("method", Text),
            ("base_year", Int),
            ("draws", Int),
            ("drivers", Array),
            ("overall", Array),
            ("sensitivity", Array),
        ]
    },
};

/// One ICB's summary.
#[derive(Serialize)]
struct Summary<'a> {
    icb_code: &'a str,
    icb_name: &'a str,
    indicators: usize,
    narrowing: usize,
    widening: usize,
    no_significant_change: usize,
    not_enough_periods: usize,
    href: String,
}

/// `GET /api/v1/scorecards`.
pub(super) async fn summaries(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    Query::parse(raw.as_deref(), &[])?;
    tagged(&state, &uri, &headers, || async {
        let cache = state.scorecards().await?;
        let out: Vec<Summary> = cache
            .cards
            .iter()
            .map(|c| {
                let verdicts: Vec<&str> = c.indicators().map(|i| i.narrowing.verdict.as_str()).collect();
                let n = |v: &str| verdicts.iter().filter(|x| **x == v).count();
                Summary {
                    icb_code: &c.icb_code,
                    icb_name: &c.icb_name,
                    indicators: verdicts.len(),
                    narrowing: n("narrowing"),
                    widening: n("widening"),
                    no_significant_change: n("no significant change"),
                    not_enough_periods: n("not enough periods"),
                    href: format!("/api/v1/scorecards/{}", c.icb_code),
                }
            })
            .collect();
        items(&out)
    })
    .await
}

/// `GET /api/v1/scorecards/{code}`.
pub(super) async fn scorecard(
    State(state): State<AppState>,
    Path(code): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    Query::parse(raw.as_deref(), CODE_ICB)?;
    let card = crate::pages::scorecard::model(&state, &code).await?;
    Ok(json(&card, None)?)
}

/// `GET /api/v1/scorecards/{code}/indicators/{id}`.
pub(super) async fn indicator(
    State(state): State<AppState>,
    Path((code, id)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    Query::parse(raw.as_deref(), ICB_INDICATOR)?;
    tagged(&state, &uri, &headers, || async {
        let cache = state.scorecards().await?;
        let card = cache.card(&code).ok_or_else(|| {
            WebError::NotFound(format!("the scorecard of the ICB \"{code}\" (ICBs with one: {})", cache.some_codes()))
        })?;
        let ind = card
            .indicator(&id)
            .ok_or_else(|| WebError::NotFound(format!("the indicator \"{id}\" on the scorecard of {code}")))?;
        to_json(ind)
    })
    .await
}

/// `GET /api/v1/scorecards/{code}/funding`.
pub(super) async fn funding(
    State(state): State<AppState>,
    Path(code): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    Query::parse(raw.as_deref(), CODE_ICB)?;
    known(&state, &code).await?;
    Ok(json(&items(&state.store.funding(&code).await?)?, None)?)
}

/// `GET /api/v1/scorecards/{code}/readiness`.
pub(super) async fn readiness(
    State(state): State<AppState>,
    Path(code): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    Query::parse(raw.as_deref(), CODE_ICB)?;
    known(&state, &code).await?;
    let tool = ReadinessTool::shipped().map_err(WebError::Store)?;
    let body = serde_json::json!({
        "icb_code": code,
        "tool": {
            "id": tool.tool.id, "version": tool.tool.version, "name": tool.tool.name,
            "source": tool.tool.source, "source_url": tool.tool.source_url, "provisional": tool.tool.provisional,
            "scale": tool.tool.scale,
        },
        "current": to_json(&crate::pages::scorecard::readiness_summary(&state.store, &code).await?)?,
        "history": to_json(&state.store.readiness_history(&code).await?)?,
    });
    Ok(json(&body, None)?)
}

/// `GET /api/v1/cyp-scores`.
pub(super) async fn cyp_scores(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    Query::parse(raw.as_deref(), &[])?;
    tagged(&state, &uri, &headers, || async {
        let cache = state.scorecards().await?;
        let cyp = cache
            .cyp
            .as_ref()
            .ok_or_else(|| WebError::NotFound("the children and young people's scores of this release".into()))?;
        to_json(cyp)
    })
    .await
}

/// 404 unless `code` is an ICB with a scorecard or an area of type ICB.
async fn known(state: &AppState, code: &str) -> Result<(), WebError> {
    let cache = state.scorecards().await?;
    if cache.card(code).is_some() {
        return Ok(());
    }
    let pages = state.cache.get(&state.store).await?;
    match pages.area(code) {
        Some(a) if a.area_type == "ICB" => Ok(()),
        _ => Err(WebError::NotFound(format!("the ICB \"{code}\" (ICBs with a scorecard: {})", cache.some_codes()))),
    }
}
