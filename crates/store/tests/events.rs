//! Issue 15's events, publications and contact queries in the store, on SQLite and PostgreSQL:
//! sessions, registrations and the waiting list (300 registrations at once for a breakout of
//! 25: exactly 25 places and an ordered waiting list; a cancellation promotes the first in
//! line once, with one e-mail owed), the check-in list, recordings and reports, facilitators'
//! sessions over the years, the retention job, the publications' full-text search with its
//! filters, and contact queries with their thread.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use store::testing::count_rows;
use store::{
    Actor, ContactRequest, EventFields, PublicationFields, PublicationQuery, RegistrationRequest, RegistrationStatus,
    Retention, SessionFields, SessionKind, Store, StoreError,
};

const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

fn event(slug: &str, starts_on: &str, ends_on: &str) -> EventFields {
    EventFields {
        slug: slug.into(),
        title: format!("The network's conference {}", &starts_on[..4]),
        kind: "conference".into(),
        starts_on: starts_on.into(),
        ends_on: ends_on.into(),
        venue: Some("Coventry".into()),
        description: "Eight themed breakouts and a livestreamed panel.".into(),
        needs_kept_days: 30,
    }
}

fn breakout(title: &str, theme: &str, capacity: Option<i64>) -> SessionFields {
    SessionFields {
        kind: SessionKind::Breakout,
        title: title.into(),
        theme: Some(theme.into()),
        starts_at: Some("11:00".into()),
        capacity,
        room: Some("Room 2".into()),
        link: None,
        description: String::new(),
    }
}

async fn member(store: &Store, n: usize) -> i64 {
    store.create_account(&Actor::Cli, &format!("m{n}@example.org"), &format!("Member {n:03}"), HASH).await.unwrap().id
}

fn needs(session: Option<i64>, access: &str, diet: &str) -> RegistrationRequest {
    RegistrationRequest {
        session_id: session,
        accessibility_needs: Some(access.into()),
        dietary_needs: Some(diet.into()),
    }
}

