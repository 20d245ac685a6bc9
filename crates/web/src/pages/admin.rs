//! `/admin/accounts`: an administrator lists the accounts, makes one (with a first role), sets
//! an account's role, disables or enables it. Each change is audited (entity `account`).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use store::{Account, Actor, Place, RoleGrant};

use crate::auth::{self, csrf, password, CurrentUser, PageResult, Refusal};
use crate::{AppState, WebError};

/// The routes of the accounts' administration.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/accounts", get(page).post(create))
        .route("/admin/accounts/{id}/role", post(set_role))
        .route("/admin/accounts/{id}/disabled", post(set_disabled))
}

/// The accounts page.
#[derive(Template)]
#[template(path = "admin_accounts.html")]
struct AccountsPage {
    csrf: String,
    me: i64,
    accounts: Vec<Account>,
    places: Vec<Place>,
}

/// `GET /admin/accounts`.
async fn page(State(state): State<AppState>, user: Option<CurrentUser>) -> PageResult {
    let user = auth::signed_in(user, "/admin/accounts")?;
    auth::require_admin(&user)?;
    let page = AccountsPage {
        csrf: user.csrf_token,
        me: user.account.id,
        accounts: state.store.accounts().await?,
        places: state.store.places().await?,
    };
    let mut response = Html(page.render()?).into_response();
    response.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Checks an administrator's POST: a session, its CSRF token, the admin role.
fn authorise(user: Option<CurrentUser>, csrf_field: Option<&str>) -> Result<CurrentUser, Refusal> {
    let user = auth::signed_in_form(user)?;
    csrf::check(&user, csrf_field)?;
    auth::require_admin(&user)?;
    Ok(user)
}

/// The role chosen in a form: `none`, `admin` or `lead` of a place (by slug).
async fn role_of(state: &AppState, role: &str, place: Option<&str>) -> Result<Vec<RoleGrant>, Refusal> {
    match role {
        "" | "none" => Ok(Vec::new()),
        "admin" => Ok(vec![RoleGrant::admin()]),
        // The network's staff roles (issue 15): the newsletter and publications, events.
        "editor" | "events" => Ok(vec![RoleGrant { role: role.to_string(), place_id: None, place_slug: None }]),
        "lead" => {
            let slug = place.map(str::trim).filter(|s| !s.is_empty()).ok_or_else(|| {
                WebError::Store(store::StoreError::BadInput("the role lead: choose its place".into()))
            })?;
            let place =
                state.store.place(slug).await?.ok_or_else(|| WebError::NotFound(format!("the place {slug}")))?;
            Ok(vec![RoleGrant::lead(place.id)])
        }
        other => Err(WebError::Store(store::StoreError::BadInput(format!(
            "the role \"{other}\": expected none, admin, lead, editor or events"
        )))
        .into()),
    }
}

/// The new account form.
#[derive(Deserialize)]
pub struct CreateForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    role: String,
    place: Option<String>,
}

/// `POST /admin/accounts`: a new account with its role.
async fn create(State(state): State<AppState>, user: Option<CurrentUser>, Form(form): Form<CreateForm>) -> PageResult {
    let user = authorise(user, form.csrf.as_deref())?;
    password::check_new(&form.password).map_err(|m| WebError::Store(store::StoreError::BadInput(m)))?;
    let roles = role_of(&state, &form.role, form.place.as_deref()).await?;
    let hash = password::hash(&state.auth, form.password).await?;
    let actor = Actor::User(user.account.id);
    let account = state.store.create_account(&actor, &form.email, &form.name, &hash).await?;
    if !roles.is_empty() {
        state.store.set_roles(&actor, account.id, &roles).await?;
    }
    Ok(Redirect::to("/admin/accounts").into_response())
}

/// The role form.
#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    #[serde(default)]
    role: String,
    place: Option<String>,
}

/// `POST /admin/accounts/{id}/role`: the account's roles become the one chosen.
async fn set_role(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<i64>,
    Form(form): Form<RoleForm>,
) -> PageResult {
    let user = authorise(user, form.csrf.as_deref())?;
    let roles = role_of(&state, &form.role, form.place.as_deref()).await?;
    if id == user.account.id && !roles.iter().any(|r| r.role == "admin") {
        return Err(Refusal::Forbidden("You cannot take the administrator role from yourself."));
    }
    state.store.set_roles(&Actor::User(user.account.id), id, &roles).await?;
    Ok(Redirect::to("/admin/accounts").into_response())
}

/// The disable form.
#[derive(Deserialize)]
pub struct DisableForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    #[serde(default)]
    disabled: String,
}

/// `POST /admin/accounts/{id}/disabled`: `disabled=1` disables (and signs out), `0` enables.
async fn set_disabled(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<i64>,
    Form(form): Form<DisableForm>,
) -> PageResult {
    let user = authorise(user, form.csrf.as_deref())?;
    let disabled = form.disabled == "1";
    if disabled && id == user.account.id {
        return Err(Refusal::Forbidden("You cannot disable your own account."));
    }
    state.store.set_account_disabled(&Actor::User(user.account.id), id, disabled).await?;
    Ok(Redirect::to("/admin/accounts").into_response())
}
