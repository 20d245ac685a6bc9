//! The place page, `/places/{slug}`: a place's strategy, recommendations with their dated
//! history, targets with their baseline, trajectory, latest value, assessment and chart,
//! progress notes, evaluations and partners; the place's latest indicator values against its
//! benchmark; and the economic case when the data hold excess deaths.
//!
//! [`PlaceModel`] is what the page and the printable report ([`super::report`]) share: the
//! store's [`PlaceView`] with every number formatted for people and every target's series of
//! values read from the newest release.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use store::assess::{period_end_year, Assessment};
use store::{Evaluation, Goal, MeasureOn, Partner, PlaceView, ProgressUpdate, Store, Strategy, TargetView, ValueRow};

use engine::compute::decomposition::YLL_CATEGORY_TYPE;

use crate::auth::CurrentUser;
use crate::charts::{self, Comparison, Mark, Opts};
use crate::{AppState, WebError};

/// A number for people: one decimal place (three below 1 in size), thousands separated by
/// commas; `"–"` for none.
pub(crate) fn number(x: Option<f64>) -> String {
    let Some(x) = x.filter(|x| x.is_finite()) else { return "–".to_string() };
    let text = if x != 0.0 && x.abs() < 1.0 { format!("{x:.3}") } else { format!("{x:.1}") };
    let (sign, digits) = text.strip_prefix('-').map_or(("", text.as_str()), |d| ("-", d));
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if fraction.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{fraction}")
    }
}

/// A number as a `data-value` attribute: the shortest text that reads back as the same f64;
/// empty for none.
pub(crate) fn data_value(x: Option<f64>) -> String {
    x.filter(|x| x.is_finite()).map(|x| x.to_string()).unwrap_or_default()
}

/// "(lower to upper)" for a 95% interval, empty when either limit is missing.
pub(crate) fn interval(lower: Option<f64>, upper: Option<f64>) -> String {
    match (lower, upper) {
        (Some(l), Some(u)) => format!("({} to {})", number(Some(l)), number(Some(u))),
        _ => String::new(),
    }
}

/// A code's key for natural order ("R2" before "R10", "3.2" before "3.10"): its runs of
/// digits as numbers, the text between them as text.
pub(crate) fn natural_key(code: &str) -> Vec<(String, u64)> {
    let mut key = Vec::new();
    let mut text = String::new();
    let mut chars = code.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            let mut digits = String::from(c);
            while let Some(d) = chars.next_if(char::is_ascii_digit) {
                digits.push(d);
            }
            key.push((std::mem::take(&mut text), digits.parse().unwrap_or(u64::MAX)));
        } else {
            text.push(c);
        }
    }
    if !text.is_empty() {
        key.push((text, 0));
    }
    key
}

/// A recommendation's status change, as shown.
pub struct HistoryRow {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// The status it changed to.
    pub status: &'static str,
    /// Why, or what happened.
    pub note: Option<String>,
    /// A link to the evidence.
    pub evidence: Option<String>,
}

/// A recommendation, as shown.
pub struct RecommendationModel {
    /// Its code.
    pub code: String,
    /// What it recommends.
    pub text: String,
    /// Its Marmot principle or theme.
    pub theme: Option<String>,
    /// "one-year" or "five-year".
    pub horizon: Option<String>,
    /// The organisation that owns it.
    pub owner: Option<String>,
    /// The names of the indicators it should move (their ids when the release lacks them).
    pub indicators: Vec<String>,
    /// Its status now.
    pub status: &'static str,
    /// The CSS class of the status (`status-in-progress`).
    pub status_class: String,
    /// Its history, oldest first.
    pub history: Vec<HistoryRow>,
}

/// One period of a target's series.
pub struct SeriesRow {
    /// The period's label.
    pub period: String,
    /// The period's last year (the chart's x).
    pub year: i32,
    /// The value (of the indicator, the gap or the SII).
    pub value: Option<f64>,
    /// Its lower 95% limit.
    pub lower: Option<f64>,
    /// Its upper 95% limit.
    pub upper: Option<f64>,
    /// The trajectory's value in that year, when the target has one.
    pub expected: Option<f64>,
    /// The row's value note.
    pub note: Option<String>,
    /// Its comparison with the benchmark (the colour of its point).
    pub class: Comparison,
}

