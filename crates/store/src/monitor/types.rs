//! The records of the monitoring of places, as written by people (the `…Fields` types) and as
//! stored (with their ids).

use serde::{Deserialize, Serialize};

use crate::error::{Result, StoreError};
use crate::time::is_date;

/// The kinds of place.
pub const PLACE_KINDS: [&str; 8] = ["city", "town", "borough", "county", "region", "ICS", "nation", "other"];

/// The stages of a place's programme, in order.
pub const PLACE_STAGES: [&str; 4] = ["commissioned", "report published", "implementing", "evaluated"];

/// The eight Marmot principles (Marmot Review, "Fair Society, Healthy Lives", 2010, and "Health
/// Equity in England: The Marmot Review 10 Years On", 2020), the themes of a strategy.
pub const MARMOT_PRINCIPLES: [&str; 8] = [
    "Give every child the best start in life",
    "Enable all children, young people and adults to maximise their capabilities and have control over their lives",
    "Create fair employment and good work for all",
    "Ensure a healthy standard of living for all",
    "Create and develop healthy and sustainable places and communities",
    "Strengthen the role and impact of ill health prevention",
    "Tackle racism, discrimination and their outcomes",
    "Pursue environmental sustainability and health equity together",
];

/// The self-assessed statuses of a progress update.
pub const PROGRESS_STATUSES: [&str; 4] = ["on track", "at risk", "off track", "complete"];

/// An organisation (a council, an NHS trust, a charity, …).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrganisationFields {
    /// Its name, unique.
    pub name: String,
    /// Its sector ("local government", "NHS", "voluntary and community", "university", …).
    pub sector: String,
}

/// A stored organisation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Organisation {
    /// Its id.
    pub id: i64,
    /// What it is.
    #[serde(flatten)]
    pub fields: OrganisationFields,
}

/// A place as written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlaceFields {
    /// Its short name in links (`coventry`): lower-case letters, digits and hyphens.
    pub slug: String,
    /// Its name.
    pub name: String,
    /// One of [`PLACE_KINDS`].
    pub kind: String,
    /// The code its values are under: an area of the geography, or a user-defined place
    /// computed from the areas it covers.
    pub area_code: String,
    /// The areas it covers (its own area alone when empty).
    pub covers: Vec<String>,
    /// The area it is compared with (England E92000001, Wales W92000004, …).
    pub benchmark_code: String,
    /// One of [`PLACE_STAGES`].
    pub stage: String,
    /// When the programme was commissioned, `YYYY-MM-DD`.
    pub commissioned_on: Option<String>,
    /// When its report was published.
    pub report_published_on: Option<String>,
    /// When implementation began.
    pub implementing_from: Option<String>,
    /// When it was evaluated.
    pub evaluated_on: Option<String>,
    /// Whether it is made up (the demo's places), to be labelled so wherever shown.
    pub synthetic: bool,
    /// A few words about it.
    pub description: Option<String>,
}

/// A stored place.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Place {
    /// Its id.
    pub id: i64,
    /// What it is.
    #[serde(flatten)]
    pub fields: PlaceFields,
}

/// An organisation's part in a place's programme.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Partner {
    /// The organisation's name.
    pub organisation: String,
    /// Its sector.
    pub sector: String,
    /// Its role ("lead", "partner", "funder", …).
    pub role: String,
}

/// A document of a strategy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// Its title.
    pub title: String,
    /// Its link.
    pub url: String,
}

/// A strategy as written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StrategyFields {
    /// Its title.
    pub title: String,
    /// Its first day, `YYYY-MM-DD`.
    pub starts_on: String,
    /// Its last day.
    pub ends_on: String,
    /// Its themes (usually [`MARMOT_PRINCIPLES`]).
    pub themes: Vec<String>,
    /// Its documents.
    pub documents: Vec<Document>,
}

/// A stored strategy.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Strategy {
    /// Its id.
    pub id: i64,
    /// Its place's id.
    pub place_id: i64,
    /// What it is.
    #[serde(flatten)]
    pub fields: StrategyFields,
}

