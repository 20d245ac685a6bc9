//! The network's store (issue 15) on SQLite and PostgreSQL: one-use links, joining, profiles
//! and the directory, the newsletter's subscribers and send ledger, bounces, the consent
//! ledger, the export and erasure.

use std::time::{Duration, SystemTime};

use store::network::members::Agreement;
use store::network::{
    DeliveryStatus, EmailLink, IssueDraft, JoinOutcome, JoinRequest, LinkPurpose, MemberUpdate, SubscriberStatus,
    ERASED_NAME,
};
use store::testing::dump;
use store::{Actor, Store, StoreError};

const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

fn request(email: &str, name: &str) -> JoinRequest {
    JoinRequest {
        email: email.into(),
        name: name.into(),
        password_hash: HASH.into(),
        organisation: Some("Halham Council".into()),
        sector: "local_government".into(),
        job_role: "Public health officer".into(),
        places: vec!["e06000001".into(), "E06000002".into(), "E06000001".into()],
        themes: vec!["work".into(), "early_years".into()],
        in_directory: true,
        newsletter: true,
        agreements: vec![
            Agreement { purpose: "membership".into(), wording: "Keep my details".into() },
            Agreement { purpose: "directory".into(), wording: "List me".into() },
            Agreement { purpose: "newsletter".into(), wording: "Send me the newsletter".into() },
        ],
    }
}

async fn join(store: &Store, email: &str, name: &str) -> store::network::Member {
    match store.confirm_join(request(email, name), "test", &format!("unsub-{email}")).await.unwrap() {
        JoinOutcome::Joined(m) => *m,
        other => panic!("{other:?}"),
    }
}

async fn links_work_once_and_expire(store: &Store) {
    let payload = serde_json::json!({ "a": 1 });
    store
        .create_email_link(LinkPurpose::Join, "Ann@Example.org", &payload, "h1", Duration::from_secs(3600))
        .await
        .unwrap();
    // Another purpose does not find it.
    assert_eq!(
        store.take_email_link(LinkPurpose::Subscribe, "h1", SystemTime::now()).await.unwrap(),
        EmailLink::Unknown
    );
    let link = store.take_email_link(LinkPurpose::Join, "h1", SystemTime::now()).await.unwrap();
    assert_eq!(link, EmailLink::Valid { email: "ann@example.org".into(), payload });
    // Once only.
    assert_eq!(store.take_email_link(LinkPurpose::Join, "h1", SystemTime::now()).await.unwrap(), EmailLink::Unknown);
    // Expired: an hour's link taken an hour and a second later.
    store
        .create_email_link(
            LinkPurpose::Subscribe,
            "b@example.org",
            &serde_json::json!({}),
            "h2",
            Duration::from_secs(3600),
        )
        .await
        .unwrap();
    let later = SystemTime::now() + Duration::from_secs(3601);
    assert_eq!(store.take_email_link(LinkPurpose::Subscribe, "h2", later).await.unwrap(), EmailLink::Expired);
    assert_eq!(
        store.take_email_link(LinkPurpose::Subscribe, "h2", SystemTime::now()).await.unwrap(),
        EmailLink::Unknown
    );
    assert!(store
        .create_email_link(LinkPurpose::Join, "not an address", &serde_json::json!({}), "h3", Duration::from_secs(1))
        .await
        .is_err());
}

