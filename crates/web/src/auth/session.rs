//! Session cookies and the signed-in user.
//!
//! A session's cookie holds 32 random bytes in base64url; the store keeps only their SHA-256
//! (hex), so a copy of the database signs no one in. The cookie is `HttpOnly; SameSite=Lax;
//! Path=/` with a `Max-Age`, and `Secure` with the `__Host-` prefix on HTTPS. A new token is
//! made at every sign-in (no fixation) and its row deleted at sign-out.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};
use store::Account;

use super::{Auth, Refusal};
use crate::AppState;

/// The name of the session cookie (before any `__Host-` prefix).
pub const SESSION_COOKIE: &str = "fairer_session";
/// The name of the trusted-device cookie (before any `__Host-` prefix).
pub const DEVICE_COOKIE: &str = "fairer_device";

/// A new random token: 32 bytes from the operating system, base64url without padding (43
/// characters).
///
/// # Errors
/// The operating system's random source failing (then nothing is signed in).
pub(crate) fn new_token() -> Result<String, Refusal> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|_| Refusal::Unavailable("The server has no random numbers: try again."))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The SHA-256 of `token`, in lower-case hex: what the store keeps of a cookie.
pub(crate) fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub(crate) fn read_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.trim_matches('"').to_string())
        .filter(|v| !v.is_empty() && v.len() <= 256)
}

/// A `Set-Cookie` value: `NAME=VALUE; Path=/; Max-Age=…; HttpOnly; SameSite=Lax` (and `Secure`
/// on HTTPS). `max_age` zero deletes the cookie.
pub(crate) fn set_cookie(auth: &Auth, name: &str, value: &str, max_age: Duration) -> HeaderValue {
    let secure = if auth.secure() { "; Secure" } else { "" };
    let text = format!(
        "{}={value}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{secure}",
        auth.cookie_name(name),
        max_age.as_secs()
    );
    // Names and tokens are base64url: always a valid header.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

/// The signed-in user of a request: the account (with its roles, read on this request), the
/// CSRF token its forms carry, and the hash of its session token.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    /// The account.
    pub account: Account,
    /// The token of the session's forms.
    pub csrf_token: String,
    /// The SHA-256 of the session's cookie token.
    pub token_hash: String,
}

impl OptionalFromRequestParts<AppState> for CurrentUser {
    type Rejection = Refusal;

    /// The user of the request's session cookie: no SQL at all without the cookie, one session
    /// query (and one of roles) with it; `None` for an unknown or expired session.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, Self::Rejection> {
        let Some(token) = read_cookie(&parts.headers, &state.auth.cookie_name(SESSION_COOKIE)) else {
            return Ok(None);
        };
        let hash = token_hash(&token);
        Ok(state.store.session(&hash).await?.map(|session| CurrentUser {
            account: session.account,
            csrf_token: session.csrf_token,
            token_hash: hash,
        }))
    }
}

/// The client's IP address (from the connection; `None` when the server was started without
/// connection info).
pub(crate) struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(ConnectInfo::<SocketAddr>::from_request_parts(parts, state).await.ok().map(|c| c.0.ip())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_hashes() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        // SHA-256 of "abc" (FIPS 180-2, appendix B.1).
        assert_eq!(token_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn cookies() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("a=1; fairer_session=tok; b=2"));
        headers.append(header::COOKIE, HeaderValue::from_static("c=3"));
        assert_eq!(read_cookie(&headers, "fairer_session").as_deref(), Some("tok"));
        assert_eq!(read_cookie(&headers, "c").as_deref(), Some("3"));
        assert_eq!(read_cookie(&headers, "d"), None);
        let plain = set_cookie(&Auth::new(false), SESSION_COOKIE, "tok", Duration::from_secs(60));
        assert_eq!(plain, "fairer_session=tok; Path=/; Max-Age=60; HttpOnly; SameSite=Lax");
        let secure = set_cookie(&Auth::new(true), SESSION_COOKIE, "tok", Duration::from_secs(60));
        assert_eq!(secure, "__Host-fairer_session=tok; Path=/; Max-Age=60; HttpOnly; SameSite=Lax; Secure");
    }
}
