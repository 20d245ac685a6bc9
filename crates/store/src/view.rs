//! A place's whole monitoring view: the place, its partners, strategies, recommendations,
//! progress and evaluations, and each target with its baseline, trajectory, latest value and
//! assessment at the newest release.

use futures_util::future::{try_join, try_join4, try_join_all};
use serde::Serialize;

use crate::assess::{assess, period_end_year, Assessment, Better, NotAssessable, Observation, Trajectory, RULE};
use crate::error::Result;
use crate::monitor::{Evaluation, Goal, MeasureOn, Partner, Place, ProgressUpdate, Recommendation, Strategy, Target};
use crate::values::{ValueQuery, ValueRow, ValueSource};
use crate::{Release, Store};

/// A target's latest value (of the value, gap or SII it is on).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LatestValue {
    /// The period's label.
    pub period: String,
    /// The value; `None` when missing or suppressed.
    pub value: Option<f64>,
    /// The lower 95% limit.
    pub lower_95: Option<f64>,
    /// The upper 95% limit.
    pub upper_95: Option<f64>,
    /// The row's value note.
    pub note: Option<String>,
}

/// A target with what the newest release says of it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TargetView {
    /// The target as written.
    pub target: Target,
    /// The indicator's name, when a release has it.
    pub indicator_name: Option<String>,
    /// The baseline value: as written, or from the data for the baseline period.
    pub baseline: Option<f64>,
    /// The value aimed at in the target period.
    pub target_value: Option<f64>,
    /// The line from baseline to target.
    pub trajectory: Option<Trajectory>,
    /// The latest value, when there is one.
    pub latest: Option<LatestValue>,
    /// On track, off track, or not assessable.
    pub assessment: Assessment,
    /// The assessment in words ("on track", "not assessable: …").
    pub assessment_text: String,
    /// The rows it is measured on: the place's whole-area rows of its indicator and sex, in
    /// the order of [`Store::values`] (what a chart of the target draws; not serialised).
    #[serde(skip)]
    pub rows: Vec<ValueRow>,
}

/// Everything about a place, as `fairer place show` and the place page show it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlaceView {
    /// The place.
    pub place: Place,
    /// The release the values are from (the newest), if any.
    pub release: Option<Release>,
    /// Its partners.
    pub partners: Vec<Partner>,
    /// Its strategies.
    pub strategies: Vec<Strategy>,
    /// Its recommendations, with status and history.
    pub recommendations: Vec<Recommendation>,
    /// Its targets, assessed.
    pub targets: Vec<TargetView>,
    /// Its progress updates, newest first.
    pub progress: Vec<ProgressUpdate>,
    /// Its evaluations, newest first.
    pub evaluations: Vec<Evaluation>,
    /// The rule the assessments follow.
    pub rule: &'static str,
}

impl Store {
    /// The monitoring view of the place whose slug is `slug`; `None` for an unknown slug.
    ///
    /// # Errors
    /// A failed query.
    pub async fn place_view(&self, slug: &str) -> Result<Option<PlaceView>> {
        let Some(place) = self.place(slug).await? else { return Ok(None) };
        // The view's queries go out side by side on the pool's connections: on PostgreSQL the
        // round trips, not the work, are most of its time (BENCHMARKS.md, the store's benchmark).
        let id = place.id;
        let ((release, indicators, targets, partners), (strategies, recommendations, progress, evaluations)) =
            try_join(
                try_join4(self.latest_release(), self.indicators(), self.targets(id), self.partners(id)),
                try_join4(
                    self.strategies(id),
                    self.recommendations(id),
                    self.progress_updates(id),
                    self.evaluations(id),
                ),
            )
            .await?;
        // The targets' values from the newest release's rows (ValueSource), with no query more.
        let source = ValueSource::of_release(self, release.as_ref());
        let indicators: std::collections::HashMap<String, crate::Indicator> =
            indicators.into_iter().map(|i| (i.id.clone(), i)).collect();
        // One query of the value table's key range per target: cheaper than one query of all
        // the targets' indicators.
        let (place_ref, source_ref) = (&place, &source);
        let rows = try_join_all(targets.iter().map(|target| async move {
            let query = target_query(place_ref, target);
            self.values_from(&query, source_ref).await
        }))
        .await?;
        let targets = targets
            .into_iter()
            .zip(rows)
            .map(|(target, rows)| {
                let indicator = indicators.get(&target.fields.indicator).cloned();
                target_view_of(target, indicator, rows)
            })
            .collect();
        Ok(Some(PlaceView {
            release,
            partners,
            strategies,
            recommendations,
            targets,
            progress,
            evaluations,
            rule: RULE,
            place,
        }))
    }

    /// A target with its values from the newest release and its assessment.
    ///
    /// # Errors
    /// A failed query.
    pub async fn target_view(&self, place: &Place, target: Target) -> Result<TargetView> {
        let indicator = self.indicator(&target.fields.indicator).await?;
        let rows = self.values(&target_query(place, &target)).await?;
        Ok(target_view_of(target, indicator, rows))
    }
}

