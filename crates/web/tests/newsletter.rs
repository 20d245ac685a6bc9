//! The newsletter (issue 15) against a real SMTP server started by the test: subscribing with
//! double opt-in and unsubscribing with one click (RFC 8058); an issue sent to every active
//! subscriber with `List-Unsubscribe` and `List-Unsubscribe-Post` headers, an unsubscribe link
//! in every message, and each member's place section (the fixture's latest values in their
//! places beside England, then nothing changed in the next issue); a send killed part way and
//! resumed delivers each recipient exactly one copy.

mod network_support;

use std::collections::BTreeMap;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use network_support::{fixtures, path_of, Client, Site};
use store::network::members::Agreement;
use store::network::{IssueDraft, JoinOutcome, JoinRequest, SubscriberStatus};
use store::Actor;
use web::mail::newsletter::{send_issue, SendOptions};

const PASSWORD: &str = "a long enough password";

/// A member working in `places`, subscribed.
async fn member(store: &store::Store, email: &str, name: &str, places: &[&str]) -> i64 {
    let request = JoinRequest {
        email: email.into(),
        name: name.into(),
        password_hash: web::hash_password(PASSWORD).unwrap(),
        organisation: None,
        sector: "community".into(),
        job_role: "Organiser".into(),
        places: places.iter().map(|p| p.to_string()).collect(),
        themes: vec![],
        in_directory: false,
        newsletter: true,
        agreements: vec![
            Agreement { purpose: "membership".into(), wording: "w".into() },
            Agreement { purpose: "newsletter".into(), wording: "n".into() },
        ],
    };
    match store.confirm_join(request, "test", &format!("tok-{email}")).await.unwrap() {
        JoinOutcome::Joined(m) => m.account_id,
        other => panic!("{other:?}"),
    }
}

/// The line the place section should carry for the fixture's whole-area row of `indicator` in
/// `area` (`sex`, latest `period`): its value, England's (the row's benchmark value) and the
/// comparison, written out from the fixture's numbers.
fn expected_line(indicator: &str, area: &str, sex: &str, period: &str, shown_period: &str) -> String {
    let row = fixtures::rows()
        .into_iter()
        .find(|r| {
            r.text["indicator_id"].as_deref() == Some(indicator)
                && r.text["area_code"].as_deref() == Some(area)
                && r.text["sex"].as_deref() == Some(sex)
                && r.text["time_period"].as_deref() == Some(period)
                && r.text["category"].is_none()
        })
        .unwrap();
    let words = match row.text["compared_to_benchmark_95"].as_deref() {
        Some("Better") => "better than England",
        Some("Similar") => "similar to England",
        Some("Worse") => "worse than England",
        other => panic!("{other:?}"),
    };
    format!(
        "{}: {} in {shown_period} (new); England {}, {words}",
        row.text["indicator_name"].as_deref().unwrap(),
        web::format::value(row.number["value"]),
        web::format::value(row.number["benchmark_value"]),
    )
}

