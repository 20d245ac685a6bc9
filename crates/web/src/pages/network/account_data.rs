//! A signed-in person's data: `/account/data` (what they agreed to, from the consent ledger;
//! a link to download everything held about them; the form to erase their account),
//! `/account/data/export.json` (the download: [`store::network::Export`]) and
//! `POST /account/erase` (with their session's token and the word "erase": their personal data
//! removed or anonymised, the audit trail kept without it; they are signed out).

use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use store::network::ConsentRecord;
use store::Actor;

use super::page;
use crate::auth::session::{self, SESSION_COOKIE};
use crate::auth::{self, csrf, CurrentUser, PageResult, Refusal};
use crate::{AppState, WebError};

/// The routes of a person's data.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/account/data", get(data_page))
        .route("/account/data/export.json", get(export))
        .route("/account/erase", post(erase))
}

#[derive(Template)]
#[template(path = "network_account_data.html")]
struct DataPage {
    csrf: String,
    name: String,
    email: String,
    consents: Vec<ConsentRecord>,
}

/// `GET /account/data`.
async fn data_page(State(state): State<AppState>, user: Option<CurrentUser>) -> PageResult {
    let user = auth::signed_in(user, "/account/data")?;
    let consents = state.store.consents(user.account.id).await?;
    let html =
        DataPage { csrf: user.csrf_token, name: user.account.name, email: user.account.email, consents }.render()?;
    Ok(page(&state, StatusCode::OK, html, None))
}

/// `GET /account/data/export.json`: everything held about the signed-in person, as JSON.
async fn export(State(state): State<AppState>, user: Option<CurrentUser>) -> PageResult {
    let user = auth::signed_in(user, "/account/data")?;
    let export = state.store.export_member(user.account.id).await?;
    let body = serde_json::to_vec_pretty(&export)
        .map_err(|e| WebError::BadRequest(format!("the export cannot be written: {e}")))?;
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers
        .insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"fairer-my-data.json\""));
    Ok(response)
}

/// The erasure form.
#[derive(Deserialize)]
pub struct EraseForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    #[serde(default)]
    confirm: String,
}

/// `POST /account/erase`.
async fn erase(State(state): State<AppState>, user: Option<CurrentUser>, Form(form): Form<EraseForm>) -> PageResult {
    let user = auth::signed_in_form(user)?;
    csrf::check(&user, form.csrf.as_deref())?;
    if form.confirm.trim() != "erase" {
        return Err(Refusal::Web(WebError::BadRequest("type erase in the box to confirm".into())));
    }
    if user.account.is_admin() {
        return Err(Refusal::Forbidden(
            "An administrator's account is erased by another administrator (so that one is always left).",
        ));
    }
    state.store.erase_member(&Actor::User(user.account.id), user.account.id).await?;
    let mut response = Redirect::to("/?erased=1").into_response();
    let gone = session::set_cookie(&state.auth, SESSION_COOKIE, "", std::time::Duration::ZERO);
    response.headers_mut().append(header::SET_COOKIE, gone);
    Ok(response)
}
