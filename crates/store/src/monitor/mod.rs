//! The monitoring of places: create, read, update, delete and list organisations, places and
//! their partners, strategies, recommendations (with their status history), targets, progress
//! updates and evaluations. Every change takes an [`Actor`] and writes its audit row in its own
//! transaction.

mod types;

pub use types::*;

use std::collections::HashMap;

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::AnyConnection;
use sqlx::{Any, Row, Transaction};

use crate::audit::record;
use crate::error::{Context, Result, StoreError};
use crate::{Actor, Store};

/// A write error: a unique key or foreign key violation as a conflict named by `what`, any
/// other as a database error.
fn write_error(error: sqlx::Error, what: &str) -> StoreError {
    match &error {
        sqlx::Error::Database(e) if e.is_unique_violation() => StoreError::Conflict(format!("{what}: already exists")),
        sqlx::Error::Database(e) if e.is_foreign_key_violation() => {
            StoreError::Conflict(format!("{what}: other records still refer to it"))
        }
        _ => StoreError::Database { context: what.to_string(), source: error },
    }
}

/// Commits `tx`.
async fn commit(tx: Transaction<'static, Any>, what: &str) -> Result<()> {
    tx.commit().await.context(|| format!("{what}: committing"))
}

/// Reads one row of a query's result, `None` when there is none.
async fn one<'q>(
    conn: &mut AnyConnection,
    query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>,
    what: &str,
) -> Result<Option<AnyRow>> {
    query.fetch_optional(conn).await.context(|| format!("reading {what}"))
}

/// The values of a single text column.
async fn texts(conn: &mut AnyConnection, sql: &str, id: i64, what: &str) -> Result<Vec<String>> {
    sqlx::query_scalar(sql).bind(id).fetch_all(conn).await.context(|| format!("reading {what}"))
}

/// `error` in the context of reading `what`.
fn read(what: &str) -> impl FnOnce() -> String + '_ {
    move || format!("reading {what}")
}

/// The id of the organisation named `name`.
async fn organisation_id(conn: &mut AnyConnection, name: &str) -> Result<i64> {
    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM organisation WHERE name = $1")
        .bind(name)
        .fetch_optional(conn)
        .await
        .context(read("an organisation"))?;
    id.ok_or_else(|| StoreError::NotFound(format!("the organisation \"{name}\"")))
}

fn organisation_of(row: &AnyRow) -> Result<Organisation, sqlx::Error> {
    Ok(Organisation {
        id: row.try_get("id")?,
        fields: OrganisationFields { name: row.try_get("name")?, sector: row.try_get("sector")? },
    })
}

async fn load_organisation(conn: &mut AnyConnection, id: i64) -> Result<Option<Organisation>> {
    let row =
        one(conn, sqlx::query("SELECT id, name, sector FROM organisation WHERE id = $1").bind(id), "an organisation")
            .await?;
    row.as_ref().map(organisation_of).transpose().context(read("an organisation"))
}

const PLACE_COLUMNS: &str = "id, slug, name, kind, area_code, benchmark_code, stage, commissioned_on, \
    report_published_on, implementing_from, evaluated_on, synthetic, description";

async fn place_of(conn: &mut AnyConnection, row: &AnyRow) -> Result<Place> {
    let place = (|| -> Result<Place, sqlx::Error> {
        Ok(Place {
            id: row.try_get("id")?,
            fields: PlaceFields {
                slug: row.try_get("slug")?,
                name: row.try_get("name")?,
                kind: row.try_get("kind")?,
                area_code: row.try_get("area_code")?,
                covers: Vec::new(),
                benchmark_code: row.try_get("benchmark_code")?,
                stage: row.try_get("stage")?,
                commissioned_on: row.try_get("commissioned_on")?,
                report_published_on: row.try_get("report_published_on")?,
                implementing_from: row.try_get("implementing_from")?,
                evaluated_on: row.try_get("evaluated_on")?,
                synthetic: row.try_get::<i64, _>("synthetic")? != 0,
                description: row.try_get("description")?,
            },
        })
    })()
    .context(read("a place"))?;
    let covers = texts(
        conn,
        "SELECT area_code FROM place_area WHERE place_id = $1 ORDER BY area_code",
        place.id,
        "a place's areas",
    )
    .await?;
    Ok(Place { fields: PlaceFields { covers, ..place.fields }, ..place })
}

async fn load_place(conn: &mut AnyConnection, id: i64) -> Result<Option<Place>> {
    let sql = format!("SELECT {PLACE_COLUMNS} FROM place WHERE id = $1");
    match one(conn, sqlx::query(&sql).bind(id), "a place").await? {
        Some(row) => Ok(Some(place_of(conn, &row).await?)),
        None => Ok(None),
    }
}

async fn save_covers(conn: &mut AnyConnection, place: i64, covers: &[String]) -> Result<()> {
    sqlx::query("DELETE FROM place_area WHERE place_id = $1")
        .bind(place)
        .execute(&mut *conn)
        .await
        .context(|| "replacing a place's areas".into())?;
    for code in covers {
        sqlx::query("INSERT INTO place_area (place_id, area_code) VALUES ($1, $2)")
            .bind(place)
            .bind(code)
            .execute(&mut *conn)
            .await
            .map_err(|e| write_error(e, &format!("the area {code} of the place")))?;
    }
    Ok(())
}

fn strategy_of(row: &AnyRow) -> Result<Strategy> {
    let json = |column: &str| -> Result<String> { row.try_get(column).context(read("a strategy")) };
    let bad = |e: serde_json::Error| StoreError::BadInput(format!("a stored strategy's themes or documents: {e}"));
    Ok(Strategy {
        id: row.try_get("id").context(read("a strategy"))?,
        place_id: row.try_get("place_id").context(read("a strategy"))?,
        fields: StrategyFields {
            title: json("title")?,
            starts_on: json("starts_on")?,
            ends_on: json("ends_on")?,
            themes: serde_json::from_str(&json("themes")?).map_err(bad)?,
            documents: serde_json::from_str(&json("documents")?).map_err(bad)?,
        },
    })
}

async fn load_strategy(conn: &mut AnyConnection, id: i64) -> Result<Option<Strategy>> {
    let sql = "SELECT id, place_id, title, starts_on, ends_on, themes, documents FROM strategy WHERE id = $1";
    one(conn, sqlx::query(sql).bind(id), "a strategy").await?.as_ref().map(strategy_of).transpose()
}

