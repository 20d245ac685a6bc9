//! Issue 15, acceptance 4's events, publications and contact flows in Chromium: a member signs
//! in, registers for a full breakout and lands on its waiting list; anyone searches the
//! publications with a filter; anyone sends a contact query. Every page on the way passes the
//! same checks as every page (console, phone width, keyboard, axe-core).
//!
//! Wiring (in `main.rs`): `mod events;` and three lines in [`super::FLOWS`].

use serde_json::json;
use store::{Actor, EventFields, PublicationFields, RegistrationRequest, SessionFields, SessionKind};

use super::webdriver::Browser;
use super::Site;

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

/// The per-page checks of `main.rs` on the page shown; panics with every failure.
fn check_page(browser: &Browser, name: &str) {
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
    if let Some(axe) = super::axe_source() {
        let violations = super::axe_violations(browser, &axe);
        if !violations.is_empty() {
            failures.push(format!("{name}: axe-core: {violations:#?}"));
        }
    }
    assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n"));
}

/// A member registers for a breakout whose one place is taken and lands on its waiting list.
pub fn breakout_waiting_list(browser: &Browser, site: &Site) {
    const MEMBER: (&str, &str) = ("wendy@example.org", "a member's password");
    site.runtime.block_on(async {
        let store = &site.store;
        let event = store
            .create_event(
                &Actor::Cli,
                &EventFields {
                    slug: "conference-2040".into(),
                    title: "Network conference 2040".into(),
                    kind: "conference".into(),
                    starts_on: "2040-06-10".into(),
                    ends_on: "2040-06-10".into(),
                    venue: Some("Coventry".into()),
                    description: "The panel and eight breakouts.".into(),
                    needs_kept_days: 30,
                },
            )
            .await
            .unwrap();
        let breakout = SessionFields {
            kind: SessionKind::Breakout,
            title: "Housing".into(),
            theme: Some("housing".into()),
            starts_at: Some("11:00".into()),
            capacity: Some(1),
            room: Some("Room 2".into()),
            link: None,
            description: String::new(),
        };
        let housing = store.add_session(&Actor::Cli, event.id, &breakout).await.unwrap();
        let first = store
            .create_account(
                &Actor::Cli,
                "first@example.org",
                "First Member",
                &web::hash_password("first's password").unwrap(),
            )
            .await
            .unwrap();
        let request = RegistrationRequest { session_id: Some(housing.id), ..Default::default() };
        store.register(first.id, event.id, &request).await.unwrap();
        store
            .create_account(&Actor::Cli, MEMBER.0, "Wendy Waiting", &web::hash_password(MEMBER.1).unwrap())
            .await
            .unwrap();
    });
    browser.goto(&format!("{}/sign-in?next=/events/conference-2040", site.base)).unwrap();
    browser
        .execute(
            "document.getElementById('email').value = arguments[0];
             document.getElementById('password').value = arguments[1];
             document.querySelector('form[action=\"/sign-in\"]').submit();",
            json!([MEMBER.0, MEMBER.1]),
        )
        .unwrap();
    wait_for(browser, "return location.pathname === '/events/conference-2040' && !!document.querySelector('form[action$=\"/register\"]')", "the event page, signed in");
    check_page(browser, "event (signed in)");
    assert!(text(browser).contains("1 place, none left"), "the breakout shows it is full: {}", text(browser));
    browser
        .execute(
            "const form = document.querySelector('form[action$=\"/register\"]');
             form.querySelector('select[name=session]').selectedIndex = 0;
             form.querySelector('textarea[name=dietary_needs]').value = 'vegetarian';
             form.submit();",
            json!([]),
        )
        .unwrap();
    wait_for(browser, "return !!document.querySelector('.registration-state')", "the event page after registering");
    let page = text(browser);
    assert!(page.contains("You are number 1 on the waiting list for the breakout"), "{page}");
    assert!(page.contains("vegetarian"), "the member sees their own needs");
    check_page(browser, "event (on the waiting list)");
    browser.goto(&format!("{}/events", site.base)).unwrap();
    check_page(browser, "events");
    // Sign out, for the flows after this one.
    browser.goto(&format!("{}/sign-in", site.base)).unwrap();
    browser
        .execute("const f = document.querySelector('form[action=\"/sign-out\"]'); if (f) f.submit();", json!([]))
        .unwrap();
    wait_for(browser, "return location.pathname === '/'", "the home page after signing out");
}

/// Anyone searches the publications, with a filter, and opens one.
pub fn search_publications(browser: &Browser, site: &Site) {
    site.runtime.block_on(async {
        let publication = |slug: &str, title: &str, kind: &str, places: &[&str]| PublicationFields {
            slug: slug.into(),
            title: title.into(),
            kind: kind.into(),
            published_on: "2024-05-01".into(),
            summary: format!("{title}: what it found."),
            body: "Damp homes, cold houses and fuel poverty.".into(),
            url: format!("https://example.org/{slug}.pdf"),
            is_pdf: true,
            authors: vec!["Ada Author".into()],
            places: places.iter().map(|p| p.to_string()).collect(),
            themes: vec!["living_standards".into()],
        };
        site.store
            .create_publications(
                &Actor::Cli,
                &[
                    publication("hartlepool-homes", "Homes in Hartlepool", "report", &["E06000001"]),
                    publication("fuel-briefing", "A fuel poverty briefing", "briefing", &["E06000002"]),
                ],
            )
            .await
            .unwrap();
    });
    browser.goto(&format!("{}/publications", site.base)).unwrap();
    check_page(browser, "publications");
    browser
        .execute(
            "document.getElementById('q').value = 'housing';
             document.getElementById('kind').value = 'report';
             document.querySelector('form[role=search]').submit();",
            json!([]),
        )
        .unwrap();
    wait_for(browser, "return location.search.includes('q=housing')", "the results");
    let results = text(browser);
    assert!(results.contains("Homes in Hartlepool") && !results.contains("A fuel poverty briefing"), "{results}");
    assert!(results.contains("1 to 1 of 1"), "{results}");
    check_page(browser, "publications (results)");
    browser.execute("document.querySelector('li.publication a').click();", json!([])).unwrap();
    wait_for(browser, "return location.pathname === '/publications/hartlepool-homes'", "the publication's page");
    check_page(browser, "a publication");
    browser.goto(&format!("{}/places/halham", site.base)).unwrap();
    assert!(text(browser).contains("Homes in Hartlepool"), "the place page lists its publication");
}

/// Anyone sends a contact query and is thanked.
pub fn send_a_contact_query(browser: &Browser, site: &Site) {
    browser.goto(&format!("{}/contact", site.base)).unwrap();
    check_page(browser, "contact");
    browser
        .execute(
            "document.getElementById('contact-name').value = 'Val Visitor';
             document.getElementById('contact-email').value = 'val@example.org';
             document.getElementById('contact-topic').value = 'events';
             document.getElementById('contact-message').value = arguments[0];
             document.querySelector('form[action=\"/contact\"]').submit();",
            json!(["Is the conference step-free?"]),
        )
        .unwrap();
    wait_for(browser, "return location.pathname === '/contact/sent'", "the page after sending");
    assert!(text(browser).contains("your query is sent"));
    check_page(browser, "contact (sent)");
    let queries = site.runtime.block_on(site.store.contact_queries(None)).unwrap();
    assert!(
        queries.iter().any(|q| q.email == "val@example.org" && q.topic == "events"),
        "the query is filed: {queries:?}"
    );
}