/// Subscribe (confirm by the e-mailed link), then unsubscribe with one click as a mail program
/// does: a POST of `List-Unsubscribe=One-Click` to the header's URL, without cookies or token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribe_then_unsubscribe_with_one_click() {
    let site = Site::new().await;
    let store = &site.db.store;
    let mut client = Client::new(&site.state, "192.0.2.50");
    let csrf = client.get("/newsletter").await.csrf();
    let answer = client.post("/newsletter/subscribe", &[("_csrf", &csrf), ("email", "Reader@Example.org")]).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(store.subscriber_by_email("reader@example.org").await.unwrap().is_none(), "not before confirming");
    let mail = site.mail_to(1, "reader@example.org");
    let link = &mail[0].links()[0];
    assert!(link.starts_with("http://fairer.test/newsletter/confirm?token="), "{link}");
    let page = client.get(&path_of(link)).await;
    let confirmed =
        client.post("/newsletter/confirm", &[("_csrf", &page.csrf()), ("token", &page.hidden("token"))]).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    let subscriber = store.subscriber_by_email("reader@example.org").await.unwrap().unwrap();
    assert_eq!(subscriber.status, SubscriberStatus::Active);

    // An issue reaches them with the headers.
    let issue = store
        .create_issue(
            &Actor::Cli,
            &IssueDraft { subject: "News".into(), body: "Hello **all**.".into(), personalised: true },
        )
        .await
        .unwrap();
    site.smtp.clear().unwrap();
    let report = send_issue(store, site.state.mailer(), &Actor::Cli, issue.id, &SendOptions::default()).await.unwrap();
    assert_eq!((report.sent, report.finished), (1, true));
    let message = &site.smtp.wait_for(1, Duration::from_secs(20)).unwrap()[0];
    assert_eq!(message.header("List-Unsubscribe-Post"), Some("List-Unsubscribe=One-Click"));
    let unsubscribe = message.list_unsubscribe();
    assert_eq!(
        unsubscribe,
        [format!("http://fairer.test/newsletter/unsubscribe?token={}", subscriber.unsubscribe_token)]
    );
    assert!(message.links().contains(&unsubscribe[0]), "{:?}", message.links());
    assert!(message.html.as_deref().unwrap().contains("<strong>all</strong>"));
    // A subscriber who is not a member has no place section.
    assert!(!message.text.as_deref().unwrap().contains("Your places"));

    // Looking at the link unsubscribes no one; the one-click POST does, with no cookie or token.
    let mut mail_program = Client::new(&site.state, "198.51.100.7");
    let look = mail_program.get(&path_of(&unsubscribe[0])).await;
    assert_eq!(look.status, StatusCode::OK);
    assert_eq!(
        store.subscriber_by_email("reader@example.org").await.unwrap().unwrap().status,
        SubscriberStatus::Active
    );
    let request =
        Request::post(path_of(&unsubscribe[0])).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    let answer = mail_program.send(request, Body::from("List-Unsubscribe=One-Click")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(
        store.subscriber_by_email("reader@example.org").await.unwrap().unwrap().status,
        SubscriberStatus::Unsubscribed
    );
    let last = store.consents_of_subscriber(subscriber.id).await.unwrap().pop().unwrap();
    assert_eq!((last.granted, last.method.as_str()), (false, "one-click unsubscribe (RFC 8058) from a message"));
    // The issue is in the public archive, without anyone's places.
    let archive = client.get("/newsletter").await;
    assert!(archive.body.contains(&format!("/newsletter/issues/{}", issue.id)));
    let public = client.get(&format!("/newsletter/issues/{}", issue.id)).await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(public.body.contains("<strong>all</strong>"));
}

