//! `/places/{slug}/audit` (the place's lead or an administrator) and `/admin/audit` (an
//! administrator): the audit trail, newest first — who, when, what, before and after.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::Router;
use store::{AuditEntry, Place};

use crate::auth::{self, CurrentUser, PageResult};
use crate::{AppState, WebError};

/// The most rows an audit page shows.
pub const LIMIT: i64 = 500;

/// The routes of the audit pages.
pub fn routes() -> Router<AppState> {
    Router::new().route("/places/{slug}/audit", get(place_audit)).route("/admin/audit", get(all_audit))
}

/// One row as shown.
struct Row {
    entry: AuditEntry,
    who: String,
    before: String,
    after: String,
}

/// The audit page.
#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    title: String,
    place: Option<Place>,
    rows: Vec<Row>,
    limit: i64,
}

/// Rows with the actors' names (`user:ID` → the account's name and e-mail) and the JSON
/// pretty-printed.
async fn rows(state: &AppState, entries: Vec<AuditEntry>) -> Result<Vec<Row>, WebError> {
    let names: HashMap<String, String> = state
        .store
        .accounts()
        .await?
        .into_iter()
        .map(|a| (format!("user:{}", a.id), format!("{} ({})", a.name, a.email)))
        .collect();
    let pretty = |v: &Option<serde_json::Value>| {
        v.as_ref().map(|v| serde_json::to_string_pretty(v).unwrap_or_default()).unwrap_or_else(|| "—".to_string())
    };
    Ok(entries
        .into_iter()
        .map(|entry| Row {
            who: names.get(&entry.actor).cloned().unwrap_or_else(|| entry.actor.clone()),
            before: pretty(&entry.before),
            after: pretty(&entry.after),
            entry,
        })
        .collect())
}

/// A rendered audit page (never cached).
fn respond(page: &AuditPage) -> PageResult {
    let mut response = Html(page.render()?).into_response();
    response.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `GET /places/{slug}/audit`.
async fn place_audit(State(state): State<AppState>, user: Option<CurrentUser>, Path(slug): Path<String>) -> PageResult {
    let user = auth::signed_in(user, &format!("/places/{slug}/audit"))?;
    let place = state.store.place(&slug).await?.ok_or_else(|| WebError::NotFound(format!("the place {slug}")))?;
    auth::require_lead(&user, place.id)?;
    let entries = state.store.audit_log_of_place(place.id, LIMIT).await?;
    let page = AuditPage {
        title: format!("Changes to {}", place.fields.name),
        rows: rows(&state, entries).await?,
        place: Some(place),
        limit: LIMIT,
    };
    respond(&page)
}

/// `GET /admin/audit`.
async fn all_audit(State(state): State<AppState>, user: Option<CurrentUser>) -> PageResult {
    let user = auth::signed_in(user, "/admin/audit")?;
    auth::require_admin(&user)?;
    let entries = state.store.audit_log(None, None, LIMIT).await?;
    let page =
        AuditPage { title: "Every change".into(), rows: rows(&state, entries).await?, place: None, limit: LIMIT };
    respond(&page)
}