async fn sessions_registrations_and_waiting_list(store: &Store) {
    let staff = Actor::User(member(store, 0).await);
    let conf = store.create_event(&staff, &event("conference-2026", "2026-06-10", "2026-06-11")).await.unwrap();
    assert_eq!(store.event("conference-2026").await.unwrap().unwrap(), conf);
    let bad = EventFields { ends_on: "2026-06-09".into(), ..event("bad", "2026-06-10", "2026-06-10") };
    let error = store.create_event(&staff, &bad).await.unwrap_err();
    assert!(error.to_string().contains("ends_on"), "{error}");
    let error = store.create_event(&staff, &event("conference-2026", "2026-06-10", "2026-06-11")).await.unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error}");

    let plenary = SessionFields {
        kind: SessionKind::Plenary,
        link: Some("https://stream.example.org/panel".into()),
        capacity: None,
        ..breakout("The panel", "health equity", None)
    };
    let panel = store.add_session(&staff, conf.id, &plenary).await.unwrap();
    let housing = store.add_session(&staff, conf.id, &breakout("Housing", "housing", Some(2))).await.unwrap();
    let work = store
        .add_session(&staff, conf.id, &breakout("Working well", "working well and employers", None))
        .await
        .unwrap();
    let sessions = store.event_sessions(conf.id).await.unwrap();
    assert_eq!(sessions.iter().map(|s| s.id).collect::<Vec<_>>(), [panel.id, housing.id, work.id]);

    let (a, b, c, d) = (member(store, 1).await, member(store, 2).await, member(store, 3).await, member(store, 4).await);
    let ra = store.register(a, conf.id, &needs(Some(housing.id), "step-free access", "vegan")).await.unwrap();
    let rb = store.register(b, conf.id, &needs(Some(housing.id), "", "")).await.unwrap();
    let rc = store.register(c, conf.id, &needs(Some(housing.id), "hearing loop", "")).await.unwrap();
    let rd = store.register(d, conf.id, &needs(Some(housing.id), "", "halal")).await.unwrap();
    assert_eq!((ra.status, rb.status), (RegistrationStatus::Place, RegistrationStatus::Place));
    assert_eq!((rc.status, rc.position), (RegistrationStatus::Waiting, Some(1)));
    assert_eq!((rd.status, rd.position), (RegistrationStatus::Waiting, Some(2)));
    assert_eq!(ra.accessibility_needs.as_deref(), Some("step-free access"));
    assert_eq!(rb.accessibility_needs, None, "empty needs are none");
    let error = store.register(a, conf.id, &RegistrationRequest::default()).await.unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error}");
    let error = store.register(member(store, 5).await, conf.id, &needs(Some(panel.id), "", "")).await.unwrap_err();
    assert!(error.to_string().contains("not a breakout"), "{error}");
    // A breakout without a capacity, and the plenaries only, always give a place.
    let e = member(store, 6).await;
    assert_eq!(
        store.register(e, conf.id, &needs(Some(work.id), "", "")).await.unwrap().status,
        RegistrationStatus::Place
    );
    let f = member(store, 7).await;
    assert_eq!(
        store.register(f, conf.id, &RegistrationRequest::default()).await.unwrap().status,
        RegistrationStatus::Place
    );
    let housing_now = store.event_session(housing.id).await.unwrap();
    assert_eq!((housing_now.taken, housing_now.waiting, housing_now.places_left()), (2, 2, Some(0)));

    // A waiting member cancelling promotes no one; a place cancelled promotes the first in line.
    assert_eq!(count_rows(store, "notice").await, 0);
    let (gone, promoted) = store.cancel_registration(d, conf.id).await.unwrap();
    assert_eq!((gone.status, gone.dietary_needs, promoted.len()), (RegistrationStatus::Cancelled, None, 0));
    let (_, promoted) = store.cancel_registration(a, conf.id).await.unwrap();
    assert_eq!(promoted, [rc.id]);
    let (_, again) = store.cancel_registration(a, conf.id).await.unwrap();
    assert!(again.is_empty(), "a second cancellation promotes no one");
    let notices = store.pending_notices(10).await.unwrap();
    assert_eq!(notices.len(), 1);
    assert_eq!(
        (notices[0].kind.as_str(), notices[0].subject_id, notices[0].recipient.as_str()),
        ("promoted", rc.id, "m3@example.org")
    );
    let promoted_c = store.registration(conf.id, c).await.unwrap().unwrap();
    assert_eq!((promoted_c.status, promoted_c.position), (RegistrationStatus::Place, None));
    assert!(promoted_c.promoted_at.is_some());
    // One sender claims a notice; a second claim fails; sent, it is no longer pending.
    assert!(store.claim_notice(notices[0].id).await.unwrap());
    assert!(!store.claim_notice(notices[0].id).await.unwrap());
    assert!(store.pending_notices(10).await.unwrap().is_empty());
    store.finish_notice(notices[0].id, false).await.unwrap();
    assert_eq!(store.pending_notices(10).await.unwrap().len(), 1, "a failed send is released");
    assert!(store.claim_notice(notices[0].id).await.unwrap());
    store.finish_notice(notices[0].id, true).await.unwrap();
    assert!(store.pending_notices(10).await.unwrap().is_empty());

    // Registering again after cancelling: the end of the line (here a place: one is free? no).
    let again = store.register(a, conf.id, &needs(Some(housing.id), "", "")).await.unwrap();
    assert_eq!((again.status, again.position), (RegistrationStatus::Waiting, Some(1)));
    // More places promote the waiting list.
    let (s, promoted) = store.set_session_capacity(&staff, housing.id, Some(3)).await.unwrap();
    assert_eq!((promoted, s.taken, s.waiting), (vec![ra.id], 3, 0));

    // The check-in list (staff) names the members, with needs; checking in.
    let list = store.check_in_list(conf.id).await.unwrap();
    assert_eq!(
        list.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
        ["Member 001", "Member 002", "Member 003", "Member 006", "Member 007"]
    );
    let c_row = list.iter().find(|r| r.registration.account_id == c).unwrap();
    assert_eq!(c_row.registration.accessibility_needs.as_deref(), Some("hearing loop"));
    assert_eq!(c_row.session_title.as_deref(), Some("Housing"));
    store.check_in(&staff, c_row.registration.id, true).await.unwrap();
    assert!(store.registration(conf.id, c).await.unwrap().unwrap().checked_in_at.is_some());
    let error = store.check_in(&staff, rd.id, true).await.unwrap_err();
    assert!(matches!(error, StoreError::NotFound(_)), "a cancelled registration is not checked in: {error}");

    // Facilitators, recordings, the report; a facilitator's sessions over the years.
    store.set_facilitators(&staff, housing.id, &[e, f]).await.unwrap();
    let recorded = store.attach_recording(&staff, housing.id, "https://video.example.org/housing-2026").await.unwrap();
    assert_eq!(recorded.facilitators, [(e, "Member 006".to_string()), (f, "Member 007".to_string())]);
    assert!(store.attach_recording(&staff, housing.id, "javascript:alert(1)").await.is_err());
    let reported = store
        .attach_event_report(&staff, conf.id, "Conference report 2026", "/reports/conference-2026.pdf")
        .await
        .unwrap();
    assert_eq!(reported.report_url.as_deref(), Some("/reports/conference-2026.pdf"));
    let older = store.create_event(&staff, &event("conference-2025", "2025-06-11", "2025-06-11")).await.unwrap();
    let old_session = store
        .add_session(&staff, older.id, &breakout("Racial health equity", "racial health equity", Some(30)))
        .await
        .unwrap();
    store.set_facilitators(&staff, old_session.id, &[e]).await.unwrap();
    let history = store.facilitated_sessions(e).await.unwrap();
    assert_eq!(
        history.iter().map(|h| (h.event_slug.as_str(), h.title.as_str())).collect::<Vec<_>>(),
        [("conference-2026", "Housing"), ("conference-2025", "Racial health equity")]
    );
    assert_eq!(history[0].recording_url.as_deref(), Some("https://video.example.org/housing-2026"));
    // Staff changes are audited; registrations (with needs) are not copied into the audit.
    let audit = serde_json::to_string(&store.audit_log(None, None, 1000).await.unwrap()).unwrap();
    assert!(audit.contains("capacity") && !audit.contains("hearing loop") && !audit.contains("vegan"));
}

