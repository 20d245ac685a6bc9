//! ICB scorecards' store data (issue 14, `docs/scorecard.md` §5): what each Integrated Care
//! Board reports it spent of its inequalities allocation ([`FundingRow`], imported a file at a
//! time), and its readiness self-assessments for children and young people's health equity
//! ([`ReadinessAssessment`]: answers scored 0–3 against the questions of
//! `catalogues/cyp_readiness.toml`, an action plan, and the history of every assessment).
//!
//! Rules: a submitted assessment never changes; starting a new one copies the latest submitted
//! assessment's answers and unfinished actions into a draft; the latest submitted is current.
//! Who may write an ICB's assessment: an administrator, or the lead of the place of kind `ICS`
//! whose area code is the ICB's ([`Store::place_by_area`], [`Store::may_edit_icb`]). Every write
//! runs in one transaction with its audit row (entity `readiness` or `funding`; the audit's
//! place is set when the ICB is a place).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::audit::record;
use crate::error::{Context, Result, StoreError};
use crate::{utc_now, utc_today, Account, Actor, Place, Store};

/// The shipped readiness tool's text (`catalogues/cyp_readiness.toml`).
pub const READINESS_TOOL_TOML: &str = include_str!("../../../catalogues/cyp_readiness.toml");

/// The file name the shipped tool's errors name.
const READINESS_TOOL_FILE: &str = "catalogues/cyp_readiness.toml";

/// The highest answer score (the scale runs 0 … `MAX_SCORE`).
pub const MAX_SCORE: i64 = 3;

// ----- the readiness tool -----

/// The readiness self-assessment's questions, by theme, with the answer scale (the TOML file
/// `catalogues/cyp_readiness.toml`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadinessTool {
    /// What the tool is and where it comes from.
    pub tool: ToolInfo,
    /// The themes, in order.
    #[serde(rename = "theme")]
    pub themes: Vec<ReadinessTheme>,
}

/// The tool's description.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolInfo {
    /// Its id.
    pub id: String,
    /// Its version, stored with every assessment.
    pub version: String,
    /// Its name.
    pub name: String,
    /// The source it follows, in words.
    pub source: String,
    /// The source's address.
    pub source_url: String,
    /// Whether any theme or question is not checked against the source.
    pub provisional: bool,
    /// The labels of the scores 0 … 3, in order.
    pub scale: Vec<String>,
    /// The statuses an action may have.
    pub action_statuses: Vec<String>,
}

/// A theme of the tool and its questions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadinessTheme {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Whether it is not checked against the source.
    pub provisional: bool,
    /// Its questions.
    #[serde(rename = "question")]
    pub questions: Vec<ReadinessQuestion>,
}

/// A question, answered with a score 0 … 3.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadinessQuestion {
    /// Its id (unique in the tool).
    pub id: String,
    /// Its text.
    pub text: String,
}

/// A theme's score: the mean of its answers × 100 / 3 (`None` when a question is unanswered).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ThemeResult {
    /// The theme's id.
    pub id: String,
    /// The theme's name.
    pub name: String,
    /// 0 … 100, `None` unless every question of the theme is answered.
    pub score: Option<f64>,
}

