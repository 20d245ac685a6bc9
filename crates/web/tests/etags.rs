//! Entity tags on every cached page: the same page again by its tag is `304` with no body; a
//! new release (or a place's edit) that changes a page changes its tag, and the old tag then
//! gets the page.

mod fixture;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use store::{Actor, ReleaseInfo};
use tower::ServiceExt;
use web::{app, AppState};

/// The pages tagged by their body (the area profile tags itself by release: `pages.rs`).
const PAGES: [&str; 10] = [
    "/",
    "/places/halham",
    "/places/halham/report",
    "/indicators/le_birth",
    "/indicators/le_birth/map",
    "/indicators/le_birth/trend?area=E06900001",
    "/indicators/le_birth/inequalities?area=E06900001",
    "/indicators/le_birth/definition",
    "/charts/trend.svg?indicator=le_birth&area=E06900001",
    "/search?q=life",
];

async fn fetch(state: &AppState, path: &str, tag: Option<&str>) -> (StatusCode, Option<String>, usize) {
    let mut request = Request::get(path);
    if let Some(tag) = tag {
        request = request.header("if-none-match", tag);
    }
    let r = app(state.clone()).oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let status = r.status();
    let tag = r.headers().get("etag").map(|v| v.to_str().unwrap().to_string());
    let body = r.into_body().collect().await.unwrap().to_bytes();
    (status, tag, body.len())
}

#[tokio::test(flavor = "multi_thread")]
async fn every_cached_page_answers_304_until_a_new_release_changes_it() {
    let db = fixture::halham().await;
    let state = AppState::new(db.store.clone());
    let mut tags = Vec::new();
    for path in PAGES {
        let (status, tag, size) = fetch(&state, path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(size > 0, "{path}");
        let tag = tag.unwrap_or_else(|| panic!("{path} has no ETag"));
        // Held: 304, the tag, no body.
        assert_eq!(fetch(&state, path, Some(&tag)).await, (StatusCode::NOT_MODIFIED, Some(tag.clone()), 0), "{path}");
        // Another tag: the page.
        assert_eq!(fetch(&state, path, Some("\"b0\"")).await.0, StatusCode::OK, "{path}");
        tags.push(tag);
    }
    // A new release: every value a tenth higher (and another name).
    let rows: Vec<fixture::Row> = fixture::rows()
        .into_iter()
        .map(|mut r| {
            r.value = r.value.map(|v| v + 0.1);
            r
        })
        .collect();
    let info =
        ReleaseInfo { name: "second release".into(), released_on: "2026-12-02".into(), ..ReleaseInfo::default() };
    db.store.import_release(info, &Actor::Cli, &[fixture::batch(&rows)]).await.unwrap();
    // A server started afresh on the store (a running one swaps its cache within
    // web::cache::CHECK_EVERY: pages.rs tests that).
    let state = AppState::new(db.store.clone());
    for (path, old) in PAGES.iter().zip(&tags) {
        let (status, tag, size) = fetch(&state, path, Some(old)).await;
        if path.starts_with("/search") {
            // The search lists names, which the new release keeps: either answer is right, as
            // long as it is consistent with the tag.
            assert!(status == StatusCode::NOT_MODIFIED || tag.as_deref() != Some(old.as_str()), "{path}");
            continue;
        }
        assert_eq!(status, StatusCode::OK, "{path}: the new release's page");
        assert!(size > 0);
        assert_ne!(tag.as_deref(), Some(old.as_str()), "{path}: a new tag");
    }
}