async fn joining_makes_an_account_a_profile_and_consents(store: &Store) {
    let ann = join(store, "Ann@Example.org", "Ann Example").await;
    assert_eq!(ann.email, "ann@example.org");
    assert_eq!(ann.places, ["E06000001", "E06000002"]);
    assert_eq!(ann.themes, ["early_years", "work"]);
    assert_eq!(ann.organisation.as_ref().map(|o| o.name.as_str()), Some("Halham Council"));
    assert!(ann.in_directory);
    // The account signs in with the hash of the form.
    let (account, hash) = store.account_for_sign_in("ann@example.org").await.unwrap().unwrap();
    assert_eq!((account.id, hash.as_str()), (ann.account_id, HASH));
    // The organisation is the existing one (any case), not a second.
    let bob = join(store, "bob@example.org", "Bob Example").await;
    assert_eq!(bob.organisation.as_ref().map(|o| o.id), ann.organisation.as_ref().map(|o| o.id));
    let org = store.organisation_profile(ann.organisation.as_ref().unwrap().id).await.unwrap().unwrap();
    assert_eq!((org.name.as_str(), org.sector.as_str(), org.members), ("Halham Council", "Local government", 2));
    // The address taken since the request: nothing changes.
    let again = store.confirm_join(request("ANN@example.org", "Ann Again"), "test", "t").await.unwrap();
    assert_eq!(again, JoinOutcome::AlreadyAnAccount);
    assert!(store.email_has_account("ann@EXAMPLE.org").await.unwrap());
    // Bad requests name their field.
    let mut bad = request("c@example.org", "C");
    bad.sector = "pirates".into();
    assert!(store.confirm_join(bad, "test", "t").await.unwrap_err().to_string().contains("sector \"pirates\""));
    let mut bad = request("c@example.org", "C");
    bad.places = vec!["Halham".into()];
    assert!(store.confirm_join(bad, "test", "t").await.unwrap_err().to_string().contains("the place \"HALHAM\""));
    let mut bad = request("c@example.org", "C");
    bad.agreements.retain(|a| a.purpose != "membership");
    assert!(matches!(store.confirm_join(bad, "test", "t").await, Err(StoreError::BadInput(_))));
    // Consents: membership, directory and newsletter (as subscriber), words kept.
    let consents = store.consents(ann.account_id).await.unwrap();
    let purposes: Vec<(&str, bool, &str)> =
        consents.iter().map(|c| (c.purpose.as_str(), c.granted, c.wording.as_str())).collect();
    assert_eq!(
        purposes,
        [
            ("membership", true, "Keep my details"),
            ("directory", true, "List me"),
            ("newsletter", true, "Send me the newsletter")
        ]
    );
    let subscriber = store.subscriber_of_account(ann.account_id).await.unwrap().unwrap();
    assert_eq!((subscriber.email.as_str(), subscriber.status), ("ann@example.org", SubscriberStatus::Active));
    // The join is in the audit trail as the member's own.
    let audit = store.audit_log(Some("member"), Some(&ann.account_id.to_string()), 10).await.unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].actor, format!("user:{}", ann.account_id));
}

async fn the_directory_lists_only_those_who_agree(store: &Store) {
    let ann = join(store, "ann@example.org", "Ann").await;
    let bob = join(store, "bob@example.org", "Bob").await;
    let update = MemberUpdate {
        name: "Bob B".into(),
        organisation: None,
        sector: "nhs".into(),
        job_role: "Nurse".into(),
        places: vec![],
        themes: vec!["discrimination".into()],
        in_directory: false,
    };
    let bob =
        store.update_member(&Actor::User(bob.account_id), bob.account_id, &update, "List me", "form").await.unwrap();
    assert!(!bob.in_directory && bob.organisation.is_none() && bob.name == "Bob B");
    let listed: Vec<i64> = store.member_directory().await.unwrap().iter().map(|m| m.account_id).collect();
    assert_eq!(listed, [ann.account_id]);
    assert_eq!(store.members().await.unwrap().len(), 2);
    // Withdrawing from the directory is in the consent ledger.
    let last = store.consents(bob.account_id).await.unwrap().pop().unwrap();
    assert_eq!((last.purpose.as_str(), last.granted, last.method.as_str()), ("directory", false, "form"));
    // A disabled member is not listed.
    store.set_member_disabled(&Actor::Cli, ann.account_id, true).await.unwrap();
    assert!(store.member_directory().await.unwrap().is_empty());
    // Staff roles.
    let roles = [store::RoleGrant { role: "editor".into(), place_id: None, place_slug: None }];
    let account = store.set_roles(&Actor::Cli, bob.account_id, &roles).await.unwrap();
    assert!(account.is_staff("editor") && !account.is_staff("events") && !account.is_admin());
}