/// The status of a recommendation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    /// Proposed in the place's report.
    #[serde(rename = "proposed")]
    Proposed,
    /// Agreed by the partners.
    #[serde(rename = "agreed")]
    Agreed,
    /// Being carried out.
    #[serde(rename = "in progress")]
    InProgress,
    /// Done.
    #[serde(rename = "implemented")]
    Implemented,
    /// Given up.
    #[serde(rename = "dropped")]
    Dropped,
}

impl Status {
    /// Every status, in the usual order.
    pub const ALL: [Status; 5] =
        [Status::Proposed, Status::Agreed, Status::InProgress, Status::Implemented, Status::Dropped];

    /// The status in words ("in progress").
    pub fn label(self) -> &'static str {
        match self {
            Status::Proposed => "proposed",
            Status::Agreed => "agreed",
            Status::InProgress => "in progress",
            Status::Implemented => "implemented",
            Status::Dropped => "dropped",
        }
    }

    /// The status named `label`.
    ///
    /// # Errors
    /// Another word.
    pub fn parse(label: &str) -> Result<Status> {
        Status::ALL.into_iter().find(|s| s.label() == label).ok_or_else(|| {
            StoreError::BadInput(format!(
                "the status \"{label}\": expected one of {}",
                Status::ALL.map(|s| s.label()).join(", ")
            ))
        })
    }
}

/// A change of a recommendation's status.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatusChange {
    /// The new status.
    pub status: Status,
    /// When, `YYYY-MM-DD`.
    pub changed_on: String,
    /// Why, or what happened.
    pub note: Option<String>,
    /// A link to the evidence.
    pub evidence_url: Option<String>,
}

/// A recommendation as written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecommendationFields {
    /// Its code, unique in the place ("R1", "3.2").
    pub code: String,
    /// What it recommends.
    pub text: String,
    /// Its Marmot principle or theme.
    pub theme: Option<String>,
    /// "one-year" or "five-year".
    pub horizon: Option<String>,
    /// The name of the organisation that owns it.
    pub owner: Option<String>,
    /// The ids of the indicators it should move.
    pub indicators: Vec<String>,
}

/// A stored recommendation, with its status and its history (oldest first).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Recommendation {
    /// Its id.
    pub id: i64,
    /// Its place's id.
    pub place_id: i64,
    /// What it is.
    #[serde(flatten)]
    pub fields: RecommendationFields,
    /// Its status now (the latest change's).
    pub status: Status,
    /// Every change of status, oldest first.
    pub history: Vec<StatusChange>,
}

/// What a target is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureOn {
    /// The indicator's value for the whole area (for a sex).
    Value,
    /// The gap between the most and the least deprived deciles.
    Gap,
    /// The slope index of inequality across deciles.
    Sii,
}

impl MeasureOn {
    /// "value", "gap" or "sii".
    pub fn label(self) -> &'static str {
        match self {
            MeasureOn::Value => "value",
            MeasureOn::Gap => "gap",
            MeasureOn::Sii => "sii",
        }
    }
}

/// A target's goal.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Goal {
    /// Reach this value.
    Value(f64),
    /// Change by this much from the baseline (negative to fall).
    Change(f64),
    /// Reach the benchmark's value (England's, Wales's, …) in the latest period.
    MatchBenchmark,
    /// Narrow the gap or SII by this share of the baseline (0.2 for a fifth).
    NarrowerGap(f64),
}

impl Goal {
    /// The kind and number as stored.
    pub(crate) fn parts(self) -> (&'static str, Option<f64>) {
        match self {
            Goal::Value(v) => ("value", Some(v)),
            Goal::Change(v) => ("change", Some(v)),
            Goal::MatchBenchmark => ("match benchmark", None),
            Goal::NarrowerGap(v) => ("narrower gap", Some(v)),
        }
    }

    /// The goal from its stored kind and number.
    pub(crate) fn from_parts(kind: &str, number: Option<f64>) -> Option<Goal> {
        Some(match (kind, number) {
            ("value", Some(v)) => Goal::Value(v),
            ("change", Some(v)) => Goal::Change(v),
            ("match benchmark", _) => Goal::MatchBenchmark,
            ("narrower gap", Some(v)) => Goal::NarrowerGap(v),
            _ => return None,
        })
    }
}

