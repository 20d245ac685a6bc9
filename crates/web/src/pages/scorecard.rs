//! The ICB scorecards on the web (issue 14, `docs/scorecard.md` §6): `/scorecards` (every ICB
//! side by side, by tab), `/scorecards/{code}` (one ICB), `/scorecards/{code}/indicators/{id}`
//! (a cell's breakdown), `/scorecards/{code}/report` and `.pdf` (printable), and
//! `/scorecards/cyp-tool` (the children and young people's measurement tool).
//!
//! The numbers come from the release's scorecards in memory ([`crate::scorecard_cache`]); the
//! ICB's funding lines, the ICS place's commitments and the current readiness self-assessment
//! are read from the store per request and joined ([`joined`]). Every page works without
//! JavaScript (tabs are links), on a phone (tables scroll inside their box) and in print.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use engine::scorecard::model::{
    BreakdownCell, Commitment, FundingLine, IndicatorCard, Limits, Measured, ReadinessSummary, ScoreRow, Scorecard,
    TargetedGap, ThemeScore,
};
use serde::Deserialize;
use store::scorecard::ReadinessTool;
use store::{Store, ValueQuery, ValueRow};

use super::place::{data_value, number};
use super::report::REPORT_CONTENT_SECURITY_POLICY;
use crate::charts::{self, Comparison, Mark, Opts};
use crate::scorecard_cache::ScorecardCache;
use crate::{AppState, WebError};

/// The category type of the IMD quintile rows the breakdown page charts.
pub const QUINTILE_TYPE: &str = "LSOA deprivation quintiles (national)";

/// The category type of the Core20 rows.
pub const CORE20_TYPE: &str = "Core20 (most deprived 20% nationally, IMD)";

/// The category type of the sex cells.
pub const SEX_TYPE: &str = "Sex";

/// The category type of the ethnic groups (the one completeness is shown for on the tables).
pub const ETHNICITY_TYPE: &str = "Ethnic group (Census 2021 high-level)";

// ----- assembly from the store -----

/// `row` in the form assembly reads, with the indicator's polarity.
pub fn score_row(row: &ValueRow, polarity: &str) -> ScoreRow {
    let sii = match (row.sii, row.sii_lower_95, row.sii_upper_95) {
        (Some(value), Some(lower), Some(upper)) => Some(Limits { value, lower, upper }),
        _ => None,
    };
    ScoreRow {
        indicator: row.indicator_id.clone(),
        indicator_name: row.indicator_name.clone(),
        polarity: polarity.to_string(),
        area_code: row.area_code.clone(),
        area_name: row.area_name.clone(),
        area_type: row.area_type.clone(),
        sex: row.sex.clone(),
        age: row.age.clone(),
        category_type: row.category_type.clone(),
        category: row.category.clone(),
        period: row.time_period.clone(),
        period_year: store::assess::period_end_year(&row.time_period)
            .or_else(|| row.time_period_sortable.and_then(|s| i32::try_from(s / 10_000).ok()))
            .unwrap_or(0),
        value: row.value,
        lower_95: row.lower_95,
        upper_95: row.upper_95,
        count: row.count,
        denominator: row.denominator,
        note: row.value_note.clone(),
        compared_95: row.compared_to_benchmark_95.clone(),
        sii,
    }
}

/// Assembled scorecards: every ICB's, the children and young people's scores, notes.
pub type Assembled = (Vec<Scorecard>, Option<engine::scorecard::model::CypScores>, Vec<String>);

/// The scorecards of release `release` (its rows of area type ICB and England, assembled in
/// `spawn_blocking`), the children and young people's scores, and notes.
///
/// # Errors
/// The store's.
pub async fn assemble_release(store: &Store, release: i64) -> Result<Assembled, WebError> {
    let polarity: HashMap<String, String> =
        store.indicators().await?.into_iter().map(|i| (i.id, i.polarity.unwrap_or_default())).collect();
    let spec = shipped_spec()?;
    let mut rows = Vec::new();
    for area_type in [&spec.level, &spec.benchmark] {
        let q = ValueQuery { release: Some(release), area_type: Some(area_type.clone()), ..ValueQuery::default() };
        rows.extend(store.values(&q).await?);
    }
    if rows.iter().all(|r| r.area_type != spec.level) {
        return Ok((
            Vec::new(),
            None,
            vec![format!("The release has no values for areas of type {}: it has no scorecard.", spec.level)],
        ));
    }
    let score_rows: Vec<ScoreRow> =
        rows.iter().map(|r| score_row(r, polarity.get(&r.indicator_id).map_or("", String::as_str))).collect();
    drop(rows);
    tokio::task::spawn_blocking(move || assemble_rows(&score_rows))
        .await
        .map_err(|e| WebError::BadRequest(format!("assembling the scorecards: {e}")))?
}

/// The shipped scorecard's spec (the Marmot and ICB scorecard catalogues merged, as they are
/// computed into one release), read once.
///
/// # Errors
/// The shipped catalogues failing their checks (the engine's tests keep them passing).
pub fn shipped_spec() -> Result<&'static engine::scorecard::ScorecardSpec, WebError> {
    static SPEC: std::sync::OnceLock<Result<engine::scorecard::ScorecardSpec, String>> = std::sync::OnceLock::new();
    SPEC.get_or_init(|| {
        engine::scorecard::icb_catalogue()
            .and_then(|c| engine::scorecard::ScorecardSpec::from_catalogue(&c))
            .map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| WebError::Engine(engine::EngineError::Internal(e.clone())))
}