/// 300 members register at once for a breakout of 25: exactly 25 places, and a waiting list
/// numbered 1 to 275 in the order the places were refused; then cancellations at once (one of
/// them twice) promote the first in line, each once.
async fn three_hundred_at_once(store: &Store) {
    let staff = Actor::Cli;
    let conf = store.create_event(&staff, &event("conference-2027", "2027-06-10", "2027-06-10")).await.unwrap();
    let breakout = store.add_session(&staff, conf.id, &breakout("Housing", "housing", Some(25))).await.unwrap();
    let mut members = Vec::new();
    for n in 0..300 {
        members.push(member(store, 1000 + n).await);
    }
    let tasks: Vec<_> = members
        .iter()
        .map(|&account| {
            let store = store.clone();
            let request = needs(Some(breakout.id), "", "");
            tokio::spawn(async move { store.register(account, conf.id, &request).await })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap().unwrap());
    }
    let placed: Vec<_> = results.iter().filter(|r| r.status == RegistrationStatus::Place).collect();
    assert_eq!(placed.len(), 25, "exactly the capacity gets places");
    let positions: BTreeSet<i64> = results.iter().filter_map(|r| r.position).collect();
    assert_eq!(positions, (1..=275).collect(), "each waiting registration was told a different place in line");
    let line = store.waiting_list(breakout.id).await.unwrap();
    assert_eq!(line.len(), 275);
    assert_eq!(line.iter().map(|r| r.position.unwrap()).collect::<Vec<_>>(), (1..=275).collect::<Vec<_>>());
    // Each was told, when registering, the place it holds in the list now (none cancelled yet).
    for r in &line {
        let told = results.iter().find(|x| x.id == r.id).unwrap();
        assert_eq!(told.position, r.position);
    }
    let session = store.event_session(breakout.id).await.unwrap();
    assert_eq!((session.taken, session.waiting), (25, 275));

    // One cancellation: the first in line is promoted, once, and told once.
    let (_, promoted) = store.cancel_registration(placed[0].account_id, conf.id).await.unwrap();
    assert_eq!(promoted, [line[0].id]);
    assert_eq!(
        store.pending_notices(100).await.unwrap().iter().map(|n| n.subject_id).collect::<Vec<_>>(),
        [line[0].id]
    );

    // Five more at once, one of them sent twice: five promotions, the next five in line.
    let cancelling = [
        placed[1].account_id,
        placed[2].account_id,
        placed[3].account_id,
        placed[4].account_id,
        placed[5].account_id,
        placed[5].account_id,
    ];
    let tasks: Vec<_> = cancelling
        .iter()
        .map(|&account| {
            let store = store.clone();
            tokio::spawn(async move { store.cancel_registration(account, conf.id).await })
        })
        .collect();
    let mut promoted = Vec::new();
    for task in tasks {
        promoted.extend(task.await.unwrap().unwrap().1);
    }
    promoted.sort();
    let mut expected: Vec<i64> = line[1..6].iter().map(|r| r.id).collect();
    expected.sort();
    assert_eq!(promoted, expected, "the next five in line, each once");
    let session = store.event_session(breakout.id).await.unwrap();
    assert_eq!((session.taken, session.waiting), (25, 269));
    let notices = store.pending_notices(100).await.unwrap();
    assert_eq!(notices.len(), 6);
    assert_eq!(notices.iter().map(|n| n.subject_id).collect::<BTreeSet<_>>().len(), 6, "one e-mail each");
    let line_now = store.waiting_list(breakout.id).await.unwrap();
    assert_eq!(line_now[0].id, line[6].id);
    assert_eq!(line_now[0].position, Some(1));
}

