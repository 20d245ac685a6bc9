//! Issue 15's events on the web, in memory through the router: the events staff make an event
//! and its sessions through the forms; members register for a breakout through the form, the
//! third for a breakout of two lands on its waiting list and is told their place in line; a
//! cancellation promotes them, and the promotion's e-mail reaches a real SMTP server; the
//! check-in list; facilitators, recordings and the report; a facilitator's sessions over the
//! years. Security: a member never sees another's needs (the check-in list is the events
//! staff's only), every form needs its CSRF token, cross-site posts are refused.

#[path = "events_support/mod.rs"]
mod support;

use std::time::Duration;

use axum::http::StatusCode;
use store::testing;
use support::{account, Client};
use web::mail::testing::SmtpServer;
use web::mail::Mailer;
use web::AppState;

/// The site over a new SQLite store, its mail going to a real SMTP server on loopback.
async fn site() -> (testing::TestDatabase, AppState, SmtpServer) {
    let db = testing::sqlite().await;
    let server = SmtpServer::start().expect("aiosmtpd (Debian's python3-aiosmtpd)");
    let mailer = Mailer::smtp(&server.url(), "Fairer network <network@fairer.example>", "http://fairer.test").unwrap();
    let state = AppState::new(db.store.clone()).with_mailer(mailer);
    (db, state, server)
}

