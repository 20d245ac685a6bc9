//! Issue 15, acceptance 4 (the network's part) in Chromium: joining and confirming by the
//! e-mailed link, then the member's pages; subscribing to the newsletter, confirming, and
//! unsubscribing from the link of an issue. Every page on the way passes the checks of every
//! page (console, phone width, keyboard, axe-core). The mail goes through a real SMTP server
//! (aiosmtpd) to a second server of the same store that sends it.
//!
//! Then a forgotten password: the form, the e-mailed link, the new password, signing in with it.
//!
//! Wiring (in `main.rs`): `mod network;` and, in [`super::FLOWS`], the three flows.

use std::time::Duration;

use serde_json::json;
use store::network::{IssueDraft, SubscriberStatus};
use store::Actor;
use web::mail::testing::SmtpServer;

use super::webdriver::Browser;
use super::Site;

/// A server of the site's store that sends its mail to `smtp`: its base URL.
fn mailing_server(site: &Site, smtp: &SmtpServer) -> String {
    site.runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let mailer = web::mail::Mailer::smtp(&smtp.url(), "Fairer network <network@fairer.test>", &base).unwrap();
        let state = web::AppState::new(site.store.clone()).with_mailer(mailer);
        tokio::spawn(web::serve(listener, state, std::future::pending()));
        base
    })
}

