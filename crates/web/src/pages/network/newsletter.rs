//! The newsletter's pages.
//!
//! - `/newsletter`: the subscription form and the public archive of past issues;
//!   `/newsletter/issues/{id}`: a sent issue (no one's place section).
//! - `POST /newsletter/subscribe`: the same answer for any address; a new address is sent a
//!   confirmation link (double opt-in: nothing is sent until it is followed), an address
//!   already subscribed is told so by e-mail.
//! - `/newsletter/confirm?token=…` (GET: a button; POST: subscribes, once).
//! - `/newsletter/unsubscribe?token=…`: GET shows a button; POST unsubscribes — the same URL
//!   is the message's `List-Unsubscribe`, which mail programs POST to with
//!   `List-Unsubscribe=One-Click` (RFC 8058): the token in the URL is the only credential (no
//!   CSRF token, no session), and it can do nothing but unsubscribe.
//! - `/newsletter/compose` (editors and administrators): drafts, a new draft, and
//!   `/newsletter/issues/{id}/edit` to change one with a preview of its HTML and of a member's
//!   place section.

use std::time::SystemTime;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use store::network::{EmailLink, Issue, IssueDraft, LinkPurpose, SubscriberStatus};
use store::Actor;

use super::join::{link_gone, MessagePage, TokenQuery};
use super::{
    check_form_token, count_attempt, form_token, link_token, page, send_later, token_hash, LINK_LIFETIME,
    NEWSLETTER_WORDING,
};
use crate::auth::session::ClientIp;
use crate::auth::{self, csrf, CurrentUser, PageResult, Refusal};
use crate::mail::newsletter::{markdown_html, Composed};
use crate::mail::Outgoing;
use crate::{AppState, WebError};

/// The routes of the newsletter.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/newsletter", get(home))
        .route("/newsletter/subscribe", post(subscribe))
        .route("/newsletter/confirm", get(confirm_page).post(confirm))
        .route("/newsletter/unsubscribe", get(unsubscribe_page).post(unsubscribe))
        .route("/newsletter/issues/{id}", get(issue_page))
        .route("/newsletter/compose", get(compose).post(create))
        .route("/newsletter/issues/{id}/edit", get(edit_form).post(edit))
}

/// An issue in a list.
pub(crate) struct IssueItem {
    id: i64,
    subject: String,
    date: String,
}

impl IssueItem {
    fn of(issue: &Issue) -> IssueItem {
        let date = issue.sent_at.as_deref().unwrap_or(&issue.updated_at).chars().take(10).collect();
        IssueItem { id: issue.id, subject: issue.subject.clone(), date }
    }
}

#[derive(Template)]
#[template(path = "network_newsletter.html")]
struct HomePage {
    csrf: String,
    wording: &'static str,
    issues: Vec<IssueItem>,
}

/// `GET /newsletter`.
async fn home(State(state): State<AppState>, headers: HeaderMap) -> PageResult {
    let token = form_token(&state, &headers)?;
    let issues = state.store.issues(true).await?.iter().map(IssueItem::of).collect();
    let html = HomePage { csrf: token.token.clone(), wording: NEWSLETTER_WORDING, issues }.render()?;
    Ok(page(&state, StatusCode::OK, html, Some(&token)))
}

/// The subscription form.
#[derive(Deserialize)]
pub struct SubscribeForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    #[serde(default)]
    email: String,
}