async fn a_send_resumes_without_sending_twice(store: &Store) {
    let ann = join(store, "ann@example.org", "Ann").await;
    for i in 0..4 {
        store.confirm_subscription(&format!("s{i}@example.org"), "Send it", "form", &format!("tok{i}")).await.unwrap();
    }
    let gone = store.confirm_subscription("gone@example.org", "Send it", "form", "tokgone").await.unwrap();
    assert_eq!(
        store.unsubscribe("tokgone", "one-click").await.unwrap().unwrap().status,
        SubscriberStatus::Unsubscribed
    );
    assert_eq!(
        store.unsubscribe("tokgone", "one-click").await.unwrap().unwrap().status,
        SubscriberStatus::Unsubscribed
    );
    assert!(store.unsubscribe("no-such-token", "one-click").await.unwrap().is_none());
    assert_eq!(store.active_subscribers().await.unwrap(), 5);

    let draft = IssueDraft { subject: "December".into(), body: "# News".into(), personalised: true };
    let issue = store.create_issue(&Actor::Cli, &draft).await.unwrap();
    assert!(store.issues(true).await.unwrap().is_empty());
    let start = store.begin_send(&Actor::Cli, issue.id, None).await.unwrap();
    assert_eq!((start.issue.status.as_str(), start.previous_release_id), ("sending", None));
    assert!(matches!(store.update_issue(&Actor::Cli, issue.id, &draft).await, Err(StoreError::Conflict(_))));

    let pending = store.pending_recipients(issue.id, 0, 100).await.unwrap();
    assert_eq!(pending.len(), 5);
    assert!(!pending.iter().any(|r| r.subscriber_id == gone.id));
    let ann_row = pending.iter().find(|r| r.email == "ann@example.org").unwrap();
    assert_eq!(ann_row.places, ann.places);
    assert_eq!(ann_row.name.as_deref(), Some("Ann"));
    // Two sent, one in flight when the "crash" came, one failed for now.
    for r in &pending[..2] {
        assert!(store.claim_delivery(issue.id, r.subscriber_id).await.unwrap());
        store.finish_delivery(issue.id, r.subscriber_id, DeliveryStatus::Sent, None).await.unwrap();
    }
    assert!(store.claim_delivery(issue.id, pending[2].subscriber_id).await.unwrap());
    assert!(store.claim_delivery(issue.id, pending[3].subscriber_id).await.unwrap());
    store.finish_delivery(issue.id, pending[3].subscriber_id, DeliveryStatus::Failed, Some("421 busy")).await.unwrap();
    // Claimed already: not claimed again.
    assert!(!store.claim_delivery(issue.id, pending[0].subscriber_id).await.unwrap());
    assert!(!store.claim_delivery(issue.id, pending[2].subscriber_id).await.unwrap());
    let counts = store.delivery_counts(issue.id).await.unwrap();
    assert_eq!((counts.sent, counts.failed, counts.in_doubt, counts.pending), (2, 1, 1, 2));
    assert!(!store.finish_send(&Actor::Cli, issue.id).await.unwrap());
    // The resumed send sees the failed one and the untouched one, never the sent or in doubt.
    let resumed: Vec<i64> =
        store.pending_recipients(issue.id, 0, 100).await.unwrap().iter().map(|r| r.subscriber_id).collect();
    assert_eq!(resumed, [pending[3].subscriber_id, pending[4].subscriber_id]);
    assert!(store.claim_delivery(issue.id, pending[3].subscriber_id).await.unwrap());
    store.finish_delivery(issue.id, pending[3].subscriber_id, DeliveryStatus::Sent, None).await.unwrap();
    assert!(store.claim_delivery(issue.id, pending[4].subscriber_id).await.unwrap());
    store
        .finish_delivery(issue.id, pending[4].subscriber_id, DeliveryStatus::Bounced, Some("550 no such user"))
        .await
        .unwrap();
    let bounced = store.subscriber_by_email(&pending[4].email).await.unwrap().unwrap();
    assert_eq!(bounced.status, SubscriberStatus::Bounced);
    assert_eq!(store.mail_events(bounced.id).await.unwrap()[0].0, "bounce");
    assert!(store.finish_send(&Actor::Cli, issue.id).await.unwrap());
    let archive = store.issues(true).await.unwrap();
    assert_eq!(archive.len(), 1);
    assert!(archive[0].sent_at.is_some());
    // A complaint stops the next issue too.
    let who = &pending[0].email;
    let s =
        store.record_mail_event(&Actor::Cli, who, "complaint", Some(issue.id), "abuse report").await.unwrap().unwrap();
    assert_eq!(s.status, SubscriberStatus::Complained);
    assert!(store.record_mail_event(&Actor::Cli, "nobody@example.org", "bounce", None, "x").await.unwrap().is_none());
    assert!(store.record_mail_event(&Actor::Cli, who, "spam", None, "x").await.is_err());
    let next = store.create_issue(&Actor::Cli, &draft).await.unwrap();
    store.begin_send(&Actor::Cli, next.id, None).await.unwrap();
    assert_eq!(store.pending_recipients(next.id, 0, 100).await.unwrap().len(), 3);
}

