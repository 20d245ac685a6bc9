//! `/events`: the network's events; `/events/{slug}`: an event's sessions (plenary and
//! breakout, with theme, places, room or link, facilitators, recordings) and the report, and a
//! signed-in member's registration (a breakout chosen, accessibility and dietary needs) or its
//! state (a place, or a place on the waiting list) with a cancel button; the events staff's
//! forms (a new event, sessions, capacity, facilitators, recordings, the report) and the
//! check-in list (`/events/{slug}/check-in`, the only page that shows others' needs);
//! `/events/facilitators/{id}`: the sessions a member facilitated over the years.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use store::{
    Actor, CheckInRow, Event, EventFields, EventSession, FacilitatedSession, Registration, RegistrationRequest,
    RegistrationStatus, SessionFields, SessionKind, StoreError,
};

use super::{form_user, private, require_staff, see_other, text};
use crate::auth::{self, CurrentUser, PageResult, Refusal};
use crate::{AppState, WebError};

/// The routes of events.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/events", get(list).post(create))
        .route("/events/facilitators/{id}", get(facilitator))
        .route("/events/{slug}", get(page))
        .route("/events/{slug}/register", post(register))
        .route("/events/{slug}/cancel", post(cancel))
        .route("/events/{slug}/sessions", post(add_session))
        .route("/events/{slug}/sessions/{id}", post(change_session))
        .route("/events/{slug}/report", post(attach_report))
        .route("/events/{slug}/check-in", get(check_in_page))
        .route("/events/{slug}/check-in/{registration}", post(check_in))
}

/// The events page.
#[derive(Template)]
#[template(path = "events_list.html")]
struct ListPage {
    events: Vec<Event>,
    /// The staff's CSRF token, when the user may make events.
    staff_csrf: Option<String>,
    kinds: &'static [&'static str],
}

/// `GET /events`.
async fn list(State(state): State<AppState>, user: Option<CurrentUser>) -> PageResult {
    let staff_csrf = user.filter(|u| super::is_staff(&u.account, "events")).map(|u| u.csrf_token);
    let page = ListPage { events: state.store.events().await?, staff_csrf, kinds: store::events::EVENT_KINDS };
    Ok(private(Html(page.render()?).into_response()))
}

/// The new event form.
#[derive(Deserialize)]
pub struct EventForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    starts_on: String,
    #[serde(default)]
    ends_on: String,
    venue: Option<String>,
    #[serde(default)]
    description: String,
    needs_kept_days: Option<String>,
}

/// `POST /events`: a new event (events staff).
async fn create(State(state): State<AppState>, user: Option<CurrentUser>, Form(form): Form<EventForm>) -> PageResult {
    let user = form_user(user, form.csrf.as_deref())?;
    require_staff(&user, "events")?;
    let days = match text(&form.needs_kept_days) {
        None => 30,
        Some(d) => {
            d.parse().map_err(|_| bad(format!("the field needs_kept_days: expected a number of days, found {d}")))?
        }
    };
    let fields = EventFields {
        slug: form.slug.trim().to_string(),
        title: form.title,
        kind: form.kind,
        starts_on: form.starts_on.trim().to_string(),
        ends_on: form.ends_on.trim().to_string(),
        venue: text(&form.venue),
        description: form.description,
        needs_kept_days: days,
    };
    let event = state.store.create_event(&Actor::User(user.account.id), &fields).await?;
    Ok(see_other(&format!("/events/{}", event.fields.slug)))
}

/// A 400 saying `message`.
fn bad(message: String) -> Refusal {
    Refusal::Web(WebError::Store(StoreError::BadInput(message)))
}

/// The event of `slug`, or a 404.
async fn event_of(state: &AppState, slug: &str) -> Result<Event, Refusal> {
    state.store.event(slug).await?.ok_or_else(|| Refusal::Web(WebError::NotFound(format!("the event {slug}"))))
}

/// A member's registration as shown to them.
pub struct MyRegistration {
    /// The registration.
    pub registration: Registration,
    /// What it gives, in words.
    pub state: String,
}

/// An event's page.
#[derive(Template)]
#[template(path = "events_event.html")]
struct EventPage {
    event: Event,
    sessions: Vec<EventSession>,
    breakouts: Vec<EventSession>,
    /// The signed-in user's CSRF token (forms shown only when signed in).
    csrf: Option<String>,
    /// The signed-in member's registration, if any and not cancelled.
    mine: Option<MyRegistration>,
    /// Whether the user is events staff (the staff's forms and the check-in link).
    staff: bool,
    /// Whether the event has ended (registration closed).
    ended: bool,
}

impl EventPage {
    /// "25 places, 3 left", "no limit".
    fn places(&self, session: &EventSession) -> String {
        let places = |c: i64| if c == 1 { "1 place".to_string() } else { format!("{c} places") };
        match (session.fields.capacity, session.places_left()) {
            (Some(c), Some(0)) => format!("{}, none left ({} waiting)", places(c), session.waiting),
            (Some(c), Some(left)) => format!("{}, {left} left", places(c)),
            _ => "no limit".to_string(),
        }
    }
}

