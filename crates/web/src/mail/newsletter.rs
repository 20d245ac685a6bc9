//! The newsletter's messages: an issue's Markdown rendered to HTML (raw HTML in it shown as
//! text, links only to `http`, `https` and `mailto`), each member's place section added (the
//! latest indicators that changed in their places since the previous issue, beside England),
//! the unsubscribe headers (`List-Unsubscribe` with an HTTPS link, `List-Unsubscribe-Post:
//! List-Unsubscribe=One-Click`, RFC 2369 and RFC 8058) and a link in every message; and the
//! send, through the store's send ledger ([`store::network::newsletter`]) so that it can be
//! stopped at any moment and resumed without sending anyone the issue twice.
//!
//! The send runs in rounds, each one commit of the ledger ([`Store::record_deliveries`]): the
//! outcomes of the messages finished since the last round, and the claims of the recipients
//! that fill the free places in flight (up to [`SendOptions::concurrency`]; one, when it is
//! due, at a set rate). A recipient's message is handed to the SMTP server only after the
//! commit that claims them, straight after it; its outcome is written by the next round (or
//! the last commit of the run). A message refused for now is `failed` and sent again on the
//! next run; refused for good is a bounce (the subscriber receives nothing more).
//!
//! Why no one gets an issue twice, and no one is left out by a batch: a recipient is sent a
//! message only after their claim is committed, and a run claims only recipients with no
//! ledger row (or a `failed` one), so a second copy would need a second claim, which the
//! ledger refuses. A crash (or a killed task) loses at most the round being committed — rolled
//! back whole, so its recipients were not claimed, were not sent anything, and are sent on
//! resume — and leaves `sending` ("in doubt", never sent again, counted by the status) exactly
//! the recipients whose message was handed to the server and whose outcome was not yet
//! committed: at most the messages in flight plus those finished since the last round (at most
//! [`SendOptions::concurrency`] in all), as when each message had its own two commits. These
//! messages may have been accepted; since the server cannot be asked, they are not resent. No
//! recipient is claimed ahead of the places in flight, so a crash never strands one who was
//! claimed but not handed over, beyond the instant between a round's commit and its hand-over.
//! Batching costs one commit per round (about one a message when the server is the bottleneck,
//! fewer when several finish at once) instead of two a message.

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::time::Duration;

use pulldown_cmark::{html, Event, Options, Parser, Tag};
use store::network::{DeliveryStatus, Issue, PlaceChange, Recipient};
use store::{Actor, Store, StoreError};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::{MailError, Mailer, Outgoing};
use crate::format;

/// The Markdown `source` as HTML: CommonMark with tables and strikethrough; raw HTML is shown
/// as text (escaped), and a link or image whose address is not `http:`, `https:`, `mailto:` or
/// a path of the site keeps its text but loses its address.
pub fn markdown_html(source: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let events = Parser::new_ext(source, options).map(|event| match event {
        Event::Html(text) | Event::InlineHtml(text) => Event::Text(text),
        Event::Start(Tag::Link { link_type, dest_url, title, id }) if !safe_url(&dest_url) => {
            Event::Start(Tag::Link { link_type, dest_url: "".into(), title, id })
        }
        Event::Start(Tag::Image { link_type, dest_url, title, id }) if !safe_url(&dest_url) => {
            Event::Start(Tag::Image { link_type, dest_url: "".into(), title, id })
        }
        other => other,
    });
    let mut out = String::with_capacity(source.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

/// Whether a link's address is one a newsletter may carry.
fn safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("https://")
        || lower.starts_with("http://")
        || lower.starts_with("mailto:")
        || (lower.starts_with('/') && !lower.starts_with("//"))
        || lower.starts_with('#')
}

/// `text` escaped for HTML text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One area's part of the place section, in text and HTML.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AreaSection {
    /// The text lines.
    pub text: String,
    /// The HTML.
    pub html: String,
}

/// "Better than England", "Similar to England", … for a comparison label.
fn comparison_words(label: Option<&str>) -> String {
    match label {
        Some("Better") => "better than England".into(),
        Some("Worse") => "worse than England".into(),
        Some("Similar") => "similar to England".into(),
        Some("Higher") => "higher than England".into(),
        Some("Lower") => "lower than England".into(),
        _ => "not compared with England".into(),
    }
}

