//! The map tab draws real boundaries when the areas have them (`FAIRER_BOUNDARIES` names
//! `../shared/data/boundaries`; skipped with a note when absent). Its own test binary: the
//! environment variable is the process's.

use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use engine::arrow::array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use http_body_util::BodyExt;
use store::{Actor, ReleaseInfo};
use tower::ServiceExt;
use web::{app, AppState};

#[tokio::test(flavor = "multi_thread")]
async fn real_districts_are_drawn_from_their_boundaries() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/boundaries");
    if !dir.is_dir() {
        eprintln!("skipped: {} is absent (the real boundaries)", dir.display());
        return;
    }
    std::env::set_var("FAIRER_BOUNDARIES", &dir);
    // Hartlepool, Middlesbrough and Redcar and Cleveland: real codes with real boundaries.
    let codes = ["E06000001", "E06000002", "E06000003"];
    let text = |f: &dyn Fn(usize) -> String| -> ArrayRef {
        Arc::new(StringArray::from((0..codes.len()).map(|i| Some(f(i))).collect::<Vec<_>>()))
    };
    let batch = RecordBatch::try_from_iter([
        ("indicator_id", text(&|_| "le".into())),
        ("indicator_name", text(&|_| "Life expectancy".into())),
        ("area_code", text(&|i| codes[i].into())),
        ("area_name", text(&|i| format!("District {i}"))),
        ("area_type", text(&|_| "Local authority".into())),
        ("sex", text(&|_| "Persons".into())),
        ("age", text(&|_| "All ages".into())),
        ("time_period", text(&|_| "2021 - 23".into())),
        ("compared_to_benchmark_95", text(&|i| ["Better", "Similar", "Worse"][i].into())),
        ("time_period_sortable", Arc::new(Float64Array::from(vec![2023.0; 3])) as ArrayRef),
        ("value", Arc::new(Float64Array::from(vec![78.5, 79.25, 80.125])) as ArrayRef),
    ])
    .unwrap();
    let db = store::testing::sqlite().await;
    let info = ReleaseInfo { name: "r".into(), released_on: "2026-12-01".into(), ..ReleaseInfo::default() };
    db.store.import_release(info, &Actor::Cli, &[batch]).await.unwrap();
    let response = app(AppState::new(db.store.clone()))
        .oneshot(Request::get("/indicators/le/map").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body = String::from_utf8(response.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
    let svg = &body[body.find("<svg").unwrap()..body.find("</svg>").unwrap()];
    assert!(!svg.contains("tiles"), "boundaries, not tiles");
    assert_eq!(svg.matches("data-mark=").count(), 3);
    assert_eq!(svg.matches("<path d=\"M").count(), 3);
    assert!(svg.contains("class=\"better\"") && svg.contains("class=\"worse\""));
}
