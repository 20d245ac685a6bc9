//! `/sign-in` (GET, POST) and `/sign-out` (POST).
//!
//! A failed sign-in answers the same for any address (known, unknown, disabled): status 200,
//! the same page with the same sentence, no cookie set; a throttled one answers 429 with the
//! same sentence for any address. A successful one makes a new session (new token), trusts
//! the device (a `fairer_device` cookie), and goes to `next` (a path of this site) with 303.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use crate::auth::csrf::{self, CSRF_COOKIE};
use crate::auth::session::{self, ClientIp, DEVICE_COOKIE, SESSION_COOKIE};
use crate::auth::{password, safe_next, CurrentUser, PageResult, Refusal, DEVICE_LIFETIME, SESSION_LIFETIME};
use crate::AppState;

/// The routes of signing in and out.
pub fn routes() -> Router<AppState> {
    Router::new().route("/sign-in", get(page).post(submit)).route("/sign-out", post(sign_out))
}

/// What a failed sign-in is told, whatever the address.
pub const FAILED: &str = "That e-mail and password do not match an account.";

/// The sign-in page.
#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    csrf: String,
    next: String,
    error: Option<&'static str>,
    signed_in_as: Option<String>,
    /// The session's CSRF token, for the sign-out form, when signed in.
    session_csrf: Option<String>,
}

/// `?next=` of the sign-in page.
#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// The sign-in form.
#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    next: Option<String>,
}

/// The sign-out form.
#[derive(Deserialize)]
pub struct SignOutForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
}

/// The page as a response, with `status`, and the double-submit cookie when it is new.
fn respond(state: &AppState, status: StatusCode, page: &SignInPage, new_cookie: bool) -> PageResult {
    let mut response = (status, Html(page.render()?)).into_response();
    if new_cookie {
        let cookie = session::set_cookie(&state.auth, CSRF_COOKIE, &page.csrf, SESSION_LIFETIME);
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `GET /sign-in`: the form, with the token of the `fairer_csrf` cookie (made when missing).
async fn page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    headers: HeaderMap,
    Query(query): Query<Next>,
) -> PageResult {
    let existing = session::read_cookie(&headers, &state.auth.cookie_name(CSRF_COOKIE));
    let new_cookie = existing.is_none();
    let csrf = match existing {
        Some(token) => token,
        None => session::new_token()?,
    };
    let page = SignInPage {
        csrf,
        next: safe_next(query.next.as_deref()),
        error: None,
        signed_in_as: user.as_ref().map(|u| u.account.name.clone()),
        session_csrf: user.map(|u| u.csrf_token),
    };
    respond(&state, StatusCode::OK, &page, new_cookie)
}

/// `POST /sign-in`.
async fn submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> PageResult {
    let auth = &state.auth;
    let expected = session::read_cookie(&headers, &auth.cookie_name(CSRF_COOKIE)).unwrap_or_default();
    if !csrf::tokens_match(&expected, form.csrf.as_deref().unwrap_or("")) {
        return Err(Refusal::Forbidden(
            "The form's security token is missing or out of date: reload the sign-in page and try again.",
        ));
    }
    let email = form.email.trim().to_lowercase();
    let found = state.store.account_for_sign_in(&email).await?;
    // A trusted device of this very account skips the address's and the IP's throttle.
    let device_hash = session::read_cookie(&headers, &auth.cookie_name(DEVICE_COOKIE)).map(|t| session::token_hash(&t));
    let trusted = match (&device_hash, &found) {
        (Some(hash), Some((account, _))) => state.store.trusted_device(hash).await? == Some(account.id),
        _ => false,
    };
    let keys: Vec<String> = match (&device_hash, trusted) {
        (Some(hash), true) => vec![format!("device:{hash}")],
        _ => std::iter::once(format!("email:{email}")).chain(ip.map(|ip| format!("ip:{ip}"))).collect(),
    };
    if let Some(wait) = auth.throttle().wait(&keys) {
        return Err(Refusal::TooMany(wait.as_secs() + u64::from(wait.subsec_nanos() > 0)));
    }
    let (account, hash) = match found {
        Some((account, hash)) => (Some(account), Some(hash)),
        None => (None, None),
    };
    let matched = password::verify(auth, form.password, hash).await;
    let account = match account {
        Some(account) if matched && !account.disabled => account,
        _ => {
            auth.throttle().fail(&keys);
            let page = SignInPage {
                csrf: expected,
                next: safe_next(form.next.as_deref()),
                error: Some(FAILED),
                signed_in_as: None,
                session_csrf: None,
            };
            return respond(&state, StatusCode::OK, &page, false);
        }
    };
    // Only the keys this sign-in was counted on: the owner's success from a trusted device
    // leaves an attacker's address and IP waiting.
    auth.throttle().clear(&keys);
    let token = session::new_token()?;
    let csrf_token = session::new_token()?;
    state.store.create_session(account.id, &session::token_hash(&token), &csrf_token, SESSION_LIFETIME).await?;
    let mut response = Redirect::to(&safe_next(form.next.as_deref())).into_response();
    let cookies = response.headers_mut();
    cookies.append(header::SET_COOKIE, session::set_cookie(auth, SESSION_COOKIE, &token, SESSION_LIFETIME));
    if !trusted {
        let device = session::new_token()?;
        state.store.trust_device(account.id, &session::token_hash(&device)).await?;
        cookies.append(header::SET_COOKIE, session::set_cookie(auth, DEVICE_COOKIE, &device, DEVICE_LIFETIME));
    }
    Ok(response)
}

/// `POST /sign-out`: deletes the session (its row and its cookie), then to the home page.
async fn sign_out(State(state): State<AppState>, user: Option<CurrentUser>, Form(form): Form<SignOutForm>) -> Response {
    let result: PageResult = async {
        if let Some(user) = user {
            csrf::check(&user, form.csrf.as_deref())?;
            state.store.delete_session(&user.token_hash).await?;
        }
        let mut response = Redirect::to("/").into_response();
        let gone = session::set_cookie(&state.auth, SESSION_COOKIE, "", std::time::Duration::ZERO);
        response.headers_mut().append(header::SET_COOKIE, gone);
        Ok(response)
    }
    .await;
    result.into_response()
}
