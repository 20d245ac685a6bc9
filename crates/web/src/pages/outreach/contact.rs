//! `/contact`: the contact form (name, address, topic, message) for anyone, signed in or not,
//! rate-limited per client and per address, with its CSRF token (a session's, or the
//! signed-out double-submit cookie `fairer_csrf`, as the sign-in form); a query filed is
//! acknowledged by e-mail. `/contact/mine`: a member's own queries with their threads.
//! `/contact/queries` and `/contact/queries/{id}` (staff): every query, assigning, answering
//! (each answer e-mailed to the sender) and closing, the thread kept.
//!
//! The e-mails owed (an acknowledgement, an answer, a waiting list's promotion) are written by
//! the store in the transaction of what causes them; [`deliver_notices`] sends them, each
//! claimed by one sender so that none goes twice.

use std::net::IpAddr;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use store::{Account, Actor, ContactQuery, ContactRequest, Notice, CONTACT_TOPICS};

use super::{form_user, is_any_staff, private, see_other};
use crate::auth::csrf::{self, CSRF_COOKIE};
use crate::auth::session::{self, ClientIp};
use crate::auth::{self, CurrentUser, PageResult, Refusal, SESSION_LIFETIME};
use crate::mail::Outgoing;
use crate::{AppState, WebError};

/// The routes of contact.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/contact", get(form_page).post(submit))
        .route("/contact/sent", get(sent))
        .route("/contact/mine", get(mine))
        .route("/contact/queries", get(queries))
        .route("/contact/queries/{id}", get(query_page))
        .route("/contact/queries/{id}/{action}", post(act))
}

/// The contact page.
#[derive(Template)]
#[template(path = "contact.html")]
struct ContactPage {
    csrf: String,
    topics: &'static [&'static str],
    name: String,
    email: String,
    signed_in: bool,
    error: Option<String>,
}

/// `GET /contact`: the form, with the session's token, or the double-submit cookie's (made
/// when missing).
async fn form_page(State(state): State<AppState>, user: Option<CurrentUser>, headers: HeaderMap) -> PageResult {
    let (csrf, new_cookie) = match &user {
        Some(user) => (user.csrf_token.clone(), false),
        None => match session::read_cookie(&headers, &state.auth.cookie_name(CSRF_COOKIE)) {
            Some(token) => (token, false),
            None => (session::new_token()?, true),
        },
    };
    let page = ContactPage {
        csrf: csrf.clone(),
        topics: CONTACT_TOPICS,
        name: user.as_ref().map(|u| u.account.name.clone()).unwrap_or_default(),
        email: user.as_ref().map(|u| u.account.email.clone()).unwrap_or_default(),
        signed_in: user.is_some(),
        error: None,
    };
    let mut response = private(Html(page.render()?).into_response());
    if new_cookie {
        response
            .headers_mut()
            .append(header::SET_COOKIE, session::set_cookie(&state.auth, CSRF_COOKIE, &csrf, SESSION_LIFETIME));
    }
    Ok(response)
}

/// The contact form.
#[derive(Deserialize)]
pub struct ContactForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    message: String,
}

/// Queries a client (or an address) may send before waiting: [`crate::auth::throttle`]'s free
/// count (5 in 15 minutes), then a wait that doubles from 2 s to a minute.
fn rate_keys(ip: Option<IpAddr>, email: &str) -> Vec<String> {
    let mut keys = vec![format!("contact-email:{}", email.trim().to_lowercase())];
    if let Some(ip) = ip {
        keys.push(format!("contact-ip:{ip}"));
    }
    keys
}

