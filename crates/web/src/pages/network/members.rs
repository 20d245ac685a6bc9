//! Members' pages: `/members` (the directory: signed-in members and staff only, listing only
//! members who agreed to be listed), `/members/me` (one's own profile), `/members/{id}` (a
//! profile: one's own, or a listed member's for another member; any other is "not found", so
//! a hidden profile cannot even be told to exist), `/members/me/edit` (GET, POST),
//! `/organisations/{id}` (an organisation, its sector and the recommendations it owns: public),
//! and `/admin/members` (administrators: every member; disable, enable or erase one, each in
//! the audit trail).

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use store::network::{sector_name, theme_name, Member, MemberUpdate, OrganisationProfile, SECTORS, THEMES};
use store::Actor;

use super::{choices, field, fields, form_pairs, page, Choice, DIRECTORY_WORDING};
use crate::auth::{self, csrf, CurrentUser, PageResult, Refusal};
use crate::{AppState, WebError};

/// The routes of members and organisations.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/members", get(directory))
        .route("/members/me", get(me))
        .route("/members/me/edit", get(edit_form).post(edit))
        .route("/members/{id}", get(profile))
        .route("/organisations/{id}", get(organisation))
        .route("/admin/members", get(admin))
        .route("/admin/members/{id}/disabled", post(admin_disable))
        .route("/admin/members/{id}/erase", post(admin_erase))
}

/// A member as shown: the words of their sector and themes.
pub(crate) struct MemberView {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub organisation: Option<(i64, String)>,
    pub sector: String,
    pub job_role: String,
    pub places: Vec<(String, String)>,
    pub themes: Vec<String>,
    pub in_directory: bool,
    pub joined_on: String,
}

impl MemberView {
    /// `member` as shown, with the names of its places from the store.
    async fn of(state: &AppState, member: Member) -> Result<MemberView, WebError> {
        let mut places = Vec::with_capacity(member.places.len());
        for code in &member.places {
            let name = state.store.area(code).await?.map(|a| a.name).unwrap_or_else(|| code.clone());
            places.push((code.clone(), name));
        }
        Ok(MemberView {
            id: member.account_id,
            name: member.name,
            email: member.email,
            organisation: member.organisation.map(|o| (o.id, o.name)),
            sector: sector_name(&member.sector).unwrap_or(&member.sector).to_string(),
            job_role: member.job_role,
            places,
            themes: member.themes.iter().map(|t| theme_name(t).unwrap_or(t).to_string()).collect(),
            in_directory: member.in_directory,
            joined_on: member.joined_at.chars().take(10).collect(),
        })
    }
}

/// Whether `user` may see the directory: a member, or staff.
async fn may_see_directory(state: &AppState, user: &CurrentUser) -> Result<bool, WebError> {
    let account = &user.account;
    Ok(account.is_staff("editor") || account.is_staff("events") || state.store.member(account.id).await?.is_some())
}

#[derive(Template)]
#[template(path = "network_directory.html")]
struct DirectoryPage {
    members: Vec<MemberView>,
    me: i64,
}

/// `GET /members`.
async fn directory(State(state): State<AppState>, user: Option<CurrentUser>) -> PageResult {
    let user = auth::signed_in(user, "/members")?;
    if !may_see_directory(&state, &user).await? {
        return Err(Refusal::Forbidden("The directory is for members of the network: join first."));
    }
    let mut members = Vec::new();
    for m in state.store.member_directory().await? {
        members.push(MemberView::of(&state, m).await?);
    }
    let html = DirectoryPage { members, me: user.account.id }.render()?;
    Ok(page(&state, StatusCode::OK, html, None))
}

/// `GET /members/me`: to one's own profile (or the join page for an account that is not a
/// member).
async fn me(State(state): State<AppState>, user: Option<CurrentUser>) -> PageResult {
    let user = auth::signed_in(user, "/members/me")?;
    match state.store.member(user.account.id).await? {
        Some(_) => Ok(Redirect::to(&format!("/members/{}", user.account.id)).into_response()),
        None => Ok(Redirect::to("/join").into_response()),
    }
}