/// Assembles `rows` with the shipped scorecard catalogue ([`engine::scorecard::assemble`] and
/// the children and young people's tool, [`engine::scorecard::composite::cyp_scores`]).
fn assemble_rows(rows: &[ScoreRow]) -> Result<Assembled, WebError> {
    let spec = shipped_spec()?;
    let cards = engine::scorecard::assemble(rows, spec)?;
    let cyp = engine::scorecard::composite::cyp_scores(rows, spec)?;
    let notes = if cards.is_empty() {
        vec![format!("The release has no values for areas of type {}: it has no scorecard.", spec.level)]
    } else {
        Vec::new()
    };
    Ok((cards, cyp, notes))
}

// ----- joining store data -----

/// `card` with the store's data joined: the ICB's funding lines (each beside the gaps of the
/// indicators it targets), the ICS place's recommendations and targets, and the current
/// readiness self-assessment.
///
/// # Errors
/// The store's.
pub async fn joined(store: &Store, card: &Scorecard) -> Result<(Scorecard, Option<store::Place>), WebError> {
    let mut card = card.clone();
    let indicators: HashMap<&str, &IndicatorCard> = card.indicators().map(|i| (i.id.as_str(), i)).collect();
    card.funding = store
        .funding(&card.icb_code)
        .await?
        .into_iter()
        .map(|f| FundingLine {
            share_of_allocation: f.row.allocation_gbp.filter(|a| *a > 0.0).map(|a| f.row.spent_gbp / a),
            targets: f
                .row
                .targets
                .iter()
                .map(|t| TargetedGap {
                    indicator: t.clone(),
                    gap: indicators.get(t.as_str()).and_then(|i| i.gap),
                    verdict: indicators
                        .get(t.as_str())
                        .map_or("not on the scorecard".into(), |i| i.narrowing.verdict.clone()),
                })
                .collect(),
            financial_year: f.row.financial_year,
            category: f.row.category,
            allocation_gbp: f.row.allocation_gbp,
            spent_gbp: f.row.spent_gbp,
            note: f.row.note,
        })
        .collect();
    let place = store.place_by_area(&card.icb_code).await?;
    if let Some(p) = &place {
        if let Some(view) = store.place_view(&p.fields.slug).await? {
            card.commitments = view
                .recommendations
                .iter()
                .map(|r| Commitment {
                    kind: "recommendation".into(),
                    title: r.fields.text.clone(),
                    status: r.status.label().to_string(),
                    indicator: r.fields.indicators.first().cloned(),
                })
                .chain(view.targets.iter().map(|t| Commitment {
                    kind: "target".into(),
                    title: t.indicator_name.clone().unwrap_or_else(|| t.target.fields.indicator.clone()),
                    status: t.assessment_text.clone(),
                    indicator: Some(t.target.fields.indicator.clone()),
                }))
                .collect();
        }
    }
    card.readiness = readiness_summary(store, &card.icb_code).await?;
    Ok((card, place))
}

/// The ICB's current readiness self-assessment, summarised.
///
/// # Errors
/// The store's.
pub async fn readiness_summary(store: &Store, icb: &str) -> Result<Option<ReadinessSummary>, WebError> {
    let Some(current) = store.readiness_current(icb).await? else { return Ok(None) };
    let tool = ReadinessTool::shipped()?;
    let themes: Vec<ThemeScore> = tool
        .theme_scores(&current.answers)
        .into_iter()
        .map(|t| ThemeScore { id: t.id, name: t.name, score: t.score.unwrap_or(0.0) })
        .collect();
    Ok(Some(ReadinessSummary {
        assessment_id: current.id,
        submitted_on: current.submitted_on.clone().unwrap_or_default(),
        overall: tool.overall_score(&current.answers).unwrap_or(0.0),
        themes,
        open_actions: current.actions.iter().filter(|a| a.status != "done" && a.status != "dropped").count(),
    }))
}

// ----- words and numbers -----

/// The symbol of a narrowing verdict (the words are beside it for screen readers).
pub fn verdict_symbol(verdict: &str) -> &'static str {
    match verdict {
        "narrowing" => "↘",
        "widening" => "↗",
        "no significant change" => "→",
        _ => "·",
    }
}

/// "12.3 (10.1 to 14.5)" for a value with limits.
fn with_limits(l: Option<&Limits>) -> String {
    match l {
        Some(l) => format!("{} ({} to {})", number(Some(l.value)), number(Some(l.lower)), number(Some(l.upper))),
        None => "–".into(),
    }
}

/// A value and its limits as `data-value`, `data-lower`, `data-upper` ("" for each when none).
fn limits_data(l: Option<&Limits>) -> (String, String, String) {
    l.map_or_else(Default::default, |l| {
        (data_value(Some(l.value)), data_value(Some(l.lower)), data_value(Some(l.upper)))
    })
}

/// "12.3 (10.1 to 14.5)" for a measured value.
fn measured(m: &Measured) -> String {
    match (m.value, m.lower, m.upper) {
        (Some(v), Some(l), Some(u)) => format!("{} ({} to {})", number(Some(v)), number(Some(l)), number(Some(u))),
        (Some(v), _, _) => number(Some(v)),
        _ => "–".into(),
    }
}

/// "3 of 42" for a rank.
fn rank_text(card: &IndicatorCard) -> String {
    card.rank.map_or("–".into(), |r| format!("{} of {}", r.position, r.of))
}

/// A share as a percentage ("92.5%"), "not reported" when unknown.
fn percent(share: Option<f64>) -> String {
    share.filter(|s| s.is_finite()).map_or("not reported".into(), |s| format!("{:.1}%", s * 100.0))
}

/// Pounds with thousands separators ("£1,150,000").
fn pounds(x: Option<f64>) -> String {
    let Some(x) = x.filter(|x| x.is_finite()) else { return "–".into() };
    let whole = format!("{:.0}", x.abs());
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{}£{grouped}", if x < 0.0 { "-" } else { "" })
}

