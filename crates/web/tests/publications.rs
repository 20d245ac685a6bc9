//! Issue 15's publications on the web: an editor adds one through the form (with its themes);
//! the search page finds it by words (stemmed), filters by place, theme, kind and year, pages
//! the results; a publication's page; the place page lists the publications of its area.
//! Only editors may add, with their form's token.

#[path = "events_support/mod.rs"]
mod support;

#[path = "fixtures/mod.rs"]
mod fixtures;

use axum::http::StatusCode;
use store::{Actor, PublicationFields};
use support::{account, Client};
use web::AppState;

fn publication(n: usize, title: &str, kind: &str, date: &str, places: &[&str], themes: &[&str]) -> PublicationFields {
    PublicationFields {
        slug: format!("publication-{n}"),
        title: title.into(),
        kind: kind.into(),
        published_on: date.into(),
        summary: format!("Summary {n}."),
        body: String::new(),
        url: format!("https://example.org/{n}.pdf"),
        is_pdf: true,
        authors: vec![format!("Author {n}")],
        places: places.iter().map(|p| p.to_string()).collect(),
        themes: themes.iter().map(|t| t.to_string()).collect(),
    }
}

#[tokio::test]
async fn editors_add_and_everyone_searches() {
    let db = store::testing::sqlite().await;
    let store = &db.store;
    fixtures::seed(store).await;
    let state = AppState::new(store.clone());
    let editor = account(store, "ed@example.org", "Ed Editor", &["editor"]).await;
    let member = account(store, "m@example.org", "Mo Member", &[]).await;

    // The editor's form, themes ticked twice.
    let mut ed = Client::signed_in(&state, "10.1.0.1", editor).await;
    assert_eq!(ed.get("/publications/new").await.status, StatusCode::OK);
    let csrf = format!("csrf-{editor}");
    let form = [
        ("_csrf", csrf.as_str()),
        ("title", "Hartlepool: housing and health"),
        ("slug", "hartlepool-housing"),
        ("kind", "report"),
        ("published_on", "2024-03-01"),
        ("authors", "Ada Author\nBo Writer"),
        ("places", "e06000001"),
        ("themes", "living_standards"),
        ("themes", "healthy_places"),
        ("summary", "Damp homes and what the council did about them."),
        ("body", "Houses, landlords and the cold."),
        ("url", "https://example.org/hartlepool-housing.pdf"),
        ("is_pdf", "1"),
    ];
    let made = ed.post("/publications", &form).await;
    assert_eq!(
        (made.status, made.location()),
        (StatusCode::SEE_OTHER, "/publications/hartlepool-housing"),
        "{}",
        made.body
    );
    let stored = store.publication("hartlepool-housing").await.unwrap().unwrap();
    assert_eq!(stored.fields.themes, ["healthy_places", "living_standards"]);
    assert_eq!(stored.fields.places, ["E06000001"]);
    assert_eq!(stored.fields.authors, ["Ada Author", "Bo Writer"]);

    // Members cannot add; nor can a form without its token.
    let mut mo = Client::signed_in(&state, "10.1.0.2", member).await;
    let mut as_member = form;
    let member_csrf = format!("csrf-{member}");
    as_member[0] = ("_csrf", member_csrf.as_str());
    as_member[2] = ("slug", "by-a-member");
    assert_eq!(mo.post("/publications", &as_member).await.status, StatusCode::FORBIDDEN);
    assert_eq!(mo.get("/publications/new").await.status, StatusCode::FORBIDDEN);
    let mut no_token = form;
    no_token[0] = ("_csrf", "");
    no_token[2] = ("slug", "no-token");
    assert_eq!(ed.post("/publications", &no_token).await.status, StatusCode::FORBIDDEN);
    assert!(
        store.publication("by-a-member").await.unwrap().is_none()
            && store.publication("no-token").await.unwrap().is_none()
    );

    // A library of 25 more, for the filters and pages.
    let mut library = Vec::new();
    for n in 0..25 {
        let (kind, theme) = if n % 2 == 0 { ("briefing", "work") } else { ("review", "early_years") };
        library.push(publication(
            n,
            &format!("Briefing number {n} on employment"),
            kind,
            &format!("20{:02}-01-01", 10 + n % 10),
            &["E06000002"],
            &[theme],
        ));
    }
    store.create_publications(&Actor::Cli, &library).await.unwrap();

    let mut anyone = Client::new(&state, "10.1.0.3");
    let found = anyone.get("/publications?q=housing").await;
    assert_eq!(found.status, StatusCode::OK);
    assert!(
        found.body.contains("data-slug=\"hartlepool-housing\"") && found.body.contains("1 to 1 of 1"),
        "{}",
        found.body
    );
    let stemmed = anyone.get("/publications?q=house").await.body;
    assert!(stemmed.contains("data-slug=\"hartlepool-housing\""), "stemming: house finds housing and houses");
    let page1 = anyone.get("/publications?q=employment").await.body;
    assert!(page1.contains("1 to 20 of 25") && page1.contains("rel=\"next\""), "{page1}");
    let page2 = anyone.get("/publications?q=employment&page=2").await.body;
    assert!(page2.contains("21 to 25 of 25") && page2.contains("rel=\"prev\"") && !page2.contains("rel=\"next\""));
    let filtered =
        anyone.get("/publications?q=employment&kind=review&theme=early_years&year=2011&place=E06000002").await.body;
    assert_eq!(filtered.matches("class=\"publication\"").count(), 3, "{filtered}");
    assert!(anyone.get("/publications?place=E06000001").await.body.contains("1 to 1 of 1"));
    assert_eq!(anyone.get("/publications?year=soon").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(anyone.get("/publications?theme=joy").await.status, StatusCode::BAD_REQUEST);
    let none = anyone.get("/publications?q=zebra").await.body;
    assert!(none.contains("No publication matches."));

    // One publication's page, and the place page's list.
    let item = anyone.get("/publications/hartlepool-housing").await;
    assert_eq!(item.status, StatusCode::OK);
    assert!(
        item.body.contains("Hartlepool (E06000001)")
            && item.body.contains("Ensure a healthy standard of living for all")
    );
    assert!(item.body.contains("Ada Author, Bo Writer") && item.body.contains("(PDF)"));
    assert_eq!(anyone.get("/publications/nothing").await.status, StatusCode::NOT_FOUND);
    let place = anyone.get("/places/halham").await;
    assert_eq!(place.status, StatusCode::OK);
    assert!(place.body.contains("href=\"/publications/hartlepool-housing\""), "the place page lists its publications");
    assert!(!place.body.contains("publication-0"), "and not another area's");
}