async fn erasure_leaves_nothing_personal(store: &Store) {
    let ann = join(store, "zebedee.quux@example.org", "Zebedee Quuxworth").await;
    let other = join(store, "other@example.org", "Other Person").await;
    // More that touches Ann: a role, a session, a device, a pending link, profile changes by
    // staff, a bounce and a delivery.
    store
        .set_roles(
            &Actor::Cli,
            ann.account_id,
            &[store::RoleGrant { role: "events".into(), place_id: None, place_slug: None }],
        )
        .await
        .unwrap();
    store.create_session(ann.account_id, "sessionhash", "csrf", Duration::from_secs(60)).await.unwrap();
    store.trust_device(ann.account_id, "devicehash").await.unwrap();
    let pending = serde_json::json!({ "email": "zebedee.quux@example.org", "password_hash": HASH });
    store
        .create_email_link(LinkPurpose::Join, "zebedee.quux@example.org", &pending, "linkhash", Duration::from_secs(60))
        .await
        .unwrap();
    let update = MemberUpdate {
        name: "Zebedee Quuxworth".into(),
        organisation: Some("Quux Trust".into()),
        sector: "community".into(),
        job_role: "Organiser".into(),
        places: vec!["E06000003".into()],
        themes: vec![],
        in_directory: false,
    };
    store.update_member(&Actor::User(other.account_id), ann.account_id, &update, "List me", "staff").await.unwrap();
    let issue = store
        .create_issue(&Actor::Cli, &IssueDraft { subject: "S".into(), body: "B".into(), personalised: false })
        .await
        .unwrap();
    store.begin_send(&Actor::Cli, issue.id, None).await.unwrap();
    let sub = store.subscriber_of_account(ann.account_id).await.unwrap().unwrap();
    store.claim_delivery(issue.id, sub.id).await.unwrap();
    store.finish_delivery(issue.id, sub.id, DeliveryStatus::Sent, None).await.unwrap();
    store
        .record_mail_event(
            &Actor::Cli,
            "zebedee.quux@example.org",
            "complaint",
            Some(issue.id),
            "report from zebedee.quux@example.org",
        )
        .await
        .unwrap();

    // A query sent signed out from her address, answered by staff (its thread and the
    // outbox's acknowledgement and answer to her address).
    let query = store
        .file_contact_query(&store::ContactRequest {
            account_id: None,
            name: "Zebedee Quuxworth".into(),
            email: "zebedee.quux@example.org".into(),
            topic: store::CONTACT_TOPICS[0].into(),
            message: "Zebedee here: what do you hold?".into(),
        })
        .await
        .unwrap();
    store.answer_contact_query(other.account_id, query.id, "Your profile, Zebedee.").await.unwrap();

    // The export holds every row the id or the address touches: every row of any table with
    // the address in it, an `account_id` (or `assigned_to`, `author_id`) of Ann's, a
    // `subscriber_id` of hers, or her id as the importer of a release or the actor of an audit
    // row. The tables of migrations 0001–0007 checked for columns that hold an account's id or
    // an address: 0001 release (imported_by `user:ID`), area, indicator, breakdown, value,
    // audit (actor `user:ID`, entity account/member/subscriber); 0002 organisation, place,
    // place_area, partner, strategy, recommendation, recommendation_indicator,
    // recommendation_status, target, progress_update (author: free text, no id or address),
    // progress_recommendation, evaluation: none; 0003 (indicator.metadata): none; 0004
    // account, account_role, session, trusted_device; 0005 member, member_place, member_theme,
    // email_link (email), subscriber (email, account_id), newsletter_issue (none),
    // newsletter_delivery, mail_event (subscriber_id), consent (subject `account:ID` or
    // `subscriber:ID`); 0006 event, event_session, publication, publication_place,
    // publication_theme (none), session_facilitator, registration, publication_author
    // (account_id), contact_query (account_id, email, assigned_to), contact_message (its
    // query's, author_id), notice (recipient); 0007 (place.economics): none. The events'
    // tables are exercised by `crates/store/tests/events.rs`
    // (`erasure_and_export_take_events_data`); here, every table is scanned.
    let export = store.export_member(ann.account_id).await.unwrap();
    let before = dump(store).await;
    let id = ann.account_id.to_string();
    let sid = sub.id.to_string();
    for (table, rows) in &before {
        let touching = rows
            .iter()
            .filter(|row| {
                row.values().any(|v| v.to_lowercase().contains("zebedee.quux@example.org"))
                    || ["account_id", "assigned_to", "author_id"].iter().any(|c| row.get(*c) == Some(&id))
                    || row.get("subscriber_id") == Some(&sid)
                    || row.get("imported_by") == Some(&format!("user:{id}"))
                    || (table == "consent" && row.get("subject") == Some(&format!("account:{id}")))
                    || (table == "account" && row.get("id") == Some(&id))
                    || (table == "subscriber" && row.get("id") == Some(&sid))
            })
            .count();
        let exported = export.tables.get(table).map_or(0, Vec::len);
        assert!(exported >= touching, "{table}: {touching} rows touch the member, the export has {exported}");
    }
    for table in [
        "account",
        "account_role",
        "session",
        "trusted_device",
        "member",
        "member_place",
        "email_link",
        "subscriber",
        "newsletter_delivery",
        "mail_event",
        "consent",
        "audit",
        "contact_query",
        "contact_message",
        "notice",
    ] {
        assert!(!export.tables[table].is_empty(), "the export's {table} is empty");
    }
    // No secret in the export.
    let text = serde_json::to_string(&export).unwrap();
    for secret in ["$argon2id", "sessionhash", "devicehash", "linkhash", &sub.unsubscribe_token] {
        assert!(!text.contains(secret), "the export holds {secret}");
    }

    store.erase_member(&Actor::User(ann.account_id), ann.account_id).await.unwrap();
    let after = dump(store).await;
    for (table, rows) in &after {
        for row in rows {
            for (column, value) in row {
                let v = value.to_lowercase();
                assert!(!v.contains("zebedee") && !v.contains("quuxworth"), "{table}.{column} still holds {value}");
            }
        }
    }
    // The account is kept, anonymised and disabled; the other member untouched; the audit trail
    // kept (its rows counted before and after, plus the erasure).
    let account = store.account(ann.account_id).await.unwrap().unwrap();
    assert_eq!((account.name.as_str(), account.disabled), (ERASED_NAME, true));
    assert!(store.account_for_sign_in("zebedee.quux@example.org").await.unwrap().is_none());
    assert!(store.member(other.account_id).await.unwrap().is_some());
    assert_eq!(after["audit"].len(), before["audit"].len() + 1);
    assert!(!store.consents(ann.account_id).await.unwrap().is_empty());
    // Erasing again changes nothing.
    store.erase_member(&Actor::Cli, ann.account_id).await.unwrap();
    assert_eq!(dump(store).await["audit"].len(), after["audit"].len());
}