/// Which rows a loader reads: one by its id, or every one of a place.
#[derive(Clone, Copy)]
enum Which {
    /// The row with this id.
    One(i64),
    /// Every row of the place with this id.
    OfPlace(i64),
}

impl Which {
    /// The condition on the table aliased `alias`, with `$1` for the id.
    fn condition(self, alias: &str) -> String {
        match self {
            Which::One(_) => format!("{alias}.id = $1"),
            Which::OfPlace(_) => format!("{alias}.place_id = $1"),
        }
    }

    /// The id `$1` stands for.
    fn id(self) -> i64 {
        match self {
            Which::One(id) | Which::OfPlace(id) => id,
        }
    }
}

/// Recommendation `id` with its indicators and history.
async fn load_recommendation(conn: &mut AnyConnection, id: i64) -> Result<Option<Recommendation>> {
    Ok(load_recommendations(conn, Which::One(id)).await?.pop())
}

/// The recommendations `which` selects, by code, each with its indicators and its status
/// history: three queries whatever their number (a place's page reads them all at once).
async fn load_recommendations(conn: &mut AnyConnection, which: Which) -> Result<Vec<Recommendation>> {
    let on = which.condition("r");
    let rows = sqlx::query(&format!(
        "SELECT r.id, r.place_id, r.code, r.text, r.theme, r.horizon, o.name AS owner FROM recommendation r \
         LEFT JOIN organisation o ON o.id = r.owner_id WHERE {on} ORDER BY r.code"
    ))
    .bind(which.id())
    .fetch_all(&mut *conn)
    .await
    .context(read("the recommendations"))?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let links = sqlx::query(&format!(
        "SELECT i.recommendation_id, i.indicator_code FROM recommendation_indicator i \
         JOIN recommendation r ON r.id = i.recommendation_id WHERE {on} ORDER BY i.indicator_code"
    ))
    .bind(which.id())
    .fetch_all(&mut *conn)
    .await
    .context(read("the recommendations' indicators"))?;
    let mut indicators: HashMap<i64, Vec<String>> = HashMap::new();
    for l in &links {
        let id: i64 = l.try_get("recommendation_id").context(read("a recommendation's indicators"))?;
        indicators
            .entry(id)
            .or_default()
            .push(l.try_get("indicator_code").context(read("a recommendation's indicators"))?);
    }
    let history_rows = sqlx::query(&format!(
        "SELECT s.recommendation_id, s.status, s.changed_on, s.note, s.evidence_url FROM recommendation_status s \
         JOIN recommendation r ON r.id = s.recommendation_id WHERE {on} ORDER BY s.changed_on, s.id"
    ))
    .bind(which.id())
    .fetch_all(&mut *conn)
    .await
    .context(read("the recommendations' history"))?;
    let mut histories: HashMap<i64, Vec<StatusChange>> = HashMap::new();
    for h in &history_rows {
        let get = |c: &str| -> Result<Option<String>> { h.try_get(c).context(read("a recommendation's history")) };
        let id: i64 = h.try_get("recommendation_id").context(read("a recommendation's history"))?;
        let status: String = h.try_get("status").context(read("a recommendation's history"))?;
        histories.entry(id).or_default().push(StatusChange {
            status: Status::parse(&status)?,
            changed_on: h.try_get("changed_on").context(read("a recommendation's history"))?,
            note: get("note")?,
            evidence_url: get("evidence_url")?,
        });
    }
    let mut all = Vec::with_capacity(rows.len());
    for row in &rows {
        let r = |c: &str| -> Result<Option<String>> { row.try_get(c).context(read("a recommendation")) };
        let id: i64 = row.try_get("id").context(read("a recommendation"))?;
        let history = histories.remove(&id).unwrap_or_default();
        all.push(Recommendation {
            id,
            place_id: row.try_get("place_id").context(read("a recommendation"))?,
            fields: RecommendationFields {
                code: r("code")?.unwrap_or_default(),
                text: r("text")?.unwrap_or_default(),
                theme: r("theme")?,
                horizon: r("horizon")?,
                owner: r("owner")?,
                indicators: indicators.remove(&id).unwrap_or_default(),
            },
            status: history.last().map_or(Status::Proposed, |h| h.status),
            history,
        });
    }
    Ok(all)
}

