//! The newsletter: subscribers (confirmed by a link before they are active: double opt-in),
//! issues (Markdown drafts, then sent), the per-recipient send ledger that makes a send
//! resumable without sending anyone an issue twice, bounces and complaints, the public archive,
//! and each member's place section (the latest indicators that changed in their places since
//! the last issue, beside England).
//!
//! The send ledger (`newsletter_delivery`): a recipient's row is written and committed
//! (`sending`) before their message is handed to the SMTP server, and set to `sent`, `failed`
//! (refused for now: sent again on resume) or `bounced` (refused for good) after. A resumed
//! send claims only recipients without a row (or with a `failed` one), so a crash can leave at
//! most the messages in flight "in doubt" (`sending`: perhaps delivered), which are never sent
//! again. [`Store::record_deliveries`] does a round of both in one commit: the outcomes of the
//! messages finished since the sender's last round, and the claims of the next ones.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::members::record_consent;
use super::write_error;
use crate::audit::record;
use crate::error::{Context, Result, StoreError};
use crate::{normalise_email, utc_now, Actor, Store, ValueRow};

/// Where a subscriber stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SubscriberStatus {
    /// Receives the newsletter.
    Active,
    /// Unsubscribed.
    Unsubscribed,
    /// Their address bounced for good.
    Bounced,
    /// They reported a message as spam.
    Complained,
}

impl SubscriberStatus {
    /// The name stored.
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriberStatus::Active => "active",
            SubscriberStatus::Unsubscribed => "unsubscribed",
            SubscriberStatus::Bounced => "bounced",
            SubscriberStatus::Complained => "complained",
        }
    }

    fn parse(text: &str) -> Option<SubscriberStatus> {
        Some(match text {
            "active" => SubscriberStatus::Active,
            "unsubscribed" => SubscriberStatus::Unsubscribed,
            "bounced" => SubscriberStatus::Bounced,
            "complained" => SubscriberStatus::Complained,
            _ => return None,
        })
    }
}

/// A newsletter subscriber.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Subscriber {
    /// Its id.
    pub id: i64,
    /// The address.
    pub email: String,
    /// The member's account, if they are one.
    pub account_id: Option<i64>,
    /// Where they stand.
    pub status: SubscriberStatus,
    /// The token of their unsubscribe links.
    #[serde(skip)]
    pub unsubscribe_token: String,
    /// When they subscribed (confirmed).
    pub subscribed_at: String,
    /// When their status last changed.
    pub changed_at: String,
}

const SUBSCRIBER_COLUMNS: &str = "id, email, account_id, status, unsubscribe_token, subscribed_at, changed_at";

fn subscriber_of(row: &AnyRow) -> Result<Subscriber> {
    (|| -> Result<Subscriber, sqlx::Error> {
        let status: String = row.try_get("status")?;
        Ok(Subscriber {
            id: row.try_get("id")?,
            email: row.try_get("email")?,
            account_id: row.try_get("account_id")?,
            status: SubscriberStatus::parse(&status).unwrap_or(SubscriberStatus::Unsubscribed),
            unsubscribe_token: row.try_get("unsubscribe_token")?,
            subscribed_at: row.try_get("subscribed_at")?,
            changed_at: row.try_get("changed_at")?,
        })
    })()
    .context(|| "reading a subscriber".into())
}

/// Makes `email` an active subscriber (joined to `account_id` when given), new with
/// `unsubscribe_token` or the existing row made active again (its token kept); its id.
pub(crate) async fn activate_subscriber(
    conn: &mut AnyConnection,
    email: &str,
    account_id: Option<i64>,
    unsubscribe_token: &str,
) -> Result<i64> {
    let what = format!("the subscription of {email}");
    let now = utc_now();
    let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM subscriber WHERE email = $1")
        .bind(email)
        .fetch_optional(&mut *conn)
        .await
        .context(|| format!("reading {what}"))?;
    match existing {
        Some(id) => {
            sqlx::query(
                "UPDATE subscriber SET status = 'active', changed_at = $2, account_id = COALESCE($3, account_id) \
                 WHERE id = $1",
            )
            .bind(id)
            .bind(&now)
            .bind(account_id)
            .execute(&mut *conn)
            .await
            .map_err(|e| write_error(e, &what))?;
            Ok(id)
        }
        None => sqlx::query_scalar(
            "INSERT INTO subscriber (email, account_id, status, unsubscribe_token, subscribed_at, changed_at) \
             VALUES ($1, $2, 'active', $3, $4, $4) RETURNING id",
        )
        .bind(email)
        .bind(account_id)
        .bind(unsubscribe_token)
        .bind(&now)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| write_error(e, &what)),
    }
}