/// Password reset links (purpose `password_reset` of `email_link`): made only for an enabled
/// account's address, stored by the token's hash, used once, expire, stop working when the
/// password was set since; a reset sets the hash, ends every session and other reset links of
/// the address, and is audited as the account's own.
async fn password_reset_links_work_once_and_expire(store: &Store) {
    let ann = join(store, "ann.reset@example.org", "Ann Reset").await;
    let off = join(store, "off@example.org", "Off Person").await;
    store.set_account_disabled(&Actor::Cli, off.account_id, true).await.unwrap();
    let hour = Duration::from_secs(3600);
    let new_hash = HASH.replace("AAAA", "BBBB");
    // Unknown, disabled or malformed addresses: nothing stored.
    assert!(!store.create_password_reset("nobody@example.org", "h0", hour).await.unwrap());
    assert!(!store.create_password_reset("off@example.org", "h0", hour).await.unwrap());
    assert!(!store.create_password_reset("not an address", "h0", hour).await.unwrap());
    assert_eq!(store::testing::count_rows(store, "email_link").await, 0);
    // A link for Ann (any case), kept by its hash.
    assert!(store.create_password_reset("ANN.reset@example.org", "h1", hour).await.unwrap());
    assert!(store.create_password_reset("ann.reset@example.org", "h2", hour).await.unwrap());
    assert!(store.email_link_is_valid(LinkPurpose::PasswordReset, "h1", SystemTime::now()).await.unwrap());
    assert!(!store.email_link_is_valid(LinkPurpose::Join, "h1", SystemTime::now()).await.unwrap());
    assert!(!store.email_link_is_valid(LinkPurpose::PasswordReset, "h1", SystemTime::now() + 2 * hour).await.unwrap());
    // A reset link is not a join link.
    assert_eq!(store.take_email_link(LinkPurpose::Join, "h1", SystemTime::now()).await.unwrap(), EmailLink::Unknown);
    // Past its hour: expired, and gone.
    assert_eq!(
        store.reset_password("h1", &new_hash, SystemTime::now() + 2 * hour).await.unwrap(),
        store::network::ResetOutcome::Expired
    );
    assert_eq!(
        store.reset_password("h1", &new_hash, SystemTime::now()).await.unwrap(),
        store::network::ResetOutcome::Unknown
    );
    // Not a PHC string: refused before the link is touched.
    assert!(matches!(store.reset_password("h2", "plain", SystemTime::now()).await, Err(StoreError::BadInput(_))));
    store.create_session(ann.account_id, "s1", "c1", hour).await.unwrap();
    store.create_session(ann.account_id, "s2", "c2", hour).await.unwrap();
    store.create_session(off.account_id, "s3", "c3", hour).await.unwrap_err();
    assert!(store.create_password_reset("ann.reset@example.org", "h3", hour).await.unwrap());
    match store.reset_password("h2", &new_hash, SystemTime::now()).await.unwrap() {
        store::network::ResetOutcome::Reset { account_id, email } => {
            assert_eq!((account_id, email.as_str()), (ann.account_id, "ann.reset@example.org"));
        }
        other => panic!("{other:?}"),
    }
    let (_, hash) = store.account_for_sign_in("ann.reset@example.org").await.unwrap().unwrap();
    assert_eq!(hash, new_hash);
    assert!(store.session("s1").await.unwrap().is_none() && store.session("s2").await.unwrap().is_none());
    // Once only, and the address's other reset link went with it.
    assert_eq!(
        store.reset_password("h2", HASH, SystemTime::now()).await.unwrap(),
        store::network::ResetOutcome::Unknown
    );
    assert_eq!(
        store.reset_password("h3", HASH, SystemTime::now()).await.unwrap(),
        store::network::ResetOutcome::Unknown
    );
    assert_eq!(store::testing::count_rows(store, "email_link").await, 0);
    let trail = store.audit_log(Some("account"), None, 50).await.unwrap();
    let reset = trail.iter().find(|e| e.action == "password_reset").expect("audited");
    assert_eq!(reset.actor, format!("user:{}", ann.account_id));
    assert!(
        !reset.after.as_ref().map(|v| v.to_string()).unwrap_or_default().contains("argon2"),
        "no hash in the audit"
    );
    // A link made before the password was set another way no longer works.
    assert!(store.create_password_reset("ann.reset@example.org", "h4", hour).await.unwrap());
    tokio::time::sleep(Duration::from_millis(5)).await;
    store.set_password_hash(&Actor::Cli, ann.account_id, HASH).await.unwrap();
    assert_eq!(
        store.reset_password("h4", &new_hash, SystemTime::now()).await.unwrap(),
        store::network::ResetOutcome::Unknown
    );
    let (_, hash) = store.account_for_sign_in("ann.reset@example.org").await.unwrap().unwrap();
    assert_eq!(hash, HASH);
}

