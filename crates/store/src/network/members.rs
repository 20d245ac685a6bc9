//! Members and organisations: joining (the form's answers wait in a one-use e-mail link until
//! the address is confirmed, then become an account with a member profile in one
//! transaction), profiles, the members' directory (only members who agree to be listed), and
//! organisations with their sector and the recommendations they carry out.

use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::{sector_name, theme_name, write_error};
use crate::audit::record;
use crate::error::{Context, Result, StoreError};
use crate::time::utc_at;
use crate::{normalise_email, utc_now, Account, Actor, Store};

/// What a one-use e-mail link does when followed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkPurpose {
    /// Confirms a request to join (its payload: a [`JoinRequest`]).
    Join,
    /// Confirms a newsletter subscription (its payload: the words of consent shown).
    Subscribe,
    /// Chooses a new password (its payload: the account's id and when its password was last
    /// set; see [`crate::network::password_reset`]).
    PasswordReset,
}

impl LinkPurpose {
    /// The name stored.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::Join => "join",
            LinkPurpose::Subscribe => "subscribe",
            LinkPurpose::PasswordReset => "password_reset",
        }
    }
}

/// A one-use link found by its token: the address it was sent to and what it carries.
#[derive(Clone, Debug, PartialEq)]
pub enum EmailLink {
    /// A link that has not expired: it is now used up.
    Valid {
        /// The address the link was sent to.
        email: String,
        /// What the link carries (the join form's answers, …).
        payload: serde_json::Value,
    },
    /// A link that expired (now deleted).
    Expired,
    /// No such link: never made, already used, or for another purpose.
    Unknown,
}

/// The words of one thing a person agreed to on a form, as shown to them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agreement {
    /// `membership`, `directory` or `newsletter`.
    pub purpose: String,
    /// The words shown beside the box ticked.
    pub wording: String,
}

/// A request to join the network, as the form gave it (kept in the confirmation link until the
/// address is confirmed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinRequest {
    /// The address (lower-cased).
    pub email: String,
    /// The person's name.
    pub name: String,
    /// The argon2id PHC string of the password they chose (the store never sees a password).
    pub password_hash: String,
    /// The name of their organisation (made when new), if any.
    pub organisation: Option<String>,
    /// Their sector (one of [`super::SECTORS`]).
    pub sector: String,
    /// What they do.
    pub job_role: String,
    /// The area codes of the places they work in.
    pub places: Vec<String>,
    /// The themes they work on (ids of [`super::THEMES`]).
    pub themes: Vec<String>,
    /// Whether other members may see them in the directory.
    pub in_directory: bool,
    /// Whether they also subscribe to the newsletter.
    pub newsletter: bool,
    /// The words of what they agreed to (membership always; the directory and the newsletter
    /// when ticked).
    pub agreements: Vec<Agreement>,
}

/// The longest name, organisation or role kept.
pub const MAX_TEXT: usize = 200;
/// The most places or themes a member lists.
pub const MAX_ITEMS: usize = 50;

/// Whether `code` looks like a GSS area code (a capital letter and eight digits).
pub fn is_area_code(code: &str) -> bool {
    code.len() == 9 && code.as_bytes()[0].is_ascii_uppercase() && code.as_bytes()[1..].iter().all(u8::is_ascii_digit)
}

/// `text` trimmed, checked non-empty (when `required`) and at most [`MAX_TEXT`] characters.
fn text_field(what: &str, field: &str, text: &str, required: bool) -> Result<String> {
    let text = text.trim();
    if required && text.is_empty() {
        return Err(StoreError::BadInput(format!("{what}: the field {field} is empty")));
    }
    if text.chars().count() > MAX_TEXT || text.contains(['\r', '\n']) {
        return Err(StoreError::BadInput(format!(
            "{what}: the field {field}: expected one line of at most {MAX_TEXT} characters"
        )));
    }
    Ok(text.to_string())
}

