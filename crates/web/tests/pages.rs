//! The pages driven in memory: status, one chart mark per data-table row, every number of an
//! area profile equal to the imported rows (bit for bit), page size, no URL to elsewhere.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use engine::arrow::array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use http_body_util::BodyExt;
use store::{Actor, ReleaseInfo, Store};
use tower::ServiceExt;
use web::{app, AppState};

/// One fabricated row: indicator, area (code, name, type, parent), sex, decile, period, year,
/// and numbers by column name.
#[derive(Clone)]
struct Row {
    indicator: &'static str,
    area: (&'static str, &'static str, &'static str, Option<&'static str>),
    sex: &'static str,
    category: Option<String>,
    period: &'static str,
    year: f64,
    numbers: HashMap<&'static str, Option<f64>>,
    comparison: Option<&'static str>,
    trend: Option<&'static str>,
}

const AREAS: [(&str, &str, &str, Option<&str>); 6] = [
    ("E92000001", "England", "England", None),
    ("E12000001", "North East", "Region", Some("E92000001")),
    ("E06000001", "Hartlepool", "Local authority", Some("E12000001")),
    ("E06000002", "Middlesbrough", "Local authority", Some("E12000001")),
    ("E06000003", "Redcar & Cleveland", "Local authority", Some("E12000001")),
    ("E06000004", "Stockton-on-Tees", "Local authority", Some("E12000001")),
];

const INDICATORS: [(&str, &str, &str, &str, &str); 3] = [
    ("le_birth", "Life expectancy at birth", "higher is better", "marmot", "ill_health_prevention"),
    ("u75_mortality", "Under 75 mortality <all causes>", "lower is better", "marmot", "ill_health_prevention"),
    ("school_readiness", "School readiness", "higher is better", "marmot", "early_years"),
];

const PERIODS: [(&str, f64); 3] = [("2019 - 21", 2021.0), ("2020 - 22", 2022.0), ("2021 - 23", 2023.0)];

fn rows() -> Vec<Row> {
    let mut out = Vec::new();
    let mut n = 0u32;
    for (i, (id, _, _, _, _)) in INDICATORS.iter().enumerate() {
        let sexes: &[&str] = if i == 0 { &["Female", "Male"] } else { &["Persons"] };
        for area in AREAS {
            for sex in sexes {
                for (period, year) in PERIODS {
                    for decile in std::iter::once(None).chain((1..=10).map(Some)) {
                        if decile.is_some() && area.2 != "England" && area.0 != "E06000001" {
                            continue;
                        }
                        n += 1;
                        // Not round, all different, an occasional missing value.
                        let base = 50.0 + f64::from(n) * 0.731 + 1.0 / 3.0;
                        let value = if n.is_multiple_of(17) { None } else { Some(base) };
                        let mut numbers = HashMap::new();
                        numbers.insert("value", value);
                        numbers.insert("lower_95", value.map(|v| v - 1.25));
                        numbers.insert("upper_95", value.map(|v| v + 1.5));
                        numbers.insert("lower_99_8", value.map(|v| v - 2.1));
                        numbers.insert("upper_99_8", value.map(|v| v + 2.3));
                        numbers.insert("count", Some(f64::from(n * 13)));
                        numbers.insert("denominator", Some(f64::from(1000 + n)));
                        numbers.insert("benchmark_value", Some(60.0 + f64::from(n % 7)));
                        if decile.is_none() {
                            numbers.insert("sii", Some(-8.5 - f64::from(n % 5) / 3.0));
                            numbers.insert("sii_lower_95", Some(-10.25));
                            numbers.insert("sii_upper_95", Some(-6.75));
                            numbers.insert("gap_most_minus_least_deprived", Some(-7.125));
                            numbers.insert("excess_count", Some(123.0 + f64::from(n)));
                        }
                        out.push(Row {
                            indicator: id,
                            area,
                            sex,
                            category: decile.map(|d: u32| {
                                [
                                    "Most",
                                    "Second most",
                                    "Third most",
                                    "Fourth most",
                                    "Fifth most",
                                    "Fifth least",
                                    "Fourth least",
                                    "Third least",
                                    "Second least",
                                    "Least",
                                ][d as usize - 1]
                                    .to_string()
                                    + " deprived decile (IMD2019)"
                            }),
                            period,
                            year,
                            numbers,
                            comparison: Some(["Better", "Similar", "Worse", "Not compared"][n as usize % 4]),
                            trend: Some(
                                [
                                    "Increasing and getting better",
                                    "No significant change",
                                    "Decreasing and getting worse",
                                ][n as usize % 3],
                            ),
                        });
                    }
                }
            }
        }
    }
    out
}