/// An issue of the newsletter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Issue {
    /// Its id (its number in the archive).
    pub id: i64,
    /// The subject line.
    pub subject: String,
    /// The body, in Markdown.
    pub body: String,
    /// Whether each member's place section is added.
    pub personalised: bool,
    /// `draft`, `sending` or `sent`.
    pub status: String,
    /// The release its place sections were drawn from (set when the send starts).
    pub release_id: Option<i64>,
    /// When it was written.
    pub created_at: String,
    /// When it was last changed.
    pub updated_at: String,
    /// When its send finished.
    pub sent_at: Option<String>,
}

/// A draft's fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssueDraft {
    /// The subject line (one line, not empty).
    pub subject: String,
    /// The body in Markdown.
    pub body: String,
    /// Whether each member's place section is added.
    pub personalised: bool,
}

const ISSUE_COLUMNS: &str = "id, subject, body, personalised, status, release_id, created_at, updated_at, sent_at";

fn issue_of(row: &AnyRow) -> Result<Issue> {
    (|| -> Result<Issue, sqlx::Error> {
        Ok(Issue {
            id: row.try_get("id")?,
            subject: row.try_get("subject")?,
            body: row.try_get("body")?,
            personalised: row.try_get::<i64, _>("personalised")? != 0,
            status: row.try_get("status")?,
            release_id: row.try_get("release_id")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
            sent_at: row.try_get("sent_at")?,
        })
    })()
    .context(|| "reading an issue of the newsletter".into())
}

async fn load_issue(conn: &mut AnyConnection, id: i64) -> Result<Option<Issue>> {
    let row = sqlx::query(&format!("SELECT {ISSUE_COLUMNS} FROM newsletter_issue WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
        .context(|| format!("reading the issue {id}"))?;
    row.as_ref().map(issue_of).transpose()
}

impl IssueDraft {
    fn checked(&self) -> Result<IssueDraft> {
        let subject = self.subject.trim();
        if subject.is_empty() || subject.contains(['\r', '\n']) || subject.chars().count() > 200 {
            return Err(StoreError::BadInput("the issue's subject: expected one line of 1 to 200 characters".into()));
        }
        if self.body.len() > 1_000_000 {
            return Err(StoreError::BadInput("the issue's body: expected at most a million bytes".into()));
        }
        Ok(IssueDraft { subject: subject.to_string(), body: self.body.clone(), personalised: self.personalised })
    }
}

/// One recipient of an issue: the subscriber, their name and their places when they are a
/// member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    /// The subscriber's id.
    pub subscriber_id: i64,
    /// The address.
    pub email: String,
    /// The member's name, if they are one.
    pub name: Option<String>,
    /// The area codes of the member's places (none for a subscriber without an account).
    pub places: Vec<String>,
    /// The token of their unsubscribe links.
    pub unsubscribe_token: String,
}

/// What happened to one recipient's message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Accepted by the SMTP server.
    Sent,
    /// Refused for now (tried again when the send resumes).
    Failed,
    /// Refused for good (the subscriber is marked bounced).
    Bounced,
}

impl DeliveryStatus {
    fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Bounced => "bounced",
        }
    }
}

/// How an issue's send stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DeliveryCounts {
    /// Messages accepted by the SMTP server.
    pub sent: i64,
    /// Messages refused for now (sent again on resume).
    pub failed: i64,
    /// Messages refused for good.
    pub bounced: i64,
    /// Messages in flight when a send stopped: perhaps delivered, never sent again.
    pub in_doubt: i64,
    /// Active subscribers not yet sent the issue.
    pub pending: i64,
}

/// The start (or resumption) of an issue's send.
#[derive(Clone, Debug, PartialEq)]
pub struct SendStart {
    /// The issue, now `sending` (or `sent` already).
    pub issue: Issue,
    /// The release of the previous sent issue: the place sections report what changed since
    /// it (`None`: no earlier issue, every latest value is new).
    pub previous_release_id: Option<i64>,
}

/// One indicator that changed in a place since the last issue, beside England.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlaceChange {
    /// The area's code.
    pub area_code: String,
    /// The area's name.
    pub area_name: String,
    /// The indicator's id.
    pub indicator_id: String,
    /// The indicator's name.
    pub indicator_name: String,
    /// The sex of the row (Persons when the indicator has it).
    pub sex: String,
    /// The latest period.
    pub time_period: String,
    /// The latest value (`None`: suppressed).
    pub value: Option<f64>,
    /// The period and value the previous issue's release had (`None`: the indicator is new).
    pub previous: Option<(String, Option<f64>)>,
    /// England's value for the period (the benchmark of the row, or England's own row).
    pub england: Option<f64>,
    /// The comparison with England at 95% ("Better", "Similar", "Worse", "Higher", "Lower",
    /// "Not compared"), as computed.
    pub compared_with_england: Option<String>,
}

