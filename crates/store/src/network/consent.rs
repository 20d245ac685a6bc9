//! Data rights: the consent ledger (what a person agreed to or withdrew, the words shown, when
//! and how), a member's export of everything held about them, and erasure.
//!
//! **Export** ([`Store::export_member`]): every row that the member's account id, their
//! address or their subscriptions touch — the account (without its password hash), roles,
//! sessions and trusted devices (when made and until when, without their token hashes), the
//! profile with its places and themes, pending e-mail links (without the password hash they
//! carry), subscriptions, deliveries, bounces and complaints, the consent ledger, the audit
//! rows about them or by them, event registrations and facilitated sessions, contact queries
//! sent from the account or the address with their threads (and, for staff, the queries
//! assigned to them without the sender's name and address, and the answers they wrote), the
//! outbox's e-mails to the address, bylines linked to the account, and the releases the account
//! imported — table by table, each row with every column (secrets left out), as JSON.
//!
//! **Erasure** ([`Store::erase_member`]), in one transaction: the rows that exist only for the
//! person are deleted (roles, sessions, devices, profile, places, themes, links,
//! subscriptions with their deliveries and bounces, contact queries sent from the address with
//! their threads, the outbox's e-mails to it, and the tables of [`PERSONAL_TABLES`]); bylines
//! linked to the account have the name replaced by `[erased]`; the
//! account row is kept, anonymised (address `erased-ID@erased.invalid`, name [`ERASED_NAME`],
//! no password, disabled), so that the audit trail's `user:ID` still names someone; in the
//! audit trail, the person's address and name are replaced by `[erased]` wherever they occur
//! (in their own rows, within any text; elsewhere, wherever a value is exactly one of them).
//! The consent ledger names people only as `account:ID` or `subscriber:ID` and is kept.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Column, Row};

use super::write_error;
use crate::audit::record;
use crate::error::{Context, Result, StoreError};
use crate::{utc_now, Actor, Store};

/// The name an erased account keeps.
pub const ERASED_NAME: &str = "Erased member";

/// What replaces a person's address and name in the audit trail.
pub const ERASED: &str = "[erased]";

/// Further tables that hold rows of one account, by the column holding its id (table, column):
/// exported whole and deleted on erasure. Tables of other parts of the network that key
/// personal rows by account add themselves here.
pub const PERSONAL_TABLES: &[(&str, &str)] = &[
    // Events (events helper): registrations with their needs, facilitated sessions, the
    // queries sent signed in (their threads go with them).
    ("registration", "account_id"),
    ("session_facilitator", "account_id"),
    ("contact_query", "account_id"),
];

/// One row of the consent ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConsentRecord {
    /// `account:ID` or `subscriber:ID`.
    pub subject: String,
    /// `membership`, `directory` or `newsletter`.
    pub purpose: String,
    /// Agreed (`true`) or withdrawn.
    pub granted: bool,
    /// The words shown.
    pub wording: String,
    /// How: the form or link.
    pub method: String,
    /// When, RFC 3339 UTC.
    pub recorded_at: String,
}

/// Everything held about a member, table by table (each row with its columns), as exported.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Export {
    /// When the export was made.
    pub generated_at: String,
    /// The account's id.
    pub account_id: i64,
    /// The address the export was made for.
    pub email: String,
    /// Per table, the rows that the account, its address or its subscriptions touch.
    pub tables: BTreeMap<String, Vec<serde_json::Map<String, serde_json::Value>>>,
}

/// A row as a JSON object of every column but `secret` ones (integers, reals, text or null).
fn row_json(row: &AnyRow, secret: &[&str]) -> serde_json::Map<String, serde_json::Value> {
    let mut out = serde_json::Map::new();
    for (i, column) in row.columns().iter().enumerate() {
        let name = column.name();
        if secret.contains(&name) {
            continue;
        }
        let value = if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
            v.map(serde_json::Value::from).unwrap_or(serde_json::Value::Null)
        } else if let Ok(v) = row.try_get::<Option<f64>, _>(i) {
            v.map(serde_json::Value::from).unwrap_or(serde_json::Value::Null)
        } else if let Ok(v) = row.try_get::<Option<String>, _>(i) {
            v.map(serde_json::Value::from).unwrap_or(serde_json::Value::Null)
        } else if let Ok(v) = row.try_get::<Option<bool>, _>(i) {
            v.map(serde_json::Value::from).unwrap_or(serde_json::Value::Null)
        } else {
            serde_json::Value::Null
        };
        out.insert(name.to_string(), value);
    }
    out
}

