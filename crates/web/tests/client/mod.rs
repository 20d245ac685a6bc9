//! A browser-like client the web's tests share (`#[path = "../client/mod.rs"] mod client;` in a
//! test's support module): it keeps cookies, sends each request from a client address (as
//! `fairer serve` gives it) through the router in memory, and posts forms url-encoded.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{header, HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;
use web::{app, AppState};

/// A response: status, headers, body.
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers.get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_string()).collect()
    }

    pub fn location(&self) -> &str {
        self.headers.get(header::LOCATION).map(|v| v.to_str().unwrap()).unwrap_or("")
    }

    /// The value of the first `_csrf` field of the page.
    pub fn csrf(&self) -> String {
        self.hidden("_csrf")
    }

    /// The value of the first hidden field `name`.
    pub fn hidden(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let at = self.body.find(&marker).unwrap_or_else(|| panic!("no {name} field in {}", self.body));
        let rest = &self.body[at + marker.len()..];
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
        let answer = Answer { status, headers, body };
        for set in answer.set_cookies() {
            let pair = set.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if set.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        answer
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        self.send(Request::get(path), Body::empty()).await
    }

    /// POSTs `form` url-encoded, from this site (as a browser sends it: `Sec-Fetch-Site:
    /// same-origin`).
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Answer {
        self.post_with(path, form, "same-origin").await
    }

    /// POSTs `form` url-encoded with `Sec-Fetch-Site: site`.
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