impl SeriesRow {
    /// The value for people.
    pub fn value_text(&self) -> String {
        number(self.value)
    }
    /// The value as `data-value`.
    pub fn value_data(&self) -> String {
        data_value(self.value)
    }
    /// The lower limit for people.
    pub fn lower_text(&self) -> String {
        number(self.lower)
    }
    /// The upper limit for people.
    pub fn upper_text(&self) -> String {
        number(self.upper)
    }
    /// The trajectory's value for people.
    pub fn expected_text(&self) -> String {
        number(self.expected)
    }
}

/// A target, as shown.
pub struct TargetModel {
    /// Its code.
    pub code: String,
    /// The indicator's id.
    pub indicator_id: String,
    /// The indicator's name (its id when the release lacks it).
    pub indicator_name: String,
    /// The sex.
    pub sex: String,
    /// What it is on, in words ("the value", "the gap between …", "the slope index …").
    pub on: &'static str,
    /// The baseline period.
    pub baseline_period: String,
    /// The baseline value for people.
    pub baseline: String,
    /// The goal in words ("a change of +1.0", "England's value", …).
    pub goal: String,
    /// The target period.
    pub target_period: String,
    /// The value aimed at, for people.
    pub target_value: String,
    /// The trajectory in words, or why there is none.
    pub trajectory: String,
    /// The latest period, value and interval in words.
    pub latest: String,
    /// "on track", "off track" or "not assessable".
    pub assessment: &'static str,
    /// The CSS class of the assessment.
    pub assessment_class: &'static str,
    /// The assessment in words, with the reason when not assessable and the expected value
    /// otherwise.
    pub assessment_text: String,
    /// The target's note.
    pub note: Option<String>,
    /// Its values, by period (oldest first).
    pub series: Vec<SeriesRow>,
    /// The target's row of the data table (the target period and value), when the target
    /// has a trajectory: the chart marks it.
    pub target_row: Option<(String, String, String)>,
    /// The chart of the series and the trajectory (inline SVG), absent when there is neither.
    pub chart: Option<String>,
    /// How many marks the chart has: the rows of the data table.
    pub chart_marks: usize,
}

/// One of the place's latest indicator values against its benchmark.
pub struct IndicatorRow {
    /// The indicator's id.
    pub id: String,
    /// The indicator's name.
    pub name: String,
    /// Its domain (catalogue id), for grouping by Marmot principle.
    pub domain: Option<String>,
    /// The sex.
    pub sex: String,
    /// The period.
    pub period: String,
    /// The value for people.
    pub value: String,
    /// The value as `data-value`.
    pub value_data: String,
    /// Its 95% interval for people.
    pub interval: String,
    /// The benchmark's value for people.
    pub benchmark: String,
    /// The comparison with the benchmark at 95%.
    pub compared: String,
    /// The CSS class of the comparison (`better`, `similar`, `worse`, … `none`).
    pub compared_class: &'static str,
    /// The recent trend.
    pub trend: String,
}

/// A row of the economic case: the deaths in excess of the least deprived decile's rates.
pub struct EconomicRow {
    /// The indicator's name.
    pub name: String,
    /// The sex.
    pub sex: String,
    /// The period.
    pub period: String,
    /// The excess count for people.
    pub excess: String,
    /// The excess count as `data-value`.
    pub excess_data: String,
}

/// The national cost of health inequalities, as published, beside a place's economic case.
///
/// Source: The Marmot Review (2010), *Fair Society, Healthy Lives: Strategic review of health
/// inequalities in England post-2010*, executive summary: had everyone in England the death
/// rates of the most advantaged, 1.3 to 2.5 million more years of life would have been lived;
/// inequality in illness costs £31-33 billion a year in lost productivity and £20-32 billion a
/// year in lost taxes and higher welfare payments, and adds well over £5.5 billion a year to NHS
/// healthcare costs.
pub const NATIONAL_COST: &str = "Nationally, health inequalities in England cost 1.3 to 2.5 million years of life, £31-33 billion a year in lost productivity, £20-32 billion a year in lost taxes and higher welfare payments, and more than £5.5 billion a year in NHS healthcare (The Marmot Review, Fair Society, Healthy Lives, 2010).";

