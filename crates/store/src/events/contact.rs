//! Contact queries: a query filed through the contact form (topic, message, the sender's name
//! and address; the account when a member sends it signed in), acknowledged by e-mail (a
//! notice in the outbox, written in the same transaction), assigned to a staff member,
//! answered (each answer e-mailed) and closed, with the whole thread kept until the retention
//! job deletes closed queries ([`super::Retention`]). Staff actions are audited without the
//! text of the messages.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::{add_notice, write_error};
use crate::audit::record;
use crate::error::{Context, Result, StoreError};
use crate::{normalise_email, utc_now, Actor, Store};

/// The topics a query may be about.
pub const CONTACT_TOPICS: &[&str] = &["membership", "events", "publications", "data", "press", "other"];

/// The longest message, in characters.
pub const MESSAGE_MAX: usize = 5000;

/// A query as sent through the form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContactRequest {
    /// The member who sent it signed in, if any.
    pub account_id: Option<i64>,
    /// The sender's name.
    pub name: String,
    /// The sender's address (the acknowledgement and answers go there).
    pub email: String,
    /// One of [`CONTACT_TOPICS`].
    pub topic: String,
    /// The message (1 to [`MESSAGE_MAX`] characters).
    pub message: String,
}

/// A message of a query's thread.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ContactMessage {
    /// Its id.
    pub id: i64,
    /// Whether staff wrote it (an answer) rather than the sender.
    pub from_staff: bool,
    /// The staff member's name, for an answer.
    pub author_name: Option<String>,
    /// Its text.
    pub body: String,
    /// When, RFC 3339.
    pub created_at: String,
}

/// A query with its thread.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ContactQuery {
    /// Its id (the reference the sender is given).
    pub id: i64,
    /// The member who sent it, if signed in.
    pub account_id: Option<i64>,
    /// The sender's name.
    pub name: String,
    /// The sender's address.
    pub email: String,
    /// Its topic.
    pub topic: String,
    /// `open`, `assigned`, `answered` or `closed`.
    pub status: String,
    /// The staff member it is assigned to.
    pub assigned_to: Option<i64>,
    /// Their name.
    pub assigned_name: Option<String>,
    /// When it was sent.
    pub created_at: String,
    /// When it was closed.
    pub closed_at: Option<String>,
    /// Its thread, oldest first (empty in lists).
    pub messages: Vec<ContactMessage>,
}

const QUERY_COLUMNS: &str = "q.id, q.account_id, q.name, q.email, q.topic, q.status, q.assigned_to, \
     s.name AS assigned_name, q.created_at, q.closed_at";

fn query_of(row: &AnyRow) -> Result<ContactQuery> {
    (|| -> Result<ContactQuery, sqlx::Error> {
        Ok(ContactQuery {
            id: row.try_get("id")?,
            account_id: row.try_get("account_id")?,
            name: row.try_get("name")?,
            email: row.try_get("email")?,
            topic: row.try_get("topic")?,
            status: row.try_get("status")?,
            assigned_to: row.try_get("assigned_to")?,
            assigned_name: row.try_get("assigned_name")?,
            created_at: row.try_get("created_at")?,
            closed_at: row.try_get("closed_at")?,
            messages: Vec::new(),
        })
    })()
    .context(|| "reading a contact query".into())
}

