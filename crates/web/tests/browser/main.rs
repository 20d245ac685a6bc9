//! Issue 13, acceptance 1: the pages in a real headless Chromium. For every page of [`PAGES`],
//! served in-process over a seeded SQLite store: no SEVERE entry in the browser's console (a
//! script error, a failed load, a CSP violation); at a phone's 390×844 no sideways scrolling;
//! the keyboard alone (Tab) reaches every link, button, field and summary; and axe-core finds no
//! serious or critical accessibility violation; and every chart names its title and
//! description, titles every mark and draws as many marks as its figure says.
//!
//! One chromedriver and one browser for the whole binary, pages checked one after another (the
//! machines have two cores). Without Chromium or chromedriver the test says so and passes,
//! except under `CI=true`, where it fails; axe-core comes from `npm ci` in this directory
//! (`.ci/run` runs it).
//!
//! To check a new page, add a line to [`PAGES`]; a flow through several pages (signing in,
//! a form) goes in [`FLOWS`].

#[path = "../fixtures/mod.rs"]
mod fixtures;
#[path = "../scorecard_support/mod.rs"]
mod scorecard_support;
mod webdriver;

mod accounts;
mod events;
mod network;
mod scorecard;

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use webdriver::{find_program, Browser};

/// A page to check: what it is, its path on the fixture's store (`tests/fixtures`), the
/// status it answers with.
pub struct Page {
    /// What the page is, in failure messages.
    pub name: &'static str,
    /// Its path.
    pub path: &'static str,
    /// Its HTTP status (error pages are pages too).
    pub status: u16,
}

/// Every page checked. The fixture has the areas E92000001, E12000001, E06000001 and
/// E06000002, the indicators `le_birth` and `school_readiness` and the place `halham`.
/// One line a page (kept so by rustfmt::skip, so that each page added is one line).
#[rustfmt::skip]
pub const PAGES: &[Page] = &[
    Page { name: "home", path: "/", status: 200 },
    Page { name: "not found", path: "/no/such/page", status: 404 },
    Page { name: "place", path: "/places/halham", status: 200 },
    Page { name: "place report", path: "/places/halham/report", status: 200 },
    Page { name: "sign in", path: "/sign-in", status: 200 },
    Page { name: "search", path: "/search?q=hart", status: 200 },
    Page { name: "area", path: "/areas/E06000001", status: 200 },
    Page { name: "area against its peers", path: "/areas/E06000001?benchmark=peers", status: 200 },
    Page { name: "area against its region", path: "/areas/E06000001?benchmark=region", status: 200 },
    Page { name: "region", path: "/areas/E12000001", status: 200 },
    Page { name: "indicator", path: "/indicators/le_birth", status: 200 },
    Page { name: "indicator map", path: "/indicators/le_birth/map", status: 200 },
    Page { name: "indicator trend", path: "/indicators/le_birth/trend?area=E06000001", status: 200 },
    Page { name: "indicator inequalities", path: "/indicators/le_birth/inequalities?area=E06000001", status: 200 },
    Page { name: "indicator definition", path: "/indicators/le_birth/definition", status: 200 },
    Page { name: "events", path: "/events", status: 200 },
    Page { name: "publications", path: "/publications?q=health", status: 200 },
    Page { name: "contact", path: "/contact", status: 200 },
    Page { name: "join the network", path: "/join", status: 200 },
    Page { name: "forgotten password", path: "/password/forgot", status: 200 },
    Page { name: "newsletter", path: "/newsletter", status: 200 },
    Page { name: "organisation", path: "/organisations/1", status: 200 },
    Page { name: "ICB scorecards", path: "/scorecards", status: 200 },
    Page { name: "ICB scorecards: completeness", path: "/scorecards?tab=completeness", status: 200 },
    Page { name: "ICB scorecard", path: "/scorecards/E54000008", status: 200 },
    Page { name: "scorecard breakdown", path: "/scorecards/E54000008/indicators/preterm_births", status: 200 },
    Page { name: "scorecard report", path: "/scorecards/E54000008/report", status: 200 },
    Page { name: "CYP measurement tool", path: "/scorecards/cyp-tool", status: 200 },
    Page { name: "readiness self-assessment", path: "/scorecards/E54000008/readiness", status: 200 },
    Page { name: "ICS place report with its scorecard", path: "/places/cheshire-merseyside-ics/report", status: 200 },
];