/// Checks a member's sector, places and themes; returns them sorted without repeats.
fn check_profile(what: &str, sector: &str, places: &[String], themes: &[String]) -> Result<(Vec<String>, Vec<String>)> {
    if sector_name(sector).is_none() {
        let known: Vec<&str> = super::SECTORS.iter().map(|(s, _)| *s).collect();
        return Err(StoreError::BadInput(format!(
            "{what}: the sector \"{sector}\": expected one of {}",
            known.join(", ")
        )));
    }
    let mut places: Vec<String> = places.iter().map(|p| p.trim().to_uppercase()).filter(|p| !p.is_empty()).collect();
    places.sort();
    places.dedup();
    if let Some(bad) = places.iter().find(|p| !is_area_code(p)) {
        return Err(StoreError::BadInput(format!(
            "{what}: the place \"{bad}\": expected an area code such as E06000001"
        )));
    }
    let mut themes: Vec<String> = themes.iter().map(|t| t.trim().to_string()).filter(|t| !t.is_empty()).collect();
    themes.sort();
    themes.dedup();
    if let Some(bad) = themes.iter().find(|t| theme_name(t).is_none()) {
        return Err(StoreError::BadInput(format!("{what}: the theme \"{bad}\" is not one of the Marmot principles")));
    }
    if places.len() > MAX_ITEMS || themes.len() > MAX_ITEMS {
        return Err(StoreError::BadInput(format!("{what}: at most {MAX_ITEMS} places and {MAX_ITEMS} themes")));
    }
    Ok((places, themes))
}

impl JoinRequest {
    /// The request checked and tidied: the address normalised, text fields trimmed (name and
    /// role required), sector, places and themes known, places and themes sorted without
    /// repeats, an agreement to membership present.
    ///
    /// # Errors
    /// The first field that fails, named.
    pub fn checked(mut self) -> Result<JoinRequest> {
        let what = "the request to join";
        self.email = normalise_email(&self.email)?;
        self.name = text_field(what, "name", &self.name, true)?;
        self.job_role = text_field(what, "role", &self.job_role, true)?;
        self.organisation = match self.organisation.as_deref().map(|o| text_field(what, "organisation", o, false)) {
            Some(Ok(o)) if !o.is_empty() => Some(o),
            Some(Err(e)) => return Err(e),
            _ => None,
        };
        let (places, themes) = check_profile(what, &self.sector, &self.places, &self.themes)?;
        self.places = places;
        self.themes = themes;
        if !self.agreements.iter().any(|a| a.purpose == "membership") {
            return Err(StoreError::BadInput(format!("{what}: agreeing to membership is needed")));
        }
        if !self.password_hash.starts_with('$') {
            return Err(StoreError::BadInput(format!("{what}: the password hash is not a PHC string")));
        }
        Ok(self)
    }
}

/// What confirming a request to join did.
#[derive(Clone, Debug, PartialEq)]
pub enum JoinOutcome {
    /// A new account and member profile.
    Joined(Box<Member>),
    /// The address already has an account (made since the request): nothing changed.
    AlreadyAnAccount,
}

/// An organisation, as named in a member's profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OrganisationRef {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its sector.
    pub sector: String,
}

/// An organisation (migration 0002's) with the recommendations it owns and how many members
/// name it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OrganisationProfile {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its sector.
    pub sector: String,
    /// The recommendations it owns: (id, place slug, code, text), by place then code.
    pub recommendations: Vec<(i64, String, String, String)>,
    /// How many members name it.
    pub members: i64,
}

/// A member's profile (with the account's name and address).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Member {
    /// The account's id.
    pub account_id: i64,
    /// The account's name.
    pub name: String,
    /// The account's address.
    pub email: String,
    /// Their organisation, if any.
    pub organisation: Option<OrganisationRef>,
    /// Their sector.
    pub sector: String,
    /// What they do.
    pub job_role: String,
    /// Whether other members see them in the directory.
    pub in_directory: bool,
    /// When they joined.
    pub joined_at: String,
    /// The area codes of the places they work in, sorted.
    pub places: Vec<String>,
    /// The themes they work on, sorted.
    pub themes: Vec<String>,
}

/// Changes to a member's profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberUpdate {
    /// The person's name.
    pub name: String,
    /// Their organisation's name (made when new), or none.
    pub organisation: Option<String>,
    /// Their sector.
    pub sector: String,
    /// What they do.
    pub job_role: String,
    /// The places they work in.
    pub places: Vec<String>,
    /// The themes they work on.
    pub themes: Vec<String>,
    /// Whether other members see them.
    pub in_directory: bool,
}

const MEMBER_SQL: &str = "SELECT m.account_id, a.name, a.email, m.sector, m.job_role, m.in_directory, m.joined_at, \
     o.id AS organisation_id, o.name AS organisation_name, o.sector AS organisation_sector \
     FROM member m JOIN account a ON a.id = m.account_id LEFT JOIN organisation o ON o.id = m.organisation_id";

