//! The network's events, publications and contact pages (issue 15), with what they share: the
//! staff checks (the `events` and `editor` roles, or an administrator), the forms' CSRF checks
//! (a session's token, or for the signed-out contact form the double-submit cookie), and the
//! retention job's task.
//!
//! Every page is server-rendered and works without JavaScript; every form posts with its
//! `_csrf` token and answers with a redirect (303) to a page that shows the result.

pub mod contact;
pub mod events;
pub mod publications;

use std::time::Duration;

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Router;
use store::Account;

use crate::auth::{self, csrf, CurrentUser, Refusal};
use crate::AppState;

/// The routes of events, publications and contact.
pub fn routes() -> Router<AppState> {
    Router::new().merge(events::routes()).merge(publications::routes()).merge(contact::routes())
}

/// Whether `account` holds staff role `role` (`events`, `editor`) or is an administrator.
pub(crate) fn is_staff(account: &Account, role: &str) -> bool {
    account.is_admin() || account.roles.iter().any(|r| r.role == role)
}

/// Whether `account` holds any staff role (answers contact queries).
pub(crate) fn is_any_staff(account: &Account) -> bool {
    account.is_admin() || account.roles.iter().any(|r| r.role == "events" || r.role == "editor")
}

/// Refuses unless `user` holds staff role `role` (or is an administrator).
pub(crate) fn require_staff(user: &CurrentUser, role: &str) -> Result<(), Refusal> {
    if is_staff(&user.account, role) {
        Ok(())
    } else {
        Err(Refusal::Forbidden("Only the network's staff may do this."))
    }
}

/// The signed-in user of a form with its CSRF token checked (a form without a session, or
/// with a token not its session's, changes nothing).
pub(crate) fn form_user(user: Option<CurrentUser>, token: Option<&str>) -> Result<CurrentUser, Refusal> {
    let user = auth::signed_in_form(user)?;
    csrf::check(&user, token)?;
    Ok(user)
}

/// A 303 to `path`, not to be cached.
pub(crate) fn see_other(path: &str) -> Response {
    let mut response = Redirect::to(path).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A page that holds personal data or a form's token: `no-store`.
pub(crate) fn private(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A form's optional text: trimmed, `None` when empty.
pub(crate) fn text(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
}

/// How often the retention job runs while the site is served.
pub const RETENTION_EVERY: Duration = Duration::from_secs(6 * 3600);

/// How often e-mails still owed (a send that failed for now) are tried again.
pub const NOTICES_EVERY: Duration = Duration::from_secs(60);

/// The background work of events and contact while the site is served: every
/// [`NOTICES_EVERY`], the e-mails still owed are tried again ([`contact::deliver_notices`]);
/// every [`RETENTION_EVERY`] (the first run at once), the retention job clears the needs of
/// events past their retention period and deletes closed contact queries past theirs
/// ([`store::Retention::default`]). A failure is logged and tried at the next run.
pub async fn retention_task(state: AppState) {
    let mut every = tokio::time::interval(NOTICES_EVERY);
    let mut last_retention: Option<std::time::Instant> = None;
    loop {
        every.tick().await;
        contact::deliver_notices(&state).await;
        if last_retention.is_some_and(|at| at.elapsed() < RETENTION_EVERY) {
            continue;
        }
        last_retention = Some(std::time::Instant::now());
        match state.store.enforce_retention(std::time::SystemTime::now(), &store::Retention::default()).await {
            Ok(outcome) if outcome.needs_cleared + outcome.queries_deleted + outcome.notices_deleted > 0 => {
                eprintln!(
                    "retention: cleared the needs of {} registrations ({}), deleted {} closed queries and {} sent notices",
                    outcome.needs_cleared,
                    outcome.events_cleared.join(", "),
                    outcome.queries_deleted,
                    outcome.notices_deleted
                );
            }
            Ok(_) => {}
            Err(e) => eprintln!("retention: {e}"),
        }
    }
}