/// The rows a target is measured on: the place's whole-area rows of its indicator and sex.
fn target_query(place: &Place, target: &Target) -> ValueQuery {
    ValueQuery {
        indicator: Some(target.fields.indicator.clone()),
        area: Some(place.fields.area_code.clone()),
        sex: Some(target.fields.sex.clone()),
        whole_area: Some(true),
        ..ValueQuery::default()
    }
}

/// A target's view from its indicator (as the newest release defines it) and the place's
/// whole-area rows of that indicator and the target's sex, in the order of `Store::values`.
fn target_view_of(target: Target, indicator: Option<crate::Indicator>, rows: Vec<ValueRow>) -> TargetView {
    let t = &target.fields;
    let better = match t.measure_on {
        MeasureOn::Value => indicator.as_ref().and_then(|i| i.polarity.as_deref()).and_then(Better::of_polarity),
        MeasureOn::Gap | MeasureOn::Sii => Some(Better::NearerZero),
    };
    let computed = compute(t.measure_on, t.goal, &t.baseline_period, t.baseline_value, &t.target_period, &rows);
    let assessment = match &computed.trajectory {
        Some(trajectory) => assess(trajectory, better, &computed.observation),
        None => Assessment::NotAssessable(computed.missing.clone().unwrap_or(NotAssessable::NoBaseline)),
    };
    let assessment_text = match &assessment {
        Assessment::NotAssessable(why) => format!("not assessable: {}", why.reason()),
        other => other.label().to_string(),
    };
    TargetView {
        indicator_name: indicator.map(|i| i.name),
        baseline: computed.baseline,
        target_value: computed.target_value,
        trajectory: computed.trajectory,
        latest: computed.latest,
        assessment,
        assessment_text,
        target,
        rows,
    }
}

/// What a target's rows give.
struct Computed {
    baseline: Option<f64>,
    target_value: Option<f64>,
    trajectory: Option<Trajectory>,
    latest: Option<LatestValue>,
    observation: Observation,
    missing: Option<NotAssessable>,
}

/// The value, lower and upper 95% limits a target on `on` reads from `row`.
fn measured(on: MeasureOn, row: &ValueRow) -> (Option<f64>, Option<f64>, Option<f64>) {
    match on {
        MeasureOn::Value => (row.value, row.lower_95, row.upper_95),
        MeasureOn::Sii => (row.sii, row.sii_lower_95, row.sii_upper_95),
        MeasureOn::Gap => (row.gap_most_minus_least_deprived, None, None),
    }
}

/// Baseline, target value, trajectory and latest observation of a target from its whole-area
/// rows (any order).
fn compute(
    on: MeasureOn,
    goal: Goal,
    baseline_period: &str,
    baseline_given: Option<f64>,
    target_period: &str,
    rows: &[ValueRow],
) -> Computed {
    // A gap or an SII is on the rows that carry one; a value on every row.
    let rows: Vec<&ValueRow> = match on {
        MeasureOn::Value => rows.iter().collect(),
        _ => rows.iter().filter(|r| measured(on, r).0.is_some() || r.value_note.is_some()).collect(),
    };
    let year = |r: &ValueRow| {
        r.time_period_sortable.and_then(|y| i32::try_from(y).ok()).or_else(|| period_end_year(&r.time_period))
    };
    let latest_row = rows.iter().copied().filter(|r| year(r).is_some()).max_by_key(|r| year(r));
    let baseline_year = period_end_year(baseline_period);
    let baseline = baseline_given
        .or_else(|| rows.iter().find(|r| r.time_period == baseline_period).and_then(|r| measured(on, r).0));
    let latest = latest_row.map(|r| {
        let (value, lower_95, upper_95) = measured(on, r);
        LatestValue { period: r.time_period.clone(), value, lower_95, upper_95, note: r.value_note.clone() }
    });
    let observation = match (latest_row, &latest) {
        (Some(row), Some(l)) => Observation::Latest {
            period: l.period.clone(),
            year: year(row).unwrap_or(i32::MIN),
            value: l.value,
            limits_95: l.lower_95.zip(l.upper_95),
            note: l.note.clone(),
        },
        _ if rows.is_empty() => Observation::NoRows,
        _ => Observation::NoDataSinceBaseline,
    };
    let target_value = match (goal, baseline) {
        (Goal::Value(v), _) => Some(v),
        (Goal::Change(d), Some(b)) => Some(b + d),
        (Goal::NarrowerGap(share), Some(b)) => Some(b * (1.0 - share)),
        (Goal::MatchBenchmark, _) => latest_row.and_then(|r| r.benchmark_value),
        _ => None,
    };
    let (trajectory, missing) = match (baseline, target_value, baseline_year, period_end_year(target_period)) {
        _ if rows.is_empty() => (None, Some(NotAssessable::NoRowsForBreakdown)),
        (None, ..) => (None, Some(NotAssessable::NoBaseline)),
        (Some(_), None, ..) if goal == Goal::MatchBenchmark => (None, Some(NotAssessable::NoBenchmark)),
        (Some(baseline), Some(target), Some(baseline_year), Some(target_year)) => {
            (Some(Trajectory { baseline_year, baseline, target_year, target }), None)
        }
        _ => (None, Some(NotAssessable::NoBaseline)),
    };
    Computed { baseline, target_value, trajectory, latest, observation, missing }
}
