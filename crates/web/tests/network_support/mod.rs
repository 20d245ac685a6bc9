//! What the network's tests share (`mod network_support;`): a site over the fixture's release
//! (`tests/fixtures`) sending its mail through a real SMTP server started for the test, and a
//! browser-like client (cookies, a client address) driving the router in memory.

#![allow(dead_code)]

use std::time::Duration;

use store::testing::{self, TestDatabase};
use web::mail::testing::{Received, SmtpServer};
use web::mail::Mailer;
use web::AppState;

#[path = "../client/mod.rs"]
mod client;
#[allow(unused_imports)] // Each test file uses its own share of them.
pub use client::{encode, Answer, Client};

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

impl Client {
    /// Signs in through the form; the answer to the POST.
    pub async fn sign_in(&mut self, email: &str, password: &str) -> Answer {
        let page = self.get("/sign-in").await;
        let csrf = page.csrf();
        self.post("/sign-in", &[("_csrf", &csrf), ("email", email), ("password", password), ("next", "/")]).await
    }
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
