//! Accounts on the web (docs/web.md §3.4): passwords ([`password`]), session cookies and the
//! signed-in user ([`session`]), CSRF tokens and the cross-site check ([`csrf`]), and the
//! throttle of failed sign-ins ([`throttle`]).
//!
//! What is shared by every request lives in [`Auth`] (in [`AppState`]): whether cookies are
//! `Secure`, the throttle, and the semaphore that keeps password hashing off the async workers
//! two at a time. Handlers that refuse a request return a [`Refusal`].

pub(crate) mod csrf;
pub(crate) mod password;
pub(crate) mod session;
pub(crate) mod throttle;

use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use store::StoreError;
use tokio::sync::Semaphore;

pub(crate) use session::CurrentUser;

use crate::{AppState, WebError};

/// How long a session lasts: 12 hours.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);
/// How long a device stays trusted after a sign-in from it: a year.
pub const DEVICE_LIFETIME: Duration = Duration::from_secs(365 * 24 * 3600);

/// The state of accounts shared by every request: cheap to clone.
#[derive(Clone)]
pub struct Auth {
    inner: Arc<Inner>,
}

struct Inner {
    secure: bool,
    throttle: throttle::Throttle,
    hashing: Semaphore,
}

impl Auth {
    /// Accounts with `Secure` cookies (and the `__Host-` prefix) when `secure_cookies` (the
    /// site is served over HTTPS), plain cookies otherwise.
    pub fn new(secure_cookies: bool) -> Auth {
        Auth {
            inner: Arc::new(Inner {
                secure: secure_cookies,
                throttle: throttle::Throttle::default(),
                hashing: Semaphore::new(2),
            }),
        }
    }

    /// Whether cookies are `Secure` with the `__Host-` prefix.
    pub fn secure(&self) -> bool {
        self.inner.secure
    }

    /// The throttle of failed sign-ins.
    pub(crate) fn throttle(&self) -> &throttle::Throttle {
        &self.inner.throttle
    }

    /// The permits of password hashing (two at a time).
    pub(crate) fn hashing(&self) -> &Semaphore {
        &self.inner.hashing
    }

    /// The name of a cookie: `__Host-NAME` with secure cookies, `NAME` otherwise.
    pub(crate) fn cookie_name(&self, name: &str) -> String {
        if self.secure() {
            format!("__Host-{name}")
        } else {
            name.to_string()
        }
    }
}

impl Default for Auth {
    fn default() -> Self {
        Auth::new(false)
    }
}

impl AppState {
    /// The same state with `Secure` cookies (and the `__Host-` prefix) when `on`: for a site
    /// served over HTTPS (`fairer serve --secure-cookies`).
    pub fn with_secure_cookies(mut self, on: bool) -> AppState {
        self.auth = Auth::new(on);
        std::sync::Arc::make_mut(&mut self.config).secure_cookies = on;
        self
    }
}

/// Why an account's request is refused, as a response.
#[derive(Debug)]
pub enum Refusal {
    /// Not signed in: to the sign-in page, then back to this path (GET), or 403 (a form).
    SignIn(String),
    /// Signed in, or a form, but not allowed: 403 with the reason.
    Forbidden(&'static str),
    /// Too many failed sign-ins: 429 with `Retry-After` seconds.
    TooMany(u64),
    /// The server cannot do it now (no random numbers, hashing failed): 503 with the reason.
    Unavailable(&'static str),
    /// Any other error of the request.
    Web(WebError),
}

impl From<WebError> for Refusal {
    fn from(e: WebError) -> Self {
        Refusal::Web(e)
    }
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Self {
        Refusal::Web(WebError::Store(e))
    }
}

impl From<askama::Error> for Refusal {
    fn from(e: askama::Error) -> Self {
        Refusal::Web(WebError::Template(e))
    }
}

/// The error page (the template of [`WebError`]'s pages).
#[derive(Template)]
#[template(path = "error.html")]
struct RefusalPage {
    status: u16,
    reason: &'static str,
    message: String,
}

/// A page for `status` with `message`.
pub(crate) fn error_page(status: StatusCode, message: String) -> Response {
    let page = RefusalPage { status: status.as_u16(), reason: status.canonical_reason().unwrap_or("Error"), message };
    let body = page.render().unwrap_or_else(|_| page.message.clone());
    (status, Html(body)).into_response()
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::SignIn(path) => Redirect::to(&format!("/sign-in?next={}", encode_path(&path))).into_response(),
            Refusal::Forbidden(reason) => error_page(StatusCode::FORBIDDEN, reason.to_string()),
            Refusal::TooMany(seconds) => {
                let mut response = error_page(
                    StatusCode::TOO_MANY_REQUESTS,
                    format!(
                        "Too many failed sign-ins from here or for this address. Wait {seconds} seconds and try \
                         again; a device you have signed in from before is not slowed."
                    ),
                );
                if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                    response.headers_mut().insert(header::RETRY_AFTER, value);
                }
                response
            }
            Refusal::Unavailable(reason) => error_page(StatusCode::SERVICE_UNAVAILABLE, reason.to_string()),
            Refusal::Web(e) => e.into_response(),
        }
    }
}

/// Page results of the account pages.
pub(crate) type PageResult = Result<Response, Refusal>;

/// The signed-in user, or a refusal: to the sign-in page (coming back to `path`) when signed
/// out.
pub(crate) fn signed_in(user: Option<CurrentUser>, path: &str) -> Result<CurrentUser, Refusal> {
    user.ok_or_else(|| Refusal::SignIn(path.to_string()))
}

/// The signed-in user of a form, or a 403 (a form posted without a session changes nothing).
pub(crate) fn signed_in_form(user: Option<CurrentUser>) -> Result<CurrentUser, Refusal> {
    user.ok_or(Refusal::Forbidden("Sign in first: this form needs a session."))
}

/// Refuses unless `user` is an administrator.
pub(crate) fn require_admin(user: &CurrentUser) -> Result<(), Refusal> {
    if user.account.is_admin() {
        Ok(())
    } else {
        Err(Refusal::Forbidden("Only an administrator may do this."))
    }
}

/// Refuses unless `user` may edit place `place_id` (its lead, or an administrator).
pub(crate) fn require_lead(user: &CurrentUser, place_id: i64) -> Result<(), Refusal> {
    if user.account.may_edit_place(place_id) {
        Ok(())
    } else {
        Err(Refusal::Forbidden("Only the place's lead or an administrator may do this."))
    }
}

/// A path percent-encoded for a query value (letters, digits and `/-_.~` kept).
pub(crate) fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Where to go after signing in: `next` when it is a path of this site (`/…`, not `//…` nor
/// `/\…`), else the home page.
pub(crate) fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") && !n.contains(['\r', '\n']) => {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_the_site() {
        assert_eq!(safe_next(Some("/places/a/edit")), "/places/a/edit");
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(None), "/");
        assert_eq!(encode_path("/a b?c=d&e"), "/a%20b%3Fc%3Dd%26e");
    }
}