/// A time at the start of day `days` since 1970-01-01 (UTC), plus `hours`.
fn day(days: u64, hours: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(days * 86_400 + hours * 3600)
}

async fn retention_clears_needs_and_closed_queries(store: &Store) {
    // Ended 2026-01-10 (day 20463), needs kept 30 days: kept through 2026-02-09 (day 20493).
    let past = store.create_event(&Actor::Cli, &event("winter-2026", "2026-01-10", "2026-01-10")).await.unwrap();
    let later = store.create_event(&Actor::Cli, &event("summer-2026", "2026-07-01", "2026-07-01")).await.unwrap();
    let a = member(store, 1).await;
    store.register(a, past.id, &needs(None, "wheelchair space", "no nuts")).await.unwrap();
    store.register(a, later.id, &needs(None, "BSL interpreter", "")).await.unwrap();

    let none = store.enforce_retention(day(20493, 23), &Retention::default()).await.unwrap();
    assert!(none.events_cleared.is_empty() && none.needs_cleared == 0, "{none:?}");
    assert_eq!(store.registration(past.id, a).await.unwrap().unwrap().dietary_needs.as_deref(), Some("no nuts"));
    let done = store.enforce_retention(day(20494, 0), &Retention::default()).await.unwrap();
    assert_eq!((done.events_cleared, done.needs_cleared), (vec!["winter-2026".to_string()], 1));
    let cleared = store.registration(past.id, a).await.unwrap().unwrap();
    assert_eq!((cleared.accessibility_needs, cleared.dietary_needs), (None, None));
    assert!(store.event("winter-2026").await.unwrap().unwrap().needs_cleared_at.is_some());
    let kept = store.registration(later.id, a).await.unwrap().unwrap();
    assert_eq!(kept.accessibility_needs.as_deref(), Some("BSL interpreter"), "a later event keeps its needs");
    let again = store.enforce_retention(day(20494, 1), &Retention::default()).await.unwrap();
    assert_eq!(again.needs_cleared, 0);

    // Closed queries go a year after closing (open ones stay), with their threads.
    let request = |n: usize| ContactRequest {
        account_id: None,
        name: format!("Sender {n}"),
        email: format!("s{n}@example.org"),
        topic: "events".into(),
        message: format!("Question {n}"),
    };
    let closed = store.file_contact_query(&request(1)).await.unwrap();
    let open = store.file_contact_query(&request(2)).await.unwrap();
    store.close_contact_query(&Actor::Cli, closed.id).await.unwrap();
    let now = SystemTime::now();
    let kept = store.enforce_retention(now + Duration::from_secs(364 * 86_400), &Retention::default()).await.unwrap();
    assert_eq!(kept.queries_deleted, 0);
    let gone = store.enforce_retention(now + Duration::from_secs(366 * 86_400), &Retention::default()).await.unwrap();
    assert_eq!(gone.queries_deleted, 1);
    assert!(store.contact_query(closed.id).await.unwrap().is_none());
    assert!(store.contact_query(open.id).await.unwrap().is_some());
    assert_eq!(count_rows(store, "contact_message").await, 1, "the closed query's thread went with it");
    let audit = serde_json::to_string(&store.audit_log(None, None, 1000).await.unwrap()).unwrap();
    assert!(
        !audit.contains("Question 1") && !audit.contains("s1@example.org"),
        "the audit holds no query's text or address"
    );
}

