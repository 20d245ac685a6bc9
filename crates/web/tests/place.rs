//! The place page, `/places/{slug}`, on the demo place Halham over a hand-made release
//! (tests/fixture): every recommendation with its status and history, every target with its
//! assessment (worked by hand in the fixture), its data table and chart.

mod fixture;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;
use web::{app, AppState};

async fn get(state: AppState, path: &str) -> (StatusCode, String) {
    let response = app(state).oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

/// The text from the element with `id="…"` to the end of its section (the next `</section>`).
fn section<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no element {id} in the page"));
    let rest = &page[start..];
    &rest[..rest.find("</section>").unwrap_or(rest.len())]
}

/// `text` with the markup's entities of an askama-escaped text undone, as a reader sees it.
fn unescape(text: &str) -> String {
    text.replace("&#39;", "'")
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
}

#[tokio::test(flavor = "multi_thread")]
async fn place_page_shows_every_recommendation_and_target_of_the_demo_place() {
    let db = fixture::halham().await;
    demo_place_page(&db.store).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn place_page_is_the_same_on_postgresql() {
    let db = store::testing::postgres().await;
    fixture::seed(&db.store).await;
    demo_place_page(&db.store).await;
}

/// The place page of Halham on `store` (seeded by the fixture), checked part by part.
async fn demo_place_page(store: &store::Store) {
    let (status, page) = get(AppState::new(store.clone()), "/places/halham").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let text = unescape(&page);
    assert!(text.contains("<h1>Halham (synthetic) <span class=\"tag\">synthetic</span></h1>"), "{page}");
    assert!(text.contains("Halham: a Fairer Town 2023 to 2028 (synthetic)"));
    assert!(text.contains("From 2023-09-01 to 2028-08-31."));
    assert!(
        text.contains("<a href=\"https://example.org/halham/report.pdf\">Halham: a fairer town (synthetic report)</a>")
    );

    // Every recommendation of the file, with its status now and every dated change.
    let exported = toml_recommendations();
    assert_eq!(exported.len(), 12);
    for (code, status, history) in &exported {
        let part = unescape(section(&page, &format!("recommendation-{code}")));
        assert!(part.contains(&format!(">{status}</span></h3>")), "{code} should be {status}: {part}");
        assert_eq!(part.matches("<li><time").count(), history.len(), "{code}'s history: {part}");
        for date in history {
            assert!(part.contains(&format!("<time datetime=\"{date}\">")), "{code}: {date} missing");
        }
    }
    // In natural order: R2 before R10.
    assert!(page.find("id=\"recommendation-R2\"").unwrap() < page.find("id=\"recommendation-R10\"").unwrap());
    assert!(text.contains("proposed: 1</span> <span class=\"count\">agreed: 1</span> <span class=\"count\">in progress: 5</span> <span class=\"count\">implemented: 4</span> <span class=\"count\">dropped: 1"), "{text}");

    // Every target with its assessment, worked by hand in the fixture.
    for (code, name, assessment) in [
        ("T1", "Life expectancy at birth (Female)", "on track"),
        ("T2", "Life expectancy at birth (Male)", "on track"),
        ("T3", "Under 75 mortality rate from all causes (Persons)", "off track"),
        ("T4", "School readiness: a good level of development (Persons)", "on track"),
        ("T5", "Children in relative low income families (Persons)", "not assessable"),
    ] {
        let part = unescape(section(&page, &format!("target-{code}")));
        assert!(part.contains(&format!("{code}: {name} <span class=\"assessment")), "{code}: {part}");
        assert!(part.contains(&format!(">{assessment}</span>")), "{code} should be {assessment}: {part}");
    }
    let t1 = unescape(section(&page, "target-T1"));
    assert!(t1.contains("<dd>82.0 in 2017 - 19</dd>"), "{t1}");
    assert!(t1.contains("<dd>83.0 in 2026 - 28 (a change of +1.0 from the baseline)</dd>"), "{t1}");
    assert!(t1.contains("<dd>82.6 in 2021 - 23 (82.2 to 83.0)</dd>"), "{t1}");
    assert!(t1.contains("the trajectory expects 82.4 at the latest period"), "{t1}");
    let t3 = unescape(section(&page, "target-T3"));
    assert!(t3.contains("the trajectory expects 373.3"), "{t3}");
    let t5 = unescape(section(&page, "target-T5"));
    assert!(t5.contains("suppressed: fewer than 10 children"), "{t5}");

    // Each target's data: one row a period (five for T1 to T4; three for T5) and the target's
    // row; its chart has a mark for each row, and a title and description.
    for (code, periods) in [("T1", 5), ("T2", 5), ("T3", 5), ("T4", 5), ("T5", 3)] {
        let part = section(&page, &format!("target-{code}"));
        let table = section(&page, &format!("target-{code}-data"));
        assert_eq!(table.matches("<tr><th scope=\"row\">").count(), periods, "{code}: {table}");
        assert_eq!(table.matches("<tr class=\"target-row\">").count(), 1, "{code}: {table}");
        let body = &table[table.find("<tbody>").unwrap()..];
        let figure = &part[part.find("<figure").expect("a chart")..part.find("</figure>").unwrap()];
        assert_eq!(figure.matches("data-mark=").count(), body.matches("<tr").count(), "{code}: {figure}");
        assert!(figure
            .contains(&format!("role=\"img\" aria-labelledby=\"target-{code}-chart-title target-{code}-chart-desc\"")));
        assert!(figure.contains("class=\"trajectory-line\""), "{code}: the trajectory is drawn");
    }
    let t1_table = section(&page, "target-T1-data");
    assert!(t1_table.contains("<th scope=\"row\">Target, 2026 - 28</th><td class=\"num\"></td><td class=\"num\"></td><td class=\"num\"></td><td class=\"num\" data-value=\"83\">83.0</td>"), "{t1_table}");

    // Progress, evaluation, partners, indicators and the economic case (excess deaths exist).
    assert!(text.contains("Hubs and breakfasts running; living wage agreed."));
    assert!(text.contains("Did the family hubs reach the families in the most deprived wards?"));
    assert!(text.contains("<th scope=\"row\">Halham College (synthetic)</th><td>education</td><td>partner</td>"));
    assert_eq!(section(&page, "indicators").matches("<tr data-indicator=").count(), 13);
    let economic = section(&page, "economic-case");
    assert!(economic.contains("data-value=\"100\">100.0</td>"), "{economic}");
    // The fixture has no years of life lost: no table of them, the national cost beside.
    assert!(!economic.contains("life-years"), "{economic}");
    assert!(economic.contains("Fair Society, Healthy Lives"));
    assert!(!page.contains("src=\"http"), "no external request");
}

/// The codes, statuses now and dates of change of the demo file's recommendations.
fn toml_recommendations() -> Vec<(String, String, Vec<String>)> {
    let mut out = Vec::new();
    let mut current: Option<(String, String, Vec<String>)> = None;
    for line in fixture::HALHAM.lines() {
        if let Some(code) = line.strip_prefix("code = \"R") {
            if let Some(c) = current.take() {
                out.push(c);
            }
            current = Some((format!("R{}", code.trim_end_matches('"')), String::new(), Vec::new()));
        } else if let (Some(c), Some(rest)) = (current.as_mut(), line.trim().strip_prefix("{ status = \"")) {
            let (status, rest) = rest.split_once('"').unwrap();
            let date = rest.split("on = ").nth(1).unwrap()[..10].to_string();
            c.1 = status.to_string();
            c.2.push(date);
        } else if line.starts_with("[[target]]") {
            if let Some(c) = current.take() {
                out.push(c);
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_place_is_a_404_naming_it() {
    let db = fixture::halham().await;
    let (status, page) = get(AppState::new(db.store.clone()), "/places/nowhere").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(unescape(&page).contains("the place \"nowhere\" not found"), "{page}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_place_without_data_or_monitoring_says_so() {
    let db = store::testing::sqlite().await;
    let place = db
        .store
        .create_place(
            &store::Actor::Cli,
            &store::PlaceFields {
                slug: "empty".into(),
                name: "Emptyshire <b>(synthetic)</b>".into(),
                kind: "county".into(),
                area_code: "E10900001".into(),
                covers: Vec::new(),
                benchmark_code: "E92000001".into(),
                stage: "commissioned".into(),
                commissioned_on: None,
                report_published_on: None,
                implementing_from: None,
                evaluated_on: None,
                synthetic: true,
                description: None,
            },
        )
        .await
        .unwrap();
    let target = store::TargetFields {
        code: "T1".into(),
        indicator: "le_birth".into(),
        measure_on: store::MeasureOn::Value,
        sex: "Persons".into(),
        baseline_period: "2019".into(),
        baseline_value: None,
        goal: store::Goal::Change(1.0),
        target_period: "2028".into(),
        note: None,
    };
    db.store.create_target(&store::Actor::Cli, place.id, &target).await.unwrap();
    let state = AppState::new(db.store.clone());
    let (status, page) = get(state.clone(), "/places/empty").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("<h1>Emptyshire &#60;b&#62;(synthetic)&#60;/b&#62; <span"), "escaped: {page}");
    for said in [
        "no release imported yet",
        "No strategy is recorded.",
        "No recommendation is recorded.",
        "No value for this target in the newest release.",
        "not assessable: no data for this breakdown in the latest release",
        "No progress note is recorded.",
        "No partner is recorded.",
        "The newest release has no value for E10900001.",
    ] {
        assert!(page.contains(said), "the page should say {said:?}");
    }
    assert!(!page.contains("<figure"), "no chart without data or trajectory");
    assert!(!page.contains("economic-case"), "no economic case without excess deaths");
    let (status, report) = get(state, "/places/empty/report").await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert!(!report.contains("Gradients by deprivation"));
}