impl ReadinessTool {
    /// Reads a tool's TOML text (`file` names it in errors) and checks it: ids present and
    /// unique, four scale labels, at least one theme and one question in each.
    ///
    /// # Errors
    /// Text that is not TOML or not a tool (an unknown field, a missing one), or a failed check,
    /// naming the file, the line where TOML gives one, and the field.
    pub fn parse(text: &str, file: &str) -> Result<ReadinessTool> {
        let tool: ReadinessTool = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            StoreError::BadInput(format!(
                "{file}:{}: {}",
                line.map_or("?".to_string(), |l| l.to_string()),
                e.message().trim()
            ))
        })?;
        if tool.tool.scale.len() != (MAX_SCORE + 1) as usize {
            return Err(StoreError::BadInput(format!(
                "{file}: field tool.scale: expected {} labels (scores 0 to {MAX_SCORE}), found {}",
                MAX_SCORE + 1,
                tool.tool.scale.len()
            )));
        }
        if tool.tool.action_statuses.is_empty() {
            return Err(StoreError::BadInput(format!(
                "{file}: field tool.action_statuses: expected a status, found none"
            )));
        }
        if tool.themes.is_empty() {
            return Err(StoreError::BadInput(format!("{file}: field theme: expected a theme, found none")));
        }
        let mut ids = HashSet::new();
        for (t, theme) in tool.themes.iter().enumerate() {
            if theme.id.trim().is_empty() || !ids.insert(theme.id.as_str()) {
                return Err(StoreError::BadInput(format!(
                    "{file}: theme {}, field id: expected a unique id, found \"{}\"",
                    t + 1,
                    theme.id
                )));
            }
            if theme.questions.is_empty() {
                return Err(StoreError::BadInput(format!(
                    "{file}: theme {}, field question: expected a question, found none",
                    theme.id
                )));
            }
            for (q, question) in theme.questions.iter().enumerate() {
                if question.id.trim().is_empty() || !ids.insert(question.id.as_str()) {
                    return Err(StoreError::BadInput(format!(
                        "{file}: theme {}, question {}, field id: expected a unique id, found \"{}\"",
                        theme.id,
                        q + 1,
                        question.id
                    )));
                }
            }
        }
        Ok(tool)
    }

    /// The shipped tool (`catalogues/cyp_readiness.toml`, compiled in), read once.
    ///
    /// # Errors
    /// The shipped file failing its checks (a test keeps it passing).
    pub fn shipped() -> Result<&'static ReadinessTool> {
        static TOOL: OnceLock<std::result::Result<ReadinessTool, String>> = OnceLock::new();
        TOOL.get_or_init(|| ReadinessTool::parse(READINESS_TOOL_TOML, READINESS_TOOL_FILE).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| StoreError::BadInput(e.clone()))
    }

    /// The theme of question `id`.
    pub fn theme_of(&self, question_id: &str) -> Option<&ReadinessTheme> {
        self.themes.iter().find(|t| t.questions.iter().any(|q| q.id == question_id))
    }

    /// The number of questions.
    pub fn question_count(&self) -> usize {
        self.themes.iter().map(|t| t.questions.len()).sum()
    }

    /// The label of score `score` ("not started" … "embedded").
    pub fn score_label(&self, score: i64) -> &str {
        usize::try_from(score).ok().and_then(|s| self.tool.scale.get(s)).map_or("", String::as_str)
    }

    /// Checks answers and actions: each answer's question is the tool's and appears once, its
    /// score in 0 … 3; each action's theme (and question, if given) is the tool's, its text is
    /// not empty, its status one of the tool's and its due date `YYYY-MM-DD`.
    ///
    /// # Errors
    /// The first mistake, naming the answer or action (numbered from 1) and the field.
    pub fn check(&self, answers: &[ReadinessAnswer], actions: &[ReadinessAction]) -> Result<()> {
        let mut seen = HashSet::new();
        for (i, a) in answers.iter().enumerate() {
            let n = i + 1;
            if self.theme_of(&a.question_id).is_none() {
                return Err(StoreError::BadInput(format!(
                    "readiness answer {n}, field question_id: expected a question of {READINESS_TOOL_FILE} ({}, …), found \"{}\"",
                    self.themes.iter().take(2).map(|t| t.questions[0].id.as_str()).collect::<Vec<_>>().join(", "),
                    a.question_id
                )));
            }
            if !(0..=MAX_SCORE).contains(&a.score) {
                return Err(StoreError::BadInput(format!(
                    "readiness answer {n} ({}), field score: expected 0 to {MAX_SCORE} ({}), found {}",
                    a.question_id,
                    self.tool.scale.join(", "),
                    a.score
                )));
            }
            if !seen.insert(a.question_id.as_str()) {
                return Err(StoreError::BadInput(format!(
                    "readiness answer {n}, field question_id: the question \"{}\" is answered twice",
                    a.question_id
                )));
            }
        }
        for (i, a) in actions.iter().enumerate() {
            let n = i + 1;
            let Some(theme) = self.themes.iter().find(|t| t.id == a.theme_id) else {
                return Err(StoreError::BadInput(format!(
                    "readiness action {n}, field theme_id: expected a theme of {READINESS_TOOL_FILE} ({}), found \"{}\"",
                    self.themes.iter().map(|t| t.id.as_str()).collect::<Vec<_>>().join(", "),
                    a.theme_id
                )));
            };
            if let Some(q) = &a.question_id {
                if !theme.questions.iter().any(|x| &x.id == q) {
                    return Err(StoreError::BadInput(format!(
                        "readiness action {n}, field question_id: expected a question of the theme {}, found \"{q}\"",
                        theme.id
                    )));
                }
            }
            if a.action.trim().is_empty() {
                return Err(StoreError::BadInput(format!(
                    "readiness action {n}, field action: expected text, found none"
                )));
            }
            if !self.tool.action_statuses.contains(&a.status) {
                return Err(StoreError::BadInput(format!(
                    "readiness action {n}, field status: expected one of {}, found \"{}\"",
                    self.tool.action_statuses.join(", "),
                    a.status
                )));
            }
            if let Some(d) = &a.due_on {
                if !crate::is_date(d) {
                    return Err(StoreError::BadInput(format!(
                        "readiness action {n}, field due_on: expected a date YYYY-MM-DD, found \"{d}\""
                    )));
                }
            }
        }
        Ok(())
    }

    /// Each theme's score from `answers`: the mean answer × 100 / 3 when every question of the
    /// theme is answered, else `None`.
    pub fn theme_scores(&self, answers: &[ReadinessAnswer]) -> Vec<ThemeResult> {
        let by_id: HashMap<&str, i64> = answers.iter().map(|a| (a.question_id.as_str(), a.score)).collect();
        self.themes
            .iter()
            .map(|t| {
                let scores: Option<Vec<i64>> = t.questions.iter().map(|q| by_id.get(q.id.as_str()).copied()).collect();
                let score = scores
                    .filter(|s| !s.is_empty())
                    .map(|s| s.iter().sum::<i64>() as f64 / s.len() as f64 * 100.0 / MAX_SCORE as f64);
                ThemeResult { id: t.id.clone(), name: t.name.clone(), score }
            })
            .collect()
    }

    /// The overall score: the mean of the themes' scores, `None` unless every theme is scored.
    pub fn overall_score(&self, answers: &[ReadinessAnswer]) -> Option<f64> {
        let themes: Option<Vec<f64>> = self.theme_scores(answers).into_iter().map(|t| t.score).collect();
        themes.filter(|t| !t.is_empty()).map(|t| t.iter().sum::<f64>() / t.len() as f64)
    }
}

