//! `/password/forgot` (GET, POST) and `/password/reset` (GET, POST): choosing a new password
//! through a one-use link sent by e-mail.
//!
//! - The "forgotten password" form answers every valid request with the same page, status and
//!   cookies whether or not the address has an account, after the same work (a new token, one
//!   write transaction in the store); only an enabled account's address is then sent a link,
//!   after the answer has gone (so the mail's time tells nothing either). Requests count
//!   against the address and the client like sign-ups: after five in fifteen minutes they wait
//!   (429 with `Retry-After`).
//! - The link (`/password/reset?token=…`, only the token's SHA-256 stored, see
//!   `store::network::password_reset`) works once, for [`RESET_LIFETIME`]. Opening it shows the
//!   new-password form (a GET uses nothing); posting the form with a new password that passes
//!   the sign-up's checks hashes it with argon2id (as sign-up does), uses the link, sets the
//!   password, ends every session of the account, clears the address's sign-in throttle and
//!   tells the address by e-mail that its password changed. A form with a bad password leaves
//!   the link usable. An expired, used or unknown link answers 410; such failures count against
//!   the client.
//! - Both forms carry the token of the `fairer_csrf` cookie (double submit, as sign-in).

use std::time::{Duration, SystemTime};

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use store::network::{LinkPurpose, ResetOutcome};

use super::join::{MessagePage, TokenQuery};
use super::{check_form_token, count_attempt, form_token, link_token, page, send_later, token_hash};
use crate::auth::session::ClientIp;
use crate::auth::{password, PageResult, Refusal};
use crate::mail::Outgoing;
use crate::AppState;

/// How long a password-reset link works: an hour.
pub const RESET_LIFETIME: Duration = Duration::from_secs(3600);

/// The routes of the password reset.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/password/forgot", get(forgot_form).post(forgot))
        .route("/password/reset", get(reset_form).post(reset))
}

/// The "forgotten password" form.
#[derive(Template)]
#[template(path = "network_password_forgot.html")]
struct ForgotPage {
    csrf: String,
}

/// The new-password form of a link.
#[derive(Template)]
#[template(path = "network_password_reset.html")]
struct ResetPage {
    csrf: String,
    token: String,
    errors: Vec<String>,
}

/// The "forgotten password" form's fields.
#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    #[serde(default)]
    email: String,
}

/// The new-password form's fields.
#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_again: String,
}

/// The answer to every valid request for a link, whatever the address.
fn sent_page() -> MessagePage {
    MessagePage {
        title: "Check your e-mail".into(),
        paragraphs: vec![
            "If an account has this address, we have sent it a link to choose a new password. The link works \
             once, for an hour."
                .into(),
            "If nothing arrives, check the address and your spam folder, then ask again.".into(),
        ],
        link: Some(("/sign-in".into(), "Back to sign in".into())),
        form: None,
    }
}

/// The page of a reset link that no longer works.
fn gone_page() -> MessagePage {
    MessagePage {
        title: "This link no longer works".into(),
        paragraphs: vec![
            "The link to choose a new password has expired or has already been used. Links work once, for an \
             hour."
                .into(),
        ],
        link: Some(("/password/forgot".into(), "Ask for a new link".into())),
        form: None,
    }
}

/// `GET /password/forgot`.
async fn forgot_form(State(state): State<AppState>, headers: HeaderMap) -> PageResult {
    let token = form_token(&state, &headers)?;
    let html = ForgotPage { csrf: token.token.clone() }.render()?;
    Ok(page(&state, StatusCode::OK, html, Some(&token)))
}

