//! Issue 13, acceptance 3: the accounts' security, driven in memory through the router (each
//! request with a client address, as `fairer serve` gives it). A form without its CSRF token
//! is refused; a cross-site POST is refused; a lead cannot edit another place; repeated failed
//! sign-ins are slowed without locking out the real owner; known and unknown addresses get the
//! same answer; no response leaks a password hash or a session; no GET changes anything; a
//! lead changes a recommendation's status through the form and sees it in the audit log.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{header, HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use store::testing::{self, count_rows, TestDatabase};
use store::{
    Actor, Goal, MeasureOn, PlaceFields, RecommendationFields, RoleGrant, Status, StatusChange, Store, TargetFields,
};
use tower::ServiceExt;
use web::{app, AppState};

const ADMIN: (&str, &str) = ("ada@example.org", "admin password 1");
const LEAD_A: (&str, &str) = ("lee@example.org", "lead of alpha pw");
const LEAD_B: (&str, &str) = ("bo@example.org", "lead of beta pw!");

/// A response: status, headers, body.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn set_cookies(&self) -> Vec<String> {
        self.headers.get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_string()).collect()
    }

    fn location(&self) -> &str {
        self.headers.get(header::LOCATION).map(|v| v.to_str().unwrap()).unwrap_or("")
    }

    /// The value of the first `_csrf` field of the page.
    fn csrf(&self) -> String {
        let at = self.body.find("name=\"_csrf\" value=\"").unwrap_or_else(|| panic!("no _csrf field in {}", self.body));
        let rest = &self.body[at + "name=\"_csrf\" value=\"".len()..];
        rest[..rest.find('"').unwrap()].to_string()
    }
}

/// A browser: its cookies and its address.
#[derive(Clone)]
struct Client {
    state: AppState,
    addr: SocketAddr,
    cookies: BTreeMap<String, String>,
    /// Every session or device token this client was ever given.
    secrets: Vec<String>,
}

impl Client {
    fn new(state: &AppState, ip: &str) -> Client {
        Client {
            state: state.clone(),
            addr: format!("{ip}:40000").parse().unwrap(),
            cookies: BTreeMap::new(),
            secrets: Vec::new(),
        }
    }

    async fn send(&mut self, request: axum::http::request::Builder, body: Body) -> Answer {
        let cookie: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut request = request.header(header::HOST, "localhost");
        if !cookie.is_empty() {
            request = request.header(header::COOKIE, cookie.join("; "));
        }
        let router = app(self.state.clone()).layer(MockConnectInfo(self.addr));
        let response = router.oneshot(request.body(body).unwrap()).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = String::from_utf8(response.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap();
        let answer = Answer { status, headers, body };
        for set in answer.set_cookies() {
            let pair = set.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if set.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
                if name.contains("session") || name.contains("device") {
                    self.secrets.push(value.to_string());
                }
            }
        }
        answer
    }

    async fn get(&mut self, path: &str) -> Answer {
        self.send(Request::get(path), Body::empty()).await
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Answer {
        self.post_with(path, form, &[]).await
    }

    async fn post_with(&mut self, path: &str, form: &[(&str, &str)], headers: &[(&str, &str)]) -> Answer {
        let body: Vec<String> = form.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
        let mut request = Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if !headers.iter().any(|(name, _)| *name == "sec-fetch-site") {
            request = request.header("sec-fetch-site", "same-origin");
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request, Body::from(body.join("&"))).await
    }

    /// Signs in through the form; the answer to the POST.
    async fn sign_in(&mut self, (email, password): (&str, &str)) -> Answer {
        let page = self.get("/sign-in").await;
        assert_eq!(page.status, StatusCode::OK);
        let csrf = page.csrf();
        self.post("/sign-in", &[("_csrf", &csrf), ("email", email), ("password", password), ("next", "/")]).await
    }

    /// The CSRF token of a page (GET).
    async fn token_of(&mut self, path: &str) -> String {
        let page = self.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        page.csrf()
    }
}

/// Form values percent-encoded.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn place(slug: &str, name: &str) -> PlaceFields {
    PlaceFields {
        slug: slug.into(),
        name: name.into(),
        kind: "town".into(),
        area_code: "E06999001".into(),
        covers: vec![],
        benchmark_code: "E92000001".into(),
        stage: "implementing".into(),
        commissioned_on: None,
        report_published_on: None,
        implementing_from: None,
        evaluated_on: None,
        synthetic: true,
        description: None,
    }
}

