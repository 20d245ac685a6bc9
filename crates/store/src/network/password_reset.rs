//! Password reset: a one-use link sent to an account's address lets its holder choose a new
//! password.
//!
//! The link is a row of `email_link` (migration 0005) of purpose
//! [`LinkPurpose::PasswordReset`]: only the SHA-256 (hex) of its token is kept, it expires
//! (the web gives it an hour), and using it deletes it, whatever happens next. Its payload is
//! the account's id and the time its password was last set: a link works only while the
//! account still has that address, is enabled, and has not had its password set since the link
//! was made (a reset, or a change by the person or an administrator, makes every older link
//! useless; a reset also deletes the address's other reset links). A reset stores the new
//! argon2id hash (made by the caller: the store never sees a password), ends every session of
//! the account, and is audited as the account's own `password_reset` (without the hash), all in
//! one transaction.
//!
//! Asking for a link for an address with no enabled account stores nothing and says so only to
//! the caller (the web answers the same either way).

use std::time::{Duration, SystemTime};

use serde::Deserialize;
use sqlx::Row;

use super::members::LinkPurpose;
use super::write_error;
use crate::audit::record;
use crate::error::{Context, Result, StoreError};
use crate::time::utc_at;
use crate::{normalise_email, Actor, Store};

/// What a reset link carries.
#[derive(Deserialize)]
struct ResetPayload {
    account_id: i64,
    password_changed_at: String,
}

/// What using a reset link did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResetOutcome {
    /// The password is set and the account's sessions ended.
    Reset {
        /// The account's id.
        account_id: i64,
        /// Its address (where to tell the person that the password changed).
        email: String,
    },
    /// The link had expired (it is now deleted).
    Expired,
    /// No such link (never made, already used), or one that no longer applies: the account is
    /// gone, disabled, has another address, or its password was set since the link was made.
    Unknown,
}

