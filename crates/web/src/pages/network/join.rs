//! `/join` (GET, POST) and `/join/confirm` (GET, POST): joining the network.
//!
//! The form asks for name, address, password, organisation, sector, role, the places worked in
//! (area codes the store knows) and the themes worked on, and what the person agrees to. A
//! valid form always answers with the same page ("check your e-mail"): an address without an
//! account is sent a confirmation link (it works once, for [`super::LINK_LIFETIME`]); an
//! address with one is told so by e-mail. Following the link shows a button (a GET changes
//! nothing, so a mail scanner that fetches links confirms nothing); pressing it makes the
//! account and profile.

use std::time::SystemTime;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use store::network::members::Agreement;
use store::network::{EmailLink, JoinOutcome, JoinRequest, LinkPurpose, SECTORS, THEMES};

use super::{
    check_form_token, choices, count_attempt, field, fields, form_pairs, form_token, link_token, page, send_later,
    token_hash, Choice, DIRECTORY_WORDING, LINK_LIFETIME, MEMBERSHIP_WORDING, NEWSLETTER_WORDING,
};
use crate::auth::session::ClientIp;
use crate::auth::{password, PageResult, Refusal};
use crate::mail::Outgoing;
use crate::AppState;

/// The routes of joining.
pub fn routes() -> Router<AppState> {
    Router::new().route("/join", get(form).post(submit)).route("/join/confirm", get(confirm_page).post(confirm))
}

/// The join form, with what was typed (never the password) and what is wrong.
#[derive(Template)]
#[template(path = "network_join.html")]
struct JoinPage {
    csrf: String,
    errors: Vec<String>,
    name: String,
    email: String,
    organisation: String,
    job_role: String,
    places: String,
    sectors: Vec<Choice>,
    themes: Vec<Choice>,
    in_directory: bool,
    newsletter: bool,
    membership_wording: &'static str,
    directory_wording: &'static str,
    newsletter_wording: &'static str,
}

impl JoinPage {
    fn empty(csrf: String) -> JoinPage {
        JoinPage {
            csrf,
            errors: Vec::new(),
            name: String::new(),
            email: String::new(),
            organisation: String::new(),
            job_role: String::new(),
            places: String::new(),
            sectors: choices(SECTORS, &[]),
            themes: choices(THEMES, &[]),
            in_directory: false,
            newsletter: true,
            membership_wording: MEMBERSHIP_WORDING,
            directory_wording: DIRECTORY_WORDING,
            newsletter_wording: NEWSLETTER_WORDING,
        }
    }
}

/// A page of one message (sent, confirmed, expired, …), with an optional form.
#[derive(Template)]
#[template(path = "network_message.html")]
pub(crate) struct MessagePage {
    pub title: String,
    pub paragraphs: Vec<String>,
    pub link: Option<(String, String)>,
    /// A form of one button: (action, CSRF token, hidden token, button words).
    pub form: Option<(String, String, String, String)>,
}

/// `GET /join`.
async fn form(State(state): State<AppState>, headers: HeaderMap) -> PageResult {
    let token = form_token(&state, &headers)?;
    let html = JoinPage::empty(token.token.clone()).render()?;
    Ok(page(&state, StatusCode::OK, html, Some(&token)))
}

/// The places of the form: codes separated by spaces, commas or semicolons, upper-cased.
fn place_codes(text: &str) -> Vec<String> {
    text.split([' ', ',', ';', '\n', '\t']).map(|c| c.trim().to_uppercase()).filter(|c| !c.is_empty()).collect()
}

/// `POST /join`.
async fn submit(State(state): State<AppState>, ClientIp(ip): ClientIp, headers: HeaderMap, body: Bytes) -> Response {
    match submit_inner(&state, ip, &headers, &body).await {
        Ok(response) | Err(Ok(response)) => response,
        Err(Err(refusal)) => refusal.into_response(),
    }
}