/// Whether a clinical area is one of children and young people's (the `cyp` tab).
fn is_cyp_area(id: &str) -> bool {
    id.starts_with("cyp")
}

// ----- the table of every ICB -----

/// A tab of `/scorecards`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tab {
    Adults,
    Cyp,
    Completeness,
    CypTool,
}

impl Tab {
    const ALL: [Tab; 4] = [Tab::Adults, Tab::Cyp, Tab::Completeness, Tab::CypTool];

    fn parse(text: Option<&str>) -> Result<Tab, WebError> {
        match text.unwrap_or("adults") {
            "adults" => Ok(Tab::Adults),
            "cyp" => Ok(Tab::Cyp),
            "completeness" => Ok(Tab::Completeness),
            "cyp-tool" => Ok(Tab::CypTool),
            other => Err(WebError::BadRequest(format!(
                "the tab \"{other}\": expected one of adults, cyp, completeness, cyp-tool"
            ))),
        }
    }

    fn id(self) -> &'static str {
        match self {
            Tab::Adults => "adults",
            Tab::Cyp => "cyp",
            Tab::Completeness => "completeness",
            Tab::CypTool => "cyp-tool",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Tab::Adults => "Adults and system",
            Tab::Cyp => "Children and young people",
            Tab::Completeness => "Data completeness",
            Tab::CypTool => "CYP measurement tool",
        }
    }
}

/// A tab's link.
pub struct TabLink {
    /// Its address.
    pub href: String,
    /// Its label.
    pub label: &'static str,
    /// Whether it is the page shown.
    pub current: bool,
}

/// A column of the table: an indicator (or a classification).
pub struct Column {
    /// Its heading.
    pub name: String,
    /// The clinical area it belongs to.
    pub area: String,
}

/// A cell of the table of every ICB.
pub struct Cell {
    /// Its breakdown page (`None`: no link).
    pub href: Option<String>,
    /// The verdict's symbol.
    pub symbol: &'static str,
    /// The value.
    pub text: String,
    /// What a screen reader hears after the value.
    pub detail: String,
    /// The class of the rank quintile's swatch (`rq1` … `rq5`, `rq0` without a rank).
    pub class: String,
}

/// A row of the table: an ICB.
pub struct IcbRow {
    /// Its code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Its cells.
    pub cells: Vec<Cell>,
}

#[derive(Template)]
#[template(path = "scorecards.html")]
struct ScorecardsPage {
    tabs: Vec<TabLink>,
    tab: &'static str,
    heading: &'static str,
    release: String,
    columns: Vec<Column>,
    rows: Vec<IcbRow>,
    notes: Vec<String>,
    legend: bool,
}

/// The query of `/scorecards`.
#[derive(Deserialize)]
pub struct TabQuery {
    tab: Option<String>,
}

/// The cells of one ICB's indicators of `areas` (those kept by `keep`).
fn indicator_cells(card: &Scorecard, keep: &dyn Fn(&str) -> bool) -> Vec<Cell> {
    card.areas
        .iter()
        .filter(|a| keep(&a.id))
        .flat_map(|a| &a.indicators)
        .map(|i| Cell {
            href: Some(format!("/scorecards/{}/indicators/{}", card.icb_code, i.id)),
            symbol: verdict_symbol(&i.narrowing.verdict),
            text: number(i.latest.value),
            detail: format!("; Core20 gap {}; rank {}", i.narrowing.verdict, rank_text(i)),
            class: format!("rq{}", i.rank.map_or(0, |r| r.quintile)),
        })
        .collect()
}