// ----- assessments -----

/// An answer to a question of the tool.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadinessAnswer {
    /// The question's id.
    pub question_id: String,
    /// 0 ("not started") … 3 ("embedded").
    pub score: i64,
    /// What the score rests on.
    pub evidence: Option<String>,
}

/// An action of an assessment's plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadinessAction {
    /// Its id once stored (ignored when written: a draft's actions are replaced as a whole).
    pub id: Option<i64>,
    /// The theme it belongs to.
    pub theme_id: String,
    /// The question it answers, if one.
    pub question_id: Option<String>,
    /// What will be done.
    pub action: String,
    /// Who does it.
    pub owner: Option<String>,
    /// By when, `YYYY-MM-DD`.
    pub due_on: Option<String>,
    /// One of the tool's action statuses ("open", "in progress", "done", "dropped").
    pub status: String,
}

/// What a draft holds (what the edit form writes).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadinessDraft {
    /// A note on the assessment.
    pub note: Option<String>,
    /// The answers (a question may be left unanswered in a draft).
    pub answers: Vec<ReadinessAnswer>,
    /// The action plan.
    pub actions: Vec<ReadinessAction>,
}

/// A stored readiness self-assessment of an ICB.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReadinessAssessment {
    /// Its id.
    pub id: i64,
    /// The ICB's code.
    pub icb_code: String,
    /// The tool version it answers.
    pub tool_version: String,
    /// "draft" or "submitted".
    pub status: String,
    /// When it was started, `YYYY-MM-DD`.
    pub started_on: String,
    /// When it was submitted, `YYYY-MM-DD`.
    pub submitted_on: Option<String>,
    /// Who started it (an account id; `None` from the command line or once the account is gone).
    pub author_account_id: Option<i64>,
    /// A note.
    pub note: Option<String>,
    /// Its answers, by question id.
    pub answers: Vec<ReadinessAnswer>,
    /// Its actions, in the order written.
    pub actions: Vec<ReadinessAction>,
}

impl ReadinessAssessment {
    /// Whether it is submitted (and so never changes).
    pub fn is_submitted(&self) -> bool {
        self.status == "submitted"
    }
}

/// An assessment as audited: with the place its ICB is, so that the place's audit shows it.
#[derive(Serialize)]
struct Audited<'a, T: Serialize> {
    place_id: Option<i64>,
    #[serde(flatten)]
    thing: &'a T,
}

// ----- funding -----

/// One line of an ICB's reported spend of its inequalities allocation, as imported.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FundingRow {
    /// The ICB's code.
    pub icb_code: String,
    /// The financial year, `YYYY/YY` (consecutive years: "2023/24").
    pub financial_year: String,
    /// The category ("core20plus5_clinical", "prevention", …; checked against the scorecard
    /// catalogue by the reader).
    pub category: String,
    /// The ICB's allocation for the year (the same on every line of the ICB-year).
    pub allocation_gbp: Option<f64>,
    /// Spent in this category (may exceed the allocation: systems add their own money).
    pub spent_gbp: f64,
    /// The indicator (or Core20PLUS5 area) ids the spend targets.
    pub targets: Vec<String>,
    /// The ICB's note.
    pub note: Option<String>,
    /// The row of the file it was read from (1 = the first data row after the header).
    pub source_row: i64,
}

/// A stored funding line.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoredFunding {
    /// Its id.
    pub id: i64,
    /// The line.
    #[serde(flatten)]
    pub row: FundingRow,
    /// The file it came from.
    pub source_file: String,
    /// When it was imported, RFC 3339 UTC.
    pub imported_at: String,
    /// Who imported it ([`Actor::label`]).
    pub imported_by: String,
}

