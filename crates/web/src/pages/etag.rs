//! Entity tags on the public pages: a page's `ETag` is a digest of its body, and a request
//! whose `If-None-Match` names it gets `304 Not Modified` without the body.
//!
//! A digest of what was rendered cannot go stale: a new release, a place's edited status or a
//! rebuilt cache changes the body and so the tag, whatever the page was made from. The page is
//! still rendered (the area profile, rendered once per release, tags itself from the release
//! and its options without rendering: `area.rs`); the saving is the transfer. Responses that
//! are not `200`, that set a cookie, or that carry a tag already are left as they are.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// The largest body tagged (pages are under 200 KB; a larger one passes untagged).
const LIMIT: usize = 4 << 20;

/// The strong tag of `body`: the first 16 bytes of its SHA-256 in hex, quoted.
pub fn body_tag(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("\"b{hex}\"")
}

/// Whether `If-None-Match` of the request names `etag` (or is `*`).
fn holds(request: &axum::http::HeaderMap, etag: &str) -> bool {
    request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*")
}

/// The middleware: tags the page's body and answers `304` when the client holds it.
pub async fn tagged(request: Request, next: Next) -> Response {
    let asked = request.headers().clone();
    let response = next.run(request).await;
    if response.status() != StatusCode::OK
        || response.headers().contains_key(header::ETAG)
        || response.headers().contains_key(header::SET_COOKIE)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, LIMIT).await {
        Ok(b) => b,
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    let etag = body_tag(&bytes);
    let Ok(value) = HeaderValue::from_str(&etag) else { return Response::from_parts(parts, Body::from(bytes)) };
    if holds(&asked, &etag) {
        let mut unchanged = StatusCode::NOT_MODIFIED.into_response();
        unchanged.headers_mut().insert(header::ETAG, value);
        unchanged.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        return unchanged;
    }
    parts.headers.insert(header::ETAG, value);
    parts.headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-cache"));
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_names_the_body_and_is_held_by_a_matching_request() {
        // SHA-256("abc") = ba7816bf 8f01cfea 414140de 5dae2223 …
        assert_eq!(body_tag(b"abc"), "\"bba7816bf8f01cfea414140de5dae2223\"");
        let mut h = axum::http::HeaderMap::new();
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"x\", W/\"bba7816bf8f01cfea414140de5dae2223\""));
        assert!(holds(&h, &body_tag(b"abc")));
        assert!(!holds(&h, &body_tag(b"abd")));
    }
}