/// The page of every ICB's scorecard, one tab.
fn scorecards_html(cache: &ScorecardCache, tab: Tab) -> Result<String, WebError> {
    let first = cache.cards.first();
    let (columns, rows, legend) = match tab {
        Tab::Adults | Tab::Cyp => {
            let keep: &dyn Fn(&str) -> bool =
                if tab == Tab::Cyp { &|id: &str| is_cyp_area(id) } else { &|id: &str| !is_cyp_area(id) };
            let columns = first
                .map(|c| {
                    c.areas
                        .iter()
                        .filter(|a| keep(&a.id))
                        .flat_map(|a| {
                            a.indicators.iter().map(|i| Column { name: i.name.clone(), area: a.name.clone() })
                        })
                        .collect()
                })
                .unwrap_or_default();
            let rows = cache
                .cards
                .iter()
                .map(|c| IcbRow { code: c.icb_code.clone(), name: c.icb_name.clone(), cells: indicator_cells(c, keep) })
                .collect();
            (columns, rows, true)
        }
        Tab::Completeness => {
            let columns: Vec<Column> = first
                .map(|c| {
                    c.completeness
                        .iter()
                        .map(|k| Column {
                            name: k.category_type.clone(),
                            area: "Share of counts with a stated category".into(),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let rows = cache
                .cards
                .iter()
                .map(|c| IcbRow {
                    code: c.icb_code.clone(),
                    name: c.icb_name.clone(),
                    cells: c
                        .completeness
                        .iter()
                        .map(|k| Cell {
                            href: None,
                            symbol: "",
                            text: percent(k.numerator_known),
                            detail: format!("; denominator {}", percent(k.denominator_known)),
                            class: "rq0".into(),
                        })
                        .collect(),
                })
                .collect();
            (columns, rows, false)
        }
        Tab::CypTool => {
            let columns = cache
                .cyp
                .as_ref()
                .map(|c| {
                    std::iter::once(Column { name: "Overall".into(), area: "Score (95% interval)".into() })
                        .chain(c.drivers.iter().filter(|d| d.measured).map(|d| Column {
                            name: d.name.clone(),
                            area: format!("Driver, weight {}", number(Some(d.weight))),
                        }))
                        .collect()
                })
                .unwrap_or_default();
            let rows = cache
                .cards
                .iter()
                .map(|c| {
                    let cells = cache
                        .cyp
                        .as_ref()
                        .map(|all| {
                            let of = |scores: &[engine::scorecard::model::UnitScore]| {
                                let s = scores.iter().find(|s| s.icb_code == c.icb_code);
                                Cell {
                                    href: Some("/scorecards/cyp-tool".into()),
                                    symbol: "",
                                    text: s
                                        .and_then(|s| s.score.as_ref())
                                        .map_or("not scored".into(), |l| with_limits(Some(l))),
                                    detail: s
                                        .and_then(|s| s.rank.as_ref())
                                        .map_or(String::new(), |r| format!("; rank {}", number(Some(r.value)))),
                                    class: "rq0".into(),
                                }
                            };
                            std::iter::once(of(&all.overall))
                                .chain(all.drivers.iter().filter(|d| d.measured).map(|d| of(&d.scores)))
                                .collect()
                        })
                        .unwrap_or_default();
                    IcbRow { code: c.icb_code.clone(), name: c.icb_name.clone(), cells }
                })
                .collect();
            (columns, rows, false)
        }
    };
    let page = ScorecardsPage {
        tabs: Tab::ALL
            .iter()
            .map(|t| TabLink { href: format!("/scorecards?tab={}", t.id()), label: t.label(), current: *t == tab })
            .collect(),
        tab: tab.id(),
        heading: tab.label(),
        release: cache.release_name.clone(),
        columns,
        rows,
        notes: cache.notes.clone(),
        legend,
    };
    Ok(page.render()?)
}

/// `GET /scorecards?tab=adults|cyp|completeness|cyp-tool`: every ICB side by side (rendered
/// once per release and tab).
pub async fn index(State(state): State<AppState>, Query(q): Query<TabQuery>) -> Result<Response, WebError> {
    let tab = Tab::parse(q.tab.as_deref())?;
    let cache = state.scorecards().await?;
    let key = tab.id().to_string();
    let body = match cache.rendered(&key) {
        Some(b) => b,
        None => cache.keep_rendered(key, scorecards_html(&cache, tab)?),
    };
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response())
}

// ----- one ICB -----

/// An indicator's line on an ICB's scorecard.
pub struct IndicatorLine {
    /// The indicator's id.
    pub id: String,
    /// Its breakdown page.
    pub href: String,
    /// Its name.
    pub name: String,
    /// The latest period.
    pub period: String,
    /// The ICB's value with limits.
    pub value: String,
    /// The value as `data-value`.
    pub value_data: String,
    /// The value's 95% limits as `data-lower` and `data-upper` ("" when unknown).
    pub value_limits_data: (String, String),
    /// England's value.
    pub england: String,
    /// Core20's value with limits.
    pub core20: String,
    /// The rest's value with limits.
    pub rest: String,
    /// The gap with limits.
    pub gap: String,
    /// The gap as `data-value`.
    pub gap_data: String,
    /// The gap's 95% limits as `data-lower` and `data-upper` ("" when unknown).
    pub gap_limits_data: (String, String),
    /// The verdict.
    pub verdict: String,
    /// Its symbol.
    pub symbol: &'static str,
    /// The SII with limits.
    pub sii: String,
    /// "3 of 42".
    pub rank: String,
    /// The rank quintile's class.
    pub rank_class: String,
    /// The rank's position and how many ICBs were ranked, as `data-rank` and `data-of` ("" when
    /// unranked).
    pub rank_data: (String, String),
    /// The share of the count with a stated ethnic group.
    pub ethnicity_known: String,
    /// That share as `data-value` (a fraction, "" when not reported).
    pub ethnicity_known_data: String,
}

/// A clinical area's lines.
pub struct AreaSection {
    /// Its id (the heading's anchor).
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its indicators.
    pub lines: Vec<IndicatorLine>,
}

/// A funding line as shown.
pub struct FundingView {
    /// The year.
    pub year: String,
    /// The category in words.
    pub category: String,
    /// The allocation.
    pub allocation: String,
    /// The spend.
    pub spent: String,
    /// The spend as `data-value`.
    pub spent_data: String,
    /// The share of the allocation.
    pub share: String,
    /// The targeted indicators: link, name, gap, verdict.
    pub targets: Vec<(String, String, String, String)>,
    /// The ICB's note.
    pub note: String,
}

/// A driver's (or the overall) score of the ICB.
pub struct CypLine {
    /// The driver's name.
    pub name: String,
    /// The score with its interval.
    pub score: String,
    /// The score and its 95% limits as `data-value`, `data-lower`, `data-upper` ("" unscored).
    pub score_data: (String, String, String),
    /// The rank with its interval.
    pub rank: String,
    /// The rank and its 95% limits as `data-value`, `data-lower`, `data-upper` ("" unranked).
    pub rank_data: (String, String, String),
}

/// What the ICB page and the report show.
pub struct IcbModel {
    /// The ICB's code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// The release.
    pub release: String,
    /// The periods.
    pub periods: String,
    /// The clinical areas.
    pub areas: Vec<AreaSection>,
    /// The completeness of each classification.
    pub completeness: Vec<(String, String, String)>,
    /// The funding lines.
    pub funding: Vec<FundingView>,
    /// The commitments.
    pub commitments: Vec<Commitment>,
    /// The CYP scores.
    pub cyp: Vec<CypLine>,
    /// The readiness summary.
    pub readiness: Option<ReadinessSummary>,
    /// Its themes' scores as text.
    pub readiness_themes: Vec<(String, String)>,
    /// The ICS place: slug, name.
    pub place: Option<(String, String)>,
    /// Notes.
    pub notes: Vec<String>,
}

/// The line of `i` on the ICB `code`'s scorecard.
fn indicator_line(code: &str, i: &IndicatorCard) -> IndicatorLine {
    let ethnicity_known =
        i.completeness.iter().find(|c| c.category_type == ETHNICITY_TYPE).and_then(|c| c.numerator_known);
    IndicatorLine {
        id: i.id.clone(),
        value_limits_data: (data_value(i.latest.lower), data_value(i.latest.upper)),
        gap_limits_data: (data_value(i.gap.map(|g| g.lower)), data_value(i.gap.map(|g| g.upper))),
        rank_data: i.rank.map_or_else(Default::default, |r| (r.position.to_string(), r.of.to_string())),
        ethnicity_known_data: data_value(ethnicity_known),
        href: format!("/scorecards/{code}/indicators/{}", i.id),
        name: i.name.clone(),
        period: i.period.clone(),
        value: measured(&i.latest),
        value_data: data_value(i.latest.value),
        england: number(i.england),
        core20: measured(&i.core20),
        rest: measured(&i.rest),
        gap: with_limits(i.gap.as_ref()),
        gap_data: data_value(i.gap.map(|g| g.value)),
        verdict: i.narrowing.verdict.clone(),
        symbol: verdict_symbol(&i.narrowing.verdict),
        sii: with_limits(i.sii.as_ref()),
        rank: rank_text(i),
        rank_class: format!("rq{}", i.rank.map_or(0, |r| r.quintile)),
        ethnicity_known: percent(ethnicity_known),
    }
}

impl IcbModel {
    /// The model of `card` (joined with the store's data) and the CYP scores of all ICBs.
    pub fn new(card: &Scorecard, place: Option<&store::Place>, cache: &ScorecardCache) -> IcbModel {
        let cyp = cache
            .cyp
            .as_ref()
            .map(|all| {
                let line = |name: &str, scores: &[engine::scorecard::model::UnitScore]| {
                    let s = scores.iter().find(|s| s.icb_code == card.icb_code);
                    CypLine {
                        name: name.to_string(),
                        score: s.and_then(|s| s.score.as_ref()).map_or_else(
                            || s.and_then(|s| s.note.clone()).unwrap_or_else(|| "not scored".into()),
                            |l| with_limits(Some(l)),
                        ),
                        rank: s.and_then(|s| s.rank.as_ref()).map_or("–".into(), |l| with_limits(Some(l))),
                        score_data: limits_data(s.and_then(|s| s.score.as_ref())),
                        rank_data: limits_data(s.and_then(|s| s.rank.as_ref())),
                    }
                };
                std::iter::once(line("Overall", &all.overall))
                    .chain(all.drivers.iter().filter(|d| d.measured).map(|d| line(&d.name, &d.scores)))
                    .collect()
            })
            .unwrap_or_default();
        IcbModel {
            code: card.icb_code.clone(),
            name: card.icb_name.clone(),
            release: if card.release.is_empty() { cache.release_name.clone() } else { card.release.clone() },
            periods: card.periods.join(", "),
            areas: card
                .areas
                .iter()
                .map(|a| AreaSection {
                    id: a.id.clone(),
                    name: a.name.clone(),
                    lines: a.indicators.iter().map(|i| indicator_line(&card.icb_code, i)).collect(),
                })
                .collect(),
            completeness: card
                .completeness
                .iter()
                .map(|c| (c.category_type.clone(), percent(c.numerator_known), percent(c.denominator_known)))
                .collect(),
            funding: card
                .funding
                .iter()
                .map(|f| FundingView {
                    year: f.financial_year.clone(),
                    category: crate::views::words(&f.category),
                    allocation: pounds(f.allocation_gbp),
                    spent: pounds(Some(f.spent_gbp)),
                    spent_data: data_value(Some(f.spent_gbp)),
                    share: f.share_of_allocation.map_or("–".into(), |s| format!("{:.1}%", s * 100.0)),
                    targets: f
                        .targets
                        .iter()
                        .map(|t| {
                            let name = card.indicator(&t.indicator).map_or(t.indicator.clone(), |i| i.name.clone());
                            (
                                format!("/scorecards/{}/indicators/{}", card.icb_code, t.indicator),
                                name,
                                with_limits(t.gap.as_ref()),
                                t.verdict.clone(),
                            )
                        })
                        .collect(),
                    note: f.note.clone().unwrap_or_default(),
                })
                .collect(),
            commitments: card.commitments.clone(),
            cyp,
            readiness_themes: card
                .readiness
                .as_ref()
                .map(|r| r.themes.iter().map(|t| (t.name.clone(), format!("{:.0}", t.score))).collect())
                .unwrap_or_default(),
            readiness: card.readiness.clone(),
            place: place.map(|p| (p.fields.slug.clone(), p.fields.name.clone())),
            notes: card.notes.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "scorecard.html")]
struct IcbPage {
    m: IcbModel,
}

#[derive(Template)]
#[template(path = "scorecard_report.html")]
struct IcbReport<'a> {
    m: IcbModel,
    generated_on: String,
    css: &'a str,
}

/// The scorecard of `code` in `cache`, or 404 naming a few codes.
fn card_of<'a>(cache: &'a ScorecardCache, code: &str) -> Result<&'a Scorecard, WebError> {
    cache.card(code).ok_or_else(|| {
        WebError::NotFound(format!("the scorecard of the ICB \"{code}\" (ICBs with one: {})", cache.some_codes()))
    })
}

/// `GET /scorecards/{code}`.
pub async fn icb(State(state): State<AppState>, Path(code): Path<String>) -> Result<Response, WebError> {
    let cache = state.scorecards().await?;
    let card = card_of(&cache, &code)?;
    let (card, place) = joined(&state.store, card).await?;
    super::render(&IcbPage { m: IcbModel::new(&card, place.as_ref(), &cache) })
}

/// The printable scorecard of the ICB `code` as one HTML page (CSS inlined, no request), from
/// the scorecards of the newest release: what `/scorecards/{code}/report`, its PDF and
/// `fairer scorecard --format html|pdf` show.
///
/// # Errors
/// An unknown ICB (not found, naming a few codes), a failed query, or a template that fails.
pub async fn report_html(state: &AppState, code: &str) -> Result<String, WebError> {
    let cache = state.scorecards().await?;
    let card = card_of(&cache, code)?;
    let (card, place) = joined(&state.store, card).await?;
    let report = IcbReport {
        m: IcbModel::new(&card, place.as_ref(), &cache),
        generated_on: store::utc_today(),
        css: crate::assets::STYLE_SHEET,
    };
    Ok(report.render()?)
}

/// The scorecard of the ICB `code` with the store's data joined, as the API and
/// `fairer scorecard --format json` give it.
///
/// # Errors
/// As [`report_html`].
pub async fn model(state: &AppState, code: &str) -> Result<Scorecard, WebError> {
    let cache = state.scorecards().await?;
    let card = card_of(&cache, code)?;
    let (mut card, _) = joined(&state.store, card).await?;
    if card.release.is_empty() {
        card.release = cache.release_name.clone();
    }
    Ok(card)
}

/// `GET /scorecards/{code}/report`.
pub async fn report(State(state): State<AppState>, Path(code): Path<String>) -> Result<Response, WebError> {
    let body = report_html(&state, &code).await?;
    Ok(([(header::CONTENT_SECURITY_POLICY, REPORT_CONTENT_SECURITY_POLICY)], Html(body)).into_response())
}

/// `GET /scorecards/{code}/report.pdf`: the report printed by headless Chromium (503 naming
/// what to install when there is none).
pub async fn report_pdf(State(state): State<AppState>, Path(code): Path<String>) -> Result<Response, WebError> {
    let body = report_html(&state, &code).await?;
    let chromium = match crate::pdf::find_chromium(state.config().chromium.as_deref()) {
        Ok(path) => path,
        Err(e) => return Ok(e.into_response()),
    };
    match crate::pdf::render(body, chromium).await {
        Ok(bytes) => Ok((
            [
                (header::CONTENT_TYPE, "application/pdf".to_string()),
                (header::CONTENT_DISPOSITION, format!("inline; filename=\"fairer-scorecard-{code}.pdf\"")),
            ],
            bytes,
        )
            .into_response()),
        Err(e) => Ok(e.into_response()),
    }
}

// ----- one cell's breakdown -----

/// A breakdown table's row.
pub struct BreakdownLine {
    /// The category.
    pub category: String,
    /// The value with limits (or "counts only").
    pub value: String,
    /// The value as `data-value`.
    pub value_data: String,
    /// The count.
    pub count: String,
    /// The denominator.
    pub denominator: String,
    /// The comparison with the ICB's value.
    pub compared: String,
    /// Its class.
    pub class: &'static str,
}

/// One category type's chart and table.
pub struct BreakdownSection {
    /// The category type.
    pub heading: String,
    /// The anchor.
    pub id: String,
    /// The chart's SVG.
    pub svg: String,
    /// The table.
    pub lines: Vec<BreakdownLine>,
}

#[derive(Template)]
#[template(path = "scorecard_indicator.html")]
struct IndicatorPage {
    code: String,
    id: String,
    icb_name: String,
    line: IndicatorLine,
    polarity: String,
    narrowing: String,
    sections: Vec<BreakdownSection>,
    trend_svg: String,
    trend: Vec<(String, String, String)>,
    completeness: Vec<(String, String, String)>,
}

/// The marks of `cells` (Persons; Sex cells of their own sex).
fn marks(cells: &[&BreakdownCell]) -> Vec<Mark> {
    cells
        .iter()
        .map(|c| Mark {
            label: c.category.clone(),
            value: c.value.value,
            lower: c.value.lower,
            upper: c.value.upper,
            class: Comparison::parse(c.compared_95.as_deref()),
        })
        .collect()
}

/// The breakdown sections of `card`: one per category type, in order of appearance (Persons
/// rows; the Sex cells as they are).
fn sections(card: &IndicatorCard) -> Vec<BreakdownSection> {
    let mut types: Vec<&str> = Vec::new();
    for c in &card.breakdowns {
        if !types.contains(&c.category_type.as_str()) {
            types.push(&c.category_type);
        }
    }
    types
        .into_iter()
        .enumerate()
        .map(|(n, t)| {
            let cells: Vec<&BreakdownCell> = card
                .breakdowns
                .iter()
                .filter(|c| c.category_type == t && (t == SEX_TYPE || c.sex == "Persons"))
                .collect();
            let id = format!("breakdown-{n}");
            let title = format!("{}: {} by {}", card.name, card.period, t.to_lowercase());
            let description = format!("{} of the ICB by {}, with 95% intervals.", card.name, t.to_lowercase());
            let opts = Opts::new(id.clone(), title, description);
            let chart = if t == QUINTILE_TYPE {
                let line = card.sii.and_then(|s| {
                    let deciles: Vec<(Option<f64>, Option<f64>)> =
                        cells.iter().map(|c| (c.value.value, c.value.denominator)).collect();
                    charts::deciles::SiiLine::fit(&deciles, s.value, Some(s.lower), Some(s.upper))
                });
                charts::deciles::deciles(&marks(&cells), line.as_ref(), &opts)
            } else {
                charts::bars::bars(&marks(&cells), card.latest.value, &opts)
            };
            BreakdownSection {
                heading: t.to_string(),
                id,
                svg: chart.svg,
                lines: cells
                    .iter()
                    .map(|c| BreakdownLine {
                        category: c.category.clone(),
                        value: if c.value.value.is_some() {
                            measured(&c.value)
                        } else {
                            c.value.note.clone().unwrap_or_else(|| "counts only".into())
                        },
                        value_data: data_value(c.value.value),
                        count: number(c.value.count),
                        denominator: number(c.value.denominator),
                        compared: Comparison::parse(c.compared_95.as_deref()).label().to_string(),
                        class: Comparison::parse(c.compared_95.as_deref()).class(),
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The Core20 gap of each period stored for the ICB and indicator (Persons), oldest first:
/// period, gap with its MOVER limits ([`stats::gap::gap`]).
async fn gap_series(store: &Store, code: &str, indicator: &str) -> Result<Vec<(String, Option<Limits>)>, WebError> {
    let q = ValueQuery {
        indicator: Some(indicator.into()),
        area: Some(code.into()),
        sex: Some("Persons".into()),
        category_type: Some(CORE20_TYPE.into()),
        ..ValueQuery::default()
    };
    let rows = store.values(&q).await?;
    let mut periods: Vec<(i64, String)> =
        rows.iter().map(|r| (r.time_period_sortable.unwrap_or(0), r.time_period.clone())).collect();
    periods.sort();
    periods.dedup();
    let bounded = |r: &ValueRow| match (r.value, r.lower_95, r.upper_95) {
        (Some(v), Some(l), Some(u)) => stats::gap::Bounded::new(v, l, u, "the value").ok(),
        _ => None,
    };
    Ok(periods
        .into_iter()
        .map(|(_, p)| {
            let find = |c: &str| rows.iter().find(|r| r.time_period == p && r.category.as_deref() == Some(c));
            let gap = match (find("Core20").and_then(bounded), find("Rest of population").and_then(bounded)) {
                (Some(a), Some(b)) => {
                    let g = stats::gap::gap(a, b);
                    Some(Limits { value: g.value, lower: g.lower, upper: g.upper })
                }
                _ => None,
            };
            (p, gap)
        })
        .collect())
}

/// `GET /scorecards/{code}/indicators/{id}`: the cell's breakdown.
pub async fn indicator(
    State(state): State<AppState>,
    Path((code, id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let cache = state.scorecards().await?;
    let card = card_of(&cache, &code)?;
    let Some(ind) = card.indicator(&id) else {
        return Err(WebError::NotFound(format!("the indicator \"{id}\" on the scorecard of {code}")));
    };
    let series = gap_series(&state.store, &code, &id).await?;
    let points: Vec<(String, Mark)> = series
        .iter()
        .map(|(p, g)| {
            (
                p.clone(),
                Mark {
                    label: p.clone(),
                    value: g.map(|g| g.value),
                    lower: g.map(|g| g.lower),
                    upper: g.map(|g| g.upper),
                    class: Comparison::NotCompared,
                },
            )
        })
        .collect();
    let trend_svg = if points.is_empty() {
        String::new()
    } else {
        let opts = Opts::new(
            "gap-trend",
            format!("{}: the Core20 gap by period", ind.name),
            "Core20 minus the rest of the population in each period, with 95% intervals.",
        );
        charts::trend::trend(&points, None, "", &opts).svg
    };
    let narrowing = match &ind.narrowing.slope {
        Some(s) => format!(
            "{} over {} periods: the gap changes by {} a year ({} to {}).",
            ind.narrowing.verdict,
            ind.narrowing.periods,
            number(Some(s.value)),
            number(Some(s.lower)),
            number(Some(s.upper))
        ),
        None => format!("{} ({} periods).", ind.narrowing.verdict, ind.narrowing.periods),
    };
    let page = IndicatorPage {
        code: card.icb_code.clone(),
        id: ind.id.clone(),
        icb_name: card.icb_name.clone(),
        line: indicator_line(&card.icb_code, ind),
        polarity: ind.polarity.clone(),
        narrowing,
        sections: sections(ind),
        trend_svg,
        trend: series
            .iter()
            .map(|(p, g)| (p.clone(), with_limits(g.as_ref()), data_value(g.map(|g| g.value))))
            .collect(),
        completeness: ind
            .completeness
            .iter()
            .map(|c| (c.category_type.clone(), percent(c.numerator_known), percent(c.denominator_known)))
            .collect(),
    };
    super::render(&page)
}

// ----- the children and young people's measurement tool -----

/// A row of the tool's table: an ICB's overall score and rank, and each driver's score.
pub struct CypRow {
    /// The ICB's code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// The overall score with its interval.
    pub overall: String,
    /// The overall score as `data-value`.
    pub overall_data: String,
    /// The rank with its interval.
    pub rank: String,
    /// Each measured driver's score with its interval.
    pub drivers: Vec<String>,
    /// Why it is not scored.
    pub note: String,
}

#[derive(Template)]
#[template(path = "scorecard_cyp_tool.html")]
struct CypToolPage {
    method: String,
    base_year: i32,
    draws: usize,
    drivers: Vec<(String, String, bool, String)>,
    measured: Vec<String>,
    rows: Vec<CypRow>,
    sensitivity_heads: Vec<String>,
    sensitivity: Vec<(String, String, Vec<String>, String)>,
    scored: bool,
}

/// `GET /scorecards/cyp-tool`.
pub async fn cyp_tool(State(state): State<AppState>) -> Result<Response, WebError> {
    let cache = state.scorecards().await?;
    let name_of = |code: &str| cache.card(code).map_or(code.to_string(), |c| c.icb_name.clone());
    let page = match &cache.cyp {
        None => CypToolPage {
            method: String::new(),
            base_year: 0,
            draws: 0,
            drivers: Vec::new(),
            measured: Vec::new(),
            rows: Vec::new(),
            sensitivity_heads: Vec::new(),
            sensitivity: Vec::new(),
            scored: false,
        },
        Some(c) => {
            let measured: Vec<&engine::scorecard::model::DriverScores> =
                c.drivers.iter().filter(|d| d.measured).collect();
            let mut rows: Vec<CypRow> = c
                .overall
                .iter()
                .map(|o| CypRow {
                    code: o.icb_code.clone(),
                    name: name_of(&o.icb_code),
                    overall: o.score.as_ref().map_or("not scored".into(), |l| with_limits(Some(l))),
                    overall_data: data_value(o.score.map(|s| s.value)),
                    rank: o.rank.as_ref().map_or("–".into(), |l| with_limits(Some(l))),
                    drivers: measured
                        .iter()
                        .map(|d| {
                            d.scores
                                .iter()
                                .find(|s| s.icb_code == o.icb_code)
                                .and_then(|s| s.score.as_ref())
                                .map_or("not scored".into(), |l| with_limits(Some(l)))
                        })
                        .collect(),
                    note: o.note.clone().unwrap_or_default(),
                })
                .collect();
            rows.sort_by(|a, b| a.code.cmp(&b.code));
            let heads: Vec<String> = c
                .sensitivity
                .first()
                .map(|s| s.alternative_ranks.iter().map(|(n, _)| n.clone()).collect())
                .unwrap_or_default();
            CypToolPage {
                method: c.method.clone(),
                base_year: c.base_year,
                draws: c.draws,
                drivers: c
                    .drivers
                    .iter()
                    .map(|d| {
                        (
                            d.name.clone(),
                            number(Some(d.weight)),
                            d.measured,
                            d.indicators
                                .iter()
                                .map(|(i, w)| format!("{i} ({})", number(Some(*w))))
                                .collect::<Vec<_>>()
                                .join(", "),
                        )
                    })
                    .collect(),
                measured: measured.iter().map(|d| d.name.clone()).collect(),
                rows,
                sensitivity_heads: heads,
                sensitivity: c
                    .sensitivity
                    .iter()
                    .map(|s| {
                        (
                            name_of(&s.icb_code),
                            number(Some(s.rank)),
                            s.alternative_ranks.iter().map(|(_, r)| number(Some(*r))).collect(),
                            number(Some(s.largest_move)),
                        )
                    })
                    .collect(),
                scored: true,
            }
        }
    };
    super::render(&page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_row_reads_as_a_score_row() {
        let row = ValueRow {
            indicator_id: "preterm_births".into(),
            indicator_name: "Preterm births".into(),
            area_code: "E54000008".into(),
            area_name: "ICB".into(),
            area_type: "ICB".into(),
            sex: "Persons".into(),
            age: "All ages".into(),
            category_type: Some(CORE20_TYPE.into()),
            category: Some("Core20".into()),
            time_period: "2024/25".into(),
            time_period_sortable: Some(20240000),
            value: Some(8.1),
            lower_95: Some(7.5),
            upper_95: Some(8.7),
            count: Some(81.0),
            denominator: Some(1000.0),
            sii: Some(-2.0),
            sii_lower_95: Some(-3.0),
            sii_upper_95: Some(-1.0),
            compared_to_benchmark_95: Some("Worse".into()),
            lower_99_8: None,
            upper_99_8: None,
            value_note: None,
            recent_trend: None,
            compared_to_benchmark_99_8: None,
            statistic: None,
            method: None,
            benchmark: None,
            benchmark_value: None,
            quintile: None,
            trend_reason: None,
            sii_lower_99_8: None,
            sii_upper_99_8: None,
            rii: None,
            rii_lower_95: None,
            rii_upper_95: None,
            gap_most_minus_least_deprived: None,
            ratio_most_to_least_deprived: None,
            excess_count: None,
            inequality_note: None,
        };
        let r = score_row(&row, "lower is better");
        // "2024/25" ends in 2025: the year the gap's trend is read by.
        assert_eq!((r.period.as_str(), r.period_year, r.polarity.as_str()), ("2024/25", 2025, "lower is better"));
        assert_eq!(
            (r.value, r.lower_95, r.upper_95, r.count, r.denominator),
            (Some(8.1), Some(7.5), Some(8.7), Some(81.0), Some(1000.0))
        );
        assert_eq!(r.sii, Some(Limits { value: -2.0, lower: -3.0, upper: -1.0 }));
        assert_eq!(r.compared_95.as_deref(), Some("Worse"));
        let mut no_limits = row.clone();
        no_limits.sii_upper_95 = None;
        assert_eq!(score_row(&no_limits, "").sii, None);
    }

    #[test]
    fn pounds_and_shares() {
        assert_eq!(pounds(Some(1_150_000.0)), "£1,150,000");
        assert_eq!(pounds(Some(999.6)), "£1,000");
        assert_eq!(pounds(None), "–");
        assert_eq!(percent(Some(0.925)), "92.5%");
        assert_eq!(percent(None), "not reported");
        assert_eq!(verdict_symbol("narrowing"), "↘");
        assert_eq!(verdict_symbol("not enough periods"), "·");
    }
}