/// A target as written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TargetFields {
    /// Its code, unique in the place ("T1").
    pub code: String,
    /// The indicator's id.
    pub indicator: String,
    /// What it is on.
    pub measure_on: MeasureOn,
    /// The sex ("Persons", "Male", "Female").
    pub sex: String,
    /// The baseline's period label, as in the results ("2019 - 21").
    pub baseline_period: String,
    /// The baseline value; filled from the newest release when left out.
    pub baseline_value: Option<f64>,
    /// The goal.
    pub goal: Goal,
    /// The target period's label.
    pub target_period: String,
    /// A note.
    pub note: Option<String>,
}

/// A stored target.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Target {
    /// Its id.
    pub id: i64,
    /// Its place's id.
    pub place_id: i64,
    /// What it is.
    #[serde(flatten)]
    pub fields: TargetFields,
}

/// A progress update as written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProgressFields {
    /// When, `YYYY-MM-DD`.
    pub written_on: String,
    /// One of [`PROGRESS_STATUSES`], as its authors see it.
    pub status: String,
    /// Who wrote it.
    pub author: String,
    /// What happened.
    pub note: String,
    /// The codes of the recommendations it is about.
    pub recommendations: Vec<String>,
}

/// A stored progress update.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProgressUpdate {
    /// Its id.
    pub id: i64,
    /// Its place's id.
    pub place_id: i64,
    /// What it says.
    #[serde(flatten)]
    pub fields: ProgressFields,
}

/// An evaluation as written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvaluationFields {
    /// The question asked.
    pub question: String,
    /// How it was answered.
    pub method: String,
    /// What was found.
    pub findings: String,
    /// When, `YYYY-MM-DD`.
    pub evaluated_on: String,
}

/// A stored evaluation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evaluation {
    /// Its id.
    pub id: i64,
    /// Its place's id.
    pub place_id: i64,
    /// What it is.
    #[serde(flatten)]
    pub fields: EvaluationFields,
}

/// `value` as a required, non-empty field of `what`.
pub(crate) fn required(what: &str, field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(StoreError::BadInput(format!("{what}: the field {field} is empty")));
    }
    Ok(())
}

/// `value` as a date field of `what`.
pub(crate) fn date(what: &str, field: &str, value: &str) -> Result<()> {
    if !is_date(value) {
        return Err(StoreError::BadInput(format!(
            "{what}: the field {field} is \"{value}\": expected a date YYYY-MM-DD"
        )));
    }
    Ok(())
}

/// `value` as one of `allowed` for the field of `what`.
pub(crate) fn one_of(what: &str, field: &str, value: &str, allowed: &[&str]) -> Result<()> {
    if !allowed.contains(&value) {
        return Err(StoreError::BadInput(format!(
            "{what}: the field {field} is \"{value}\": expected one of {}",
            allowed.join(", ")
        )));
    }
    Ok(())
}

impl PlaceFields {
    /// Checks the fields.
    ///
    /// # Errors
    /// An empty name or area code, a slug other than lower-case letters, digits and hyphens,
    /// an unknown kind or stage, or a date that is not `YYYY-MM-DD`.
    pub fn check(&self) -> Result<()> {
        let what = format!("the place \"{}\"", self.slug);
        if self.slug.is_empty() || !self.slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(StoreError::BadInput(format!(
                "{what}: the field slug: expected lower-case letters, digits and hyphens"
            )));
        }
        required(&what, "name", &self.name)?;
        required(&what, "area_code", &self.area_code)?;
        required(&what, "benchmark_code", &self.benchmark_code)?;
        one_of(&what, "kind", &self.kind, &PLACE_KINDS)?;
        one_of(&what, "stage", &self.stage, &PLACE_STAGES)?;
        for (field, value) in [
            ("commissioned_on", &self.commissioned_on),
            ("report_published_on", &self.report_published_on),
            ("implementing_from", &self.implementing_from),
            ("evaluated_on", &self.evaluated_on),
        ] {
            if let Some(value) = value {
                date(&what, field, value)?;
            }
        }
        Ok(())
    }
}

