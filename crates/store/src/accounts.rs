//! Accounts of the web application: who signs in (e-mail, name, an argon2id password hash made
//! by the caller), what they may do (roles with an optional place scope), their sessions
//! (stored by the SHA-256 of the cookie's token, never the token) and their trusted devices.
//!
//! Changes to accounts and roles are audited (entity `account`; the password hash is never in
//! the audit row); sessions and devices are bookkeeping of sign-ins and are not. Every write
//! runs in one transaction.

use std::time::{Duration, SystemTime};

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::audit::record;
use crate::error::{Context, Result, StoreError};
use crate::time::utc_at;
use crate::{utc_now, Actor, Store};

/// The roles an account may hold: `admin` (everything, no place), `lead` (edits one place), and
/// the network's staff roles (issue 15, no place): `editor` (writes and sends the newsletter,
/// publications) and `events` (runs events). A member is an account with a profile
/// (`store::network`), not a role.
pub const ROLES: &[&str] = &["admin", "lead", "editor", "events"];

/// Whether `role` is scoped to a place (`lead`) or not (`admin`, `editor`, `events`).
fn role_has_place(role: &str) -> Option<bool> {
    match role {
        "admin" | "editor" | "events" => Some(false),
        "lead" => Some(true),
        _ => None,
    }
}

/// One role of an account, with its place when the role is scoped to one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RoleGrant {
    /// One of [`ROLES`].
    pub role: String,
    /// The place's id, for a place's role (`lead`); `None` for `admin`.
    pub place_id: Option<i64>,
    /// The place's slug (filled when read; ignored when written).
    pub place_slug: Option<String>,
}

impl RoleGrant {
    /// The `admin` role.
    pub fn admin() -> RoleGrant {
        RoleGrant { role: "admin".into(), place_id: None, place_slug: None }
    }

    /// The `lead` role of place `place_id`.
    pub fn lead(place_id: i64) -> RoleGrant {
        RoleGrant { role: "lead".into(), place_id: Some(place_id), place_slug: None }
    }

    /// Checks the role is known and has a place exactly when it needs one.
    fn check(&self) -> Result<()> {
        match (role_has_place(&self.role), self.place_id) {
            (None, _) => {
                Err(StoreError::BadInput(format!("the role \"{}\": expected one of {}", self.role, ROLES.join(", "))))
            }
            (Some(true), None) => {
                Err(StoreError::BadInput(format!("the role \"{}\": expected a place, found none", self.role)))
            }
            (Some(false), Some(place)) => Err(StoreError::BadInput(format!(
                "the role \"{}\": expected no place, found the place {place}",
                self.role
            ))),
            _ => Ok(()),
        }
    }
}

/// An account as shown (never with its password hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Account {
    /// Its id (the audit trail's `user:ID`).
    pub id: i64,
    /// Its e-mail address, lower-cased.
    pub email: String,
    /// The person's name.
    pub name: String,
    /// Whether it is disabled (cannot sign in).
    pub disabled: bool,
    /// When it was made, RFC 3339 UTC.
    pub created_at: String,
    /// When its password was last set, RFC 3339 UTC.
    pub password_changed_at: String,
    /// Its roles, by role then place id.
    pub roles: Vec<RoleGrant>,
}

impl Account {
    /// Whether the account is an administrator.
    pub fn is_admin(&self) -> bool {
        self.roles.iter().any(|r| r.role == "admin")
    }

    /// Whether the account holds `role` (`editor`, `events`) or is an administrator.
    pub fn is_staff(&self, role: &str) -> bool {
        self.is_admin() || self.roles.iter().any(|r| r.role == role)
    }

    /// Whether the account may edit place `place_id`: an administrator, or its lead.
    pub fn may_edit_place(&self, place_id: i64) -> bool {
        self.is_admin() || self.roles.iter().any(|r| r.role == "lead" && r.place_id == Some(place_id))
    }
}