/// `POST /password/forgot`.
async fn forgot(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<ForgotForm>,
) -> Response {
    let result: PageResult = async {
        check_form_token(&state, &headers, form.csrf.as_deref())?;
        let email = form.email.trim().to_lowercase();
        let keys: Vec<String> =
            std::iter::once(format!("reset-email:{email}")).chain(ip.map(|ip| format!("reset-ip:{ip}"))).collect();
        if let Some(refusal) = count_attempt(&state, &keys) {
            return Ok(refusal);
        }
        // The same work for any address: a token, one transaction; the link only for an account.
        let (token, hash) = link_token()?;
        let known = state.store.create_password_reset(&email, &hash, RESET_LIFETIME).await?;
        if known {
            let mailer = state.mailer();
            let link = mailer.link(&format!("/password/reset?token={token}"));
            let out = Outgoing {
                to: email.clone(),
                subject: "Choose a new password for Fairer".into(),
                text: format!(
                    "Someone (perhaps you) asked to choose a new password for the Fairer account of this \
                     address.\n\nTo choose one, open this link within an hour:\n\n{link}\n\nThe link works once. \
                     Choosing a new password signs the account out everywhere.\n\nIf it was not you, you need do \
                     nothing: your password stays as it is.\n"
                ),
                ..Default::default()
            };
            send_later(mailer, out);
        }
        Ok(page(&state, StatusCode::OK, sent_page().render()?, None))
    }
    .await;
    result.into_response()
}

/// `GET /password/reset?token=…`: the new-password form, or 410 for a link that no longer
/// works (looking uses nothing).
async fn reset_form(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<TokenQuery>) -> PageResult {
    let valid =
        state.store.email_link_is_valid(LinkPurpose::PasswordReset, &token_hash(&q.token), SystemTime::now()).await?;
    if !valid {
        return Ok(page(&state, StatusCode::GONE, gone_page().render()?, None));
    }
    let token = form_token(&state, &headers)?;
    let html = ResetPage { csrf: token.token.clone(), token: q.token, errors: Vec::new() }.render()?;
    Ok(page(&state, StatusCode::OK, html, Some(&token)))
}

/// `POST /password/reset`.
async fn reset(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<ResetForm>,
) -> PageResult {
    let csrf = check_form_token(&state, &headers, form.csrf.as_deref())?;
    let throttle = state.auth.throttle();
    let keys: Vec<String> = ip.map(|ip| format!("reset-link-ip:{ip}")).into_iter().collect();
    if let Some(wait) = throttle.wait(&keys) {
        return Err(Refusal::TooMany(wait.as_secs() + u64::from(wait.subsec_nanos() > 0)));
    }
    let mut errors = Vec::new();
    if let Err(message) = password::check_new(&form.password) {
        errors.push(message);
    }
    if form.password != form.password_again {
        errors.push("the two passwords differ: type the same new password twice".to_string());
    }
    if !errors.is_empty() {
        let html = ResetPage { csrf, token: form.token, errors }.render()?;
        return Ok(page(&state, StatusCode::OK, html, None));
    }
    let hash = password::hash(&state.auth, form.password).await?;
    match state.store.reset_password(&token_hash(&form.token), &hash, SystemTime::now()).await? {
        ResetOutcome::Reset { email, .. } => {
            throttle.clear(&[format!("email:{email}")]);
            let mailer = state.mailer();
            let out = Outgoing {
                to: email.clone(),
                subject: "Your Fairer password was changed".into(),
                text: format!(
                    "The password of the Fairer account of this address was changed through a link sent to it, \
                     and the account was signed out everywhere.\n\nIf it was not you, ask for a new link at \
                     once: {}\n",
                    mailer.link("/password/forgot")
                ),
                ..Default::default()
            };
            send_later(mailer, out);
            let message = MessagePage {
                title: "Your password is changed".into(),
                paragraphs: vec![
                    "Your new password is set and your account is signed out everywhere. Sign in with the new \
                     password."
                        .into(),
                ],
                link: Some(("/sign-in".into(), "Sign in".into())),
                form: None,
            };
            Ok(page(&state, StatusCode::OK, message.render()?, None))
        }
        ResetOutcome::Expired | ResetOutcome::Unknown => {
            throttle.fail(&keys);
            Ok(page(&state, StatusCode::GONE, gone_page().render()?, None))
        }
    }
}