async fn submit_inner(
    state: &AppState,
    ip: Option<std::net::IpAddr>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, Result<Response, Refusal>> {
    let pairs = form_pairs(body).map_err(Err)?;
    let csrf = check_form_token(state, headers, Some(&field(&pairs, "_csrf"))).map_err(Err)?;
    let email = field(&pairs, "email").trim().to_lowercase();
    let keys: Vec<String> =
        std::iter::once(format!("join-email:{email}")).chain(ip.map(|ip| format!("join-ip:{ip}"))).collect();
    if let Some(refusal) = count_attempt(state, &keys) {
        return Err(Ok(refusal));
    }

    let themes = fields(&pairs, "themes");
    let sector = field(&pairs, "sector");
    let mut view = JoinPage {
        name: field(&pairs, "name"),
        email: email.clone(),
        organisation: field(&pairs, "organisation"),
        job_role: field(&pairs, "job_role"),
        places: field(&pairs, "places"),
        sectors: choices(SECTORS, std::slice::from_ref(&sector)),
        themes: choices(THEMES, &themes),
        in_directory: field(&pairs, "in_directory") == "yes",
        newsletter: field(&pairs, "newsletter") == "yes",
        ..JoinPage::empty(csrf)
    };
    let password = field(&pairs, "password");
    let mut errors = Vec::new();
    if let Err(message) = password::check_new(&password) {
        errors.push(message);
    }
    if field(&pairs, "membership") != "yes" {
        errors.push("agreeing to membership (the first box) is needed to join".to_string());
    }
    let places = place_codes(&view.places);
    for code in &places {
        match state.store.area(code).await {
            Ok(Some(_)) => {}
            Ok(None) => errors.push(format!("the place {code} is not an area code Fairer knows")),
            Err(e) => return Err(Err(e.into())),
        }
    }
    let mut agreements = vec![Agreement { purpose: "membership".into(), wording: MEMBERSHIP_WORDING.into() }];
    if view.in_directory {
        agreements.push(Agreement { purpose: "directory".into(), wording: DIRECTORY_WORDING.into() });
    }
    if view.newsletter {
        agreements.push(Agreement { purpose: "newsletter".into(), wording: NEWSLETTER_WORDING.into() });
    }
    let request = JoinRequest {
        email: email.clone(),
        name: view.name.clone(),
        // Checked below with the real hash; a placeholder PHC prefix for the field checks.
        password_hash: "$pending".into(),
        organisation: Some(view.organisation.clone()),
        sector,
        job_role: view.job_role.clone(),
        places,
        themes,
        in_directory: view.in_directory,
        newsletter: view.newsletter,
        agreements,
    };
    let request = match request.checked() {
        Ok(r) if errors.is_empty() => r,
        Ok(_) => {
            view.errors = errors;
            return Ok(page(state, StatusCode::OK, view.render().map_err(|e| Err(e.into()))?, None));
        }
        Err(e) => {
            errors.insert(0, e.to_string().replace("the request to join: ", ""));
            view.errors = errors;
            return Ok(page(state, StatusCode::OK, view.render().map_err(|e| Err(e.into()))?, None));
        }
    };
    // The password is hashed whether or not the address is known: the same work, the same time.
    let hash = password::hash(&state.auth, password).await.map_err(Err)?;
    let known = state.store.email_has_account(&request.email).await.map_err(|e| Err(e.into()))?;
    let mailer = state.mailer();
    let out = if known {
        Outgoing {
            to: request.email.clone(),
            subject: "You are already a member of the Fairer network".into(),
            text: format!(
                "Someone (perhaps you) asked to join the Fairer network with this address, which already has an \
                 account.\n\nSign in: {}\nIf you have forgotten your password, choose a new one: {}\n\nIf it was \
                 not you, you need do nothing.\n",
                mailer.link("/sign-in"),
                mailer.link("/password/forgot")
            ),
            ..Default::default()
        }
    } else {
        let (token, hash_of_token) = link_token().map_err(Err)?;
        let request = JoinRequest { password_hash: hash, ..request.clone() };
        let payload = serde_json::to_value(&request)
            .map_err(|e| Err(crate::WebError::BadRequest(format!("the request to join: {e}")).into()))?;
        state
            .store
            .create_email_link(LinkPurpose::Join, &request.email, &payload, &hash_of_token, LINK_LIFETIME)
            .await
            .map_err(|e| Err(e.into()))?;
        let link = mailer.link(&format!("/join/confirm?token={token}"));
        Outgoing {
            to: request.email.clone(),
            to_name: Some(request.name.clone()),
            subject: "Confirm that you want to join the Fairer network".into(),
            text: format!(
                "Hello {},\n\nTo finish joining the Fairer network, open this link within 48 hours and press \
                 \"Confirm\":\n\n{link}\n\nThe link works once. If you did not ask to join, you need do nothing: \
                 nothing is kept unless the link is used.\n",
                request.name
            ),
            ..Default::default()
        }
    };
    send_later(mailer, out);
    let message = MessagePage {
        title: "Check your e-mail".into(),
        paragraphs: vec![
            format!(
                "We have sent a message to {}. Open the link in it within 48 hours to finish joining.",
                request.email
            ),
            "If nothing arrives, check the address and your spam folder, then try again.".into(),
        ],
        link: None,
        form: None,
    };
    Ok(page(state, StatusCode::OK, message.render().map_err(|e| Err(e.into()))?, None))
}

/// `?token=` of a link.
#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    pub(crate) token: String,
}

