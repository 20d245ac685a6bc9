//! What the events, publications and contact tests share: a client that keeps cookies and
//! posts forms with their token through the router in memory (each request from a client
//! address, as `fairer serve` gives it), and members signed in by a session made in the store.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{header, HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use sha2::{Digest, Sha256};
use store::{Actor, RoleGrant, Store};
use tower::ServiceExt;
use web::{app, AppState};

/// A password hash for accounts that never sign in by password here.
pub const HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/// A response: status, headers, body.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn location(&self) -> &str {
        self.headers.get(header::LOCATION).map(|v| v.to_str().unwrap()).unwrap_or("")
    }

    /// The value of the first `_csrf` field of the page.
    pub fn csrf(&self) -> String {
        let at = self.body.find("name=\"_csrf\" value=\"").unwrap_or_else(|| panic!("no _csrf field in {}", self.body));
        let rest = &self.body[at + "name=\"_csrf\" value=\"".len()..];
        rest[..rest.find('"').unwrap()].to_string()
    }
}

/// A browser: its cookies and its address.
#[derive(Clone)]
pub struct Client {
    pub state: AppState,
    pub addr: SocketAddr,
    pub cookies: BTreeMap<String, String>,
}

impl Client {
    pub fn new(state: &AppState, ip: &str) -> Client {
        Client { state: state.clone(), addr: format!("{ip}:40000").parse().unwrap(), cookies: BTreeMap::new() }
    }

    /// A client signed in as `account` (a session made in the store; its CSRF token is
    /// `csrf-ACCOUNT`).
    pub async fn signed_in(state: &AppState, ip: &str, account: i64) -> Client {
        let token = format!("session-token-of-{account}");
        let hash: String = Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
        state
            .store
            .create_session(account, &hash, &format!("csrf-{account}"), Duration::from_secs(3600))
            .await
            .unwrap();
        let mut client = Client::new(state, ip);
        client.cookies.insert("fairer_session".into(), token);
        client
    }

    pub async fn send(&mut self, request: axum::http::request::Builder, body: Body) -> Answer {
        let cookie: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut request = request.header(header::HOST, "localhost");
        if !cookie.is_empty() {
            request = request.header(header::COOKIE, cookie.join("; "));
        }
        let router = app(self.state.clone()).layer(MockConnectInfo(self.addr));
        let response = router.oneshot(request.body(body).unwrap()).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = String::from_utf8(response.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
        for set in headers.get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_string()) {
            let pair = set.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if set.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        Answer { status, headers, body }
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        self.send(Request::get(path), Body::empty()).await
    }

    /// POSTs `form` (same-origin), url-encoded.
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Answer {
        self.post_with(path, form, "same-origin").await
    }

    /// POSTs `form` with `Sec-Fetch-Site: site`.
    pub async fn post_with(&mut self, path: &str, form: &[(&str, &str)], site: &str) -> Answer {
        let body: Vec<String> = form.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("sec-fetch-site", site);
        self.send(request, Body::from(body.join("&"))).await
    }
}

/// Form values percent-encoded.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// An account `email` named `name` with `roles` (no place): its id.
pub async fn account(store: &Store, email: &str, name: &str, roles: &[&str]) -> i64 {
    let account = store.create_account(&Actor::Cli, email, name, HASH).await.unwrap();
    let grants: Vec<RoleGrant> =
        roles.iter().map(|r| RoleGrant { role: r.to_string(), place_id: None, place_slug: None }).collect();
    if !grants.is_empty() {
        store.set_roles(&Actor::Cli, account.id, &grants).await.unwrap();
    }
    account.id
}
