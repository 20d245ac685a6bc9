//! The home page, the API and the errors, driven in memory through the router.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use store::testing;
use tower::ServiceExt;
use web::{app, AppState};

async fn get(app: axum::Router, path: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let response = app.oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8(body.to_vec()).unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn home_page_on_an_empty_store_says_how_to_fill_it() {
    let db = testing::sqlite().await;
    let (status, headers, body) = get(app(AppState::new(db.store.clone())), "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("No data has been imported yet"), "{body}");
    assert!(body.contains("No place is monitored yet"), "{body}");
    assert_eq!(headers["content-security-policy"], web::CONTENT_SECURITY_POLICY);
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/html"));
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_page_is_a_404_page_naming_the_path() {
    let db = testing::sqlite().await;
    let (status, _, body) = get(app(AppState::new(db.store.clone())), "/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("the page /no/such/page not found"), "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn api_lists_places_and_assets_are_served() {
    let db = testing::sqlite().await;
    let (status, headers, body) = get(app(AppState::new(db.store.clone())), "/api/v1/places").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(body, r#"{"items":[]}"#);
    let (status, headers, css) = get(app(AppState::new(db.store.clone())), "/static/fairer.css").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-type"].to_str().unwrap().starts_with("text/css"));
    assert!(css.contains("@media print"));
}
