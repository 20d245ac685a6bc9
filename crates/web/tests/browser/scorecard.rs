//! Issue 14 in Chromium: an administrator opens an ICB's readiness self-assessment form (signed
//! in), starts an assessment, answers every question and saves it; the form and the readiness
//! page pass the per-page checks (console, phone width, keyboard, axe-core).
//!
//! Wiring (in `main.rs`): `mod scorecard;` and, in [`super::FLOWS`],
//! `("a readiness self-assessment", scorecard::readiness_form)`; the scorecard pages
//! themselves are lines of [`super::PAGES`] over the fixture installed by `serve`.

use serde_json::json;
use store::{Actor, RoleGrant};

use super::webdriver::Browser;
use super::Site;

const ADMIN: (&str, &str) = ("scorecards@example.org", "a scorecard admin's pw");
const ICB: &str = "E54000008";

/// Runs `script` until it returns `true`, for up to 10 s.
fn wait_for(browser: &Browser, script: &str, what: &str) {
    for _ in 0..100 {
        if browser.execute(script, json!([])).ok().and_then(|v| v.as_bool()) == Some(true) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let at = browser.execute("return location.href + ' ' + document.title", json!([])).unwrap_or_default();
    panic!("{what}: not reached in 10 s (at {at})");
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

/// The flow (panics on a failure).
pub fn readiness_form(browser: &Browser, site: &Site) {
    site.runtime.block_on(async {
        let hash = web::hash_password(ADMIN.1).unwrap();
        let account = site.store.create_account(&Actor::Cli, ADMIN.0, "Sam Scorecard", &hash).await.unwrap();
        site.store.set_roles(&Actor::Cli, account.id, &[RoleGrant::admin()]).await.unwrap();
    });
    let axe = super::axe_source();
    let edit = format!("/scorecards/{ICB}/readiness/edit");
    browser.goto(&format!("{}/sign-in?next={edit}", site.base)).unwrap();
    browser
        .execute(
            "document.getElementById('email').value = arguments[0];
             document.getElementById('password').value = arguments[1];
             document.querySelector('form[action=\"/sign-in\"]').submit();",
            json!([ADMIN.0, ADMIN.1]),
        )
        .unwrap();
    wait_for(browser, &format!("return location.pathname === '{edit}'"), "the readiness form after signing in");
    let mut failures = check_page(browser, "readiness: start", axe.as_deref());
    browser.execute("document.querySelector('form[action$=\"/readiness/start\"]').submit();", json!([])).unwrap();
    wait_for(browser, "return !!document.querySelector('select[name^=\"score.\"]')", "the draft's form");
    failures.extend(check_page(browser, "readiness: the draft's form", axe.as_deref()));
    browser
        .execute(
            "document.querySelectorAll('select[name^=\"score.\"]').forEach(s => s.value = '2');
             document.querySelector('form[action$=\"/readiness/edit\"]').submit();",
            json!([]),
        )
        .unwrap();
    wait_for(
        browser,
        "return !!document.querySelector('select[name=\"score.leadership_named_lead\"] option[value=\"2\"][selected]')",
        "the saved draft",
    );
    let draft = site.runtime.block_on(async { site.store.readiness_draft(ICB).await.unwrap().expect("a draft") });
    assert_eq!(draft.answers.len(), 18, "every question answered");
    browser.goto(&format!("{}/scorecards/{ICB}/readiness", site.base)).unwrap();
    failures.extend(check_page(browser, "readiness page (signed in)", axe.as_deref()));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