/// A 429 page for the contact form with `Retry-After`.
fn too_many(seconds: u64) -> Response {
    let mut response = auth::error_page(
        StatusCode::TOO_MANY_REQUESTS,
        format!("Too many messages from here or from this address. Wait {seconds} seconds and send it again."),
    );
    if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// `POST /contact`: checks the token and the rate, files the query, sends the acknowledgement,
/// then to `/contact/sent`. A query that fails its checks shows the form again with the reason
/// (status 400) and what was typed.
async fn submit(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<ContactForm>,
) -> Response {
    let given = form.csrf.as_deref().unwrap_or("");
    let token_ok = match &user {
        Some(user) => csrf::tokens_match(&user.csrf_token, given),
        None => {
            let expected = session::read_cookie(&headers, &state.auth.cookie_name(CSRF_COOKIE)).unwrap_or_default();
            csrf::tokens_match(&expected, given)
        }
    };
    if !token_ok {
        return Refusal::Forbidden(
            "The form's security token is missing or out of date: reload the page and try again.",
        )
        .into_response();
    }
    let keys = rate_keys(ip, &form.email);
    if let Some(wait) = state.auth.throttle().wait(&keys) {
        return too_many(wait.as_secs() + u64::from(wait.subsec_nanos() > 0));
    }
    let request = ContactRequest {
        account_id: user.as_ref().map(|u| u.account.id),
        name: form.name.clone(),
        email: form.email.clone(),
        topic: form.topic.clone(),
        message: form.message.clone(),
    };
    match state.store.file_contact_query(&request).await {
        Ok(_) => {
            // Every query filed counts towards the rate (not only failures).
            state.auth.throttle().fail(&keys);
            deliver_notices(&state).await;
            see_other("/contact/sent")
        }
        Err(store::StoreError::BadInput(message)) => {
            let page = ContactPage {
                csrf: given.to_string(),
                topics: CONTACT_TOPICS,
                name: form.name,
                email: form.email,
                signed_in: user.is_some(),
                error: Some(message),
            };
            match page.render() {
                Ok(body) => private((StatusCode::BAD_REQUEST, Html(body)).into_response()),
                Err(e) => WebError::Template(e).into_response(),
            }
        }
        Err(e) => WebError::Store(e).into_response(),
    }
}

/// The page after sending.
#[derive(Template)]
#[template(path = "contact_sent.html")]
struct SentPage {}

/// `GET /contact/sent`.
async fn sent() -> PageResult {
    Ok(Html(SentPage {}.render()?).into_response())
}

/// A member's own queries.
#[derive(Template)]
#[template(path = "contact_mine.html")]
struct MinePage {
    queries: Vec<ContactQuery>,
}

/// `GET /contact/mine`: the signed-in member's queries with their threads (theirs only).
async fn mine(State(state): State<AppState>, user: Option<CurrentUser>) -> PageResult {
    let user = auth::signed_in(user, "/contact/mine")?;
    let queries = state.store.contact_queries_of(user.account.id).await?;
    Ok(private(Html(MinePage { queries }.render()?).into_response()))
}

/// Refuses unless `user` is staff (any staff role, or an administrator).
fn require_any_staff(user: &CurrentUser) -> Result<(), Refusal> {
    if is_any_staff(&user.account) {
        Ok(())
    } else {
        Err(Refusal::Forbidden("Only the network's staff may see the queries."))
    }
}

/// `?status=` of the staff's list.
#[derive(Deserialize)]
pub struct StatusFilter {
    status: Option<String>,
}

/// The staff's list.
#[derive(Template)]
#[template(path = "contact_queries.html")]
struct QueriesPage {
    queries: Vec<ContactQuery>,
    status: String,
}

/// `GET /contact/queries` (staff).
async fn queries(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Query(filter): Query<StatusFilter>,
) -> PageResult {
    let user = auth::signed_in(user, "/contact/queries")?;
    require_any_staff(&user)?;
    let status =
        super::text(&filter.status).filter(|s| ["open", "assigned", "answered", "closed"].contains(&s.as_str()));
    let queries = state.store.contact_queries(status.as_deref()).await?;
    Ok(private(Html(QueriesPage { queries, status: status.unwrap_or_default() }.render()?).into_response()))
}

/// One query for the staff.
#[derive(Template)]
#[template(path = "contact_query.html")]
struct QueryPage {
    query: ContactQuery,
    csrf: String,
    staff: Vec<Account>,
}

/// The query `id`, or a 404.
async fn query_of(state: &AppState, id: i64) -> Result<ContactQuery, Refusal> {
    state.store.contact_query(id).await?.ok_or_else(|| Refusal::Web(WebError::NotFound(format!("the query {id}"))))
}

/// `GET /contact/queries/{id}` (staff): the thread, and the forms to assign, answer, close.
async fn query_page(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<i64>) -> PageResult {
    let user = auth::signed_in(user, &format!("/contact/queries/{id}"))?;
    require_any_staff(&user)?;
    let query = query_of(&state, id).await?;
    let staff = state.store.accounts().await?.into_iter().filter(|a| is_any_staff(a) && !a.disabled).collect();
    Ok(private(Html(QueryPage { query, csrf: user.csrf_token, staff }.render()?).into_response()))
}

/// A staff action's form: `assign` (`staff`: an account id, empty to unassign), `answer`
/// (`message`), `close`.
#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    staff: Option<String>,
    #[serde(default)]
    message: String,
}