async fn save_recommendation_links(conn: &mut AnyConnection, id: i64, indicators: &[String]) -> Result<()> {
    sqlx::query("DELETE FROM recommendation_indicator WHERE recommendation_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await
        .context(|| "replacing a recommendation's indicators".into())?;
    for code in indicators {
        sqlx::query("INSERT INTO recommendation_indicator (recommendation_id, indicator_code) VALUES ($1, $2)")
            .bind(id)
            .bind(code)
            .execute(&mut *conn)
            .await
            .map_err(|e| write_error(e, &format!("the indicator {code} of the recommendation")))?;
    }
    Ok(())
}

async fn add_status(conn: &mut AnyConnection, id: i64, change: &StatusChange) -> Result<()> {
    sqlx::query(
        "INSERT INTO recommendation_status (recommendation_id, status, changed_on, note, evidence_url) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(change.status.label())
    .bind(&change.changed_on)
    .bind(&change.note)
    .bind(&change.evidence_url)
    .execute(conn)
    .await
    .context(|| "recording a recommendation's status".into())?;
    Ok(())
}

// Statements that bind an `Option<f64>` are not kept prepared (`persistent(false)`): sqlx 0.8's
// `Any` driver sends a missing f64 to PostgreSQL as a float4, and a statement first prepared so
// then refuses an f64 ("incorrect binary data format").
const TARGET_COLUMNS: &str = "id, place_id, code, indicator_code, measure_on, sex, baseline_period, baseline_value, \
    goal_kind, goal_number, target_period, note";

fn target_of(row: &AnyRow) -> Result<Target> {
    let c = read("a target");
    let get = |name: &str| -> Result<String, sqlx::Error> { row.try_get(name) };
    let inner = || -> Result<(Target, String, String, Option<f64>), sqlx::Error> {
        let measure = get("measure_on")?;
        let kind = get("goal_kind")?;
        let number: Option<f64> = row.try_get("goal_number")?;
        let target = Target {
            id: row.try_get("id")?,
            place_id: row.try_get("place_id")?,
            fields: TargetFields {
                code: get("code")?,
                indicator: get("indicator_code")?,
                measure_on: MeasureOn::Value,
                sex: get("sex")?,
                baseline_period: get("baseline_period")?,
                baseline_value: row.try_get("baseline_value")?,
                goal: Goal::MatchBenchmark,
                target_period: get("target_period")?,
                note: row.try_get("note")?,
            },
        };
        Ok((target, measure, kind, number))
    };
    let (mut target, measure, kind, number) = inner().context(c)?;
    target.fields.measure_on = match measure.as_str() {
        "value" => MeasureOn::Value,
        "gap" => MeasureOn::Gap,
        "sii" => MeasureOn::Sii,
        other => return Err(StoreError::BadInput(format!("the stored target {}: measure_on \"{other}\"", target.id))),
    };
    target.fields.goal = Goal::from_parts(&kind, number)
        .ok_or_else(|| StoreError::BadInput(format!("the stored target {}: goal \"{kind}\"", target.id)))?;
    Ok(target)
}

async fn load_target(conn: &mut AnyConnection, id: i64) -> Result<Option<Target>> {
    let sql = format!("SELECT {TARGET_COLUMNS} FROM target WHERE id = $1");
    one(conn, sqlx::query(&sql).bind(id), "a target").await?.as_ref().map(target_of).transpose()
}

/// Progress update `id` with the recommendations it is about.
async fn load_progress(conn: &mut AnyConnection, id: i64) -> Result<Option<ProgressUpdate>> {
    Ok(load_progress_updates(conn, Which::One(id)).await?.pop())
}

/// The progress updates `which` selects, newest first, each with the codes of the
/// recommendations it is about: two queries whatever their number.
async fn load_progress_updates(conn: &mut AnyConnection, which: Which) -> Result<Vec<ProgressUpdate>> {
    let on = which.condition("u");
    let rows = sqlx::query(&format!(
        "SELECT u.id, u.place_id, u.written_on, u.status, u.author, u.note FROM progress_update u \
         WHERE {on} ORDER BY u.written_on DESC, u.id DESC"
    ))
    .bind(which.id())
    .fetch_all(&mut *conn)
    .await
    .context(read("the progress updates"))?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let links = sqlx::query(&format!(
        "SELECT p.progress_id, r.code FROM progress_recommendation p \
         JOIN recommendation r ON r.id = p.recommendation_id \
         JOIN progress_update u ON u.id = p.progress_id WHERE {on} ORDER BY r.code"
    ))
    .bind(which.id())
    .fetch_all(&mut *conn)
    .await
    .context(read("the progress updates' recommendations"))?;
    let mut codes: HashMap<i64, Vec<String>> = HashMap::new();
    for l in &links {
        let id: i64 = l.try_get("progress_id").context(read("a progress update's recommendations"))?;
        codes.entry(id).or_default().push(l.try_get("code").context(read("a progress update's recommendations"))?);
    }
    let mut all = Vec::with_capacity(rows.len());
    for row in &rows {
        let update = || -> Result<ProgressUpdate, sqlx::Error> {
            let id: i64 = row.try_get("id")?;
            Ok(ProgressUpdate {
                id,
                place_id: row.try_get("place_id")?,
                fields: ProgressFields {
                    written_on: row.try_get("written_on")?,
                    status: row.try_get("status")?,
                    author: row.try_get("author")?,
                    note: row.try_get("note")?,
                    recommendations: codes.get(&id).cloned().unwrap_or_default(),
                },
            })
        };
        all.push(update().context(read("a progress update"))?);
    }
    Ok(all)
}

async fn save_progress_links(conn: &mut AnyConnection, id: i64, place: i64, codes: &[String]) -> Result<()> {
    sqlx::query("DELETE FROM progress_recommendation WHERE progress_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await
        .context(|| "replacing a progress update's recommendations".into())?;
    for code in codes {
        let rec: Option<i64> = sqlx::query_scalar("SELECT id FROM recommendation WHERE place_id = $1 AND code = $2")
            .bind(place)
            .bind(code)
            .fetch_optional(&mut *conn)
            .await
            .context(read("a recommendation"))?;
        let rec = rec.ok_or_else(|| StoreError::NotFound(format!("the recommendation \"{code}\" of the place")))?;
        sqlx::query("INSERT INTO progress_recommendation (progress_id, recommendation_id) VALUES ($1, $2)")
            .bind(id)
            .bind(rec)
            .execute(&mut *conn)
            .await
            .map_err(|e| write_error(e, &format!("the recommendation {code} of the progress update")))?;
    }
    Ok(())
}

fn evaluation_of(row: &AnyRow) -> Result<Evaluation> {
    (|| -> Result<Evaluation, sqlx::Error> {
        Ok(Evaluation {
            id: row.try_get("id")?,
            place_id: row.try_get("place_id")?,
            fields: EvaluationFields {
                question: row.try_get("question")?,
                method: row.try_get("method")?,
                findings: row.try_get("findings")?,
                evaluated_on: row.try_get("evaluated_on")?,
            },
        })
    })()
    .context(read("an evaluation"))
}

async fn load_evaluation(conn: &mut AnyConnection, id: i64) -> Result<Option<Evaluation>> {
    let sql = "SELECT id, place_id, question, method, findings, evaluated_on FROM evaluation WHERE id = $1";
    one(conn, sqlx::query(sql).bind(id), "an evaluation").await?.as_ref().map(evaluation_of).transpose()
}

/// `found`, or a not-found error for `what`.
fn found<T>(found: Option<T>, what: impl FnOnce() -> String) -> Result<T> {
    found.ok_or_else(|| StoreError::NotFound(what()))
}

/// Deletes row `id` of `table` (whose stored form was `before`) and records it.
async fn delete_row<T: Serialize>(
    mut tx: Transaction<'static, Any>,
    actor: &Actor,
    entity: &str,
    table: &str,
    id: i64,
    before: &T,
) -> Result<()> {
    let what = format!("deleting the {entity} {id}");
    sqlx::query(&format!("DELETE FROM {table} WHERE id = $1"))
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(|e| write_error(e, &what))?;
    record::<T, T>(&mut tx, actor, entity, &id.to_string(), "delete", Some(before), None).await?;
    commit(tx, &what).await
}

/// The body of [`Store::create_organisation`], in the caller's transaction.
pub(crate) async fn create_organisation_in(
    tx: &mut AnyConnection,
    actor: &Actor,
    fields: &OrganisationFields,
) -> Result<Organisation> {
    let what = format!("the organisation \"{}\"", fields.name);
    types::required(&what, "name", &fields.name)?;
    types::required(&what, "sector", &fields.sector)?;
    let id: i64 = sqlx::query_scalar("INSERT INTO organisation (name, sector) VALUES ($1, $2) RETURNING id")
        .bind(&fields.name)
        .bind(&fields.sector)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| write_error(e, &what))?;
    let after = Organisation { id, fields: fields.clone() };
    record::<(), _>(tx, actor, "organisation", &id.to_string(), "create", None, Some(&after)).await?;
    Ok(after)
}

/// The body of [`Store::create_place`], in the caller's transaction.
pub(crate) async fn create_place_in(tx: &mut AnyConnection, actor: &Actor, fields: &PlaceFields) -> Result<Place> {
    fields.check()?;
    let what = format!("the place \"{}\"", fields.slug);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO place (slug, name, kind, area_code, benchmark_code, stage, commissioned_on, report_published_on, \
         implementing_from, evaluated_on, synthetic, description) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         RETURNING id",
    )
    .bind(&fields.slug)
    .bind(&fields.name)
    .bind(&fields.kind)
    .bind(&fields.area_code)
    .bind(&fields.benchmark_code)
    .bind(&fields.stage)
    .bind(&fields.commissioned_on)
    .bind(&fields.report_published_on)
    .bind(&fields.implementing_from)
    .bind(&fields.evaluated_on)
    .bind(i64::from(fields.synthetic))
    .bind(&fields.description)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| write_error(e, &what))?;
    save_covers(tx, id, &fields.covers).await?;
    let after = found(load_place(tx, id).await?, || what.clone())?;
    record::<(), _>(tx, actor, "place", &id.to_string(), "create", None, Some(&after)).await?;
    Ok(after)
}