#[tokio::test]
async fn staff_make_an_event_and_members_register_with_a_waiting_list() {
    let (db, state, smtp) = site().await;
    let store = &db.store;
    let staff_id = account(store, "events@example.org", "Eve Events", &["events"]).await;
    let mut staff = Client::signed_in(&state, "10.0.0.1", staff_id).await;
    let csrf = format!("csrf-{staff_id}");

    // The staff's forms: an event, a plenary, a breakout of two, the report.
    let made = staff
        .post(
            "/events",
            &[
                ("_csrf", &csrf),
                ("title", "Network conference 2030"),
                ("slug", "conference-2030"),
                ("kind", "conference"),
                ("starts_on", "2030-06-10"),
                ("ends_on", "2030-06-11"),
                ("venue", "Coventry"),
                ("description", "Eight breakouts."),
                ("needs_kept_days", "30"),
            ],
        )
        .await;
    assert_eq!((made.status, made.location()), (StatusCode::SEE_OTHER, "/events/conference-2030"), "{}", made.body);
    for (kind, title, capacity, link) in
        [("plenary", "The panel", "", "https://stream.example.org/panel"), ("breakout", "Housing", "2", "")]
    {
        let added = staff
            .post(
                "/events/conference-2030/sessions",
                &[
                    ("_csrf", &csrf),
                    ("kind", kind),
                    ("title", title),
                    ("theme", "housing"),
                    ("capacity", capacity),
                    ("link", link),
                ],
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    }
    let event = store.event("conference-2030").await.unwrap().unwrap();
    let sessions = store.event_sessions(event.id).await.unwrap();
    let housing = sessions.iter().find(|s| s.fields.title == "Housing").unwrap().id;

    // Three members register for the breakout of two, with needs.
    let mut members = Vec::new();
    for (n, needs) in [(1, "step-free access"), (2, "a hearing loop"), (3, "large print")] {
        let id = account(store, &format!("m{n}@example.org"), &format!("Member {n}"), &[]).await;
        let mut client = Client::signed_in(&state, &format!("10.0.1.{n}"), id).await;
        let page = client.get("/events/conference-2030").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Breakout session") && page.body.contains("2 places"), "{}", page.body);
        let token = format!("csrf-{id}");
        let done = client
            .post(
                "/events/conference-2030/register",
                &[
                    ("_csrf", &token),
                    ("session", &housing.to_string()),
                    ("accessibility_needs", needs),
                    ("dietary_needs", ""),
                ],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        members.push((id, client, needs));
    }
    let third = members[2].1.get("/events/conference-2030").await.body;
    assert!(third.contains("You are number 1 on the waiting list for the breakout \u{201c}Housing\u{201d}"), "{third}");
    assert!(third.contains("large print"), "a member sees their own needs");
    for other in ["step-free access", "a hearing loop"] {
        assert!(!third.contains(other), "a member never sees another's needs ({other})");
    }
    let first = members[0].1.get("/events/conference-2030").await.body;
    assert!(first.contains("You have a place at the event and in the breakout"), "{first}");

    // The check-in list: the staff's, with the needs; a member is refused.
    let refused = members[0].1.get("/events/conference-2030/check-in").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(!refused.body.contains("hearing loop"));
    let list = staff.get("/events/conference-2030/check-in").await;
    assert_eq!(list.status, StatusCode::OK);
    for (_, _, needs) in &members {
        assert!(list.body.contains(needs), "the check-in list shows {needs}");
    }
    let reg = store.registration(event.id, members[0].0).await.unwrap().unwrap();
    let checked =
        staff.post(&format!("/events/conference-2030/check-in/{}", reg.id), &[("_csrf", &csrf), ("in", "1")]).await;
    assert_eq!(checked.status, StatusCode::SEE_OTHER);
    assert!(store.registration(event.id, members[0].0).await.unwrap().unwrap().checked_in_at.is_some());

    // A cancellation promotes the first in line, once.
    let (first_id, mut first_client, _) = members.remove(0);
    let cancelled =
        first_client.post("/events/conference-2030/cancel", &[("_csrf", &format!("csrf-{first_id}"))]).await;
    assert_eq!(cancelled.status, StatusCode::SEE_OTHER);
    let promoted = members[1].1.get("/events/conference-2030").await.body;
    assert!(promoted.contains("You have a place at the event and in the breakout"), "{promoted}");
    let again = first_client.post("/events/conference-2030/cancel", &[("_csrf", &format!("csrf-{first_id}"))]).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    let session = store.event_session(housing).await.unwrap();
    assert_eq!((session.taken, session.waiting), (2, 0));
    // The one promoted is told, once, by e-mail through the SMTP server.
    let mail = smtp.wait_for(1, Duration::from_secs(10)).unwrap();
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].recipients(), ["m3@example.org"]);
    assert_eq!(mail[0].header("Subject"), Some("A place for you: Housing at Network conference 2030"));
    assert_eq!(mail[0].links(), ["http://fairer.test/events/conference-2030"]);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(smtp.count().unwrap(), 1, "a second cancellation sends nothing");
    assert!(store.pending_notices(10).await.unwrap().is_empty());

    // Facilitators, a recording, the report; the facilitator's page.
    let facilitator = members[0].0;
    for (action, field, value) in [
        ("facilitators", "facilitators", "m2@example.org"),
        ("recording", "recording_url", "https://video.example.org/housing"),
    ] {
        let changed = staff
            .post(
                &format!("/events/conference-2030/sessions/{housing}"),
                &[("_csrf", &csrf), ("action", action), (field, value)],
            )
            .await;
        assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
    }
    let reported = staff
        .post(
            "/events/conference-2030/report",
            &[("_csrf", &csrf), ("title", "The 2030 report"), ("url", "/reports/2030.pdf")],
        )
        .await;
    assert_eq!(reported.status, StatusCode::SEE_OTHER);
    let public = Client::new(&state, "10.0.9.9").get("/events/conference-2030").await.body;
    assert!(public.contains("https://video.example.org/housing") && public.contains("The 2030 report"));
    assert!(public.contains(&format!("/events/facilitators/{facilitator}")) && public.contains("Sign in to register"));
    let page = Client::new(&state, "10.0.9.9").get(&format!("/events/facilitators/{facilitator}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Member 2")
            && page.body.contains("Housing")
            && page.body.contains("Network conference 2030")
    );
    let list = Client::new(&state, "10.0.9.9").get("/events").await.body;
    assert!(
        list.contains("/events/conference-2030") && !list.contains("A new event"),
        "members do not see the staff's form"
    );
}