/// England's area code.
pub const ENGLAND: &str = "E92000001";

/// Per area, indicator: the chosen whole-area row (Persons when there is one, else the first
/// sex; the first age).
fn chosen_rows(rows: Vec<ValueRow>) -> BTreeMap<(String, String), ValueRow> {
    let mut out: BTreeMap<(String, String), ValueRow> = BTreeMap::new();
    for row in rows {
        let key = (row.area_code.clone(), row.indicator_id.clone());
        match out.get(&key) {
            Some(kept) if kept.sex == "Persons" || row.sex != "Persons" => {}
            _ => {
                out.insert(key, row);
            }
        }
    }
    out
}

impl Store {
    /// Confirms a subscription of `email` (its link was just followed): an active subscriber
    /// (new with `unsubscribe_token`, or the existing row made active again, joined to the
    /// account of that address if any), and the consent ledger's row (`wording` shown, `method`).
    /// Audited (`subscriber`, `subscribe`).
    ///
    /// # Errors
    /// A bad address, or a failed statement.
    pub async fn confirm_subscription(
        &self,
        email: &str,
        wording: &str,
        method: &str,
        unsubscribe_token: &str,
    ) -> Result<Subscriber> {
        let email = normalise_email(email)?;
        let what = format!("the subscription of {email}");
        let mut tx = self.begin_write().await?;
        let account: Option<i64> = sqlx::query_scalar("SELECT id FROM account WHERE email = $1")
            .bind(&email)
            .fetch_optional(&mut *tx)
            .await
            .context(|| format!("{what}: reading the accounts"))?;
        let id = activate_subscriber(&mut tx, &email, account, unsubscribe_token).await?;
        record_consent(&mut tx, &format!("subscriber:{id}"), "newsletter", true, wording, method).await?;
        let after = load_subscriber(&mut tx, id).await?.ok_or_else(|| StoreError::NotFound(what.clone()))?;
        let actor = account.map(Actor::User).unwrap_or(Actor::Cli);
        record::<(), _>(&mut tx, &actor, "subscriber", &id.to_string(), "subscribe", None, Some(&after)).await?;
        tx.commit().await.context(|| format!("{what}: committing"))?;
        Ok(after)
    }

    /// The subscriber of `email` (any case), if any.
    ///
    /// # Errors
    /// A failed query.
    pub async fn subscriber_by_email(&self, email: &str) -> Result<Option<Subscriber>> {
        let Ok(email) = normalise_email(email) else { return Ok(None) };
        let row = sqlx::query(&format!("SELECT {SUBSCRIBER_COLUMNS} FROM subscriber WHERE email = $1"))
            .bind(&email)
            .fetch_optional(self.pool())
            .await
            .context(|| "reading a subscriber".into())?;
        row.as_ref().map(subscriber_of).transpose()
    }

    /// The subscriber whose unsubscribe token is `token`, if any.
    ///
    /// # Errors
    /// A failed query.
    pub async fn subscriber_by_token(&self, token: &str) -> Result<Option<Subscriber>> {
        let row = sqlx::query(&format!("SELECT {SUBSCRIBER_COLUMNS} FROM subscriber WHERE unsubscribe_token = $1"))
            .bind(token)
            .fetch_optional(self.pool())
            .await
            .context(|| "reading a subscriber".into())?;
        row.as_ref().map(subscriber_of).transpose()
    }

    /// The subscription of account `account_id`, if any.
    ///
    /// # Errors
    /// A failed query.
    pub async fn subscriber_of_account(&self, account_id: i64) -> Result<Option<Subscriber>> {
        let row = sqlx::query(&format!(
            "SELECT {SUBSCRIBER_COLUMNS} FROM subscriber WHERE account_id = $1 ORDER BY id LIMIT 1"
        ))
        .bind(account_id)
        .fetch_optional(self.pool())
        .await
        .context(|| "reading a subscriber".into())?;
        row.as_ref().map(subscriber_of).transpose()
    }