/// `POST /newsletter/subscribe`.
async fn subscribe(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<SubscribeForm>,
) -> Response {
    let result: PageResult = async {
        check_form_token(&state, &headers, form.csrf.as_deref())?;
        let email = form.email.trim().to_lowercase();
        let keys: Vec<String> = std::iter::once(format!("subscribe-email:{email}"))
            .chain(ip.map(|ip| format!("subscribe-ip:{ip}")))
            .collect();
        if let Some(response) = count_attempt(&state, &keys) {
            return Ok(response);
        }
        let email = store::normalise_email(&email)?;
        let mailer = state.mailer();
        let existing = state.store.subscriber_by_email(&email).await?;
        let out = match existing.filter(|s| s.status == SubscriberStatus::Active) {
            Some(subscriber) => Outgoing {
                to: email.clone(),
                subject: "You already receive the Fairer newsletter".into(),
                text: format!(
                    "Someone (perhaps you) asked to subscribe this address to the Fairer newsletter, which it \
                     already receives.\n\nTo stop receiving it: {}\n",
                    mailer.link(&format!("/newsletter/unsubscribe?token={}", subscriber.unsubscribe_token))
                ),
                ..Default::default()
            },
            None => {
                let (token, hash) = link_token()?;
                let payload = serde_json::json!({ "wording": NEWSLETTER_WORDING });
                state.store.create_email_link(LinkPurpose::Subscribe, &email, &payload, &hash, LINK_LIFETIME).await?;
                Outgoing {
                    to: email.clone(),
                    subject: "Confirm your subscription to the Fairer newsletter".into(),
                    text: format!(
                        "To receive the Fairer newsletter, open this link within 48 hours and press \"Confirm\":\n\n\
                         {}\n\nThe link works once. If you did not ask, you need do nothing: you will not be sent \
                         the newsletter.\n",
                        mailer.link(&format!("/newsletter/confirm?token={token}"))
                    ),
                    ..Default::default()
                }
            }
        };
        send_later(mailer, out);
        let message = MessagePage {
            title: "Check your e-mail".into(),
            paragraphs: vec![format!(
                "We have sent a message to {email}. Open the link in it within 48 hours to confirm your subscription."
            )],
            link: Some(("/newsletter".into(), "Back to the newsletter".into())),
            form: None,
        };
        Ok(page(&state, StatusCode::OK, message.render()?, None))
    }
    .await;
    result.into_response()
}

/// `GET /newsletter/confirm?token=…`.
async fn confirm_page(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<TokenQuery>) -> PageResult {
    let token = form_token(&state, &headers)?;
    let message = MessagePage {
        title: "Confirm your subscription".into(),
        paragraphs: vec!["Press the button to receive the Fairer newsletter.".into()],
        link: None,
        form: Some(("/newsletter/confirm".into(), token.token.clone(), q.token, "Confirm my subscription".into())),
    };
    Ok(page(&state, StatusCode::OK, message.render()?, Some(&token)))
}

/// The confirmation form.
#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    #[serde(default)]
    token: String,
}

/// `POST /newsletter/confirm`.
async fn confirm(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<ConfirmForm>) -> PageResult {
    check_form_token(&state, &headers, form.csrf.as_deref())?;
    let link = state.store.take_email_link(LinkPurpose::Subscribe, &token_hash(&form.token), SystemTime::now()).await?;
    let EmailLink::Valid { email, payload } = link else {
        let html = link_gone("subscribe", ("/newsletter", "Subscribe again")).render()?;
        return Ok(page(&state, StatusCode::GONE, html, None));
    };
    let wording = payload.get("wording").and_then(|w| w.as_str()).unwrap_or(NEWSLETTER_WORDING).to_string();
    let (unsubscribe, _) = link_token()?;
    let subscriber = state
        .store
        .confirm_subscription(
            &email,
            &wording,
            "the form at /newsletter, confirmed by the link sent to the address",
            &unsubscribe,
        )
        .await?;
    let message = MessagePage {
        title: "You are subscribed".into(),
        paragraphs: vec![format!(
            "{} will receive the Fairer newsletter. Every issue has a link to unsubscribe at once.",
            subscriber.email
        )],
        link: Some(("/newsletter".into(), "Past issues".into())),
        form: None,
    };
    Ok(page(&state, StatusCode::OK, message.render()?, None))
}

