//! Issue 15's contact queries on the web: anyone sends a query through the form (its token the
//! double-submit cookie when signed out, the session's when signed in); the query is filed and
//! acknowledged; too many from one client or address wait (429); staff see every query, assign,
//! answer and close it, the thread kept; a member sees their own queries and never another's.

#[path = "events_support/mod.rs"]
mod support;

use std::time::Duration;

use axum::http::StatusCode;
use support::{account, Client};
use web::mail::testing::SmtpServer;
use web::mail::Mailer;
use web::AppState;

#[tokio::test]
async fn anyone_sends_a_query_and_staff_answer_it() {
    let db = store::testing::sqlite().await;
    let store = &db.store;
    let smtp = SmtpServer::start().expect("aiosmtpd (Debian's python3-aiosmtpd)");
    let mailer = Mailer::smtp(&smtp.url(), "Fairer network <network@fairer.example>", "http://fairer.test").unwrap();
    let state = AppState::new(store.clone()).with_mailer(mailer);
    let staff_id = account(store, "staff@example.org", "Sue Staff", &["editor"]).await;
    let a = account(store, "a@example.org", "Ann Member", &[]).await;
    let b = account(store, "b@example.org", "Ben Member", &[]).await;

    // Signed out: the form's token is the double-submit cookie's.
    let mut visitor = Client::new(&state, "10.2.0.1");
    let page = visitor.get("/contact").await;
    assert_eq!(page.status, StatusCode::OK);
    let token = page.csrf();
    assert_eq!(visitor.cookies.get("fairer_csrf"), Some(&token));
    let form = |token: &str| {
        vec![
            ("_csrf", token.to_string()),
            ("name", "Val Visitor".to_string()),
            ("email", "val@example.org".to_string()),
            ("topic", "publications".to_string()),
            ("message", "Where is the Coventry report?".to_string()),
        ]
    };
    let as_refs = |f: &Vec<(&'static str, String)>| f.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
    let post = |client: &mut Client, f: Vec<(&'static str, String)>| {
        let mut client = client.clone();
        async move {
            let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let answer = client.post("/contact", &pairs).await;
            (client, answer)
        }
    };
    // No token, a wrong one: 403, nothing filed.
    let (_, refused) = post(&mut visitor, as_refs(&form(""))).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let (_, refused) = post(&mut visitor, as_refs(&form("forged"))).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(store.contact_queries(None).await.unwrap().is_empty());
    let (_, sent) = post(&mut visitor, as_refs(&form(&token))).await;
    assert_eq!((sent.status, sent.location()), (StatusCode::SEE_OTHER, "/contact/sent"), "{}", sent.body);
    let filed = store.contact_queries(None).await.unwrap();
    assert_eq!(filed.len(), 1);
    assert_eq!(
        (filed[0].email.as_str(), filed[0].topic.as_str(), filed[0].account_id),
        ("val@example.org", "publications", None)
    );
    // The acknowledgement reaches the SMTP server, with the reference and the message.
    let ack = smtp.wait_for(1, Duration::from_secs(10)).unwrap();
    assert_eq!(ack[0].recipients(), ["val@example.org"]);
    assert_eq!(
        ack[0].header("Subject").map(String::from),
        Some(format!("We have your query (reference {})", filed[0].id))
    );
    let text = ack[0].text.clone().unwrap_or_default();
    assert!(text.contains("Dear Val Visitor") && text.contains("Where is the Coventry report?"), "{text}");
    assert!(store.pending_notices(10).await.unwrap().is_empty(), "the acknowledgement is not left owed");

    // A message that fails its checks: the form again, with the reason and what was typed.
    let mut bad = form(&token);
    bad[3].1 = "gossip".into();
    let (_, again) = post(&mut visitor, as_refs(&bad)).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body.contains("the field topic") && again.body.contains("Val Visitor"));

    // Members signed in: the session's token; each sees their own queries only.
    let mut ann = Client::signed_in(&state, "10.2.0.2", a).await;
    let mut ann_form = form(&format!("csrf-{a}"));
    ann_form[1].1 = "Ann Member".into();
    ann_form[2].1 = "a@example.org".into();
    ann_form[4].1 = "Ann's private question about my data".into();
    let (_, sent) = post(&mut ann, as_refs(&ann_form)).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let mine = ann.get("/contact/mine").await;
    assert!(mine.body.contains("private question about my data"), "{}", mine.body);
    let mut ben = Client::signed_in(&state, "10.2.0.3", b).await;
    let theirs = ben.get("/contact/mine").await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert!(!theirs.body.contains("private question") && theirs.body.contains("You have sent no query"));
    assert_eq!(ben.get("/contact/queries").await.status, StatusCode::FORBIDDEN, "a member never sees the queries");
    let query = store.contact_queries_of(a).await.unwrap()[0].id;
    let other = ben.get(&format!("/contact/queries/{query}")).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    assert!(!other.body.contains("private question"));
    let ben_token = format!("csrf-{b}");
    let answer = ben.post(&format!("/contact/queries/{query}/close"), &[("_csrf", &ben_token)]).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(
        Client::new(&state, "10.2.0.9").get("/contact/mine").await.status,
        StatusCode::SEE_OTHER,
        "signed out: to sign in"
    );

    // Staff: the list, the thread, assign, answer, close.
    let mut sue = Client::signed_in(&state, "10.2.0.4", staff_id).await;
    let list = sue.get("/contact/queries").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.contains("Val Visitor") && list.body.contains(&format!("href=\"/contact/queries/{query}\"")),
        "{}",
        list.body
    );
    let csrf = format!("csrf-{staff_id}");
    assert_eq!(
        sue.post(&format!("/contact/queries/{query}/answer"), &[("message", "No token")]).await.status,
        StatusCode::FORBIDDEN
    );
    let steps: [(&str, Vec<(&str, String)>); 3] = [
        ("assign", vec![("staff", staff_id.to_string())]),
        ("answer", vec![("message", "Here is what we hold about you.".to_string())]),
        ("close", vec![]),
    ];
    for (action, fields) in steps {
        let mut pairs: Vec<(&str, &str)> = vec![("_csrf", csrf.as_str())];
        pairs.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
        let done = sue.post(&format!("/contact/queries/{query}/{action}"), &pairs).await;
        assert_eq!(
            (done.status, done.location()),
            (StatusCode::SEE_OTHER, format!("/contact/queries/{query}").as_str()),
            "{action}: {}",
            done.body
        );
    }
    // Ann's acknowledgement, then the answer, by e-mail.
    let mail = smtp.wait_for(3, Duration::from_secs(10)).unwrap();
    let answer = mail
        .iter()
        .find(|m| m.header("Subject") == Some(format!("An answer to your query (reference {query})").as_str()));
    let answer = answer.expect("the answer's e-mail");
    assert_eq!(answer.recipients(), ["a@example.org"]);
    assert!(
        answer.text.as_deref().unwrap_or("").contains("Sue Staff answered your query")
            && answer.text.as_deref().unwrap_or("").contains("Here is what we hold about you.")
    );
    let closed = store.contact_query(query).await.unwrap().unwrap();
    assert_eq!((closed.status.as_str(), closed.messages.len(), closed.assigned_to), ("closed", 2, Some(staff_id)));
    let thread = sue.get(&format!("/contact/queries/{query}")).await.body;
    assert!(
        thread.contains("Here is what we hold about you.") && !thread.contains("Send the answer"),
        "closed: the thread, no forms"
    );
    let ann_view = ann.get("/contact/mine").await.body;
    assert!(ann_view.contains("Here is what we hold about you.") && ann_view.contains("Sue Staff"));
    // The audit keeps the staff's actions without the text or the address.
    let audit = serde_json::to_string(&store.audit_log(Some("contact_query"), None, 10).await.unwrap()).unwrap();
    assert!(audit.contains("\"answer\"") && !audit.contains("what we hold") && !audit.contains("a@example.org"));
}

