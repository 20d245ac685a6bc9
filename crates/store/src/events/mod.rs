//! The network's events: the annual conference and other events, their sessions (plenary and
//! breakout, with theme, capacity, room or link and a team of facilitators), members'
//! registrations with a choice of breakout and a waiting list, the check-in list, recordings
//! and the conference report attached afterwards; and the e-mails these cause ([`Notice`]),
//! and the retention job that clears what is kept only as long as needed ([`Retention`]).
//!
//! Members are accounts (`account.id`). A breakout's places are given in the order the
//! registrations take the session's lock: on SQLite the one writer (`BEGIN IMMEDIATE`), on
//! PostgreSQL `SELECT … FOR UPDATE` of the session's row; the count of places and the new row
//! are in that same transaction, so a breakout never holds more than its capacity however many
//! register at once, and its waiting list is numbered in the same order (`queue_seq`). A
//! cancellation of a place promotes the first in line in the same transaction, once, and writes
//! the e-mail owed to them in the outbox ([`Store::pending_notices`]).

pub mod contact;
pub mod publications;

use std::time::{Duration, SystemTime};

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::audit::record;
use crate::error::{Context, Result, StoreError};
use crate::time::utc_at;
use crate::{is_date, utc_now, Actor, Backend, Store};

/// The kinds of event.
pub const EVENT_KINDS: &[&str] = &["conference", "webinar", "workshop", "meeting"];

/// What an event is, as created or edited.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EventFields {
    /// Its address in `/events/{slug}`: lower-case letters, digits and `-`.
    pub slug: String,
    /// Its title.
    pub title: String,
    /// One of [`EVENT_KINDS`].
    pub kind: String,
    /// Its first day, `YYYY-MM-DD`.
    pub starts_on: String,
    /// Its last day, `YYYY-MM-DD` (on or after `starts_on`).
    pub ends_on: String,
    /// Where it is held (none: online only).
    pub venue: Option<String>,
    /// What it is about.
    pub description: String,
    /// How many days after `ends_on` the registrations' accessibility and dietary needs are
    /// kept (0 to 365), then cleared by [`Store::enforce_retention`].
    pub needs_kept_days: i64,
}

impl EventFields {
    /// Checks the fields, naming the first that is wrong.
    fn check(&self) -> Result<()> {
        let bad = |field: &str, expected: &str| {
            Err(StoreError::BadInput(format!("the event \"{}\": the field {field}: expected {expected}", self.slug)))
        };
        if self.slug.is_empty()
            || self.slug.len() > 80
            || !self.slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return bad("slug", "1 to 80 lower-case letters, digits and -");
        }
        if self.title.trim().is_empty() {
            return bad("title", "a title");
        }
        if !EVENT_KINDS.contains(&self.kind.as_str()) {
            return bad("kind", &EVENT_KINDS.join(", "));
        }
        if !is_date(&self.starts_on) {
            return bad("starts_on", "a date YYYY-MM-DD");
        }
        if !is_date(&self.ends_on) || self.ends_on < self.starts_on {
            return bad("ends_on", "a date YYYY-MM-DD on or after starts_on");
        }
        if !(0..=365).contains(&self.needs_kept_days) {
            return bad("needs_kept_days", "0 to 365 days");
        }
        Ok(())
    }
}

/// An event as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Event {
    /// Its id.
    pub id: i64,
    /// What it is.
    pub fields: EventFields,
    /// The title of its report, once attached.
    pub report_title: Option<String>,
    /// The address of its report (a PDF or a page), once attached.
    pub report_url: Option<String>,
    /// When the retention job cleared its registrations' needs (RFC 3339), if it has.
    pub needs_cleared_at: Option<String>,
}

/// The kind of a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SessionKind {
    /// For everyone registered (and livestreamed when it has a link).
    Plenary,
    /// Chosen at registration; its capacity is kept, then a waiting list.
    Breakout,
}

impl SessionKind {
    /// `plenary` or `breakout`.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionKind::Plenary => "plenary",
            SessionKind::Breakout => "breakout",
        }
    }

    /// The kind named `text`.
    ///
    /// # Errors
    /// Another word.
    pub fn parse(text: &str) -> Result<SessionKind> {
        match text {
            "plenary" => Ok(SessionKind::Plenary),
            "breakout" => Ok(SessionKind::Breakout),
            other => Err(StoreError::BadInput(format!("the session's kind \"{other}\": expected plenary or breakout"))),
        }
    }
}

/// What a session is, as created.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SessionFields {
    /// Plenary or breakout.
    pub kind: SessionKind,
    /// Its title.
    pub title: String,
    /// Its theme (housing, working well and employers, racial health equity, …).
    pub theme: Option<String>,
    /// When it starts, as shown (`10:30`, or a date and time).
    pub starts_at: Option<String>,
    /// Its places (none: no limit). A breakout with a capacity has a waiting list.
    pub capacity: Option<i64>,
    /// The room it is held in.
    pub room: Option<String>,
    /// The address of its livestream or online meeting.
    pub link: Option<String>,
    /// What it is about.
    pub description: String,
}

/// A session with its facilitators and its places taken and waiting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EventSession {
    /// Its id.
    pub id: i64,
    /// Its event's id.
    pub event_id: i64,
    /// What it is.
    pub fields: SessionFields,
    /// The address of its recording, once attached.
    pub recording_url: Option<String>,
    /// Its facilitator team: (account id, name), by name.
    pub facilitators: Vec<(i64, String)>,
    /// Registrations with a place in it.
    pub taken: i64,
    /// Registrations on its waiting list.
    pub waiting: i64,
}

impl EventSession {
    /// Places left (none: no limit).
    pub fn places_left(&self) -> Option<i64> {
        self.fields.capacity.map(|c| (c - self.taken).max(0))
    }
}