/// `GET /newsletter/unsubscribe?token=…`: a button (looking unsubscribes no one).
async fn unsubscribe_page(State(state): State<AppState>, Query(q): Query<TokenQuery>) -> PageResult {
    let found = state.store.subscriber_by_token(&q.token).await?;
    let message = match found {
        Some(s) if s.status == SubscriberStatus::Active => MessagePage {
            title: "Unsubscribe from the newsletter".into(),
            paragraphs: vec![format!("Press the button to stop sending the Fairer newsletter to {}.", s.email)],
            link: None,
            form: Some((
                format!("/newsletter/unsubscribe?token={}", q.token),
                String::new(),
                q.token.clone(),
                "Unsubscribe".into(),
            )),
        },
        Some(s) => MessagePage {
            title: "You are not subscribed".into(),
            paragraphs: vec![format!("{} does not receive the newsletter.", s.email)],
            link: Some(("/newsletter".into(), "Subscribe again".into())),
            form: None,
        },
        None => link_gone("unsubscribe", ("/newsletter", "The newsletter")),
    };
    let status = if matches!(message.title.as_str(), "This link no longer works") {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::OK
    };
    Ok(page(&state, status, message.render()?, None))
}

/// `POST /newsletter/unsubscribe?token=…`: one-click (RFC 8058: the body
/// `List-Unsubscribe=One-Click`) or the page's button.
async fn unsubscribe(
    State(state): State<AppState>,
    Query(q): Query<TokenQuery>,
    body: axum::body::Bytes,
) -> PageResult {
    let one_click =
        super::form_pairs(&body).map(|p| super::field(&p, "List-Unsubscribe") == "One-Click").unwrap_or(false);
    let method = if one_click { "one-click unsubscribe (RFC 8058) from a message" } else { "the unsubscribe page" };
    let Some(subscriber) = state.store.unsubscribe(&q.token, method).await? else {
        let html = link_gone("unsubscribe", ("/newsletter", "The newsletter")).render()?;
        return Ok(page(&state, StatusCode::NOT_FOUND, html, None));
    };
    let message = MessagePage {
        title: "You are unsubscribed".into(),
        paragraphs: vec![format!("{} will not be sent the Fairer newsletter any more.", subscriber.email)],
        link: Some(("/newsletter".into(), "Subscribe again".into())),
        form: None,
    };
    Ok(page(&state, StatusCode::OK, message.render()?, None))
}

#[derive(Template)]
#[template(path = "network_issue.html")]
struct IssuePage {
    subject: String,
    date: String,
    html: String,
}

/// `GET /newsletter/issues/{id}`: a sent issue.
async fn issue_page(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Response, WebError> {
    let issue = state
        .store
        .issue(id)
        .await?
        .filter(|i| i.status == "sent")
        .ok_or_else(|| WebError::NotFound(format!("the issue {id} of the newsletter")))?;
    let date = IssueItem::of(&issue).date;
    crate::pages::render(&IssuePage { html: markdown_html(&issue.body), subject: issue.subject, date })
}

/// Refuses unless `user` writes the newsletter (an editor or an administrator).
fn require_editor(user: &CurrentUser) -> Result<(), Refusal> {
    if user.account.is_staff("editor") {
        Ok(())
    } else {
        Err(Refusal::Forbidden("Only editors and administrators write the newsletter."))
    }
}

#[derive(Template)]
#[template(path = "network_compose.html")]
struct ComposePage {
    csrf: String,
    issues: Vec<(IssueItem, String)>,
    subscribers: i64,
}

/// `GET /newsletter/compose`.
async fn compose(State(state): State<AppState>, user: Option<CurrentUser>) -> PageResult {
    let user = auth::signed_in(user, "/newsletter/compose")?;
    require_editor(&user)?;
    let issues = state.store.issues(false).await?.iter().map(|i| (IssueItem::of(i), i.status.clone())).collect();
    let html =
        ComposePage { csrf: user.csrf_token, issues, subscribers: state.store.active_subscribers().await? }.render()?;
    Ok(page(&state, StatusCode::OK, html, None))
}

/// A draft's form.
#[derive(Deserialize)]
pub struct DraftForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    personalised: String,
}