const NUMBER_COLUMNS: [&str; 13] = [
    "value",
    "lower_95",
    "upper_95",
    "lower_99_8",
    "upper_99_8",
    "count",
    "denominator",
    "benchmark_value",
    "sii",
    "sii_lower_95",
    "sii_upper_95",
    "gap_most_minus_least_deprived",
    "excess_count",
];

fn batch(rows: &[Row]) -> RecordBatch {
    let text = |f: &dyn Fn(&Row) -> Option<String>| -> ArrayRef {
        Arc::new(StringArray::from(rows.iter().map(f).collect::<Vec<_>>()))
    };
    let mut columns: Vec<(&str, ArrayRef)> = vec![
        ("indicator_id", text(&|r| Some(r.indicator.into()))),
        ("indicator_name", text(&|r| INDICATORS.iter().find(|i| i.0 == r.indicator).map(|i| i.1.to_string()))),
        ("polarity", text(&|r| INDICATORS.iter().find(|i| i.0 == r.indicator).map(|i| i.2.to_string()))),
        ("framework", text(&|r| INDICATORS.iter().find(|i| i.0 == r.indicator).map(|i| i.3.to_string()))),
        ("domain", text(&|r| INDICATORS.iter().find(|i| i.0 == r.indicator).map(|i| i.4.to_string()))),
        ("area_code", text(&|r| Some(r.area.0.into()))),
        ("area_name", text(&|r| Some(r.area.1.into()))),
        ("area_type", text(&|r| Some(r.area.2.into()))),
        ("parent_code", text(&|r| r.area.3.map(str::to_string))),
        ("parent_name", text(&|r| r.area.3.and_then(|p| AREAS.iter().find(|a| a.0 == p)).map(|a| a.1.to_string()))),
        ("sex", text(&|r| Some(r.sex.into()))),
        ("age", text(&|_| Some("All ages".into()))),
        ("category_type", text(&|r| r.category.as_ref().map(|_| "LSOA deprivation deciles (national)".to_string()))),
        ("category", text(&|r| r.category.clone())),
        ("time_period", text(&|r| Some(r.period.into()))),
        ("compared_to_benchmark_95", text(&|r| r.comparison.map(str::to_string))),
        ("compared_to_benchmark_99_8", text(&|r| r.comparison.map(str::to_string))),
        ("recent_trend", text(&|r| r.trend.map(str::to_string))),
    ];
    columns.push((
        "time_period_sortable",
        Arc::new(Float64Array::from(rows.iter().map(|r| Some(r.year)).collect::<Vec<_>>())),
    ));
    for name in NUMBER_COLUMNS {
        let values: Vec<Option<f64>> = rows.iter().map(|r| r.numbers.get(name).copied().flatten()).collect();
        columns.push((name, Arc::new(Float64Array::from(values))));
    }
    RecordBatch::try_from_iter(columns).unwrap()
}

async fn seeded() -> (store::testing::TestDatabase, Vec<Row>) {
    let db = store::testing::sqlite().await;
    let rows = rows();
    let info = ReleaseInfo { name: "test release".into(), released_on: "2026-12-01".into(), ..ReleaseInfo::default() };
    db.store.import_release(info, &Actor::Cli, &[batch(&rows)]).await.unwrap();
    (db, rows)
}