fn publication(
    slug: &str,
    title: &str,
    kind: &str,
    date: &str,
    body: &str,
    places: &[&str],
    themes: &[&str],
) -> PublicationFields {
    PublicationFields {
        slug: slug.into(),
        title: title.into(),
        kind: kind.into(),
        published_on: date.into(),
        summary: format!("A {kind} published on {date}."),
        body: body.into(),
        url: format!("https://example.org/{slug}.pdf"),
        is_pdf: true,
        authors: vec!["Michael Marmot".into(), "Jessica Allen".into()],
        places: places.iter().map(|p| p.to_string()).collect(),
        themes: themes.iter().map(|t| t.to_string()).collect(),
    }
}

async fn publications_search(store: &Store) {
    let library = [
        publication(
            "coventry-marmot-city",
            "Coventry: a Marmot city",
            "report",
            "2020-02-01",
            "Ten years of work on the social determinants in Coventry: houses, jobs and schools.",
            &["E08000026"],
            &["work", "early_years"],
        ),
        publication(
            "housing-review",
            "Housing and health: a review of interventions",
            "review",
            "2022-05-10",
            "Damp and cold homes; overcrowding; fuel poverty.",
            &["E08000026", "E06000001"],
            &["living_standards", "healthy_places"],
        ),
        publication(
            "fuel-briefing",
            "Fuel poverty briefing",
            "briefing",
            "2023-01-15",
            "Energy prices and cold housing this winter.",
            &["E06000001"],
            &["living_standards"],
        ),
        publication(
            "early-years-report",
            "The best start in life",
            "report",
            "2023-09-01",
            "Children's development at age five.",
            &["E06000002"],
            &["early_years"],
        ),
    ];
    assert_eq!(store.create_publications(&Actor::Cli, &library).await.unwrap(), 4);
    let error = store
        .create_publication(&Actor::Cli, &publication("x", "X", "poster", "2023-01-01", "", &[], &[]))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("kind"), "{error}");
    let error = store
        .create_publication(&Actor::Cli, &publication("y", "Y", "report", "2023-01-01", "", &[], &["joy"]))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("themes"), "{error}");

    let search = |text: &str| PublicationQuery { text: Some(text.into()), ..Default::default() };
    let slugs = |r: &store::PublicationResults| r.hits.iter().map(|h| h.slug.clone()).collect::<Vec<_>>();
    // Stemming: "housing" finds "houses" (Coventry) and "housing" (the review: in its title,
    // ranked first; the briefing: in its body).
    let found = store.search_publications(&search("housing")).await.unwrap();
    assert_eq!(found.total, 3);
    assert_eq!(found.hits[0].slug, "housing-review", "the title's match ranks first");
    assert_eq!(
        slugs(&found).into_iter().collect::<BTreeSet<_>>(),
        ["coventry-marmot-city", "fuel-briefing", "housing-review"].map(String::from).into()
    );
    // Every word required; punctuation and query syntax are words or nothing.
    let both = store.search_publications(&search("cold FUEL")).await.unwrap();
    assert_eq!(
        slugs(&both).into_iter().collect::<BTreeSet<_>>(),
        ["fuel-briefing", "housing-review"].map(String::from).into()
    );
    assert_eq!(store.search_publications(&search("\" * - ( )")).await.unwrap().total, 4, "no word: everything");
    assert_eq!(store.search_publications(&search("fuel OR zebra")).await.unwrap().total, 0, "OR is no operator");
    assert_eq!(store.search_publications(&search("fuel NEAR(poverty")).await.unwrap().total, 0, "nor NEAR");
    assert_eq!(store.search_publications(&search("marmot")).await.unwrap().total, 4, "the authors are searched");
    assert_eq!(store.search_publications(&search("zebra")).await.unwrap().total, 0);
    // Filters, alone and with words.
    let by = |place: Option<&str>, theme: Option<&str>, kind: Option<&str>, year: Option<i32>| PublicationQuery {
        place: place.map(String::from),
        theme: theme.map(String::from),
        kind: kind.map(String::from),
        year,
        ..Default::default()
    };
    assert_eq!(
        slugs(&store.search_publications(&by(Some("E06000001"), None, None, None)).await.unwrap()),
        ["fuel-briefing", "housing-review"]
    );
    assert_eq!(
        slugs(&store.search_publications(&by(None, Some("early_years"), None, None)).await.unwrap()),
        ["early-years-report", "coventry-marmot-city"]
    );
    assert_eq!(
        slugs(&store.search_publications(&by(None, None, Some("report"), Some(2023))).await.unwrap()),
        ["early-years-report"]
    );
    let mut q = by(Some("E08000026"), None, None, None);
    q.text = Some("cold".into());
    assert_eq!(slugs(&store.search_publications(&q).await.unwrap()), ["housing-review"]);
    assert!(store.search_publications(&by(None, Some("joy"), None, None)).await.is_err());
    // Pages: the total counts every match.
    let page =
        store.search_publications(&PublicationQuery { limit: 2, offset: 2, ..Default::default() }).await.unwrap();
    assert_eq!((slugs(&page), page.total), (vec!["housing-review".to_string(), "coventry-marmot-city".to_string()], 4));
    let first = store.search_publications(&PublicationQuery { limit: 2, ..Default::default() }).await.unwrap();
    assert_eq!(first.total, 4);
    // A place page's list, and one publication whole.
    let of_places = store.publications_of_areas(&["E06000001".into(), "E08000026".into()]).await.unwrap();
    assert_eq!(
        of_places.iter().map(|h| h.slug.as_str()).collect::<Vec<_>>(),
        ["fuel-briefing", "housing-review", "coventry-marmot-city"]
    );
    let whole = store.publication("housing-review").await.unwrap().unwrap();
    let mut expected = library[1].clone();
    expected.places.sort();
    expected.themes.sort();
    assert_eq!(whole.fields, expected, "places and themes are read in order");
    assert_eq!(store.publication_years().await.unwrap(), ["2023", "2022", "2020"]);
}

