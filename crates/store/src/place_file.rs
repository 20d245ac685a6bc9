//! Place files: a place with its organisations and partners, strategy, recommendations (with
//! their status history), targets, progress updates and evaluations, in a TOML file a
//! programme lead can write (see `examples/place-*.toml`).
//!
//! [`PlaceFile::parse`] reads a file; [`Store::import_place_file`] checks it against the store
//! (every indicator and area known, every owner an organisation of the file or the store, no
//! code twice, every target period after its baseline, …) and stores it in one transaction, or
//! refuses it whole with every mistake named by file, line and field. [`Store::export_place`]
//! writes a place back in the same format.
//!
//! Dates are TOML dates, written bare: `commissioned = 2023-01-15`.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use toml::value::Datetime;
use toml::Spanned;

use crate::error::{Context, Result, StoreError};
use crate::monitor::{
    self, Document, EvaluationFields, Goal, MeasureOn, OrganisationFields, PlaceFields, ProgressFields,
    RecommendationFields, Status, StatusChange, StrategyFields, TargetFields,
};
use crate::{Actor, Store};

/// A place file.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceFile {
    /// The place.
    pub place: PlaceSection,
    /// Organisations: partners of the place (with a role) or owners of its recommendations.
    #[serde(default, rename = "organisation", skip_serializing_if = "Vec::is_empty")]
    pub organisations: Vec<OrganisationSection>,
    /// Its five-year strategy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<StrategySection>,
    /// Its recommendations.
    #[serde(default, rename = "recommendation", skip_serializing_if = "Vec::is_empty")]
    pub recommendations: Vec<RecommendationSection>,
    /// Its targets.
    #[serde(default, rename = "target", skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<TargetSection>,
    /// Its progress updates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub progress: Vec<ProgressSection>,
    /// Its evaluations.
    #[serde(default, rename = "evaluation", skip_serializing_if = "Vec::is_empty")]
    pub evaluations: Vec<EvaluationSection>,
    /// The figures its economic case is valued at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub economics: Option<PlaceEconomics>,
}

/// `[economics]`: the figures a place states for its economic case, the value of the years of
/// life lost to the deprivation gradient (years × `value_per_life_year`). The place chooses
/// and cites them (for example HM Treasury's Green Book value of a QALY, £70,000 at 2020/21
/// prices); Fairer values nothing by itself.
///
/// ```toml
/// [economics]
/// value_per_life_year = 70000
/// currency = "GBP"
/// price_year = 2021
/// source = "HM Treasury, The Green Book (2022): £70,000 per QALY, 2020/21 prices"
/// ```
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PlaceEconomics {
    /// The value of one year of life, in `currency` (above 0).
    pub value_per_life_year: f64,
    /// The currency, as an ISO 4217 code ("GBP" when left out).
    #[serde(default = "pounds")]
    pub currency: String,
    /// The year of the prices, when stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_year: Option<i32>,
    /// Where the figure comes from (not empty).
    pub source: String,
}

fn pounds() -> String {
    "GBP".to_string()
}

impl PlaceEconomics {
    /// The problem with the figures, if any: a value that is not a finite number above 0, a
    /// currency that is not three capital letters, an empty source.
    pub fn problem(&self) -> Option<String> {
        if !(self.value_per_life_year.is_finite() && self.value_per_life_year > 0.0) {
            return Some(format!("value_per_life_year: expected a number above 0, found {}", self.value_per_life_year));
        }
        if self.currency.len() != 3 || !self.currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Some(format!("currency: expected an ISO 4217 code such as GBP, found \"{}\"", self.currency));
        }
        if self.source.trim().is_empty() {
            return Some("source: say where the value comes from".into());
        }
        None
    }
}