/// `GET /events/{slug}`.
async fn page(State(state): State<AppState>, user: Option<CurrentUser>, Path(slug): Path<String>) -> PageResult {
    let event = event_of(&state, &slug).await?;
    let sessions = state.store.event_sessions(event.id).await?;
    let mine = match &user {
        Some(user) => state
            .store
            .registration(event.id, user.account.id)
            .await?
            .filter(|r| r.status != RegistrationStatus::Cancelled)
            .map(|registration| {
                let title = registration
                    .session_id
                    .and_then(|id| sessions.iter().find(|s| s.id == id))
                    .map(|s| s.fields.title.clone());
                let state = match (registration.status, title, registration.position) {
                    (RegistrationStatus::Waiting, Some(t), Some(p)) => {
                        format!("You are number {p} on the waiting list for the breakout \u{201c}{t}\u{201d}. We will e-mail you if a place frees up.")
                    }
                    (_, Some(t), _) => format!("You have a place at the event and in the breakout \u{201c}{t}\u{201d}."),
                    _ => "You have a place at the event's plenary sessions.".to_string(),
                };
                MyRegistration { registration, state }
            }),
        None => None,
    };
    let breakouts = sessions.iter().filter(|s| s.fields.kind == SessionKind::Breakout).cloned().collect();
    let staff = user.as_ref().is_some_and(|u| super::is_staff(&u.account, "events"));
    let ended = event.fields.ends_on < store::utc_today();
    let page = EventPage { event, sessions, breakouts, csrf: user.map(|u| u.csrf_token), mine, staff, ended };
    Ok(private(Html(page.render()?).into_response()))
}

/// The registration form.
#[derive(Deserialize)]
pub struct RegisterForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    /// A breakout's id, or empty for the plenaries only.
    session: Option<String>,
    accessibility_needs: Option<String>,
    dietary_needs: Option<String>,
}

/// `POST /events/{slug}/register`: the signed-in member registers.
async fn register(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(slug): Path<String>,
    Form(form): Form<RegisterForm>,
) -> PageResult {
    let user = form_user(user, form.csrf.as_deref())?;
    let event = event_of(&state, &slug).await?;
    if event.fields.ends_on < store::utc_today() {
        return Err(bad(format!("the event {slug} has ended: registration is closed")));
    }
    let session_id = match text(&form.session) {
        None => None,
        Some(id) => {
            Some(id.parse::<i64>().map_err(|_| bad(format!("the field session: expected a session, found {id}")))?)
        }
    };
    let request = RegistrationRequest {
        session_id,
        accessibility_needs: text(&form.accessibility_needs),
        dietary_needs: text(&form.dietary_needs),
    };
    state.store.register(user.account.id, event.id, &request).await?;
    Ok(see_other(&format!("/events/{slug}")))
}

/// A form with only its token.
#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
}

/// `POST /events/{slug}/cancel`: the signed-in member cancels; a place freed goes to the first
/// in line, who is e-mailed.
async fn cancel(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(slug): Path<String>,
    Form(form): Form<TokenForm>,
) -> PageResult {
    let user = form_user(user, form.csrf.as_deref())?;
    let event = event_of(&state, &slug).await?;
    let (_, promoted) = state.store.cancel_registration(user.account.id, event.id).await?;
    if !promoted.is_empty() {
        crate::pages::outreach::contact::deliver_notices(&state).await;
    }
    Ok(see_other(&format!("/events/{slug}")))
}

/// The new session form.
#[derive(Deserialize)]
pub struct SessionForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    theme: Option<String>,
    starts_at: Option<String>,
    capacity: Option<String>,
    room: Option<String>,
    link: Option<String>,
    #[serde(default)]
    description: String,
}

/// A capacity field: empty for no limit.
fn capacity_of(value: &Option<String>) -> Result<Option<i64>, Refusal> {
    match text(value) {
        None => Ok(None),
        Some(c) => c
            .parse::<i64>()
            .map(Some)
            .map_err(|_| bad(format!("the field capacity: expected a number of places or nothing, found {c}"))),
    }
}

/// `POST /events/{slug}/sessions`: a new session (events staff).
async fn add_session(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(slug): Path<String>,
    Form(form): Form<SessionForm>,
) -> PageResult {
    let user = form_user(user, form.csrf.as_deref())?;
    require_staff(&user, "events")?;
    let event = event_of(&state, &slug).await?;
    let fields = SessionFields {
        kind: SessionKind::parse(&form.kind)?,
        title: form.title,
        theme: text(&form.theme),
        starts_at: text(&form.starts_at),
        capacity: capacity_of(&form.capacity)?,
        room: text(&form.room),
        link: text(&form.link),
        description: form.description,
    };
    state.store.add_session(&Actor::User(user.account.id), event.id, &fields).await?;
    Ok(see_other(&format!("/events/{slug}")))
}

/// A change to a session: `action` = `capacity`, `facilitators` (e-mail addresses, one a
/// line or separated by commas) or `recording`.
#[derive(Deserialize)]
pub struct ChangeForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    #[serde(default)]
    action: String,
    capacity: Option<String>,
    facilitators: Option<String>,
    recording_url: Option<String>,
}

