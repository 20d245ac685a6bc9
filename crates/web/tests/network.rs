//! The network (issue 15): mail through a real SMTP server started by the test (Debian's
//! aiosmtpd on loopback, `web::mail::testing`); joining and confirming by e-mail; the same
//! answer for known and unknown addresses; links that expire and work once; CSRF and rate
//! limits on the forms; profiles no other member sees unless listed; the export and erasure
//! through the web; staff actions in the audit trail.

mod network_support;

use std::time::Duration;

use axum::http::StatusCode;
use network_support::{path_of, query_value, Client, Site};
use sha2::{Digest, Sha256};
use store::network::members::Agreement;
use store::network::{JoinOutcome, JoinRequest, LinkPurpose};
use store::testing::dump;
use store::{Actor, RoleGrant, Store};
use web::mail::testing::SmtpServer;
use web::mail::{MailError, Mailer, Outgoing};

const PASSWORD: &str = "a long enough password";

/// A message sent through lettre arrives at the SMTP server with its headers, its recipient,
/// its non-ASCII subject and both bodies intact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
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
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_absent_server_is_a_transient_failure() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mailer = Mailer::smtp(&format!("smtp://127.0.0.1:{port}"), "network@fairer.example", "http://x").unwrap();
    let out = Outgoing { to: "ann@example.org".into(), subject: "s".into(), text: "t".into(), ..Default::default() };
    let e = mailer.send(&out).await.unwrap_err();
    assert!(matches!(e, MailError::Send { .. }), "{e}");
    assert!(!e.is_permanent(), "{e}");
}

/// The join form's fields for `email`.
fn join_form<'a>(csrf: &'a str, email: &'a str, name: &'a str, listed: bool) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("_csrf", csrf),
        ("name", name),
        ("email", email),
        ("password", PASSWORD),
        ("organisation", "Hartlepool Borough Council"),
        ("sector", "local_government"),
        ("job_role", "Health improvement lead"),
        ("places", "E06000001, e06000002"),
        ("themes", "early_years"),
        ("themes", "work"),
        ("membership", "yes"),
        ("newsletter", "yes"),
    ];
    if listed {
        form.push(("in_directory", "yes"));
    }
    form
}

/// A member made through the store (as a confirmed join would).
async fn member(store: &Store, email: &str, name: &str, listed: bool) -> i64 {
    let hash = web::hash_password(PASSWORD).unwrap();
    let request = JoinRequest {
        email: email.into(),
        name: name.into(),
        password_hash: hash,
        organisation: None,
        sector: "nhs".into(),
        job_role: "Nurse".into(),
        places: vec!["E06000001".into()],
        themes: vec![],
        in_directory: listed,
        newsletter: false,
        agreements: vec![Agreement { purpose: "membership".into(), wording: "w".into() }],
    };
    match store.confirm_join(request, "test", "t").await.unwrap() {
        JoinOutcome::Joined(m) => m.account_id,
        other => panic!("{other:?}"),
    }
}

/// Join, confirm by the e-mailed link (once), sign in, see oneself in the directory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_and_confirm_by_email() {
    let site = Site::new().await;
    let mut client = Client::new(&site.state, "192.0.2.10");
    let form = client.get("/join").await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = form.csrf();
    let answer = client.post("/join", &join_form(&csrf, "Nia@Example.org", "Nia Okafor", true)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert!(answer.body.contains("Check your e-mail"), "{}", answer.body);
    // Nothing is kept but the link until it is followed.
    assert!(site.db.store.member_directory().await.unwrap().is_empty());

    let mail = site.mail_to(1, "nia@example.org");
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].header("Subject"), Some("Confirm that you want to join the Fairer network"));
    let links = mail[0].links();
    assert_eq!(links.len(), 1, "{links:?}");
    let link = &links[0];
    assert!(link.starts_with("http://fairer.test/join/confirm?token="), "{link}");
    // Opening the link changes nothing; pressing its button joins.
    let page = client.get(&path_of(link)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(site.db.store.member_directory().await.unwrap().is_empty());
    let token = page.hidden("token");
    assert_eq!(token, query_value(link, "token"));
    let csrf = page.csrf();
    let joined = client.post("/join/confirm", &[("_csrf", &csrf), ("token", &token)]).await;
    assert_eq!(joined.status, StatusCode::OK, "{}", joined.body);
    assert!(joined.body.contains("Welcome to the network"), "{}", joined.body);
    // Once only.
    let again = client.post("/join/confirm", &[("_csrf", &csrf), ("token", &token)]).await;
    assert_eq!(again.status, StatusCode::GONE);
    assert!(again.body.contains("no longer works"));

    let listed = site.db.store.member_directory().await.unwrap();
    assert_eq!(listed.len(), 1);
    let nia = &listed[0];
    assert_eq!((nia.name.as_str(), nia.email.as_str()), ("Nia Okafor", "nia@example.org"));
    assert_eq!(nia.places, ["E06000001", "E06000002"]);
    assert_eq!(nia.themes, ["early_years", "work"]);
    assert!(site.db.store.subscriber_of_account(nia.account_id).await.unwrap().is_some());
    let signed_in = client.sign_in("nia@example.org", PASSWORD).await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER, "{}", signed_in.body);
    let me = client.get("/members/me").await;
    assert_eq!(me.location(), format!("/members/{}", nia.account_id));
    let profile = client.get(me.location()).await;
    assert!(profile.body.contains("Nia Okafor") && profile.body.contains("Hartlepool"), "{}", profile.body);
    let directory = client.get("/members").await;
    assert_eq!(directory.status, StatusCode::OK);
    assert!(directory.body.contains("Nia Okafor"));
}