async fn contact_queries_and_their_thread(store: &Store) {
    let staff = member(store, 1).await;
    let sender = member(store, 2).await;
    let request = ContactRequest {
        account_id: Some(sender),
        name: " Sam Sender ".into(),
        email: "SAM@example.org".into(),
        topic: "publications".into(),
        message: "Is there a briefing on fuel poverty?".into(),
    };
    let query = store.file_contact_query(&request).await.unwrap();
    assert_eq!(
        (query.name.as_str(), query.email.as_str(), query.status.as_str()),
        ("Sam Sender", "sam@example.org", "open")
    );
    assert_eq!(query.messages.len(), 1);
    let notices = store.pending_notices(10).await.unwrap();
    assert_eq!((notices[0].kind.as_str(), notices[0].subject_id), ("contact_ack", query.id));
    for (field, bad) in [
        ("topic", ContactRequest { topic: "gossip".into(), ..request.clone() }),
        ("message", ContactRequest { message: " ".into(), ..request.clone() }),
        ("e-mail", ContactRequest { email: "nobody".into(), ..request.clone() }),
        ("name", ContactRequest { name: "".into(), ..request.clone() }),
    ] {
        let error = store.file_contact_query(&bad).await.unwrap_err();
        assert!(matches!(error, StoreError::BadInput(_)), "{field}: {error}");
    }
    let assigned = store.assign_contact_query(&Actor::User(staff), query.id, Some(staff)).await.unwrap();
    assert_eq!((assigned.status.as_str(), assigned.assigned_name.as_deref()), ("assigned", Some("Member 001")));
    let answered = store.answer_contact_query(staff, query.id, "Yes: see the fuel poverty briefing.").await.unwrap();
    assert_eq!(answered.status, "answered");
    assert_eq!(answered.messages.iter().map(|m| m.from_staff).collect::<Vec<_>>(), [false, true]);
    let notices = store.pending_notices(10).await.unwrap();
    assert_eq!(notices[1].kind, "contact_answer");
    let (query_id, message) = store.contact_message(notices[1].subject_id).await.unwrap();
    assert_eq!((query_id, message.body.as_str()), (query.id, "Yes: see the fuel poverty briefing."));
    let closed = store.close_contact_query(&Actor::User(staff), query.id).await.unwrap();
    assert_eq!((closed.status.as_str(), closed.messages.len()), ("closed", 2), "the thread is kept");
    assert!(matches!(store.answer_contact_query(staff, query.id, "More").await.unwrap_err(), StoreError::Conflict(_)));
    // A member's own queries, and no one else's.
    assert_eq!(store.contact_queries_of(sender).await.unwrap().len(), 1);
    assert!(store.contact_queries_of(staff).await.unwrap().is_empty());
    assert_eq!(store.contact_queries(Some("closed")).await.unwrap().len(), 1);
    assert!(store.contact_queries(Some("open")).await.unwrap().is_empty());
}