impl DraftForm {
    fn draft(&self) -> IssueDraft {
        IssueDraft { subject: self.subject.clone(), body: self.body.clone(), personalised: self.personalised == "yes" }
    }
}

/// `POST /newsletter/compose`: a new draft, then its edit page.
async fn create(State(state): State<AppState>, user: Option<CurrentUser>, Form(form): Form<DraftForm>) -> PageResult {
    let user = auth::signed_in_form(user)?;
    csrf::check(&user, form.csrf.as_deref())?;
    require_editor(&user)?;
    let issue = state.store.create_issue(&Actor::User(user.account.id), &form.draft()).await?;
    Ok(Redirect::to(&format!("/newsletter/issues/{}/edit", issue.id)).into_response())
}

#[derive(Template)]
#[template(path = "network_issue_edit.html")]
struct EditPage {
    csrf: String,
    id: i64,
    subject: String,
    body: String,
    personalised: bool,
    draft: bool,
    preview_html: String,
    place_preview: Option<String>,
}

/// The edit page of `issue`, with its preview: the HTML of the body and, for a personalised
/// issue, the place section the editor's own places (or, for an editor with none, the first
/// member's) would get now.
async fn edit_page(state: &AppState, user: &CurrentUser, issue: Issue) -> Result<Response, Refusal> {
    let place_preview = if issue.personalised {
        let composed = preview_sections(state, &issue).await?;
        let places = match state.store.member(user.account.id).await? {
            Some(m) if !m.places.is_empty() => m.places,
            _ => state
                .store
                .members()
                .await?
                .into_iter()
                .find(|m| !m.places.is_empty())
                .map(|m| m.places)
                .unwrap_or_default(),
        };
        let html: String = places.iter().filter_map(|p| composed.sections.get(p)).map(|s| s.html.clone()).collect();
        Some(if html.is_empty() {
            "<p>No indicator has changed in these places since the last issue.</p>".into()
        } else {
            html
        })
    } else {
        None
    };
    let html = EditPage {
        csrf: user.csrf_token.clone(),
        id: issue.id,
        preview_html: markdown_html(&issue.body),
        draft: issue.status == "draft",
        subject: issue.subject,
        body: issue.body,
        personalised: issue.personalised,
        place_preview,
    }
    .render()?;
    Ok(page(state, StatusCode::OK, html, None))
}

/// The place sections an issue would carry if sent now.
async fn preview_sections(state: &AppState, issue: &Issue) -> Result<Composed, WebError> {
    let changes = match state.store.latest_release().await? {
        Some(release) => {
            let previous =
                state.store.issues(true).await?.into_iter().find(|i| i.id != issue.id).and_then(|i| i.release_id);
            state.store.place_changes(release.id, previous).await?
        }
        None => Default::default(),
    };
    Ok(Composed::new(issue.clone(), &changes))
}

/// `GET /newsletter/issues/{id}/edit`.
async fn edit_form(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<i64>) -> PageResult {
    let user = auth::signed_in(user, &format!("/newsletter/issues/{id}/edit"))?;
    require_editor(&user)?;
    let issue = state.store.issue(id).await?.ok_or_else(|| WebError::NotFound(format!("the issue {id}")))?;
    edit_page(&state, &user, issue).await
}

/// `POST /newsletter/issues/{id}/edit`: saves the draft and shows it again with its preview.
async fn edit(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<i64>,
    Form(form): Form<DraftForm>,
) -> PageResult {
    let user = auth::signed_in_form(user)?;
    csrf::check(&user, form.csrf.as_deref())?;
    require_editor(&user)?;
    let issue = state.store.update_issue(&Actor::User(user.account.id), id, &form.draft()).await?;
    edit_page(&state, &user, issue).await
}