/// `[place]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceSection {
    /// Short name in links: lower-case letters, digits, hyphens.
    pub slug: Spanned<String>,
    /// Name.
    pub name: String,
    /// city, town, borough, county, region, ICS, nation or other.
    pub kind: Spanned<String>,
    /// The code its values are under.
    pub area: Spanned<String>,
    /// The areas it covers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub covers: Vec<Spanned<String>>,
    /// The area it is compared with (England E92000001 when left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub benchmark: Option<Spanned<String>>,
    /// commissioned, report published, implementing or evaluated.
    pub stage: Spanned<String>,
    /// Dates of the programme's stages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commissioned: Option<Spanned<Datetime>>,
    /// When its report was published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_published: Option<Spanned<Datetime>>,
    /// When implementation began.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub implementing_from: Option<Spanned<Datetime>>,
    /// When it was evaluated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluated: Option<Spanned<Datetime>>,
    /// Whether the place is made up.
    #[serde(default)]
    pub synthetic: bool,
    /// A few words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `[[organisation]]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OrganisationSection {
    /// Its name.
    pub name: Spanned<String>,
    /// Its sector.
    pub sector: String,
    /// Its role in the place, when a partner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

/// `[strategy]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StrategySection {
    /// Its title.
    pub title: String,
    /// Its first day.
    pub starts: Spanned<Datetime>,
    /// Its last day.
    pub ends: Spanned<Datetime>,
    /// Its themes (the Marmot principles).
    #[serde(default)]
    pub themes: Vec<String>,
    /// Its documents.
    #[serde(default)]
    pub documents: Vec<Document>,
}

/// One entry of a recommendation's `history`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryEntry {
    /// proposed, agreed, in progress, implemented or dropped.
    pub status: Status,
    /// When.
    pub on: Spanned<Datetime>,
    /// A note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// A link to the evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

/// `[[recommendation]]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RecommendationSection {
    /// Its code, unique in the place.
    pub code: Spanned<String>,
    /// What it recommends.
    pub text: String,
    /// Its theme.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
    /// one-year or five-year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub horizon: Option<Spanned<String>>,
    /// The organisation that owns it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Spanned<String>>,
    /// The indicators it should move.
    #[serde(default)]
    pub indicators: Vec<Spanned<String>>,
    /// Its statuses, oldest first (proposed on the first day when left out).
    #[serde(default)]
    pub history: Vec<HistoryEntry>,
}

/// `[[target]]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TargetSection {
    /// Its code, unique in the place.
    pub code: Spanned<String>,
    /// The indicator.
    pub indicator: Spanned<String>,
    /// value, gap or sii.
    #[serde(default = "value_on")]
    pub on: MeasureOn,
    /// Persons, Male or Female.
    #[serde(default = "persons")]
    pub sex: Spanned<String>,
    /// The baseline's period, as in the results.
    pub baseline_period: Spanned<String>,
    /// The baseline value (from the data when left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_value: Option<f64>,
    /// `{ value = 80.0 }`, `{ change = -10.0 }`, `"match_benchmark"` or `{ narrower_gap = 0.2 }`.
    pub goal: Spanned<Goal>,
    /// The target period.
    pub target_period: Spanned<String>,
    /// A note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn value_on() -> MeasureOn {
    MeasureOn::Value
}

fn persons() -> Spanned<String> {
    Spanned::new(0..0, "Persons".to_string())
}

/// `[[progress]]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProgressSection {
    /// When written.
    pub on: Spanned<Datetime>,
    /// on track, at risk, off track or complete.
    pub status: Spanned<String>,
    /// Who wrote it.
    pub author: String,
    /// What happened.
    pub note: String,
    /// The recommendations it is about, by code.
    #[serde(default)]
    pub recommendations: Vec<Spanned<String>>,
}

/// `[[evaluation]]`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluationSection {
    /// The question.
    pub question: String,
    /// The method.
    pub method: String,
    /// The findings.
    pub findings: String,
    /// When.
    pub on: Spanned<Datetime>,
}

/// The mistakes found in a place file, each `FILE:LINE: field: what`.
fn refused(file: &str, problems: &[String]) -> StoreError {
    StoreError::BadInput(format!(
        "{file}: the place file is refused, nothing was stored:\n{}",
        problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n")
    ))
}

/// Gathers the mistakes of one file.
struct Problems<'a> {
    file: &'a str,
    text: &'a str,
    list: Vec<String>,
}