/// `POST /contact/queries/{id}/{assign|answer|close}` (staff).
async fn act(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path((id, action)): Path<(i64, String)>,
    Form(form): Form<ActionForm>,
) -> PageResult {
    let user = form_user(user, form.csrf.as_deref())?;
    require_any_staff(&user)?;
    let actor = Actor::User(user.account.id);
    match action.as_str() {
        "assign" => {
            let staff = match super::text(&form.staff) {
                None => None,
                Some(s) => Some(s.parse::<i64>().map_err(|_| {
                    Refusal::Web(WebError::BadRequest(format!("the field staff: expected an account, found {s}")))
                })?),
            };
            if let Some(staff) = staff {
                let account = state.store.account(staff).await?;
                if !account.is_some_and(|a| is_any_staff(&a)) {
                    return Err(Refusal::Web(WebError::BadRequest(format!("the account {staff} is not staff"))));
                }
            }
            state.store.assign_contact_query(&actor, id, staff).await?;
        }
        "answer" => {
            state.store.answer_contact_query(user.account.id, id, &form.message).await?;
            deliver_notices(&state).await;
        }
        "close" => {
            state.store.close_contact_query(&actor, id).await?;
        }
        other => {
            return Err(Refusal::Web(WebError::NotFound(format!("the action {other} (assign, answer, close)"))));
        }
    }
    Ok(see_other(&format!("/contact/queries/{id}")))
}

/// The message of notice `notice`: recipient, subject, text; `None` when what it is about is
/// gone (a registration cancelled since, a query deleted).
async fn compose(state: &AppState, notice: &Notice) -> Result<Option<Outgoing>, WebError> {
    let mail = &state.mail;
    let out =
        |subject: String, text: String| Outgoing { to: notice.recipient.clone(), subject, text, ..Default::default() };
    match notice.kind.as_str() {
        "promoted" => {
            let registration = match state.store.registration_by_id(notice.subject_id).await {
                Ok(r) => r,
                Err(store::StoreError::NotFound(_)) => return Ok(None),
                Err(e) => return Err(e.into()),
            };
            if registration.status != store::RegistrationStatus::Place {
                return Ok(None);
            }
            let Some(session_id) = registration.session_id else { return Ok(None) };
            let session = state.store.event_session(session_id).await?;
            let event = state.store.events().await?.into_iter().find(|e| e.id == registration.event_id);
            let Some(event) = event else { return Ok(None) };
            let link = mail.link(&format!("/events/{}", event.fields.slug));
            Ok(Some(out(
                format!("A place for you: {} at {}", session.fields.title, event.fields.title),
                format!(
                    "A place has freed up in the breakout session \"{}\" of {} ({}), and it is yours: you were first on its waiting list.\n\n\
                     Your registration: {link}\n\nIf you can no longer come, cancel there so that the next person in line gets the place.\n",
                    session.fields.title, event.fields.title, event.fields.starts_on
                ),
            )))
        }
        "contact_ack" => {
            let Some(query) = state.store.contact_query(notice.subject_id).await? else { return Ok(None) };
            let first = query.messages.first().map(|m| m.body.clone()).unwrap_or_default();
            Ok(Some(out(
                format!("We have your query (reference {})", query.id),
                format!(
                    "Dear {},\n\nThank you for writing to the network. Your query about {} has reference {} and a member of staff will answer it.\n\n\
                     What you wrote:\n\n{first}\n",
                    query.name, query.topic, query.id
                ),
            )))
        }
        "contact_answer" => {
            let (query_id, message) = match state.store.contact_message(notice.subject_id).await {
                Ok(m) => m,
                Err(store::StoreError::NotFound(_)) => return Ok(None),
                Err(e) => return Err(e.into()),
            };
            let by = message.author_name.unwrap_or_else(|| "the network's staff".into());
            Ok(Some(out(
                format!("An answer to your query (reference {query_id})"),
                format!("{by} answered your query {query_id}:\n\n{}\n", message.body),
            )))
        }
        _ => Ok(None),
    }
}

/// Sends the e-mails owed, oldest first: each claimed (so that a second sender skips it),
/// composed, sent, marked sent; a message that fails for now is released to be tried again at
/// the next delivery, one refused for good is marked done (the failure logged). Failures are
/// logged, never shown to the person whose action caused the e-mail.
pub async fn deliver_notices(state: &AppState) {
    let notices = match state.store.pending_notices(100).await {
        Ok(n) => n,
        Err(e) => {
            eprintln!("notices: {e}");
            return;
        }
    };
    for notice in notices {
        match state.store.claim_notice(notice.id).await {
            Ok(true) => {}
            Ok(false) => continue,
            Err(e) => {
                eprintln!("notices: {e}");
                continue;
            }
        }
        let sent = match compose(state, &notice).await {
            Ok(Some(out)) => match state.mail.send(&out).await {
                Ok(()) => true,
                Err(e) => {
                    eprintln!("notices: the {} e-mail {}: {e}", notice.kind, notice.id);
                    e.is_permanent()
                }
            },
            Ok(None) => true,
            Err(e) => {
                eprintln!("notices: the {} e-mail {}: {e}", notice.kind, notice.id);
                false
            }
        };
        if let Err(e) = state.store.finish_notice(notice.id, sent).await {
            eprintln!("notices: {e}");
        }
    }
}