impl Store {
    /// Stores a password-reset link for the enabled account of `email` (any case), by the
    /// SHA-256 (hex) of its token, valid for `lifetime`; whether there is such an account (when
    /// there is none, nothing is stored). Expired links of every address are purged in the same
    /// transaction.
    ///
    /// # Errors
    /// A hash taken, or a failed statement. An `email` that is not an address is no account.
    pub async fn create_password_reset(&self, email: &str, token_hash: &str, lifetime: Duration) -> Result<bool> {
        let what = "a password_reset link";
        let now = SystemTime::now();
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM email_link WHERE expires_at <= $1")
            .bind(utc_at(now))
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, what))?;
        let Ok(email) = normalise_email(email) else {
            tx.commit().await.context(|| format!("{what}: committing"))?;
            return Ok(false);
        };
        let row = sqlx::query("SELECT id, password_changed_at FROM account WHERE email = $1 AND disabled = 0")
            .bind(&email)
            .fetch_optional(&mut *tx)
            .await
            .context(|| format!("{what}: reading the account"))?;
        let Some(row) = row else {
            tx.commit().await.context(|| format!("{what}: committing"))?;
            return Ok(false);
        };
        let id: i64 = row.try_get(0).context(|| format!("{what}: reading the account"))?;
        let changed: String = row.try_get(1).context(|| format!("{what}: reading the account"))?;
        let payload = serde_json::json!({ "account_id": id, "password_changed_at": changed });
        sqlx::query(
            "INSERT INTO email_link (token_hash, purpose, email, payload, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(token_hash)
        .bind(LinkPurpose::PasswordReset.as_str())
        .bind(&email)
        .bind(payload.to_string())
        .bind(utc_at(now))
        .bind(utc_at(now + lifetime))
        .execute(&mut *tx)
        .await
        .map_err(|e| write_error(e, what))?;
        tx.commit().await.context(|| format!("{what}: committing"))?;
        Ok(true)
    }

    /// Whether the link of `purpose` whose token hashes to `token_hash` exists and has not
    /// expired at `now` (reads only: the link is not used).
    ///
    /// # Errors
    /// A failed query.
    pub async fn email_link_is_valid(&self, purpose: LinkPurpose, token_hash: &str, now: SystemTime) -> Result<bool> {
        let expires: Option<String> =
            sqlx::query_scalar("SELECT expires_at FROM email_link WHERE token_hash = $1 AND purpose = $2")
                .bind(token_hash)
                .bind(purpose.as_str())
                .fetch_optional(self.pool())
                .await
                .context(|| format!("reading a {} link", purpose.as_str()))?;
        Ok(expires.is_some_and(|e| e > utc_at(now)))
    }

    /// Uses the password-reset link whose token hashes to `token_hash` at time `now`: the link
    /// is deleted whatever it was; when it is valid and still applies (see the module's
    /// documentation), account's password hash becomes `password_hash` (an argon2id PHC
    /// string), its sessions and the address's other reset links are deleted, and the change is
    /// audited, in the same transaction.
    ///
    /// # Errors
    /// A hash that is not a PHC string, or a failed statement.
    pub async fn reset_password(&self, token_hash: &str, password_hash: &str, now: SystemTime) -> Result<ResetOutcome> {
        if !password_hash.starts_with('$') || password_hash.len() < 20 {
            return Err(StoreError::BadInput("the password hash: expected a PHC string ($argon2id$…)".into()));
        }
        let what = "a password reset";
        let purpose = LinkPurpose::PasswordReset.as_str();
        let mut tx = self.begin_write().await?;
        let row =
            sqlx::query("SELECT email, payload, expires_at FROM email_link WHERE token_hash = $1 AND purpose = $2")
                .bind(token_hash)
                .bind(purpose)
                .fetch_optional(&mut *tx)
                .await
                .context(|| format!("{what}: reading the link"))?;
        let Some(row) = row else { return Ok(ResetOutcome::Unknown) };
        sqlx::query("DELETE FROM email_link WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, what))?;
        let email: String = row.try_get(0).context(|| format!("{what}: reading the link"))?;
        let payload: String = row.try_get(1).context(|| format!("{what}: reading the link"))?;
        let expires_at: String = row.try_get(2).context(|| format!("{what}: reading the link"))?;
        if expires_at <= utc_at(now) {
            tx.commit().await.context(|| format!("{what}: committing"))?;
            return Ok(ResetOutcome::Expired);
        }
        let payload: ResetPayload = serde_json::from_str(&payload)
            .map_err(|e| StoreError::BadInput(format!("{what}: the link's payload: {e}")))?;
        let id = payload.account_id;
        let current = sqlx::query("SELECT email, password_changed_at FROM account WHERE id = $1 AND disabled = 0")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .context(|| format!("{what}: reading the account {id}"))?;
        let applies = match &current {
            Some(row) => {
                let address: String = row.try_get(0).context(|| format!("{what}: reading the account {id}"))?;
                let changed: String = row.try_get(1).context(|| format!("{what}: reading the account {id}"))?;
                address == email && changed == payload.password_changed_at
            }
            None => false,
        };
        if !applies {
            tx.commit().await.context(|| format!("{what}: committing"))?;
            return Ok(ResetOutcome::Unknown);
        }
        let changed_at = utc_at(now.max(SystemTime::now()));
        sqlx::query("UPDATE account SET password_hash = $2, password_changed_at = $3 WHERE id = $1")
            .bind(id)
            .bind(password_hash)
            .bind(&changed_at)
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, what))?;
        sqlx::query("DELETE FROM session WHERE account_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, what))?;
        sqlx::query("DELETE FROM email_link WHERE email = $1 AND purpose = $2")
            .bind(&email)
            .bind(purpose)
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, what))?;
        let before = serde_json::json!({ "password_changed_at": payload.password_changed_at });
        let after = serde_json::json!({ "password_changed_at": changed_at, "sessions_ended": true });
        record(&mut tx, &Actor::User(id), "account", &id.to_string(), "password_reset", Some(&before), Some(&after))
            .await?;
        tx.commit().await.context(|| format!("{what}: committing"))?;
        Ok(ResetOutcome::Reset { account_id: id, email })
    }
}