/// Known and unknown addresses get the same answer (status, body but for the address itself,
/// cookies); only the mail differs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joining_answers_the_same_for_known_and_unknown_addresses() {
    let site = Site::new().await;
    member(&site.db.store, "known@example.org", "Kim Known", false).await;
    let mut client = Client::new(&site.state, "192.0.2.11");
    let csrf = client.get("/join").await.csrf();
    let known = client.post("/join", &join_form(&csrf, "known@example.org", "Kim", false)).await;
    let unknown = client.post("/join", &join_form(&csrf, "unknown@example.org", "Kim", false)).await;
    assert_eq!(known.status, unknown.status);
    assert_eq!(
        known.body.replace("known@example.org", "ADDRESS"),
        unknown.body.replace("unknown@example.org", "ADDRESS")
    );
    assert_eq!(known.set_cookies(), unknown.set_cookies());
    let messages = site.smtp.wait_for(2, Duration::from_secs(20)).unwrap();
    let to_known = messages.iter().find(|m| m.recipients() == ["known@example.org"]).unwrap();
    assert_eq!(to_known.header("Subject"), Some("You are already a member of the Fairer network"));
    assert!(!to_known.links().iter().any(|l| l.contains("token=")), "{:?}", to_known.links());
    let to_unknown = messages.iter().find(|m| m.recipients() == ["unknown@example.org"]).unwrap();
    assert!(to_unknown.links()[0].contains("/join/confirm?token="));
    // The newsletter's subscription too.
    site.db.store.confirm_subscription("reader@example.org", "w", "test", "tok-reader").await.unwrap();
    let csrf = client.get("/newsletter").await.csrf();
    let known = client.post("/newsletter/subscribe", &[("_csrf", &csrf), ("email", "reader@example.org")]).await;
    let unknown = client.post("/newsletter/subscribe", &[("_csrf", &csrf), ("email", "new@example.org")]).await;
    assert_eq!(known.status, unknown.status);
    assert_eq!(known.body.replace("reader@example.org", "A"), unknown.body.replace("new@example.org", "A"));
}

/// A link expires (made with no lifetime) and an unknown one does nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_expire() {
    let site = Site::new().await;
    let token = "an-expired-token";
    let hash: String = Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    let hash_password = web::hash_password(PASSWORD).unwrap();
    let request = serde_json::json!({
        "email": "late@example.org", "name": "Late", "password_hash": hash_password, "organisation": null,
        "sector": "nhs", "job_role": "Nurse", "places": [], "themes": [], "in_directory": false,
        "newsletter": false, "agreements": [{"purpose": "membership", "wording": "w"}]
    });
    site.db
        .store
        .create_email_link(LinkPurpose::Join, "late@example.org", &request, &hash, Duration::ZERO)
        .await
        .unwrap();
    let mut client = Client::new(&site.state, "192.0.2.12");
    let page = client.get(&format!("/join/confirm?token={token}")).await;
    let csrf = page.csrf();
    let answer = client.post("/join/confirm", &[("_csrf", &csrf), ("token", token)]).await;
    assert_eq!(answer.status, StatusCode::GONE);
    assert!(!site.db.store.email_has_account("late@example.org").await.unwrap());
    let answer = client.post("/newsletter/confirm", &[("_csrf", &csrf), ("token", "never-made")]).await;
    assert_eq!(answer.status, StatusCode::GONE);
}