/// One sex and period of the years of life lost to the deprivation gradient.
pub struct LifeYearsRow {
    /// The indicator's name (life expectancy at birth).
    pub name: String,
    /// The sex.
    pub sex: String,
    /// The period.
    pub period: String,
    /// Excess deaths (the bands' sum), for people and as `data-value`.
    pub excess: (String, String),
    /// Years of life lost, for people and as `data-value`.
    pub years: (String, String),
    /// Their value at the place's figure, for people and as `data-value` (empty without one).
    pub value: (String, String),
}

/// The years of life lost to the gradient and their value at the place's stated figure.
pub struct EconomicCase {
    /// One row per sex of the newest period that has them.
    pub rows: Vec<LifeYearsRow>,
    /// The place's figure in words ("£70,000 per year of life (2021 prices): SOURCE"), or none.
    pub valued_at: Option<String>,
}

/// An amount of money for people: whole units, thousands separated, the currency's sign for
/// GBP, EUR and USD ("£18,725,000"), else its code ("CHF 1,000").
pub fn money(amount: f64, currency: &str) -> String {
    let whole = number(Some(amount.round())).trim_end_matches(".0").to_string();
    let (sign, digits) = whole.strip_prefix('-').map_or(("", whole.as_str()), |d| ("-", d));
    match currency {
        "GBP" => format!("{sign}£{digits}"),
        "EUR" => format!("{sign}€{digits}"),
        "USD" => format!("{sign}${digits}"),
        other => format!("{sign}{other} {digits}"),
    }
}

