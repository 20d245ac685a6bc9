//! Accounts, roles, sessions, trusted devices and the audit of a place, on SQLite and
//! PostgreSQL.

use std::time::Duration;

use store::testing::count_rows;
use store::{Actor, PlaceFields, RoleGrant, Status, StatusChange, Store, StoreError};

const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

fn place(slug: &str) -> PlaceFields {
    PlaceFields {
        slug: slug.to_string(),
        name: format!("{slug} (synthetic)"),
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

async fn accounts_and_roles(store: &Store) {
    let a = store.create_place(&Actor::Cli, &place("alpha")).await.unwrap();
    let admin = store.create_account(&Actor::Cli, " Ada@Example.ORG ", "Ada", HASH).await.unwrap();
    assert_eq!(admin.email, "ada@example.org");
    assert!(admin.roles.is_empty() && !admin.disabled);
    let error = store.create_account(&Actor::Cli, "ada@example.org", "Ada again", HASH).await.unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error}");
    let error = store.create_account(&Actor::Cli, "not an address", "X", HASH).await.unwrap_err();
    assert!(matches!(error, StoreError::BadInput(_)), "{error}");
    let error = store.create_account(&Actor::Cli, "x@example.org", "X", "plain text").await.unwrap_err();
    assert!(error.to_string().contains("PHC"), "{error}");

    let admin = store.set_roles(&Actor::Cli, admin.id, &[RoleGrant::admin()]).await.unwrap();
    assert!(admin.is_admin() && admin.may_edit_place(a.id));
    let lead = store.create_account(&Actor::User(admin.id), "lee@example.org", "Lee", HASH).await.unwrap();
    let lead = store.set_roles(&Actor::User(admin.id), lead.id, &[RoleGrant::lead(a.id)]).await.unwrap();
    assert_eq!(lead.roles, [RoleGrant { role: "lead".into(), place_id: Some(a.id), place_slug: Some("alpha".into()) }]);
    assert!(lead.may_edit_place(a.id) && !lead.may_edit_place(a.id + 1) && !lead.is_admin());

    // Roles are checked: known, with a place exactly when needed, the place existing.
    let bad = RoleGrant { role: "lead".into(), place_id: None, place_slug: None };
    assert!(store.set_roles(&Actor::Cli, lead.id, &[bad]).await.unwrap_err().to_string().contains("expected a place"));
    let bad = RoleGrant { role: "owner".into(), place_id: None, place_slug: None };
    assert!(store.set_roles(&Actor::Cli, lead.id, &[bad]).await.unwrap_err().to_string().contains("admin, lead"));
    let error = store.set_roles(&Actor::Cli, lead.id, &[RoleGrant::lead(9999)]).await.unwrap_err();
    assert!(matches!(error, StoreError::NotFound(_)), "{error}");
    // A failed change changes nothing.
    assert_eq!(store.account(lead.id).await.unwrap().unwrap().roles, lead.roles);

    let (found, hash) = store.account_for_sign_in("LEE@example.org").await.unwrap().unwrap();
    assert_eq!((found, hash.as_str()), (lead.clone(), HASH));
    assert!(store.account_for_sign_in("nobody@example.org").await.unwrap().is_none());
    assert!(store.account_for_sign_in("no address").await.unwrap().is_none());
    let all = store.accounts().await.unwrap();
    assert_eq!(all.iter().map(|a| a.email.as_str()).collect::<Vec<_>>(), ["ada@example.org", "lee@example.org"]);

    // The audit names the account changes and never holds a hash.
    let audit = store.audit_log(Some("account"), Some(&lead.id.to_string()), 10).await.unwrap();
    assert_eq!(audit.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["roles", "create"]);
    assert_eq!(audit[0].actor, format!("user:{}", admin.id));
    let all_audit = store.audit_log(None, None, 100).await.unwrap();
    assert!(!serde_json::to_string(&all_audit).unwrap().contains("$argon2"));

    // A new password is stored and signs out everywhere.
    store.create_session(lead.id, "hash-1", "csrf-1", Duration::from_secs(600)).await.unwrap();
    let new_hash = HASH.replace("AAAA", "BBBB");
    store.set_password_hash(&Actor::User(lead.id), lead.id, &new_hash).await.unwrap();
    assert_eq!(store.account_for_sign_in("lee@example.org").await.unwrap().unwrap().1, new_hash);
    assert!(store.session("hash-1").await.unwrap().is_none());

    // Deleting the place deletes its leads' roles.
    store.delete_place(&Actor::Cli, a.id).await.unwrap();
    assert!(store.account(lead.id).await.unwrap().unwrap().roles.is_empty());
}

async fn sessions_and_devices(store: &Store) {
    let account = store.create_account(&Actor::Cli, "sam@example.org", "Sam", HASH).await.unwrap();
    store.create_session(account.id, "h1", "c1", Duration::from_secs(3600)).await.unwrap();
    let session = store.session("h1").await.unwrap().unwrap();
    assert_eq!((session.account.id, session.csrf_token.as_str()), (account.id, "c1"));
    assert!(session.expires_at > store::utc_now());
    assert!(store.session("h2").await.unwrap().is_none());
    // The same token hash twice is refused.
    assert!(matches!(
        store.create_session(account.id, "h1", "c9", Duration::from_secs(3600)).await.unwrap_err(),
        StoreError::Conflict(_)
    ));

    // Expired sessions are not found and are purged.
    store.create_session(account.id, "old", "c2", Duration::ZERO).await.unwrap();
    assert!(store.session("old").await.unwrap().is_none());
    assert_eq!(store.purge_expired_sessions().await.unwrap(), 1);
    assert_eq!(count_rows(store, "session").await, 1);

    // Signing out deletes the session.
    assert!(store.delete_session("h1").await.unwrap());
    assert!(!store.delete_session("h1").await.unwrap());
    assert!(store.session("h1").await.unwrap().is_none());

    // Trusted devices.
    store.trust_device(account.id, "d1").await.unwrap();
    store.trust_device(account.id, "d1").await.unwrap();
    assert_eq!(store.trusted_device("d1").await.unwrap(), Some(account.id));
    assert_eq!(store.trusted_device("d2").await.unwrap(), None);

    // A disabled account has no session, device or new session; enabled again, it signs in.
    store.create_session(account.id, "h3", "c3", Duration::from_secs(3600)).await.unwrap();
    let disabled = store.set_account_disabled(&Actor::Cli, account.id, true).await.unwrap();
    assert!(disabled.disabled);
    assert!(store.session("h3").await.unwrap().is_none());
    assert_eq!(store.trusted_device("d1").await.unwrap(), None);
    assert!(store.create_session(account.id, "h4", "c4", Duration::from_secs(3600)).await.is_err());
    store.set_account_disabled(&Actor::Cli, account.id, false).await.unwrap();
    store.create_session(account.id, "h4", "c4", Duration::from_secs(3600)).await.unwrap();
    assert!(store.session("h4").await.unwrap().is_some());
    // Sessions and devices are not audited; the account's changes are.
    let audit = store.audit_log(Some("account"), None, 10).await.unwrap();
    assert_eq!(audit.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["enable", "disable", "create"]);
}

async fn audit_by_place(store: &Store) {
    let a = store.create_place(&Actor::Cli, &place("alpha")).await.unwrap();
    let b = store.create_place(&Actor::Cli, &place("beta")).await.unwrap();
    let rec = store
        .create_recommendation(
            &Actor::Cli,
            a.id,
            &store::RecommendationFields {
                code: "R1".into(),
                text: "Fund the early years".into(),
                theme: None,
                horizon: None,
                owner: None,
                indicators: vec![],
            },
            &StatusChange { status: Status::Proposed, changed_on: "2026-01-01".into(), note: None, evidence_url: None },
        )
        .await
        .unwrap();
    let change = StatusChange {
        status: Status::parse("in progress").unwrap(),
        changed_on: "2026-12-01".into(),
        note: Some("Started".into()),
        evidence_url: None,
    };
    store.set_recommendation_status(&Actor::User(3), rec.id, &change).await.unwrap();
    let of_a = store.audit_log_of_place(a.id, 10).await.unwrap();
    assert_eq!(
        of_a.iter().map(|e| (e.entity.as_str(), e.action.as_str())).collect::<Vec<_>>(),
        [("recommendation", "status"), ("recommendation", "create"), ("place", "create")]
    );
    assert!(of_a.iter().all(|e| e.place_id == Some(a.id)));
    assert_eq!(of_a[0].actor, "user:3");
    let of_b = store.audit_log_of_place(b.id, 10).await.unwrap();
    assert_eq!(of_b.len(), 1);
    assert_eq!(of_b[0].entity, "place");
}

store::on_both_backends!(accounts_and_roles, sessions_and_devices, audit_by_place);