/// The page of a link that no longer works.
pub(crate) fn link_gone(what: &str, again: (&str, &str)) -> MessagePage {
    MessagePage {
        title: "This link no longer works".into(),
        paragraphs: vec![format!(
            "The link to {what} has expired or has already been used. Links work once, for 48 hours."
        )],
        link: Some((again.0.to_string(), again.1.to_string())),
        form: None,
    }
}

/// `GET /join/confirm?token=…`: a button that confirms (the link is not used by looking).
async fn confirm_page(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<TokenQuery>) -> PageResult {
    let token = form_token(&state, &headers)?;
    let message = MessagePage {
        title: "Confirm that you want to join".into(),
        paragraphs: vec!["Press the button to finish joining the Fairer network.".into()],
        link: None,
        form: Some(("/join/confirm".into(), token.token.clone(), q.token, "Confirm and join".into())),
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

/// `POST /join/confirm`: uses the link (once), makes the account and profile.
async fn confirm(
    State(state): State<AppState>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<ConfirmForm>,
) -> PageResult {
    check_form_token(&state, &headers, form.csrf.as_deref())?;
    let link = state.store.take_email_link(LinkPurpose::Join, &token_hash(&form.token), SystemTime::now()).await?;
    let EmailLink::Valid { payload, .. } = link else {
        let html = link_gone("join", ("/join", "Ask to join again")).render()?;
        return Ok(page(&state, StatusCode::GONE, html, None));
    };
    let request: JoinRequest = serde_json::from_value(payload)
        .map_err(|e| Refusal::Web(crate::WebError::BadRequest(format!("the request to join: {e}"))))?;
    let (unsubscribe, _) = link_token()?;
    let outcome = state
        .store
        .confirm_join(request, "the form at /join, confirmed by the link sent to the address", &unsubscribe)
        .await?;
    let message = match outcome {
        JoinOutcome::Joined(member) => MessagePage {
            title: "Welcome to the network".into(),
            paragraphs: vec![format!(
                "Thank you, {}: you are a member of the Fairer network. Sign in with your e-mail address and \
                 password to see your profile and the members' directory.",
                member.name
            )],
            link: Some(("/sign-in?next=/members/me".into(), "Sign in".into())),
            form: None,
        },
        JoinOutcome::AlreadyAnAccount => MessagePage {
            title: "You already have an account".into(),
            paragraphs: vec!["This address already has an account: sign in with it.".into()],
            link: Some(("/sign-in".into(), "Sign in".into())),
            form: None,
        },
    };
    Ok(page(&state, StatusCode::OK, message.render()?, None))
}