/// The body of [`Store::set_partner`], in the caller's transaction.
pub(crate) async fn set_partner_in(
    tx: &mut AnyConnection,
    actor: &Actor,
    place: i64,
    organisation: &str,
    role: &str,
) -> Result<Partner> {
    let what = format!("the partner \"{organisation}\" of the place {place}");
    types::required(&what, "role", role)?;
    found(load_place(tx, place).await?, || format!("the place {place}"))?;
    let org = organisation_id(tx, organisation).await?;
    let before = partner(tx, place, org).await?;
    sqlx::query(
        "INSERT INTO partner (place_id, organisation_id, role) VALUES ($1, $2, $3) \
         ON CONFLICT (place_id, organisation_id) DO UPDATE SET role = excluded.role",
    )
    .bind(place)
    .bind(org)
    .bind(role)
    .execute(&mut *tx)
    .await
    .map_err(|e| write_error(e, &what))?;
    let after = found(partner(tx, place, org).await?, || what.clone())?;
    let action = if before.is_some() { "update" } else { "create" };
    record(tx, actor, "partner", &format!("{place}/{org}"), action, before.as_ref(), Some(&after)).await?;
    Ok(after)
}

/// The body of [`Store::create_strategy`], in the caller's transaction.
pub(crate) async fn create_strategy_in(
    tx: &mut AnyConnection,
    actor: &Actor,
    place: i64,
    fields: &StrategyFields,
) -> Result<Strategy> {
    fields.check()?;
    let what = format!("the strategy \"{}\"", fields.title);
    found(load_place(tx, place).await?, || format!("the place {place}"))?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO strategy (place_id, title, starts_on, ends_on, themes, documents) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(place)
    .bind(&fields.title)
    .bind(&fields.starts_on)
    .bind(&fields.ends_on)
    .bind(json(&fields.themes)?)
    .bind(json(&fields.documents)?)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| write_error(e, &what))?;
    let after = Strategy { id, place_id: place, fields: fields.clone() };
    record::<(), _>(tx, actor, "strategy", &id.to_string(), "create", None, Some(&after)).await?;
    Ok(after)
}

/// The body of [`Store::create_recommendation`], in the caller's transaction.
pub(crate) async fn create_recommendation_in(
    tx: &mut AnyConnection,
    actor: &Actor,
    place: i64,
    fields: &RecommendationFields,
    first: &StatusChange,
) -> Result<Recommendation> {
    fields.check()?;
    first.check()?;
    let what = format!("the recommendation \"{}\"", fields.code);
    found(load_place(tx, place).await?, || format!("the place {place}"))?;
    let owner = match &fields.owner {
        Some(name) => Some(organisation_id(tx, name).await?),
        None => None,
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO recommendation (place_id, code, text, theme, horizon, owner_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(place)
    .bind(&fields.code)
    .bind(&fields.text)
    .bind(&fields.theme)
    .bind(&fields.horizon)
    .bind(owner)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| write_error(e, &what))?;
    save_recommendation_links(tx, id, &fields.indicators).await?;
    add_status(tx, id, first).await?;
    let after = found(load_recommendation(tx, id).await?, || what.clone())?;
    record::<(), _>(tx, actor, "recommendation", &id.to_string(), "create", None, Some(&after)).await?;
    Ok(after)
}

/// The body of [`Store::set_recommendation_status`], in the caller's transaction.
pub(crate) async fn set_recommendation_status_in(
    tx: &mut AnyConnection,
    actor: &Actor,
    id: i64,
    change: &StatusChange,
) -> Result<Recommendation> {
    change.check()?;
    let what = format!("the status of the recommendation {id}");
    let before = found(load_recommendation(tx, id).await?, || format!("the recommendation {id}"))?;
    add_status(tx, id, change).await?;
    let after = found(load_recommendation(tx, id).await?, || what.clone())?;
    record(tx, actor, "recommendation", &id.to_string(), "status", Some(&before), Some(&after)).await?;
    Ok(after)
}

/// The body of [`Store::create_target`], in the caller's transaction.
pub(crate) async fn create_target_in(
    tx: &mut AnyConnection,
    actor: &Actor,
    place: i64,
    fields: &TargetFields,
) -> Result<Target> {
    fields.check()?;
    let what = format!("the target \"{}\"", fields.code);
    found(load_place(tx, place).await?, || format!("the place {place}"))?;
    let (kind, number) = fields.goal.parts();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO target (place_id, code, indicator_code, measure_on, sex, baseline_period, baseline_value, goal_kind, \
         goal_number, target_period, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(place)
    .bind(&fields.code)
    .bind(&fields.indicator)
    .bind(fields.measure_on.label())
    .bind(&fields.sex)
    .bind(&fields.baseline_period)
    .bind(fields.baseline_value)
    .bind(kind)
    .bind(number)
    .bind(&fields.target_period)
    .bind(&fields.note)
    .persistent(false)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| write_error(e, &what))?;
    let after = Target { id, place_id: place, fields: fields.clone() };
    record::<(), _>(tx, actor, "target", &id.to_string(), "create", None, Some(&after)).await?;
    Ok(after)
}

/// The body of [`Store::create_progress`], in the caller's transaction.
pub(crate) async fn create_progress_in(
    tx: &mut AnyConnection,
    actor: &Actor,
    place: i64,
    fields: &ProgressFields,
) -> Result<ProgressUpdate> {
    fields.check()?;
    let what = format!("the progress update of {}", fields.written_on);
    found(load_place(tx, place).await?, || format!("the place {place}"))?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO progress_update (place_id, written_on, status, author, note) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(place)
    .bind(&fields.written_on)
    .bind(&fields.status)
    .bind(&fields.author)
    .bind(&fields.note)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| write_error(e, &what))?;
    save_progress_links(tx, id, place, &fields.recommendations).await?;
    let after = found(load_progress(tx, id).await?, || what.clone())?;
    record::<(), _>(tx, actor, "progress", &id.to_string(), "create", None, Some(&after)).await?;
    Ok(after)
}

