//! Who changed what: the [`Actor`] every change names, and the audit rows written with it.

use serde::Serialize;
use sqlx::Row;

use crate::error::{Context, Result};
use crate::{utc_now, Store};

/// Who makes a change: a signed-in user, or the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    /// A user of the web application, by id.
    User(i64),
    /// The `fairer` command line.
    Cli,
}

impl Actor {
    /// The actor as written in the audit trail: `user:ID` or `cli`.
    pub fn label(&self) -> String {
        match self {
            Actor::User(id) => format!("user:{id}"),
            Actor::Cli => "cli".to_string(),
        }
    }
}

/// One change in the audit trail.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AuditEntry {
    /// Its id, increasing with time.
    pub id: i64,
    /// When, RFC 3339 UTC.
    pub at: String,
    /// Who ([`Actor::label`]).
    pub actor: String,
    /// The kind of thing changed ("place", "recommendation", "release", …).
    pub entity: String,
    /// Its id or name.
    pub entity_id: String,
    /// "create", "update", "delete" or "import".
    pub action: String,
    /// The thing before, as JSON; `None` when created.
    pub before: Option<serde_json::Value>,
    /// The thing after, as JSON; `None` when deleted.
    pub after: Option<serde_json::Value>,
}

/// Writes an audit row in `tx` (the transaction of the change itself, so that both or neither
/// are kept).
pub(crate) async fn record<B: Serialize, A: Serialize>(
    tx: &mut sqlx::AnyConnection,
    actor: &Actor,
    entity: &str,
    entity_id: &str,
    action: &str,
    before: Option<&B>,
    after: Option<&A>,
) -> Result<()> {
    let before = before.map(to_json).transpose()?;
    let after = after.map(to_json).transpose()?;
    sqlx::query(
        "INSERT INTO audit (at, actor, entity, entity_id, action, before, after) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(utc_now())
    .bind(actor.label())
    .bind(entity)
    .bind(entity_id)
    .bind(action)
    .bind(before)
    .bind(after)
    .execute(tx)
    .await
    .context(|| format!("recording the change to the {entity} {entity_id} in the audit trail"))?;
    Ok(())
}

/// `value` as JSON text.
fn to_json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| crate::StoreError::BadInput(format!("the audit record: {e}")))
}

impl Store {
    /// The audit trail, newest first: every change, or those to one `entity` (and one
    /// `entity_id`) when given, at most `limit` rows.
    ///
    /// # Errors
    /// A failed query.
    pub async fn audit_log(
        &self,
        entity: Option<&str>,
        entity_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT id, at, actor, entity, entity_id, action, before, after FROM audit \
             WHERE ($1 IS NULL OR entity = $1) AND ($2 IS NULL OR entity_id = $2) ORDER BY id DESC LIMIT $3",
        )
        .bind(entity)
        .bind(entity_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await
        .context(|| "reading the audit trail".into())?;
        let parse = |text: Option<String>| text.and_then(|t| serde_json::from_str(&t).ok());
        rows.iter()
            .map(|row| {
                Ok(AuditEntry {
                    id: row.try_get("id")?,
                    at: row.try_get("at")?,
                    actor: row.try_get("actor")?,
                    entity: row.try_get("entity")?,
                    entity_id: row.try_get("entity_id")?,
                    action: row.try_get("action")?,
                    before: parse(row.try_get("before")?),
                    after: parse(row.try_get("after")?),
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .context(|| "reading the audit trail".into())
    }
}
