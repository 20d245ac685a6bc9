//! The scorecard's shape, shared by the CLI (`fairer scorecard`), the web pages, the JSON API
//! and the place report: every field is what a surface shows, already computed.
//!
//! Numbers are as the results carry them (a proportion as a percentage where the indicator's
//! statistic is a percentage); limits are 95% unless a field says otherwise. A missing number is
//! `None` with a note saying why, never zero.

use serde::{Deserialize, Serialize};

use crate::compute::results::ResultRow;

/// One result row in the form assembly reads: the fields of a row of the results table (the
/// engine's [`ResultRow`] or a row read back from the store) that a scorecard uses.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScoreRow {
    /// The indicator's id.
    pub indicator: String,
    /// The indicator's name.
    pub indicator_name: String,
    /// The indicator's polarity in the results' words ("higher is better", "lower is better",
    /// "no judgement").
    pub polarity: String,
    /// The area's code.
    pub area_code: String,
    /// The area's name.
    pub area_name: String,
    /// The area's type ("ICB", "England", …).
    pub area_type: String,
    /// "Persons", "Male" or "Female".
    pub sex: String,
    /// The age label.
    pub age: String,
    /// The breakdown's category type, `None` for the whole area.
    pub category_type: Option<String>,
    /// The breakdown's category, `None` for the whole area.
    pub category: Option<String>,
    /// The period's label ("2024/25").
    pub period: String,
    /// The year the period is sorted and trended by (its last year).
    pub period_year: i32,
    /// The value.
    pub value: Option<f64>,
    /// Its lower 95% limit.
    pub lower_95: Option<f64>,
    /// Its upper 95% limit.
    pub upper_95: Option<f64>,
    /// The count (numerator).
    pub count: Option<f64>,
    /// The denominator.
    pub denominator: Option<f64>,
    /// Why the value is missing, or what to know about it.
    pub note: Option<String>,
    /// Comparison with the benchmark at 95% ("better", "similar", …).
    pub compared_95: Option<String>,
    /// The slope index of inequality across the area's deprivation quantiles, with its 95%
    /// limits (whole-area rows only).
    pub sii: Option<Limits>,
}

impl From<&ResultRow> for ScoreRow {
    fn from(r: &ResultRow) -> ScoreRow {
        let (lower_95, upper_95) = r.value.limits(stats::ConfidenceLevel::C95);
        let sii = r.inequality.as_ref().and_then(|s| s.sii.as_ref()).and_then(|e| {
            let value = e.value?;
            let l = e.limits_at(stats::ConfidenceLevel::C95)?;
            Some(Limits { value, lower: l.lower?, upper: l.upper? })
        });
        ScoreRow {
            indicator: r.indicator.clone(),
            indicator_name: r.indicator_name.clone(),
            polarity: r.polarity.to_string(),
            area_code: r.area_code.clone(),
            area_name: r.area_name.clone(),
            area_type: r.area_type.clone(),
            sex: r.sex.to_string(),
            age: r.age.clone(),
            category_type: r.category_type.clone(),
            category: r.category.clone(),
            period: r.period.label.clone(),
            period_year: r.period.years.1,
            value: r.value.value(),
            lower_95,
            upper_95,
            count: r.value.count,
            denominator: r.value.denominator,
            note: r.value.note.clone(),
            compared_95: Some(r.compared_95.to_string()).filter(|s| !s.is_empty()),
            sii,
        }
    }
}

/// A number with its lower and upper limits (95% unless the field says otherwise).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    /// The estimate.
    pub value: f64,
    /// The lower limit.
    pub lower: f64,
    /// The upper limit.
    pub upper: f64,
}

/// A value of an indicator for one area, breakdown and period, with its 95% limits and totals.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Measured {
    /// The value, `None` when it cannot be computed (see `note`).
    pub value: Option<f64>,
    /// The lower 95% limit.
    pub lower: Option<f64>,
    /// The upper 95% limit.
    pub upper: Option<f64>,
    /// The count (numerator).
    pub count: Option<f64>,
    /// The denominator.
    pub denominator: Option<f64>,
    /// Why the value is missing, or what to know about it.
    pub note: Option<String>,
}

/// A position among the ICBs with a value: 1 = best by the indicator's polarity; tied values
/// share the best position of their tie.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rank {
    /// The position (1 = best).
    pub position: u32,
    /// Among how many ICBs (those with a value).
    pub of: u32,
    /// The quintile of the position (1 = best fifth … 5 = worst fifth).
    pub quintile: u8,
}