#[tokio::test]
async fn contact_is_rate_limited_per_client_and_address() {
    let db = store::testing::sqlite().await;
    let state = AppState::new(db.store.clone());
    let mut client = Client::new(&state, "10.3.0.1");
    let token = client.get("/contact").await.csrf();
    let send = |client: &mut Client, email: &str| {
        let mut client = client.clone();
        let (token, email) = (token.clone(), email.to_string());
        async move {
            let form = [
                ("_csrf", token.as_str()),
                ("name", "R"),
                ("email", email.as_str()),
                ("topic", "other"),
                ("message", "Hello"),
            ];
            client.post("/contact", &form).await
        }
    };
    for n in 0..5 {
        let answer = send(&mut client, &format!("r{n}@example.org")).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "query {n}");
    }
    let sixth = send(&mut client, "r9@example.org").await;
    assert_eq!(sixth.status, StatusCode::TOO_MANY_REQUESTS, "the sixth from one client in 15 minutes waits");
    assert!(sixth.headers.contains_key("retry-after") && sixth.body.contains("Too many messages"));
    // Another client with another address is not slowed.
    let mut other = Client::new(&state, "10.3.0.2");
    let other_token = other.get("/contact").await.csrf();
    let form = |email: &'static str| {
        [
            ("_csrf", other_token.clone()),
            ("name", "S".into()),
            ("email", email.into()),
            ("topic", "other".into()),
            ("message", "Hi".into()),
        ]
    };
    let pairs = |f: &[(&'static str, String); 5]| f.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
    let fresh = pairs(&form("s@example.org"));
    let fresh: Vec<(&str, &str)> = fresh.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(other.post("/contact", &fresh).await.status, StatusCode::SEE_OTHER);
    assert_eq!(db.store.contact_queries(None).await.unwrap().len(), 6);
}