/// Every form needs its CSRF token (signed out: the cookie's; signed in: the session's), and
/// cross-site posts are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_need_their_csrf_token() {
    let site = Site::new().await;
    let id = member(&site.db.store, "m@example.org", "Mo Member", true).await;
    let mut client = Client::new(&site.state, "192.0.2.13");
    let csrf = client.get("/join").await.csrf();
    let mut form = join_form("wrong", "x@example.org", "X", false);
    assert_eq!(client.post("/join", &form).await.status, StatusCode::FORBIDDEN);
    form.retain(|(k, _)| *k != "_csrf");
    assert_eq!(client.post("/join", &form).await.status, StatusCode::FORBIDDEN);
    assert_eq!(client.post("/newsletter/subscribe", &[("email", "x@example.org")]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(client.post("/join/confirm", &[("token", "t")]).await.status, StatusCode::FORBIDDEN);
    // A stranger's cookie-less client with a token it read elsewhere is refused too.
    let mut stranger = Client::new(&site.state, "192.0.2.14");
    assert_eq!(
        stranger.post("/newsletter/subscribe", &[("_csrf", &csrf), ("email", "x@example.org")]).await.status,
        StatusCode::FORBIDDEN
    );
    // Signed in: the session's token.
    client.sign_in("m@example.org", PASSWORD).await;
    assert_eq!(
        client.post("/account/erase", &[("_csrf", &csrf), ("confirm", "erase")]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(client.post("/members/me/edit", &[("name", "Evil")]).await.status, StatusCode::FORBIDDEN);
    assert!(site.db.store.member(id).await.unwrap().is_some());
    // No mail went anywhere.
    assert_eq!(site.smtp.count().unwrap(), 0);
}

/// Sign-ups from one client are limited: the sixth in a row waits (429 with Retry-After), and
/// nothing more is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_is_rate_limited() {
    let site = Site::new().await;
    let mut client = Client::new(&site.state, "192.0.2.15");
    let csrf = client.get("/join").await.csrf();
    for i in 0..5 {
        let email = format!("p{i}@example.org");
        let answer = client.post("/join", &join_form(&csrf, &email, "P", false)).await;
        assert_eq!(answer.status, StatusCode::OK, "{i}: {}", answer.body);
    }
    let answer = client.post("/join", &join_form(&csrf, "p5@example.org", "P", false)).await;
    assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(answer.headers.get("retry-after").is_some());
    site.smtp.wait_for(5, Duration::from_secs(20)).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(site.smtp.count().unwrap(), 5);
    // Another client is not slowed.
    let mut other = Client::new(&site.state, "192.0.2.16");
    let csrf = other.get("/join").await.csrf();
    assert_eq!(other.post("/join", &join_form(&csrf, "q@example.org", "Q", false)).await.status, StatusCode::OK);
}

/// A member never sees another's hidden profile (not even that it exists); the directory is
/// for members; a member sees their own hidden profile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hidden_profiles_stay_hidden() {
    let site = Site::new().await;
    let store = &site.db.store;
    let listed = member(store, "listed@example.org", "Lou Listed", true).await;
    let hidden = member(store, "hidden@example.org", "Hal Hidden", false).await;
    let outsider = store
        .create_account(&Actor::Cli, "out@example.org", "Oz Outsider", &web::hash_password(PASSWORD).unwrap())
        .await
        .unwrap();

    let mut anonymous = Client::new(&site.state, "192.0.2.20");
    assert_eq!(anonymous.get("/members").await.status, StatusCode::SEE_OTHER);
    assert_eq!(anonymous.get(&format!("/members/{listed}")).await.status, StatusCode::SEE_OTHER);

    let mut lou = Client::new(&site.state, "192.0.2.21");
    lou.sign_in("listed@example.org", PASSWORD).await;
    let directory = lou.get("/members").await;
    assert!(directory.body.contains("Lou Listed") && !directory.body.contains("Hal Hidden"));
    let answer = lou.get(&format!("/members/{hidden}")).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert!(!answer.body.contains("Hal Hidden"));
    assert_eq!(lou.get("/members/999999").await.status, StatusCode::NOT_FOUND);
    assert_eq!(lou.get(&format!("/members/{listed}")).await.status, StatusCode::OK);

    let mut hal = Client::new(&site.state, "192.0.2.22");
    hal.sign_in("hidden@example.org", PASSWORD).await;
    let own = hal.get(&format!("/members/{hidden}")).await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.body.contains("only you see this profile"));

    // An account that is not a member does not see the directory or profiles.
    let mut oz = Client::new(&site.state, "192.0.2.23");
    oz.sign_in("out@example.org", PASSWORD).await;
    assert_eq!(oz.get("/members").await.status, StatusCode::FORBIDDEN);
    assert_eq!(oz.get(&format!("/members/{listed}")).await.status, StatusCode::NOT_FOUND);
    let _ = outsider;
}