/// The state of a registration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RegistrationStatus {
    /// A place (in the breakout chosen, or at the plenaries).
    Place,
    /// On the breakout's waiting list.
    Waiting,
    /// Cancelled by the member.
    Cancelled,
}

impl RegistrationStatus {
    fn parse(text: &str) -> Result<RegistrationStatus> {
        match text {
            "place" => Ok(RegistrationStatus::Place),
            "waiting" => Ok(RegistrationStatus::Waiting),
            "cancelled" => Ok(RegistrationStatus::Cancelled),
            other => Err(StoreError::BadInput(format!("a registration's status \"{other}\": unknown"))),
        }
    }

    /// `place`, `waiting` or `cancelled`.
    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationStatus::Place => "place",
            RegistrationStatus::Waiting => "waiting",
            RegistrationStatus::Cancelled => "cancelled",
        }
    }
}

/// What a member gives when registering.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RegistrationRequest {
    /// The breakout chosen (none: the plenaries only).
    pub session_id: Option<i64>,
    /// Accessibility needs (kept until the event's retention period ends).
    pub accessibility_needs: Option<String>,
    /// Dietary needs (kept as long).
    pub dietary_needs: Option<String>,
}

/// A registration, as its member and the events staff see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Registration {
    /// Its id.
    pub id: i64,
    /// The event's id.
    pub event_id: i64,
    /// The member's account id.
    pub account_id: i64,
    /// The breakout chosen.
    pub session_id: Option<i64>,
    /// Place, waiting or cancelled.
    pub status: RegistrationStatus,
    /// Its place on the waiting list, 1 first (only while waiting).
    pub position: Option<i64>,
    /// Accessibility needs (none once cleared).
    pub accessibility_needs: Option<String>,
    /// Dietary needs (none once cleared).
    pub dietary_needs: Option<String>,
    /// When it was made, RFC 3339.
    pub registered_at: String,
    /// When it was promoted from the waiting list.
    pub promoted_at: Option<String>,
    /// When it was cancelled.
    pub cancelled_at: Option<String>,
    /// When the member was checked in.
    pub checked_in_at: Option<String>,
}

/// A line of an event's check-in list: the registration with the member's name and address and
/// the breakout's title.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CheckInRow {
    /// The registration (with its needs, for the staff).
    pub registration: Registration,
    /// The member's name.
    pub name: String,
    /// The member's e-mail address.
    pub email: String,
    /// The breakout's title.
    pub session_title: Option<String>,
}

/// A session a member facilitated, for their profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FacilitatedSession {
    /// The event's slug.
    pub event_slug: String,
    /// The event's title.
    pub event_title: String,
    /// The event's first day.
    pub starts_on: String,
    /// The session's id.
    pub session_id: i64,
    /// The session's title.
    pub title: String,
    /// Its theme.
    pub theme: Option<String>,
    /// Its recording, if attached.
    pub recording_url: Option<String>,
}

/// An e-mail owed (the outbox): what to write (`kind`, `subject_id`) and to whom.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Notice {
    /// Its id.
    pub id: i64,
    /// `promoted` (a registration's id: a place freed on a waiting list), `contact_ack` (a
    /// query's id: it was received), `contact_answer` (a message's id: staff answered).
    pub kind: String,
    /// The registration, query or message it is about.
    pub subject_id: i64,
    /// The address it goes to.
    pub recipient: String,
    /// When it was owed.
    pub created_at: String,
}

/// How long what is kept only as long as needed is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    /// Days a closed contact query (and its thread) is kept after closing.
    pub closed_queries_days: u64,
    /// Days the outbox keeps a sent e-mail's record (its address) after sending.
    pub sent_notices_days: u64,
}

impl Default for Retention {
    /// Closed queries for 365 days; sent notices' records for 30.
    fn default() -> Self {
        Retention { closed_queries_days: 365, sent_notices_days: 30 }
    }
}

/// What a run of the retention job cleared.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RetentionOutcome {
    /// Events whose registrations' needs were cleared.
    pub events_cleared: Vec<String>,
    /// Registrations whose needs were cleared.
    pub needs_cleared: u64,
    /// Closed contact queries deleted with their threads.
    pub queries_deleted: u64,
    /// Sent notices' records deleted.
    pub notices_deleted: u64,
}