/// A consent row (subject, purpose, granted, wording, method, recorded_at).
fn consent_of(r: &AnyRow) -> Result<ConsentRecord, sqlx::Error> {
    Ok(ConsentRecord {
        subject: r.try_get(0)?,
        purpose: r.try_get(1)?,
        granted: r.try_get::<i64, _>(2)? != 0,
        wording: r.try_get(3)?,
        method: r.try_get(4)?,
        recorded_at: r.try_get(5)?,
    })
}

/// The subscriber ids of account `id` or address `email`.
async fn subscriber_ids(conn: &mut AnyConnection, id: i64, email: &str) -> Result<Vec<i64>> {
    sqlx::query_scalar("SELECT id FROM subscriber WHERE account_id = $1 OR email = $2 ORDER BY id")
        .bind(id)
        .bind(email)
        .fetch_all(conn)
        .await
        .context(|| format!("reading the subscriptions of the account {id}"))
}

/// `ids` as an SQL list (`-1` when empty, which matches nothing).
fn id_list(ids: &[i64]) -> String {
    if ids.is_empty() {
        "-1".to_string()
    } else {
        ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
    }
}

/// The consent subjects of account `id` and its subscriptions, as an SQL list of strings.
fn subject_list(id: i64, subscribers: &[i64]) -> String {
    std::iter::once(format!("'account:{id}'"))
        .chain(subscribers.iter().map(|s| format!("'subscriber:{s}'")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The audit rows about account `id` or its subscriptions, or by it.
fn audit_filter(id: i64, subscribers: &[i64]) -> String {
    let subs = subscribers.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", ");
    let subs = if subs.is_empty() { "''".to_string() } else { subs };
    format!(
        "(entity IN ('account', 'member') AND entity_id = '{id}') OR (entity = 'subscriber' AND entity_id IN ({subs})) \
         OR actor = 'user:{id}'"
    )
}

/// `value` with every string equal to one of `exact`, and every occurrence of one of
/// `within` inside a string, replaced by [`ERASED`].
fn redact(value: &mut serde_json::Value, exact: &[String], within: &[String]) {
    match value {
        serde_json::Value::String(s) => {
            if exact.iter().any(|e| !e.is_empty() && s.eq_ignore_ascii_case(e)) {
                *s = ERASED.to_string();
                return;
            }
            for w in within.iter().filter(|w| !w.is_empty()) {
                if let Some(replaced) = replace_ignoring_case(s, w) {
                    *s = replaced;
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| redact(v, exact, within)),
        serde_json::Value::Object(map) => map.values_mut().for_each(|v| redact(v, exact, within)),
        _ => {}
    }
}

/// `text` with every occurrence of `needle` (any case) replaced by [`ERASED`], `None` when there
/// is none.
fn replace_ignoring_case(text: &str, needle: &str) -> Option<String> {
    let lower = text.to_lowercase();
    let needle = needle.to_lowercase();
    // Lower-casing can change lengths outside ASCII: only replace when it did not.
    if lower.len() != text.len() || !lower.contains(&needle) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    for (at, _) in lower.match_indices(&needle) {
        if at < rest {
            continue;
        }
        out.push_str(&text[rest..at]);
        out.push_str(ERASED);
        rest = at + needle.len();
    }
    out.push_str(&text[rest..]);
    Some(out)
}

impl Store {
    /// The consent ledger of account `id` and its subscriptions, oldest first.
    ///
    /// # Errors
    /// A failed query.
    pub async fn consents(&self, id: i64) -> Result<Vec<ConsentRecord>> {
        let mut conn = self.pool().acquire().await.context(|| format!("reading the consents of {id}"))?;
        let email: Option<String> = sqlx::query_scalar("SELECT email FROM account WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await
            .context(|| format!("reading the account {id}"))?;
        let subscribers = subscriber_ids(&mut conn, id, email.as_deref().unwrap_or("")).await?;
        let rows = sqlx::query(&format!(
            "SELECT subject, purpose, granted, wording, method, recorded_at FROM consent \
             WHERE subject IN ({}) ORDER BY id",
            subject_list(id, &subscribers)
        ))
        .fetch_all(&mut *conn)
        .await
        .context(|| format!("reading the consents of the account {id}"))?;
        rows.iter()
            .map(consent_of)
            .collect::<Result<_, sqlx::Error>>()
            .context(|| format!("reading the consents of the account {id}"))
    }

    /// The consent ledger of subscriber `id` (a subscriber without an account), oldest first.
    ///
    /// # Errors
    /// A failed query.
    pub async fn consents_of_subscriber(&self, id: i64) -> Result<Vec<ConsentRecord>> {
        let rows = sqlx::query(
            "SELECT subject, purpose, granted, wording, method, recorded_at FROM consent WHERE subject = $1 ORDER BY id",
        )
        .bind(format!("subscriber:{id}"))
        .fetch_all(self.pool())
        .await
        .context(|| format!("reading the consents of the subscriber {id}"))?;
        rows.iter()
            .map(consent_of)
            .collect::<Result<_, sqlx::Error>>()
            .context(|| format!("reading the consents of the subscriber {id}"))
    }

    /// Everything held about account `id` (see the module's documentation), read in one
    /// transaction so that the tables agree.
    ///
    /// # Errors
    /// An unknown account, or a failed query.
    pub async fn export_member(&self, id: i64) -> Result<Export> {
        let what = format!("exporting the account {id}");
        let mut tx = self.pool().begin().await.context(|| what.clone())?;
        let email: String = sqlx::query_scalar("SELECT email FROM account WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .context(|| what.clone())?
            .ok_or_else(|| StoreError::NotFound(format!("the account {id}")))?;
        let subscribers = subscriber_ids(&mut tx, id, &email).await?;
        let subs = id_list(&subscribers);
        let esc = email.replace('\'', "''");
        let mut queries: Vec<(&str, String, &[&str])> = vec![
            ("account", format!("SELECT * FROM account WHERE id = {id}"), &["password_hash"]),
            ("account_role", format!("SELECT * FROM account_role WHERE account_id = {id}"), &[]),
            ("session", format!("SELECT * FROM session WHERE account_id = {id}"), &["token_hash", "csrf_token"]),
            ("trusted_device", format!("SELECT * FROM trusted_device WHERE account_id = {id}"), &["token_hash"]),
            ("member", format!("SELECT * FROM member WHERE account_id = {id}"), &[]),
            ("member_place", format!("SELECT * FROM member_place WHERE account_id = {id}"), &[]),
            ("member_theme", format!("SELECT * FROM member_theme WHERE account_id = {id}"), &[]),
            ("email_link", format!("SELECT * FROM email_link WHERE email = '{esc}'"), &["token_hash"]),
            ("subscriber", format!("SELECT * FROM subscriber WHERE id IN ({subs})"), &["unsubscribe_token"]),
            ("newsletter_delivery", format!("SELECT * FROM newsletter_delivery WHERE subscriber_id IN ({subs})"), &[]),
            ("mail_event", format!("SELECT * FROM mail_event WHERE subscriber_id IN ({subs})"), &[]),
            (
                "consent",
                format!("SELECT * FROM consent WHERE subject IN ({}) ORDER BY id", subject_list(id, &subscribers)),
                &[],
            ),
            ("audit", format!("SELECT * FROM audit WHERE {} ORDER BY id", audit_filter(id, &subscribers)), &[]),
        ];
        // Events and contact (migration 0006): queries sent from the account or the address, or
        // assigned to the account (staff), with their threads (the messages of the person's own
        // queries, and the answers the person wrote as staff); the outbox's e-mails to the
        // address; bylines linked to the account. Releases (migration 0001) the account imported.
        let own_queries = format!("account_id = {id} OR email = '{esc}'");
        queries.extend([
            (
                "contact_query",
                format!("SELECT * FROM contact_query WHERE {own_queries} OR assigned_to = {id} ORDER BY id"),
                &[][..],
            ),
            (
                "contact_message",
                format!(
                    "SELECT * FROM contact_message WHERE query_id IN (SELECT id FROM contact_query WHERE {own_queries}) \
                     OR author_id = {id} ORDER BY id"
                ),
                &[],
            ),
            ("notice", format!("SELECT * FROM notice WHERE recipient = '{esc}' ORDER BY id"), &[]),
            ("publication_author", format!("SELECT * FROM publication_author WHERE account_id = {id}"), &[]),
            (
                "release",
                format!(
                    "SELECT id, name, released_on, imported_at, imported_by FROM release \
                     WHERE imported_by = 'user:{id}' ORDER BY id"
                ),
                &[],
            ),
        ]);
        for (table, column) in PERSONAL_TABLES {
            if !queries.iter().any(|(t, _, _)| t == table) {
                queries.push((table, format!("SELECT * FROM {table} WHERE {column} = {id}"), &[]));
            }
        }
        let mut tables = BTreeMap::new();
        for (table, sql, secret) in queries {
            let rows = sqlx::query(&sql).fetch_all(&mut *tx).await.context(|| format!("{what}: reading {table}"))?;
            let mut rows: Vec<_> = rows.iter().map(|r| row_json(r, secret)).collect();
            if table == "email_link" {
                // The payload of a join link carries the password's hash: not exported.
                for row in &mut rows {
                    if let Some(serde_json::Value::String(payload)) = row.get("payload") {
                        if let Ok(mut value) = serde_json::from_str::<serde_json::Value>(payload) {
                            if let Some(map) = value.as_object_mut() {
                                map.remove("password_hash");
                            }
                            row.insert("payload".into(), value);
                        }
                    }
                }
            }
            if table == "contact_query" {
                // A query only assigned to the person (as staff) is someone else's: its sender's
                // name and address are theirs, not exported.
                for row in &mut rows {
                    let sent_by_them = row.get("account_id").and_then(serde_json::Value::as_i64) == Some(id)
                        || row.get("email").and_then(serde_json::Value::as_str) == Some(email.as_str());
                    if !sent_by_them {
                        row.remove("name");
                        row.remove("email");
                    }
                }
            }
            tables.insert(table.to_string(), rows);
        }
        tx.commit().await.context(|| what.clone())?;
        Ok(Export { generated_at: utc_now(), account_id: id, email, tables })
    }

    /// Erases account `id` at its own request or by staff (`actor`): see the module's
    /// documentation. Audited as `erase` (with no personal data). Erasing an erased account
    /// changes nothing.
    ///
    /// # Errors
    /// An unknown account, or a failed statement.
    pub async fn erase_member(&self, actor: &Actor, id: i64) -> Result<()> {
        let what = format!("erasing the account {id}");
        let mut tx = self.begin_write().await?;
        let row = sqlx::query("SELECT email, name FROM account WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .context(|| what.clone())?
            .ok_or_else(|| StoreError::NotFound(format!("the account {id}")))?;
        let email: String = row.try_get(0).context(|| what.clone())?;
        let name: String = row.try_get(1).context(|| what.clone())?;
        let erased_email = format!("erased-{id}@erased.invalid");
        if email == erased_email {
            return Ok(());
        }
        let subscribers = subscriber_ids(&mut tx, id, &email).await?;
        let subs = id_list(&subscribers);
        // The audit rows to clean: those about or by the person (any occurrence of their
        // address or name), and any other naming their address or name exactly.
        let own = audit_filter(id, &subscribers);
        let rows = sqlx::query(&format!(
            "SELECT id, before, after, CASE WHEN {own} THEN 1 ELSE 0 END AS own FROM audit \
             WHERE ({own}) OR before LIKE $1 OR after LIKE $1 OR before LIKE $2 OR after LIKE $2"
        ))
        .bind(format!("%{email}%"))
        .bind(format!("%{name}%"))
        .fetch_all(&mut *tx)
        .await
        .context(|| format!("{what}: reading the audit trail"))?;
        let who = vec![email.clone(), name.clone()];
        for row in &rows {
            let audit_id: i64 = row.try_get(0).context(|| what.clone())?;
            let own: i64 = row.try_get(3).context(|| what.clone())?;
            let within: &[String] = if own == 1 { &who } else { &[] };
            let mut texts: Vec<Option<String>> = Vec::with_capacity(2);
            for column in [1, 2] {
                let text: Option<String> = row.try_get(column).context(|| what.clone())?;
                texts.push(text.map(|t| match serde_json::from_str::<serde_json::Value>(&t) {
                    Ok(mut value) => {
                        redact(&mut value, &who, within);
                        value.to_string()
                    }
                    Err(_) => ERASED.to_string(),
                }));
            }
            sqlx::query("UPDATE audit SET before = $2, after = $3 WHERE id = $1")
                .bind(audit_id)
                .bind(&texts[0])
                .bind(&texts[1])
                .execute(&mut *tx)
                .await
                .map_err(|e| write_error(e, &what))?;
        }
        let mut deletes = vec![
            format!("DELETE FROM session WHERE account_id = {id}"),
            format!("DELETE FROM trusted_device WHERE account_id = {id}"),
            format!("DELETE FROM account_role WHERE account_id = {id}"),
            format!("DELETE FROM member_place WHERE account_id = {id}"),
            format!("DELETE FROM member_theme WHERE account_id = {id}"),
            format!("DELETE FROM member WHERE account_id = {id}"),
            format!("DELETE FROM newsletter_delivery WHERE subscriber_id IN ({subs})"),
            format!("DELETE FROM mail_event WHERE subscriber_id IN ({subs})"),
            format!("DELETE FROM subscriber WHERE id IN ({subs})"),
        ];
        for (table, column) in PERSONAL_TABLES {
            deletes.push(format!("DELETE FROM {table} WHERE {column} = {id}"));
        }
        for sql in &deletes {
            sqlx::query(sql).execute(&mut *tx).await.map_err(|e| write_error(e, &what))?;
        }
        sqlx::query("DELETE FROM email_link WHERE email = $1")
            .bind(&email)
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, &what))?;
        // Bylines linked to the account: the name replaced, the publications' author lists
        // (and with them the search index) rewritten, the link removed.
        let bylines: Vec<i64> =
            sqlx::query_scalar("SELECT DISTINCT publication_id FROM publication_author WHERE account_id = $1")
                .bind(id)
                .fetch_all(&mut *tx)
                .await
                .context(|| format!("{what}: reading the bylines"))?;
        sqlx::query("UPDATE publication_author SET name = $2, account_id = NULL WHERE account_id = $1")
            .bind(id)
            .bind(ERASED)
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, &what))?;
        for publication in bylines {
            let names: Vec<String> =
                sqlx::query_scalar("SELECT name FROM publication_author WHERE publication_id = $1 ORDER BY position")
                    .bind(publication)
                    .fetch_all(&mut *tx)
                    .await
                    .context(|| format!("{what}: reading the bylines"))?;
            sqlx::query("UPDATE publication SET authors_text = $2 WHERE id = $1")
                .bind(publication)
                .bind(names.join(", "))
                .execute(&mut *tx)
                .await
                .map_err(|e| write_error(e, &what))?;
        }
        // Events (events helper): queries sent signed out from the address (their threads go
        // with them), and the outbox's records of e-mails to it.
        for sql in ["DELETE FROM contact_query WHERE email = $1", "DELETE FROM notice WHERE recipient = $1"] {
            sqlx::query(sql).bind(&email).execute(&mut *tx).await.map_err(|e| write_error(e, &what))?;
        }
        sqlx::query("UPDATE account SET email = $2, name = $3, password_hash = '$erased$', disabled = 1 WHERE id = $1")
            .bind(id)
            .bind(&erased_email)
            .bind(ERASED_NAME)
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, &what))?;
        let after = serde_json::json!({ "erased": true, "subscriptions_deleted": subscribers.len() });
        record::<(), _>(&mut tx, actor, "account", &id.to_string(), "erase", None, Some(&after)).await?;
        tx.commit().await.context(|| format!("{what}: committing"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction() {
        let mut v = serde_json::json!({"name": "Ann Lee", "email": "ann@x.org", "note": "from ANN@X.ORG today", "n": 3,
            "list": ["Ann Lee", "Annual"]});
        redact(&mut v, &["ann@x.org".into(), "Ann Lee".into()], &[]);
        assert_eq!(v["name"], "[erased]");
        assert_eq!(v["email"], "[erased]");
        assert_eq!(v["note"], "from ANN@X.ORG today");
        assert_eq!(v["list"][1], "Annual");
        redact(&mut v, &[], &["ann@x.org".into()]);
        assert_eq!(v["note"], "from [erased] today");
        assert_eq!(replace_ignoring_case("a b a", "A"), Some("[erased] b [erased]".into()));
        assert_eq!(replace_ignoring_case("abc", "d"), None);
    }
}
