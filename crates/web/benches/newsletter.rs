//! A newsletter to 10,000 subscribers, composed, personalised and handed to a local SMTP server
//! (issue 15, acceptance 5: at least 200 messages a second).
//!
//! Seeds a temporary SQLite store with the web tests' hand-made release (four areas, two
//! indicators: `tests/fixtures`) and `FAIRER_BENCH_SUBSCRIBERS` subscribers (default 10,000):
//! half of them members working in one or both of the release's districts (so their messages
//! carry a place section), half plain subscribers. Starts Debian's aiosmtpd on the loopback
//! (writing every message to a Maildir), times the server alone (as many small messages, no
//! ledger: the ceiling of any send through it here), then times `send_issue` — the send
//! ledger's rounds (one commit: the outcomes of the messages finished since the last round and
//! the claims of the next ones), eight messages in flight — and prints the messages a second.
//! The Maildir is counted after, and must hold one message a subscriber.
//!
//! Run by the coordinator on an idle machine: `cargo bench -p fairer-web --bench newsletter`
//! (`FAIRER_BENCH_SUBSCRIBERS=500` for a quick run).

#[path = "../tests/fixtures/mod.rs"]
#[allow(missing_docs)]
mod fixtures;

use std::time::{Duration, Instant};

use store::network::members::Agreement;
use store::network::{IssueDraft, JoinRequest};
use store::Actor;
use web::mail::newsletter::{send_issue, SendOptions};
use web::mail::testing::SmtpServer;
use web::mail::Mailer;

/// A PHC string (the members never sign in here).
const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

fn main() {
    let n: usize = std::env::var("FAIRER_BENCH_SUBSCRIBERS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let db = store::testing::sqlite().await;
        let store = &db.store;
        fixtures::seed(store).await;
        let seeding = Instant::now();
        for i in 0..n {
            let email = format!("reader{i:05}@example.org");
            if i % 2 == 0 {
                let places = match i % 6 {
                    0 => vec!["E06000001".to_string()],
                    2 => vec!["E06000002".to_string()],
                    _ => vec!["E06000001".to_string(), "E06000002".to_string()],
                };
                let request = JoinRequest {
                    email: email.clone(),
                    name: format!("Reader {i}"),
                    password_hash: HASH.into(),
                    organisation: None,
                    sector: "community".into(),
                    job_role: "Organiser".into(),
                    places,
                    themes: vec![],
                    in_directory: false,
                    newsletter: true,
                    agreements: vec![Agreement { purpose: "membership".into(), wording: "w".into() }],
                };
                store.confirm_join(request, "bench", &format!("token-{i}")).await.unwrap();
            } else {
                store.confirm_subscription(&email, "w", "bench", &format!("token-{i}")).await.unwrap();
            }
        }
        eprintln!("seeded {n} subscribers in {:.1} s", seeding.elapsed().as_secs_f64());

        let smtp = SmtpServer::start().expect("aiosmtpd (Debian's python3-aiosmtpd)");
        let mailer = Mailer::smtp(&smtp.url(), "Fairer network <network@fairer.test>", "https://fairer.test").unwrap();
        let body = "# December\n\nNews of the network, with [a link](https://fairer.test/events) and a list:\n\n\
                    - the conference report\n- two new publications\n"
            .repeat(4);
        let issue = store
            .create_issue(&Actor::Cli, &IssueDraft { subject: "December".into(), body, personalised: true })
            .await
            .unwrap();
        // The server alone: the same number of small messages handed over eight at a time with
        // no ledger, the ceiling of any send through this server on this machine.
        let probe = Instant::now();
        let mut set: tokio::task::JoinSet<Result<(), web::mail::MailError>> = tokio::task::JoinSet::new();
        for i in 0..n {
            while set.len() >= 8 {
                set.join_next().await.unwrap().unwrap().unwrap();
            }
            let mailer = mailer.clone();
            set.spawn(async move {
                let out = web::mail::Outgoing {
                    to: format!("probe{i:05}@example.org"),
                    subject: "Probe".into(),
                    text: "A probe of the server's speed.\n".into(),
                    ..Default::default()
                };
                mailer.send(&out).await
            });
        }
        while let Some(done) = set.join_next().await {
            done.unwrap().unwrap();
        }
        let ceiling = n as f64 / probe.elapsed().as_secs_f64();
        smtp.wait_for(n, Duration::from_secs(120)).unwrap();
        smtp.clear().unwrap();
        println!("newsletter: the server alone (no ledger, no composing) takes {ceiling:.0} messages a second");

        let options = SendOptions { concurrency: 8, ..SendOptions::default() };
        let start = Instant::now();
        let report = send_issue(store, &mailer, &Actor::Cli, issue.id, &options).await.unwrap();
        let seconds = start.elapsed().as_secs_f64();
        assert!(report.finished && report.failed == 0, "{report:?}");
        let received = smtp.wait_for(n, Duration::from_secs(120)).unwrap().len();
        let with_places =
            smtp.messages().unwrap().iter().filter(|m| m.text.as_deref().unwrap_or("").contains("Your places")).count();
        println!(
            "newsletter: {n} messages composed, personalised ({with_places} with a place section) and handed to \
             aiosmtpd in {seconds:.2} s: {:.0} messages a second ({received} in the Maildir)",
            n as f64 / seconds
        );
        assert_eq!(received, n);
    });
}