/// A member downloads everything held about them and erases their account through the web;
/// then neither their address nor their name is anywhere in the database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_and_erase_through_the_web() {
    let site = Site::new().await;
    let store = &site.db.store;
    let id = member(store, "quentin.zyx@example.org", "Quentin Zyxwv", true).await;
    store.confirm_subscription("quentin.zyx@example.org", "w", "test", "tok-q").await.unwrap();
    let mut client = Client::new(&site.state, "192.0.2.30");
    client.sign_in("quentin.zyx@example.org", PASSWORD).await;
    let data = client.get("/account/data").await;
    assert_eq!(data.status, StatusCode::OK);
    assert!(data.body.contains("membership"));
    let export = client.get("/account/data/export.json").await;
    assert_eq!(export.status, StatusCode::OK);
    assert_eq!(export.headers.get("content-type").unwrap(), "application/json");
    let json: serde_json::Value = serde_json::from_str(&export.body).unwrap();
    assert_eq!(json["tables"]["account"][0]["email"], "quentin.zyx@example.org");
    assert_eq!(json["tables"]["member"][0]["account_id"], id);
    assert_eq!(json["tables"]["subscriber"][0]["email"], "quentin.zyx@example.org");
    assert!(!export.body.contains("$argon2"));

    let csrf = data.csrf();
    let wrong = client.post("/account/erase", &[("_csrf", &csrf), ("confirm", "yes")]).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    let erased = client.post("/account/erase", &[("_csrf", &csrf), ("confirm", "erase")]).await;
    assert_eq!(erased.status, StatusCode::SEE_OTHER, "{}", erased.body);
    for (table, rows) in dump(store).await {
        for row in rows {
            for (column, value) in row {
                let v = value.to_lowercase();
                assert!(!v.contains("quentin") && !v.contains("zyxwv"), "{table}.{column}: {value}");
            }
        }
    }
    // Signed out, and the account cannot sign in again.
    assert_eq!(client.get("/account/data").await.status, StatusCode::SEE_OTHER);
    assert_eq!(client.sign_in("quentin.zyx@example.org", PASSWORD).await.status, StatusCode::OK);
}

/// An administrator disables and erases members from /admin/members; each action is in the
/// audit trail under the administrator's name, and others cannot do it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_actions_on_members_are_audited() {
    let site = Site::new().await;
    let store = &site.db.store;
    let admin = store
        .create_account(&Actor::Cli, "ada@example.org", "Ada Admin", &web::hash_password(PASSWORD).unwrap())
        .await
        .unwrap();
    store.set_roles(&Actor::Cli, admin.id, &[RoleGrant::admin()]).await.unwrap();
    let m = member(store, "m@example.org", "Mae Member", true).await;
    let other = member(store, "o@example.org", "Oli Other", true).await;

    let mut oli = Client::new(&site.state, "192.0.2.40");
    oli.sign_in("o@example.org", PASSWORD).await;
    assert_eq!(oli.get("/admin/members").await.status, StatusCode::FORBIDDEN);

    let mut ada = Client::new(&site.state, "192.0.2.41");
    ada.sign_in("ada@example.org", PASSWORD).await;
    let page = ada.get("/admin/members").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Mae Member") && page.body.contains("Oli Other"));
    let csrf = page.csrf();
    let oli_csrf = oli.get(&format!("/members/{other}")).await;
    let _ = oli_csrf;
    let done = ada.post(&format!("/admin/members/{m}/disabled"), &[("_csrf", &csrf), ("disabled", "1")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert!(store.account(m).await.unwrap().unwrap().disabled);
    let done = ada.post(&format!("/admin/members/{other}/erase"), &[("_csrf", &csrf), ("confirm", "erase")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let trail = store.audit_log(Some("account"), None, 50).await.unwrap();
    let actions: Vec<(String, String, String)> = trail
        .iter()
        .filter(|e| e.actor == format!("user:{}", admin.id))
        .map(|e| (e.entity_id.clone(), e.action.clone(), e.actor.clone()))
        .collect();
    assert!(actions.contains(&(m.to_string(), "disable".into(), format!("user:{}", admin.id))), "{actions:?}");
    assert!(actions.contains(&(other.to_string(), "erase".into(), format!("user:{}", admin.id))), "{actions:?}");
}