/// Whether the Core20 gap narrows: the verdict of [`stats::gap::gap_trend`] with its slope.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Narrowing {
    /// "narrowing", "widening", "no significant change" or "not enough periods"
    /// ([`stats::gap::GapChange::as_str`]).
    pub verdict: String,
    /// The gap's change per year with its limits at the scorecard's narrowing level; `None`
    /// with fewer than three periods.
    pub slope: Option<Limits>,
    /// The periods the test used.
    pub periods: usize,
}

/// One breakdown cell of an indicator: a category of a category type, for one sex.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BreakdownCell {
    /// The category type ("IMD quintile …", "Ethnic group (Census 2021 high-level)", …).
    pub category_type: String,
    /// The category ("Q1 (most deprived)", "White", "Not stated", …).
    pub category: String,
    /// "Persons", "Male" or "Female".
    pub sex: String,
    /// The value with limits (unknown categories carry counts, not rates: `value` is `None`).
    pub value: Measured,
    /// Comparison with the ICB's whole value at 95%.
    pub compared_95: Option<String>,
}

/// How complete one classification is for an indicator: the share of the count and of the
/// denominator in stated categories (`None`: not reported, never assumed complete).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Completeness {
    /// The category type (or "Sex").
    pub category_type: String,
    /// Share of the count with a stated category, 0 … 1.
    pub numerator_known: Option<f64>,
    /// Share of the denominator with a stated category, 0 … 1.
    pub denominator_known: Option<f64>,
}

/// One indicator on an ICB's scorecard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IndicatorCard {
    /// The indicator's id (the link to its breakdown page).
    pub id: String,
    /// The indicator's name.
    pub name: String,
    /// "higher is better", "lower is better" or "no judgement".
    pub polarity: String,
    /// The latest period's label.
    pub period: String,
    /// The ICB's value in the latest period (Persons, whole area).
    pub latest: Measured,
    /// England's value in the latest period.
    pub england: Option<f64>,
    /// The rank of the ICB's value among the ICBs.
    pub rank: Option<Rank>,
    /// The Core20 value (the most deprived 20% of small areas nationally).
    pub core20: Measured,
    /// The value for the rest of the population.
    pub rest: Measured,
    /// Core20 minus the rest, with its 95% MOVER limits.
    pub gap: Option<Limits>,
    /// The rank of the gap's size among the ICBs (1 = smallest gap in the harmful direction).
    pub gap_rank: Option<Rank>,
    /// Whether the gap narrows over the periods available.
    pub narrowing: Narrowing,
    /// The slope index of inequality across IMD quintiles, with its 95% limits.
    pub sii: Option<Limits>,
    /// Every breakdown cell of the latest period.
    pub breakdowns: Vec<BreakdownCell>,
    /// The completeness of each classification in the latest period.
    pub completeness: Vec<Completeness>,
}

/// A clinical area (a domain of the Core20PLUS5 framework) and its indicators.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AreaCard {
    /// The domain's id ("maternity", "severe_mental_illness", …, "system").
    pub id: String,
    /// The domain's name.
    pub name: String,
    /// Its indicators, in the catalogue's order.
    pub indicators: Vec<IndicatorCard>,
}

/// A unit's composite score (a driver's or the overall) with simulated 95% intervals.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnitScore {
    /// The ICB's code.
    pub icb_code: String,
    /// The score with its interval; `None` when the ICB is not scored (see `note`).
    pub score: Option<Limits>,
    /// The rank (1 = best) with its interval, among the ICBs scored.
    pub rank: Option<Limits>,
    /// Why the ICB is not scored ("no value for X in 2024/25").
    pub note: Option<String>,
}

/// One driver of the children and young people's framework, scored for every ICB.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DriverScores {
    /// The driver's id (a domain of the framework).
    pub id: String,
    /// The driver's name.
    pub name: String,
    /// Its weight in the overall score.
    pub weight: f64,
    /// Its indicators with their weights within the driver.
    pub indicators: Vec<(String, f64)>,
    /// `false` when no indicator of the driver is in the data ("not measured").
    pub measured: bool,
    /// Every ICB's score, in ICB code order.
    pub scores: Vec<UnitScore>,
}

