//! Password reset (issue 15, acceptance 3) through a real SMTP server started by the test
//! (Debian's aiosmtpd on loopback, `web::mail::testing`): the link is read back from the
//! message and followed; it works once and expires; the new password is an argon2id hash and
//! every session of the account ends; known and unknown addresses get the same answer; both
//! forms need their CSRF token; requests are rate limited; the raw token is stored nowhere.

mod network_support;

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use network_support::{path_of, query_value, Client, Site};
use sha2::{Digest, Sha256};
use store::testing::dump;
use store::Actor;

const OLD: &str = "the old long password";
const NEW: &str = "a brand new long password";

/// An account with the password [`OLD`]; its id.
async fn account(site: &Site, email: &str, name: &str) -> i64 {
    let hash = web::hash_password(OLD).unwrap();
    site.db.store.create_account(&Actor::Cli, email, name, &hash).await.unwrap().id
}

/// Asks for a reset link for `email` through the form; the answer.
async fn ask(client: &mut Client, email: &str) -> network_support::Answer {
    let csrf = client.get("/password/forgot").await.csrf();
    client.post("/password/forgot", &[("_csrf", &csrf), ("email", email)]).await
}

fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Forgot password → e-mail → link → new password: the link works once, the new password is
/// an argon2id hash, the old one no longer signs in, every session of the account has ended,
/// the person is told by e-mail, and the token itself is in no table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_link_sets_a_new_password_once() {
    let site = Site::new().await;
    let id = account(&site, "rhiannon@example.org", "Rhiannon Reset").await;
    // A session elsewhere (another device), which the reset must end.
    let mut other_device = Client::new(&site.state, "192.0.2.60");
    assert_eq!(other_device.sign_in("rhiannon@example.org", OLD).await.status, StatusCode::SEE_OTHER);
    assert_eq!(other_device.get("/account/data").await.status, StatusCode::OK);

    let mut client = Client::new(&site.state, "192.0.2.61");
    let signin = client.get("/sign-in").await;
    assert!(signin.body.contains("href=\"/password/forgot\""), "the sign-in page links to the reset");
    let answer = ask(&mut client, "Rhiannon@Example.org").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(answer.body.contains("Check your e-mail"), "{}", answer.body);

    let mail = site.mail_to(1, "rhiannon@example.org");
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].header("Subject"), Some("Choose a new password for Fairer"));
    let links = mail[0].links();
    assert_eq!(links.len(), 1, "{links:?}");
    let link = &links[0];
    assert!(link.starts_with("http://fairer.test/password/reset?token="), "{link}");
    let token = query_value(link, "token");
    assert!(token.len() >= 32, "{token}");

    // Stored hashed only: neither the raw token nor anything containing it is in the database.
    for (table, rows) in dump(&site.db.store).await {
        for row in rows {
            for (column, value) in row {
                assert!(!value.contains(&token), "{table}.{column} holds the raw token");
            }
        }
    }
    assert_eq!(site.db.store.account(id).await.unwrap().unwrap().email, "rhiannon@example.org");

    // Opening the link shows the form and uses nothing; a bad form leaves the link usable.
    let form = client.get(&path_of(link)).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert_eq!(form.hidden("token"), token);
    let csrf = form.csrf();
    let short = client
        .post(
            "/password/reset",
            &[("_csrf", &csrf), ("token", &token), ("password", "short"), ("password_again", "short")],
        )
        .await;
    assert_eq!(short.status, StatusCode::OK);
    assert!(short.body.contains("at least 10"), "{}", short.body);
    let differ = client
        .post("/password/reset", &[("_csrf", &csrf), ("token", &token), ("password", NEW), ("password_again", OLD)])
        .await;
    assert_eq!(differ.status, StatusCode::OK);
    assert!(differ.body.contains("differ"), "{}", differ.body);

    let done = client
        .post("/password/reset", &[("_csrf", &csrf), ("token", &token), ("password", NEW), ("password_again", NEW)])
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("Your password is changed"), "{}", done.body);

    // Once only: the form and the post both say the link is gone.
    assert_eq!(client.get(&path_of(link)).await.status, StatusCode::GONE);
    let again = client
        .post("/password/reset", &[("_csrf", &csrf), ("token", &token), ("password", OLD), ("password_again", OLD)])
        .await;
    assert_eq!(again.status, StatusCode::GONE);
    assert!(again.body.contains("no longer works"));

    // The new password is an argon2id hash like sign-up's; every session has ended.
    let (_, hash) = site.db.store.account_for_sign_in("rhiannon@example.org").await.unwrap().unwrap();
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
    assert!(!hash.contains(NEW));
    assert_eq!(other_device.get("/account/data").await.status, StatusCode::SEE_OTHER);
    let mut fresh = Client::new(&site.state, "192.0.2.62");
    assert_eq!(fresh.sign_in("rhiannon@example.org", OLD).await.status, StatusCode::OK, "the old password fails");
    assert_eq!(fresh.sign_in("rhiannon@example.org", NEW).await.status, StatusCode::SEE_OTHER);
    // Told by e-mail; audited as the account's own reset.
    let mail = site.mail_to(2, "rhiannon@example.org");
    assert!(mail.iter().any(|m| m.header("Subject") == Some("Your Fairer password was changed")));
    let trail = site.db.store.audit_log(Some("account"), None, 20).await.unwrap();
    assert!(trail.iter().any(|e| e.action == "password_reset" && e.actor == format!("user:{id}")));
}