impl StrategyFields {
    /// Checks the fields.
    ///
    /// # Errors
    /// An empty title, dates that are not `YYYY-MM-DD`, or an end before the start.
    pub fn check(&self) -> Result<()> {
        let what = format!("the strategy \"{}\"", self.title);
        required(&what, "title", &self.title)?;
        date(&what, "starts_on", &self.starts_on)?;
        date(&what, "ends_on", &self.ends_on)?;
        if self.ends_on < self.starts_on {
            return Err(StoreError::BadInput(format!(
                "{what}: ends_on {} is before starts_on {}",
                self.ends_on, self.starts_on
            )));
        }
        Ok(())
    }
}

impl RecommendationFields {
    /// Checks the fields.
    ///
    /// # Errors
    /// An empty code or text, or a horizon other than one-year or five-year.
    pub fn check(&self) -> Result<()> {
        let what = format!("the recommendation \"{}\"", self.code);
        required(&what, "code", &self.code)?;
        required(&what, "text", &self.text)?;
        if let Some(horizon) = &self.horizon {
            one_of(&what, "horizon", horizon, &["one-year", "five-year"])?;
        }
        Ok(())
    }
}

impl StatusChange {
    /// Checks the change.
    ///
    /// # Errors
    /// A date that is not `YYYY-MM-DD`.
    pub fn check(&self) -> Result<()> {
        date(&format!("the status change to {}", self.status.label()), "changed_on", &self.changed_on)
    }
}

impl TargetFields {
    /// Checks the fields.
    ///
    /// # Errors
    /// An empty code or indicator, a sex other than Persons, Male or Female, a period without a
    /// four-digit year, a target period before its baseline, or a narrower-gap goal on a value
    /// or with a share outside 0–1.
    pub fn check(&self) -> Result<()> {
        let what = format!("the target \"{}\"", self.code);
        required(&what, "code", &self.code)?;
        required(&what, "indicator", &self.indicator)?;
        one_of(&what, "sex", &self.sex, &["Persons", "Male", "Female"])?;
        let year = |field: &str, label: &str| {
            crate::assess::period_end_year(label).ok_or_else(|| {
                StoreError::BadInput(format!(
                    "{what}: the field {field} is \"{label}\": expected a period such as 2021 or 2019 - 21"
                ))
            })
        };
        let (baseline, target) =
            (year("baseline_period", &self.baseline_period)?, year("target_period", &self.target_period)?);
        if target <= baseline {
            return Err(StoreError::BadInput(format!(
                "{what}: the field target_period \"{}\" is not after the baseline period \"{}\"",
                self.target_period, self.baseline_period
            )));
        }
        if let Goal::NarrowerGap(share) = self.goal {
            if self.measure_on == MeasureOn::Value {
                return Err(StoreError::BadInput(format!(
                    "{what}: a narrower gap is a goal for a gap or an SII, not a value"
                )));
            }
            if !(0.0..=1.0).contains(&share) {
                return Err(StoreError::BadInput(format!(
                    "{what}: the share {share} by which the gap narrows: expected 0 to 1"
                )));
            }
        }
        Ok(())
    }
}

impl ProgressFields {
    /// Checks the fields.
    ///
    /// # Errors
    /// A date that is not `YYYY-MM-DD`, an unknown status, an empty author or note.
    pub fn check(&self) -> Result<()> {
        let what = format!("the progress update of {}", self.written_on);
        date(&what, "written_on", &self.written_on)?;
        one_of(&what, "status", &self.status, &PROGRESS_STATUSES)?;
        required(&what, "author", &self.author)?;
        required(&what, "note", &self.note)
    }
}

impl EvaluationFields {
    /// Checks the fields.
    ///
    /// # Errors
    /// An empty question, method or findings, or a date that is not `YYYY-MM-DD`.
    pub fn check(&self) -> Result<()> {
        let what = format!("the evaluation \"{}\"", self.question);
        required(&what, "question", &self.question)?;
        required(&what, "method", &self.method)?;
        required(&what, "findings", &self.findings)?;
        date(&what, "evaluated_on", &self.evaluated_on)
    }
}