/// Two places (alpha and beta, each with recommendation R1 and target T1), an administrator
/// and a lead of each.
async fn seeded() -> (TestDatabase, AppState) {
    seeded_on(testing::sqlite().await).await
}

/// [`seeded`] on the database `db`.
async fn seeded_on(db: TestDatabase) -> (TestDatabase, AppState) {
    let store = &db.store;
    for (slug, name) in [("alpha", "Alpha (synthetic)"), ("beta", "Beta (synthetic)")] {
        let p = store.create_place(&Actor::Cli, &place(slug, name)).await.unwrap();
        let fields = RecommendationFields {
            code: "R1".into(),
            text: format!("Fund {slug}'s early years"),
            theme: None,
            horizon: None,
            owner: None,
            indicators: vec![],
        };
        let first =
            StatusChange { status: Status::Proposed, changed_on: "2026-01-05".into(), note: None, evidence_url: None };
        store.create_recommendation(&Actor::Cli, p.id, &fields, &first).await.unwrap();
        let target = TargetFields {
            code: "T1".into(),
            indicator: "life_expectancy".into(),
            measure_on: MeasureOn::Value,
            sex: "Persons".into(),
            baseline_period: "2019 - 21".into(),
            baseline_value: Some(78.5),
            goal: Goal::Value(80.0),
            target_period: "2028 - 30".into(),
            note: None,
        };
        store.create_target(&Actor::Cli, p.id, &target).await.unwrap();
    }
    let alpha = store.place("alpha").await.unwrap().unwrap().id;
    let beta = store.place("beta").await.unwrap().unwrap().id;
    for ((email, password), name, roles) in [
        (ADMIN, "Ada Admin", vec![RoleGrant::admin()]),
        (LEAD_A, "Lee Lead", vec![RoleGrant::lead(alpha)]),
        (LEAD_B, "Bo Lead", vec![RoleGrant::lead(beta)]),
    ] {
        let hash = web::hash_password(password).unwrap();
        let account = store.create_account(&Actor::Cli, email, name, &hash).await.unwrap();
        store.set_roles(&Actor::Cli, account.id, &roles).await.unwrap();
    }
    let state = AppState::new(db.store.clone());
    (db, state)
}

async fn status_of(store: &Store, slug: &str) -> Status {
    let place = store.place(slug).await.unwrap().unwrap();
    store.recommendation(place.id, "R1").await.unwrap().unwrap().status
}