/// Flows through pages beyond the per-page checks: a name and what it does with the browser
/// and the site (it fails by panicking).
pub const FLOWS: &[(&str, Flow)] = &[
    ("a lead edits a status", accounts::lead_edits_a_status),
    ("the PDF report", report_pdf_has_the_place_and_every_target),
    ("the PDF report of an ICS place", ics_report_pdf_has_the_scorecard),
    ("a member lands on a breakout's waiting list", events::breakout_waiting_list),
    ("a search of the publications", events::search_publications),
    ("a contact query", events::send_a_contact_query),
    ("join the network and confirm", network::join_and_confirm),
    ("subscribe to the newsletter and unsubscribe", network::subscribe_and_unsubscribe),
    ("choose a new password through an e-mailed link", network::reset_password),
    ("a readiness self-assessment", scorecard::readiness_form),
];

/// The place's report as PDF: its text (by poppler's pdftotext) has the place's name and
/// every target's indicator.
fn report_pdf_has_the_place_and_every_target(_browser: &Browser, site: &Site) {
    let Some(pdftotext) = find_program("pdftotext") else {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "pdftotext is missing: apt-get install poppler-utils");
        eprintln!("skipping the PDF's text: pdftotext is missing (apt-get install poppler-utils)");
        return;
    };
    let (status, pdf) = http_get(site, "/places/halham/report.pdf");
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&pdf));
    assert!(pdf.starts_with(b"%PDF"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let out = std::process::Command::new(pdftotext).arg(&file).arg("-").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("Halham (test)"), "{text}");
    for indicator in ["Life expectancy at birth", "School readiness"] {
        assert!(text.contains(indicator), "{indicator} is not in the PDF: {text}");
    }
}

/// The report of an ICS place as PDF (A4): its text has the ICB's scorecard section, each
/// clinical area's indicators with the scorecard's values (the fixture's: preterm births 10.0,
/// gap 3.0 (1.9 to 4.1), rank 1 of 3), the CYP scores and the funding line; and no page
/// navigation.
fn ics_report_pdf_has_the_scorecard(_browser: &Browser, site: &Site) {
    let Some(pdftotext) = find_program("pdftotext") else {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "pdftotext is missing: apt-get install poppler-utils");
        eprintln!("skipping the PDF's text: pdftotext is missing (apt-get install poppler-utils)");
        return;
    };
    let (status, pdf) = http_get(site, &format!("/places/{}/report.pdf", scorecard_support::ICS_PLACE));
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&pdf));
    assert!(pdf.starts_with(b"%PDF"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let out = std::process::Command::new(&pdftotext).arg("-layout").arg(&file).arg("-").output().unwrap();
    let layout = String::from_utf8_lossy(&out.stdout).to_string();
    let text = layout.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("ICB scorecard: Core20PLUS5"), "{text}");
    for needle in [
        "Maternity",
        "Preterm births",
        "10.0 (9.6 to 10.4)",
        "3.0 (1.9 to 4.1)",
        "1 of 3",
        "Children and young people's measurement tool",
        "0.500 (0.200 to 0.800)",
        "£1,150,000",
        "Back to the place page",
    ] {
        let expected = needle != "Back to the place page";
        assert_eq!(text.contains(needle), expected, "{needle} in the PDF: {text}");
    }
    // A4 portrait: 595 × 842 points ("Page size: 594.96 x 841.92 pts (A4)").
    let info = std::process::Command::new(find_program("pdfinfo").unwrap_or_else(|| "pdfinfo".into()))
        .arg(&file)
        .output()
        .unwrap();
    let info = String::from_utf8_lossy(&info.stdout).to_string();
    let size = info.lines().find_map(|l| l.strip_prefix("Page size:")).unwrap_or_else(|| panic!("{info}"));
    let sides: Vec<f64> = size.split_whitespace().filter_map(|w| w.parse().ok()).collect();
    assert!(size.ends_with("pts (A4)") && sides.len() == 2 && sides[0] < sides[1], "{size}");
}

/// A flow: what it does with the browser and the site.
pub type Flow = fn(&Browser, &Site);

