//! `/places/{slug}/edit`: the forms a place's lead (or an administrator) changes the place
//! with — a recommendation's status (with a note and an evidence link), a progress note, a
//! target's goal — and their POSTs, each a store write as `Actor::User(id)` (audited in the
//! write's transaction), then 303 back to the place page.
//!
//! Every POST checks, in order: a session (403 without), its CSRF token (403), the place (404),
//! the user's right to edit it (403); only then does it write.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use store::{Actor, Goal, Place, ProgressFields, Recommendation, Status, StatusChange, Target, PROGRESS_STATUSES};

use crate::auth::{self, csrf, CurrentUser, PageResult, Refusal};
use crate::{AppState, WebError};

/// The routes of editing a place.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/places/{slug}/edit", get(page))
        .route("/places/{slug}/recommendations/{code}/status", post(set_status))
        .route("/places/{slug}/progress", post(add_progress))
        .route("/places/{slug}/targets/{code}", post(update_target))
}

/// A goal kind as the form offers it: value, label, selected.
struct Choice {
    value: &'static str,
    selected: bool,
}

/// A target with its goal as the form shows it.
struct TargetRow {
    target: Target,
    goal_kind: &'static str,
    goal_number: String,
    kinds: Vec<Choice>,
}

/// The edit page.
#[derive(Template)]
#[template(path = "edit_place.html")]
struct EditPage {
    place: Place,
    csrf: String,
    user_name: String,
    today: String,
    statuses: Vec<&'static str>,
    progress_statuses: Vec<&'static str>,
    recommendations: Vec<Recommendation>,
    targets: Vec<TargetRow>,
}

/// The place of `slug`, or 404.
async fn place_of(state: &AppState, slug: &str) -> Result<Place, Refusal> {
    Ok(state.store.place(slug).await?.ok_or_else(|| WebError::NotFound(format!("the place {slug}")))?)
}

/// `GET /places/{slug}/edit`.
async fn page(State(state): State<AppState>, user: Option<CurrentUser>, Path(slug): Path<String>) -> PageResult {
    let user = auth::signed_in(user, &format!("/places/{slug}/edit"))?;
    let place = place_of(&state, &slug).await?;
    auth::require_lead(&user, place.id)?;
    let recommendations = state.store.recommendations(place.id).await?;
    let targets = state
        .store
        .targets(place.id)
        .await?
        .into_iter()
        .map(|target| {
            let (kind, number) = goal_parts(target.fields.goal);
            let kinds = GOAL_KINDS.iter().map(|&value| Choice { value, selected: value == kind }).collect();
            TargetRow { target, goal_kind: kind, goal_number: number.map(|n| n.to_string()).unwrap_or_default(), kinds }
        })
        .collect();
    let page = EditPage {
        place,
        csrf: user.csrf_token,
        user_name: user.account.name,
        today: store::utc_today(),
        statuses: Status::ALL.iter().map(|s| s.label()).collect(),
        progress_statuses: PROGRESS_STATUSES.to_vec(),
        recommendations,
        targets,
    };
    let mut response = axum::response::Html(page.render()?).into_response();
    response.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The goal kinds a target may have.
const GOAL_KINDS: [&str; 4] = ["value", "change", "match benchmark", "narrower gap"];

/// A goal's kind and number.
fn goal_parts(goal: Goal) -> (&'static str, Option<f64>) {
    match goal {
        Goal::Value(v) => ("value", Some(v)),
        Goal::Change(v) => ("change", Some(v)),
        Goal::MatchBenchmark => ("match benchmark", None),
        Goal::NarrowerGap(v) => ("narrower gap", Some(v)),
    }
}

/// Text of a form field, `None` when empty.
fn non_empty(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

/// Checks a POST: a session, its CSRF token, the place, the right to edit it.
async fn authorise(
    state: &AppState,
    user: Option<CurrentUser>,
    csrf_field: Option<&str>,
    slug: &str,
) -> Result<(CurrentUser, Place), Refusal> {
    let user = auth::signed_in_form(user)?;
    csrf::check(&user, csrf_field)?;
    let place = place_of(state, slug).await?;
    auth::require_lead(&user, place.id)?;
    Ok((user, place))
}

/// The status form.
#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    #[serde(default)]
    status: String,
    changed_on: Option<String>,
    note: Option<String>,
    evidence_url: Option<String>,
}

/// `POST /places/{slug}/recommendations/{code}/status`.
async fn set_status(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path((slug, code)): Path<(String, String)>,
    Form(form): Form<StatusForm>,
) -> PageResult {
    let (user, place) = authorise(&state, user, form.csrf.as_deref(), &slug).await?;
    let recommendation = state
        .store
        .recommendation(place.id, &code)
        .await?
        .ok_or_else(|| WebError::NotFound(format!("the recommendation {code} of {slug}")))?;
    let evidence_url = non_empty(form.evidence_url);
    if let Some(url) = &evidence_url {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(store::StoreError::BadInput(format!(
                "the evidence link \"{url}\": expected an http:// or https:// address"
            ))
            .into());
        }
    }
    let change = StatusChange {
        status: Status::parse(form.status.trim())?,
        changed_on: non_empty(form.changed_on).unwrap_or_else(store::utc_today),
        note: non_empty(form.note),
        evidence_url,
    };
    state.store.set_recommendation_status(&Actor::User(user.account.id), recommendation.id, &change).await?;
    Ok(Redirect::to(&format!("/places/{slug}")).into_response())
}