/// The body of [`Store::create_evaluation`], in the caller's transaction.
pub(crate) async fn create_evaluation_in(
    tx: &mut AnyConnection,
    actor: &Actor,
    place: i64,
    fields: &EvaluationFields,
) -> Result<Evaluation> {
    fields.check()?;
    let what = format!("the evaluation \"{}\"", fields.question);
    found(load_place(tx, place).await?, || format!("the place {place}"))?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO evaluation (place_id, question, method, findings, evaluated_on) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(place)
    .bind(&fields.question)
    .bind(&fields.method)
    .bind(&fields.findings)
    .bind(&fields.evaluated_on)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| write_error(e, &what))?;
    let after = Evaluation { id, place_id: place, fields: fields.clone() };
    record::<(), _>(tx, actor, "evaluation", &id.to_string(), "create", None, Some(&after)).await?;
    Ok(after)
}

impl Store {
    /// A connection for a read.
    async fn read_connection(&self) -> Result<sqlx::pool::PoolConnection<Any>> {
        self.pool().acquire().await.context(|| "taking a connection".into())
    }

    // ----- organisations -----

    /// Stores a new organisation.
    ///
    /// # Errors
    /// An empty name or sector, a name taken, or a failed statement.
    pub async fn create_organisation(&self, actor: &Actor, fields: &OrganisationFields) -> Result<Organisation> {
        let mut tx = self.begin_write().await?;
        let after = create_organisation_in(&mut tx, actor, fields).await?;
        commit(tx, &format!("the organisation \"{}\"", fields.name)).await?;
        Ok(after)
    }

    /// The organisation named `name`.
    ///
    /// # Errors
    /// A failed query.
    pub async fn organisation(&self, name: &str) -> Result<Option<Organisation>> {
        let mut conn = self.read_connection().await?;
        let row = one(
            &mut conn,
            sqlx::query("SELECT id, name, sector FROM organisation WHERE name = $1").bind(name),
            "an organisation",
        )
        .await?;
        row.as_ref().map(organisation_of).transpose().context(read("an organisation"))
    }

    /// Every organisation, by name.
    ///
    /// # Errors
    /// A failed query.
    pub async fn organisations(&self) -> Result<Vec<Organisation>> {
        let rows = sqlx::query("SELECT id, name, sector FROM organisation ORDER BY name")
            .fetch_all(self.pool())
            .await
            .context(read("the organisations"))?;
        rows.iter().map(organisation_of).collect::<Result<_, _>>().context(read("the organisations"))
    }

