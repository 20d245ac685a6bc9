//! An ICB's readiness self-assessment for children and young people's health equity
//! (`docs/scorecard.md` §3.3, §5): `/scorecards/{code}/readiness` (the current assessment, its
//! action plan and the history) and its edit form `/scorecards/{code}/readiness/edit`, with
//! the POSTs that start a new assessment (copying the last) and save or submit the draft.
//!
//! Every POST checks, in order: a session (403 without), its CSRF token (403), the ICB (404),
//! the user's right to write it (403: an administrator, or the lead of the ICS place whose area
//! code is the ICB's); only then does it write (audited in the write's transaction).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use store::scorecard::{ReadinessAction, ReadinessAnswer, ReadinessAssessment, ReadinessDraft, ReadinessTool};
use store::{Actor, StoreError};

use crate::auth::{self, csrf, CurrentUser, PageResult, Refusal};
use crate::{AppState, WebError};

/// The routes of the readiness pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/scorecards/{code}/readiness", get(page))
        .route("/scorecards/{code}/readiness/edit", get(edit).post(save))
        .route("/scorecards/{code}/readiness/start", post(start))
}

/// The ICB's name, or 404 when `code` is neither a scorecard's ICB nor an area of type ICB.
async fn icb_name(state: &AppState, code: &str) -> Result<String, WebError> {
    let cards = state.scorecards().await?;
    if let Some(card) = cards.card(code) {
        return Ok(card.icb_name.clone());
    }
    let pages = state.cache.get(&state.store).await?;
    match pages.area(code) {
        Some(a) if a.area_type == "ICB" => Ok(a.name.clone()),
        _ => Err(WebError::NotFound(format!("the ICB \"{code}\" (ICBs with a scorecard: {})", cards.some_codes()))),
    }
}

/// A question with its answer as shown.
pub struct QuestionView {
    /// Its id (the form's field names).
    pub id: String,
    /// Its text.
    pub text: String,
    /// The score, "" when unanswered.
    pub score: String,
    /// The score's label.
    pub label: String,
    /// The evidence.
    pub evidence: String,
}

/// A theme with its questions and score.
pub struct ThemeView {
    /// Its name.
    pub name: String,
    /// Its score out of 100, or "–".
    pub score: String,
    /// Whether it is provisional.
    pub provisional: bool,
    /// Its questions.
    pub questions: Vec<QuestionView>,
}

/// An assessment as shown.
pub struct AssessmentView {
    /// Its id.
    pub id: i64,
    /// "draft" or "submitted".
    pub status: String,
    /// Started on.
    pub started_on: String,
    /// Submitted on.
    pub submitted_on: String,
    /// Overall score, or "–".
    pub overall: String,
    /// The note.
    pub note: String,
    /// The themes.
    pub themes: Vec<ThemeView>,
    /// The actions, each with its theme's name.
    pub actions: Vec<(String, ReadinessAction)>,
}