async fn audit_rows(store: &Store) -> i64 {
    count_rows(store, "audit").await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_form_without_its_csrf_token_is_refused_and_changes_nothing() {
    let (db, state) = seeded().await;
    let mut lead = Client::new(&state, "10.0.0.1");
    assert_eq!(lead.sign_in(LEAD_A).await.status, StatusCode::SEE_OTHER);
    let before = audit_rows(&db.store).await;
    let path = "/places/alpha/recommendations/R1/status";
    let missing = lead.post(path, &[("status", "implemented"), ("note", "done")]).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN, "{}", missing.body);
    assert!(missing.body.contains("security token"), "{}", missing.body);
    let wrong = lead.post(path, &[("_csrf", "not-the-token"), ("status", "implemented")]).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    // Another session's token is not this one's.
    let mut other = Client::new(&state, "10.0.0.2");
    other.sign_in(LEAD_A).await;
    let others = other.token_of("/places/alpha/edit").await;
    let foreign = lead.post(path, &[("_csrf", &others), ("status", "implemented")]).await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
    for form in [
        &[("status", "on track"), ("note", "x")][..],
        &[("goal_kind", "value"), ("goal_number", "1"), ("target_period", "2030")],
    ] {
        assert_eq!(lead.post("/places/alpha/progress", form).await.status, StatusCode::FORBIDDEN);
        assert_eq!(lead.post("/places/alpha/targets/T1", form).await.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(lead.post("/sign-out", &[]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(audit_rows(&db.store).await, before);
    assert_eq!(status_of(&db.store, "alpha").await, Status::Proposed);
    // The session still works (sign-out without a token did nothing).
    assert_eq!(lead.get("/places/alpha/edit").await.status, StatusCode::OK);

    // The sign-in form needs its double-submit cookie's token.
    let mut stranger = Client::new(&state, "10.0.0.3");
    let token = stranger.token_of("/sign-in").await;
    let (email, password) = LEAD_A;
    let no_token = stranger.post("/sign-in", &[("email", email), ("password", password)]).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    stranger.cookies.clear();
    let no_cookie = stranger.post("/sign-in", &[("_csrf", &token), ("email", email), ("password", password)]).await;
    assert_eq!(no_cookie.status, StatusCode::FORBIDDEN);
    assert!(no_cookie.set_cookies().is_empty());
    assert_eq!(count_rows(&db.store, "session").await, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cross_site_post_is_refused() {
    let (db, state) = seeded().await;
    let mut lead = Client::new(&state, "10.0.0.1");
    lead.sign_in(LEAD_A).await;
    let token = lead.token_of("/places/alpha/edit").await;
    let before = audit_rows(&db.store).await;
    let form = [("_csrf", token.as_str()), ("status", "implemented")];
    let path = "/places/alpha/recommendations/R1/status";
    let cross = lead.post_with(path, &form, &[("sec-fetch-site", "cross-site")]).await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    let mut no_fetch_metadata = lead.clone();
    let request = Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, "https://evil.example");
    let body = format!("_csrf={token}&status=implemented");
    let evil_origin = no_fetch_metadata.send(request, Body::from(body)).await;
    assert_eq!(evil_origin.status, StatusCode::FORBIDDEN);
    let sign_in = Client::new(&state, "10.0.0.9").post_with("/sign-in", &[], &[("sec-fetch-site", "cross-site")]).await;
    assert_eq!(sign_in.status, StatusCode::FORBIDDEN);
    assert_eq!(audit_rows(&db.store).await, before);
    assert_eq!(status_of(&db.store, "alpha").await, Status::Proposed);
    // The same form from the site itself goes through.
    let same = lead.post(path, &form).await;
    assert_eq!(same.status, StatusCode::SEE_OTHER, "{}", same.body);
    assert_eq!(status_of(&db.store, "alpha").await, Status::Implemented);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lead_cannot_edit_another_place() {
    let (db, state) = seeded().await;
    let beta = db.store.place("beta").await.unwrap().unwrap().id;
    let mut lead = Client::new(&state, "10.0.0.1");
    lead.sign_in(LEAD_A).await;
    let token = lead.token_of("/places/alpha/edit").await;
    let before = audit_rows(&db.store).await;
    let beta_audit = db.store.audit_log_of_place(beta, 100).await.unwrap();
    let posts: [(&str, Vec<(&str, &str)>); 3] = [
        ("/places/beta/recommendations/R1/status", vec![("status", "dropped")]),
        ("/places/beta/progress", vec![("status", "off track"), ("note", "Nothing happens")]),
        ("/places/beta/targets/T1", vec![("goal_kind", "value"), ("goal_number", "1"), ("target_period", "2030")]),
    ];
    for (path, fields) in posts {
        let mut form = vec![("_csrf", token.as_str())];
        form.extend(fields);
        let answer = lead.post(path, &form).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{path}: {}", answer.body);
    }
    for path in ["/places/beta/edit", "/places/beta/audit", "/admin/accounts", "/admin/audit"] {
        assert_eq!(lead.get(path).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(audit_rows(&db.store).await, before);
    assert_eq!(db.store.audit_log_of_place(beta, 100).await.unwrap(), beta_audit);
    assert_eq!(status_of(&db.store, "beta").await, Status::Proposed);
    // Signed out, the pages send to the sign-in page and the forms are refused.
    let mut anonymous = Client::new(&state, "10.0.0.2");
    let edit = anonymous.get("/places/alpha/edit").await;
    assert_eq!(edit.status, StatusCode::SEE_OTHER);
    assert_eq!(edit.location(), "/sign-in?next=/places/alpha/edit");
    let post =
        anonymous.post("/places/alpha/recommendations/R1/status", &[("_csrf", &token), ("status", "dropped")]).await;
    assert_eq!(post.status, StatusCode::FORBIDDEN);
    // The administrator may edit any place.
    let mut admin = Client::new(&state, "10.0.0.3");
    admin.sign_in(ADMIN).await;
    let token = admin.token_of("/places/beta/edit").await;
    let answer = admin.post("/places/beta/recommendations/R1/status", &[("_csrf", &token), ("status", "agreed")]).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(status_of(&db.store, "beta").await, Status::Agreed);
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_sign_ins_are_slowed_without_locking_out_the_owner() {
    let (db, state) = seeded().await;
    // The owner signed in from this browser before, and signed out.
    let mut owner = Client::new(&state, "10.0.0.1");
    assert_eq!(owner.sign_in(LEAD_A).await.status, StatusCode::SEE_OTHER);
    assert!(owner.cookies.contains_key("fairer_device"));
    let token = owner.token_of("/places/alpha/edit").await;
    assert_eq!(owner.post("/sign-out", &[("_csrf", &token)]).await.status, StatusCode::SEE_OTHER);
    assert!(!owner.cookies.contains_key("fairer_session"));

    // An attacker tries 20 passwords on the owner's address.
    let mut attacker = Client::new(&state, "203.0.113.7");
    let mut statuses = Vec::new();
    for i in 0..20 {
        let answer = attacker.sign_in((LEAD_A.0, &format!("guess number {i}"))).await;
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            let wait: u64 = answer.headers[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
            assert!((1..=60).contains(&wait), "{wait}");
        }
        statuses.push(answer.status.as_u16());
    }
    assert_eq!(&statuses[..5], [200; 5]);
    assert!(statuses[5..].iter().all(|&s| s == 429), "{statuses:?}");

    // The owner, with their device cookie, signs in at once.
    let started = std::time::Instant::now();
    let answer = owner.sign_in(LEAD_A).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(owner.get("/places/alpha/edit").await.status, StatusCode::OK);

    // A client without the device cookie, even with the right password, waits.
    let mut untrusted = Client::new(&state, "198.51.100.4");
    let answer = untrusted.sign_in(LEAD_A).await;
    assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(answer.headers.contains_key(header::RETRY_AFTER));
    assert!(!untrusted.cookies.contains_key("fairer_session"));

    // The wording of the wait is the same for an address with no account.
    let mut sprayer = Client::new(&state, "203.0.113.8");
    let mut last = None;
    for i in 0..6 {
        last = Some(sprayer.sign_in(("nobody@example.org", &format!("guess {i}"))).await);
    }
    let last = last.unwrap();
    assert_eq!(last.status, StatusCode::TOO_MANY_REQUESTS);
    let strip = |body: &str| body.split("Wait ").next().unwrap().to_string();
    assert_eq!(strip(&last.body), strip(&answer.body));
    // The device cookie of another account does not help.
    let mut thief = Client::new(&state, "203.0.113.9");
    thief.cookies.insert("fairer_device".into(), owner.cookies["fairer_device"].clone());
    assert_eq!(thief.sign_in((LEAD_B.0, "guess")).await.status, StatusCode::OK);
    drop(db);
}

#[tokio::test(flavor = "multi_thread")]
async fn known_and_unknown_addresses_get_the_same_answer() {
    let (db, state) = seeded().await;
    db.store.set_account_disabled(&Actor::Cli, 3, true).await.unwrap();
    let mut answers = Vec::new();
    for (email, password) in [
        (LEAD_A.0, "wrong password"),
        ("nobody@example.org", "wrong password"),
        (LEAD_B.0, LEAD_B.1), // disabled, right password
        ("not an address", "wrong password"),
    ] {
        let mut client = Client::new(&state, "10.0.0.1");
        let page = client.get("/sign-in").await;
        let csrf = page.csrf();
        let answer = client.post("/sign-in", &[("_csrf", &csrf), ("email", email), ("password", password)]).await;
        answers.push((answer.status, answer.body.replace(&csrf, "TOKEN"), answer.set_cookies()));
    }
    assert_eq!(answers[0].0, StatusCode::OK);
    assert!(answers[0].1.contains("That e-mail and password do not match an account."));
    assert!(answers[0].2.is_empty(), "no cookie on a failure: {:?}", answers[0].2);
    for other in &answers[1..] {
        assert_eq!(other, &answers[0]);
    }
    assert_eq!(count_rows(&db.store, "session").await, 0);

    // And in about the same time: an unknown address is checked against a dummy hash of the
    // same cost (without it, it would answer in microseconds instead of tens of milliseconds).
    // The fastest of three of each, within a factor of four either way on a loaded machine.
    let mut fastest = [std::time::Duration::MAX; 2];
    for round in 0..3 {
        for (i, email) in [LEAD_A.0, "nobody@example.org"].into_iter().enumerate() {
            let mut client = Client::new(&state, &format!("10.1.{round}.{i}"));
            let csrf = client.token_of("/sign-in").await;
            let started = std::time::Instant::now();
            let answer = client.post("/sign-in", &[("_csrf", &csrf), ("email", email), ("password", "wrong")]).await;
            fastest[i] = fastest[i].min(started.elapsed());
            assert_eq!(answer.status, StatusCode::OK);
        }
    }
    let [known, unknown] = fastest;
    assert!(unknown * 4 > known && known * 4 > unknown, "known {known:?}, unknown {unknown:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn no_response_leaks_a_hash_or_a_session_and_no_get_changes_anything() {
    let (db, state) = seeded().await;
    let mut admin = Client::new(&state, "10.0.0.1");
    let mut lead = Client::new(&state, "10.0.0.2");
    let mut anonymous = Client::new(&state, "10.0.0.3");
    let signed = admin.sign_in(ADMIN).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER);
    lead.sign_in(LEAD_A).await;
    // A change, so the audit pages have rows to show (accounts' included).
    let token = admin.token_of("/admin/accounts").await;
    let made = admin
        .post(
            "/admin/accounts",
            &[
                ("_csrf", &token),
                ("email", "new@example.org"),
                ("name", "New Lead"),
                ("password", "a new password"),
                ("role", "lead"),
                ("place", "beta"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);

    let routes = [
        "/",
        "/sign-in",
        "/sign-in?next=/admin/accounts",
        "/places/alpha/edit",
        "/places/beta/edit",
        "/places/alpha/audit",
        "/places/beta/audit",
        "/admin/accounts",
        "/admin/audit",
        "/api/v1/places",
        "/api/v1/places/alpha/targets",
        "/api/v1/areas",
        "/api/v1/indicators",
        "/api/v1/values?limit=5",
        "/api/v1/releases",
        "/api/v1/openapi.json",
        "/places/alpha",
        "/places/beta",
        "/places/alpha/report",
        "/search?q=a",
        "/areas/E92000001",
        "/indicators/life_expectancy",
        "/indicators/life_expectancy/trend",
        "/static/fairer.css",
        "/favicon.svg",
        "/no/such/page",
        "/places/nowhere/edit",
    ];
    let secrets: Vec<String> = [&admin, &lead].iter().flat_map(|c| c.secrets.clone()).collect();
    assert!(secrets.len() >= 4);
    let hashes: Vec<String> = secrets.iter().map(|s| sha256_hex(s)).collect();
    let audit_before = audit_rows(&db.store).await;
    let sessions_before = count_rows(&db.store, "session").await;
    let mut seen = 0;
    for client in [&mut admin, &mut lead, &mut anonymous] {
        for route in routes {
            let answer = client.get(route).await;
            seen += 1;
            let everything = format!("{:?}\n{}", answer.headers, answer.body);
            assert!(!everything.contains("$argon2"), "{route}: a password hash");
            for secret in secrets.iter().chain(&hashes) {
                assert!(!answer.body.contains(secret.as_str()), "{route}: a session or device token in the body");
            }
            // The only token a page holds is its own form's: the session's CSRF token.
            for set in answer.set_cookies() {
                assert!(set.starts_with("fairer_csrf="), "{route}: a GET set {set}");
            }
        }
    }
    assert_eq!(seen, 3 * routes.len());
    assert_eq!(audit_rows(&db.store).await, audit_before, "a GET changed the audit trail");
    assert_eq!(count_rows(&db.store, "session").await, sessions_before);
    // The POST answers leak nothing either.
    let token = lead.token_of("/places/alpha/edit").await;
    let answer =
        lead.post("/places/alpha/progress", &[("_csrf", &token), ("status", "on track"), ("note", "Going well")]).await;
    assert!(!answer.body.contains("$argon2") && !secrets.iter().any(|s| answer.body.contains(s.as_str())));
    // An admin's page lists accounts without their hashes (checked above) and with their roles.
    let accounts = admin.get("/admin/accounts").await;
    assert!(accounts.body.contains("new@example.org") && accounts.body.contains("lead of"), "{}", accounts.body);
}

fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lead_changes_a_status_through_the_form_and_sees_it_in_the_audit_log() {
    let (db, state) = seeded().await;
    let mut lead = Client::new(&state, "10.0.0.1");
    let signed = lead.sign_in(LEAD_A).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER);
    let edit = lead.get("/places/alpha/edit").await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(
        edit.body.contains("Fund alpha&#x27;s early years") || edit.body.contains("Fund alpha&#39;s early years"),
        "{}",
        edit.body
    );
    let token = edit.csrf();
    let answer = lead
        .post(
            "/places/alpha/recommendations/R1/status",
            &[
                ("_csrf", &token),
                ("status", "in progress"),
                ("changed_on", "2026-12-01"),
                ("note", "Nurseries funded in three wards"),
                ("evidence_url", "https://example.org/minutes"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(answer.location(), "/places/alpha");
    let alpha = db.store.place("alpha").await.unwrap().unwrap();
    let rec = db.store.recommendation(alpha.id, "R1").await.unwrap().unwrap();
    assert_eq!(rec.status, Status::InProgress);
    let last = rec.history.last().unwrap();
    assert_eq!(last.note.as_deref(), Some("Nurseries funded in three wards"));
    assert_eq!(last.evidence_url.as_deref(), Some("https://example.org/minutes"));

    // A progress note and a target's new goal.
    let answer = lead
        .post(
            "/places/alpha/progress",
            &[("_csrf", &token), ("status", "on track"), ("note", "Two wards left"), ("recommendations", "R1")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let answer = lead
        .post(
            "/places/alpha/targets/T1",
            &[("_csrf", &token), ("goal_kind", "change"), ("goal_number", "1.5"), ("target_period", "2029 - 31")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let target = &db.store.targets(alpha.id).await.unwrap()[0];
    assert_eq!((target.fields.goal, target.fields.target_period.as_str()), (Goal::Change(1.5), "2029 - 31"));
    let progress = &db.store.progress_updates(alpha.id).await.unwrap()[0];
    assert_eq!(
        (progress.fields.author.as_str(), progress.fields.recommendations.as_slice()),
        ("Lee Lead", &["R1".to_string()][..])
    );
    // Bad input is a 400 naming the field, and changes nothing.
    let bad = lead
        .post(
            "/places/alpha/targets/T1",
            &[("_csrf", &token), ("goal_kind", "value"), ("goal_number", "lots"), ("target_period", "2030")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("goal_number"), "{}", bad.body);

    // The audit page of the place shows who changed what, newest first.
    let audit = lead.get("/places/alpha/audit").await;
    assert_eq!(audit.status, StatusCode::OK);
    assert!(audit.body.contains("Lee Lead (lee@example.org)"), "{}", audit.body);
    assert!(audit.body.contains("status recommendation"), "{}", audit.body);
    assert!(audit.body.contains("in progress") && audit.body.contains("Nurseries funded in three wards"));
    assert!(audit.body.contains("update target") && audit.body.contains("create progress"));
    let entries = db.store.audit_log_of_place(alpha.id, 10).await.unwrap();
    let lead_id = db.store.account_for_sign_in(LEAD_A.0).await.unwrap().unwrap().0.id;
    assert_eq!(
        entries.iter().take(3).map(|e| (e.actor.clone(), e.entity.as_str(), e.action.as_str())).collect::<Vec<_>>(),
        [
            (format!("user:{lead_id}"), "target", "update"),
            (format!("user:{lead_id}"), "progress", "create"),
            (format!("user:{lead_id}"), "recommendation", "status"),
        ]
    );
    // Beta's audit does not show alpha's changes.
    let beta = db.store.place("beta").await.unwrap().unwrap();
    assert!(db.store.audit_log_of_place(beta.id, 10).await.unwrap().iter().all(|e| e.place_id == Some(beta.id)));
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_are_new_at_sign_in_and_gone_at_sign_out() {
    let (db, state) = seeded().await;
    let mut lead = Client::new(&state, "10.0.0.1");
    // A session cookie planted before sign-in is not adopted (no fixation).
    lead.cookies.insert("fairer_session".into(), "planted-by-an-attacker".into());
    let answer = lead.sign_in(LEAD_A).await;
    let cookies = answer.set_cookies();
    let session = cookies.iter().find(|c| c.starts_with("fairer_session=")).unwrap();
    assert!(session.ends_with("; Path=/; Max-Age=43200; HttpOnly; SameSite=Lax"), "{session}");
    let first = lead.cookies["fairer_session"].clone();
    assert_ne!(first, "planted-by-an-attacker");
    assert_eq!(first.len(), 43);
    lead.sign_in(LEAD_A).await;
    assert_ne!(lead.cookies["fairer_session"], first, "a new token at each sign-in");
    // Sign out: the row goes, the old cookie no longer signs in.
    let token = lead.token_of("/places/alpha/edit").await;
    let out = lead.post("/sign-out", &[("_csrf", &token)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(out.set_cookies().iter().any(|c| c.starts_with("fairer_session=;") && c.contains("Max-Age=0")));
    assert_eq!(count_rows(&db.store, "session").await, 1, "the first sign-in's session remains until it expires");
    let mut replay = Client::new(&state, "10.0.0.1");
    replay.cookies.insert("fairer_session".into(), first);
    assert_eq!(replay.get("/places/alpha/edit").await.status, StatusCode::OK, "the first session is its own");
    // On HTTPS the cookies are Secure with the __Host- prefix.
    let secure = state.clone().with_secure_cookies(true);
    let mut client = Client::new(&secure, "10.0.0.5");
    let page = client.get("/sign-in").await;
    let csrf_cookie = &page.set_cookies()[0];
    assert!(csrf_cookie.starts_with("__Host-fairer_csrf=") && csrf_cookie.ends_with("; Secure"), "{csrf_cookie}");
    let csrf = page.csrf();
    let answer = client.post("/sign-in", &[("_csrf", &csrf), ("email", LEAD_A.0), ("password", LEAD_A.1)]).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert!(answer.set_cookies().iter().all(|c| c.starts_with("__Host-") && c.ends_with("; Secure")));
    assert_eq!(client.get("/places/alpha/edit").await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_administrator_manages_accounts_and_others_cannot() {
    let (db, state) = seeded().await;
    let mut admin = Client::new(&state, "10.0.0.1");
    admin.sign_in(ADMIN).await;
    let token = admin.token_of("/admin/accounts").await;
    let made = admin
        .post(
            "/admin/accounts",
            &[
                ("_csrf", &token),
                ("email", "Kim@Example.org"),
                ("name", "Kim"),
                ("password", "kim's password"),
                ("role", "lead"),
                ("place", "alpha"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let (kim, hash) = db.store.account_for_sign_in("kim@example.org").await.unwrap().unwrap();
    assert!(hash.starts_with("$argon2id$"));
    assert_eq!(kim.roles[0].place_slug.as_deref(), Some("alpha"));
    let short = admin
        .post(
            "/admin/accounts",
            &[("_csrf", &token), ("email", "x@example.org"), ("name", "X"), ("password", "short"), ("role", "none")],
        )
        .await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    // Kim signs in and edits alpha; then becomes lead of beta, and cannot edit alpha.
    let mut kim_client = Client::new(&state, "10.0.0.2");
    assert_eq!(kim_client.sign_in(("kim@example.org", "kim's password")).await.status, StatusCode::SEE_OTHER);
    assert_eq!(kim_client.get("/places/alpha/edit").await.status, StatusCode::OK);
    let path = format!("/admin/accounts/{}/role", kim.id);
    assert_eq!(
        admin.post(&path, &[("_csrf", &token), ("role", "lead"), ("place", "beta")]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        kim_client.get("/places/alpha/edit").await.status,
        StatusCode::FORBIDDEN,
        "roles are read on every request"
    );
    assert_eq!(kim_client.get("/places/beta/edit").await.status, StatusCode::OK);
    // Disabled, Kim is signed out everywhere.
    let path = format!("/admin/accounts/{}/disabled", kim.id);
    assert_eq!(admin.post(&path, &[("_csrf", &token), ("disabled", "1")]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(kim_client.get("/places/beta/edit").await.status, StatusCode::SEE_OTHER);
    // A lead cannot administer; the administrator cannot disable themselves.
    let kim_token = token.clone();
    let mut lead = Client::new(&state, "10.0.0.3");
    lead.sign_in(LEAD_A).await;
    let lead_token = lead.token_of("/places/alpha/edit").await;
    let refused = lead.post(&path, &[("_csrf", &lead_token), ("disabled", "0")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let me = db.store.account_for_sign_in(ADMIN.0).await.unwrap().unwrap().0.id;
    let own = admin.post(&format!("/admin/accounts/{me}/disabled"), &[("_csrf", &kim_token), ("disabled", "1")]).await;
    assert_eq!(own.status, StatusCode::FORBIDDEN);
    let audit = admin.get("/admin/audit").await;
    assert!(audit.body.contains("disable account") && audit.body.contains("roles account"), "{}", audit.body);
    assert!(!audit.body.contains("$argon2"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_edit_flow_on_postgresql() {
    let (db, state) = seeded_on(testing::postgres().await).await;
    let mut lead = Client::new(&state, "10.0.0.1");
    assert_eq!(lead.sign_in(LEAD_A).await.status, StatusCode::SEE_OTHER);
    let token = lead.token_of("/places/alpha/edit").await;
    let path = "/places/alpha/recommendations/R1/status";
    assert_eq!(lead.post(path, &[("status", "agreed")]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        lead.post("/places/beta/recommendations/R1/status", &[("_csrf", &token), ("status", "agreed")]).await.status,
        StatusCode::FORBIDDEN
    );
    let answer = lead.post(path, &[("_csrf", &token), ("status", "agreed"), ("note", "Board approved")]).await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(status_of(&db.store, "alpha").await, Status::Agreed);
    assert_eq!(status_of(&db.store, "beta").await, Status::Proposed);
    let audit = lead.get("/places/alpha/audit").await;
    assert!(
        audit.body.contains("Lee Lead (lee@example.org)") && audit.body.contains("Board approved"),
        "{}",
        audit.body
    );
    let edit_token = lead.token_of("/places/alpha/edit").await;
    assert_eq!(lead.post("/sign-out", &[("_csrf", &edit_token)]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(lead.get("/places/alpha/edit").await.status, StatusCode::SEE_OTHER);
}