impl Problems<'_> {
    /// The 1-based line of byte `offset`.
    fn line(&self, offset: usize) -> usize {
        self.text[..offset.min(self.text.len())].bytes().filter(|&b| b == b'\n').count() + 1
    }

    /// Adds a mistake at `span` (`0..0` when not from the file: the first line).
    fn add(&mut self, span: std::ops::Range<usize>, field: &str, message: impl std::fmt::Display) {
        let line = self.line(span.start);
        self.list.push(format!("{}:{line}: {field}: {message}", self.file));
    }
}

/// A TOML date as `YYYY-MM-DD`, or a mistake.
fn date_of(problems: &mut Problems<'_>, field: &str, value: &Spanned<Datetime>) -> String {
    let d = value.get_ref();
    match (d.date, d.time) {
        (Some(date), None) if d.offset.is_none() => date.to_string(),
        _ => {
            problems.add(value.span(), field, format!("{d}: expected a date such as 2024-04-01"));
            String::new()
        }
    }
}

impl PlaceFile {
    /// Reads a place file's text (`file` names it in errors).
    ///
    /// # Errors
    /// Text that is not TOML or not a place file (an unknown field, a missing one, a wrong
    /// type), named by file, line and column.
    pub fn parse(file: &str, text: &str) -> Result<PlaceFile> {
        toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            let message = e.message().trim().to_string();
            refused(file, &[format!("{file}:{}: {message}", line.map_or("?".to_string(), |l| l.to_string()))])
        })
    }

    /// The file as TOML text.
    ///
    /// # Errors
    /// A value TOML cannot hold (never for a file read or exported).
    pub fn to_toml(&self) -> Result<String> {
        toml::to_string_pretty(self).map_err(|e| StoreError::BadInput(format!("writing the place file: {e}")))
    }
}

/// What a checked file stores.
struct Checked {
    place: PlaceFields,
    organisations: Vec<(OrganisationFields, Option<String>)>,
    strategy: Option<StrategyFields>,
    recommendations: Vec<(RecommendationFields, Vec<StatusChange>)>,
    targets: Vec<TargetFields>,
    progress: Vec<ProgressFields>,
    evaluations: Vec<EvaluationFields>,
}

