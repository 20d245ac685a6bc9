//! The printable place report on the demo place Halham (tests/fixture): the HTML page makes no
//! request and carries its print styles; the PDF, printed by a real headless Chromium, starts
//! `%PDF` and its text (by poppler's `pdftotext`) has the place's name and every target's
//! indicator. Without Chromium or pdftotext the PDF test says so and passes, except under
//! `CI=true`, where it fails.

mod fixture;

use std::process::Command;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;
use web::{app, AppState};

async fn get(state: AppState, path: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let response = app(state).oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, body.to_vec())
}

fn unescape(text: &str) -> String {
    text.replace("&#39;", "'").replace("&#34;", "\"").replace("&quot;", "\"").replace("&amp;", "&")
}

/// Whether a tool the test needs is missing: says so, and fails under `CI=true`.
fn missing(tool: &str, install: &str) -> bool {
    let found =
        Command::new("sh").arg("-c").arg(format!("command -v {tool}")).output().is_ok_and(|o| o.status.success());
    if found {
        return false;
    }
    let message = format!("{tool} is not installed ({install}): the PDF test cannot run");
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
    eprintln!("skipped: {message}");
    true
}

#[tokio::test(flavor = "multi_thread")]
async fn report_page_is_one_request_with_print_styles_and_every_part() {
    let db = fixture::halham().await;
    let (status, headers, body) = get(AppState::new(db.store.clone()), "/places/halham/report").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-security-policy"], web::report::REPORT_CONTENT_SECURITY_POLICY);
    let page = unescape(&String::from_utf8(body).unwrap());
    // No request: no style sheet, script, image or frame from anywhere.
    for needle in ["<link rel=\"stylesheet\"", "<script", "<img", "<iframe", "src=\"", "url("] {
        assert!(!page.contains(needle), "the report has {needle}");
    }
    assert!(page.contains("@page { size: A4; margin: 15mm; }"));
    assert!(page.contains("section.target, section.gradient, table.recommendations tr { break-inside: avoid; }"));
    assert!(page.contains("<h1>Halham (synthetic) <span class=\"tag\">synthetic</span>: monitoring report</h1>"));
    // The summary: 12 recommendations by status, 5 targets by assessment (fixture).
    assert!(page.contains("<dd>12: 1 proposed, 1 agreed, 5 in progress, 4 implemented, 1 dropped</dd>"), "{page}");
    assert!(page.contains("<dd>5: 3 on track, 1 off track, 1 not assessable</dd>"), "{page}");
    // Indicators by principle, in the catalogue's order.
    let early = page.find("<h3>Give every child the best start in life</h3>").expect("early years");
    let education = page.find("<h3>Enable all children, young people").expect("education");
    let work = page.find("<h3>Create fair employment and good work for all</h3>").expect("work");
    let living = page.find("<h3>Ensure a healthy standard of living for all</h3>").expect("living standards");
    let prevention = page.find("<h3>Strengthen the role and impact of ill health prevention</h3>").expect("prevention");
    assert!(early < education && education < work && work < living && living < prevention);
    // The gradient: ten deciles of life expectancy in 2021 - 23, most deprived (76.0) first,
    // with the SII of the whole-area row of that period (-8.6, fixture).
    let gradient = &page[page.find("<h3>Life expectancy at birth (Persons), 2021 - 23</h3>").expect("a gradient")..];
    let gradient = &gradient[..gradient.find("</section>").unwrap()];
    assert_eq!(gradient.matches("<tr><th scope=\"row\">").count(), 10, "{gradient}");
    let most = gradient.find("Most deprived decile (IMD)</th><td class=\"num\" data-value=\"76\">76.0").expect("most");
    let least =
        gradient.find("Least deprived decile (IMD)</th><td class=\"num\" data-value=\"85\">85.0").expect("least");
    assert!(most < least);
    assert!(gradient.contains("Slope index of inequality: -8.6 (-9.4 to -7.8)."), "{gradient}");
    // Every target's progress and every recommendation's status.
    for code in ["T1", "T2", "T3", "T4", "T5"] {
        assert!(page.contains(&format!("<section class=\"target\" id=\"target-{code}\"")), "{code}");
    }
    for (code, status) in [("R1", "in progress"), ("R9", "dropped"), ("R11", "proposed"), ("R12", "implemented")] {
        let row = &page[page.find(&format!("<tr id=\"recommendation-{code}\">")).expect(code)..];
        let row = &row[..row.find("</tr>").unwrap()];
        assert!(row.contains(&format!(">{status}</span>")), "{code}: {row}");
    }
    assert!(page.contains("class=\"national-cost\""), "the national cost of health inequalities");
}

#[tokio::test(flavor = "multi_thread")]
async fn report_of_an_unknown_place_is_a_404() {
    let db = fixture::halham().await;
    let (status, _, _) = get(AppState::new(db.store.clone()), "/places/nowhere/report").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = get(AppState::new(db.store.clone()), "/places/nowhere/report.pdf").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread")]
async fn report_pdf_renders_with_the_place_and_every_target() {
    if web::pdf::find_chromium(None).is_err() && missing("chromium", "Debian: apt-get install chromium") {
        return;
    }
    if missing("pdftotext", "Debian: apt-get install poppler-utils") {
        return;
    }
    let db = fixture::halham().await;
    let started = std::time::Instant::now();
    let (status, headers, body) = get(AppState::new(db.store.clone()), "/places/halham/report.pdf").await;
    let took = started.elapsed();
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(headers["content-type"], "application/pdf");
    assert!(body.starts_with(b"%PDF-"), "not a PDF");
    eprintln!("the PDF report: {} bytes in {:.1} s", body.len(), took.as_secs_f64());
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("report.pdf");
    std::fs::write(&pdf, &body).unwrap();
    let out = Command::new("pdftotext").arg(&pdf).arg("-").output().expect("run pdftotext");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Words as a reader sees them: any run of white space (a line break) as one space.
    let text = String::from_utf8_lossy(&out.stdout).split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("Halham (synthetic)"), "{text}");
    for (_, name, ..) in fixture::INDICATORS
        .iter()
        .filter(|i| ["le_birth", "u75_all_causes", "school_readiness", "child_poverty"].contains(&i.0))
    {
        assert!(text.contains(name), "the PDF lacks the target's indicator {name}: {text}");
    }
    for code in ["T1", "T2", "T3", "T4", "T5"] {
        assert!(text.contains(&format!("{code}: ")), "the PDF lacks {code}");
    }
}