/// What a funding import did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FundingImport {
    /// Lines written.
    pub rows: usize,
    /// Lines removed first (the (ICB, year) pairs of the file, as stored before).
    pub replaced: usize,
    /// The (ICB, year) pairs of the file.
    pub pairs: Vec<(String, String)>,
}

/// Whether `year` is `YYYY/YY` with consecutive years ("2023/24", "1999/00").
pub fn is_financial_year(year: &str) -> bool {
    let b = year.as_bytes();
    if b.len() != 7 || b[4] != b'/' || !year[..4].bytes().all(|c| c.is_ascii_digit()) {
        return false;
    }
    let (Ok(first), Ok(second)) = (year[..4].parse::<u32>(), year[5..].parse::<u32>()) else { return false };
    year[5..].bytes().all(|c| c.is_ascii_digit()) && (first + 1) % 100 == second
}

/// Checks a file's funding lines: an ICB code, a financial year `YYYY/YY`, a category, amounts
/// finite and not negative, one line per ICB, year and category, one allocation per ICB-year.
///
/// # Errors
/// The first mistake: `FILE, row N, field F: expected …, found …` (two rows named for a
/// duplicate or a differing allocation).
pub fn check_funding(file: &str, rows: &[FundingRow]) -> Result<()> {
    let mut keys: HashMap<(&str, &str, &str), i64> = HashMap::new();
    let mut allocations: HashMap<(&str, &str), (Option<f64>, i64)> = HashMap::new();
    for r in rows {
        let at = |field: &str| format!("{file}, row {}, field {field}", r.source_row);
        if r.icb_code.trim().is_empty() {
            return Err(StoreError::BadInput(format!("{}: expected an ICB code, found nothing", at("icb_code"))));
        }
        if !is_financial_year(&r.financial_year) {
            return Err(StoreError::BadInput(format!(
                "{}: expected a financial year YYYY/YY such as 2023/24, found \"{}\"",
                at("financial_year"),
                r.financial_year
            )));
        }
        if r.category.trim().is_empty() {
            return Err(StoreError::BadInput(format!("{}: expected a category, found nothing", at("category"))));
        }
        if !(r.spent_gbp.is_finite() && r.spent_gbp >= 0.0) {
            return Err(StoreError::BadInput(format!(
                "{}: expected an amount of 0 or more, found {}",
                at("spent_gbp"),
                r.spent_gbp
            )));
        }
        if let Some(a) = r.allocation_gbp.filter(|a| !(a.is_finite() && *a >= 0.0)) {
            return Err(StoreError::BadInput(format!(
                "{}: expected an amount of 0 or more, found {a}",
                at("allocation_gbp")
            )));
        }
        if let Some(t) = r.targets.iter().find(|t| t.trim().is_empty()) {
            return Err(StoreError::BadInput(format!("{}: expected indicator ids, found \"{t}\"", at("targets"))));
        }
        if let Some(first) = keys.insert((&r.icb_code, &r.financial_year, &r.category), r.source_row) {
            return Err(StoreError::BadInput(format!(
                "{}: the ICB {}, year {} and category {} are on rows {first} and {} (expected one line each)",
                at("category"),
                r.icb_code,
                r.financial_year,
                r.category,
                r.source_row
            )));
        }
        match allocations.get(&(r.icb_code.as_str(), r.financial_year.as_str())) {
            Some(&(a, first)) if a != r.allocation_gbp => {
                return Err(StoreError::BadInput(format!(
                    "{}: the ICB {} has allocation {} on row {first} and {} on row {} for {} (expected one allocation a year)",
                    at("allocation_gbp"),
                    r.icb_code,
                    a.map_or("none".to_string(), |a| a.to_string()),
                    r.allocation_gbp.map_or("none".to_string(), |a| a.to_string()),
                    r.source_row,
                    r.financial_year
                )));
            }
            Some(_) => {}
            None => {
                allocations.insert((&r.icb_code, &r.financial_year), (r.allocation_gbp, r.source_row));
            }
        }
    }
    Ok(())
}

const FUNDING_COLUMNS: &str = "id, icb_code, financial_year, category, allocation_gbp, spent_gbp, targets, note, \
     source_file, source_row, imported_at, imported_by";

/// A funding row read back.
fn funding_of(row: &AnyRow) -> Result<StoredFunding> {
    let targets: String = row.try_get("targets").context(|| "reading a funding line".into())?;
    let targets: Vec<String> = serde_json::from_str(&targets)
        .map_err(|e| StoreError::BadInput(format!("the funding line's targets: expected a JSON array of ids: {e}")))?;
    (|| -> std::result::Result<StoredFunding, sqlx::Error> {
        Ok(StoredFunding {
            id: row.try_get("id")?,
            row: FundingRow {
                icb_code: row.try_get("icb_code")?,
                financial_year: row.try_get("financial_year")?,
                category: row.try_get("category")?,
                allocation_gbp: row.try_get("allocation_gbp")?,
                spent_gbp: row.try_get("spent_gbp")?,
                targets,
                note: row.try_get("note")?,
                source_row: row.try_get("source_row")?,
            },
            source_file: row.try_get("source_file")?,
            imported_at: row.try_get("imported_at")?,
            imported_by: row.try_get("imported_by")?,
        })
    })()
    .context(|| "reading a funding line".into())
}