/// A signed-in session as found by its token's hash: the account (enabled) and the CSRF token
/// of the session's forms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// The account signed in.
    pub account: Account,
    /// The token every form of the session carries.
    pub csrf_token: String,
    /// When the session ends, RFC 3339 UTC.
    pub expires_at: String,
}

/// The e-mail address as stored: trimmed and lower-cased, checked to look like an address.
///
/// # Errors
/// An address without exactly one `@` with text either side, or with spaces.
pub fn normalise_email(email: &str) -> Result<String> {
    let email = email.trim().to_lowercase();
    let ok = email.split('@').count() == 2
        && email.split('@').all(|part| !part.is_empty())
        && !email.contains(char::is_whitespace)
        && email.len() <= 254;
    if ok {
        Ok(email)
    } else {
        Err(StoreError::BadInput(format!("the e-mail address \"{email}\": expected NAME@DOMAIN")))
    }
}

const ACCOUNT_COLUMNS: &str = "id, email, name, disabled, created_at, password_changed_at";

/// An account row without its roles.
fn account_of(row: &AnyRow) -> Result<Account> {
    (|| -> Result<Account, sqlx::Error> {
        Ok(Account {
            id: row.try_get("id")?,
            email: row.try_get("email")?,
            name: row.try_get("name")?,
            disabled: row.try_get::<i64, _>("disabled")? != 0,
            created_at: row.try_get("created_at")?,
            password_changed_at: row.try_get("password_changed_at")?,
            roles: Vec::new(),
        })
    })()
    .context(|| "reading an account".into())
}

/// The roles of account `id`.
async fn roles_of(conn: &mut AnyConnection, id: i64) -> Result<Vec<RoleGrant>> {
    let rows = sqlx::query(
        "SELECT r.role, r.place_id, p.slug FROM account_role r LEFT JOIN place p ON p.id = r.place_id \
         WHERE r.account_id = $1 ORDER BY r.role, r.place_id",
    )
    .bind(id)
    .fetch_all(conn)
    .await
    .context(|| format!("reading the roles of the account {id}"))?;
    rows.iter()
        .map(|row| Ok(RoleGrant { role: row.try_get(0)?, place_id: row.try_get(1)?, place_slug: row.try_get(2)? }))
        .collect::<Result<_, sqlx::Error>>()
        .context(|| format!("reading the roles of the account {id}"))
}

