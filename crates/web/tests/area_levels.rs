//! A code on two levels: a unitary authority (E06) is a lower-tier local authority and an
//! upper-tier one, each with its own rows. `/areas/{code}` shows the finest level (the type
//! with the most areas), `?type=` the other; each page offers the other level, compares with
//! its own parent and region, and the API reads either.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use engine::arrow::array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use http_body_util::BodyExt;
use store::{Actor, ReleaseInfo, Store};
use tower::ServiceExt;
use web::{app, AppState};

const LTLA: &str = "Local authority";
const UTLA: &str = "Upper-tier local authority";

/// The areas: code, type, name, parent. Two districts in a county, a unitary authority on both
/// levels (its district's parent is its own code, as `compute` writes it), a region, England.
const AREAS: [(&str, &str, &str, &str); 8] = [
    ("E07000001", LTLA, "District One", "E10000001"),
    ("E07000002", LTLA, "District Two", "E10000001"),
    ("E06000001", LTLA, "Hartlepool", "E06000001"),
    ("E10000001", UTLA, "County One", "E12000001"),
    ("E06000001", UTLA, "Hartlepool", "E12000001"),
    ("E12000001", "Region", "North East", "E92000001"),
    ("E92000001", "England", "England", ""),
    ("E38000001", "Sub-ICB location", "Sub-ICB", "E92000001"),
];

/// Smoking prevalence of each area (the same order), with limits ± 2. Hartlepool's two rows are
/// given different values here so that the pages can be told apart.
const VALUES: [f64; 8] = [10.0, 11.0, 20.0, 10.5, 31.0, 25.0, 14.0, 12.0];

fn batch() -> RecordBatch {
    let text = |f: &dyn Fn(usize) -> Option<String>| -> ArrayRef {
        Arc::new(StringArray::from((0..AREAS.len()).map(f).collect::<Vec<_>>()))
    };
    let number = |f: &dyn Fn(usize) -> Option<f64>| -> ArrayRef {
        Arc::new(Float64Array::from((0..AREAS.len()).map(f).collect::<Vec<_>>()))
    };
    let name_of = |code: &str| AREAS.iter().find(|a| a.0 == code).map(|a| a.2.to_string());
    RecordBatch::try_from_iter([
        ("indicator_id", text(&|_| Some("smoking".into()))),
        ("indicator_name", text(&|_| Some("Smoking prevalence".into()))),
        ("measure", text(&|_| Some("proportion".into()))),
        ("polarity", text(&|_| Some("lower is better".into()))),
        ("area_code", text(&|i| Some(AREAS[i].0.into()))),
        ("area_name", text(&|i| Some(AREAS[i].2.into()))),
        ("area_type", text(&|i| Some(AREAS[i].1.into()))),
        ("parent_code", text(&|i| Some(AREAS[i].3.to_string()).filter(|p| !p.is_empty()))),
        ("parent_name", text(&|i| name_of(AREAS[i].3))),
        ("sex", text(&|_| Some("Persons".into()))),
        ("age", text(&|_| Some("18+ yrs".into()))),
        ("time_period", text(&|_| Some("2023".into()))),
        ("time_period_sortable", number(&|_| Some(2023.0))),
        ("value", number(&|i| Some(VALUES[i]))),
        ("lower_95", number(&|i| Some(VALUES[i] - 2.0))),
        ("upper_95", number(&|i| Some(VALUES[i] + 2.0))),
        ("compared_to_benchmark_95", text(&|_| Some("Similar".into()))),
    ])
    .unwrap()
}

async fn get(store: &Store, path: &str) -> (StatusCode, String) {
    let response =
        app(AppState::new(store.clone())).oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

/// The `data-value`s of the smoking row of a profile, in order (value, limits, benchmark: no
/// count here).
fn smoking(page: &str) -> Vec<f64> {
    let at = page.find(">Smoking prevalence, 18+ yrs</a>").unwrap_or_else(|| panic!("no smoking row: {page}"));
    let start = page[..at].rfind("<tr>").unwrap();
    let row = &page[start..page[at..].find("</tr>").unwrap() + at];
    row.split("data-value=\"").skip(1).map(|v| v[..v.find('"').unwrap()].parse().unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_unitary_authority_is_shown_on_both_levels() {
    let db = store::testing::sqlite().await;
    let info = ReleaseInfo { name: "levels".into(), released_on: "2026-12-07".into(), ..ReleaseInfo::default() };
    db.store.import_release(info, &Actor::Cli, &[batch()]).await.unwrap();

    // By code alone: the local authority (three of them, two upper-tier ones).
    let (status, body) = get(&db.store, "/areas/E06000001").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Hartlepool (Local authority)"), "{body}");
    assert!(body.contains("also an area of type Upper-tier local authority"), "{body}");
    assert!(body.contains(r#"<option value="Upper-tier local authority""#), "{body}");
    assert_eq!(smoking(&body)[..2], [20.0, 18.0]);
    // Its parent is its own code's upper-tier area (31.0 against 20.0 ± 2: better), its region
    // the upper-tier area's.
    let (_, body) = get(&db.store, "/areas/E06000001?benchmark=parent").await;
    assert_eq!(smoking(&body)[3], 31.0);
    assert!(body.contains("Better"), "{body}");
    let (_, body) = get(&db.store, "/areas/E06000001?benchmark=region").await;
    assert!(body.contains("Compared with North East (95%)"), "{body}");
    assert_eq!(smoking(&body)[3], 25.0);

    // The upper-tier level by `type`: its own row, parent the region.
    let (status, body) = get(&db.store, "/areas/E06000001?type=Upper-tier%20local%20authority&benchmark=parent").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Hartlepool (Upper-tier local authority), in North East"), "{body}");
    assert!(body.contains("also an area of type Local authority"), "{body}");
    assert_eq!(smoking(&body)[..2], [31.0, 29.0]);
    assert_eq!(smoking(&body)[3], 25.0);
    assert!(body.contains("type=Upper-tier%20local%20authority"), "the downloads keep the type: {body}");
    let (status, _) = get(&db.store, "/areas/E06000001?type=Region").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A code on one level has no level choice.
    let (_, body) = get(&db.store, "/areas/E10000001").await;
    assert!(!body.contains(r#"name="type""#) && !body.contains("also an area of type"));

    // The compare-areas table of the upper-tier authorities links each to its own level.
    let (status, body) = get(&db.store, "/indicators/smoking?area_type=Upper-tier%20local%20authority").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("/areas/E06000001?type=Upper-tier%20local%20authority"), "{body}");

    // The API: by code alone the finest, `type` the other; values by `area_type`.
    let (_, json) = get(&db.store, "/api/v1/areas/E06000001").await;
    assert!(
        json.contains(r#""area_type":"Local authority""#) && json.contains(r#""parent_code":"E06000001""#),
        "{json}"
    );
    let (_, json) = get(&db.store, "/api/v1/areas/E06000001?type=Upper-tier%20local%20authority").await;
    assert!(json.contains(r#""parent_code":"E12000001""#), "{json}");
    let (status, _) = get(&db.store, "/api/v1/areas/E06000001?type=ICB").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, csv) = get(&db.store, "/api/v1/values.csv?area=E06000001&area_type=Upper-tier%20local%20authority").await;
    assert!(csv.contains(",31") && !csv.contains(",20,"), "{csv}");
    let (_, json) = get(&db.store, "/api/v1/areas?type=Upper-tier%20local%20authority").await;
    assert_eq!(json.matches(r#""code":"#).count(), 2, "{json}");
}
