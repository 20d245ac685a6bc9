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
    /// The id of the place the change belongs to (`None` for releases, organisations and
    /// accounts).
    pub place_id: Option<i64>,
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
    let thing = match (after, before) {
        _ if matches!(entity, "place" | "partner") => None,
        (Some(after), _) => Some(to_value(after)?),
        (None, Some(before)) => Some(to_value(before)?),
        (None, None) => None,
    };
    let place_id = place_of(entity, entity_id, thing.as_ref());
    let before = before.map(to_json).transpose()?;
    let after = after.map(to_json).transpose()?;
    sqlx::query(
        "INSERT INTO audit (at, actor, entity, entity_id, action, before, after, place_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(utc_now())
    .bind(actor.label())
    .bind(entity)
    .bind(entity_id)
    .bind(action)
    .bind(before)
    .bind(after)
    .bind(place_id)
    .execute(tx)
    .await
    .context(|| format!("recording the change to the {entity} {entity_id} in the audit trail"))?;
    Ok(())
}

/// `value` as JSON text.
fn to_json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| crate::StoreError::BadInput(format!("the audit record: {e}")))
}

/// `value` as JSON.
fn to_value<T: Serialize>(value: &T) -> Result<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| crate::StoreError::BadInput(format!("the audit record: {e}")))
}

/// The place a change belongs to: a place's own id, the place of a partner (`PLACE/ORG`), or
/// the `place_id` field of the thing changed (recommendations, targets, progress, …); `None`
/// for things of no place.
fn place_of(entity: &str, entity_id: &str, thing: Option<&serde_json::Value>) -> Option<i64> {
    match entity {
        "place" => entity_id.parse().ok(),
        "partner" => entity_id.split('/').next().and_then(|p| p.parse().ok()),
        _ => thing.and_then(|t| t.get("place_id")).and_then(serde_json::Value::as_i64),
    }
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
        let rows = sqlx::query(&format!(
            "SELECT {AUDIT_COLUMNS} FROM audit \
             WHERE ($1 IS NULL OR entity = $1) AND ($2 IS NULL OR entity_id = $2) ORDER BY id DESC LIMIT $3"
        ))
        .bind(entity)
        .bind(entity_id)
        .bind(limit)
        .fetch_all(self.pool())
        .await
        .context(|| "reading the audit trail".into())?;
        entries(&rows)
    }

    /// The audit trail of place `place_id` (the place itself, its partners, strategies,
    /// recommendations, targets, progress updates and evaluations), newest first, at most
    /// `limit` rows: one range of the index `audit_by_place`.
    ///
    /// # Errors
    /// A failed query.
    pub async fn audit_log_of_place(&self, place_id: i64, limit: i64) -> Result<Vec<AuditEntry>> {
        let rows =
            sqlx::query(&format!("SELECT {AUDIT_COLUMNS} FROM audit WHERE place_id = $1 ORDER BY id DESC LIMIT $2"))
                .bind(place_id)
                .bind(limit)
                .fetch_all(self.pool())
                .await
                .context(|| format!("reading the audit trail of the place {place_id}"))?;
        entries(&rows)
    }
}

/// The columns of an [`AuditEntry`].
const AUDIT_COLUMNS: &str = "id, at, actor, entity, entity_id, action, before, after, place_id";

/// Audit rows as entries.
fn entries(rows: &[sqlx::any::AnyRow]) -> Result<Vec<AuditEntry>> {
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
                place_id: row.try_get("place_id")?,
                before: parse(row.try_get("before")?),
                after: parse(row.try_get("after")?),
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .context(|| "reading the audit trail".into())
}