// ----- reading and writing -----

const ASSESSMENT_COLUMNS: &str =
    "id, icb_code, tool_version, status, started_on, submitted_on, author_account_id, note";

/// Assessment `id` with its answers and actions.
async fn load_assessment(conn: &mut AnyConnection, id: i64) -> Result<Option<ReadinessAssessment>> {
    let what = || format!("reading the readiness assessment {id}");
    let Some(row) = sqlx::query(&format!("SELECT {ASSESSMENT_COLUMNS} FROM readiness_assessment WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .context(what)?
    else {
        return Ok(None);
    };
    let mut a = (|| -> std::result::Result<ReadinessAssessment, sqlx::Error> {
        Ok(ReadinessAssessment {
            id: row.try_get("id")?,
            icb_code: row.try_get("icb_code")?,
            tool_version: row.try_get("tool_version")?,
            status: row.try_get("status")?,
            started_on: row.try_get("started_on")?,
            submitted_on: row.try_get("submitted_on")?,
            author_account_id: row.try_get("author_account_id")?,
            note: row.try_get("note")?,
            answers: Vec::new(),
            actions: Vec::new(),
        })
    })()
    .context(what)?;
    let rows = sqlx::query(
        "SELECT question_id, score, evidence FROM readiness_answer WHERE assessment_id = $1 ORDER BY question_id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .context(what)?;
    a.answers = rows
        .iter()
        .map(|r| Ok(ReadinessAnswer { question_id: r.try_get(0)?, score: r.try_get(1)?, evidence: r.try_get(2)? }))
        .collect::<std::result::Result<_, sqlx::Error>>()
        .context(what)?;
    let rows = sqlx::query(
        "SELECT id, theme_id, question_id, action, owner, due_on, status FROM readiness_action \
         WHERE assessment_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .context(what)?;
    a.actions = rows
        .iter()
        .map(|r| {
            Ok(ReadinessAction {
                id: Some(r.try_get(0)?),
                theme_id: r.try_get(1)?,
                question_id: r.try_get(2)?,
                action: r.try_get(3)?,
                owner: r.try_get(4)?,
                due_on: r.try_get(5)?,
                status: r.try_get(6)?,
            })
        })
        .collect::<std::result::Result<_, sqlx::Error>>()
        .context(what)?;
    Ok(Some(a))
}

/// Writes `answers` and `actions` into assessment `id` (its old ones removed first).
async fn write_contents(
    conn: &mut AnyConnection,
    id: i64,
    answers: &[ReadinessAnswer],
    actions: &[ReadinessAction],
) -> Result<()> {
    let what = || format!("writing the readiness assessment {id}");
    sqlx::query("DELETE FROM readiness_answer WHERE assessment_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await
        .context(what)?;
    sqlx::query("DELETE FROM readiness_action WHERE assessment_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await
        .context(what)?;
    for a in answers {
        sqlx::query(
            "INSERT INTO readiness_answer (assessment_id, question_id, score, evidence) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(&a.question_id)
        .bind(a.score)
        .bind(a.evidence.as_deref().map(str::trim).filter(|e| !e.is_empty()))
        .execute(&mut *conn)
        .await
        .context(what)?;
    }
    for a in actions {
        sqlx::query(
            "INSERT INTO readiness_action (assessment_id, theme_id, question_id, action, owner, due_on, status) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(&a.theme_id)
        .bind(&a.question_id)
        .bind(a.action.trim())
        .bind(a.owner.as_deref().map(str::trim).filter(|e| !e.is_empty()))
        .bind(&a.due_on)
        .bind(&a.status)
        .execute(&mut *conn)
        .await
        .context(what)?;
    }
    Ok(())
}

/// The id of the ICS place whose area is `icb_code`.
async fn place_id_of(conn: &mut AnyConnection, icb_code: &str) -> Result<Option<i64>> {
    sqlx::query_scalar("SELECT id FROM place WHERE kind = 'ICS' AND area_code = $1 ORDER BY id LIMIT 1")
        .bind(icb_code)
        .fetch_optional(conn)
        .await
        .context(|| format!("reading the place of the ICB {icb_code}"))
}

impl Store {
    /// The place of kind `ICS` whose area code is `code` (the first by id if several).
    ///
    /// # Errors
    /// A failed query.
    pub async fn place_by_area(&self, code: &str) -> Result<Option<Place>> {
        let mut conn = self.pool().acquire().await.context(|| "taking a connection".into())?;
        let slug: Option<String> =
            sqlx::query_scalar("SELECT slug FROM place WHERE kind = 'ICS' AND area_code = $1 ORDER BY id LIMIT 1")
                .bind(code)
                .fetch_optional(&mut *conn)
                .await
                .context(|| format!("reading the place of the ICB {code}"))?;
        drop(conn);
        match slug {
            Some(slug) => self.place(&slug).await,
            None => Ok(None),
        }
    }

    /// Whether `account` may write the ICB `icb_code`'s readiness assessments: an
    /// administrator, or the lead of the ICS place whose area code is the ICB's.
    ///
    /// # Errors
    /// A failed query.
    pub async fn may_edit_icb(&self, account: &Account, icb_code: &str) -> Result<bool> {
        if account.is_admin() {
            return Ok(true);
        }
        let mut conn = self.pool().acquire().await.context(|| "taking a connection".into())?;
        Ok(place_id_of(&mut conn, icb_code).await?.is_some_and(|p| account.may_edit_place(p)))
    }

    /// Every assessment of the ICB, newest first.
    ///
    /// # Errors
    /// A failed query.
    pub async fn readiness_history(&self, icb_code: &str) -> Result<Vec<ReadinessAssessment>> {
        let mut conn = self.pool().acquire().await.context(|| "taking a connection".into())?;
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM readiness_assessment WHERE icb_code = $1 ORDER BY id DESC")
                .bind(icb_code)
                .fetch_all(&mut *conn)
                .await
                .context(|| format!("reading the readiness assessments of {icb_code}"))?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.extend(load_assessment(&mut conn, id).await?);
        }
        Ok(out)
    }

    /// The ICB's current assessment: the latest submitted.
    ///
    /// # Errors
    /// A failed query.
    pub async fn readiness_current(&self, icb_code: &str) -> Result<Option<ReadinessAssessment>> {
        let mut conn = self.pool().acquire().await.context(|| "taking a connection".into())?;
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM readiness_assessment WHERE icb_code = $1 AND status = 'submitted' ORDER BY id DESC LIMIT 1",
        )
        .bind(icb_code)
        .fetch_optional(&mut *conn)
        .await
        .context(|| format!("reading the readiness assessment of {icb_code}"))?;
        match id {
            Some(id) => load_assessment(&mut conn, id).await,
            None => Ok(None),
        }
    }

    /// The ICB's draft (the newest, if any).
    ///
    /// # Errors
    /// A failed query.
    pub async fn readiness_draft(&self, icb_code: &str) -> Result<Option<ReadinessAssessment>> {
        let mut conn = self.pool().acquire().await.context(|| "taking a connection".into())?;
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM readiness_assessment WHERE icb_code = $1 AND status = 'draft' ORDER BY id DESC LIMIT 1",
        )
        .bind(icb_code)
        .fetch_optional(&mut *conn)
        .await
        .context(|| format!("reading the readiness draft of {icb_code}"))?;
        match id {
            Some(id) => load_assessment(&mut conn, id).await,
            None => Ok(None),
        }
    }

    /// Assessment `id`.
    ///
    /// # Errors
    /// A failed query.
    pub async fn readiness_assessment(&self, id: i64) -> Result<Option<ReadinessAssessment>> {
        let mut conn = self.pool().acquire().await.context(|| "taking a connection".into())?;
        load_assessment(&mut conn, id).await
    }

    /// Starts a draft assessment of the ICB (today, by `author`): the latest submitted
    /// assessment's answers and unfinished actions (not "done" or "dropped") are copied into
    /// it. An ICB with a draft already gets that draft back, unchanged.
    ///
    /// # Errors
    /// An empty ICB code, or a failed statement.
    pub async fn start_readiness(
        &self,
        actor: &Actor,
        icb_code: &str,
        author: Option<i64>,
    ) -> Result<ReadinessAssessment> {
        let icb_code = icb_code.trim();
        if icb_code.is_empty() {
            return Err(StoreError::BadInput("the readiness assessment, field icb_code: expected an ICB code".into()));
        }
        let tool = ReadinessTool::shipped()?;
        let mut tx = self.begin_write().await?;
        let what = || format!("starting a readiness assessment of {icb_code}");
        let existing: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM readiness_assessment WHERE icb_code = $1 AND status = 'draft' ORDER BY id DESC LIMIT 1",
        )
        .bind(icb_code)
        .fetch_optional(&mut *tx)
        .await
        .context(what)?;
        if let Some(id) = existing {
            let draft = load_assessment(&mut tx, id).await?.ok_or_else(|| StoreError::NotFound(what()))?;
            tx.commit().await.context(what)?;
            return Ok(draft);
        }
        let previous: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM readiness_assessment WHERE icb_code = $1 AND status = 'submitted' ORDER BY id DESC LIMIT 1",
        )
        .bind(icb_code)
        .fetch_optional(&mut *tx)
        .await
        .context(what)?;
        let previous = match previous {
            Some(p) => load_assessment(&mut tx, p).await?,
            None => None,
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO readiness_assessment (icb_code, tool_version, status, started_on, author_account_id) \
             VALUES ($1, $2, 'draft', $3, $4) RETURNING id",
        )
        .bind(icb_code)
        .bind(&tool.tool.version)
        .bind(utc_today())
        .bind(author)
        .fetch_one(&mut *tx)
        .await
        .context(what)?;
        if let Some(p) = &previous {
            // Only what the current tool still asks is carried over.
            let answers: Vec<ReadinessAnswer> =
                p.answers.iter().filter(|a| tool.theme_of(&a.question_id).is_some()).cloned().collect();
            let actions: Vec<ReadinessAction> = p
                .actions
                .iter()
                .filter(|a| a.status != "done" && a.status != "dropped" && tool.check(&[], &[(*a).clone()]).is_ok())
                .cloned()
                .collect();
            write_contents(&mut tx, id, &answers, &actions).await?;
        }
        let after = load_assessment(&mut tx, id).await?.ok_or_else(|| StoreError::NotFound(what()))?;
        let place_id = place_id_of(&mut tx, icb_code).await?;
        record::<(), _>(
            &mut tx,
            actor,
            "readiness",
            &id.to_string(),
            "create",
            None,
            Some(&Audited { place_id, thing: &after }),
        )
        .await?;
        tx.commit().await.context(what)?;
        Ok(after)
    }

    /// Replaces draft `id`'s note, answers and actions with `draft`'s (checked against the
    /// tool).
    ///
    /// # Errors
    /// An answer or action failing [`ReadinessTool::check`] (naming it and the field), an
    /// assessment that does not exist, one already submitted (a conflict: it never changes), or
    /// a failed statement.
    pub async fn save_readiness(&self, actor: &Actor, id: i64, draft: &ReadinessDraft) -> Result<ReadinessAssessment> {
        let tool = ReadinessTool::shipped()?;
        tool.check(&draft.answers, &draft.actions)?;
        let mut tx = self.begin_write().await?;
        let what = || format!("the readiness assessment {id}");
        let before = load_assessment(&mut tx, id).await?.ok_or_else(|| StoreError::NotFound(what()))?;
        if before.is_submitted() {
            return Err(StoreError::Conflict(format!(
                "{}: submitted on {}, and a submitted assessment never changes (start a new one)",
                what(),
                before.submitted_on.as_deref().unwrap_or("?")
            )));
        }
        sqlx::query("UPDATE readiness_assessment SET note = $1 WHERE id = $2")
            .bind(draft.note.as_deref().map(str::trim).filter(|n| !n.is_empty()))
            .bind(id)
            .execute(&mut *tx)
            .await
            .context(|| format!("writing {}", what()))?;
        write_contents(&mut tx, id, &draft.answers, &draft.actions).await?;
        let after = load_assessment(&mut tx, id).await?.ok_or_else(|| StoreError::NotFound(what()))?;
        let place_id = place_id_of(&mut tx, &before.icb_code).await?;
        record(
            &mut tx,
            actor,
            "readiness",
            &id.to_string(),
            "update",
            Some(&Audited { place_id, thing: &before }),
            Some(&Audited { place_id, thing: &after }),
        )
        .await?;
        tx.commit().await.context(|| format!("{}: committing", what()))?;
        Ok(after)
    }

    /// Submits draft `id` on `submitted_on` (`YYYY-MM-DD`): from then on it is the ICB's
    /// current assessment (until a later one is submitted) and never changes.
    ///
    /// # Errors
    /// A date that is not one, a question of the tool unanswered (naming the first), an
    /// assessment that does not exist or is submitted already, or a failed statement.
    pub async fn submit_readiness(&self, actor: &Actor, id: i64, submitted_on: &str) -> Result<ReadinessAssessment> {
        if !crate::is_date(submitted_on) {
            return Err(StoreError::BadInput(format!(
                "the readiness assessment {id}, field submitted_on: expected a date YYYY-MM-DD, found \"{submitted_on}\""
            )));
        }
        let tool = ReadinessTool::shipped()?;
        let mut tx = self.begin_write().await?;
        let what = || format!("the readiness assessment {id}");
        let before = load_assessment(&mut tx, id).await?.ok_or_else(|| StoreError::NotFound(what()))?;
        if before.is_submitted() {
            return Err(StoreError::Conflict(format!("{}: submitted already; it never changes", what())));
        }
        if let Some(q) = tool
            .themes
            .iter()
            .flat_map(|t| &t.questions)
            .find(|q| !before.answers.iter().any(|a| a.question_id == q.id))
        {
            return Err(StoreError::BadInput(format!(
                "{}, field answers: every question needs an answer to submit; the question {} (\"{}\") has none",
                what(),
                q.id,
                q.text
            )));
        }
        sqlx::query("UPDATE readiness_assessment SET status = 'submitted', submitted_on = $1 WHERE id = $2")
            .bind(submitted_on)
            .bind(id)
            .execute(&mut *tx)
            .await
            .context(|| format!("submitting {}", what()))?;
        let after = load_assessment(&mut tx, id).await?.ok_or_else(|| StoreError::NotFound(what()))?;
        let place_id = place_id_of(&mut tx, &before.icb_code).await?;
        record(
            &mut tx,
            actor,
            "readiness",
            &id.to_string(),
            "submit",
            Some(&Audited { place_id, thing: &before }),
            Some(&Audited { place_id, thing: &after }),
        )
        .await?;
        tx.commit().await.context(|| format!("{}: committing", what()))?;
        Ok(after)
    }

    /// Imports the funding lines of `file` ([`check_funding`] first): the (ICB, year) pairs the
    /// file names are replaced as a whole (their old lines removed, the file's written) in one
    /// transaction, with one audit row for the file (entity `funding`, id the file's name).
    ///
    /// # Errors
    /// A line failing the checks (file, row, field), an empty file, or a failed statement (then
    /// nothing is changed).
    pub async fn import_funding(&self, actor: &Actor, file: &str, rows: &[FundingRow]) -> Result<FundingImport> {
        if rows.is_empty() {
            return Err(StoreError::BadInput(format!("{file}: expected funding lines, found none")));
        }
        check_funding(file, rows)?;
        let pairs: Vec<(String, String)> = rows
            .iter()
            .map(|r| (r.icb_code.clone(), r.financial_year.clone()))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let now = utc_now();
        let by = actor.label();
        let mut tx = self.begin_write().await?;
        let mut replaced = 0;
        for (icb, year) in &pairs {
            replaced += sqlx::query("DELETE FROM icb_funding WHERE icb_code = $1 AND financial_year = $2")
                .bind(icb)
                .bind(year)
                .execute(&mut *tx)
                .await
                .context(|| format!("{file}: removing the old lines of {icb} {year}"))?
                .rows_affected() as usize;
        }
        for r in rows {
            let targets = serde_json::to_string(&r.targets)
                .map_err(|e| StoreError::BadInput(format!("{file}, row {}, field targets: {e}", r.source_row)))?;
            sqlx::query(
                "INSERT INTO icb_funding (icb_code, financial_year, category, allocation_gbp, spent_gbp, targets, \
                 note, source_file, source_row, imported_at, imported_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(r.icb_code.trim())
            .bind(&r.financial_year)
            .bind(r.category.trim())
            .bind(r.allocation_gbp)
            .bind(r.spent_gbp)
            .bind(targets)
            .bind(r.note.as_deref().map(str::trim).filter(|n| !n.is_empty()))
            .bind(file)
            .bind(r.source_row)
            .bind(&now)
            .bind(&by)
            .execute(&mut *tx)
            .await
            .context(|| format!("{file}, row {}: writing the line", r.source_row))?;
        }
        let outcome = FundingImport { rows: rows.len(), replaced, pairs };
        let mut icbs: BTreeMap<&str, usize> = BTreeMap::new();
        for r in rows {
            *icbs.entry(&r.icb_code).or_default() += 1;
        }
        let after = serde_json::json!({ "file": file, "rows": outcome.rows, "replaced": replaced, "pairs": outcome.pairs, "lines_by_icb": icbs });
        record::<(), _>(&mut tx, actor, "funding", file, "import", None, Some(&after)).await?;
        tx.commit().await.context(|| format!("{file}: committing the funding import"))?;
        Ok(outcome)
    }

    /// The funding lines of the ICB, by year then category.
    ///
    /// # Errors
    /// A failed query.
    pub async fn funding(&self, icb_code: &str) -> Result<Vec<StoredFunding>> {
        let rows = sqlx::query(&format!(
            "SELECT {FUNDING_COLUMNS} FROM icb_funding WHERE icb_code = $1 ORDER BY financial_year, category"
        ))
        .bind(icb_code)
        .fetch_all(self.pool())
        .await
        .context(|| format!("reading the funding lines of {icb_code}"))?;
        rows.iter().map(funding_of).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn financial_years() {
        assert!(is_financial_year("2023/24") && is_financial_year("1999/00"));
        for bad in ["2023/25", "2023-24", "23/24", "2023/2024", "abcd/ef", "2023/4x"] {
            assert!(!is_financial_year(bad), "{bad}");
        }
    }

    #[test]
    fn the_shipped_tool_reads() {
        let tool = ReadinessTool::shipped().unwrap();
        assert_eq!(tool.themes.len(), 6);
        assert_eq!(tool.question_count(), 18);
        assert_eq!(tool.score_label(3), "embedded");
    }
}