/// The section of one area's changes.
pub fn area_section(changes: &[PlaceChange]) -> AreaSection {
    let Some(first) = changes.first() else { return AreaSection::default() };
    let mut text = format!("{} ({})\n", first.area_name, first.area_code);
    let mut html = format!("<h3>{} ({})</h3>\n<ul>\n", escape(&first.area_name), escape(&first.area_code));
    for c in changes {
        let was = match &c.previous {
            Some((period, value)) => {
                format!(" (was {} in {})", format::value(*value), format::period(period))
            }
            None => " (new)".to_string(),
        };
        let line = format!(
            "{}: {} in {}{was}; England {}, {}",
            c.indicator_name,
            format::value(c.value),
            format::period(&c.time_period),
            format::value(c.england),
            comparison_words(c.compared_with_england.as_deref())
        );
        let _ = writeln!(text, "- {line}");
        let _ = writeln!(html, "<li>{}</li>", escape(&line));
    }
    html.push_str("</ul>\n");
    AreaSection { text, html }
}

/// An issue ready to personalise: its rendered body and the place sections by area code.
#[derive(Clone, Debug)]
pub struct Composed {
    /// The issue.
    pub issue: Issue,
    /// The body as HTML.
    pub html: String,
    /// The place sections by area code (empty for an issue that is not personalised).
    pub sections: HashMap<String, AreaSection>,
}

impl Composed {
    /// `issue` rendered, with the sections of `changes`.
    pub fn new(issue: Issue, changes: &HashMap<String, Vec<PlaceChange>>) -> Composed {
        let html = markdown_html(&issue.body);
        let sections = if issue.personalised {
            changes.iter().map(|(area, c)| (area.clone(), area_section(c))).collect()
        } else {
            HashMap::new()
        };
        Composed { issue, html, sections }
    }

    /// The message of this issue for `recipient`: the body, their place section (members with
    /// places, in a personalised issue), the archive link, and the unsubscribe link and
    /// headers.
    pub fn message(&self, mailer: &Mailer, recipient: &Recipient) -> Outgoing {
        let unsubscribe = mailer.link(&format!("/newsletter/unsubscribe?token={}", recipient.unsubscribe_token));
        let archive = mailer.link(&format!("/newsletter/issues/{}", self.issue.id));
        let mut text = String::with_capacity(self.issue.body.len() + 512);
        let mut html = String::with_capacity(self.html.len() + 1024);
        html.push_str("<!doctype html><html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>");
        html.push_str(&escape(&self.issue.subject));
        html.push_str("</title></head><body>\n");
        if let Some(name) = &recipient.name {
            let _ = writeln!(text, "Dear {name},\n");
            let _ = writeln!(html, "<p>Dear {},</p>", escape(name));
        }
        text.push_str(self.issue.body.trim_end());
        text.push_str("\n\n");
        html.push_str(&self.html);
        if self.issue.personalised && !recipient.places.is_empty() {
            text.push_str("Your places: what changed since the last issue\n\n");
            html.push_str("<section><h2>Your places: what changed since the last issue</h2>\n");
            let mut any = false;
            for area in &recipient.places {
                if let Some(section) = self.sections.get(area) {
                    text.push_str(&section.text);
                    text.push('\n');
                    html.push_str(&section.html);
                    any = true;
                }
            }
            if !any {
                text.push_str("No indicator has changed in your places since the last issue.\n\n");
                html.push_str("<p>No indicator has changed in your places since the last issue.</p>\n");
            }
            html.push_str("</section>\n");
        }
        let _ = write!(text, "Read this issue on the web: {archive}\nUnsubscribe from the newsletter: {unsubscribe}\n");
        let _ = write!(
            html,
            "<hr><p><a href=\"{}\">Read this issue on the web</a>. <a href=\"{}\">Unsubscribe from the newsletter</a>.</p>\n</body></html>\n",
            escape(&archive),
            escape(&unsubscribe)
        );
        Outgoing {
            to: recipient.email.clone(),
            to_name: recipient.name.clone(),
            subject: self.issue.subject.clone(),
            text,
            html: Some(html),
            headers: vec![
                ("List-Unsubscribe", format!("<{unsubscribe}>")),
                ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click".to_string()),
                ("List-Id", format!("Fairer newsletter <newsletter.{}>", mailer.domain())),
            ],
        }
    }
}