    /// Unsubscribes the subscriber of `token` (recording the withdrawal in the consent ledger
    /// with `method`: "one-click unsubscribe (RFC 8058)", "the unsubscribe page"); the
    /// subscriber, `None` for an unknown token. Unsubscribing twice changes nothing more.
    ///
    /// # Errors
    /// A failed statement.
    pub async fn unsubscribe(&self, token: &str, method: &str) -> Result<Option<Subscriber>> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(&format!("SELECT {SUBSCRIBER_COLUMNS} FROM subscriber WHERE unsubscribe_token = $1"))
            .bind(token)
            .fetch_optional(&mut *tx)
            .await
            .context(|| "reading a subscriber".into())?;
        let Some(before) = row.as_ref().map(subscriber_of).transpose()? else { return Ok(None) };
        if before.status != SubscriberStatus::Active {
            return Ok(Some(before));
        }
        let what = format!("unsubscribing the subscriber {}", before.id);
        sqlx::query("UPDATE subscriber SET status = 'unsubscribed', changed_at = $2 WHERE id = $1")
            .bind(before.id)
            .bind(utc_now())
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, &what))?;
        record_consent(&mut tx, &format!("subscriber:{}", before.id), "newsletter", false, "Unsubscribe", method)
            .await?;
        let after = load_subscriber(&mut tx, before.id).await?.ok_or_else(|| StoreError::NotFound(what.clone()))?;
        let actor = before.account_id.map(Actor::User).unwrap_or(Actor::Cli);
        record(&mut tx, &actor, "subscriber", &before.id.to_string(), "unsubscribe", Some(&before), Some(&after))
            .await?;
        tx.commit().await.context(|| format!("{what}: committing"))?;
        Ok(Some(after))
    }

    /// Records a bounce (`kind` "bounce": the address refused for good) or a complaint
    /// ("complaint": reported as spam) for the subscriber of `email`, from issue `issue_id`
    /// if known, with `detail` (the server's words); the subscriber is marked bounced or
    /// complained and is sent nothing more. `None` when no subscriber has the address.
    ///
    /// # Errors
    /// An unknown kind, or a failed statement.
    pub async fn record_mail_event(
        &self,
        actor: &Actor,
        email: &str,
        kind: &str,
        issue_id: Option<i64>,
        detail: &str,
    ) -> Result<Option<Subscriber>> {
        let status = match kind {
            "bounce" => SubscriberStatus::Bounced,
            "complaint" => SubscriberStatus::Complained,
            _ => return Err(StoreError::BadInput(format!("the mail event \"{kind}\": expected bounce or complaint"))),
        };
        let Ok(email) = normalise_email(email) else { return Ok(None) };
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(&format!("SELECT {SUBSCRIBER_COLUMNS} FROM subscriber WHERE email = $1"))
            .bind(&email)
            .fetch_optional(&mut *tx)
            .await
            .context(|| "reading a subscriber".into())?;
        let Some(before) = row.as_ref().map(subscriber_of).transpose()? else { return Ok(None) };
        let what = format!("the {kind} of the subscriber {}", before.id);
        mark_event(&mut tx, before.id, status, kind, issue_id, detail).await?;
        let after = load_subscriber(&mut tx, before.id).await?.ok_or_else(|| StoreError::NotFound(what.clone()))?;
        record(&mut tx, actor, "subscriber", &before.id.to_string(), kind, Some(&before), Some(&after)).await?;
        tx.commit().await.context(|| format!("{what}: committing"))?;
        Ok(Some(after))
    }

    /// The bounces and complaints of subscriber `id`: (kind, issue, detail, when), oldest first.
    ///
    /// # Errors
    /// A failed query.
    pub async fn mail_events(&self, subscriber_id: i64) -> Result<Vec<(String, Option<i64>, String, String)>> {
        let rows = sqlx::query(
            "SELECT kind, issue_id, detail, recorded_at FROM mail_event WHERE subscriber_id = $1 ORDER BY id",
        )
        .bind(subscriber_id)
        .fetch_all(self.pool())
        .await
        .context(|| format!("reading the mail events of the subscriber {subscriber_id}"))?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
            .collect::<Result<_, sqlx::Error>>()
            .context(|| format!("reading the mail events of the subscriber {subscriber_id}"))
    }

    /// How many subscribers are active.
    ///
    /// # Errors
    /// A failed query.
    pub async fn active_subscribers(&self) -> Result<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM subscriber WHERE status = 'active'")
            .fetch_one(self.pool())
            .await
            .context(|| "counting the subscribers".into())
    }

    /// Writes a new draft issue (audited).
    ///
    /// # Errors
    /// An empty or multi-line subject, or a failed statement.
    pub async fn create_issue(&self, actor: &Actor, draft: &IssueDraft) -> Result<Issue> {
        let draft = draft.checked()?;
        let now = utc_now();
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO newsletter_issue (subject, body, personalised, status, created_at, updated_at) \
             VALUES ($1, $2, $3, 'draft', $4, $4) RETURNING id",
        )
        .bind(&draft.subject)
        .bind(&draft.body)
        .bind(i64::from(draft.personalised))
        .bind(&now)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| write_error(e, "a new issue"))?;
        let after = load_issue(&mut tx, id).await?.ok_or_else(|| StoreError::NotFound(format!("the issue {id}")))?;
        record::<(), _>(&mut tx, actor, "newsletter", &id.to_string(), "create", None, Some(&after)).await?;
        tx.commit().await.context(|| format!("the issue {id}: committing"))?;
        Ok(after)
    }

    /// Changes draft issue `id` (audited); an issue being sent or sent cannot change.
    ///
    /// # Errors
    /// An unknown issue, one no longer a draft (a conflict), a bad subject, or a failed
    /// statement.
    pub async fn update_issue(&self, actor: &Actor, id: i64, draft: &IssueDraft) -> Result<Issue> {
        let draft = draft.checked()?;
        let what = format!("the issue {id}");
        let mut tx = self.begin_write().await?;
        let before = load_issue(&mut tx, id).await?.ok_or_else(|| StoreError::NotFound(what.clone()))?;
        if before.status != "draft" {
            return Err(StoreError::Conflict(format!("{what} is {}: only a draft can change", before.status)));
        }
        sqlx::query(
            "UPDATE newsletter_issue SET subject = $2, body = $3, personalised = $4, updated_at = $5 WHERE id = $1",
        )
        .bind(id)
        .bind(&draft.subject)
        .bind(&draft.body)
        .bind(i64::from(draft.personalised))
        .bind(utc_now())
        .execute(&mut *tx)
        .await
        .map_err(|e| write_error(e, &what))?;
        let after = load_issue(&mut tx, id).await?.ok_or_else(|| StoreError::NotFound(what.clone()))?;
        record(&mut tx, actor, "newsletter", &id.to_string(), "update", Some(&before), Some(&after)).await?;
        tx.commit().await.context(|| format!("{what}: committing"))?;
        Ok(after)
    }

    /// Issue `id`.
    ///
    /// # Errors
    /// A failed query.
    pub async fn issue(&self, id: i64) -> Result<Option<Issue>> {
        let mut conn = self.pool().acquire().await.context(|| format!("reading the issue {id}"))?;
        load_issue(&mut conn, id).await
    }

    /// Every issue, newest first (`sent_only`: the public archive, sent issues only).
    ///
    /// # Errors
    /// A failed query.
    pub async fn issues(&self, sent_only: bool) -> Result<Vec<Issue>> {
        let filter = if sent_only { "WHERE status = 'sent'" } else { "" };
        let rows = sqlx::query(&format!("SELECT {ISSUE_COLUMNS} FROM newsletter_issue {filter} ORDER BY id DESC"))
            .fetch_all(self.pool())
            .await
            .context(|| "reading the issues".into())?;
        rows.iter().map(issue_of).collect()
    }

    /// Starts (or resumes) the send of issue `id`: a draft becomes `sending` with `release_id`
    /// (the latest release, whose values its place sections show); an issue already sending
    /// keeps the release it started with. Returns the issue and the release of the previous
    /// sent issue. Audited when a draft starts.
    ///
    /// # Errors
    /// An unknown issue, or a failed statement.
    pub async fn begin_send(&self, actor: &Actor, id: i64, release_id: Option<i64>) -> Result<SendStart> {
        let what = format!("sending the issue {id}");
        let mut tx = self.begin_write().await?;
        let before = load_issue(&mut tx, id).await?.ok_or_else(|| StoreError::NotFound(format!("the issue {id}")))?;
        if before.status == "draft" {
            sqlx::query(
                "UPDATE newsletter_issue SET status = 'sending', release_id = $2, updated_at = $3 WHERE id = $1",
            )
            .bind(id)
            .bind(release_id)
            .bind(utc_now())
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, &what))?;
        }
        let issue = load_issue(&mut tx, id).await?.ok_or_else(|| StoreError::NotFound(what.clone()))?;
        if before.status == "draft" {
            record(&mut tx, actor, "newsletter", &id.to_string(), "send", Some(&before), Some(&issue)).await?;
        }
        let previous_release_id: Option<Option<i64>> = sqlx::query_scalar(
            "SELECT release_id FROM newsletter_issue WHERE status = 'sent' AND id <> $1 ORDER BY sent_at DESC, id DESC LIMIT 1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .context(|| format!("{what}: reading the previous issue"))?;
        tx.commit().await.context(|| format!("{what}: committing"))?;
        Ok(SendStart { issue, previous_release_id: previous_release_id.flatten() })
    }

    /// Up to `limit` recipients of issue `id` still to send: active subscribers with no
    /// ledger row for it, or a `failed` one, by subscriber id after `after` (0 to start).
    ///
    /// # Errors
    /// A failed query.
    pub async fn pending_recipients(&self, id: i64, after: i64, limit: i64) -> Result<Vec<Recipient>> {
        let what = || format!("reading the recipients of the issue {id}");
        let mut conn = self.pool().acquire().await.context(what)?;
        let rows = sqlx::query(
            "SELECT s.id, s.email, s.unsubscribe_token, a.name, s.account_id FROM subscriber s \
             LEFT JOIN account a ON a.id = s.account_id \
             LEFT JOIN newsletter_delivery d ON d.issue_id = $1 AND d.subscriber_id = s.id \
             WHERE s.status = 'active' AND s.id > $2 AND (d.status IS NULL OR d.status = 'failed') \
             ORDER BY s.id LIMIT $3",
        )
        .bind(id)
        .bind(after)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await
        .context(what)?;
        let mut recipients = Vec::with_capacity(rows.len());
        let mut accounts = Vec::new();
        for row in &rows {
            let account: Option<i64> = row.try_get(4).context(what)?;
            recipients.push(Recipient {
                subscriber_id: row.try_get(0).context(what)?,
                email: row.try_get(1).context(what)?,
                unsubscribe_token: row.try_get(2).context(what)?,
                name: row.try_get(3).context(what)?,
                places: Vec::new(),
            });
            accounts.push(account);
        }
        // The places of the members among them, in one query.
        let ids: Vec<i64> = accounts.iter().flatten().copied().collect();
        if !ids.is_empty() {
            let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
            let rows = sqlx::query(&format!(
                "SELECT account_id, area_code FROM member_place WHERE account_id IN ({list}) ORDER BY account_id, area_code"
            ))
            .fetch_all(&mut *conn)
            .await
            .context(what)?;
            let mut places: HashMap<i64, Vec<String>> = HashMap::new();
            for row in &rows {
                places.entry(row.try_get(0).context(what)?).or_default().push(row.try_get(1).context(what)?);
            }
            for (recipient, account) in recipients.iter_mut().zip(&accounts) {
                if let Some(p) = account.and_then(|a| places.remove(&a)) {
                    recipient.places = p;
                }
            }
        }
        Ok(recipients)
    }

    /// Claims recipient `subscriber_id` of issue `id` before their message is handed to the
    /// SMTP server: writes and commits their ledger row as `sending`. `false` when someone else
    /// claimed them (another sender, or an earlier run: sent, bounced or in doubt).
    ///
    /// # Errors
    /// A failed statement.
    pub async fn claim_delivery(&self, id: i64, subscriber_id: i64) -> Result<bool> {
        let what = format!("claiming the subscriber {subscriber_id} for the issue {id}");
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "INSERT INTO newsletter_delivery (issue_id, subscriber_id, status, attempted_at) VALUES ($1, $2, 'sending', $3) \
             ON CONFLICT (issue_id, subscriber_id) DO UPDATE SET status = 'sending', attempted_at = excluded.attempted_at \
             WHERE newsletter_delivery.status = 'failed'",
        )
        .bind(id)
        .bind(subscriber_id)
        .bind(utc_now())
        .execute(&mut *tx)
        .await
        .map_err(|e| write_error(e, &what))?;
        tx.commit().await.context(|| format!("{what}: committing"))?;
        Ok(done.rows_affected() == 1)
    }

    /// Records what became of recipient `subscriber_id`'s message of issue `id` (`detail`: the
    /// server's words on a failure); a bounce also marks the subscriber bounced and records
    /// the event.
    ///
    /// # Errors
    /// A failed statement.
    pub async fn finish_delivery(
        &self,
        id: i64,
        subscriber_id: i64,
        status: DeliveryStatus,
        detail: Option<&str>,
    ) -> Result<()> {
        let what = format!("the delivery of the issue {id} to the subscriber {subscriber_id}");
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE newsletter_delivery SET status = $3, detail = $4 WHERE issue_id = $1 AND subscriber_id = $2",
        )
        .bind(id)
        .bind(subscriber_id)
        .bind(status.as_str())
        .bind(detail)
        .execute(&mut *tx)
        .await
        .map_err(|e| write_error(e, &what))?;
        if status == DeliveryStatus::Bounced {
            mark_event(&mut tx, subscriber_id, SubscriberStatus::Bounced, "bounce", Some(id), detail.unwrap_or(""))
                .await?;
        }
        tx.commit().await.context(|| format!("{what}: committing"))
    }

    /// Records in one transaction (one commit) what became of the messages of issue `id` in
    /// `finished` (subscriber, outcome, the server's words on a failure; a bounce also marks the
    /// subscriber bounced and records the event, as [`Store::finish_delivery`]), then claims
    /// the recipients of `claim` (their rows written as `sending`, as
    /// [`Store::claim_delivery`]); returns the subscribers claimed, in the order given (those
    /// someone else claimed are left out).
    ///
    /// A sender calls this with the messages finished since its last call and the recipients
    /// it will hand to the SMTP server straight after the commit, so that the ledger costs one
    /// commit per round instead of two per message, and a recipient is still claimed (durably)
    /// before their message leaves.
    ///
    /// # Errors
    /// A failed statement (nothing of the call is then recorded).
    pub async fn record_deliveries(
        &self,
        id: i64,
        finished: &[(i64, DeliveryStatus, Option<String>)],
        claim: &[i64],
    ) -> Result<Vec<i64>> {
        let what = format!("the deliveries of the issue {id}");
        let mut tx = self.begin_write().await?;
        for (subscriber_id, status, detail) in finished {
            sqlx::query(
                "UPDATE newsletter_delivery SET status = $3, detail = $4 WHERE issue_id = $1 AND subscriber_id = $2",
            )
            .bind(id)
            .bind(subscriber_id)
            .bind(status.as_str())
            .bind(detail.as_deref())
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, &what))?;
            if *status == DeliveryStatus::Bounced {
                let detail = detail.as_deref().unwrap_or("");
                mark_event(&mut tx, *subscriber_id, SubscriberStatus::Bounced, "bounce", Some(id), detail).await?;
            }
        }
        let now = utc_now();
        let mut claimed = Vec::with_capacity(claim.len());
        for subscriber_id in claim {
            let done = sqlx::query(
                "INSERT INTO newsletter_delivery (issue_id, subscriber_id, status, attempted_at) VALUES ($1, $2, 'sending', $3) \
                 ON CONFLICT (issue_id, subscriber_id) DO UPDATE SET status = 'sending', attempted_at = excluded.attempted_at \
                 WHERE newsletter_delivery.status = 'failed'",
            )
            .bind(id)
            .bind(subscriber_id)
            .bind(&now)
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, &what))?;
            if done.rows_affected() == 1 {
                claimed.push(*subscriber_id);
            }
        }
        tx.commit().await.context(|| format!("{what}: committing"))?;
        Ok(claimed)
    }

    /// The counts of issue `id`'s ledger, and the active subscribers still to send.
    ///
    /// # Errors
    /// A failed query.
    pub async fn delivery_counts(&self, id: i64) -> Result<DeliveryCounts> {
        let what = || format!("counting the deliveries of the issue {id}");
        let rows = sqlx::query("SELECT status, COUNT(*) FROM newsletter_delivery WHERE issue_id = $1 GROUP BY status")
            .bind(id)
            .fetch_all(self.pool())
            .await
            .context(what)?;
        let mut counts = DeliveryCounts::default();
        for row in &rows {
            let status: String = row.try_get(0).context(what)?;
            let n: i64 = row.try_get(1).context(what)?;
            match status.as_str() {
                "sent" => counts.sent = n,
                "failed" => counts.failed = n,
                "bounced" => counts.bounced = n,
                _ => counts.in_doubt += n,
            }
        }
        counts.pending = sqlx::query_scalar(
            "SELECT COUNT(*) FROM subscriber s WHERE s.status = 'active' AND NOT EXISTS \
             (SELECT 1 FROM newsletter_delivery d WHERE d.issue_id = $1 AND d.subscriber_id = s.id AND d.status <> 'failed')",
        )
        .bind(id)
        .fetch_one(self.pool())
        .await
        .context(what)?;
        Ok(counts)
    }

    /// Marks issue `id` sent (in the archive from now on) when no recipient is pending or
    /// failed; whether it did.
    ///
    /// # Errors
    /// A failed statement.
    pub async fn finish_send(&self, actor: &Actor, id: i64) -> Result<bool> {
        let counts = self.delivery_counts(id).await?;
        if counts.pending > 0 || counts.failed > 0 {
            return Ok(false);
        }
        let what = format!("finishing the send of the issue {id}");
        let mut tx = self.begin_write().await?;
        let before = load_issue(&mut tx, id).await?.ok_or_else(|| StoreError::NotFound(format!("the issue {id}")))?;
        if before.status == "sent" {
            return Ok(true);
        }
        sqlx::query("UPDATE newsletter_issue SET status = 'sent', sent_at = $2, updated_at = $2 WHERE id = $1")
            .bind(id)
            .bind(utc_now())
            .execute(&mut *tx)
            .await
            .map_err(|e| write_error(e, &what))?;
        let after = load_issue(&mut tx, id).await?.ok_or_else(|| StoreError::NotFound(what.clone()))?;
        record(&mut tx, actor, "newsletter", &id.to_string(), "sent", Some(&before), Some(&after)).await?;
        tx.commit().await.context(|| format!("{what}: committing"))?;
        Ok(true)
    }

    /// The place sections of an issue drawn from release `release_id`: per area code, the
    /// indicators whose latest whole-area value (Persons when the indicator has it) is new or
    /// different from release `since` (none: every latest value), with England's value and the
    /// computed comparison with England, by indicator name. Areas with no change have no entry.
    ///
    /// # Errors
    /// A failed query.
    pub async fn place_changes(
        &self,
        release_id: i64,
        since: Option<i64>,
    ) -> Result<HashMap<String, Vec<PlaceChange>>> {
        let now = chosen_rows(self.latest_whole_area_values(release_id).await?);
        let before = match since {
            Some(r) if r != release_id => chosen_rows(self.latest_whole_area_values(r).await?),
            Some(_) => now.clone(),
            None => BTreeMap::new(),
        };
        let mut out: HashMap<String, Vec<PlaceChange>> = HashMap::new();
        for ((area, indicator), row) in &now {
            let previous = before.get(&(area.clone(), indicator.clone()));
            let changed = match previous {
                None => true,
                Some(p) => p.time_period != row.time_period || p.value.map(f64::to_bits) != row.value.map(f64::to_bits),
            };
            if !changed || area == ENGLAND {
                continue;
            }
            let england = row.benchmark_value.or_else(|| {
                now.get(&(ENGLAND.to_string(), indicator.clone()))
                    .filter(|e| e.time_period == row.time_period)
                    .and_then(|e| e.value)
            });
            out.entry(area.clone()).or_default().push(PlaceChange {
                area_code: area.clone(),
                area_name: row.area_name.clone(),
                indicator_id: indicator.clone(),
                indicator_name: row.indicator_name.clone(),
                sex: row.sex.clone(),
                time_period: row.time_period.clone(),
                value: row.value,
                previous: previous.map(|p| (p.time_period.clone(), p.value)),
                england,
                compared_with_england: row.compared_to_benchmark_95.clone(),
            });
        }
        for changes in out.values_mut() {
            changes.sort_by(|a, b| a.indicator_name.cmp(&b.indicator_name).then(a.indicator_id.cmp(&b.indicator_id)));
        }
        Ok(out)
    }
}