/// Days since 1970-01-01 of the date `YYYY-MM-DD` (H. Hinnant's `days_from_civil`); `None`
/// for text that is not a date.
pub(crate) fn days_of(date: &str) -> Option<i64> {
    if !is_date(date) {
        return None;
    }
    let (y, m, d): (i64, i64, i64) = (date[..4].parse().ok()?, date[5..7].parse().ok()?, date[8..].parse().ok()?);
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// Trimmed text, `None` when empty.
pub(crate) fn optional(text: Option<&str>) -> Option<String> {
    text.map(str::trim).filter(|t| !t.is_empty()).map(str::to_string)
}

/// A write error: a duplicate as a conflict naming `what`, a missing reference as not found.
pub(crate) fn write_error(error: sqlx::Error, what: &str) -> StoreError {
    match &error {
        sqlx::Error::Database(e) if e.is_unique_violation() => StoreError::Conflict(format!("{what}: already exists")),
        sqlx::Error::Database(e) if e.is_foreign_key_violation() => {
            StoreError::NotFound(format!("{what}: a thing it refers to"))
        }
        _ => StoreError::Database { context: what.to_string(), source: error },
    }
}

const EVENT_COLUMNS: &str = "id, slug, title, kind, starts_on, ends_on, venue, description, needs_kept_days, \
                             needs_cleared_at, report_title, report_url";

fn event_of(row: &AnyRow) -> Result<Event> {
    (|| -> Result<Event, sqlx::Error> {
        Ok(Event {
            id: row.try_get("id")?,
            fields: EventFields {
                slug: row.try_get("slug")?,
                title: row.try_get("title")?,
                kind: row.try_get("kind")?,
                starts_on: row.try_get("starts_on")?,
                ends_on: row.try_get("ends_on")?,
                venue: row.try_get("venue")?,
                description: row.try_get("description")?,
                needs_kept_days: row.try_get("needs_kept_days")?,
            },
            report_title: row.try_get("report_title")?,
            report_url: row.try_get("report_url")?,
            needs_cleared_at: row.try_get("needs_cleared_at")?,
        })
    })()
    .context(|| "reading an event".into())
}

const SESSION_COLUMNS: &str = "s.id, s.event_id, s.kind, s.title, s.theme, s.starts_at, s.capacity, s.room, s.link, \
     s.description, s.recording_url, \
     (SELECT COUNT(*) FROM registration r WHERE r.session_id = s.id AND r.status = 'place') AS taken, \
     (SELECT COUNT(*) FROM registration r WHERE r.session_id = s.id AND r.status = 'waiting') AS waiting";

fn session_of(row: &AnyRow) -> Result<EventSession> {
    let kind: String = row.try_get("kind").context(|| "reading a session".into())?;
    (|| -> Result<EventSession, sqlx::Error> {
        Ok(EventSession {
            id: row.try_get("id")?,
            event_id: row.try_get("event_id")?,
            fields: SessionFields {
                kind: if kind == "plenary" { SessionKind::Plenary } else { SessionKind::Breakout },
                title: row.try_get("title")?,
                theme: row.try_get("theme")?,
                starts_at: row.try_get("starts_at")?,
                capacity: row.try_get("capacity")?,
                room: row.try_get("room")?,
                link: row.try_get("link")?,
                description: row.try_get("description")?,
            },
            recording_url: row.try_get("recording_url")?,
            facilitators: Vec::new(),
            taken: row.try_get("taken")?,
            waiting: row.try_get("waiting")?,
        })
    })()
    .context(|| "reading a session".into())
}

const REGISTRATION_COLUMNS: &str = "g.id, g.event_id, g.account_id, g.session_id, g.status, g.queue_seq, \
     g.accessibility_needs, g.dietary_needs, g.registered_at, g.promoted_at, g.cancelled_at, g.checked_in_at, \
     (SELECT COUNT(*) FROM registration w WHERE w.session_id = g.session_id AND w.status = 'waiting' \
      AND w.queue_seq <= g.queue_seq) AS position";

fn registration_of(row: &AnyRow) -> Result<Registration> {
    let status: String = row.try_get("status").context(|| "reading a registration".into())?;
    let status = RegistrationStatus::parse(&status)?;
    (|| -> Result<Registration, sqlx::Error> {
        Ok(Registration {
            id: row.try_get("id")?,
            event_id: row.try_get("event_id")?,
            account_id: row.try_get("account_id")?,
            session_id: row.try_get("session_id")?,
            status,
            position: if status == RegistrationStatus::Waiting { Some(row.try_get("position")?) } else { None },
            accessibility_needs: row.try_get("accessibility_needs")?,
            dietary_needs: row.try_get("dietary_needs")?,
            registered_at: row.try_get("registered_at")?,
            promoted_at: row.try_get("promoted_at")?,
            cancelled_at: row.try_get("cancelled_at")?,
            checked_in_at: row.try_get("checked_in_at")?,
        })
    })()
    .context(|| "reading a registration".into())
}

async fn load_event(conn: &mut AnyConnection, id: i64) -> Result<Event> {
    let row = sqlx::query(&format!("SELECT {EVENT_COLUMNS} FROM event WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
        .context(|| format!("reading the event {id}"))?;
    row.as_ref().map(event_of).transpose()?.ok_or_else(|| StoreError::NotFound(format!("the event {id}")))
}

async fn load_session(conn: &mut AnyConnection, id: i64) -> Result<EventSession> {
    let row = sqlx::query(&format!("SELECT {SESSION_COLUMNS} FROM event_session s WHERE s.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .context(|| format!("reading the session {id}"))?;
    let mut session =
        row.as_ref().map(session_of).transpose()?.ok_or_else(|| StoreError::NotFound(format!("the session {id}")))?;
    session.facilitators = facilitators_of(conn, id).await?;
    Ok(session)
}

async fn facilitators_of(conn: &mut AnyConnection, session_id: i64) -> Result<Vec<(i64, String)>> {
    let rows = sqlx::query(
        "SELECT a.id, a.name FROM session_facilitator f JOIN account a ON a.id = f.account_id \
         WHERE f.session_id = $1 ORDER BY a.name, a.id",
    )
    .bind(session_id)
    .fetch_all(conn)
    .await
    .context(|| format!("reading the facilitators of the session {session_id}"))?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<_, sqlx::Error>>()
        .context(|| format!("reading the facilitators of the session {session_id}"))
}

async fn load_registration(conn: &mut AnyConnection, event_id: i64, account_id: i64) -> Result<Option<Registration>> {
    let row = sqlx::query(&format!(
        "SELECT {REGISTRATION_COLUMNS} FROM registration g WHERE g.event_id = $1 AND g.account_id = $2"
    ))
    .bind(event_id)
    .bind(account_id)
    .fetch_optional(conn)
    .await
    .context(|| format!("reading the registration of the account {account_id} for the event {event_id}"))?;
    row.as_ref().map(registration_of).transpose()
}

/// Takes the lock of session `session_id` for the rest of the transaction: on PostgreSQL its
/// row `FOR UPDATE`; on SQLite the transaction already holds the database's one write lock.
async fn lock_session(conn: &mut AnyConnection, backend: Backend, session_id: i64) -> Result<()> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT id FROM event_session WHERE id = $1 FOR UPDATE")
            .bind(session_id)
            .fetch_optional(conn)
            .await
            .context(|| format!("locking the session {session_id}"))?;
    }
    Ok(())
}

/// Gives the free places of breakout `session_id` to its waiting list, first in line first,
/// each promotion with its e-mail in the outbox; returns the registrations promoted. The
/// caller holds the session's lock.
async fn fill_from_waiting_list(conn: &mut AnyConnection, session_id: i64) -> Result<Vec<i64>> {
    let what = || format!("promoting from the waiting list of the session {session_id}");
    let capacity: Option<i64> = sqlx::query_scalar("SELECT capacity FROM event_session WHERE id = $1")
        .bind(session_id)
        .fetch_one(&mut *conn)
        .await
        .context(what)?;
    let mut promoted = Vec::new();
    loop {
        let taken: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM registration WHERE session_id = $1 AND status = 'place'")
                .bind(session_id)
                .fetch_one(&mut *conn)
                .await
                .context(what)?;
        if capacity.is_some_and(|c| taken >= c) {
            break;
        }
        let next: Option<(i64, String)> = sqlx::query_as(
            "SELECT g.id, a.email FROM registration g JOIN account a ON a.id = g.account_id \
             WHERE g.session_id = $1 AND g.status = 'waiting' ORDER BY g.queue_seq, g.id LIMIT 1",
        )
        .bind(session_id)
        .fetch_optional(&mut *conn)
        .await
        .context(what)?;
        let Some((id, email)) = next else { break };
        let now = utc_now();
        sqlx::query("UPDATE registration SET status = 'place', promoted_at = $2 WHERE id = $1 AND status = 'waiting'")
            .bind(id)
            .bind(&now)
            .execute(&mut *conn)
            .await
            .context(what)?;
        add_notice(conn, "promoted", id, &email).await?;
        promoted.push(id);
    }
    Ok(promoted)
}

/// Writes an e-mail owed in the outbox (in the caller's transaction).
pub(crate) async fn add_notice(conn: &mut AnyConnection, kind: &str, subject_id: i64, recipient: &str) -> Result<()> {
    sqlx::query("INSERT INTO notice (kind, subject_id, recipient, created_at) VALUES ($1, $2, $3, $4)")
        .bind(kind)
        .bind(subject_id)
        .bind(recipient)
        .bind(utc_now())
        .execute(conn)
        .await
        .context(|| format!("writing the {kind} e-mail for {subject_id} in the outbox"))?;
    Ok(())
}

impl Store {
    /// Makes an event. Audited (entity `event`).
    ///
    /// # Errors
    /// A field that fails its check (named), a slug taken (a conflict), a failed statement.
    pub async fn create_event(&self, actor: &Actor, fields: &EventFields) -> Result<Event> {
        fields.check()?;
        let what = format!("the event {}", fields.slug);
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO event (slug, title, kind, starts_on, ends_on, venue, description, needs_kept_days, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(&fields.slug)
        .bind(fields.title.trim())
        .bind(&fields.kind)
        .bind(&fields.starts_on)
        .bind(&fields.ends_on)
        .bind(optional(fields.venue.as_deref()))
        .bind(fields.description.trim())
        .bind(fields.needs_kept_days)
        .bind(utc_now())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| write_error(e, &what))?;
        let event = load_event(&mut tx, id).await?;
        record::<(), _>(&mut tx, actor, "event", &id.to_string(), "create", None, Some(&event)).await?;
        tx.commit().await.context(|| format!("{what}: committing"))?;
        Ok(event)
    }

    /// Every event, the newest first.
    ///
    /// # Errors
    /// A failed query.
    pub async fn events(&self) -> Result<Vec<Event>> {
        let rows = sqlx::query(&format!("SELECT {EVENT_COLUMNS} FROM event ORDER BY starts_on DESC, id DESC"))
            .fetch_all(self.pool())
            .await
            .context(|| "reading the events".into())?;
        rows.iter().map(event_of).collect()
    }

    /// The event of `slug`, `None` when there is none.
    ///
    /// # Errors
    /// A failed query.
    pub async fn event(&self, slug: &str) -> Result<Option<Event>> {
        let row = sqlx::query(&format!("SELECT {EVENT_COLUMNS} FROM event WHERE slug = $1"))
            .bind(slug)
            .fetch_optional(self.pool())
            .await
            .context(|| format!("reading the event {slug}"))?;
        row.as_ref().map(event_of).transpose()
    }

    /// Adds a session to event `event_id`. Audited (entity `event_session`).
    ///
    /// # Errors
    /// An unknown event, an empty title, a capacity below 0, a failed statement.
    pub async fn add_session(&self, actor: &Actor, event_id: i64, fields: &SessionFields) -> Result<EventSession> {
        let what = format!("a session of the event {event_id}");
        if fields.title.trim().is_empty() {
            return Err(StoreError::BadInput(format!("{what}: the field title is empty")));
        }
        if fields.capacity.is_some_and(|c| c < 0) {
            return Err(StoreError::BadInput(format!("{what}: the field capacity: expected 0 or more")));
        }
        if let Some(link) = optional(fields.link.as_deref()) {
            check_url(&link, &format!("{what}: the field link"))?;
        }
        let mut tx = self.begin_write().await?;
        load_event(&mut tx, event_id).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO event_session (event_id, kind, title, theme, starts_at, capacity, room, link, description) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(event_id)
        .bind(fields.kind.as_str())
        .bind(fields.title.trim())
        .bind(optional(fields.theme.as_deref()))
        .bind(optional(fields.starts_at.as_deref()))
        .bind(fields.capacity)
        .bind(optional(fields.room.as_deref()))
        .bind(optional(fields.link.as_deref()))
        .bind(fields.description.trim())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| write_error(e, &what))?;
        let session = load_session(&mut tx, id).await?;
        record::<(), _>(&mut tx, actor, "event_session", &id.to_string(), "create", None, Some(&session)).await?;
        tx.commit().await.context(|| format!("{what}: committing"))?;
        Ok(session)
    }

    /// The sessions of event `event_id` with their facilitators and places: plenaries first,
    /// then breakouts, each in the order added.
    ///
    /// # Errors
    /// A failed query.
    pub async fn event_sessions(&self, event_id: i64) -> Result<Vec<EventSession>> {
        let mut conn = self.pool().acquire().await.context(|| "reading the sessions".into())?;
        let rows = sqlx::query(&format!(
            "SELECT {SESSION_COLUMNS} FROM event_session s WHERE s.event_id = $1 \
             ORDER BY CASE s.kind WHEN 'plenary' THEN 0 ELSE 1 END, s.id"
        ))
        .bind(event_id)
        .fetch_all(&mut *conn)
        .await
        .context(|| format!("reading the sessions of the event {event_id}"))?;
        let mut sessions = rows.iter().map(session_of).collect::<Result<Vec<_>>>()?;
        for session in &mut sessions {
            session.facilitators = facilitators_of(&mut conn, session.id).await?;
        }
        Ok(sessions)
    }

    /// Session `id` with its facilitators and places.
    ///
    /// # Errors
    /// An unknown session, a failed query.
    pub async fn event_session(&self, id: i64) -> Result<EventSession> {
        let mut conn = self.pool().acquire().await.context(|| "reading a session".into())?;
        load_session(&mut conn, id).await
    }

    /// Sets the facilitator team of session `session_id` (accounts). Audited.
    ///
    /// # Errors
    /// An unknown session or account, a failed statement.
    pub async fn set_facilitators(&self, actor: &Actor, session_id: i64, accounts: &[i64]) -> Result<EventSession> {
        let what = format!("the facilitators of the session {session_id}");
        let mut tx = self.begin_write().await?;
        let before = load_session(&mut tx, session_id).await?;
        sqlx::query("DELETE FROM session_facilitator WHERE session_id = $1")
            .bind(session_id)
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, &what))?;
        for account in accounts {
            sqlx::query(
                "INSERT INTO session_facilitator (session_id, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(session_id)
            .bind(account)
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, &format!("{what}: the account {account}")))?;
        }
        let after = load_session(&mut tx, session_id).await?;
        record(&mut tx, actor, "event_session", &session_id.to_string(), "facilitators", Some(&before), Some(&after))
            .await?;
        tx.commit().await.context(|| format!("{what}: committing"))?;
        Ok(after)
    }

    /// Sets the capacity of session `session_id` (none: no limit); places freed go to the
    /// waiting list, first in line first. Audited. Returns the session and the registrations
    /// promoted.
    ///
    /// # Errors
    /// An unknown session, a capacity below 0, a failed statement.
    pub async fn set_session_capacity(
        &self,
        actor: &Actor,
        session_id: i64,
        capacity: Option<i64>,
    ) -> Result<(EventSession, Vec<i64>)> {
        let what = format!("the capacity of the session {session_id}");
        if capacity.is_some_and(|c| c < 0) {
            return Err(StoreError::BadInput(format!("{what}: expected 0 or more")));
        }
        let mut tx = self.begin_write().await?;
        lock_session(&mut tx, self.backend(), session_id).await?;
        let before = load_session(&mut tx, session_id).await?;
        sqlx::query("UPDATE event_session SET capacity = $2 WHERE id = $1")
            .bind(session_id)
            .bind(capacity)
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, &what))?;
        let promoted = fill_from_waiting_list(&mut tx, session_id).await?;
        let after = load_session(&mut tx, session_id).await?;
        record(&mut tx, actor, "event_session", &session_id.to_string(), "capacity", Some(&before), Some(&after))
            .await?;
        tx.commit().await.context(|| format!("{what}: committing"))?;
        Ok((after, promoted))
    }

    /// Attaches the recording of session `session_id` (its address). Audited.
    ///
    /// # Errors
    /// An unknown session, an address that is not `https://…` or `http://…`, a failed statement.
    pub async fn attach_recording(&self, actor: &Actor, session_id: i64, url: &str) -> Result<EventSession> {
        let what = format!("the recording of the session {session_id}");
        check_url(url, &what)?;
        let mut tx = self.begin_write().await?;
        let before = load_session(&mut tx, session_id).await?;
        sqlx::query("UPDATE event_session SET recording_url = $2 WHERE id = $1")
            .bind(session_id)
            .bind(url.trim())
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, &what))?;
        let after = load_session(&mut tx, session_id).await?;
        record(&mut tx, actor, "event_session", &session_id.to_string(), "recording", Some(&before), Some(&after))
            .await?;
        tx.commit().await.context(|| format!("{what}: committing"))?;
        Ok(after)
    }

    /// Attaches the report of event `event_id` (its title and address). Audited.
    ///
    /// # Errors
    /// An unknown event, an empty title, an address that is not `https://…` or `http://…` (or
    /// a path of this site, `/…`), a failed statement.
    pub async fn attach_event_report(&self, actor: &Actor, event_id: i64, title: &str, url: &str) -> Result<Event> {
        let what = format!("the report of the event {event_id}");
        check_url(url, &what)?;
        if title.trim().is_empty() {
            return Err(StoreError::BadInput(format!("{what}: the field title is empty")));
        }
        let mut tx = self.begin_write().await?;
        let before = load_event(&mut tx, event_id).await?;
        sqlx::query("UPDATE event SET report_title = $2, report_url = $3 WHERE id = $1")
            .bind(event_id)
            .bind(title.trim())
            .bind(url.trim())
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, &what))?;
        let after = load_event(&mut tx, event_id).await?;
        record(&mut tx, actor, "event", &event_id.to_string(), "report", Some(&before), Some(&after)).await?;
        tx.commit().await.context(|| format!("{what}: committing"))?;
        Ok(after)
    }

    /// Registers member `account_id` for event `event_id`, with the breakout chosen: a place
    /// while the breakout has one, else the next place on its waiting list (a breakout without
    /// a capacity, or no breakout, always gives a place). A member registered before and
    /// cancelled registers again (at the end of the line).
    ///
    /// # Errors
    /// An unknown event or account, a session not of this event or not a breakout, a member
    /// registered already (a conflict), a failed statement.
    pub async fn register(
        &self,
        account_id: i64,
        event_id: i64,
        request: &RegistrationRequest,
    ) -> Result<Registration> {
        let what = format!("the registration of the account {account_id} for the event {event_id}");
        let mut tx = self.begin_write().await?;
        if let Some(session_id) = request.session_id {
            lock_session(&mut tx, self.backend(), session_id).await?;
        }
        load_event(&mut tx, event_id).await?;
        let (status, queue_seq) = match request.session_id {
            None => ("place", 0),
            Some(session_id) => {
                let row: Option<(i64, String, Option<i64>)> =
                    sqlx::query_as("SELECT event_id, kind, capacity FROM event_session WHERE id = $1")
                        .bind(session_id)
                        .fetch_optional(&mut *tx)
                        .await
                        .context(|| what.clone())?;
                let Some((session_event, kind, capacity)) = row else {
                    return Err(StoreError::NotFound(format!("{what}: the session {session_id}")));
                };
                if session_event != event_id || kind != "breakout" {
                    return Err(StoreError::BadInput(format!(
                        "{what}: the session {session_id} is not a breakout of this event"
                    )));
                }
                let (taken, last): (i64, Option<i64>) = sqlx::query_as(
                    "SELECT COUNT(CASE WHEN status = 'place' THEN 1 END), MAX(queue_seq) FROM registration \
                     WHERE session_id = $1",
                )
                .bind(session_id)
                .fetch_one(&mut *tx)
                .await
                .context(|| what.clone())?;
                let status = if capacity.is_some_and(|c| taken >= c) { "waiting" } else { "place" };
                (status, last.unwrap_or(0) + 1)
            }
        };
        let now = utc_now();
        let accessibility = optional(request.accessibility_needs.as_deref());
        let dietary = optional(request.dietary_needs.as_deref());
        let existing = load_registration(&mut tx, event_id, account_id).await?;
        match existing {
            Some(r) if r.status != RegistrationStatus::Cancelled => {
                return Err(StoreError::Conflict(format!("{what}: already registered (cancel it first to change)")));
            }
            Some(r) => {
                sqlx::query(
                    "UPDATE registration SET session_id = $2, status = $3, queue_seq = $4, accessibility_needs = $5, \
                     dietary_needs = $6, registered_at = $7, promoted_at = NULL, cancelled_at = NULL, \
                     checked_in_at = NULL WHERE id = $1",
                )
                .bind(r.id)
                .bind(request.session_id)
                .bind(status)
                .bind(queue_seq)
                .bind(accessibility)
                .bind(dietary)
                .bind(&now)
                .execute(&mut *tx)
                .await
                .map_err(|e| write_error(e, &what))?;
            }
            None => {
                sqlx::query(
                    "INSERT INTO registration (event_id, account_id, session_id, status, queue_seq, \
                     accessibility_needs, dietary_needs, registered_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(event_id)
                .bind(account_id)
                .bind(request.session_id)
                .bind(status)
                .bind(queue_seq)
                .bind(accessibility)
                .bind(dietary)
                .bind(&now)
                .execute(&mut *tx)
                .await
                .map_err(|e| write_error(e, &what))?;
            }
        }
        let registration = load_registration(&mut tx, event_id, account_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(what.clone()))?;
        tx.commit().await.context(|| format!("{what}: committing"))?;
        Ok(registration)
    }

    /// Cancels member `account_id`'s registration for event `event_id` (its needs are cleared
    /// at once: no longer needed). A place freed in a breakout goes to the first in line, in
    /// the same transaction, with its e-mail in the outbox. Returns the registration cancelled
    /// and the registrations promoted; cancelling one cancelled already promotes no one.
    ///
    /// # Errors
    /// No registration, a failed statement.
    pub async fn cancel_registration(&self, account_id: i64, event_id: i64) -> Result<(Registration, Vec<i64>)> {
        let what = format!("cancelling the registration of the account {account_id} for the event {event_id}");
        let mut tx = self.begin_write().await?;
        let session: Option<Option<i64>> =
            sqlx::query_scalar("SELECT session_id FROM registration WHERE event_id = $1 AND account_id = $2")
                .bind(event_id)
                .bind(account_id)
                .fetch_optional(&mut *tx)
                .await
                .context(|| what.clone())?;
        let Some(session) = session else { return Err(StoreError::NotFound(what)) };
        if let Some(session_id) = session {
            lock_session(&mut tx, self.backend(), session_id).await?;
        }
        // Read again under the lock: a cancellation that ran meanwhile is seen.
        let before = load_registration(&mut tx, event_id, account_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(what.clone()))?;
        let mut promoted = Vec::new();
        if before.status != RegistrationStatus::Cancelled {
            sqlx::query(
                "UPDATE registration SET status = 'cancelled', cancelled_at = $2, accessibility_needs = NULL, \
                 dietary_needs = NULL WHERE id = $1",
            )
            .bind(before.id)
            .bind(utc_now())
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, &what))?;
            if let (RegistrationStatus::Place, Some(session_id)) = (before.status, before.session_id) {
                promoted = fill_from_waiting_list(&mut tx, session_id).await?;
            }
        }
        let after = load_registration(&mut tx, event_id, account_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(what.clone()))?;
        tx.commit().await.context(|| format!("{what}: committing"))?;
        Ok((after, promoted))
    }

    /// Member `account_id`'s registration for event `event_id` (theirs only: with their needs).
    ///
    /// # Errors
    /// A failed query.
    pub async fn registration(&self, event_id: i64, account_id: i64) -> Result<Option<Registration>> {
        let mut conn = self.pool().acquire().await.context(|| "reading a registration".into())?;
        load_registration(&mut conn, event_id, account_id).await
    }

    /// Registration `id`, for a notice about it.
    ///
    /// # Errors
    /// An unknown registration, a failed query.
    pub async fn registration_by_id(&self, id: i64) -> Result<Registration> {
        let row = sqlx::query(&format!("SELECT {REGISTRATION_COLUMNS} FROM registration g WHERE g.id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await
            .context(|| format!("reading the registration {id}"))?;
        row.as_ref()
            .map(registration_of)
            .transpose()?
            .ok_or_else(|| StoreError::NotFound(format!("the registration {id}")))
    }

    /// The waiting list of breakout `session_id`, first in line first.
    ///
    /// # Errors
    /// A failed query.
    pub async fn waiting_list(&self, session_id: i64) -> Result<Vec<Registration>> {
        let rows = sqlx::query(&format!(
            "SELECT {REGISTRATION_COLUMNS} FROM registration g WHERE g.session_id = $1 AND g.status = 'waiting' \
             ORDER BY g.queue_seq, g.id"
        ))
        .bind(session_id)
        .fetch_all(self.pool())
        .await
        .context(|| format!("reading the waiting list of the session {session_id}"))?;
        rows.iter().map(registration_of).collect()
    }

    /// Every registration of event `event_id` with a place or waiting, with the member's name
    /// and address and the breakout's title, by name: the check-in list (for the events staff:
    /// it holds the needs).
    ///
    /// # Errors
    /// A failed query.
    pub async fn check_in_list(&self, event_id: i64) -> Result<Vec<CheckInRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {REGISTRATION_COLUMNS}, a.name AS member_name, a.email AS member_email, s.title AS session_title \
             FROM registration g JOIN account a ON a.id = g.account_id \
             LEFT JOIN event_session s ON s.id = g.session_id \
             WHERE g.event_id = $1 AND g.status <> 'cancelled' ORDER BY a.name, g.id"
        ))
        .bind(event_id)
        .fetch_all(self.pool())
        .await
        .context(|| format!("reading the check-in list of the event {event_id}"))?;
        rows.iter()
            .map(|row| {
                Ok(CheckInRow {
                    registration: registration_of(row)?,
                    name: row.try_get("member_name").context(|| "reading the check-in list".into())?,
                    email: row.try_get("member_email").context(|| "reading the check-in list".into())?,
                    session_title: row.try_get("session_title").context(|| "reading the check-in list".into())?,
                })
            })
            .collect()
    }

    /// Checks registration `registration_id` in (or out again). Audited without the needs.
    ///
    /// # Errors
    /// An unknown registration, one cancelled, a failed statement.
    pub async fn check_in(&self, actor: &Actor, registration_id: i64, checked_in: bool) -> Result<()> {
        let what = format!("checking in the registration {registration_id}");
        let mut tx = self.begin_write().await?;
        let changed = sqlx::query("UPDATE registration SET checked_in_at = $2 WHERE id = $1 AND status <> 'cancelled'")
            .bind(registration_id)
            .bind(checked_in.then(utc_now))
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, &what))?
            .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound(format!("{what}: no such registration (not cancelled)")));
        }
        let after = serde_json::json!({ "registration": registration_id, "checked_in": checked_in });
        record::<(), _>(&mut tx, actor, "registration", &registration_id.to_string(), "check-in", None, Some(&after))
            .await?;
        tx.commit().await.context(|| format!("{what}: committing"))?;
        Ok(())
    }

    /// The sessions member `account_id` facilitated, over the years, the newest first (for
    /// their profile).
    ///
    /// # Errors
    /// A failed query.
    pub async fn facilitated_sessions(&self, account_id: i64) -> Result<Vec<FacilitatedSession>> {
        let rows = sqlx::query(
            "SELECT e.slug, e.title AS event_title, e.starts_on, s.id, s.title, s.theme, s.recording_url \
             FROM session_facilitator f JOIN event_session s ON s.id = f.session_id JOIN event e ON e.id = s.event_id \
             WHERE f.account_id = $1 ORDER BY e.starts_on DESC, s.id",
        )
        .bind(account_id)
        .fetch_all(self.pool())
        .await
        .context(|| format!("reading the sessions facilitated by the account {account_id}"))?;
        rows.iter()
            .map(|r| {
                Ok(FacilitatedSession {
                    event_slug: r.try_get("slug")?,
                    event_title: r.try_get("event_title")?,
                    starts_on: r.try_get("starts_on")?,
                    session_id: r.try_get("id")?,
                    title: r.try_get("title")?,
                    theme: r.try_get("theme")?,
                    recording_url: r.try_get("recording_url")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .context(|| format!("reading the sessions facilitated by the account {account_id}"))
    }

    /// The e-mails owed and not yet sent nor claimed, oldest first, at most `limit`.
    ///
    /// # Errors
    /// A failed query.
    pub async fn pending_notices(&self, limit: i64) -> Result<Vec<Notice>> {
        let rows: Vec<(i64, String, i64, String, String)> = sqlx::query_as(
            "SELECT id, kind, subject_id, recipient, created_at FROM notice \
             WHERE sent_at IS NULL AND claimed_at IS NULL ORDER BY id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await
        .context(|| "reading the outbox".into())?;
        Ok(rows
            .into_iter()
            .map(|(id, kind, subject_id, recipient, created_at)| Notice { id, kind, subject_id, recipient, created_at })
            .collect())
    }

    /// Claims notice `id` for sending: `true` for the one caller that claims it (so that two
    /// senders never both send it).
    ///
    /// # Errors
    /// A failed statement.
    pub async fn claim_notice(&self, id: i64) -> Result<bool> {
        let done =
            sqlx::query("UPDATE notice SET claimed_at = $2 WHERE id = $1 AND claimed_at IS NULL AND sent_at IS NULL")
                .bind(id)
                .bind(utc_now())
                .execute(self.pool())
                .await
                .context(|| format!("claiming the notice {id}"))?;
        Ok(done.rows_affected() == 1)
    }

    /// Marks notice `id` sent (`true`) or releases its claim to be tried again (`false`).
    ///
    /// # Errors
    /// A failed statement.
    pub async fn finish_notice(&self, id: i64, sent: bool) -> Result<()> {
        let query = if sent {
            sqlx::query("UPDATE notice SET sent_at = $2 WHERE id = $1").bind(id).bind(utc_now())
        } else {
            sqlx::query("UPDATE notice SET claimed_at = NULL WHERE id = $1").bind(id)
        };
        query.execute(self.pool()).await.context(|| format!("marking the notice {id}"))?;
        Ok(())
    }

    /// The retention job, at time `now`: clears the accessibility and dietary needs of the
    /// registrations of every event that ended more than its `needs_kept_days` ago (day
    /// `ends_on + needs_kept_days` is the last kept); deletes contact queries closed more than
    /// `retention.closed_queries_days` ago with their threads; deletes the outbox's records of
    /// e-mails sent more than `retention.sent_notices_days` ago. Each event in one
    /// transaction; running it again clears nothing more.
    ///
    /// # Errors
    /// A failed statement (what was cleared before it stays cleared).
    pub async fn enforce_retention(&self, now: SystemTime, retention: &Retention) -> Result<RetentionOutcome> {
        let mut outcome = RetentionOutcome::default();
        let now_text = utc_at(now);
        let today = &now_text[..10];
        let Some(today_days) = days_of(today) else { return Ok(outcome) };
        let due: Vec<(i64, String, String, i64)> = sqlx::query_as(
            "SELECT id, slug, ends_on, needs_kept_days FROM event WHERE needs_cleared_at IS NULL AND ends_on < $1",
        )
        .bind(today)
        .fetch_all(self.pool())
        .await
        .context(|| "reading the events whose needs may be due for clearing".into())?;
        for (id, slug, ends_on, kept) in due {
            let Some(end) = days_of(&ends_on) else { continue };
            if end + kept >= today_days {
                continue;
            }
            let what = format!("clearing the needs of the event {slug}");
            let mut tx = self.begin_write().await?;
            let cleared = sqlx::query(
                "UPDATE registration SET accessibility_needs = NULL, dietary_needs = NULL WHERE event_id = $1 \
                 AND (accessibility_needs IS NOT NULL OR dietary_needs IS NOT NULL)",
            )
            .bind(id)
            .execute(&mut *tx)
            .await
            .context(|| what.clone())?
            .rows_affected();
            sqlx::query("UPDATE event SET needs_cleared_at = $2 WHERE id = $1")
                .bind(id)
                .bind(&now_text)
                .execute(&mut *tx)
                .await
                .context(|| what.clone())?;
            let after = serde_json::json!({ "registrations_cleared": cleared });
            record::<(), _>(&mut tx, &Actor::Cli, "event", &id.to_string(), "needs cleared", None, Some(&after))
                .await?;
            tx.commit().await.context(|| format!("{what}: committing"))?;
            outcome.needs_cleared += cleared;
            outcome.events_cleared.push(slug);
        }
        let days = |n: u64| utc_at(now.checked_sub(Duration::from_secs(n * 86_400)).unwrap_or(SystemTime::UNIX_EPOCH));
        let mut tx = self.begin_write().await?;
        outcome.queries_deleted = sqlx::query("DELETE FROM contact_query WHERE status = 'closed' AND closed_at < $1")
            .bind(days(retention.closed_queries_days))
            .execute(&mut *tx)
            .await
            .context(|| "deleting the closed contact queries past their retention".into())?
            .rows_affected();
        outcome.notices_deleted = sqlx::query("DELETE FROM notice WHERE sent_at IS NOT NULL AND sent_at < $1")
            .bind(days(retention.sent_notices_days))
            .execute(&mut *tx)
            .await
            .context(|| "deleting the outbox's sent records past their retention".into())?
            .rows_affected();
        tx.commit().await.context(|| "the retention job: committing".into())?;
        Ok(outcome)
    }
}

/// Checks `url` is an address a page may link to: `https://…`, `http://…` or a path of this
/// site (`/…`, not `//…`).
///
/// # Errors
/// Any other address (`javascript:…`, `//host`, text with spaces), named with `what`.
pub fn check_url(url: &str, what: &str) -> Result<()> {
    let url = url.trim();
    let ok =
        (url.starts_with("https://") || url.starts_with("http://") || (url.starts_with('/') && !url.starts_with("//")))
            && url.len() <= 2000
            && !url.contains(char::is_whitespace);
    if ok {
        Ok(())
    } else {
        Err(StoreError::BadInput(format!("{what}: the address \"{url}\": expected https://…, http://… or /…")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_of_dates() {
        assert_eq!(days_of("1970-01-01"), Some(0));
        assert_eq!(days_of("2000-02-29"), Some(11_016));
        assert_eq!(days_of("2027-01-01"), Some(20_819));
        assert_eq!(days_of("1969-12-31"), Some(-1));
        assert_eq!(days_of("2023-02-29"), None);
    }

    #[test]
    fn addresses() {
        assert!(check_url("https://example.org/a.pdf", "x").is_ok());
        assert!(check_url("/reports/a.pdf", "x").is_ok());
        assert!(check_url("//evil.example", "x").is_err());
        assert!(check_url("javascript:alert(1)", "x").is_err());
    }
}