/// How a send runs.
#[derive(Clone, Debug)]
pub struct SendOptions {
    /// At most this many messages a second (`None`: as fast as the server takes them).
    pub rate: Option<f64>,
    /// Messages in flight at once (1 to [`super::MAX_CONNECTIONS`]).
    pub concurrency: usize,
    /// Recipients read from the store at a time.
    pub batch: i64,
    /// Stop (cleanly) after handing this many messages to the server: for tests of resuming.
    pub stop_after: Option<u64>,
    /// Stop after this many transient failures in a row (the server is down): the rest wait
    /// for the next run.
    pub max_failures_in_a_row: u32,
}

impl Default for SendOptions {
    fn default() -> Self {
        SendOptions { rate: None, concurrency: 4, batch: 500, stop_after: None, max_failures_in_a_row: 20 }
    }
}

/// What a send did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SendReport {
    /// Messages the server accepted in this run.
    pub sent: u64,
    /// Messages refused for now in this run (sent again on the next).
    pub failed: u64,
    /// Messages refused for good in this run.
    pub bounced: u64,
    /// Whether the issue is now sent (no recipient left): it is in the archive.
    pub finished: bool,
    /// Whether the run stopped early (`stop_after`, or the server failing in a row).
    pub stopped_early: bool,
}

/// Why a send stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The store failed (or the issue is unknown).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The send's settings are wrong.
    #[error("{0}")]
    Settings(String),
}

/// Composes issue `id` for sending: starts (or resumes) its send in the store with the latest
/// release, and draws the place sections (what changed since the previous sent issue's
/// release).
///
/// # Errors
/// An unknown issue, or a failed query.
pub async fn compose(store: &Store, actor: &Actor, id: i64) -> Result<Composed, SendError> {
    let latest = store.latest_release().await?.map(|r| r.id);
    let start = store.begin_send(actor, id, latest).await?;
    let changes = match (start.issue.personalised, start.issue.release_id) {
        (true, Some(release)) => store.place_changes(release, start.previous_release_id).await?,
        _ => HashMap::new(),
    };
    Ok(Composed::new(start.issue, &changes))
}