async fn load_query(conn: &mut AnyConnection, id: i64) -> Result<Option<ContactQuery>> {
    let what = || format!("reading the contact query {id}");
    let row = sqlx::query(&format!(
        "SELECT {QUERY_COLUMNS} FROM contact_query q LEFT JOIN account s ON s.id = q.assigned_to WHERE q.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .context(what)?;
    let Some(row) = row else { return Ok(None) };
    let mut query = query_of(&row)?;
    let rows = sqlx::query(
        "SELECT m.id, m.from_staff, a.name, m.body, m.created_at FROM contact_message m \
         LEFT JOIN account a ON a.id = m.author_id WHERE m.query_id = $1 ORDER BY m.id",
    )
    .bind(id)
    .fetch_all(conn)
    .await
    .context(what)?;
    query.messages = rows
        .iter()
        .map(|r| {
            Ok(ContactMessage {
                id: r.try_get(0)?,
                from_staff: r.try_get::<i64, _>(1)? != 0,
                author_name: r.try_get(2)?,
                body: r.try_get(3)?,
                created_at: r.try_get(4)?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .context(what)?;
    Ok(Some(query))
}

/// What the audit keeps of a query: no name, address or text.
fn audit_view(query: &ContactQuery) -> serde_json::Value {
    serde_json::json!({ "id": query.id, "topic": query.topic, "status": query.status, "assigned_to": query.assigned_to })
}

/// Checks a message's text.
fn check_message(body: &str, what: &str) -> Result<()> {
    let length = body.trim().chars().count();
    if length == 0 || length > MESSAGE_MAX {
        return Err(StoreError::BadInput(format!("{what}: the field message: expected 1 to {MESSAGE_MAX} characters")));
    }
    Ok(())
}

impl Store {
    /// Files a query from the contact form, with its first message and the acknowledgement owed
    /// (a `contact_ack` notice), in one transaction.
    ///
    /// # Errors
    /// An empty or long name, an address that is not one, an unknown topic, an empty or long
    /// message (each named), a failed statement.
    pub async fn file_contact_query(&self, request: &ContactRequest) -> Result<ContactQuery> {
        let what = "the contact query";
        let name = request.name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(StoreError::BadInput(format!("{what}: the field name: expected 1 to 200 characters")));
        }
        let email = normalise_email(&request.email).map_err(|e| StoreError::BadInput(format!("{what}: {e}")))?;
        if !CONTACT_TOPICS.contains(&request.topic.as_str()) {
            return Err(StoreError::BadInput(format!(
                "{what}: the field topic: expected {}",
                CONTACT_TOPICS.join(", ")
            )));
        }
        check_message(&request.message, what)?;
        let now = utc_now();
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO contact_query (account_id, name, email, topic, status, created_at) \
             VALUES ($1, $2, $3, $4, 'open', $5) RETURNING id",
        )
        .bind(request.account_id)
        .bind(name)
        .bind(&email)
        .bind(&request.topic)
        .bind(&now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| write_error(e, what))?;
        sqlx::query(
            "INSERT INTO contact_message (query_id, from_staff, author_id, body, created_at) VALUES ($1, 0, NULL, $2, $3)",
        )
        .bind(id)
        .bind(request.message.trim())
        .bind(&now)
        .execute(&mut *tx)
        .await
        .map_err(|e| write_error(e, what))?;
        add_notice(&mut tx, "contact_ack", id, &email).await?;
        let query = load_query(&mut tx, id).await?.ok_or_else(|| StoreError::NotFound(format!("the query {id}")))?;
        tx.commit().await.context(|| format!("{what}: committing"))?;
        Ok(query)
    }

    /// Query `id` with its thread, `None` when there is none (or it was deleted).
    ///
    /// # Errors
    /// A failed query.
    pub async fn contact_query(&self, id: i64) -> Result<Option<ContactQuery>> {
        let mut conn = self.pool().acquire().await.context(|| "reading a contact query".into())?;
        load_query(&mut conn, id).await
    }

    /// Every query (without threads) of `status` (all when `None`), the newest first: the
    /// staff's list.
    ///
    /// # Errors
    /// A failed query.
    pub async fn contact_queries(&self, status: Option<&str>) -> Result<Vec<ContactQuery>> {
        let rows = sqlx::query(&format!(
            "SELECT {QUERY_COLUMNS} FROM contact_query q LEFT JOIN account s ON s.id = q.assigned_to \
             WHERE ($1 IS NULL OR q.status = $1) ORDER BY q.id DESC LIMIT 500"
        ))
        .bind(status)
        .fetch_all(self.pool())
        .await
        .context(|| "reading the contact queries".into())?;
        rows.iter().map(query_of).collect()
    }

    /// The queries member `account_id` sent signed in, with their threads, the newest first
    /// (theirs only).
    ///
    /// # Errors
    /// A failed query.
    pub async fn contact_queries_of(&self, account_id: i64) -> Result<Vec<ContactQuery>> {
        let mut conn = self.pool().acquire().await.context(|| "reading contact queries".into())?;
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM contact_query WHERE account_id = $1 ORDER BY id DESC LIMIT 100")
                .bind(account_id)
                .fetch_all(&mut *conn)
                .await
                .context(|| format!("reading the contact queries of the account {account_id}"))?;
        let mut queries = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(query) = load_query(&mut conn, id).await? {
                queries.push(query);
            }
        }
        Ok(queries)
    }

    /// Assigns query `id` to staff member `staff_id` (none: unassigned, open again). Audited.
    ///
    /// # Errors
    /// An unknown query or account, a closed query, a failed statement.
    pub async fn assign_contact_query(&self, actor: &Actor, id: i64, staff_id: Option<i64>) -> Result<ContactQuery> {
        let what = format!("assigning the contact query {id}");
        let mut tx = self.begin_write().await?;
        let before = load_query(&mut tx, id).await?.ok_or_else(|| StoreError::NotFound(format!("the query {id}")))?;
        if before.status == "closed" {
            return Err(StoreError::Conflict(format!("{what}: it is closed")));
        }
        let status = match (staff_id, before.status.as_str()) {
            (_, "answered") => "answered",
            (Some(_), _) => "assigned",
            (None, _) => "open",
        };
        sqlx::query("UPDATE contact_query SET assigned_to = $2, status = $3 WHERE id = $1")
            .bind(id)
            .bind(staff_id)
            .bind(status)
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, &what))?;
        let after = load_query(&mut tx, id).await?.ok_or_else(|| StoreError::NotFound(what.clone()))?;
        record(
            &mut tx,
            actor,
            "contact_query",
            &id.to_string(),
            "assign",
            Some(&audit_view(&before)),
            Some(&audit_view(&after)),
        )
        .await?;
        tx.commit().await.context(|| format!("{what}: committing"))?;
        Ok(after)
    }

    /// Staff member `staff_id` answers query `id`: the answer joins the thread, the query is
    /// `answered`, and the answer is owed by e-mail (a `contact_answer` notice). Audited
    /// without the text.
    ///
    /// # Errors
    /// An unknown query, a closed one, an empty or long answer, a failed statement.
    pub async fn answer_contact_query(&self, staff_id: i64, id: i64, body: &str) -> Result<ContactQuery> {
        let what = format!("answering the contact query {id}");
        check_message(body, &what)?;
        let mut tx = self.begin_write().await?;
        let before = load_query(&mut tx, id).await?.ok_or_else(|| StoreError::NotFound(format!("the query {id}")))?;
        if before.status == "closed" {
            return Err(StoreError::Conflict(format!("{what}: it is closed")));
        }
        let message: i64 = sqlx::query_scalar(
            "INSERT INTO contact_message (query_id, from_staff, author_id, body, created_at) \
             VALUES ($1, 1, $2, $3, $4) RETURNING id",
        )
        .bind(id)
        .bind(staff_id)
        .bind(body.trim())
        .bind(utc_now())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| write_error(e, &what))?;
        sqlx::query(
            "UPDATE contact_query SET status = 'answered', assigned_to = COALESCE(assigned_to, $2) WHERE id = $1",
        )
        .bind(id)
        .bind(staff_id)
        .execute(&mut *tx)
        .await
        .map_err(|e| write_error(e, &what))?;
        add_notice(&mut tx, "contact_answer", message, &before.email).await?;
        let after = load_query(&mut tx, id).await?.ok_or_else(|| StoreError::NotFound(what.clone()))?;
        record(
            &mut tx,
            &Actor::User(staff_id),
            "contact_query",
            &id.to_string(),
            "answer",
            Some(&audit_view(&before)),
            Some(&audit_view(&after)),
        )
        .await?;
        tx.commit().await.context(|| format!("{what}: committing"))?;
        Ok(after)
    }

    /// Closes query `id` (its thread kept until the retention job deletes it). Audited.
    ///
    /// # Errors
    /// An unknown query, a failed statement.
    pub async fn close_contact_query(&self, actor: &Actor, id: i64) -> Result<ContactQuery> {
        let what = format!("closing the contact query {id}");
        let mut tx = self.begin_write().await?;
        let before = load_query(&mut tx, id).await?.ok_or_else(|| StoreError::NotFound(format!("the query {id}")))?;
        sqlx::query("UPDATE contact_query SET status = 'closed', closed_at = COALESCE(closed_at, $2) WHERE id = $1")
            .bind(id)
            .bind(utc_now())
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, &what))?;
        let after = load_query(&mut tx, id).await?.ok_or_else(|| StoreError::NotFound(what.clone()))?;
        record(
            &mut tx,
            actor,
            "contact_query",
            &id.to_string(),
            "close",
            Some(&audit_view(&before)),
            Some(&audit_view(&after)),
        )
        .await?;
        tx.commit().await.context(|| format!("{what}: committing"))?;
        Ok(after)
    }

    /// The message `id` of a thread with its query's id (for a `contact_answer` notice).
    ///
    /// # Errors
    /// An unknown message, a failed query.
    pub async fn contact_message(&self, id: i64) -> Result<(i64, ContactMessage)> {
        let row = sqlx::query(
            "SELECT m.query_id, m.id, m.from_staff, a.name, m.body, m.created_at FROM contact_message m \
             LEFT JOIN account a ON a.id = m.author_id WHERE m.id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await
        .context(|| format!("reading the message {id}"))?
        .ok_or_else(|| StoreError::NotFound(format!("the message {id}")))?;
        (|| -> Result<(i64, ContactMessage), sqlx::Error> {
            Ok((
                row.try_get(0)?,
                ContactMessage {
                    id: row.try_get(1)?,
                    from_staff: row.try_get::<i64, _>(2)? != 0,
                    author_name: row.try_get(3)?,
                    body: row.try_get(4)?,
                    created_at: row.try_get(5)?,
                },
            ))
        })()
        .context(|| format!("reading the message {id}"))
    }
}
