//! What the network's tests share (`mod network_support;`): a site over the fixture's release
//! (`tests/fixtures`) sending its mail through a real SMTP server started for the test, and a
//! browser-like client (cookies, a client address) driving the router in memory.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{header, HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use store::testing::{self, TestDatabase};
use tower::ServiceExt;
use web::mail::testing::{Received, SmtpServer};
use web::mail::Mailer;
use web::{app, AppState};

#[path = "../fixtures/mod.rs"]
pub mod fixtures;

/// The site's public address in links.
pub const SITE: &str = "http://fairer.test";

/// A site with its database and SMTP server.
pub struct Site {
    pub db: TestDatabase,
    pub smtp: SmtpServer,
    pub state: AppState,
}

impl Site {
    /// The fixture's release and place in a fresh SQLite, mail to a fresh aiosmtpd.
    pub async fn new() -> Site {
        Site::on(testing::sqlite().await).await
    }

    /// The same on `db`.
    pub async fn on(db: TestDatabase) -> Site {
        fixtures::seed(&db.store).await;
        let smtp = SmtpServer::start().expect("aiosmtpd (Debian's python3-aiosmtpd)");
        let mailer = Mailer::smtp(&smtp.url(), "Fairer network <network@fairer.test>", SITE).expect("mailer");
        let state = AppState::new(db.store.clone()).with_mailer(mailer);
        Site { db, smtp, state }
    }

    /// The messages to `to` (waiting until there are `n` in all).
    pub fn mail_to(&self, n: usize, to: &str) -> Vec<Received> {
        let all = self.smtp.wait_for(n, Duration::from_secs(20)).expect("messages");
        all.into_iter().filter(|m| m.recipients().iter().any(|r| r == to)).collect()
    }
}

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

    /// A form POST from this site (as a browser sends it: `Sec-Fetch-Site: same-origin`).
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Answer {
        let body: Vec<String> = form.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin");
        self.send(request, Body::from(body.join("&"))).await
    }

    /// Signs in through the form; the answer to the POST.
    pub async fn sign_in(&mut self, email: &str, password: &str) -> Answer {
        let page = self.get("/sign-in").await;
        let csrf = page.csrf();
        self.post("/sign-in", &[("_csrf", &csrf), ("email", email), ("password", password), ("next", "/")]).await
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

/// The path and query of a link of the site (`http://fairer.test/join/confirm?token=…` →
/// `/join/confirm?token=…`).
pub fn path_of(link: &str) -> String {
    link.strip_prefix(SITE).unwrap_or_else(|| panic!("{link} is not a link of {SITE}")).to_string()
}

/// The value of `name=` in a link's query.
pub fn query_value(link: &str, name: &str) -> String {
    let query = link.split_once('?').map(|(_, q)| q).unwrap_or("");
    query.split('&').find_map(|p| p.strip_prefix(&format!("{name}="))).unwrap_or("").to_string()
}