/// `POST /events/{slug}/sessions/{id}` (events staff).
async fn change_session(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path((slug, id)): Path<(String, i64)>,
    Form(form): Form<ChangeForm>,
) -> PageResult {
    let user = form_user(user, form.csrf.as_deref())?;
    require_staff(&user, "events")?;
    let event = event_of(&state, &slug).await?;
    let session = state.store.event_session(id).await?;
    if session.event_id != event.id {
        return Err(Refusal::Web(WebError::NotFound(format!("the session {id} of the event {slug}"))));
    }
    let actor = Actor::User(user.account.id);
    match form.action.as_str() {
        "capacity" => {
            let (_, promoted) = state.store.set_session_capacity(&actor, id, capacity_of(&form.capacity)?).await?;
            if !promoted.is_empty() {
                super::contact::deliver_notices(&state).await;
            }
        }
        "facilitators" => {
            let mut accounts = Vec::new();
            for email in form.facilitators.as_deref().unwrap_or("").split([',', '\n', ';']) {
                let email = email.trim();
                if email.is_empty() {
                    continue;
                }
                let found = state.store.account_for_sign_in(email).await?;
                let (account, _) =
                    found.ok_or_else(|| bad(format!("the facilitator {email}: no member has this address")))?;
                accounts.push(account.id);
            }
            state.store.set_facilitators(&actor, id, &accounts).await?;
        }
        "recording" => {
            let url = text(&form.recording_url).ok_or_else(|| bad("the field recording_url is empty".into()))?;
            state.store.attach_recording(&actor, id, &url).await?;
        }
        other => return Err(bad(format!("the action {other:?}: expected capacity, facilitators or recording"))),
    }
    Ok(see_other(&format!("/events/{slug}")))
}

/// The report form.
#[derive(Deserialize)]
pub struct ReportForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    #[serde(default)]
    title: String,
    #[serde(default)]
    url: String,
}

/// `POST /events/{slug}/report` (events staff).
async fn attach_report(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(slug): Path<String>,
    Form(form): Form<ReportForm>,
) -> PageResult {
    let user = form_user(user, form.csrf.as_deref())?;
    require_staff(&user, "events")?;
    let event = event_of(&state, &slug).await?;
    state.store.attach_event_report(&Actor::User(user.account.id), event.id, &form.title, &form.url).await?;
    Ok(see_other(&format!("/events/{slug}")))
}

/// The check-in list.
#[derive(Template)]
#[template(path = "events_check_in.html")]
struct CheckInPage {
    event: Event,
    rows: Vec<CheckInRow>,
    csrf: String,
    checked_in: usize,
}

/// `GET /events/{slug}/check-in` (events staff): everyone with a place or waiting, their
/// breakout and needs, and a check-in button each.
async fn check_in_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(slug): Path<String>,
) -> PageResult {
    let user = auth::signed_in(user, &format!("/events/{slug}/check-in"))?;
    require_staff(&user, "events")?;
    let event = event_of(&state, &slug).await?;
    let rows = state.store.check_in_list(event.id).await?;
    let checked_in = rows.iter().filter(|r| r.registration.checked_in_at.is_some()).count();
    let page = CheckInPage { event, rows, csrf: user.csrf_token, checked_in };
    Ok(private(Html(page.render()?).into_response()))
}

/// The check-in form: `in=1` checks in, `in=0` undoes it.
#[derive(Deserialize)]
pub struct CheckInForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    #[serde(default, rename = "in")]
    checked_in: String,
}

/// `POST /events/{slug}/check-in/{registration}` (events staff).
async fn check_in(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path((slug, registration)): Path<(String, i64)>,
    Form(form): Form<CheckInForm>,
) -> PageResult {
    let user = form_user(user, form.csrf.as_deref())?;
    require_staff(&user, "events")?;
    let event = event_of(&state, &slug).await?;
    if state.store.registration_by_id(registration).await?.event_id != event.id {
        return Err(Refusal::Web(WebError::NotFound(format!("the registration {registration} of the event {slug}"))));
    }
    state.store.check_in(&Actor::User(user.account.id), registration, form.checked_in != "0").await?;
    Ok(see_other(&format!("/events/{slug}/check-in")))
}

/// A facilitator's sessions.
#[derive(Template)]
#[template(path = "events_facilitator.html")]
struct FacilitatorPage {
    name: String,
    sessions: Vec<FacilitatedSession>,
}

/// `GET /events/facilitators/{id}`: the sessions member `id` facilitated, over the years
/// (facilitators are named on the events' pages: this lists only what those pages show).
async fn facilitator(State(state): State<AppState>, Path(id): Path<i64>) -> PageResult {
    let sessions = state.store.facilitated_sessions(id).await?;
    if sessions.is_empty() {
        return Err(Refusal::Web(WebError::NotFound(format!("the facilitator {id}"))));
    }
    let name = state.store.account(id).await?.map(|a| a.name).unwrap_or_default();
    Ok(Html(FacilitatorPage { name, sessions }.render()?).into_response())
}