/// The send's rounds (`record_deliveries`): one call records the outcomes of the messages
/// finished and claims the next recipients, claiming only those without a row (or with a
/// `failed` one); a bounce in a round marks the subscriber; a round that fails leaves nothing.
async fn a_round_records_outcomes_and_claims_in_one_commit(store: &Store) {
    for i in 0..5 {
        store.confirm_subscription(&format!("r{i}@example.org"), "Send it", "form", &format!("rt{i}")).await.unwrap();
    }
    let draft = IssueDraft { subject: "Rounds".into(), body: "x".into(), personalised: false };
    let issue = store.create_issue(&Actor::Cli, &draft).await.unwrap();
    store.begin_send(&Actor::Cli, issue.id, None).await.unwrap();
    let ids: Vec<i64> =
        store.pending_recipients(issue.id, 0, 100).await.unwrap().iter().map(|r| r.subscriber_id).collect();
    // The first round: nothing finished, three claimed (one of them twice in the list).
    let claimed = store.record_deliveries(issue.id, &[], &[ids[0], ids[1], ids[2], ids[0]]).await.unwrap();
    assert_eq!(claimed, [ids[0], ids[1], ids[2]]);
    let counts = store.delivery_counts(issue.id).await.unwrap();
    assert_eq!((counts.in_doubt, counts.pending), (3, 2));
    // The second: one sent, one failed for now, one bounced; the failed one and the last two
    // claimed (an earlier claim is refused).
    let finished = [
        (ids[0], DeliveryStatus::Sent, None),
        (ids[1], DeliveryStatus::Failed, Some("421 busy".to_string())),
        (ids[2], DeliveryStatus::Bounced, Some("550 no such user".to_string())),
    ];
    let claimed = store.record_deliveries(issue.id, &finished, &[ids[1], ids[3], ids[4], ids[0]]).await.unwrap();
    assert_eq!(claimed, [ids[1], ids[3], ids[4]]);
    let bounced = store.subscriber_by_email("r2@example.org").await.unwrap().unwrap();
    assert_eq!(bounced.status, SubscriberStatus::Bounced);
    assert_eq!(store.mail_events(bounced.id).await.unwrap()[0].0, "bounce");
    // The last: the rest sent; the issue is then sent.
    let rest: Vec<(i64, DeliveryStatus, Option<String>)> =
        [ids[1], ids[3], ids[4]].iter().map(|id| (*id, DeliveryStatus::Sent, None)).collect();
    assert!(store.record_deliveries(issue.id, &rest, &[]).await.unwrap().is_empty());
    let counts = store.delivery_counts(issue.id).await.unwrap();
    assert_eq!((counts.sent, counts.bounced, counts.failed, counts.in_doubt, counts.pending), (4, 1, 0, 0, 0));
    assert!(store.finish_send(&Actor::Cli, issue.id).await.unwrap());
    // A round that fails (an unknown issue) records nothing of it.
    let other = store.create_issue(&Actor::Cli, &draft).await.unwrap();
    let before = store.delivery_counts(other.id).await.unwrap();
    assert!(store.record_deliveries(-1, &[], &[ids[3]]).await.is_err());
    assert_eq!(store.delivery_counts(other.id).await.unwrap(), before);
}

store::on_both_backends!(
    a_round_records_outcomes_and_claims_in_one_commit,
    password_reset_links_work_once_and_expire,
    links_work_once_and_expire,
    joining_makes_an_account_a_profile_and_consents,
    the_directory_lists_only_those_who_agree,
    a_send_resumes_without_sending_twice,
    erasure_leaves_nothing_personal,
);