fn member_of(row: &AnyRow) -> Result<Member, sqlx::Error> {
    let organisation = match row.try_get::<Option<i64>, _>("organisation_id")? {
        Some(id) => Some(OrganisationRef {
            id,
            name: row.try_get("organisation_name")?,
            sector: row.try_get("organisation_sector")?,
        }),
        None => None,
    };
    Ok(Member {
        account_id: row.try_get("account_id")?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        organisation,
        sector: row.try_get("sector")?,
        job_role: row.try_get("job_role")?,
        in_directory: row.try_get::<i64, _>("in_directory")? != 0,
        joined_at: row.try_get("joined_at")?,
        places: Vec::new(),
        themes: Vec::new(),
    })
}

/// Fills the places and themes of `member`.
async fn fill_lists(conn: &mut AnyConnection, member: &mut Member) -> Result<()> {
    let id = member.account_id;
    member.places = sqlx::query_scalar("SELECT area_code FROM member_place WHERE account_id = $1 ORDER BY area_code")
        .bind(id)
        .fetch_all(&mut *conn)
        .await
        .context(|| format!("reading the places of the member {id}"))?;
    member.themes = sqlx::query_scalar("SELECT theme FROM member_theme WHERE account_id = $1 ORDER BY theme")
        .bind(id)
        .fetch_all(&mut *conn)
        .await
        .context(|| format!("reading the themes of the member {id}"))?;
    Ok(())
}

