//! The network's pages (issue 15): joining and confirming ([`join`]), members' profiles, the
//! directory and organisations ([`members`]), the newsletter ([`newsletter`]), and a member's
//! data — consents, export, erasure ([`account_data`]), and choosing a new password through an
//! e-mailed link ([`password_reset`]).
//!
//! Forms of people who are not signed in (join, subscribe, confirm) carry the token of the
//! `fairer_csrf` cookie (double submit), as the sign-in form does; forms of signed-in people
//! carry their session's token. Answers to join and subscribe are the same whether or not the
//! address is known (what differs is only the e-mail the address receives), and e-mail is
//! sent after the answer, so its time does not tell either. Attempts are counted per client
//! and per address: after five in fifteen minutes they wait (429).

pub(crate) mod account_data;
pub(crate) mod join;
pub(crate) mod members;
pub(crate) mod newsletter;
pub(crate) mod password_reset;

use std::time::Duration;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Router;

use crate::auth::csrf::{self, CSRF_COOKIE};
use crate::auth::session;
use crate::auth::{error_page, Refusal, SESSION_LIFETIME};
use crate::mail::{Mailer, Outgoing};
use crate::AppState;

/// Every route of the network's pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(join::routes())
        .merge(members::routes())
        .merge(newsletter::routes())
        .merge(account_data::routes())
        .merge(password_reset::routes())
}

/// How long a link sent by e-mail (to confirm joining or subscribing) works: 48 hours.
pub const LINK_LIFETIME: Duration = Duration::from_secs(48 * 3600);

/// The words of the agreement to membership, as shown on the join form and kept in the consent
/// ledger.
pub const MEMBERSHIP_WORDING: &str = "I agree that Fairer keeps my name, e-mail address, organisation, sector, \
     role, places and themes to run the network, until I erase my account.";
/// The words of the agreement to be listed in the members' directory.
pub const DIRECTORY_WORDING: &str = "Show my name, organisation, role, places and themes to other signed-in \
     members in the members' directory.";
/// The words of the agreement to receive the newsletter.
pub const NEWSLETTER_WORDING: &str =
    "Send me the network's monthly newsletter by e-mail. Every issue has a link to unsubscribe at once.";

/// The signed-out form token: the `fairer_csrf` cookie's, or a new one (then the response sets
/// the cookie).
pub(crate) struct FormToken {
    /// The token the form carries.
    pub token: String,
    /// Whether the cookie must be set.
    pub new_cookie: bool,
}

/// The form token of a signed-out page.
pub(crate) fn form_token(state: &AppState, headers: &HeaderMap) -> Result<FormToken, Refusal> {
    match session::read_cookie(headers, &state.auth.cookie_name(CSRF_COOKIE)) {
        Some(token) => Ok(FormToken { token, new_cookie: false }),
        None => Ok(FormToken { token: session::new_token()?, new_cookie: true }),
    }
}

/// Refuses a signed-out form whose `_csrf` field is not its cookie's token; the token.
pub(crate) fn check_form_token(state: &AppState, headers: &HeaderMap, given: Option<&str>) -> Result<String, Refusal> {
    let expected = session::read_cookie(headers, &state.auth.cookie_name(CSRF_COOKIE)).unwrap_or_default();
    if csrf::tokens_match(&expected, given.unwrap_or("")) {
        Ok(expected)
    } else {
        Err(Refusal::Forbidden("The form's security token is missing or out of date: reload the page and try again."))
    }
}

/// A page as a response with `status`, not stored by caches, setting the form cookie when new.
pub(crate) fn page(state: &AppState, status: StatusCode, html: String, token: Option<&FormToken>) -> Response {
    let mut response = (status, Html(html)).into_response();
    if let Some(t) = token.filter(|t| t.new_cookie) {
        let cookie = session::set_cookie(&state.auth, CSRF_COOKIE, &t.token, SESSION_LIFETIME);
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A new one-use link token and the hash the store keeps of it.
pub(crate) fn link_token() -> Result<(String, String), Refusal> {
    let token = session::new_token()?;
    let hash = session::token_hash(&token);
    Ok((token, hash))
}

/// The SHA-256 (hex) of a link's token.
pub(crate) fn token_hash(token: &str) -> String {
    session::token_hash(token)
}

/// Sends `out` after the answer has gone (failures are logged: the page said the same either
/// way).
pub(crate) fn send_later(mailer: &Mailer, out: Outgoing) {
    let mailer = mailer.clone();
    tokio::spawn(async move {
        if let Err(e) = mailer.send(&out).await {
            eprintln!("fairer serve: {e}");
        }
    });
}

/// Counts an attempt of a form against `keys` (`join-ip:…`, `join-email:…`); the refusal (429)
/// when one of them has had five in fifteen minutes and must wait, `None` when it may go on.
pub(crate) fn count_attempt(state: &AppState, keys: &[String]) -> Option<Response> {
    let throttle = state.auth.throttle();
    if let Some(wait) = throttle.wait(keys) {
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        let mut response = error_page(
            StatusCode::TOO_MANY_REQUESTS,
            format!("Too many requests from here or for this address. Wait {seconds} seconds and try again."),
        );
        if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return Some(response);
    }
    throttle.fail(keys);
    None
}

/// The pairs of a form body (`application/x-www-form-urlencoded`), repeated names kept (a
/// group of check boxes).
pub(crate) fn form_pairs(body: &[u8]) -> Result<Vec<(String, String)>, Refusal> {
    serde_urlencoded::from_bytes(body)
        .map_err(|e| Refusal::Web(crate::WebError::BadRequest(format!("the form cannot be read: {e}"))))
}

/// The first value of `name` in `pairs` (empty when absent).
pub(crate) fn field(pairs: &[(String, String)], name: &str) -> String {
    pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default()
}

/// Every value of `name` in `pairs`.
pub(crate) fn fields(pairs: &[(String, String)], name: &str) -> Vec<String> {
    pairs.iter().filter(|(n, _)| n == name).map(|(_, v)| v.clone()).collect()
}

/// An option of a `<select>` or a check box of a group.
pub(crate) struct Choice {
    /// The value sent.
    pub value: String,
    /// The words shown.
    pub label: String,
    /// Whether it is selected or ticked.
    pub on: bool,
}

/// `items` (id, words) as choices, those in `on` ticked.
pub(crate) fn choices(items: &[(&str, &str)], on: &[String]) -> Vec<Choice> {
    items
        .iter()
        .map(|(value, label)| Choice {
            value: value.to_string(),
            label: label.to_string(),
            on: on.iter().any(|o| o == value),
        })
        .collect()
}