/// Runs `script` until it returns `true`, for up to 10 s.
fn wait_for(browser: &Browser, script: &str, what: &str) {
    for _ in 0..100 {
        if browser.execute(script, json!([])).ok().and_then(|v| v.as_bool()) == Some(true) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let at = browser.execute("return location.href + ' ' + document.title", json!([])).unwrap_or_default();
    panic!("{what}: not reached in 10 s (at {at})");
}

/// Waits until the page's heading is `heading`.
fn wait_heading(browser: &Browser, heading: &str) {
    let script = format!("return (document.querySelector('h1') || {{}}).textContent === {}", json!(heading));
    wait_for(browser, &script, heading);
}

/// The per-page checks of `main.rs` on the page shown, as failures.
fn check_page(browser: &Browser, name: &str, axe: Option<&str>) -> Vec<String> {
    let mut failures = Vec::new();
    let errors = super::severe(browser);
    if !errors.is_empty() {
        failures.push(format!("{name}: console errors: {errors:?}"));
    }
    if let Some(fault) = super::phone_fault(browser) {
        failures.push(format!("{name}: {fault}"));
    }
    let missed = super::unreachable_by_tab(browser);
    if !missed.is_empty() {
        failures.push(format!("{name}: Tab does not reach {missed:?}"));
    }
    if let Some(axe) = axe {
        let violations = super::axe_violations(browser, axe);
        if !violations.is_empty() {
            failures.push(format!("{name}: axe-core: {violations:#?}"));
        }
    }
    failures
}

/// The one link of the last message to `to`.
fn link_to(smtp: &SmtpServer, n: usize, to: &str) -> String {
    let messages = smtp.wait_for(n, Duration::from_secs(20)).unwrap();
    let message = messages.iter().rev().find(|m| m.recipients().iter().any(|r| r == to)).unwrap();
    message.links().into_iter().next().unwrap_or_else(|| panic!("no link in {}", message.raw))
}

/// Join through the form, confirm by the e-mailed link, sign in, see the member's pages.
pub fn join_and_confirm(browser: &Browser, site: &Site) {
    let smtp = SmtpServer::start().expect("aiosmtpd (Debian's python3-aiosmtpd)");
    let base = mailing_server(site, &smtp);
    let axe = super::axe_source();
    let mut failures = Vec::new();

    browser.goto(&format!("{base}/join")).unwrap();
    failures.extend(check_page(browser, "join", axe.as_deref()));
    browser
        .execute(
            "document.getElementById('name').value = 'Nia Okafor';
             document.getElementById('email').value = 'nia@example.org';
             document.getElementById('password').value = 'a long enough password';
             document.getElementById('organisation').value = 'Hartlepool Borough Council';
             document.getElementById('sector').value = 'local_government';
             document.getElementById('job_role').value = 'Health improvement lead';
             document.getElementById('places').value = 'E06000001';
             document.getElementById('theme-work').checked = true;
             document.getElementById('membership').checked = true;
             document.getElementById('in_directory').checked = true;
             document.querySelector('form[action=\"/join\"]').submit();",
            json!([]),
        )
        .unwrap();
    wait_heading(browser, "Check your e-mail");
    failures.extend(check_page(browser, "join: check your e-mail", axe.as_deref()));

    let link = link_to(&smtp, 1, "nia@example.org");
    assert!(link.starts_with(&format!("{base}/join/confirm?token=")), "{link}");
    browser.goto(&link).unwrap();
    wait_heading(browser, "Confirm that you want to join");
    failures.extend(check_page(browser, "join: confirm", axe.as_deref()));
    browser.execute("document.querySelector('form[action=\"/join/confirm\"]').submit();", json!([])).unwrap();
    wait_heading(browser, "Welcome to the network");
    failures.extend(check_page(browser, "join: welcome", axe.as_deref()));
    // The link again: used.
    browser.goto(&link).unwrap();
    browser.execute("document.querySelector('form[action=\"/join/confirm\"]').submit();", json!([])).unwrap();
    wait_heading(browser, "This link no longer works");
    // The 410 of that page is expected: read it out of the console's log.
    let gone = super::severe(browser);
    assert!(gone.iter().all(|e| e.contains("410")), "{gone:?}");

    browser.goto(&format!("{base}/sign-in?next=/members/me")).unwrap();
    browser
        .execute(
            "document.getElementById('email').value = 'nia@example.org';
             document.getElementById('password').value = 'a long enough password';
             document.querySelector('form[action=\"/sign-in\"]').submit();",
            json!([]),
        )
        .unwrap();
    wait_heading(browser, "Nia Okafor");
    failures.extend(check_page(browser, "profile", axe.as_deref()));
    for (path, name) in
        [("/members", "directory"), ("/members/me/edit", "profile form"), ("/account/data", "your data")]
    {
        browser.goto(&format!("{base}{path}")).unwrap();
        failures.extend(check_page(browser, name, axe.as_deref()));
    }
    let text = browser.execute("return document.body.innerText", json!([])).unwrap();
    assert!(text.as_str().unwrap_or("").contains("membership"), "{text}");
    // Sign out for the next flow.
    browser.goto(&format!("{base}/sign-in")).unwrap();
    browser.execute("document.querySelector('form[action=\"/sign-out\"]').submit();", json!([])).unwrap();
    wait_for(browser, "return location.pathname === '/'", "the home page after signing out");
    assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n"));
}

/// Subscribe, confirm by the e-mailed link, receive an issue, unsubscribe from its link.
pub fn subscribe_and_unsubscribe(browser: &Browser, site: &Site) {
    let smtp = SmtpServer::start().expect("aiosmtpd (Debian's python3-aiosmtpd)");
    let base = mailing_server(site, &smtp);
    let axe = super::axe_source();
    let mut failures = Vec::new();

    browser.goto(&format!("{base}/newsletter")).unwrap();
    failures.extend(check_page(browser, "newsletter", axe.as_deref()));
    browser
        .execute(
            "document.getElementById('email').value = 'reader@example.org';
             document.querySelector('form[action=\"/newsletter/subscribe\"]').submit();",
            json!([]),
        )
        .unwrap();
    wait_heading(browser, "Check your e-mail");
    let link = link_to(&smtp, 1, "reader@example.org");
    browser.goto(&link).unwrap();
    wait_heading(browser, "Confirm your subscription");
    failures.extend(check_page(browser, "newsletter: confirm", axe.as_deref()));
    browser.execute("document.querySelector('form[action=\"/newsletter/confirm\"]').submit();", json!([])).unwrap();
    wait_heading(browser, "You are subscribed");
    failures.extend(check_page(browser, "newsletter: subscribed", axe.as_deref()));

    // An issue, sent.
    let unsubscribe = site.runtime.block_on(async {
        let draft =
            IssueDraft { subject: "December".into(), body: "News of **the network**.".into(), personalised: true };
        let issue = site.store.create_issue(&Actor::Cli, &draft).await.unwrap();
        let mailer = web::mail::Mailer::smtp(&smtp.url(), "network@fairer.test", &base).unwrap();
        let options = web::mail::newsletter::SendOptions::default();
        web::mail::newsletter::send_issue(&site.store, &mailer, &Actor::Cli, issue.id, &options).await.unwrap();
        issue.id
    });
    // The join flow's member subscribed too: the reader's copy.
    let messages = smtp.wait_for(2, Duration::from_secs(20)).unwrap();
    let letter = messages
        .iter()
        .find(|m| m.header("Subject") == Some("December") && m.recipients() == ["reader@example.org"])
        .unwrap();
    assert_eq!(letter.header("List-Unsubscribe-Post"), Some("List-Unsubscribe=One-Click"));
    let link = letter.list_unsubscribe().into_iter().next().unwrap();
    browser.goto(&format!("{base}/newsletter/issues/{unsubscribe}")).unwrap();
    wait_heading(browser, "December");
    failures.extend(check_page(browser, "newsletter: an issue", axe.as_deref()));
    browser.goto(&link).unwrap();
    wait_heading(browser, "Unsubscribe from the newsletter");
    failures.extend(check_page(browser, "newsletter: unsubscribe", axe.as_deref()));
    browser.execute("document.querySelector('main form').submit();", json!([])).unwrap();
    wait_heading(browser, "You are unsubscribed");
    failures.extend(check_page(browser, "newsletter: unsubscribed", axe.as_deref()));
    let status = site
        .runtime
        .block_on(async { site.store.subscriber_by_email("reader@example.org").await.unwrap().unwrap().status });
    assert_eq!(status, SubscriberStatus::Unsubscribed);
    assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n"));
}

/// A forgotten password: ask for a link, follow it from the e-mail, choose a new password, sign
/// in with it; the link does not work twice.
pub fn reset_password(browser: &Browser, site: &Site) {
    let smtp = SmtpServer::start().expect("aiosmtpd (Debian's python3-aiosmtpd)");
    let base = mailing_server(site, &smtp);
    let axe = super::axe_source();
    let mut failures = Vec::new();
    site.runtime.block_on(async {
        let hash = web::hash_password("the forgotten password").unwrap();
        site.store.create_account(&Actor::Cli, "remy@example.org", "Remy Reset", &hash).await.unwrap();
    });

    browser.goto(&format!("{base}/sign-in")).unwrap();
    browser.execute("document.querySelector('a[href=\"/password/forgot\"]').click();", json!([])).unwrap();
    wait_heading(browser, "Forgotten password");
    failures.extend(check_page(browser, "forgotten password", axe.as_deref()));
    browser
        .execute(
            "document.getElementById('email').value = 'remy@example.org';
             document.querySelector('form[action=\"/password/forgot\"]').submit();",
            json!([]),
        )
        .unwrap();
    wait_heading(browser, "Check your e-mail");
    failures.extend(check_page(browser, "forgotten password: check your e-mail", axe.as_deref()));

    let link = link_to(&smtp, 1, "remy@example.org");
    assert!(link.starts_with(&format!("{base}/password/reset?token=")), "{link}");
    browser.goto(&link).unwrap();
    wait_heading(browser, "Choose a new password");
    failures.extend(check_page(browser, "choose a new password", axe.as_deref()));
    browser
        .execute(
            "document.getElementById('password').value = 'a remembered password';
             document.getElementById('password_again').value = 'a remembered password';
             document.querySelector('form[action=\"/password/reset\"]').submit();",
            json!([]),
        )
        .unwrap();
    wait_heading(browser, "Your password is changed");
    failures.extend(check_page(browser, "password changed", axe.as_deref()));
    // The link again: used (its 410 is expected in the console).
    browser.goto(&link).unwrap();
    wait_heading(browser, "This link no longer works");
    let gone = super::severe(browser);
    assert!(gone.iter().all(|e| e.contains("410")), "{gone:?}");

    browser.goto(&format!("{base}/sign-in?next=/account/data")).unwrap();
    browser
        .execute(
            "document.getElementById('email').value = 'remy@example.org';
             document.getElementById('password').value = 'a remembered password';
             document.querySelector('form[action=\"/sign-in\"]').submit();",
            json!([]),
        )
        .unwrap();
    wait_for(browser, "return location.pathname === '/account/data'", "the account's data after signing in");
    browser.goto(&format!("{base}/sign-in")).unwrap();
    browser.execute("document.querySelector('form[action=\"/sign-out\"]').submit();", json!([])).unwrap();
    wait_for(browser, "return location.pathname === '/'", "the home page after signing out");
    assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n"));
}