/// Each member's message carries their places' latest indicators beside England; the next
/// issue, from the same release, says nothing changed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_get_their_places() {
    let site = Site::new().await;
    let store = &site.db.store;
    member(store, "hart@example.org", "Hana Hart", &["E06000001"]).await;
    member(store, "both@example.org", "Bo Both", &["E06000001", "E06000002"]).await;
    member(store, "none@example.org", "Nell None", &[]).await;
    let draft = IssueDraft { subject: "December".into(), body: "Our news.".into(), personalised: true };
    let issue = store.create_issue(&Actor::Cli, &draft).await.unwrap();
    let report = send_issue(store, site.state.mailer(), &Actor::Cli, issue.id, &SendOptions::default()).await.unwrap();
    assert_eq!((report.sent, report.failed, report.finished), (3, 0, true));
    let messages = site.smtp.wait_for(3, Duration::from_secs(20)).unwrap();
    let by: BTreeMap<String, &web::mail::testing::Received> =
        messages.iter().map(|m| (m.recipients()[0].clone(), m)).collect();

    let hart = by["hart@example.org"].text.as_deref().unwrap();
    assert!(hart.starts_with("Dear Hana Hart,"), "{hart}");
    assert!(hart.contains("Your places: what changed since the last issue"), "{hart}");
    assert!(hart.contains("Hartlepool (E06000001)"), "{hart}");
    // The fixture has le_birth for Female and Male (no Persons): the first sex, Female.
    let le = expected_line("le_birth", "E06000001", "Female", "2020 - 22", "2020–22");
    let school = expected_line("school_readiness", "E06000001", "Persons", "2023/24", "2023/24");
    assert!(hart.contains(&format!("- {le}\n")), "{le}\nnot in\n{hart}");
    assert!(hart.contains(&format!("- {school}\n")), "{school}\nnot in\n{hart}");
    assert!(!hart.contains("Middlesbrough"), "{hart}");
    let both = by["both@example.org"].text.as_deref().unwrap();
    assert!(both.contains("Hartlepool (E06000001)") && both.contains("Middlesbrough (E06000002)"), "{both}");
    assert!(both.contains(&expected_line("school_readiness", "E06000002", "Persons", "2023/24", "2023/24")));
    let none = by["none@example.org"].text.as_deref().unwrap();
    assert!(!none.contains("Your places"), "{none}");
    for m in &messages {
        assert_eq!(m.header("List-Unsubscribe-Post"), Some("List-Unsubscribe=One-Click"));
        assert_eq!(m.list_unsubscribe().len(), 1);
        assert!(m.links().iter().any(|l| l.contains("/newsletter/unsubscribe?token=")));
    }

    // The next issue, with nothing new in the store.
    site.smtp.clear().unwrap();
    let next = store.create_issue(&Actor::Cli, &IssueDraft { subject: "January".into(), ..draft }).await.unwrap();
    send_issue(store, site.state.mailer(), &Actor::Cli, next.id, &SendOptions::default()).await.unwrap();
    let messages = site.smtp.wait_for(3, Duration::from_secs(20)).unwrap();
    let hart = messages.iter().find(|m| m.recipients()[0] == "hart@example.org").unwrap();
    let text = hart.text.as_deref().unwrap();
    assert!(text.contains("No indicator has changed in your places since the last issue."), "{text}");
    assert!(!text.contains("Life expectancy"), "{text}");
}

/// A send stopped part way (its task killed while it runs, at a rate of 10 messages a second)
/// and run again delivers every recipient exactly one copy; a finished send sends nothing more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_send_resumes_with_one_copy_each() {
    let site = Site::new().await;
    let store = &site.db.store;
    let n = 30;
    for i in 0..n {
        store.confirm_subscription(&format!("r{i:02}@example.org"), "w", "test", &format!("tok{i}")).await.unwrap();
    }
    let issue = store
        .create_issue(&Actor::Cli, &IssueDraft { subject: "Resume".into(), body: "x".into(), personalised: false })
        .await
        .unwrap();
    let options = SendOptions { rate: Some(10.0), concurrency: 2, batch: 7, ..SendOptions::default() };
    let (s, m, o) = (store.clone(), site.state.mailer().clone(), options.clone());
    let id = issue.id;
    let task = tokio::spawn(async move { send_issue(&s, &m, &Actor::Cli, id, &o).await });
    // Killed once some have arrived.
    site.smtp.wait_for(12, Duration::from_secs(30)).unwrap();
    task.abort();
    let _ = task.await;
    let after_kill = site.smtp.count().unwrap();
    assert!(after_kill < n, "the send finished before it was killed");
    let counts = store.delivery_counts(issue.id).await.unwrap();
    assert!(counts.pending > 0, "{counts:?}");

    let report = send_issue(store, site.state.mailer(), &Actor::Cli, issue.id, &options).await.unwrap();
    assert!(report.finished, "{report:?}");
    let again = send_issue(store, site.state.mailer(), &Actor::Cli, issue.id, &options).await.unwrap();
    assert_eq!((again.sent, again.finished), (0, true));
    std::thread::sleep(Duration::from_millis(300));
    let messages = site.smtp.messages().unwrap();
    let mut copies: BTreeMap<String, usize> = BTreeMap::new();
    for m in &messages {
        for r in m.recipients() {
            *copies.entry(r).or_default() += 1;
        }
    }
    let counts = store.delivery_counts(issue.id).await.unwrap();
    assert_eq!(copies.len(), n, "{copies:?}");
    assert!(copies.values().all(|&c| c == 1), "{copies:?}");
    // A message in flight when the task died is "in doubt" (it did arrive) and was not resent.
    assert_eq!((counts.sent + counts.in_doubt) as usize, n, "{counts:?}");
    assert_eq!((counts.pending, counts.failed), (0, 0), "{counts:?}");
}
