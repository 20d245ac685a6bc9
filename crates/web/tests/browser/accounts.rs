//! Issue 13, acceptance 1's signed-in flow in Chromium: a place's lead signs in through the
//! form, changes a recommendation's status on `/places/{slug}/edit`, and sees it on the place
//! page and in `/places/{slug}/audit`; the signed-in pages (edit, audit, the accounts'
//! administration) pass the same checks as every page (console, phone width, keyboard,
//! axe-core).
//!
//! Wiring (in `main.rs`): `mod accounts;` and, in [`super::FLOWS`],
//! `("a lead edits a status", accounts::lead_edits_a_status)`.

use serde_json::json;
use store::{Actor, RoleGrant, Status};

use super::webdriver::Browser;
use super::Site;

const LEAD: (&str, &str) = ("lead@example.org", "a lead's password");
const ADMIN: (&str, &str) = ("admin@example.org", "an admin's password");

/// Runs `script` until it returns `true`, for up to 10 s (a navigation after a submit).
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

/// The page's text.
fn text(browser: &Browser) -> String {
    browser.execute("return document.body.innerText", json!([])).unwrap().as_str().unwrap_or_default().to_string()
}

/// Signs in through the form and waits for `next`.
fn sign_in(browser: &Browser, site: &Site, (email, password): (&str, &str), next: &str) {
    browser.goto(&format!("{}/sign-in?next={next}", site.base)).unwrap();
    browser
        .execute(
            "document.getElementById('email').value = arguments[0];
             document.getElementById('password').value = arguments[1];
             document.querySelector('form[action=\"/sign-in\"]').submit();",
            json!([email, password]),
        )
        .unwrap();
    wait_for(browser, &format!("return location.pathname === '{next}'"), "the page after signing in");
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
pub fn lead_edits_a_status(browser: &Browser, site: &Site) {
    let place = site.runtime.block_on(async {
        let place = site.store.place("halham").await.unwrap().expect("the fixture's place halham");
        for ((email, password), name, role) in
            [(LEAD, "Lee Lead", RoleGrant::lead(place.id)), (ADMIN, "Ada Admin", RoleGrant::admin())]
        {
            let hash = web::hash_password(password).unwrap();
            let account = site.store.create_account(&Actor::Cli, email, name, &hash).await.unwrap();
            site.store.set_roles(&Actor::Cli, account.id, &[role]).await.unwrap();
        }
        place
    });
    let axe = super::axe_source();
    let mut failures = Vec::new();
    browser.goto(&format!("{}/sign-in", site.base)).unwrap();
    failures.extend(check_page(browser, "sign-in", axe.as_deref()));

    sign_in(browser, site, LEAD, "/places/halham/edit");
    failures.extend(check_page(browser, "edit (signed in)", axe.as_deref()));
    browser
        .execute(
            "const form = document.querySelector('form[action$=\"/recommendations/R1/status\"]');
             form.querySelector('select[name=status]').value = 'implemented';
             form.querySelector('textarea[name=note]').value = arguments[0];
             form.submit();",
            json!(["Done, as the minutes record"]),
        )
        .unwrap();
    wait_for(browser, "return location.pathname === '/places/halham'", "the place page after the form");
    let status = site
        .runtime
        .block_on(async { site.store.recommendation(place.id, "R1").await.unwrap().expect("R1 of halham").status });
    assert_eq!(status, Status::Implemented);
    assert!(text(browser).contains("implemented"), "the place page does not show the new status");

    browser.goto(&format!("{}/places/halham/audit", site.base)).unwrap();
    let audit = text(browser);
    assert!(audit.contains("Lee Lead (lead@example.org)"), "the audit log does not name the lead: {audit}");
    assert!(audit.contains("status recommendation"), "the audit log does not show the change: {audit}");
    failures.extend(check_page(browser, "audit (signed in)", axe.as_deref()));

    // The administrator's pages, then signing out.
    browser.goto(&format!("{}/sign-in", site.base)).unwrap();
    sign_in(browser, site, ADMIN, "/admin/accounts");
    failures.extend(check_page(browser, "accounts (admin)", axe.as_deref()));
    browser.goto(&format!("{}/admin/audit", site.base)).unwrap();
    failures.extend(check_page(browser, "every change (admin)", axe.as_deref()));
    browser.goto(&format!("{}/sign-in", site.base)).unwrap();
    browser.execute("document.querySelector('form[action=\"/sign-out\"]').submit();", json!([])).unwrap();
    wait_for(browser, "return location.pathname === '/'", "the home page after signing out");
    browser.goto(&format!("{}/admin/accounts", site.base)).unwrap();
    wait_for(browser, "return location.pathname === '/sign-in'", "the sign-in page once signed out");
    assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n"));
}