/// A member's erasure (the network's) takes their registrations (with needs), facilitated
/// sessions and signed-in queries with them; the export holds them first.
async fn erasure_and_export_take_events_data(store: &Store) {
    let conf = store.create_event(&Actor::Cli, &event("conference-2028", "2028-06-10", "2028-06-10")).await.unwrap();
    let session = store.add_session(&Actor::Cli, conf.id, &breakout("Housing", "housing", Some(5))).await.unwrap();
    let a = member(store, 1).await;
    store.register(a, conf.id, &needs(Some(session.id), "wheelchair space", "no nuts")).await.unwrap();
    store.set_facilitators(&Actor::Cli, session.id, &[a]).await.unwrap();
    let request = ContactRequest {
        account_id: Some(a),
        name: "Member 001".into(),
        email: "m1@example.org".into(),
        topic: "data".into(),
        message: "What do you hold about me?".into(),
    };
    store.file_contact_query(&request).await.unwrap();
    let export = serde_json::to_string(&store.export_member(a).await.unwrap()).unwrap();
    for held in ["wheelchair space", "no nuts", "\"contact_query\"", "\"session_facilitator\""] {
        assert!(export.contains(held), "the export holds {held}: {export}");
    }
    // A query sent signed out from the same address, assigned to staff and answered: the
    // sender's export holds both queries, their whole threads and the outbox's e-mails to the
    // address; the staff member's export holds the query assigned to them without its
    // sender's name and address, and their own answer, not the sender's message.
    let staff = member(store, 2).await;
    let signed_out = store.file_contact_query(&ContactRequest { account_id: None, ..request.clone() }).await.unwrap();
    store.assign_contact_query(&Actor::User(staff), signed_out.id, Some(staff)).await.unwrap();
    store.answer_contact_query(staff, signed_out.id, "We hold your registration.").await.unwrap();
    assert_eq!(count_rows(store, "notice").await, 3);
    let export = store.export_member(a).await.unwrap();
    assert_eq!(export.tables["contact_query"].len(), 2, "{:?}", export.tables["contact_query"]);
    assert_eq!(export.tables["contact_message"].len(), 3, "{:?}", export.tables["contact_message"]);
    assert_eq!(export.tables["notice"].len(), 3, "{:?}", export.tables["notice"]);
    let text = serde_json::to_string(&export).unwrap();
    for held in ["We hold your registration.", "What do you hold about me?", "contact_answer", "contact_ack"] {
        assert!(text.contains(held), "the export holds {held}: {text}");
    }
    let staff_export = store.export_member(staff).await.unwrap();
    let assigned = &staff_export.tables["contact_query"];
    assert_eq!(assigned.len(), 1, "{assigned:?}");
    assert!(assigned[0].get("email").is_none() && assigned[0].get("name").is_none(), "{assigned:?}");
    let written = &staff_export.tables["contact_message"];
    assert_eq!(written.len(), 1, "{written:?}");
    assert_eq!(written[0]["body"], "We hold your registration.");
    assert!(staff_export.tables["notice"].is_empty());
    store.erase_member(&Actor::Cli, a).await.unwrap();
    assert_eq!(count_rows(store, "contact_query").await, 0);
    assert_eq!(count_rows(store, "notice").await, 0);
    assert!(store.registration(conf.id, a).await.unwrap().is_none());
    assert!(store.facilitated_sessions(a).await.unwrap().is_empty());
    assert!(store.contact_queries_of(a).await.unwrap().is_empty());
    assert_eq!(count_rows(store, "contact_message").await, 0);
}