/// Member `id` read in `conn`.
pub(crate) async fn load_member(conn: &mut AnyConnection, id: i64) -> Result<Option<Member>> {
    let row = sqlx::query(&format!("{MEMBER_SQL} WHERE m.account_id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .context(|| format!("reading the member {id}"))?;
    let Some(row) = row else { return Ok(None) };
    let mut member = member_of(&row).context(|| format!("reading the member {id}"))?;
    fill_lists(conn, &mut member).await?;
    Ok(Some(member))
}

/// The id of the organisation named `name` (any case), made with `sector`'s words when new
/// (audited as made by `actor`).
async fn organisation_id(conn: &mut AnyConnection, actor: &Actor, name: &str, sector: &str) -> Result<i64> {
    let what = format!("the organisation \"{name}\"");
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM organisation WHERE LOWER(name) = LOWER($1)")
        .bind(name)
        .fetch_optional(&mut *conn)
        .await
        .context(|| format!("reading {what}"))?;
    if let Some(id) = found {
        return Ok(id);
    }
    let sector = sector_name(sector).unwrap_or(sector);
    let id: i64 = sqlx::query_scalar("INSERT INTO organisation (name, sector) VALUES ($1, $2) RETURNING id")
        .bind(name)
        .bind(sector)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| write_error(e, &what))?;
    let after = serde_json::json!({ "id": id, "name": name, "sector": sector });
    record::<(), _>(conn, actor, "organisation", &id.to_string(), "create", None, Some(&after)).await?;
    Ok(id)
}

/// Replaces the places and themes of member `id`.
async fn write_lists(conn: &mut AnyConnection, id: i64, places: &[String], themes: &[String]) -> Result<()> {
    let what = format!("the places and themes of the member {id}");
    for table in ["member_place", "member_theme"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE account_id = $1"))
            .bind(id)
            .execute(&mut *conn)
            .await
            .map_err(|e| write_error(e, &what))?;
    }
    for place in places {
        sqlx::query("INSERT INTO member_place (account_id, area_code) VALUES ($1, $2)")
            .bind(id)
            .bind(place)
            .execute(&mut *conn)
            .await
            .map_err(|e| write_error(e, &what))?;
    }
    for theme in themes {
        sqlx::query("INSERT INTO member_theme (account_id, theme) VALUES ($1, $2)")
            .bind(id)
            .bind(theme)
            .execute(&mut *conn)
            .await
            .map_err(|e| write_error(e, &what))?;
    }
    Ok(())
}

/// Records in the consent ledger that `subject` agreed (or withdrew, `granted` false) to
/// `purpose` on seeing `wording`, by `method`.
pub(crate) async fn record_consent(
    conn: &mut AnyConnection,
    subject: &str,
    purpose: &str,
    granted: bool,
    wording: &str,
    method: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO consent (subject, purpose, granted, wording, method, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(subject)
    .bind(purpose)
    .bind(i64::from(granted))
    .bind(wording)
    .bind(method)
    .bind(utc_now())
    .execute(conn)
    .await
    .map_err(|e| write_error(e, &format!("the consent of {subject} to {purpose}")))?;
    Ok(())
}

impl Store {
    /// Stores a one-use link sent to `email` for `purpose`, carrying `payload`, by the SHA-256
    /// (hex) of its token, valid for `lifetime`. Expired links of every address are purged in
    /// the same transaction.
    ///
    /// # Errors
    /// A hash taken, or a failed statement.
    pub async fn create_email_link(
        &self,
        purpose: LinkPurpose,
        email: &str,
        payload: &serde_json::Value,
        token_hash: &str,
        lifetime: Duration,
    ) -> Result<()> {
        let email = normalise_email(email)?;
        let what = format!("a {} link", purpose.as_str());
        let now = SystemTime::now();
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM email_link WHERE expires_at <= $1")
            .bind(utc_at(now))
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, &what))?;
        sqlx::query(
            "INSERT INTO email_link (token_hash, purpose, email, payload, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(token_hash)
        .bind(purpose.as_str())
        .bind(&email)
        .bind(payload.to_string())
        .bind(utc_at(now))
        .bind(utc_at(now + lifetime))
        .execute(&mut *tx)
        .await
        .map_err(|e| write_error(e, &what))?;
        tx.commit().await.context(|| format!("{what}: committing"))
    }

    /// Uses the link of `purpose` whose token hashes to `token_hash`, at time `now`: the link
    /// is deleted whatever it was (a link works once), and its address and payload returned
    /// when it had not expired.
    ///
    /// # Errors
    /// A failed statement.
    pub async fn take_email_link(&self, purpose: LinkPurpose, token_hash: &str, now: SystemTime) -> Result<EmailLink> {
        let what = format!("a {} link", purpose.as_str());
        let mut tx = self.begin_write().await?;
        let row =
            sqlx::query("SELECT email, payload, expires_at FROM email_link WHERE token_hash = $1 AND purpose = $2")
                .bind(token_hash)
                .bind(purpose.as_str())
                .fetch_optional(&mut *tx)
                .await
                .context(|| format!("reading {what}"))?;
        let Some(row) = row else { return Ok(EmailLink::Unknown) };
        sqlx::query("DELETE FROM email_link WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, &what))?;
        tx.commit().await.context(|| format!("{what}: committing"))?;
        let expires_at: String = row.try_get("expires_at").context(|| format!("reading {what}"))?;
        if expires_at <= utc_at(now) {
            return Ok(EmailLink::Expired);
        }
        let email: String = row.try_get("email").context(|| format!("reading {what}"))?;
        let payload: String = row.try_get("payload").context(|| format!("reading {what}"))?;
        let payload = serde_json::from_str(&payload)
            .map_err(|e| StoreError::BadInput(format!("{what}: its payload is not JSON: {e}")))?;
        Ok(EmailLink::Valid { email, payload })
    }

    /// Whether an account has the address `email` (any case).
    ///
    /// # Errors
    /// A failed query.
    pub async fn email_has_account(&self, email: &str) -> Result<bool> {
        let Ok(email) = normalise_email(email) else { return Ok(false) };
        let found: Option<i64> = sqlx::query_scalar("SELECT id FROM account WHERE email = $1")
            .bind(&email)
            .fetch_optional(self.pool())
            .await
            .context(|| "reading an account".into())?;
        Ok(found.is_some())
    }

    /// Confirms `request` (its address was just proved by its link): in one transaction, the
    /// account, the member profile, the organisation (made when new), the consent ledger's
    /// rows (`method` says how: "the form at /join, confirmed by e-mail"), and, when asked for,
    /// an active newsletter subscription with `unsubscribe_token` (or the address's existing
    /// subscription, joined to the account and made active). Audited as the new account's own
    /// `create` of `member`.
    ///
    /// # Errors
    /// A request that fails its checks, or a failed statement.
    pub async fn confirm_join(
        &self,
        request: JoinRequest,
        method: &str,
        unsubscribe_token: &str,
    ) -> Result<JoinOutcome> {
        let request = request.checked()?;
        let what = format!("joining as {}", request.email);
        let now = utc_now();
        let mut tx = self.begin_write().await?;
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM account WHERE email = $1")
            .bind(&request.email)
            .fetch_optional(&mut *tx)
            .await
            .context(|| format!("{what}: reading the accounts"))?;
        if taken.is_some() {
            return Ok(JoinOutcome::AlreadyAnAccount);
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO account (email, name, password_hash, disabled, created_at, password_changed_at) \
             VALUES ($1, $2, $3, 0, $4, $4) RETURNING id",
        )
        .bind(&request.email)
        .bind(&request.name)
        .bind(&request.password_hash)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| write_error(e, &what))?;
        let organisation = match &request.organisation {
            Some(name) => Some(organisation_id(&mut tx, &Actor::User(id), name, &request.sector).await?),
            None => None,
        };
        sqlx::query(
            "INSERT INTO member (account_id, organisation_id, sector, job_role, in_directory, joined_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(organisation)
        .bind(&request.sector)
        .bind(&request.job_role)
        .bind(i64::from(request.in_directory))
        .bind(&now)
        .execute(&mut *tx)
        .await
        .map_err(|e| write_error(e, &what))?;
        write_lists(&mut tx, id, &request.places, &request.themes).await?;
        let subject = format!("account:{id}");
        for agreement in &request.agreements {
            let wanted = match agreement.purpose.as_str() {
                "directory" => request.in_directory,
                "newsletter" => request.newsletter,
                _ => true,
            };
            if wanted {
                record_consent(&mut tx, &subject, &agreement.purpose, true, &agreement.wording, method).await?;
            }
        }
        if request.newsletter {
            super::newsletter::activate_subscriber(&mut tx, &request.email, Some(id), unsubscribe_token).await?;
        }
        let member = load_member(&mut tx, id).await?.ok_or_else(|| StoreError::NotFound(what.clone()))?;
        record::<(), _>(&mut tx, &Actor::User(id), "member", &id.to_string(), "create", None, Some(&member)).await?;
        tx.commit().await.context(|| format!("{what}: committing"))?;
        Ok(JoinOutcome::Joined(Box::new(member)))
    }

    /// The member profile of account `id`, `None` when the account is not a member.
    ///
    /// # Errors
    /// A failed query.
    pub async fn member(&self, id: i64) -> Result<Option<Member>> {
        let mut conn = self.pool().acquire().await.context(|| format!("reading the member {id}"))?;
        load_member(&mut conn, id).await
    }

    /// The members' directory: members who agreed to be listed, whose account is enabled, by
    /// name.
    ///
    /// # Errors
    /// A failed query.
    pub async fn member_directory(&self) -> Result<Vec<Member>> {
        let mut conn = self.pool().acquire().await.context(|| "reading the directory".into())?;
        let rows =
            sqlx::query(&format!("{MEMBER_SQL} WHERE m.in_directory = 1 AND a.disabled = 0 ORDER BY a.name, a.id"))
                .fetch_all(&mut *conn)
                .await
                .context(|| "reading the directory".into())?;
        let mut members =
            rows.iter().map(member_of).collect::<Result<Vec<_>, _>>().context(|| "reading the directory".into())?;
        for member in &mut members {
            fill_lists(&mut conn, member).await?;
        }
        Ok(members)
    }

    /// Every member (for staff), by name.
    ///
    /// # Errors
    /// A failed query.
    pub async fn members(&self) -> Result<Vec<Member>> {
        let mut conn = self.pool().acquire().await.context(|| "reading the members".into())?;
        let rows = sqlx::query(&format!("{MEMBER_SQL} ORDER BY a.name, a.id"))
            .fetch_all(&mut *conn)
            .await
            .context(|| "reading the members".into())?;
        let mut members =
            rows.iter().map(member_of).collect::<Result<Vec<_>, _>>().context(|| "reading the members".into())?;
        for member in &mut members {
            fill_lists(&mut conn, member).await?;
        }
        Ok(members)
    }

    /// Changes member `id`'s profile (by themselves or by staff: `actor`); a change of
    /// `in_directory` is recorded in the consent ledger with `directory_wording` and `method`.
    /// Audited (`member`, `update`).
    ///
    /// # Errors
    /// An unknown member, a field that fails its check, or a failed statement.
    pub async fn update_member(
        &self,
        actor: &Actor,
        id: i64,
        update: &MemberUpdate,
        directory_wording: &str,
        method: &str,
    ) -> Result<Member> {
        let what = format!("the member {id}");
        let name = text_field(&what, "name", &update.name, true)?;
        let job_role = text_field(&what, "role", &update.job_role, true)?;
        let organisation = match update.organisation.as_deref() {
            Some(o) => Some(text_field(&what, "organisation", o, false)?).filter(|o| !o.is_empty()),
            None => None,
        };
        let (places, themes) = check_profile(&what, &update.sector, &update.places, &update.themes)?;
        let mut tx = self.begin_write().await?;
        let before = load_member(&mut tx, id).await?.ok_or_else(|| StoreError::NotFound(what.clone()))?;
        let organisation = match &organisation {
            Some(name) => Some(organisation_id(&mut tx, actor, name, &update.sector).await?),
            None => None,
        };
        sqlx::query("UPDATE account SET name = $2 WHERE id = $1")
            .bind(id)
            .bind(&name)
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, &what))?;
        sqlx::query(
            "UPDATE member SET organisation_id = $2, sector = $3, job_role = $4, in_directory = $5 WHERE account_id = $1",
        )
        .bind(id)
        .bind(organisation)
        .bind(&update.sector)
        .bind(&job_role)
        .bind(i64::from(update.in_directory))
        .execute(&mut *tx)
        .await
        .map_err(|e| write_error(e, &what))?;
        write_lists(&mut tx, id, &places, &themes).await?;
        if before.in_directory != update.in_directory {
            record_consent(
                &mut tx,
                &format!("account:{id}"),
                "directory",
                update.in_directory,
                directory_wording,
                method,
            )
            .await?;
        }
        let after = load_member(&mut tx, id).await?.ok_or_else(|| StoreError::NotFound(what.clone()))?;
        record(&mut tx, actor, "member", &id.to_string(), "update", Some(&before), Some(&after)).await?;
        tx.commit().await.context(|| format!("{what}: committing"))?;
        Ok(after)
    }

    /// Every organisation with the recommendations it owns and how many members name it, by
    /// name.
    ///
    /// # Errors
    /// A failed query.
    pub async fn organisation_profiles(&self) -> Result<Vec<OrganisationProfile>> {
        let mut conn = self.pool().acquire().await.context(|| "reading the organisations".into())?;
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM organisation ORDER BY LOWER(name), id")
            .fetch_all(&mut *conn)
            .await
            .context(|| "reading the organisations".into())?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(o) = load_organisation(&mut conn, id).await? {
                out.push(o);
            }
        }
        Ok(out)
    }

    /// Organisation `id` with the recommendations it owns.
    ///
    /// # Errors
    /// A failed query.
    pub async fn organisation_profile(&self, id: i64) -> Result<Option<OrganisationProfile>> {
        let mut conn = self.pool().acquire().await.context(|| format!("reading the organisation {id}"))?;
        load_organisation(&mut conn, id).await
    }

    /// Disables (or enables) member `id`'s account by staff `actor`: audited on the member.
    ///
    /// # Errors
    /// An unknown account, or a failed statement.
    pub async fn set_member_disabled(&self, actor: &Actor, id: i64, disabled: bool) -> Result<Account> {
        self.set_account_disabled(actor, id, disabled).await
    }
}

/// Organisation `id` read in `conn`.
async fn load_organisation(conn: &mut AnyConnection, id: i64) -> Result<Option<OrganisationProfile>> {
    let what = || format!("reading the organisation {id}");
    let row = sqlx::query(
        "SELECT o.id, o.name, o.sector, (SELECT COUNT(*) FROM member m WHERE m.organisation_id = o.id) AS members \
         FROM organisation o WHERE o.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .context(what)?;
    let Some(row) = row else { return Ok(None) };
    let recommendations = sqlx::query(
        "SELECT r.id, p.slug, r.code, r.text FROM recommendation r JOIN place p ON p.id = r.place_id \
         WHERE r.owner_id = $1 ORDER BY p.slug, r.code",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .context(what)?;
    (|| -> Result<OrganisationProfile, sqlx::Error> {
        Ok(OrganisationProfile {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
            sector: row.try_get("sector")?,
            members: row.try_get("members")?,
            recommendations: recommendations
                .iter()
                .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
                .collect::<Result<_, sqlx::Error>>()?,
        })
    })()
    .context(what)
    .map(Some)
}