/// Sends issue `id` to every active subscriber who has not had it (see the module's
/// documentation); marks it sent when no one is left.
///
/// # Errors
/// Bad options, an unknown issue, or a failed statement (the run stops; what was sent is in the
/// ledger).
pub async fn send_issue(
    store: &Store,
    mailer: &Mailer,
    actor: &Actor,
    id: i64,
    options: &SendOptions,
) -> Result<SendReport, SendError> {
    if options.concurrency == 0 || options.concurrency > super::MAX_CONNECTIONS as usize {
        return Err(SendError::Settings(format!(
            "the concurrency {}: expected 1 to {}",
            options.concurrency,
            super::MAX_CONNECTIONS
        )));
    }
    if let Some(rate) = options.rate {
        if !(rate.is_finite() && rate > 0.0) {
            return Err(SendError::Settings(format!(
                "the rate {rate}: expected a positive number of messages a second"
            )));
        }
    }
    if options.batch < 1 {
        return Err(SendError::Settings(format!("the batch {}: expected at least 1", options.batch)));
    }
    let composed = std::sync::Arc::new(compose(store, actor, id).await?);
    let period = options.rate.map(|r| Duration::from_secs_f64(1.0 / r));
    let mut report = SendReport::default();
    let mut next_at = Instant::now();
    let mut in_flight: JoinSet<(i64, DeliveryStatus, Option<String>)> = JoinSet::new();
    let mut failures_in_a_row = 0u32;
    let mut handed = 0u64;
    let mut queue: VecDeque<Recipient> = VecDeque::new();
    let mut after = 0i64;
    let mut exhausted = false;
    // The outcomes not yet in the ledger: written with the next round's claims.
    let mut finished: Vec<(i64, DeliveryStatus, Option<String>)> = Vec::new();
    loop {
        // The recipients of this round: as many as there are free places in flight (one at a
        // time at a set rate, each when it is due).
        let mut round: Vec<Recipient> = Vec::new();
        while !report.stopped_early && !exhausted && in_flight.len() + round.len() < options.concurrency {
            if queue.is_empty() {
                queue.extend(store.pending_recipients(id, after, options.batch).await?);
                match queue.back() {
                    Some(last) => after = last.subscriber_id,
                    None => {
                        exhausted = true;
                        break;
                    }
                }
            }
            if options.stop_after.is_some_and(|n| handed + round.len() as u64 >= n)
                || failures_in_a_row >= options.max_failures_in_a_row
            {
                report.stopped_early = true;
                break;
            }
            if let Some(period) = period {
                if !round.is_empty() {
                    break;
                }
                tokio::time::sleep_until(next_at).await;
                next_at = next_at.max(Instant::now() - period) + period;
            }
            round.extend(queue.pop_front());
        }
        if !round.is_empty() || (in_flight.is_empty() && !finished.is_empty()) {
            let ids: Vec<i64> = round.iter().map(|r| r.subscriber_id).collect();
            let claimed = store.record_deliveries(id, &finished, &ids).await?;
            finished.clear();
            // Claimed and committed: handed to the server at once.
            for recipient in round.into_iter().filter(|r| claimed.contains(&r.subscriber_id)) {
                handed += 1;
                let (mailer, composed) = (mailer.clone(), composed.clone());
                in_flight.spawn(async move { deliver(&mailer, &composed, &recipient).await });
            }
        }
        let Some(done) = in_flight.join_next().await else {
            if exhausted || report.stopped_early {
                break;
            }
            continue;
        };
        let mut done = Some(done);
        while let Some(result) = done {
            let outcome = result.map_err(|e| SendError::Settings(format!("a delivery stopped: {e}")))?;
            tally(&mut report, &mut failures_in_a_row, outcome.1);
            finished.push(outcome);
            done = in_flight.try_join_next();
        }
    }
    if !finished.is_empty() {
        store.record_deliveries(id, &finished, &[]).await?;
    }
    if !report.stopped_early {
        report.finished = store.finish_send(actor, id).await?;
    }
    Ok(report)
}

/// Counts one finished delivery.
fn tally(report: &mut SendReport, failures_in_a_row: &mut u32, status: DeliveryStatus) {
    match status {
        DeliveryStatus::Sent => {
            report.sent += 1;
            *failures_in_a_row = 0;
        }
        DeliveryStatus::Failed => {
            report.failed += 1;
            *failures_in_a_row += 1;
        }
        DeliveryStatus::Bounced => {
            report.bounced += 1;
            *failures_in_a_row = 0;
        }
    }
}

/// Sends one claimed recipient's message: its outcome for the ledger (subscriber, outcome, the
/// server's words on a failure).
async fn deliver(mailer: &Mailer, composed: &Composed, recipient: &Recipient) -> (i64, DeliveryStatus, Option<String>) {
    let outgoing = composed.message(mailer, recipient);
    let (status, detail) = match mailer.send(&outgoing).await {
        Ok(()) => (DeliveryStatus::Sent, None),
        Err(e @ MailError::BadAddress { .. }) => (DeliveryStatus::Bounced, Some(e.to_string())),
        Err(e) if e.is_permanent() => (DeliveryStatus::Bounced, Some(e.to_string())),
        Err(e) => (DeliveryStatus::Failed, Some(e.to_string())),
    };
    (recipient.subscriber_id, status, detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_safe() {
        let html =
            markdown_html("# Hi\n\n<script>alert(1)</script>\n\n[a](javascript:alert(1)) [b](https://x.example/)");
        assert!(html.contains("<h1>Hi</h1>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains("<a href=\"https://x.example/\">b</a>"), "{html}");
    }
}