/// The site under test: the app served on the loopback, over its store.
pub struct Site {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The store the app serves.
    pub store: store::Store,
    /// The runtime serving the app (and running store calls for flows).
    pub runtime: tokio::runtime::Runtime,
    _db: store::testing::TestDatabase,
}

/// Serves the app over a seeded temporary SQLite store, on a port of the loopback.
fn serve() -> Site {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (db, base) = runtime.block_on(async {
        let db = store::testing::sqlite().await;
        fixtures::seed(&db.store).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let state = web::AppState::new(db.store.clone());
        scorecard_support::install_with_funding(&state).await;
        scorecard_support::create_ics_place(&db.store).await;
        tokio::spawn(web::serve(listener, state, std::future::pending()));
        (db, base)
    });
    Site { base, store: db.store.clone(), runtime, _db: db }
}

/// Chromium and chromedriver, or `None` (having said why) when they are not installed; under
/// `CI=true` their absence fails the test.
fn programs() -> Option<(PathBuf, PathBuf)> {
    let chromium = ["chromium", "chromium-browser", "google-chrome"].into_iter().find_map(find_program);
    let driver = find_program("chromedriver");
    match (driver, chromium) {
        (Some(d), Some(c)) => Some((d, c)),
        _ => {
            let message = "Chromium and chromedriver are needed for the browser tests: apt-get install chromium \
                           chromium-driver (.ci/run installs them)";
            assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
            eprintln!("skipping the browser tests: {message}");
            None
        }
    }
}

/// axe-core's script, from `npm ci` in this directory; `None` (having said so) when it is not
/// installed, except under `CI=true`, where that fails.
fn axe_source() -> Option<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/node_modules/axe-core/axe.min.js");
    match std::fs::read_to_string(&path) {
        Ok(source) => Some(source),
        Err(e) => {
            let message = format!(
                "{}: {e}: run `npm ci --prefix crates/web/tests/browser` (.ci/run does) for the accessibility checks",
                path.display()
            );
            assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
            eprintln!("skipping axe-core: {message}");
            None
        }
    }
}