fn view(tool: &ReadinessTool, a: &ReadinessAssessment) -> AssessmentView {
    let scores = tool.theme_scores(&a.answers);
    AssessmentView {
        id: a.id,
        status: a.status.clone(),
        started_on: a.started_on.clone(),
        submitted_on: a.submitted_on.clone().unwrap_or_default(),
        overall: tool.overall_score(&a.answers).map_or("–".into(), |s| format!("{s:.0}")),
        note: a.note.clone().unwrap_or_default(),
        themes: tool
            .themes
            .iter()
            .zip(scores)
            .map(|(t, s)| ThemeView {
                name: t.name.clone(),
                score: s.score.map_or("–".into(), |s| format!("{s:.0}")),
                provisional: t.provisional,
                questions: t
                    .questions
                    .iter()
                    .map(|q| {
                        let answer = a.answers.iter().find(|x| x.question_id == q.id);
                        QuestionView {
                            id: q.id.clone(),
                            text: q.text.clone(),
                            score: answer.map_or(String::new(), |x| x.score.to_string()),
                            label: answer.map_or("unanswered".into(), |x| tool.score_label(x.score).to_string()),
                            evidence: answer.and_then(|x| x.evidence.clone()).unwrap_or_default(),
                        }
                    })
                    .collect(),
            })
            .collect(),
        actions: a
            .actions
            .iter()
            .map(|x| {
                let theme =
                    tool.themes.iter().find(|t| t.id == x.theme_id).map_or(x.theme_id.clone(), |t| t.name.clone());
                (theme, x.clone())
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "readiness.html")]
struct ReadinessPage {
    code: String,
    name: String,
    tool_name: String,
    source: String,
    source_url: String,
    provisional: bool,
    scale: Vec<(usize, String)>,
    current: Option<AssessmentView>,
    draft: Option<i64>,
    history: Vec<AssessmentView>,
    may_edit: bool,
}

/// `GET /scorecards/{code}/readiness`.
async fn page(State(state): State<AppState>, user: Option<CurrentUser>, Path(code): Path<String>) -> PageResult {
    let name = icb_name(&state, &code).await?;
    let tool = ReadinessTool::shipped()?;
    let history = state.store.readiness_history(&code).await?;
    let current = history.iter().find(|a| a.is_submitted()).map(|a| view(tool, a));
    let draft = history.iter().find(|a| !a.is_submitted()).map(|a| a.id);
    let may_edit = match &user {
        Some(u) => state.store.may_edit_icb(&u.account, &code).await?,
        None => false,
    };
    let page = ReadinessPage {
        code,
        name,
        tool_name: tool.tool.name.clone(),
        source: tool.tool.source.clone(),
        source_url: tool.tool.source_url.clone(),
        provisional: tool.tool.provisional,
        scale: tool.tool.scale.iter().cloned().enumerate().collect(),
        current,
        draft,
        history: history.iter().map(|a| view(tool, a)).collect(),
        may_edit,
    };
    let mut response = axum::response::Html(page.render()?).into_response();
    response.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    Ok(response)
}

#[derive(Template)]
#[template(path = "readiness_edit.html")]
struct EditPage {
    code: String,
    name: String,
    csrf: String,
    user_name: String,
    scale: Vec<(usize, String)>,
    draft: Option<AssessmentView>,
    themes: Vec<(String, String)>,
    statuses: Vec<String>,
    /// The action rows: the draft's, then two empty ones.
    rows: Vec<ReadinessAction>,
}

/// Checks the user may write the ICB's assessments.
async fn require_writer(state: &AppState, user: &CurrentUser, code: &str) -> Result<(), Refusal> {
    if state.store.may_edit_icb(&user.account, code).await? {
        Ok(())
    } else {
        Err(Refusal::Forbidden("Only the lead of the ICB's ICS place or an administrator may do this."))
    }
}

/// `GET /scorecards/{code}/readiness/edit`: the draft's form, or a button to start one.
async fn edit(State(state): State<AppState>, user: Option<CurrentUser>, Path(code): Path<String>) -> PageResult {
    let user = auth::signed_in(user, &format!("/scorecards/{code}/readiness/edit"))?;
    let name = icb_name(&state, &code).await?;
    require_writer(&state, &user, &code).await?;
    let tool = ReadinessTool::shipped()?;
    let draft = state.store.readiness_draft(&code).await?;
    let mut rows = draft.as_ref().map(|d| d.actions.clone()).unwrap_or_default();
    for _ in 0..2 {
        rows.push(ReadinessAction {
            id: None,
            theme_id: String::new(),
            question_id: None,
            action: String::new(),
            owner: None,
            due_on: None,
            status: "open".into(),
        });
    }
    let page = EditPage {
        code,
        name,
        csrf: user.csrf_token.clone(),
        user_name: user.account.name.clone(),
        scale: tool.tool.scale.iter().cloned().enumerate().collect(),
        draft: draft.as_ref().map(|d| view(tool, d)),
        themes: tool.themes.iter().map(|t| (t.id.clone(), t.name.clone())).collect(),
        statuses: tool.tool.action_statuses.clone(),
        rows,
    };
    let mut response = axum::response::Html(page.render()?).into_response();
    response.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The value of field `name` in a posted form.
fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
}

/// Checks a POST: a session, its CSRF token, the ICB, the right to write it.
async fn authorise(
    state: &AppState,
    user: Option<CurrentUser>,
    form: &[(String, String)],
    code: &str,
) -> Result<CurrentUser, Refusal> {
    let user = auth::signed_in_form(user)?;
    csrf::check(&user, form.iter().find(|(k, _)| k == "_csrf").map(|(_, v)| v.as_str()))?;
    icb_name(state, code).await?;
    require_writer(state, &user, code).await?;
    Ok(user)
}

/// `POST /scorecards/{code}/readiness/start`: a draft copying the last submitted assessment.
async fn start(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(code): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> PageResult {
    let user = authorise(&state, user, &form, &code).await?;
    state.store.start_readiness(&Actor::User(user.account.id), &code, Some(user.account.id)).await?;
    Ok(Redirect::to(&format!("/scorecards/{code}/readiness/edit")).into_response())
}

/// The draft a posted form describes: `score.Q` (0–3, empty for unanswered) and `evidence.Q`
/// for each question of the tool, `action.N.{theme,text,owner,due,status}` for each action row
/// (rows without text are left out), and `note`.
///
/// # Errors
/// A score that is not a whole number, naming the field.
fn draft_of(tool: &ReadinessTool, form: &[(String, String)]) -> Result<ReadinessDraft, StoreError> {
    let mut answers = Vec::new();
    for q in tool.themes.iter().flat_map(|t| &t.questions) {
        let name = format!("score.{}", q.id);
        if let Some(text) = field(form, &name) {
            let score = text.parse::<i64>().map_err(|_| {
                StoreError::BadInput(format!("the form's field {name}: expected a score 0 to 3, found \"{text}\""))
            })?;
            answers.push(ReadinessAnswer {
                question_id: q.id.clone(),
                score,
                evidence: field(form, &format!("evidence.{}", q.id)).map(str::to_string),
            });
        }
    }
    // Posted scores of questions the tool does not have are refused too (by the store's check).
    for (k, v) in form {
        if let Some(id) = k.strip_prefix("score.") {
            if tool.theme_of(id).is_none() && !v.trim().is_empty() {
                answers.push(ReadinessAnswer {
                    question_id: id.to_string(),
                    score: v.trim().parse().unwrap_or(-1),
                    evidence: None,
                });
            }
        }
    }
    let mut actions = Vec::new();
    for n in 0..200 {
        let get = |f: &str| field(form, &format!("action.{n}.{f}")).map(str::to_string);
        let Some(text) = get("text") else { continue };
        actions.push(ReadinessAction {
            id: None,
            theme_id: get("theme").unwrap_or_default(),
            question_id: None,
            action: text,
            owner: get("owner"),
            due_on: get("due"),
            status: get("status").unwrap_or_else(|| "open".into()),
        });
    }
    Ok(ReadinessDraft { note: field(form, "note").map(str::to_string), answers, actions })
}

/// `POST /scorecards/{code}/readiness/edit`: saves the draft, and submits it when the button
/// pressed was "submit" (`do=submit`), then back to the readiness page.
async fn save(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(code): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> PageResult {
    let user = authorise(&state, user, &form, &code).await?;
    let Some(draft) = state.store.readiness_draft(&code).await? else {
        return Err(WebError::Store(StoreError::Conflict(format!(
            "the ICB {code} has no draft assessment: start one first"
        )))
        .into());
    };
    let tool = ReadinessTool::shipped()?;
    let contents = draft_of(tool, &form)?;
    let actor = Actor::User(user.account.id);
    state.store.save_readiness(&actor, draft.id, &contents).await?;
    if field(&form, "do") == Some("submit") {
        state.store.submit_readiness(&actor, draft.id, &store::utc_today()).await?;
        return Ok(Redirect::to(&format!("/scorecards/{code}/readiness")).into_response());
    }
    Ok(Redirect::to(&format!("/scorecards/{code}/readiness/edit")).into_response())
}