/// The economic case of a place from the rows of years of life lost to the gradient
/// (`engine::compute::decomposition::YLL_CATEGORY_TYPE`, one per band) of its area: for each
/// indicator and sex, the newest period's excess deaths Σₓ excessₓ and years of life lost
/// YLL = Σₓ excessₓ·eₓ (excess deaths at the least deprived decile's death rates, each losing
/// that decile's remaining life expectancy at its age: Gardner and Sanborn 1990), valued at the
/// place's stated figure, YLL × value per life-year (`[economics]` of its place file). `None`
/// when there are no such rows.
pub fn economic_case(rows: &[ValueRow], economics: Option<&store::PlaceEconomics>) -> Option<EconomicCase> {
    let mut keys: Vec<(String, String)> = Vec::new();
    for r in rows {
        let key = (r.indicator_id.clone(), r.sex.clone());
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    let mut out = Vec::new();
    for (indicator, sex) in keys {
        let of: Vec<&ValueRow> = rows.iter().filter(|r| r.indicator_id == indicator && r.sex == sex).collect();
        let Some(newest) = of.iter().map(|r| (r.time_period_sortable, r.time_period.clone())).max() else { continue };
        let period: Vec<&&ValueRow> =
            of.iter().filter(|r| (r.time_period_sortable, &r.time_period) == (newest.0, &newest.1)).collect();
        let excess: f64 = period.iter().filter_map(|r| r.count).sum();
        let years: f64 = period.iter().filter_map(|r| r.value).sum();
        let value = economics.map(|e| years * e.value_per_life_year);
        out.push(LifeYearsRow {
            name: period.first().map_or(indicator.clone(), |r| r.indicator_name.clone()),
            sex,
            period: newest.1,
            excess: (number(Some(excess)), data_value(Some(excess))),
            years: (number(Some(years)), data_value(Some(years))),
            value: match (value, economics) {
                (Some(v), Some(e)) => (money(v, &e.currency), data_value(Some(v))),
                _ => ("–".to_string(), String::new()),
            },
        });
    }
    if out.is_empty() {
        return None;
    }
    let valued_at = economics.map(|e| {
        format!(
            "{} per year of life{}: {}",
            money(e.value_per_life_year, &e.currency),
            e.price_year.map(|y| format!(" ({y} prices)")).unwrap_or_default(),
            e.source
        )
    });
    Some(EconomicCase { rows: out, valued_at })
}

/// Everything the place page and the report show.
pub struct PlaceModel {
    /// The place's id in the store (whose lead may edit it).
    pub id: i64,
    /// The place's slug.
    pub slug: String,
    /// Its name.
    pub name: String,
    /// Whether it is made up (labelled so).
    pub synthetic: bool,
    /// Its kind.
    pub kind: String,
    /// Its programme stage.
    pub stage: String,
    /// The area code its values are under.
    pub area_code: String,
    /// The areas it covers, when more than its own.
    pub covers: Vec<String>,
    /// The code of the area it is compared with.
    pub benchmark_code: String,
    /// A few words about it.
    pub description: Option<String>,
    /// The programme's dates, labelled, those known.
    pub dates: Vec<(&'static str, String)>,
    /// "release NAME of DATE", or none before the first import.
    pub release: Option<String>,
    /// Its strategies.
    pub strategies: Vec<Strategy>,
    /// Its recommendations.
    pub recommendations: Vec<RecommendationModel>,
    /// How many recommendations have each status, every status listed.
    pub status_counts: Vec<(&'static str, usize)>,
    /// Its targets.
    pub targets: Vec<TargetModel>,
    /// How many targets are on track, off track and not assessable.
    pub assessment_counts: Vec<(&'static str, usize)>,
    /// Its progress updates, newest first.
    pub progress: Vec<ProgressUpdate>,
    /// Its evaluations, newest first.
    pub evaluations: Vec<Evaluation>,
    /// Its partners.
    pub partners: Vec<Partner>,
    /// Its latest indicator values.
    pub indicators: Vec<IndicatorRow>,
    /// The economic case's rows (empty when the data hold no excess deaths).
    pub economic: Vec<EconomicRow>,
    /// The years of life lost to the gradient and their value, when the release has them.
    pub economic_case: Option<EconomicCase>,
    /// The national cost of health inequalities, as published ([`NATIONAL_COST`]).
    pub national_cost: &'static str,
    /// The rule the assessments follow.
    pub rule: &'static str,
}

impl PlaceModel {
    /// The model of the place `slug` from the store's newest release.
    ///
    /// # Errors
    /// An unknown place (not found), or a failed query.
    pub async fn load(store: &Store, slug: &str) -> Result<PlaceModel, WebError> {
        let view = store.place_view(slug).await?.ok_or_else(|| WebError::NotFound(format!("the place \"{slug}\"")))?;
        let indicators: std::collections::HashMap<String, store::Indicator> =
            store.indicators().await?.into_iter().map(|i| (i.id.clone(), i)).collect();
        let targets = view.targets.iter().map(target_model).collect();
        let latest = store.area_latest_values(&view.place.fields.area_code).await?;
        let lost = store
            .values(&store::ValueQuery {
                area: Some(view.place.fields.area_code.clone()),
                category_type: Some(YLL_CATEGORY_TYPE.to_string()),
                whole_area: Some(false),
                ..store::ValueQuery::default()
            })
            .await?;
        let economics = store.place_economics(view.place.id).await?;
        let case = economic_case(&lost, economics.as_ref());
        let mut model = model(view, targets, &latest, &indicators);
        model.economic_case = case;
        Ok(model)
    }
}

/// The model from the view, the targets' models and the place's latest whole-area rows.
fn model(
    view: PlaceView,
    targets: Vec<TargetModel>,
    latest: &[ValueRow],
    indicators: &std::collections::HashMap<String, store::Indicator>,
) -> PlaceModel {
    let p = &view.place.fields;
    let name_of = |id: &str| indicators.get(id).map_or_else(|| id.to_string(), |i| i.name.clone());
    let recommendations: Vec<RecommendationModel> = view
        .recommendations
        .iter()
        .map(|r| RecommendationModel {
            code: r.fields.code.clone(),
            text: r.fields.text.clone(),
            theme: r.fields.theme.clone(),
            horizon: r.fields.horizon.clone(),
            owner: r.fields.owner.clone(),
            indicators: r.fields.indicators.iter().map(|i| name_of(i)).collect(),
            status: r.status.label(),
            status_class: format!("status-{}", r.status.label().replace(' ', "-")),
            history: r
                .history
                .iter()
                .map(|h| HistoryRow {
                    date: h.changed_on.clone(),
                    status: h.status.label(),
                    note: h.note.clone(),
                    evidence: h.evidence_url.clone(),
                })
                .collect(),
        })
        .collect();
    let mut recommendations = recommendations;
    recommendations.sort_by_cached_key(|r| natural_key(&r.code));
    let mut targets = targets;
    targets.sort_by_cached_key(|t| natural_key(&t.code));
    let status_counts = store::Status::ALL
        .iter()
        .map(|s| (s.label(), recommendations.iter().filter(|r| r.status == s.label()).count()))
        .collect();
    let assessment_counts = ["on track", "off track", "not assessable"]
        .into_iter()
        .map(|a| (a, targets.iter().filter(|t| t.assessment == a).count()))
        .collect();
    let indicator_rows = latest
        .iter()
        .map(|r| IndicatorRow {
            id: r.indicator_id.clone(),
            name: r.indicator_name.clone(),
            domain: indicators.get(&r.indicator_id).and_then(|i| i.domain.clone()),
            sex: r.sex.clone(),
            period: r.time_period.clone(),
            value: match (&r.value, &r.value_note) {
                (None, Some(note)) => note.clone(),
                _ => number(r.value),
            },
            value_data: data_value(r.value),
            interval: interval(r.lower_95, r.upper_95),
            benchmark: number(r.benchmark_value),
            compared: r.compared_to_benchmark_95.clone().unwrap_or_else(|| "not compared".into()),
            compared_class: comparison_class(r.compared_to_benchmark_95.as_deref()),
            trend: r.recent_trend.clone().unwrap_or_default(),
        })
        .collect();
    let economic = latest
        .iter()
        .filter(|r| r.excess_count.is_some())
        .map(|r| EconomicRow {
            name: r.indicator_name.clone(),
            sex: r.sex.clone(),
            period: r.time_period.clone(),
            excess: number(r.excess_count),
            excess_data: data_value(r.excess_count),
        })
        .collect();
    let dates = [
        ("Commissioned", &p.commissioned_on),
        ("Report published", &p.report_published_on),
        ("Implementing from", &p.implementing_from),
        ("Evaluated", &p.evaluated_on),
    ]
    .into_iter()
    .filter_map(|(label, date)| date.clone().map(|d| (label, d)))
    .collect();
    PlaceModel {
        id: view.place.id,
        slug: p.slug.clone(),
        name: p.name.clone(),
        synthetic: p.synthetic,
        kind: p.kind.clone(),
        stage: p.stage.clone(),
        area_code: p.area_code.clone(),
        covers: p.covers.clone(),
        benchmark_code: p.benchmark_code.clone(),
        description: p.description.clone(),
        dates,
        release: view.release.as_ref().map(|r| format!("release {} of {}", r.name, r.released_on)),
        strategies: view.strategies,
        recommendations,
        status_counts,
        targets,
        assessment_counts,
        progress: view.progress,
        evaluations: view.evaluations,
        partners: view.partners,
        indicators: indicator_rows,
        economic,
        economic_case: None,
        national_cost: NATIONAL_COST,
        rule: view.rule,
    }
}

/// The CSS class of a comparison with the benchmark (the analysts' colours).
pub(crate) fn comparison_class(compared: Option<&str>) -> &'static str {
    match compared.map(str::to_ascii_lowercase).as_deref() {
        Some(c) if c.starts_with("better") => "better",
        Some(c) if c.starts_with("similar") => "similar",
        Some(c) if c.starts_with("worse") => "worse",
        Some(c) if c.starts_with("higher") => "higher",
        Some(c) if c.starts_with("lower") => "lower",
        _ => "none",
    }
}

/// The value, lower and upper 95% limits a target on `on` reads from a row (as the store's
/// assessment reads them).
fn measured(on: MeasureOn, row: &ValueRow) -> (Option<f64>, Option<f64>, Option<f64>) {
    match on {
        MeasureOn::Value => (row.value, row.lower_95, row.upper_95),
        MeasureOn::Sii => (row.sii, row.sii_lower_95, row.sii_upper_95),
        MeasureOn::Gap => (row.gap_most_minus_least_deprived, None, None),
    }
}

/// A target's model from its view (with the whole-area rows it is measured on).
pub(crate) fn target_model(t: &TargetView) -> TargetModel {
    let f = &t.target.fields;
    let mut series: Vec<SeriesRow> = t
        .rows
        .iter()
        .filter_map(|r| {
            let year = r
                .time_period_sortable
                .and_then(|y| i32::try_from(y).ok())
                .or_else(|| period_end_year(&r.time_period))?;
            let (value, lower, upper) = measured(f.measure_on, r);
            if value.is_none() && r.value_note.is_none() {
                // A gap or an SII only on the rows that carry one.
                return None;
            }
            Some(SeriesRow {
                period: r.time_period.clone(),
                year,
                value,
                lower,
                upper,
                expected: t.trajectory.map(|tr| tr.at(year)),
                note: r.value_note.clone(),
                class: match f.measure_on {
                    MeasureOn::Value => Comparison::parse(r.compared_to_benchmark_95.as_deref()),
                    MeasureOn::Gap | MeasureOn::Sii => Comparison::NotCompared,
                },
            })
        })
        .collect();
    series.sort_by_key(|s| s.year);
    let on = match f.measure_on {
        MeasureOn::Value => "the value",
        MeasureOn::Gap => "the gap between the most and the least deprived deciles",
        MeasureOn::Sii => "the slope index of inequality across deprivation deciles",
    };
    let goal = match f.goal {
        Goal::Value(v) => format!("reach {}", number(Some(v))),
        Goal::Change(d) => {
            format!("a change of {}{} from the baseline", if d > 0.0 { "+" } else { "" }, number(Some(d)))
        }
        Goal::MatchBenchmark => "match the benchmark's value".to_string(),
        Goal::NarrowerGap(s) => format!("narrow it by {}%", number(Some(s * 100.0))),
    };
    let trajectory = match t.trajectory {
        Some(tr) => format!(
            "a straight line from {} in {} to {} in {}",
            number(Some(tr.baseline)),
            tr.baseline_year,
            number(Some(tr.target)),
            tr.target_year
        ),
        None => "none: the baseline or the target value is not known".to_string(),
    };
    let latest = match &t.latest {
        Some(l) => match l.value {
            Some(v) => format!("{} in {} {}", number(Some(v)), l.period, interval(l.lower_95, l.upper_95))
                .trim_end()
                .to_string(),
            None => format!("none in {}{}", l.period, l.note.as_ref().map(|n| format!(" ({n})")).unwrap_or_default()),
        },
        None => "no value in the newest release".to_string(),
    };
    let (assessment_class, assessment_text) = match &t.assessment {
        Assessment::OnTrack { expected } => {
            ("on-track", format!("on track: the trajectory expects {} at the latest period", number(Some(*expected))))
        }
        Assessment::OffTrack { expected } => {
            ("off-track", format!("off track: the trajectory expects {} at the latest period", number(Some(*expected))))
        }
        Assessment::NotAssessable(_) => ("not-assessable", t.assessment_text.clone()),
    };
    let indicator_name = t.indicator_name.clone().unwrap_or_else(|| f.indicator.clone());
    let target_row = t
        .trajectory
        .map(|tr| (format!("Target, {}", f.target_period), number(Some(tr.target)), data_value(Some(tr.target))));
    let chart = (!series.is_empty() || t.trajectory.is_some()).then(|| {
        let points: Vec<(i32, Mark)> = series
            .iter()
            .map(|s| {
                (
                    s.year,
                    Mark { label: s.period.clone(), value: s.value, lower: s.lower, upper: s.upper, class: s.class },
                )
            })
            .collect();
        let id: String = format!("target-{}-chart", f.code)
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let title = format!("{}: {} ({}), {}", f.code, indicator_name, f.sex, on);
        let description = format!(
            "{} by period{}, points with 95% interval whiskers{}. Latest: {}. Assessment: {}.",
            on,
            match (series.first(), series.last()) {
                (Some(a), Some(b)) => format!(" from {} to {}", a.period, b.period),
                _ => String::new(),
            },
            if t.trajectory.is_some() {
                format!("; the dashed line is {trajectory}; the diamond marks the target")
            } else {
                String::new()
            },
            latest,
            assessment_text
        );
        let label = format!("Target: {} in {}", number(t.target_value), f.target_period);
        charts::target::target(&points, t.trajectory.as_ref(), &label, &Opts::new(id, title, description))
    });
    let chart_marks = chart.as_ref().map_or(0, |c| c.marks);
    TargetModel {
        code: f.code.clone(),
        indicator_id: f.indicator.clone(),
        indicator_name,
        sex: f.sex.clone(),
        on,
        baseline_period: f.baseline_period.clone(),
        baseline: number(t.baseline),
        goal,
        target_period: f.target_period.clone(),
        target_value: number(t.target_value),
        trajectory,
        latest,
        assessment: t.assessment.label(),
        assessment_class,
        assessment_text,
        note: f.note.clone(),
        series,
        target_row,
        chart: chart.map(|c| c.svg),
        chart_marks,
    }
}

/// The place page's template.
#[derive(Template)]
#[template(path = "place.html")]
struct PlacePage {
    place: PlaceModel,
    /// Where a signed-in lead edits the place: the accounts' part fills it; `None` hides the
    /// edit links.
    edit: Option<String>,
    /// The publications of the place's areas (events helper: `publications_place.html`).
    publications: Vec<store::PublicationHit>,
}

/// `GET /places/{slug}`.
///
/// A signed-in lead of the place (or an administrator) sees the link to its edit page.
pub async fn page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(slug): Path<String>,
) -> Result<Response, WebError> {
    let place = PlaceModel::load(&state.store, &slug).await?;
    let edit = user.filter(|u| u.account.may_edit_place(place.id)).map(|_| format!("/places/{}/edit", place.slug));
    let publications = super::outreach::publications::of_place(&state.store, &place.area_code, &place.covers).await?;
    super::render(&PlacePage { place, edit, publications })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_for_people() {
        assert_eq!(number(Some(1234567.891)), "1,234,567.9");
        assert_eq!(number(Some(-1234.5)), "-1,234.5");
        assert_eq!(number(Some(80.04)), "80.0");
        assert_eq!(number(Some(0.12345)), "0.123");
        assert_eq!(number(Some(999.96)), "1,000.0");
        assert_eq!(number(Some(0.0)), "0.0");
        assert_eq!(number(None), "–");
        assert_eq!(number(Some(f64::NAN)), "–");
        assert_eq!(interval(Some(1.0), Some(2.26)), "(1.0 to 2.3)");
        assert_eq!(interval(Some(1.0), None), "");
        assert_eq!(data_value(Some(0.1)), "0.1");
    }

    #[test]
    fn money_for_people() {
        assert_eq!(money(18_725_000.4, "GBP"), "£18,725,000");
        assert_eq!(money(-1234.6, "EUR"), "-€1,235");
        assert_eq!(money(999.0, "CHF"), "CHF 999");
    }

    #[test]
    fn codes_in_natural_order() {
        let mut codes = vec!["R10", "R2", "R1", "3.10", "3.2", "R", "R1a"];
        codes.sort_by_key(|c| natural_key(c));
        assert_eq!(codes, ["3.2", "3.10", "R", "R1", "R1a", "R2", "R10"]);
    }
}