    /// Changes organisation `id`.
    ///
    /// # Errors
    /// An unknown id, empty fields, a name taken, or a failed statement.
    pub async fn update_organisation(
        &self,
        actor: &Actor,
        id: i64,
        fields: &OrganisationFields,
    ) -> Result<Organisation> {
        let what = format!("the organisation \"{}\"", fields.name);
        types::required(&what, "name", &fields.name)?;
        types::required(&what, "sector", &fields.sector)?;
        let mut tx = self.begin_write().await?;
        let before = found(load_organisation(&mut tx, id).await?, || format!("the organisation {id}"))?;
        sqlx::query("UPDATE organisation SET name = $2, sector = $3 WHERE id = $1")
            .bind(id)
            .bind(&fields.name)
            .bind(&fields.sector)
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, &what))?;
        let after = Organisation { id, fields: fields.clone() };
        record(&mut tx, actor, "organisation", &id.to_string(), "update", Some(&before), Some(&after)).await?;
        commit(tx, &what).await?;
        Ok(after)
    }

    /// Deletes organisation `id`.
    ///
    /// # Errors
    /// An unknown id, an organisation still a partner or an owner, or a failed statement.
    pub async fn delete_organisation(&self, actor: &Actor, id: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let before = found(load_organisation(&mut tx, id).await?, || format!("the organisation {id}"))?;
        delete_row(tx, actor, "organisation", "organisation", id, &before).await
    }

    // ----- places -----

    /// Stores a new place with the areas it covers.
    ///
    /// # Errors
    /// Fields that fail [`PlaceFields::check`], a slug taken, or a failed statement.
    pub async fn create_place(&self, actor: &Actor, fields: &PlaceFields) -> Result<Place> {
        let mut tx = self.begin_write().await?;
        let after = create_place_in(&mut tx, actor, fields).await?;
        commit(tx, &format!("the place \"{}\"", fields.slug)).await?;
        Ok(after)
    }

    /// The place whose slug is `slug`.
    ///
    /// # Errors
    /// A failed query.
    pub async fn place(&self, slug: &str) -> Result<Option<Place>> {
        let mut conn = self.read_connection().await?;
        let sql = format!("SELECT {PLACE_COLUMNS} FROM place WHERE slug = $1");
        match one(&mut conn, sqlx::query(&sql).bind(slug), "a place").await? {
            Some(row) => Ok(Some(place_of(&mut conn, &row).await?)),
            None => Ok(None),
        }
    }

    /// Every place, by name.
    ///
    /// # Errors
    /// A failed query.
    pub async fn places(&self) -> Result<Vec<Place>> {
        let mut conn = self.read_connection().await?;
        let rows = sqlx::query(&format!("SELECT {PLACE_COLUMNS} FROM place ORDER BY name, slug"))
            .fetch_all(&mut *conn)
            .await
            .context(read("the places"))?;
        let mut places = Vec::with_capacity(rows.len());
        for row in &rows {
            places.push(place_of(&mut conn, row).await?);
        }
        Ok(places)
    }

    /// Changes place `id` (and the areas it covers).
    ///
    /// # Errors
    /// An unknown id, fields that fail [`PlaceFields::check`], a slug taken, or a failed
    /// statement.
    pub async fn update_place(&self, actor: &Actor, id: i64, fields: &PlaceFields) -> Result<Place> {
        fields.check()?;
        let what = format!("the place \"{}\"", fields.slug);
        let mut tx = self.begin_write().await?;
        let before = found(load_place(&mut tx, id).await?, || format!("the place {id}"))?;
        sqlx::query(
            "UPDATE place SET slug = $2, name = $3, kind = $4, area_code = $5, benchmark_code = $6, stage = $7, \
             commissioned_on = $8, report_published_on = $9, implementing_from = $10, evaluated_on = $11, synthetic = $12, \
             description = $13 WHERE id = $1",
        )
        .bind(id)
        .bind(&fields.slug)
        .bind(&fields.name)
        .bind(&fields.kind)
        .bind(&fields.area_code)
        .bind(&fields.benchmark_code)
        .bind(&fields.stage)
        .bind(&fields.commissioned_on)
        .bind(&fields.report_published_on)
        .bind(&fields.implementing_from)
        .bind(&fields.evaluated_on)
        .bind(i64::from(fields.synthetic))
        .bind(&fields.description)
        .execute(&mut *tx)
        .await
        .map_err(|e| write_error(e, &what))?;
        save_covers(&mut tx, id, &fields.covers).await?;
        let after = found(load_place(&mut tx, id).await?, || what.clone())?;
        record(&mut tx, actor, "place", &id.to_string(), "update", Some(&before), Some(&after)).await?;
        commit(tx, &what).await?;
        Ok(after)
    }

    /// Deletes place `id` with everything that belongs to it (partners, strategies,
    /// recommendations, targets, progress, evaluations).
    ///
    /// # Errors
    /// An unknown id, or a failed statement.
    pub async fn delete_place(&self, actor: &Actor, id: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let before = found(load_place(&mut tx, id).await?, || format!("the place {id}"))?;
        delete_row(tx, actor, "place", "place", id, &before).await
    }

    // ----- partners -----

    /// Makes the organisation named `organisation` a partner of place `place` with `role`, or
    /// changes its role.
    ///
    /// # Errors
    /// An unknown place or organisation, an empty role, or a failed statement.
    pub async fn set_partner(&self, actor: &Actor, place: i64, organisation: &str, role: &str) -> Result<Partner> {
        let mut tx = self.begin_write().await?;
        let after = set_partner_in(&mut tx, actor, place, organisation, role).await?;
        commit(tx, &format!("the partner \"{organisation}\" of the place {place}")).await?;
        Ok(after)
    }

    /// Ends the organisation's partnership in place `place`.
    ///
    /// # Errors
    /// An unknown organisation or one not a partner, or a failed statement.
    pub async fn remove_partner(&self, actor: &Actor, place: i64, organisation: &str) -> Result<()> {
        let what = format!("the partner \"{organisation}\" of the place {place}");
        let mut tx = self.begin_write().await?;
        let org = organisation_id(&mut tx, organisation).await?;
        let before = found(partner(&mut tx, place, org).await?, || what.clone())?;
        sqlx::query("DELETE FROM partner WHERE place_id = $1 AND organisation_id = $2")
            .bind(place)
            .bind(org)
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, &what))?;
        record::<_, Partner>(&mut tx, actor, "partner", &format!("{place}/{org}"), "delete", Some(&before), None)
            .await?;
        commit(tx, &what).await
    }

    /// The partners of place `place`, by organisation name.
    ///
    /// # Errors
    /// A failed query.
    pub async fn partners(&self, place: i64) -> Result<Vec<Partner>> {
        let rows = sqlx::query(
            "SELECT o.name, o.sector, p.role FROM partner p JOIN organisation o ON o.id = p.organisation_id \
             WHERE p.place_id = $1 ORDER BY o.name",
        )
        .bind(place)
        .fetch_all(self.pool())
        .await
        .context(read("the partners"))?;
        rows.iter().map(partner_of).collect::<Result<_, _>>().context(read("the partners"))
    }

    // ----- strategies -----

    /// Stores a new strategy of place `place`.
    ///
    /// # Errors
    /// An unknown place, fields that fail [`StrategyFields::check`], or a failed statement.
    pub async fn create_strategy(&self, actor: &Actor, place: i64, fields: &StrategyFields) -> Result<Strategy> {
        let mut tx = self.begin_write().await?;
        let after = create_strategy_in(&mut tx, actor, place, fields).await?;
        commit(tx, &format!("the strategy \"{}\"", fields.title)).await?;
        Ok(after)
    }

    /// The strategies of place `place`, by start.
    ///
    /// # Errors
    /// A failed query.
    pub async fn strategies(&self, place: i64) -> Result<Vec<Strategy>> {
        let rows = sqlx::query(
            "SELECT id, place_id, title, starts_on, ends_on, themes, documents FROM strategy WHERE place_id = $1 ORDER BY starts_on, id",
        )
        .bind(place)
        .fetch_all(self.pool())
        .await
        .context(read("the strategies"))?;
        rows.iter().map(strategy_of).collect()
    }

    /// Changes strategy `id`.
    ///
    /// # Errors
    /// An unknown id, fields that fail [`StrategyFields::check`], or a failed statement.
    pub async fn update_strategy(&self, actor: &Actor, id: i64, fields: &StrategyFields) -> Result<Strategy> {
        fields.check()?;
        let what = format!("the strategy \"{}\"", fields.title);
        let mut tx = self.begin_write().await?;
        let before = found(load_strategy(&mut tx, id).await?, || format!("the strategy {id}"))?;
        sqlx::query(
            "UPDATE strategy SET title = $2, starts_on = $3, ends_on = $4, themes = $5, documents = $6 WHERE id = $1",
        )
        .bind(id)
        .bind(&fields.title)
        .bind(&fields.starts_on)
        .bind(&fields.ends_on)
        .bind(json(&fields.themes)?)
        .bind(json(&fields.documents)?)
        .execute(&mut *tx)
        .await
        .map_err(|e| write_error(e, &what))?;
        let after = Strategy { id, place_id: before.place_id, fields: fields.clone() };
        record(&mut tx, actor, "strategy", &id.to_string(), "update", Some(&before), Some(&after)).await?;
        commit(tx, &what).await?;
        Ok(after)
    }

    /// Deletes strategy `id`.
    ///
    /// # Errors
    /// An unknown id, or a failed statement.
    pub async fn delete_strategy(&self, actor: &Actor, id: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let before = found(load_strategy(&mut tx, id).await?, || format!("the strategy {id}"))?;
        delete_row(tx, actor, "strategy", "strategy", id, &before).await
    }

    // ----- recommendations -----

    /// Stores a new recommendation of place `place` with its first status.
    ///
    /// # Errors
    /// An unknown place or owner, fields that fail [`RecommendationFields::check`], a code
    /// taken in the place, or a failed statement.
    pub async fn create_recommendation(
        &self,
        actor: &Actor,
        place: i64,
        fields: &RecommendationFields,
        first: &StatusChange,
    ) -> Result<Recommendation> {
        let mut tx = self.begin_write().await?;
        let after = create_recommendation_in(&mut tx, actor, place, fields, first).await?;
        commit(tx, &format!("the recommendation \"{}\"", fields.code)).await?;
        Ok(after)
    }

    /// The recommendation of place `place` with code `code`.
    ///
    /// # Errors
    /// A failed query.
    pub async fn recommendation(&self, place: i64, code: &str) -> Result<Option<Recommendation>> {
        let mut conn = self.read_connection().await?;
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM recommendation WHERE place_id = $1 AND code = $2")
            .bind(place)
            .bind(code)
            .fetch_optional(&mut *conn)
            .await
            .context(read("a recommendation"))?;
        match id {
            Some(id) => load_recommendation(&mut conn, id).await,
            None => Ok(None),
        }
    }

    /// The recommendations of place `place`, by code.
    ///
    /// # Errors
    /// A failed query.
    pub async fn recommendations(&self, place: i64) -> Result<Vec<Recommendation>> {
        let mut conn = self.read_connection().await?;
        load_recommendations(&mut conn, Which::OfPlace(place)).await
    }

    /// Changes recommendation `id`'s fields (its status changes through
    /// [`Store::set_recommendation_status`]).
    ///
    /// # Errors
    /// An unknown id or owner, fields that fail [`RecommendationFields::check`], a code taken,
    /// or a failed statement.
    pub async fn update_recommendation(
        &self,
        actor: &Actor,
        id: i64,
        fields: &RecommendationFields,
    ) -> Result<Recommendation> {
        fields.check()?;
        let what = format!("the recommendation \"{}\"", fields.code);
        let mut tx = self.begin_write().await?;
        let before = found(load_recommendation(&mut tx, id).await?, || format!("the recommendation {id}"))?;
        let owner = match &fields.owner {
            Some(name) => Some(organisation_id(&mut tx, name).await?),
            None => None,
        };
        sqlx::query(
            "UPDATE recommendation SET code = $2, text = $3, theme = $4, horizon = $5, owner_id = $6 WHERE id = $1",
        )
        .bind(id)
        .bind(&fields.code)
        .bind(&fields.text)
        .bind(&fields.theme)
        .bind(&fields.horizon)
        .bind(owner)
        .execute(&mut *tx)
        .await
        .map_err(|e| write_error(e, &what))?;
        save_recommendation_links(&mut tx, id, &fields.indicators).await?;
        let after = found(load_recommendation(&mut tx, id).await?, || what.clone())?;
        record(&mut tx, actor, "recommendation", &id.to_string(), "update", Some(&before), Some(&after)).await?;
        commit(tx, &what).await?;
        Ok(after)
    }

    /// Records a change of recommendation `id`'s status (dated, with a note and evidence).
    ///
    /// # Errors
    /// An unknown id, a date that is not `YYYY-MM-DD`, or a failed statement.
    pub async fn set_recommendation_status(
        &self,
        actor: &Actor,
        id: i64,
        change: &StatusChange,
    ) -> Result<Recommendation> {
        let mut tx = self.begin_write().await?;
        let after = set_recommendation_status_in(&mut tx, actor, id, change).await?;
        commit(tx, &format!("the status of the recommendation {id}")).await?;
        Ok(after)
    }

    /// Deletes recommendation `id` with its history.
    ///
    /// # Errors
    /// An unknown id, or a failed statement.
    pub async fn delete_recommendation(&self, actor: &Actor, id: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let before = found(load_recommendation(&mut tx, id).await?, || format!("the recommendation {id}"))?;
        delete_row(tx, actor, "recommendation", "recommendation", id, &before).await
    }

    // ----- targets -----

    /// Stores a new target of place `place`.
    ///
    /// # Errors
    /// An unknown place, fields that fail [`TargetFields::check`], a code taken in the place,
    /// or a failed statement.
    pub async fn create_target(&self, actor: &Actor, place: i64, fields: &TargetFields) -> Result<Target> {
        let mut tx = self.begin_write().await?;
        let after = create_target_in(&mut tx, actor, place, fields).await?;
        commit(tx, &format!("the target \"{}\"", fields.code)).await?;
        Ok(after)
    }

    /// The targets of place `place`, by code.
    ///
    /// # Errors
    /// A failed query.
    pub async fn targets(&self, place: i64) -> Result<Vec<Target>> {
        let rows = sqlx::query(&format!("SELECT {TARGET_COLUMNS} FROM target WHERE place_id = $1 ORDER BY code"))
            .bind(place)
            .fetch_all(self.pool())
            .await
            .context(read("the targets"))?;
        rows.iter().map(target_of).collect()
    }

    /// Changes target `id`.
    ///
    /// # Errors
    /// An unknown id, fields that fail [`TargetFields::check`], a code taken, or a failed
    /// statement.
    pub async fn update_target(&self, actor: &Actor, id: i64, fields: &TargetFields) -> Result<Target> {
        fields.check()?;
        let what = format!("the target \"{}\"", fields.code);
        let mut tx = self.begin_write().await?;
        let before = found(load_target(&mut tx, id).await?, || format!("the target {id}"))?;
        let (kind, number) = fields.goal.parts();
        sqlx::query(
            "UPDATE target SET code = $2, indicator_code = $3, measure_on = $4, sex = $5, baseline_period = $6, \
             baseline_value = $7, goal_kind = $8, goal_number = $9, target_period = $10, note = $11 WHERE id = $1",
        )
        .bind(id)
        .bind(&fields.code)
        .bind(&fields.indicator)
        .bind(fields.measure_on.label())
        .bind(&fields.sex)
        .bind(&fields.baseline_period)
        .bind(fields.baseline_value)
        .bind(kind)
        .bind(number)
        .bind(&fields.target_period)
        .bind(&fields.note)
        .persistent(false)
        .execute(&mut *tx)
        .await
        .map_err(|e| write_error(e, &what))?;
        let after = Target { id, place_id: before.place_id, fields: fields.clone() };
        record(&mut tx, actor, "target", &id.to_string(), "update", Some(&before), Some(&after)).await?;
        commit(tx, &what).await?;
        Ok(after)
    }

    /// Deletes target `id`.
    ///
    /// # Errors
    /// An unknown id, or a failed statement.
    pub async fn delete_target(&self, actor: &Actor, id: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let before = found(load_target(&mut tx, id).await?, || format!("the target {id}"))?;
        delete_row(tx, actor, "target", "target", id, &before).await
    }

    // ----- progress updates -----

    /// Stores a progress update of place `place`, linked to its recommendations by code.
    ///
    /// # Errors
    /// An unknown place or recommendation code, fields that fail [`ProgressFields::check`], or
    /// a failed statement.
    pub async fn create_progress(&self, actor: &Actor, place: i64, fields: &ProgressFields) -> Result<ProgressUpdate> {
        let mut tx = self.begin_write().await?;
        let after = create_progress_in(&mut tx, actor, place, fields).await?;
        commit(tx, &format!("the progress update of {}", fields.written_on)).await?;
        Ok(after)
    }

    /// The progress updates of place `place`, newest first.
    ///
    /// # Errors
    /// A failed query.
    pub async fn progress_updates(&self, place: i64) -> Result<Vec<ProgressUpdate>> {
        let mut conn = self.read_connection().await?;
        load_progress_updates(&mut conn, Which::OfPlace(place)).await
    }

    /// Changes progress update `id`.
    ///
    /// # Errors
    /// An unknown id or recommendation code, fields that fail [`ProgressFields::check`], or a
    /// failed statement.
    pub async fn update_progress(&self, actor: &Actor, id: i64, fields: &ProgressFields) -> Result<ProgressUpdate> {
        fields.check()?;
        let what = format!("the progress update {id}");
        let mut tx = self.begin_write().await?;
        let before = found(load_progress(&mut tx, id).await?, || what.clone())?;
        sqlx::query("UPDATE progress_update SET written_on = $2, status = $3, author = $4, note = $5 WHERE id = $1")
            .bind(id)
            .bind(&fields.written_on)
            .bind(&fields.status)
            .bind(&fields.author)
            .bind(&fields.note)
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, &what))?;
        save_progress_links(&mut tx, id, before.place_id, &fields.recommendations).await?;
        let after = found(load_progress(&mut tx, id).await?, || what.clone())?;
        record(&mut tx, actor, "progress", &id.to_string(), "update", Some(&before), Some(&after)).await?;
        commit(tx, &what).await?;
        Ok(after)
    }

    /// Deletes progress update `id`.
    ///
    /// # Errors
    /// An unknown id, or a failed statement.
    pub async fn delete_progress(&self, actor: &Actor, id: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let before = found(load_progress(&mut tx, id).await?, || format!("the progress update {id}"))?;
        delete_row(tx, actor, "progress", "progress_update", id, &before).await
    }

    // ----- evaluations -----

    /// Stores an evaluation of place `place`.
    ///
    /// # Errors
    /// An unknown place, fields that fail [`EvaluationFields::check`], or a failed statement.
    pub async fn create_evaluation(&self, actor: &Actor, place: i64, fields: &EvaluationFields) -> Result<Evaluation> {
        let mut tx = self.begin_write().await?;
        let after = create_evaluation_in(&mut tx, actor, place, fields).await?;
        commit(tx, &format!("the evaluation \"{}\"", fields.question)).await?;
        Ok(after)
    }

    /// The evaluations of place `place`, newest first.
    ///
    /// # Errors
    /// A failed query.
    pub async fn evaluations(&self, place: i64) -> Result<Vec<Evaluation>> {
        let rows = sqlx::query(
            "SELECT id, place_id, question, method, findings, evaluated_on FROM evaluation WHERE place_id = $1 \
             ORDER BY evaluated_on DESC, id DESC",
        )
        .bind(place)
        .fetch_all(self.pool())
        .await
        .context(read("the evaluations"))?;
        rows.iter().map(evaluation_of).collect()
    }

    /// Changes evaluation `id`.
    ///
    /// # Errors
    /// An unknown id, fields that fail [`EvaluationFields::check`], or a failed statement.
    pub async fn update_evaluation(&self, actor: &Actor, id: i64, fields: &EvaluationFields) -> Result<Evaluation> {
        fields.check()?;
        let what = format!("the evaluation {id}");
        let mut tx = self.begin_write().await?;
        let before = found(load_evaluation(&mut tx, id).await?, || what.clone())?;
        sqlx::query("UPDATE evaluation SET question = $2, method = $3, findings = $4, evaluated_on = $5 WHERE id = $1")
            .bind(id)
            .bind(&fields.question)
            .bind(&fields.method)
            .bind(&fields.findings)
            .bind(&fields.evaluated_on)
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, &what))?;
        let after = Evaluation { id, place_id: before.place_id, fields: fields.clone() };
        record(&mut tx, actor, "evaluation", &id.to_string(), "update", Some(&before), Some(&after)).await?;
        commit(tx, &what).await?;
        Ok(after)
    }

    /// Deletes evaluation `id`.
    ///
    /// # Errors
    /// An unknown id, or a failed statement.
    pub async fn delete_evaluation(&self, actor: &Actor, id: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let before = found(load_evaluation(&mut tx, id).await?, || format!("the evaluation {id}"))?;
        delete_row(tx, actor, "evaluation", "evaluation", id, &before).await
    }
}

fn partner_of(row: &AnyRow) -> Result<Partner, sqlx::Error> {
    Ok(Partner { organisation: row.try_get("name")?, sector: row.try_get("sector")?, role: row.try_get("role")? })
}

async fn partner(conn: &mut AnyConnection, place: i64, org: i64) -> Result<Option<Partner>> {
    let row = one(
        conn,
        sqlx::query(
            "SELECT o.name, o.sector, p.role FROM partner p JOIN organisation o ON o.id = p.organisation_id \
             WHERE p.place_id = $1 AND p.organisation_id = $2",
        )
        .bind(place)
        .bind(org),
        "a partner",
    )
    .await?;
    row.as_ref().map(partner_of).transpose().context(read("a partner"))
}

/// `value` as JSON text.
fn json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::BadInput(format!("cannot write JSON: {e}")))
}