#[derive(Template)]
#[template(path = "network_profile.html")]
struct ProfilePage {
    member: MemberView,
    own: bool,
    /// The sessions the member facilitated over the years (events helper:
    /// `events_facilitated.html`).
    sessions: Vec<store::FacilitatedSession>,
}

/// `GET /members/{id}`.
async fn profile(State(state): State<AppState>, user: Option<CurrentUser>, Path(id): Path<i64>) -> PageResult {
    let user = auth::signed_in(user, &format!("/members/{id}"))?;
    let own = user.account.id == id;
    let member = state.store.member(id).await?;
    let visible = match &member {
        Some(_) if own || user.account.is_admin() => true,
        Some(m) => m.in_directory && may_see_directory(&state, &user).await?,
        None => false,
    };
    let Some(member) = member.filter(|_| visible) else {
        return Err(WebError::NotFound(format!("the member {id}")).into());
    };
    let sessions = state.store.facilitated_sessions(id).await?;
    let html = ProfilePage { member: MemberView::of(&state, member).await?, own, sessions }.render()?;
    Ok(page(&state, StatusCode::OK, html, None))
}

#[derive(Template)]
#[template(path = "network_profile_edit.html")]
struct EditPage {
    csrf: String,
    errors: Vec<String>,
    name: String,
    organisation: String,
    job_role: String,
    places: String,
    sectors: Vec<Choice>,
    themes: Vec<Choice>,
    in_directory: bool,
    directory_wording: &'static str,
}

/// `GET /members/me/edit`.
async fn edit_form(State(state): State<AppState>, user: Option<CurrentUser>) -> PageResult {
    let user = auth::signed_in(user, "/members/me/edit")?;
    let member =
        state.store.member(user.account.id).await?.ok_or(Refusal::Forbidden("Only members have a profile."))?;
    let html = EditPage {
        csrf: user.csrf_token,
        errors: Vec::new(),
        name: member.name,
        organisation: member.organisation.map(|o| o.name).unwrap_or_default(),
        job_role: member.job_role,
        places: member.places.join(" "),
        sectors: choices(SECTORS, std::slice::from_ref(&member.sector)),
        themes: choices(THEMES, &member.themes),
        in_directory: member.in_directory,
        directory_wording: DIRECTORY_WORDING,
    }
    .render()?;
    Ok(page(&state, StatusCode::OK, html, None))
}

/// `POST /members/me/edit`.
async fn edit(State(state): State<AppState>, user: Option<CurrentUser>, body: Bytes) -> PageResult {
    let user = auth::signed_in_form(user)?;
    let pairs = form_pairs(&body)?;
    csrf::check(&user, Some(&field(&pairs, "_csrf")))?;
    if state.store.member(user.account.id).await?.is_none() {
        return Err(Refusal::Forbidden("Only members have a profile."));
    }
    let places: Vec<String> = field(&pairs, "places")
        .split([' ', ',', ';', '\n', '\t'])
        .map(|c| c.trim().to_uppercase())
        .filter(|c| !c.is_empty())
        .collect();
    let mut errors = Vec::new();
    for code in &places {
        if state.store.area(code).await?.is_none() {
            errors.push(format!("the place {code} is not an area code Fairer knows"));
        }
    }
    let update = MemberUpdate {
        name: field(&pairs, "name"),
        organisation: Some(field(&pairs, "organisation")),
        sector: field(&pairs, "sector"),
        job_role: field(&pairs, "job_role"),
        places,
        themes: fields(&pairs, "themes"),
        in_directory: field(&pairs, "in_directory") == "yes",
    };
    let result = if errors.is_empty() {
        state
            .store
            .update_member(
                &Actor::User(user.account.id),
                user.account.id,
                &update,
                DIRECTORY_WORDING,
                "the profile form at /members/me/edit",
            )
            .await
            .map(|_| ())
    } else {
        Ok(())
    };
    match result {
        Ok(()) if errors.is_empty() => Ok(Redirect::to(&format!("/members/{}", user.account.id)).into_response()),
        other => {
            if let Err(e) = other {
                match e {
                    store::StoreError::BadInput(m) => errors.push(m),
                    e => return Err(e.into()),
                }
            }
            let html = EditPage {
                csrf: user.csrf_token,
                errors,
                name: update.name,
                organisation: update.organisation.unwrap_or_default(),
                job_role: update.job_role,
                places: update.places.join(" "),
                sectors: choices(SECTORS, std::slice::from_ref(&update.sector)),
                themes: choices(THEMES, &update.themes),
                in_directory: update.in_directory,
                directory_wording: DIRECTORY_WORDING,
            }
            .render()?;
            Ok(page(&state, StatusCode::OK, html, None))
        }
    }
}