/// The progress form.
#[derive(Deserialize)]
pub struct ProgressForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    written_on: Option<String>,
    #[serde(default)]
    status: String,
    #[serde(default)]
    note: String,
    /// Recommendation codes, separated by commas or spaces.
    recommendations: Option<String>,
}

/// `POST /places/{slug}/progress`.
async fn add_progress(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(slug): Path<String>,
    Form(form): Form<ProgressForm>,
) -> PageResult {
    let (user, place) = authorise(&state, user, form.csrf.as_deref(), &slug).await?;
    let fields = ProgressFields {
        written_on: non_empty(form.written_on).unwrap_or_else(store::utc_today),
        status: form.status.trim().to_string(),
        author: user.account.name.clone(),
        note: form.note.trim().to_string(),
        recommendations: form
            .recommendations
            .unwrap_or_default()
            .split([',', ' '])
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect(),
    };
    state.store.create_progress(&Actor::User(user.account.id), place.id, &fields).await?;
    Ok(Redirect::to(&format!("/places/{slug}")).into_response())
}

/// The target form.
#[derive(Deserialize)]
pub struct TargetForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    #[serde(default)]
    goal_kind: String,
    goal_number: Option<String>,
    #[serde(default)]
    target_period: String,
    note: Option<String>,
}

/// `POST /places/{slug}/targets/{code}`: a new goal, target period and note.
async fn update_target(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path((slug, code)): Path<(String, String)>,
    Form(form): Form<TargetForm>,
) -> PageResult {
    let (user, place) = authorise(&state, user, form.csrf.as_deref(), &slug).await?;
    let target = state
        .store
        .targets(place.id)
        .await?
        .into_iter()
        .find(|t| t.fields.code == code)
        .ok_or_else(|| WebError::NotFound(format!("the target {code} of {slug}")))?;
    let number = match non_empty(form.goal_number) {
        None => None,
        Some(text) => Some(text.parse::<f64>().ok().filter(|n| n.is_finite()).ok_or_else(|| {
            store::StoreError::BadInput(format!(
                "the target {code}: the field goal_number is \"{text}\": expected a number"
            ))
        })?),
    };
    let goal = match (form.goal_kind.as_str(), number) {
        ("value", Some(n)) => Goal::Value(n),
        ("change", Some(n)) => Goal::Change(n),
        ("match benchmark", _) => Goal::MatchBenchmark,
        ("narrower gap", Some(n)) => Goal::NarrowerGap(n),
        (kind, _) => {
            return Err(store::StoreError::BadInput(format!(
                "the target {code}: the goal \"{kind}\" needs a number (kinds: {})",
                GOAL_KINDS.join(", ")
            ))
            .into())
        }
    };
    let mut fields = target.fields.clone();
    fields.goal = goal;
    fields.target_period = form.target_period.trim().to_string();
    fields.note = non_empty(form.note);
    state.store.update_target(&Actor::User(user.account.id), target.id, &fields).await?;
    Ok(Redirect::to(&format!("/places/{slug}")).into_response())
}