/// Known and unknown addresses (and a disabled account's) get the same page, status and
/// cookies, in comparable time; only the known address receives a message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn known_and_unknown_addresses_get_the_same_answer() {
    let site = Site::new().await;
    account(&site, "known@example.org", "Kit Known").await;
    let disabled = account(&site, "off@example.org", "Dee Disabled").await;
    site.db.store.set_account_disabled(&Actor::Cli, disabled, true).await.unwrap();
    let mut client = Client::new(&site.state, "192.0.2.63");
    let csrf = client.get("/password/forgot").await.csrf();
    let mut times = Vec::new();
    let mut answers = Vec::new();
    for email in ["known@example.org", "unknown@example.org", "off@example.org", "not an address"] {
        let start = Instant::now();
        let answer = client.post("/password/forgot", &[("_csrf", &csrf), ("email", email)]).await;
        times.push(start.elapsed());
        answers.push(answer);
    }
    for (i, answer) in answers.iter().enumerate().skip(1) {
        assert_eq!(answer.status, answers[0].status, "{i}");
        assert_eq!(answer.body, answers[0].body, "{i}");
        assert_eq!(answer.set_cookies(), answers[0].set_cookies(), "{i}");
        assert_eq!(answer.headers.get("cache-control"), answers[0].headers.get("cache-control"), "{i}");
    }
    assert_eq!(answers[0].status, StatusCode::OK);
    // The same work (one token, one store transaction, mail after the answer): no answer takes
    // long, whichever the address.
    for (i, t) in times.iter().enumerate() {
        assert!(*t < Duration::from_secs(2), "answer {i} took {t:?}");
    }
    let messages = site.smtp.wait_for(1, Duration::from_secs(20)).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let messages = if site.smtp.count().unwrap() > messages.len() { site.smtp.messages().unwrap() } else { messages };
    let recipients: Vec<Vec<String>> = messages.iter().map(|m| m.recipients()).collect();
    assert_eq!(recipients, vec![vec!["known@example.org".to_string()]]);
}

/// A link past its hour answers 410 and changes nothing; an unknown token too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_link_fails() {
    let site = Site::new().await;
    account(&site, "late@example.org", "Lee Late").await;
    let token = "an-expired-reset-token";
    assert!(site.db.store.create_password_reset("late@example.org", &sha256_hex(token), Duration::ZERO).await.unwrap());
    let mut client = Client::new(&site.state, "192.0.2.64");
    let page = client.get(&format!("/password/reset?token={token}")).await;
    assert_eq!(page.status, StatusCode::GONE);
    let csrf = client.get("/password/forgot").await.csrf();
    let answer = client
        .post("/password/reset", &[("_csrf", &csrf), ("token", token), ("password", NEW), ("password_again", NEW)])
        .await;
    assert_eq!(answer.status, StatusCode::GONE);
    let unknown = client
        .post(
            "/password/reset",
            &[("_csrf", &csrf), ("token", "never-made"), ("password", NEW), ("password_again", NEW)],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::GONE);
    assert_eq!(client.sign_in("late@example.org", NEW).await.status, StatusCode::OK, "the password is unchanged");
    assert_eq!(client.sign_in("late@example.org", OLD).await.status, StatusCode::SEE_OTHER);
}

/// Both forms need the token of their `fairer_csrf` cookie: without it nothing is sent and
/// the link is not used.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_forms_need_their_csrf_token() {
    let site = Site::new().await;
    account(&site, "c@example.org", "Cai Csrf").await;
    let mut client = Client::new(&site.state, "192.0.2.65");
    let csrf = client.get("/password/forgot").await.csrf();
    assert_eq!(client.post("/password/forgot", &[("email", "c@example.org")]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        client.post("/password/forgot", &[("_csrf", "wrong"), ("email", "c@example.org")]).await.status,
        StatusCode::FORBIDDEN
    );
    // A client without the cookie, with a token it read elsewhere.
    let mut stranger = Client::new(&site.state, "192.0.2.66");
    assert_eq!(
        stranger.post("/password/forgot", &[("_csrf", &csrf), ("email", "c@example.org")]).await.status,
        StatusCode::FORBIDDEN
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(site.smtp.count().unwrap(), 0, "no link sent");

    let token = "a-reset-token-for-csrf";
    assert!(site
        .db
        .store
        .create_password_reset("c@example.org", &sha256_hex(token), Duration::from_secs(3600))
        .await
        .unwrap());
    let refused = client.post("/password/reset", &[("token", token), ("password", NEW), ("password_again", NEW)]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = stranger
        .post("/password/reset", &[("_csrf", &csrf), ("token", token), ("password", NEW), ("password_again", NEW)])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // The link still works with the token.
    assert_eq!(client.get(&format!("/password/reset?token={token}")).await.status, StatusCode::OK);
    let done = client
        .post("/password/reset", &[("_csrf", &csrf), ("token", token), ("password", NEW), ("password_again", NEW)])
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
}

/// Requests for links are limited like sign-ups: the sixth in a row from one client waits
/// (429 with Retry-After) and sends nothing; another client is not slowed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_for_links_are_rate_limited() {
    let site = Site::new().await;
    account(&site, "r@example.org", "Ray Rate").await;
    let mut client = Client::new(&site.state, "192.0.2.67");
    for i in 0..5 {
        let answer = ask(&mut client, "r@example.org").await;
        assert_eq!(answer.status, StatusCode::OK, "{i}");
    }
    let answer = ask(&mut client, "r@example.org").await;
    assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(answer.headers.get("retry-after").is_some());
    site.smtp.wait_for(5, Duration::from_secs(20)).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(site.smtp.count().unwrap(), 5);
    // The address waits from any client; another address from another client does not.
    let mut other = Client::new(&site.state, "192.0.2.68");
    assert_eq!(ask(&mut other, "r@example.org").await.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(ask(&mut other, "someone@example.org").await.status, StatusCode::OK);
}
