//! The network (issue 15): mail through a real SMTP server started by the test (Debian's
//! aiosmtpd on loopback, `web::mail::testing`).

use std::time::Duration;

use web::mail::testing::SmtpServer;
use web::mail::{MailError, Mailer, Outgoing};

/// A message sent through lettre arrives at the SMTP server with its headers, its recipient,
/// its non-ASCII subject and both bodies intact.
#[tokio::test]
async fn mail_reaches_a_real_smtp_server() {
    let server = SmtpServer::start().expect("aiosmtpd (Debian's python3-aiosmtpd)");
    let mailer =
        Mailer::smtp(&server.url(), "Fairer network <network@fairer.example>", "http://127.0.0.1:9/").expect("mailer");
    assert!(mailer.sends());
    let unsubscribe = mailer.link("/newsletter/unsubscribe?token=abc");
    let out = Outgoing {
        to: "ann@example.org".into(),
        to_name: Some("Ann Ó Briain".into()),
        subject: "Health equity in Halham — December".into(),
        text: format!("Read it at {}\n\nUnsubscribe: {unsubscribe}\n", mailer.link("/newsletter/1")),
        html: Some(format!("<p><a href=\"{unsubscribe}\">Unsubscribe</a></p>")),
        headers: vec![
            ("List-Unsubscribe", format!("<{unsubscribe}>")),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click".into()),
        ],
    };
    mailer.send(&out).await.expect("sent");
    let received = server.wait_for(1, Duration::from_secs(10)).expect("received");
    assert_eq!(received.len(), 1);
    let m = &received[0];
    assert_eq!(m.recipients(), vec!["ann@example.org"]);
    assert_eq!(m.header("Subject"), Some("Health equity in Halham — December"));
    assert_eq!(m.header("From"), Some("\"Fairer network\" <network@fairer.example>"));
    assert_eq!(m.list_unsubscribe(), vec!["http://127.0.0.1:9/newsletter/unsubscribe?token=abc"]);
    assert_eq!(m.header("List-Unsubscribe-Post"), Some("List-Unsubscribe=One-Click"));
    assert_eq!(
        m.links(),
        vec!["http://127.0.0.1:9/newsletter/1", "http://127.0.0.1:9/newsletter/unsubscribe?token=abc"]
    );
    assert!(m.html.as_deref().unwrap_or("").contains("href=\"http://127.0.0.1:9/newsletter/unsubscribe?token=abc\""));
    server.clear().expect("clear");
    assert_eq!(server.count().expect("count"), 0);
}

/// A server that is not there: the error is transient (try again later), not a bounce.
#[tokio::test]
async fn an_absent_server_is_a_transient_failure() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mailer = Mailer::smtp(&format!("smtp://127.0.0.1:{port}"), "network@fairer.example", "http://x").unwrap();
    let out = Outgoing { to: "ann@example.org".into(), subject: "s".into(), text: "t".into(), ..Default::default() };
    let e = mailer.send(&out).await.unwrap_err();
    assert!(matches!(e, MailError::Send { .. }), "{e}");
    assert!(!e.is_permanent(), "{e}");
}