/// How an ICB's overall rank moves under alternative weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnitSensitivity {
    /// The ICB's code.
    pub icb_code: String,
    /// The rank under the stated weights.
    pub rank: f64,
    /// The rank under each alternative, named ("equal", "each_halved: income", …).
    pub alternative_ranks: Vec<(String, f64)>,
    /// The largest move from the stated rank.
    pub largest_move: f64,
}

/// The children and young people's measurement tool: driver and overall scores for every ICB.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CypScores {
    /// The framework's id.
    pub framework: String,
    /// The method in words, from the catalogue.
    pub method: String,
    /// The base period's year.
    pub base_year: i32,
    /// The number of simulated draws.
    pub draws: usize,
    /// Every driver.
    pub drivers: Vec<DriverScores>,
    /// The overall score of every ICB.
    pub overall: Vec<UnitScore>,
    /// The overall rank's sensitivity to the weights.
    pub sensitivity: Vec<UnitSensitivity>,
}

/// The gap an inequalities-funding line targets, beside the spend.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TargetedGap {
    /// The indicator's id.
    pub indicator: String,
    /// Its Core20 gap in the latest period.
    pub gap: Option<Limits>,
    /// Its narrowing verdict.
    pub verdict: String,
}

/// One line of what an ICB reports it spent of its inequalities allocation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FundingLine {
    /// "2023/24".
    pub financial_year: String,
    /// The category ("core20plus5_clinical", "prevention", …).
    pub category: String,
    /// The ICB's allocation for the year (the same on every line of the year).
    pub allocation_gbp: Option<f64>,
    /// Spent in this category.
    pub spent_gbp: f64,
    /// The share of the allocation spent in this category (`None` without an allocation).
    pub share_of_allocation: Option<f64>,
    /// The indicators the spend targets, with their gaps.
    pub targets: Vec<TargetedGap>,
    /// The ICB's note.
    pub note: Option<String>,
}

/// A commitment of the ICS place: a recommendation or a target from the store.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Commitment {
    /// "recommendation" or "target".
    pub kind: String,
    /// Its title or text.
    pub title: String,
    /// Its status in the store's words.
    pub status: String,
    /// The indicator it is measured by, if any.
    pub indicator: Option<String>,
}

/// A theme's score in a readiness self-assessment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ThemeScore {
    /// The theme's id.
    pub id: String,
    /// The theme's name.
    pub name: String,
    /// The mean answer × 100 / 3, 0 … 100.
    pub score: f64,
}

/// The current (latest submitted) readiness self-assessment of an ICB, summarised.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReadinessSummary {
    /// The assessment's id in the store.
    pub assessment_id: i64,
    /// When it was submitted.
    pub submitted_on: String,
    /// The mean of the theme scores, 0 … 100.
    pub overall: f64,
    /// Each theme's score.
    pub themes: Vec<ThemeScore>,
    /// Actions not yet done.
    pub open_actions: usize,
}

/// One ICB's scorecard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scorecard {
    /// The ICB's code.
    pub icb_code: String,
    /// The ICB's name.
    pub icb_name: String,
    /// The release the values come from (the caller sets it; empty from assembly).
    pub release: String,
    /// Every period present, oldest first.
    pub periods: Vec<String>,
    /// The clinical areas with their indicators.
    pub areas: Vec<AreaCard>,
    /// The completeness of each classification across the scorecard's indicators (the share of
    /// all counts with a stated category).
    pub completeness: Vec<Completeness>,
    /// The ICB's scores in the children and young people's tool (its own rows of it).
    pub cyp: Option<CypScores>,
    /// What the ICB reports it spent of its inequalities allocation (joined by the caller).
    pub funding: Vec<FundingLine>,
    /// The ICS place's commitments (joined by the caller).
    pub commitments: Vec<Commitment>,
    /// The current readiness self-assessment (joined by the caller).
    pub readiness: Option<ReadinessSummary>,
    /// What to know when reading it (indicators without values, small cells, …).
    pub notes: Vec<String>,
}

impl Scorecard {
    /// Every indicator of the scorecard, clinical area by clinical area, in the catalogue's order.
    pub fn indicators(&self) -> impl Iterator<Item = &IndicatorCard> {
        self.areas.iter().flat_map(|a| &a.indicators)
    }

    /// The indicator `id` of the scorecard, if it has one.
    pub fn indicator(&self, id: &str) -> Option<&IndicatorCard> {
        self.indicators().find(|i| i.id == id)
    }
}