#[derive(Template)]
#[template(path = "network_organisation.html")]
struct OrganisationPage {
    organisation: OrganisationProfile,
}

/// `GET /organisations/{id}`.
async fn organisation(State(state): State<AppState>, Path(id): Path<i64>) -> Result<Response, WebError> {
    let organisation = state
        .store
        .organisation_profile(id)
        .await?
        .ok_or_else(|| WebError::NotFound(format!("the organisation {id}")))?;
    crate::pages::render(&OrganisationPage { organisation })
}

#[derive(Template)]
#[template(path = "network_admin_members.html")]
struct AdminPage {
    csrf: String,
    me: i64,
    members: Vec<(MemberView, bool)>,
}

/// `GET /admin/members`: every member, for administrators.
async fn admin(State(state): State<AppState>, user: Option<CurrentUser>) -> PageResult {
    let user = auth::signed_in(user, "/admin/members")?;
    auth::require_admin(&user)?;
    let mut members = Vec::new();
    for m in state.store.members().await? {
        let disabled = state.store.account(m.account_id).await?.is_some_and(|a| a.disabled);
        members.push((MemberView::of(&state, m).await?, disabled));
    }
    let html = AdminPage { csrf: user.csrf_token, me: user.account.id, members }.render()?;
    Ok(page(&state, StatusCode::OK, html, None))
}

/// A staff form on a member.
#[derive(Deserialize)]
pub struct StaffForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    #[serde(default)]
    disabled: String,
    #[serde(default)]
    confirm: String,
}

/// Checks an administrator's form.
fn staff(user: Option<CurrentUser>, token: Option<&str>) -> Result<CurrentUser, Refusal> {
    let user = auth::signed_in_form(user)?;
    csrf::check(&user, token)?;
    auth::require_admin(&user)?;
    Ok(user)
}

/// `POST /admin/members/{id}/disabled`: `disabled=1` disables the member's account, `0` enables.
async fn admin_disable(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<i64>,
    Form(form): Form<StaffForm>,
) -> PageResult {
    let user = staff(user, form.csrf.as_deref())?;
    if id == user.account.id {
        return Err(Refusal::Forbidden("You cannot disable your own account."));
    }
    state.store.set_member_disabled(&Actor::User(user.account.id), id, form.disabled == "1").await?;
    Ok(Redirect::to("/admin/members").into_response())
}

/// `POST /admin/members/{id}/erase` (with `confirm=erase`): erases the member's personal data.
async fn admin_erase(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Path(id): Path<i64>,
    Form(form): Form<StaffForm>,
) -> PageResult {
    let user = staff(user, form.csrf.as_deref())?;
    if form.confirm != "erase" {
        return Err(WebError::BadRequest("type erase in the box to confirm".into()).into());
    }
    if id == user.account.id {
        return Err(Refusal::Forbidden("Erase your own account from your data page."));
    }
    state.store.erase_member(&Actor::User(user.account.id), id).await?;
    Ok(Redirect::to("/admin/members").into_response())
}