async fn get(store: &Store, path: &str) -> (StatusCode, String) {
    let response =
        app(AppState::new(store.clone())).oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

/// Each `<svg …>…</svg>` of a page with the rows of the table that follows it.
fn charts_and_tables(page: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut rest = page;
    while let Some(start) = rest.find("<svg") {
        let end = rest[start..].find("</svg>").unwrap() + start;
        let marks = rest[start..end].matches("data-mark=").count();
        rest = &rest[end..];
        let table_rows = match (rest.find("<tbody>"), rest.find("</tbody>")) {
            (Some(a), Some(b)) if rest[..a].find("<svg").is_none() => rest[a..b].matches("<tr>").count(),
            _ => 0,
        };
        out.push((marks, table_rows));
    }
    out
}

/// Checks every page shares: 200, size, no URL to elsewhere, marks = table rows.
fn check_page(path: &str, status: StatusCode, body: &str) -> Vec<(usize, usize)> {
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    assert!(body.len() < 200_000, "{path}: {} bytes", body.len());
    assert!(!body.contains("http:") && !body.contains("https:"), "{path} names a URL elsewhere");
    let charts = charts_and_tables(body);
    for (marks, rows) in &charts {
        assert_eq!(marks, rows, "{path}: marks and table rows");
    }
    charts
}

#[tokio::test(flavor = "multi_thread")]
async fn area_profile_shows_every_latest_value_exactly() {
    let (db, rows) = seeded().await;
    let (status, body) = get(&db.store, "/areas/E06000001").await;
    let charts = check_page("/areas/E06000001", status, &body);
    // Two groups: early years (school readiness) and ill health prevention (LE × 2 sexes, U75).
    assert_eq!(charts, vec![(1, 1), (3, 3)], "{body}");
    assert!(body.contains("Redcar") || !body.contains("Redcar &"), "names escaped");
    assert!(body.contains("Under 75 mortality &lt;all causes&gt;"));
    // Every data-value equals a number of the latest whole-area rows of the area.
    let latest: Vec<&Row> =
        rows.iter().filter(|r| r.area.0 == "E06000001" && r.category.is_none() && r.period == "2021 - 23").collect();
    assert_eq!(latest.len(), 4);
    let mut expected: Vec<u64> = Vec::new();
    for r in &latest {
        for c in ["count", "value", "lower_95", "upper_95"] {
            if let Some(Some(v)) = r.numbers.get(c) {
                expected.push(v.to_bits());
            }
        }
        // England's value of the same indicator, sex and period.
        let e = rows
            .iter()
            .find(|e| {
                e.area.0 == "E92000001"
                    && e.category.is_none()
                    && e.period == r.period
                    && e.indicator == r.indicator
                    && e.sex == r.sex
            })
            .unwrap();
        if let Some(Some(v)) = e.numbers.get("value") {
            expected.push(v.to_bits());
        }
    }
    let mut shown: Vec<u64> = Vec::new();
    let mut rest = body.as_str();
    while let Some(i) = rest.find("data-value=\"") {
        rest = &rest[i + 12..];
        let end = rest.find('"').unwrap();
        let v: f64 = rest[..end].parse().unwrap();
        shown.push(v.to_bits());
        rest = &rest[end..];
    }
    // The worst/best columns are spreads of the type (other areas' values): each shown number
    // is either one of this area's (or England's) or one of another local authority's.
    let others: Vec<u64> = rows
        .iter()
        .filter(|r| r.area.2 == "Local authority" && r.category.is_none() && r.period == "2021 - 23")
        .filter_map(|r| r.numbers.get("value").copied().flatten())
        .map(f64::to_bits)
        .collect();
    for bits in &expected {
        assert!(shown.contains(bits), "{} is not on the page", f64::from_bits(*bits));
    }
    for bits in &shown {
        assert!(
            expected.contains(bits) || others.contains(bits),
            "{} is not an imported number",
            f64::from_bits(*bits)
        );
    }

    // The parent benchmark, a sex, 99.8% and the colour-blind palette.
    let (status, body) = get(&db.store, "/areas/E06000001?benchmark=parent&sex=Female&level=99.8&palette=cb").await;
    let charts = check_page("parent", status, &body);
    assert_eq!(charts, vec![(1, 1)]);
    assert!(body.contains("palette-cb"));
    assert!(body.contains("Compared with North East (99.8%)"));
    let (status, _) = get(&db.store, "/areas/E06999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread")]
async fn indicator_tabs_and_charts() {
    let (db, _) = seeded().await;
    for path in [
        "/indicators/le_birth",
        "/indicators/le_birth?sort=name&sex=Male&level=99.8",
        "/indicators/le_birth?period=2019%20-%2021&sex=Female",
        "/indicators/u75_mortality?area_type=Region",
        "/indicators/le_birth/map",
        "/indicators/le_birth/map?colour=quintile&palette=cb",
        "/indicators/le_birth/trend?area=E06000001&sex=Female",
        "/indicators/school_readiness/trend",
        "/indicators/le_birth/inequalities?area=E06000001&sex=Male",
        "/indicators/school_readiness/inequalities",
        "/indicators/le_birth/definition",
        "/",
        "/search?q=hart",
    ] {
        let (status, body) = get(&db.store, path).await;
        check_page(path, status, &body);
    }
    // Compare: four local authorities, latest period; the older period comes from the store.
    let (_, body) = get(&db.store, "/indicators/le_birth").await;
    assert_eq!(charts_and_tables(&body), vec![(4, 4)]);
    assert!(body.contains("/api/v1/values.csv?indicator=le_birth&#38;area_type=Local%20authority"), "{body}");
    let (_, body) = get(&db.store, "/indicators/le_birth?period=2019%20-%2021&sex=Female").await;
    assert_eq!(charts_and_tables(&body), vec![(4, 4)]);
    assert!(body.contains("2019 - 21"));
    // Map: tile grid (no boundaries for these codes in the test's environment) with 4 marks.
    let (_, body) = get(&db.store, "/indicators/le_birth/map").await;
    assert_eq!(charts_and_tables(&body), vec![(4, 4)]);
    // Trend: three periods with England dashed; inequalities: ten deciles and three SIIs.
    let (_, body) = get(&db.store, "/indicators/le_birth/trend?area=E06000001&sex=Female").await;
    assert_eq!(charts_and_tables(&body), vec![(3, 3)]);
    let (_, body) = get(&db.store, "/indicators/le_birth/inequalities?area=E06000001&sex=Male").await;
    assert_eq!(charts_and_tables(&body), vec![(10, 10), (3, 3)]);
    assert!(body.contains("class=\"sii\""));
    let most = body.find("Most deprived decile").unwrap();
    let least = body.find("Least deprived decile").unwrap();
    assert!(most < least, "deciles ordered most deprived first");
    // Home: England's gaps; search finds the area.
    let (_, body) = get(&db.store, "/").await;
    assert!(body.contains("England&#39;s headline gaps") || body.contains("England's headline gaps"), "{body}");
    let (_, body) = get(&db.store, "/search?q=hart").await;
    assert!(body.contains("/areas/E06000001"));
    // Standalone charts carry their own style and the SVG namespace.
    for path in [
        "/charts/bars.svg?indicator=le_birth",
        "/charts/map.svg?indicator=le_birth",
        "/charts/trend.svg?indicator=le_birth&area=E06000001&sex=Female",
        "/charts/deciles.svg?indicator=le_birth&area=E06000001&sex=Male",
        "/charts/spine.svg?area=E06000001",
    ] {
        let response = app(AppState::new(db.store.clone()))
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.headers()["content-type"], "image/svg+xml; charset=utf-8");
        let body = String::from_utf8(response.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
        assert!(body.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""), "{path}: {body}");
        assert!(body.contains("<style>"), "{path}");
    }
    let (status, _) = get(&db.store, "/indicators/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = get(&db.store, "/charts/pie.svg?indicator=le_birth").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cache_follows_a_new_release() {
    let (db, mut rows) = seeded().await;
    let state = AppState::new(db.store.clone());
    let page = |state: AppState| async move {
        let r = app(state).oneshot(Request::get("/indicators/le_birth").body(Body::empty()).unwrap()).await.unwrap();
        String::from_utf8(r.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap()
    };
    assert!(page(state.clone()).await.contains("2021 - 23"));
    rows.retain(|r| r.period != "2021 - 23");
    let info = ReleaseInfo { name: "older".into(), released_on: "2026-12-02".into(), ..ReleaseInfo::default() };
    db.store.import_release(info, &Actor::Cli, &[batch(&rows)]).await.unwrap();
    // Within the check interval the old cache serves; after it, a request starts the check and
    // a later one sees the new release.
    tokio::time::sleep(web::cache::CHECK_EVERY + std::time::Duration::from_millis(100)).await;
    let _ = page(state.clone()).await;
    let mut seen = false;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if page(state.clone()).await.contains("release older") || !page(state.clone()).await.contains("2021 - 23") {
            seen = true;
            break;
        }
    }
    assert!(seen, "the new release replaced the cache");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_area_profile_answers_304_while_its_release_holds() {
    let (db, mut rows) = seeded().await;
    let state = AppState::new(db.store.clone());
    let fetch = |state: AppState, tag: Option<String>| async move {
        let mut request = Request::get("/areas/E06000001");
        if let Some(tag) = tag {
            request = request.header("if-none-match", tag);
        }
        let r = app(state).oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
        let status = r.status();
        let tag = r.headers().get("etag").map(|v| v.to_str().unwrap().to_string());
        let body = r.into_body().collect().await.unwrap().to_bytes();
        (status, tag, body.len())
    };
    let (status, tag, size) = fetch(state.clone(), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(size > 0);
    let tag = tag.expect("an ETag");
    assert!(tag.starts_with("\"r") && tag.ends_with('"'), "{tag}");
    // The same page again, by its tag: 304 and nothing else.
    assert_eq!(fetch(state.clone(), Some(tag.clone())).await, (StatusCode::NOT_MODIFIED, Some(tag.clone()), 0));
    // Another tag, or other options: the page.
    assert_eq!(fetch(state.clone(), Some("\"r0-0\"".into())).await.0, StatusCode::OK);
    // A new release: the old tag no longer matches, and the profile is rendered afresh.
    rows.retain(|r| r.period != "2021 - 23");
    let info = ReleaseInfo { name: "older".into(), released_on: "2026-12-02".into(), ..ReleaseInfo::default() };
    db.store.import_release(info, &Actor::Cli, &[batch(&rows)]).await.unwrap();
    tokio::time::sleep(web::cache::CHECK_EVERY + std::time::Duration::from_millis(100)).await;
    let mut renewed = false;
    for _ in 0..50 {
        let (status, new_tag, _) = fetch(state.clone(), Some(tag.clone())).await;
        if status == StatusCode::OK {
            assert_ne!(new_tag.as_deref(), Some(tag.as_str()));
            renewed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(renewed, "the new release's profile replaced the old one");
}

#[tokio::test(flavor = "multi_thread")]
async fn profile_home_and_search_run_no_sql_once_the_cache_is_built() {
    let (db, _) = seeded().await;
    let state = AppState::new(db.store.clone());
    let request = |state: AppState, path: &'static str| async move {
        app(state).oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap().status()
    };
    assert_eq!(request(state.clone(), "/").await, StatusCode::OK);
    // With the database closed, the pages served from the cache still answer.
    db.store.close().await;
    for path in ["/areas/E06000001", "/areas/E92000001?benchmark=parent&level=99.8", "/", "/search?q=middles"] {
        assert_eq!(request(state.clone(), path).await, StatusCode::OK, "{path}");
    }
}