/// The console's SEVERE entries since the last look.
fn severe(browser: &Browser) -> Vec<String> {
    let entries = browser.log().unwrap();
    entries
        .iter()
        .filter(|e| e["level"] == "SEVERE")
        .map(|e| e["message"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// At a phone's width (390×844, CSS pixels, as a phone reports them), what is wrong: the page
/// scrolls sideways (the document's scroll width beyond its client width), or it is laid out
/// wider than the phone (no `<meta name="viewport" content="width=device-width">`).
fn phone_fault(browser: &Browser) -> Option<String> {
    let metrics = json!({ "width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": true });
    browser.cdp("Emulation.setDeviceMetricsOverride", metrics).unwrap();
    let widths = browser
        .execute(
            "const e = document.documentElement; return [e.scrollWidth, e.clientWidth, window.innerWidth];",
            json!([]),
        )
        .unwrap();
    browser.cdp("Emulation.clearDeviceMetricsOverride", json!({})).unwrap();
    let (scroll, client) = (widths[0].as_i64().unwrap(), widths[1].as_i64().unwrap());
    if client != 390 {
        return Some(format!("laid out {client} px wide on a 390 px phone (no viewport meta?)"));
    }
    (scroll > client).then(|| format!("at 390×844 the page scrolls sideways ({scroll} px wide in {client})"))
}

/// The controls Tab should reach and does not: each `a[href], button, input, select,
/// textarea, summary` that is shown and enabled, described by its tag and text.
fn unreachable_by_tab(browser: &Browser) -> Vec<String> {
    let count = browser
        .execute(
            r#"
            const controls = [...document.querySelectorAll('a[href], button, input, select, textarea, summary')]
              .filter(e => !e.disabled && e.type !== 'hidden' && e.getClientRects().length > 0);
            controls.forEach((e, i) => e.setAttribute('data-fairer-tab', String(i)));
            window.__fairerFocused = [];
            document.addEventListener('focusin', ev => {
              const i = ev.target.getAttribute && ev.target.getAttribute('data-fairer-tab');
              if (i !== null) window.__fairerFocused.push(Number(i));
            });
            if (document.activeElement) document.activeElement.blur();
            window.focus();
            return controls.length;"#,
            json!([]),
        )
        .unwrap()
        .as_u64()
        .unwrap() as usize;
    if count == 0 {
        return Vec::new();
    }
    browser.press_tab(count + 2).unwrap();
    let missed = browser
        .execute(
            r#"
            const seen = new Set(window.__fairerFocused);
            return [...document.querySelectorAll('[data-fairer-tab]')]
              .filter(e => !seen.has(Number(e.getAttribute('data-fairer-tab'))))
              .map(e => e.tagName.toLowerCase() + ' "' + (e.textContent || e.value || e.name || '').trim().slice(0, 60) + '"');"#,
            json!([]),
        )
        .unwrap();
    missed.as_array().unwrap().iter().map(|m| m.as_str().unwrap().to_string()).collect()
}

/// What is wrong with the page's charts (docs/web.md §3.1): each `svg[role=img]` names its
/// `<title>` and `<desc>` by `aria-labelledby`; each mark (`[data-mark]`) has a `<title>`; and
/// where the chart's figure says how many marks it draws (`data-marks`), it draws that many.
/// Returns the charts seen and the faults.
fn chart_faults(browser: &Browser) -> (u64, Vec<String>) {
    let result = browser
        .execute(
            r#"
            const faults = [];
            const charts = [...document.querySelectorAll('svg[role="img"]')];
            charts.forEach((svg, i) => {
              const name = 'chart ' + (i + 1) + ' (' + ((svg.querySelector('title') || {}).textContent || '').slice(0, 60) + ')';
              const ids = (svg.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean);
              const named = ids.map(id => document.getElementById(id)).filter(e => e && svg.contains(e));
              if (ids.length === 0 || named.length !== ids.length) faults.push(name + ': aria-labelledby does not name its own title/desc');
              const marks = [...svg.querySelectorAll('[data-mark]')];
              const untitled = marks.filter(m => ![...m.children].some(c => c.tagName.toLowerCase() === 'title'));
              if (untitled.length) faults.push(name + ': ' + untitled.length + ' marks without a <title>');
              const figure = svg.closest('[data-marks]');
              if (figure && Number(figure.getAttribute('data-marks')) !== marks.length)
                faults.push(name + ': ' + marks.length + ' marks drawn, ' + figure.getAttribute('data-marks') + ' expected');
            });
            return [charts.length, faults];"#,
            json!([]),
        )
        .unwrap();
    let faults = result[1].as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_string()).collect();
    (result[0].as_u64().unwrap(), faults)
}

/// axe-core's serious and critical violations on the page (axe injected by script: the
/// pages allow no script of their own, but WebDriver's run all the same).
fn axe_violations(browser: &Browser, axe: &str) -> Vec<String> {
    browser.execute(&format!("{axe}\n;window.axe = axe; return typeof axe;"), json!([])).unwrap();
    let result = browser
        .execute_async(
            r#"
            const done = arguments[arguments.length - 1];
            axe.run(document, { resultTypes: ['violations'] })
              .then(r => done(r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
              }))))
              .catch(e => done([{ id: 'axe-error', impact: 'critical', help: String(e), nodes: [] }]));"#,
            json!([]),
        )
        .unwrap();
    result
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["impact"] == "serious" || v["impact"] == "critical")
        .map(|v: &Value| format!("{} ({}): {} at {}", v["id"], v["impact"], v["help"], v["nodes"]))
        .collect()
}

/// `GET path` on the site: the status and the body (the browser does not say the status).
fn http_get(site: &Site, path: &str) -> (u16, Vec<u8>) {
    use std::io::{Read, Write};
    let address = site.base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let end = response.windows(4).position(|w| w == b"\r\n\r\n").map_or(response.len(), |i| i + 4);
    let head = String::from_utf8_lossy(&response[..end]).into_owned();
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut body = response[end..].to_vec();
    if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        body = dechunk(&body);
    }
    (status, body)
}

/// A chunked HTTP body, joined.
fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = body.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&body[..line_end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = line_end + 2;
        out.extend_from_slice(&body[start..(start + size).min(body.len())]);
        body = &body[(start + size + 2).min(body.len())..];
    }
    out
}