impl Store {
    /// Checks `file` (read from the file named `name`) against the store and stores it in one
    /// transaction, replacing a stored place of the same slug when `replace` (else refusing
    /// it). Organisations the store lacks are added. Returns the place's slug.
    ///
    /// # Errors
    /// Every mistake of the file at once, each with file, line and field: an unknown
    /// indicator, area or organisation; a code or organisation twice; a target period not
    /// after its baseline; a date that is not a date; a kind, stage, sex, horizon or status
    /// not among those allowed; a progress update about a recommendation the file lacks. A
    /// place already stored (without `replace`). A failed statement. Nothing is stored then.
    pub async fn import_place_file(
        &self,
        name: &str,
        text: &str,
        file: &PlaceFile,
        actor: &Actor,
        replace: bool,
    ) -> Result<String> {
        let checked = self.check_place_file(name, text, file).await?;
        let slug = checked.place.slug.clone();
        let what = format!("the place \"{slug}\"");
        let mut tx = self.begin_write().await?;
        let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM place WHERE slug = $1")
            .bind(&slug)
            .fetch_optional(&mut *tx)
            .await
            .context(|| format!("reading {what}"))?;
        if let Some(id) = existing {
            if !replace {
                return Err(StoreError::Conflict(format!(
                    "{name}: {what} is already stored: import with --replace to replace it, or change it with fairer place update"
                )));
            }
            let before = sqlx::query_scalar::<_, String>("SELECT name FROM place WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await
                .context(|| format!("reading {what}"))?;
            sqlx::query("DELETE FROM place WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .context(|| format!("replacing {what}"))?;
            crate::audit::record::<_, ()>(&mut tx, actor, "place", &id.to_string(), "delete", Some(&before), None)
                .await?;
        }
        for (org, _) in &checked.organisations {
            let known: Option<i64> = sqlx::query_scalar("SELECT id FROM organisation WHERE name = $1")
                .bind(&org.name)
                .fetch_optional(&mut *tx)
                .await
                .context(|| format!("reading the organisation {}", org.name))?;
            if known.is_none() {
                monitor::create_organisation_in(&mut tx, actor, org).await?;
            }
        }
        let place = monitor::create_place_in(&mut tx, actor, &checked.place).await?;
        let economics = match &file.economics {
            Some(e) => Some(
                serde_json::to_string(e).map_err(|e| StoreError::BadInput(format!("the economics of {what}: {e}")))?,
            ),
            None => None,
        };
        sqlx::query("UPDATE place SET economics = $2 WHERE id = $1")
            .bind(place.id)
            .bind(economics)
            .execute(&mut *tx)
            .await
            .context(|| format!("storing the economics of {what}"))?;
        for (org, role) in &checked.organisations {
            if let Some(role) = role {
                monitor::set_partner_in(&mut tx, actor, place.id, &org.name, role).await?;
            }
        }
        if let Some(strategy) = &checked.strategy {
            monitor::create_strategy_in(&mut tx, actor, place.id, strategy).await?;
        }
        for (rec, history) in &checked.recommendations {
            let Some((first, rest)) = history.split_first() else { continue };
            let stored = monitor::create_recommendation_in(&mut tx, actor, place.id, rec, first).await?;
            for change in rest {
                monitor::set_recommendation_status_in(&mut tx, actor, stored.id, change).await?;
            }
        }
        for target in &checked.targets {
            monitor::create_target_in(&mut tx, actor, place.id, target).await?;
        }
        for progress in &checked.progress {
            monitor::create_progress_in(&mut tx, actor, place.id, progress).await?;
        }
        for evaluation in &checked.evaluations {
            monitor::create_evaluation_in(&mut tx, actor, place.id, evaluation).await?;
        }
        tx.commit().await.context(|| format!("storing {what}"))?;
        Ok(slug)
    }

    /// Checks a place file against the store; every mistake is gathered.
    async fn check_place_file(&self, name: &str, text: &str, file: &PlaceFile) -> Result<Checked> {
        let mut p = Problems { file: name, text, list: Vec::new() };
        let areas: HashSet<String> = self.areas(None).await?.into_iter().map(|a| a.code).collect();
        let indicators: HashSet<String> = self.indicators().await?.into_iter().map(|i| i.id).collect();
        let stored_orgs: HashSet<String> = self.organisations().await?.into_iter().map(|o| o.fields.name).collect();
        let no_data = if areas.is_empty() { " (the store holds no release yet: import results first)" } else { "" };

        let s = &file.place;
        let area = |p: &mut Problems<'_>, field: &str, code: &Spanned<String>| {
            if !areas.contains(code.get_ref()) {
                p.add(code.span(), field, format!("unknown area \"{}\"{no_data}", code.get_ref()));
            }
        };
        area(&mut p, "place.area", &s.area);
        for code in &s.covers {
            area(&mut p, "place.covers", code);
        }
        if let Some(b) = &s.benchmark {
            area(&mut p, "place.benchmark", b);
        }
        let date =
            |p: &mut Problems<'_>, field: &str, d: &Option<Spanned<Datetime>>| d.as_ref().map(|d| date_of(p, field, d));
        let place = PlaceFields {
            slug: s.slug.get_ref().clone(),
            name: s.name.clone(),
            kind: s.kind.get_ref().clone(),
            area_code: s.area.get_ref().clone(),
            covers: s.covers.iter().map(|c| c.get_ref().clone()).collect(),
            benchmark_code: s.benchmark.as_ref().map_or("E92000001".to_string(), |b| b.get_ref().clone()),
            stage: s.stage.get_ref().clone(),
            commissioned_on: date(&mut p, "place.commissioned", &s.commissioned),
            report_published_on: date(&mut p, "place.report_published", &s.report_published),
            implementing_from: date(&mut p, "place.implementing_from", &s.implementing_from),
            evaluated_on: date(&mut p, "place.evaluated", &s.evaluated),
            synthetic: s.synthetic,
            description: s.description.clone(),
        };
        if p.list.is_empty() {
            if let Err(e) = place.check() {
                p.add(s.slug.span(), "place", e);
            }
        }
        if let Some(problem) = file.economics.as_ref().and_then(PlaceEconomics::problem) {
            p.add(s.slug.span(), "economics", problem);
        }

        let mut org_names = HashSet::new();
        let mut organisations = Vec::new();
        for o in &file.organisations {
            if !org_names.insert(o.name.get_ref().clone()) {
                p.add(o.name.span(), "organisation.name", format!("\"{}\" is listed twice", o.name.get_ref()));
            }
            organisations.push((
                OrganisationFields { name: o.name.get_ref().clone(), sector: o.sector.clone() },
                o.role.clone(),
            ));
        }

        let strategy = file.strategy.as_ref().map(|st| {
            let fields = StrategyFields {
                title: st.title.clone(),
                starts_on: date_of(&mut p, "strategy.starts", &st.starts),
                ends_on: date_of(&mut p, "strategy.ends", &st.ends),
                themes: st.themes.clone(),
                documents: st.documents.clone(),
            };
            if !fields.starts_on.is_empty() && !fields.ends_on.is_empty() {
                if let Err(e) = fields.check() {
                    p.add(st.starts.span(), "strategy", e);
                }
            }
            fields
        });

        let mut codes = HashSet::new();
        let mut recommendations = Vec::new();
        for r in &file.recommendations {
            if !codes.insert(r.code.get_ref().clone()) {
                p.add(r.code.span(), "recommendation.code", format!("\"{}\" is used twice", r.code.get_ref()));
            }
            if let Some(owner) = &r.owner {
                if !org_names.contains(owner.get_ref()) && !stored_orgs.contains(owner.get_ref()) {
                    p.add(
                        owner.span(),
                        "recommendation.owner",
                        format!("unknown organisation \"{}\": list it under [[organisation]]", owner.get_ref()),
                    );
                }
            }
            for i in &r.indicators {
                if !indicators.contains(i.get_ref()) {
                    p.add(
                        i.span(),
                        "recommendation.indicators",
                        format!("unknown indicator \"{}\"{no_data}", i.get_ref()),
                    );
                }
            }
            let fields = RecommendationFields {
                code: r.code.get_ref().clone(),
                text: r.text.clone(),
                theme: r.theme.clone(),
                horizon: r.horizon.as_ref().map(|h| h.get_ref().clone()),
                owner: r.owner.as_ref().map(|o| o.get_ref().clone()),
                indicators: r.indicators.iter().map(|i| i.get_ref().clone()).collect(),
            };
            if let Err(e) = fields.check() {
                p.add(r.code.span(), "recommendation", e);
            }
            let mut history: Vec<StatusChange> = r
                .history
                .iter()
                .map(|h| StatusChange {
                    status: h.status,
                    changed_on: date_of(&mut p, "recommendation.history.on", &h.on),
                    note: h.note.clone(),
                    evidence_url: h.evidence.clone(),
                })
                .collect();
            if history.is_empty() {
                let first_day = place
                    .commissioned_on
                    .clone()
                    .or(place.report_published_on.clone())
                    .unwrap_or_else(crate::utc_today);
                history.push(StatusChange {
                    status: Status::Proposed,
                    changed_on: first_day,
                    note: None,
                    evidence_url: None,
                });
            }
            for pair in r.history.windows(2) {
                if pair[1].on.get_ref().to_string() < pair[0].on.get_ref().to_string() {
                    p.add(
                        pair[1].on.span(),
                        "recommendation.history.on",
                        "earlier than the entry before it: list the history oldest first",
                    );
                }
            }
            recommendations.push((fields, history));
        }

        let mut target_codes = HashSet::new();
        let mut targets = Vec::new();
        for t in &file.targets {
            if !target_codes.insert(t.code.get_ref().clone()) {
                p.add(t.code.span(), "target.code", format!("\"{}\" is used twice", t.code.get_ref()));
            }
            if !indicators.contains(t.indicator.get_ref()) {
                p.add(
                    t.indicator.span(),
                    "target.indicator",
                    format!("unknown indicator \"{}\"{no_data}", t.indicator.get_ref()),
                );
            }
            let fields = TargetFields {
                code: t.code.get_ref().clone(),
                indicator: t.indicator.get_ref().clone(),
                measure_on: t.on,
                sex: t.sex.get_ref().clone(),
                baseline_period: t.baseline_period.get_ref().clone(),
                baseline_value: t.baseline_value,
                goal: *t.goal.get_ref(),
                target_period: t.target_period.get_ref().clone(),
                note: t.note.clone(),
            };
            if let Err(e) = fields.check() {
                let text = e.to_string();
                let (span, field) = if text.contains("target_period") {
                    (t.target_period.span(), "target.target_period")
                } else if text.contains("baseline_period") {
                    (t.baseline_period.span(), "target.baseline_period")
                } else if text.contains("field sex") {
                    (t.sex.span(), "target.sex")
                } else if text.contains("gap") {
                    (t.goal.span(), "target.goal")
                } else {
                    (t.code.span(), "target")
                };
                p.add(span, field, e);
            }
            targets.push(fields);
        }

        let mut progress = Vec::new();
        for u in &file.progress {
            for code in &u.recommendations {
                if !codes.contains(code.get_ref()) {
                    p.add(
                        code.span(),
                        "progress.recommendations",
                        format!("no recommendation \"{}\" in this file", code.get_ref()),
                    );
                }
            }
            let fields = ProgressFields {
                written_on: date_of(&mut p, "progress.on", &u.on),
                status: u.status.get_ref().clone(),
                author: u.author.clone(),
                note: u.note.clone(),
                recommendations: u.recommendations.iter().map(|c| c.get_ref().clone()).collect(),
            };
            if !fields.written_on.is_empty() {
                if let Err(e) = fields.check() {
                    p.add(u.status.span(), "progress", e);
                }
            }
            progress.push(fields);
        }

        let mut evaluations = Vec::new();
        for e in &file.evaluations {
            let fields = EvaluationFields {
                question: e.question.clone(),
                method: e.method.clone(),
                findings: e.findings.clone(),
                evaluated_on: date_of(&mut p, "evaluation.on", &e.on),
            };
            if !fields.evaluated_on.is_empty() {
                if let Err(error) = fields.check() {
                    p.add(e.on.span(), "evaluation", error);
                }
            }
            evaluations.push(fields);
        }

        if !p.list.is_empty() {
            return Err(refused(name, &p.list));
        }
        Ok(Checked { place, organisations, strategy, recommendations, targets, progress, evaluations })
    }

    /// The place whose slug is `slug` as a place file (its organisations: its partners and
    /// the owners of its recommendations).
    ///
    /// # Errors
    /// An unknown slug, a stored date that is not a date, or a failed query.
    pub async fn export_place(&self, slug: &str) -> Result<PlaceFile> {
        let place = self.place(slug).await?.ok_or_else(|| StoreError::NotFound(format!("the place \"{slug}\"")))?;
        let f = &place.fields;
        let date = |d: &str| -> Result<Spanned<Datetime>> {
            d.parse::<Datetime>()
                .map(|d| Spanned::new(0..0, d))
                .map_err(|e| StoreError::BadInput(format!("the stored date \"{d}\": {e}")))
        };
        let opt_date = |d: &Option<String>| d.as_deref().map(date).transpose();
        let s = |v: &str| Spanned::new(0..0, v.to_string());
        let partners = self.partners(place.id).await?;
        let recommendations = self.recommendations(place.id).await?;
        let mut organisations: Vec<OrganisationSection> = partners
            .iter()
            .map(|p| OrganisationSection {
                name: s(&p.organisation),
                sector: p.sector.clone(),
                role: Some(p.role.clone()),
            })
            .collect();
        for owner in recommendations.iter().filter_map(|r| r.fields.owner.as_ref()) {
            if !organisations.iter().any(|o| o.name.get_ref() == owner) {
                let sector = self.organisation(owner).await?.map(|o| o.fields.sector).unwrap_or_default();
                organisations.push(OrganisationSection { name: s(owner), sector, role: None });
            }
        }
        let strategy = match self.strategies(place.id).await?.pop() {
            Some(st) => Some(StrategySection {
                title: st.fields.title,
                starts: date(&st.fields.starts_on)?,
                ends: date(&st.fields.ends_on)?,
                themes: st.fields.themes,
                documents: st.fields.documents,
            }),
            None => None,
        };
        let mut recs = Vec::new();
        for r in recommendations {
            let mut history = Vec::new();
            for h in &r.history {
                history.push(HistoryEntry {
                    status: h.status,
                    on: date(&h.changed_on)?,
                    note: h.note.clone(),
                    evidence: h.evidence_url.clone(),
                });
            }
            recs.push(RecommendationSection {
                code: s(&r.fields.code),
                text: r.fields.text,
                theme: r.fields.theme,
                horizon: r.fields.horizon.as_deref().map(s),
                owner: r.fields.owner.as_deref().map(s),
                indicators: r.fields.indicators.iter().map(|i| s(i)).collect(),
                history,
            });
        }
        let targets = self
            .targets(place.id)
            .await?
            .into_iter()
            .map(|t| TargetSection {
                code: s(&t.fields.code),
                indicator: s(&t.fields.indicator),
                on: t.fields.measure_on,
                sex: s(&t.fields.sex),
                baseline_period: s(&t.fields.baseline_period),
                baseline_value: t.fields.baseline_value,
                goal: Spanned::new(0..0, t.fields.goal),
                target_period: s(&t.fields.target_period),
                note: t.fields.note,
            })
            .collect();
        let mut progress = Vec::new();
        for u in self.progress_updates(place.id).await?.into_iter().rev() {
            progress.push(ProgressSection {
                on: date(&u.fields.written_on)?,
                status: s(&u.fields.status),
                author: u.fields.author,
                note: u.fields.note,
                recommendations: u.fields.recommendations.iter().map(|c| s(c)).collect(),
            });
        }
        let mut evaluations = Vec::new();
        for e in self.evaluations(place.id).await?.into_iter().rev() {
            evaluations.push(EvaluationSection {
                question: e.fields.question,
                method: e.fields.method,
                findings: e.fields.findings,
                on: date(&e.fields.evaluated_on)?,
            });
        }
        Ok(PlaceFile {
            place: PlaceSection {
                slug: s(&f.slug),
                name: f.name.clone(),
                kind: s(&f.kind),
                area: s(&f.area_code),
                covers: f.covers.iter().map(|c| s(c)).collect(),
                benchmark: Some(s(&f.benchmark_code)),
                stage: s(&f.stage),
                commissioned: opt_date(&f.commissioned_on)?,
                report_published: opt_date(&f.report_published_on)?,
                implementing_from: opt_date(&f.implementing_from)?,
                evaluated: opt_date(&f.evaluated_on)?,
                synthetic: f.synthetic,
                description: f.description.clone(),
            },
            organisations,
            strategy,
            recommendations: recs,
            targets,
            progress,
            evaluations,
            economics: self.place_economics(place.id).await?,
        })
    }

    /// The figures place `place_id` states for its economic case (its file's `[economics]`),
    /// `None` when it states none or the place is unknown.
    ///
    /// # Errors
    /// A failed query, or stored text that is not the figures.
    pub async fn place_economics(&self, place_id: i64) -> Result<Option<PlaceEconomics>> {
        let text: Option<Option<String>> = sqlx::query_scalar("SELECT economics FROM place WHERE id = $1")
            .bind(place_id)
            .fetch_optional(self.pool())
            .await
            .context(|| format!("reading the economics of the place {place_id}"))?;
        match text.flatten() {
            None => Ok(None),
            Some(t) => serde_json::from_str(&t)
                .map(Some)
                .map_err(|e| StoreError::BadInput(format!("the stored economics of the place {place_id}: {e}"))),
        }
    }
}