/// Account `id` with its roles.
async fn load_account(conn: &mut AnyConnection, id: i64) -> Result<Option<Account>> {
    let row = sqlx::query(&format!("SELECT {ACCOUNT_COLUMNS} FROM account WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .context(|| format!("reading the account {id}"))?;
    let Some(row) = row else { return Ok(None) };
    let mut account = account_of(&row)?;
    account.roles = roles_of(conn, id).await?;
    Ok(Some(account))
}

/// A write error: a duplicate as a conflict naming `what`.
fn write_error(error: sqlx::Error, what: &str) -> StoreError {
    match &error {
        sqlx::Error::Database(e) if e.is_unique_violation() => StoreError::Conflict(format!("{what}: already exists")),
        sqlx::Error::Database(e) if e.is_foreign_key_violation() => {
            StoreError::NotFound(format!("{what}: a thing it refers to"))
        }
        _ => StoreError::Database { context: what.to_string(), source: error },
    }
}

/// Checks a password hash is a PHC string (`$argon2id$…`): the store never sees a password.
fn check_hash(hash: &str) -> Result<()> {
    if hash.starts_with('$') && hash.len() >= 20 {
        Ok(())
    } else {
        Err(StoreError::BadInput("the password hash: expected a PHC string ($argon2id$…)".into()))
    }
}

impl Store {
    /// Makes an account with the password hash `password_hash` (a PHC string made by the
    /// caller) and no role.
    ///
    /// # Errors
    /// An e-mail address that is not one, an empty name, a hash that is not a PHC string, an
    /// address taken (a conflict), or a failed statement.
    pub async fn create_account(&self, actor: &Actor, email: &str, name: &str, password_hash: &str) -> Result<Account> {
        let email = normalise_email(email)?;
        let name = name.trim();
        if name.is_empty() {
            return Err(StoreError::BadInput(format!("the account {email}: the field name is empty")));
        }
        check_hash(password_hash)?;
        let what = format!("the account {email}");
        let now = utc_now();
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO account (email, name, password_hash, disabled, created_at, password_changed_at) \
             VALUES ($1, $2, $3, 0, $4, $4) RETURNING id",
        )
        .bind(&email)
        .bind(name)
        .bind(password_hash)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| write_error(e, &what))?;
        let after = load_account(&mut tx, id).await?.ok_or_else(|| StoreError::NotFound(what.clone()))?;
        record::<(), _>(&mut tx, actor, "account", &id.to_string(), "create", None, Some(&after)).await?;
        tx.commit().await.context(|| format!("{what}: committing"))?;
        Ok(after)
    }

    /// Account `id` with its roles, `None` when there is none.
    ///
    /// # Errors
    /// A failed query.
    pub async fn account(&self, id: i64) -> Result<Option<Account>> {
        let mut conn = self.pool().acquire().await.context(|| "reading an account".into())?;
        load_account(&mut conn, id).await
    }

    /// The account of e-mail `email` (any case) with its password hash, for signing in; `None`
    /// when no account has that address (or it is not an address).
    ///
    /// # Errors
    /// A failed query.
    pub async fn account_for_sign_in(&self, email: &str) -> Result<Option<(Account, String)>> {
        let Ok(email) = normalise_email(email) else { return Ok(None) };
        let mut conn = self.pool().acquire().await.context(|| "reading an account".into())?;
        let row = sqlx::query(&format!("SELECT {ACCOUNT_COLUMNS}, password_hash FROM account WHERE email = $1"))
            .bind(&email)
            .fetch_optional(&mut *conn)
            .await
            .context(|| "reading an account".into())?;
        let Some(row) = row else { return Ok(None) };
        let mut account = account_of(&row)?;
        let hash: String = row.try_get("password_hash").context(|| "reading an account".into())?;
        account.roles = roles_of(&mut conn, account.id).await?;
        Ok(Some((account, hash)))
    }

    /// Every account with its roles, by e-mail.
    ///
    /// # Errors
    /// A failed query.
    pub async fn accounts(&self) -> Result<Vec<Account>> {
        let mut conn = self.pool().acquire().await.context(|| "reading the accounts".into())?;
        let rows = sqlx::query(&format!("SELECT {ACCOUNT_COLUMNS} FROM account ORDER BY email"))
            .fetch_all(&mut *conn)
            .await
            .context(|| "reading the accounts".into())?;
        let mut accounts = rows.iter().map(account_of).collect::<Result<Vec<_>>>()?;
        for account in &mut accounts {
            account.roles = roles_of(&mut conn, account.id).await?;
        }
        Ok(accounts)
    }

    /// Sets account `id`'s password hash and deletes its sessions (a new password signs out
    /// everywhere). Audited as `password` (without the hash).
    ///
    /// # Errors
    /// An unknown account, a hash that is not a PHC string, or a failed statement.
    pub async fn set_password_hash(&self, actor: &Actor, id: i64, password_hash: &str) -> Result<Account> {
        check_hash(password_hash)?;
        let what = format!("the password of the account {id}");
        let mut tx = self.begin_write().await?;
        let before =
            load_account(&mut tx, id).await?.ok_or_else(|| StoreError::NotFound(format!("the account {id}")))?;
        sqlx::query("UPDATE account SET password_hash = $2, password_changed_at = $3 WHERE id = $1")
            .bind(id)
            .bind(password_hash)
            .bind(utc_now())
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, &what))?;
        sqlx::query("DELETE FROM session WHERE account_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, &what))?;
        let after = load_account(&mut tx, id).await?.ok_or_else(|| StoreError::NotFound(what.clone()))?;
        record(&mut tx, actor, "account", &id.to_string(), "password", Some(&before), Some(&after)).await?;
        tx.commit().await.context(|| format!("{what}: committing"))?;
        Ok(after)
    }

    /// Replaces account `id`'s roles with `roles` (each checked: a known role, with a place
    /// exactly when it needs one; the place must exist).
    ///
    /// # Errors
    /// An unknown account or place, a role that fails the check, or a failed statement.
    pub async fn set_roles(&self, actor: &Actor, id: i64, roles: &[RoleGrant]) -> Result<Account> {
        for role in roles {
            role.check()?;
        }
        let what = format!("the roles of the account {id}");
        let mut tx = self.begin_write().await?;
        let before =
            load_account(&mut tx, id).await?.ok_or_else(|| StoreError::NotFound(format!("the account {id}")))?;
        sqlx::query("DELETE FROM account_role WHERE account_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, &what))?;
        for role in roles {
            if let Some(place) = role.place_id {
                let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM place WHERE id = $1")
                    .bind(place)
                    .fetch_optional(&mut *tx)
                    .await
                    .context(|| format!("{what}: reading the place {place}"))?;
                if exists.is_none() {
                    return Err(StoreError::NotFound(format!("{what}: the place {place}")));
                }
            }
            sqlx::query(
                "INSERT INTO account_role (account_id, role, place_id) VALUES ($1, $2, $3) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(&role.role)
            .bind(role.place_id)
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, &what))?;
        }
        let after = load_account(&mut tx, id).await?.ok_or_else(|| StoreError::NotFound(what.clone()))?;
        record(&mut tx, actor, "account", &id.to_string(), "roles", Some(&before), Some(&after)).await?;
        tx.commit().await.context(|| format!("{what}: committing"))?;
        Ok(after)
    }

    /// Disables (or enables again) account `id`; disabling deletes its sessions and trusted
    /// devices.
    ///
    /// # Errors
    /// An unknown account, or a failed statement.
    pub async fn set_account_disabled(&self, actor: &Actor, id: i64, disabled: bool) -> Result<Account> {
        let what = format!("disabling the account {id}");
        let mut tx = self.begin_write().await?;
        let before =
            load_account(&mut tx, id).await?.ok_or_else(|| StoreError::NotFound(format!("the account {id}")))?;
        sqlx::query("UPDATE account SET disabled = $2 WHERE id = $1")
            .bind(id)
            .bind(i64::from(disabled))
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, &what))?;
        if disabled {
            for table in ["session", "trusted_device"] {
                sqlx::query(&format!("DELETE FROM {table} WHERE account_id = $1"))
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| write_error(e, &what))?;
            }
        }
        let after = load_account(&mut tx, id).await?.ok_or_else(|| StoreError::NotFound(what.clone()))?;
        let action = if disabled { "disable" } else { "enable" };
        record(&mut tx, actor, "account", &id.to_string(), action, Some(&before), Some(&after)).await?;
        tx.commit().await.context(|| format!("{what}: committing"))?;
        Ok(after)
    }

    /// Stores a session of account `account_id` for `lifetime`: `token_hash` is the SHA-256
    /// (hex) of the cookie's token, `csrf_token` the token of its forms. Expired sessions of
    /// every account are purged in the same transaction.
    ///
    /// # Errors
    /// An unknown or disabled account, a hash taken, or a failed statement.
    pub async fn create_session(
        &self,
        account_id: i64,
        token_hash: &str,
        csrf_token: &str,
        lifetime: Duration,
    ) -> Result<()> {
        let what = format!("a session of the account {account_id}");
        let now_time = SystemTime::now();
        let now = utc_at(now_time);
        let expires = utc_at(now_time + lifetime);
        let mut tx = self.begin_write().await?;
        let enabled: Option<i64> = sqlx::query_scalar("SELECT id FROM account WHERE id = $1 AND disabled = 0")
            .bind(account_id)
            .fetch_optional(&mut *tx)
            .await
            .context(|| format!("{what}: reading the account"))?;
        if enabled.is_none() {
            return Err(StoreError::NotFound(format!("the enabled account {account_id}")));
        }
        sqlx::query("DELETE FROM session WHERE expires_at <= $1")
            .bind(&now)
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, &what))?;
        sqlx::query(
            "INSERT INTO session (token_hash, account_id, csrf_token, created_at, expires_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $5, $4)",
        )
        .bind(token_hash)
        .bind(account_id)
        .bind(csrf_token)
        .bind(&now)
        .bind(&expires)
        .execute(&mut *tx)
        .await
        .map_err(|e| write_error(e, &what))?;
        tx.commit().await.context(|| format!("{what}: committing"))
    }

    /// The session whose token hashes to `token_hash`, when it has not expired and its account
    /// is enabled; `None` otherwise. Reads only (no write on a page view).
    ///
    /// # Errors
    /// A failed query.
    pub async fn session(&self, token_hash: &str) -> Result<Option<Session>> {
        let mut conn = self.pool().acquire().await.context(|| "reading a session".into())?;
        let row = sqlx::query(
            "SELECT a.id, a.email, a.name, a.disabled, a.created_at, a.password_changed_at, s.csrf_token, s.expires_at \
             FROM session s JOIN account a ON a.id = s.account_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND a.disabled = 0",
        )
        .bind(token_hash)
        .bind(utc_now())
        .fetch_optional(&mut *conn)
        .await
        .context(|| "reading a session".into())?;
        let Some(row) = row else { return Ok(None) };
        let mut account = account_of(&row)?;
        account.roles = roles_of(&mut conn, account.id).await?;
        let csrf_token: String = row.try_get("csrf_token").context(|| "reading a session".into())?;
        let expires_at: String = row.try_get("expires_at").context(|| "reading a session".into())?;
        Ok(Some(Session { account, csrf_token, expires_at }))
    }

    /// Deletes the session whose token hashes to `token_hash` (signing out); whether there was
    /// one.
    ///
    /// # Errors
    /// A failed statement.
    pub async fn delete_session(&self, token_hash: &str) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("DELETE FROM session WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, "deleting a session"))?;
        tx.commit().await.context(|| "deleting a session: committing".into())?;
        Ok(done.rows_affected() > 0)
    }

    /// Deletes every expired session; how many.
    ///
    /// # Errors
    /// A failed statement.
    pub async fn purge_expired_sessions(&self) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("DELETE FROM session WHERE expires_at <= $1")
            .bind(utc_now())
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, "purging expired sessions"))?;
        tx.commit().await.context(|| "purging expired sessions: committing".into())?;
        Ok(done.rows_affected())
    }

    /// Records a device account `account_id` signed in from, by the SHA-256 (hex) of its
    /// device cookie's token.
    ///
    /// # Errors
    /// An unknown account, or a failed statement.
    pub async fn trust_device(&self, account_id: i64, token_hash: &str) -> Result<()> {
        let what = format!("a trusted device of the account {account_id}");
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO trusted_device (token_hash, account_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (token_hash) DO NOTHING",
        )
        .bind(token_hash)
        .bind(account_id)
        .bind(utc_now())
        .execute(&mut *tx)
        .await
        .map_err(|e| write_error(e, &what))?;
        tx.commit().await.context(|| format!("{what}: committing"))
    }

    /// The account whose trusted device has the token hashing to `token_hash`, when it is
    /// enabled.
    ///
    /// # Errors
    /// A failed query.
    pub async fn trusted_device(&self, token_hash: &str) -> Result<Option<i64>> {
        sqlx::query_scalar(
            "SELECT d.account_id FROM trusted_device d JOIN account a ON a.id = d.account_id \
             WHERE d.token_hash = $1 AND a.disabled = 0",
        )
        .bind(token_hash)
        .fetch_optional(self.pool())
        .await
        .context(|| "reading a trusted device".into())
    }
}