/// The checks themselves, on a page made to fail each of them: a missing image (a console
/// error), a box wider than a phone, a button taken out of the Tab order, and a button without
/// a name (axe-core's critical "button-name"). A check that passed this page would be
/// checking nothing.
fn the_checks_catch_faults(browser: &Browser, site: &Site, axe: Option<&str>) {
    let html = format!(
        "<!doctype html><html lang=en><meta name=viewport content='width=device-width'><title>faults</title><main><img src='{}/missing.png' alt='missing'>\
         <div style='width:800px'>wide</div><button tabindex='-1'>skipped</button><button></button>\
         <figure data-marks='2'><svg role='img' aria-labelledby='t'><title id='t'>c</title>\
         <g data-mark='1'><title>m</title></g><g data-mark='2'></g><g data-mark='3'><title>m</title></g></svg></figure></main></html>",
        site.base
    );
    let url = format!("data:text/html,{}", html.replace('#', "%23").replace(' ', "%20"));
    browser.goto(&url).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    let errors = severe(browser);
    assert!(errors.iter().any(|e| e.contains("missing.png")), "{errors:?}");
    let fault = phone_fault(browser);
    assert!(fault.as_deref().is_some_and(|f| f.contains("scrolls sideways")), "the wide box is not seen: {fault:?}");
    let (charts, faults) = chart_faults(browser);
    assert_eq!(charts, 1);
    assert_eq!(faults.len(), 2, "{faults:?}");
    assert!(
        faults[0].contains("1 marks without a <title>") && faults[1].contains("3 marks drawn, 2 expected"),
        "{faults:?}"
    );
    let missed = unreachable_by_tab(browser);
    assert!(missed.iter().any(|m| m.contains("skipped")), "{missed:?}");
    assert!(!missed.iter().any(|m| m.contains("wide")), "{missed:?}");
    if let Some(axe) = axe {
        let violations = axe_violations(browser, axe);
        assert!(violations.iter().any(|v| v.contains("button-name")), "{violations:?}");
    }
}

#[test]
fn every_page_in_chromium() {
    let Some((chromedriver, chromium)) = programs() else { return };
    let axe = axe_source();
    let site = serve();
    let browser = Browser::start(&chromedriver, &chromium).unwrap_or_else(|e| panic!("the browser: {e}"));
    the_checks_catch_faults(&browser, &site, axe.as_deref());
    let mut failures = Vec::new();
    for page in PAGES {
        let url = format!("{}{}", site.base, page.path);
        let (status, _) = http_get(&site, page.path);
        if status != page.status {
            failures.push(format!("{} ({}): HTTP {status}, expected {}", page.name, page.path, page.status));
        }
        browser.goto(&url).unwrap();
        // A 404 page's own load is logged as a failed resource: expected, not an error.
        let errors: Vec<String> = severe(&browser)
            .into_iter()
            .filter(|m| !(page.status >= 400 && m.contains(&url) && m.contains(&page.status.to_string())))
            .collect();
        if !errors.is_empty() {
            failures.push(format!("{} ({}): console errors: {errors:?}", page.name, page.path));
        }
        if let Some(fault) = phone_fault(&browser) {
            failures.push(format!("{} ({}): {fault}", page.name, page.path));
        }
        let (charts, faults) = chart_faults(&browser);
        if !faults.is_empty() {
            failures.push(format!("{} ({}): charts: {faults:?}", page.name, page.path));
        }
        let missed = unreachable_by_tab(&browser);
        if !missed.is_empty() {
            failures.push(format!("{} ({}): Tab does not reach {missed:?}", page.name, page.path));
        }
        if let Some(axe) = &axe {
            let violations = axe_violations(&browser, axe);
            if !violations.is_empty() {
                failures.push(format!("{} ({}): axe-core: {violations:#?}", page.name, page.path));
            }
        }
        eprintln!("checked {} ({}) in Chromium: {charts} charts", page.name, page.path);
        // Nothing the checks did may log an error either.
        let late = severe(&browser);
        if !late.is_empty() {
            failures.push(format!("{} ({}): console errors during the checks: {late:?}", page.name, page.path));
        }
    }
    for (name, flow) in FLOWS {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| flow(&browser, &site)));
        eprintln!("flow \"{name}\": {}", if outcome.is_ok() { "passed" } else { "FAILED" });
        if let Err(e) = outcome {
            let message =
                e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()));
            failures.push(format!("the flow \"{name}\": {}", message.unwrap_or_default()));
        }
    }
    drop(browser);
    assert!(failures.is_empty(), "{} failure(s):\n{}", failures.len(), failures.join("\n"));
}