/// A facilitator's sessions over the years are on their member profile.
#[tokio::test]
async fn a_facilitators_sessions_are_on_their_profile() {
    use store::network::{Agreement, JoinOutcome, JoinRequest};
    let (db, state, _smtp) = site().await;
    let store = &db.store;
    let request = JoinRequest {
        email: "fay@example.org".into(),
        name: "Fay Facilitator".into(),
        password_hash: support::HASH.into(),
        organisation: None,
        sector: "community".into(),
        job_role: "Organiser".into(),
        places: vec![],
        themes: vec![],
        in_directory: false,
        newsletter: false,
        agreements: vec![Agreement { purpose: "membership".into(), wording: "Keep my details".into() }],
    };
    let JoinOutcome::Joined(fay) = store.confirm_join(request, "test", "unsubscribe-fay").await.unwrap() else {
        panic!("Fay did not join")
    };
    for (year, title) in [("2029", "Housing"), ("2030", "Working well")] {
        let fields = store::EventFields {
            slug: format!("conference-{year}"),
            title: format!("Network conference {year}"),
            kind: "conference".into(),
            starts_on: format!("{year}-06-10"),
            ends_on: format!("{year}-06-10"),
            venue: None,
            description: String::new(),
            needs_kept_days: 30,
        };
        let event = store.create_event(&store::Actor::Cli, &fields).await.unwrap();
        let session = store::SessionFields {
            kind: store::SessionKind::Breakout,
            title: title.into(),
            theme: None,
            starts_at: None,
            capacity: None,
            room: None,
            link: None,
            description: String::new(),
        };
        let session = store.add_session(&store::Actor::Cli, event.id, &session).await.unwrap();
        store.set_facilitators(&store::Actor::Cli, session.id, &[fay.account_id]).await.unwrap();
    }
    let mut client = Client::signed_in(&state, "10.0.5.1", fay.account_id).await;
    let profile = client.get(&format!("/members/{}", fay.account_id)).await;
    assert_eq!(profile.status, StatusCode::OK, "{}", profile.body);
    let body = &profile.body;
    assert!(body.contains("Sessions facilitated"), "{body}");
    let (newer, older) = (body.find("Working well").unwrap(), body.find("Housing").unwrap());
    assert!(newer < older, "the newest first");
}

#[tokio::test]
async fn every_form_needs_its_token_and_the_right_role() {
    let (db, state, _smtp) = site().await;
    let store = &db.store;
    let staff_id = account(store, "events@example.org", "Eve Events", &["events"]).await;
    let member_id = account(store, "m@example.org", "Mo Member", &[]).await;
    let event = store
        .create_event(
            &store::Actor::Cli,
            &store::EventFields {
                slug: "webinar".into(),
                title: "A webinar".into(),
                kind: "webinar".into(),
                starts_on: "2031-01-01".into(),
                ends_on: "2031-01-01".into(),
                venue: None,
                description: String::new(),
                needs_kept_days: 30,
            },
        )
        .await
        .unwrap();
    let mut member = Client::signed_in(&state, "10.0.0.2", member_id).await;
    let mut staff = Client::signed_in(&state, "10.0.0.3", staff_id).await;
    let audit_before = testing::count_rows(store, "audit").await;
    // No token, a wrong token, another's token: 403, nothing registered.
    for token in [None, Some("wrong"), Some(format!("csrf-{staff_id}").as_str())] {
        let mut form = vec![("session", "")];
        if let Some(t) = token {
            form.push(("_csrf", t));
        }
        let answer = member.post("/events/webinar/register", &form).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{token:?}");
    }
    assert!(store.registration(event.id, member_id).await.unwrap().is_none());
    // Signed out: 403.
    let answer = Client::new(&state, "10.0.0.4").post("/events/webinar/register", &[("_csrf", "x")]).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    // Cross-site, even with the right token: 403.
    let token = format!("csrf-{member_id}");
    let answer = member.post_with("/events/webinar/register", &[("_csrf", &token)], "cross-site").await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    // A member may not use the staff's forms.
    let tries = [
        (
            "/events",
            vec![
                ("_csrf", token.as_str()),
                ("slug", "x"),
                ("title", "X"),
                ("kind", "webinar"),
                ("starts_on", "2031-01-01"),
                ("ends_on", "2031-01-01"),
            ],
        ),
        ("/events/webinar/sessions", vec![("_csrf", token.as_str()), ("kind", "breakout"), ("title", "X")]),
        ("/events/webinar/report", vec![("_csrf", token.as_str()), ("title", "X"), ("url", "/x.pdf")]),
    ];
    for (path, form) in &tries {
        assert_eq!(member.post(path, form).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    // The staff's own forms need their token too.
    let answer = staff.post("/events/webinar/sessions", &[("kind", "breakout"), ("title", "X")]).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(testing::count_rows(store, "audit").await, audit_before, "nothing refused changed anything");
    assert!(store.event_sessions(event.id).await.unwrap().is_empty());
    // Registration with the token: the plenaries only.
    let ok = member.post("/events/webinar/register", &[("_csrf", &token), ("session", "")]).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let twice = member.post("/events/webinar/register", &[("_csrf", &token), ("session", "")]).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
}