/// Subscriber `id` read in `conn`.
pub(crate) async fn load_subscriber(conn: &mut AnyConnection, id: i64) -> Result<Option<Subscriber>> {
    let row = sqlx::query(&format!("SELECT {SUBSCRIBER_COLUMNS} FROM subscriber WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
        .context(|| format!("reading the subscriber {id}"))?;
    row.as_ref().map(subscriber_of).transpose()
}

/// Marks subscriber `id` with `status` and records the event.
async fn mark_event(
    conn: &mut AnyConnection,
    id: i64,
    status: SubscriberStatus,
    kind: &str,
    issue_id: Option<i64>,
    detail: &str,
) -> Result<()> {
    let what = format!("the {kind} of the subscriber {id}");
    let now = utc_now();
    sqlx::query("UPDATE subscriber SET status = $2, changed_at = $3 WHERE id = $1")
        .bind(id)
        .bind(status.as_str())
        .bind(&now)
        .execute(&mut *conn)
        .await
        .map_err(|e| write_error(e, &what))?;
    let detail: String = detail.chars().take(1000).collect();
    sqlx::query(
        "INSERT INTO mail_event (subscriber_id, issue_id, kind, detail, recorded_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(issue_id)
    .bind(kind)
    .bind(&detail)
    .bind(&now)
    .execute(&mut *conn)
    .await
    .map_err(|e| write_error(e, &what))?;
    Ok(())
}