/// More matches than are ranked (1,200 against [`store::RANKED`]'s 1,000): the filters are still
/// exact, the count exact on SQLite and "1,000+" on PostgreSQL, the newest thousand ranked (a
/// title's match first, then by date), later pages still served.
async fn a_search_of_many_matches_is_bounded(store: &Store) {
    let n = 1200;
    let library: Vec<PublicationFields> = (0..n)
        .map(|i| {
            // Distinct dates increasing with i (28-day months from 2000).
            let date = format!("{}-{:02}-{:02}", 2000 + i / 336, 1 + (i % 336) / 28, 1 + i % 28);
            let title = if i == n - 3 { "Housing in every town" } else { "A report" };
            let places: &[&str] = if i % 100 == 0 { &["E06000001"] } else { &["E06000002"] };
            let mut p = publication(&format!("p-{i}"), title, "report", &date, "Housing everywhere.", places, &[]);
            p.summary = "Nothing to see.".into();
            p
        })
        .collect();
    store.create_publications(&Actor::Cli, &library).await.unwrap();
    let query = PublicationQuery { text: Some("housing".into()), ..Default::default() };
    let found = store.search_publications(&query).await.unwrap();
    assert_eq!(found.hits.len(), 20);
    // The title's match first, then the body's matches by date, newest first.
    assert_eq!(found.hits[0].slug, format!("p-{}", n - 3));
    assert_eq!(found.hits[1].slug, format!("p-{}", n - 1));
    assert_eq!(found.hits[2].slug, format!("p-{}", n - 2));
    assert_eq!(found.hits[3].slug, format!("p-{}", n - 4));
    match store.backend() {
        store::Backend::Sqlite => assert_eq!((found.total, found.total_at_least), (n as i64, false)),
        store::Backend::Postgres => assert_eq!((found.total, found.total_at_least), (store::COUNT_CAP, true)),
    }
    // A filter with the word: exact, whatever the number of the word's matches.
    let placed = PublicationQuery { place: Some("E06000001".into()), limit: 100, ..query.clone() };
    let found = store.search_publications(&placed).await.unwrap();
    assert_eq!((found.total, found.hits.len()), (12, 12));
    assert_eq!(found.hits[0].slug, format!("p-{}", 1100));
    assert_eq!(found.hits[11].slug, "p-0", "a match older than the newest thousand is found");
    // A page beyond the thousand.
    let late = PublicationQuery { offset: 1180, limit: 20, ..query.clone() };
    let found = store.search_publications(&late).await.unwrap();
    assert_eq!(found.hits.len(), 20);
    assert_eq!(found.hits[19].slug, "p-0");
    // No word: the newest, counted exactly on SQLite, "1,000+" on PostgreSQL.
    let all = store.search_publications(&PublicationQuery::default()).await.unwrap();
    assert_eq!(all.hits[0].slug, "p-1199");
    match store.backend() {
        store::Backend::Sqlite => assert_eq!((all.total, all.total_at_least), (n as i64, false)),
        store::Backend::Postgres => assert_eq!((all.total, all.total_at_least), (store::COUNT_CAP, true)),
    }
    // Fewer matches than are ranked: counted exactly on both.
    let few = PublicationQuery { place: Some("E06000002".into()), year: Some(2003), ..query.clone() };
    let found = store.search_publications(&few).await.unwrap();
    let expected = (1008..n).filter(|i| i % 100 != 0).count() as i64;
    assert_eq!((found.total, found.total_at_least), (expected, false));
}

store::on_both_backends!(
    a_search_of_many_matches_is_bounded,
    erasure_and_export_take_events_data,
    sessions_registrations_and_waiting_list,
    three_hundred_at_once,
    retention_clears_needs_and_closed_queries,
    publications_search,
    contact_queries_and_their_thread,
);
