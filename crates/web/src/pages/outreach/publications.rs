//! `/publications`: the library's search (words, and filters by place, theme, kind and year,
//! as a GET form that works without JavaScript, 20 a page); `/publications/{slug}`: one
//! publication; `/publications/new` (editors): the form that adds one. A place page lists the
//! publications of its areas through [`of_place`] and the `publications_place.html` include.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use store::{
    Actor, Publication, PublicationFields, PublicationHit, PublicationQuery, Store, PUBLICATION_KINDS, THEMES,
};

use super::{form_user, private, require_staff, see_other, text};
use crate::auth::{self, CurrentUser, PageResult, Refusal};
use crate::{AppState, WebError};

/// Results on a page.
pub const PAGE_SIZE: i64 = 20;

/// The routes of publications.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/publications", get(search).post(create))
        .route("/publications/new", get(new_page))
        .route("/publications/{slug}", get(page))
}

/// The search's query string (every field optional; empty fields are no filter).
#[derive(Deserialize, Default)]
pub struct SearchParams {
    q: Option<String>,
    place: Option<String>,
    theme: Option<String>,
    kind: Option<String>,
    year: Option<String>,
    page: Option<String>,
}

/// The search page.
#[derive(Template)]
#[template(path = "publications.html")]
struct SearchPage {
    q: String,
    place: String,
    theme: String,
    kind: String,
    year: String,
    themes: &'static [(&'static str, &'static str)],
    kinds: &'static [&'static str],
    years: Vec<String>,
    hits: Vec<PublicationHit>,
    total: i64,
    /// "1 to 20 of 45".
    shown: String,
    previous: Option<String>,
    next: Option<String>,
    editor: bool,
}

/// `value` percent-encoded for a query string.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `GET /publications`.
async fn search(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Query(params): Query<SearchParams>,
) -> PageResult {
    let year = match text(&params.year) {
        None => None,
        Some(y) => Some(y.parse::<i32>().map_err(|_| {
            Refusal::Web(WebError::BadRequest(format!("the parameter year: expected a year, found {y}")))
        })?),
    };
    let page_number = text(&params.page).and_then(|p| p.parse::<i64>().ok()).unwrap_or(1).clamp(1, 10_000);
    let place = text(&params.place).map(|p| p.to_uppercase());
    let query = PublicationQuery {
        text: text(&params.q),
        place: place.clone(),
        theme: text(&params.theme),
        kind: text(&params.kind),
        year,
        limit: PAGE_SIZE,
        offset: (page_number - 1) * PAGE_SIZE,
    };
    let results = state.store.search_publications(&query).await?;
    let link = |n: i64| {
        let mut parts = Vec::new();
        for (name, value) in [
            ("q", &query.text),
            ("place", &query.place),
            ("theme", &query.theme),
            ("kind", &query.kind),
            ("year", &query.year.map(|y| y.to_string())),
        ] {
            if let Some(v) = value {
                parts.push(format!("{name}={}", encode(v)));
            }
        }
        parts.push(format!("page={n}"));
        format!("/publications?{}", parts.join("&"))
    };
    let first = query.offset + 1;
    let last = query.offset + results.hits.len() as i64;
    let shown = if results.hits.is_empty() {
        "No publication matches.".to_string()
    } else {
        let plus = if results.total_at_least { "+" } else { "" };
        format!("{first} to {last} of {}{plus}", results.total)
    };
    let page = SearchPage {
        q: query.text.clone().unwrap_or_default(),
        place: place.unwrap_or_default(),
        theme: query.theme.clone().unwrap_or_default(),
        kind: query.kind.clone().unwrap_or_default(),
        year: query.year.map(|y| y.to_string()).unwrap_or_default(),
        themes: THEMES,
        kinds: PUBLICATION_KINDS,
        years: state.store.publication_years().await?,
        previous: (page_number > 1).then(|| link(page_number - 1)),
        next: (last < results.total).then(|| link(page_number + 1)),
        hits: results.hits,
        total: results.total,
        shown,
        editor: user.is_some_and(|u| super::is_staff(&u.account, "editor")),
    };
    Ok(Html(page.render()?).into_response())
}

/// One publication's page.
#[derive(Template)]
#[template(path = "publications_item.html")]
struct ItemPage {
    publication: Publication,
    /// The themes' names.
    themes: Vec<&'static str>,
    /// The places: (code, name when the store knows the area).
    places: Vec<(String, Option<String>)>,
}

/// `GET /publications/{slug}`.
async fn page(State(state): State<AppState>, Path(slug): Path<String>) -> PageResult {
    let publication = state
        .store
        .publication(&slug)
        .await?
        .ok_or_else(|| Refusal::Web(WebError::NotFound(format!("the publication {slug}"))))?;
    let themes = publication
        .fields
        .themes
        .iter()
        .filter_map(|t| THEMES.iter().find(|(id, _)| id == t).map(|(_, name)| *name))
        .collect();
    let mut places = Vec::new();
    for code in &publication.fields.places {
        places.push((code.clone(), state.store.area(code).await?.map(|a| a.name)));
    }
    Ok(Html(ItemPage { publication, themes, places }.render()?).into_response())
}

/// The new publication form's page (editors).
#[derive(Template)]
#[template(path = "publications_new.html")]
struct NewPage {
    csrf: String,
    themes: &'static [(&'static str, &'static str)],
    kinds: &'static [&'static str],
}

/// `GET /publications/new`.
async fn new_page(user: Option<CurrentUser>) -> PageResult {
    let user = auth::signed_in(user, "/publications/new")?;
    require_staff(&user, "editor")?;
    let page = NewPage { csrf: user.csrf_token, themes: THEMES, kinds: PUBLICATION_KINDS };
    Ok(private(Html(page.render()?).into_response()))
}

/// Items of a list field: one a line or separated by commas, trimmed, none empty.
fn items(text: &str) -> Vec<String> {
    text.split([',', '\n', ';']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// `POST /publications` (editors): the form's fields (`_csrf`, `slug`, `title`, `kind`,
/// `published_on`, `summary`, `body`, `url`, `is_pdf`, `authors` and `places` one a line or
/// separated by commas, and `themes` once per box ticked).
async fn create(State(state): State<AppState>, user: Option<CurrentUser>, body: axum::body::Bytes) -> PageResult {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|e| Refusal::Web(WebError::BadRequest(format!("the form: {e}"))))?;
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim().to_string()).unwrap_or_default();
    let user = form_user(user, Some(&get("_csrf")))?;
    require_staff(&user, "editor")?;
    let fields = PublicationFields {
        slug: get("slug"),
        title: get("title"),
        kind: get("kind"),
        published_on: get("published_on"),
        summary: get("summary"),
        body: get("body"),
        url: get("url"),
        is_pdf: !get("is_pdf").is_empty(),
        authors: items(&get("authors")),
        places: items(&get("places")).into_iter().map(|c| c.to_uppercase()).collect(),
        themes: pairs.iter().filter(|(k, _)| k == "themes").map(|(_, v)| v.clone()).collect(),
    };
    let publication = state.store.create_publication(&Actor::User(user.account.id), &fields).await?;
    Ok(see_other(&format!("/publications/{}", publication.fields.slug)))
}

/// The publications of a place's areas (its area and those it covers), the newest first, for
/// the place page's list (`publications_place.html`).
///
/// # Errors
/// A failed query.
pub async fn of_place(store: &Store, area_code: &str, covers: &[String]) -> Result<Vec<PublicationHit>, WebError> {
    let mut codes = vec![area_code.to_string()];
    codes.extend(covers.iter().cloned());
    Ok(store.publications_of_areas(&codes).await?)
}
