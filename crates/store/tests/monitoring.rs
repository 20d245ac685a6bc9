//! The monitoring of places on SQLite and PostgreSQL: every entity created, read, updated,
//! listed and deleted through the store, each change in the audit trail.

use store::{
    Actor, Document, EvaluationFields, Goal, MeasureOn, OrganisationFields, PlaceFields, ProgressFields,
    RecommendationFields, Status, StatusChange, Store, StoreError, StrategyFields, TargetFields,
};

fn place_fields(slug: &str) -> PlaceFields {
    PlaceFields {
        slug: slug.to_string(),
        name: "Gwent (synthetic)".into(),
        kind: "region".into(),
        area_code: "W99000001".into(),
        covers: vec![
            "W06000018".into(),
            "W06000019".into(),
            "W06000020".into(),
            "W06000021".into(),
            "W06000022".into(),
        ],
        benchmark_code: "W92000004".into(),
        stage: "implementing".into(),
        commissioned_on: Some("2022-03-01".into()),
        report_published_on: Some("2023-06-15".into()),
        implementing_from: Some("2023-09-01".into()),
        evaluated_on: None,
        synthetic: true,
        description: Some("A synthetic place: five Welsh authorities.".into()),
    }
}

fn org(name: &str) -> OrganisationFields {
    OrganisationFields { name: name.to_string(), sector: "local government".into() }
}

async fn organisations_and_places(store: &Store) {
    let council = store.create_organisation(&Actor::Cli, &org("Blaenau Gwent Council")).await.unwrap();
    let board = store
        .create_organisation(
            &Actor::User(7),
            &OrganisationFields { name: "Aneurin Bevan UHB".into(), sector: "NHS".into() },
        )
        .await
        .unwrap();
    assert_eq!(store.organisation("Aneurin Bevan UHB").await.unwrap(), Some(board.clone()));
    let error = store.create_organisation(&Actor::Cli, &org("Blaenau Gwent Council")).await.unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error}");
    let renamed =
        store.update_organisation(&Actor::Cli, council.id, &org("Blaenau Gwent County Borough Council")).await.unwrap();
    assert_eq!(store.organisations().await.unwrap(), [board.clone(), renamed.clone()]);

    let place = store.create_place(&Actor::Cli, &place_fields("gwent")).await.unwrap();
    assert_eq!(store.place("gwent").await.unwrap(), Some(place.clone()));
    assert_eq!(place.fields.covers.len(), 5);
    let mut changed = place_fields("gwent");
    changed.stage = "evaluated".into();
    changed.evaluated_on = Some("2026-11-30".into());
    changed.covers.pop();
    let updated = store.update_place(&Actor::User(7), place.id, &changed).await.unwrap();
    assert_eq!(updated.fields, changed);
    assert_eq!(store.places().await.unwrap(), std::slice::from_ref(&updated));
    let bad = PlaceFields { stage: "finished".into(), ..place_fields("other") };
    let error = store.create_place(&Actor::Cli, &bad).await.unwrap_err();
    assert!(error.to_string().contains("the field stage is \"finished\""), "{error}");

    store.set_partner(&Actor::Cli, place.id, "Aneurin Bevan UHB", "lead").await.unwrap();
    store.set_partner(&Actor::Cli, place.id, "Blaenau Gwent County Borough Council", "partner").await.unwrap();
    let lead = store.set_partner(&Actor::Cli, place.id, "Aneurin Bevan UHB", "co-lead").await.unwrap();
    assert_eq!(lead.role, "co-lead");
    assert_eq!(store.partners(place.id).await.unwrap().len(), 2);
    // An organisation that is a partner cannot go.
    let error = store.delete_organisation(&Actor::Cli, board.id).await.unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error}");
    store.remove_partner(&Actor::Cli, place.id, "Aneurin Bevan UHB").await.unwrap();
    store.delete_organisation(&Actor::Cli, board.id).await.unwrap();
    let error = store.set_partner(&Actor::Cli, place.id, "Nobody", "lead").await.unwrap_err();
    assert_eq!(error.to_string(), "the organisation \"Nobody\" not found");

    // The audit trail: who, what, before and after.
    let audit = store.audit_log(Some("place"), Some(&place.id.to_string()), 10).await.unwrap();
    assert_eq!(audit.len(), 2);
    assert_eq!((audit[0].action.as_str(), audit[0].actor.as_str()), ("update", "user:7"));
    assert_eq!(audit[0].before.as_ref().unwrap()["stage"], "implementing");
    assert_eq!(audit[0].after.as_ref().unwrap()["stage"], "evaluated");
    assert_eq!(audit[1].action, "create");
    assert_eq!(audit[1].before, None);
    assert!(store.audit_log(Some("partner"), None, 100).await.unwrap().len() == 4);

    store.delete_place(&Actor::Cli, place.id).await.unwrap();
    assert_eq!(store.place("gwent").await.unwrap(), None);
    assert_eq!(store.partners(place.id).await.unwrap(), []);
    assert_eq!(store.audit_log(Some("place"), None, 10).await.unwrap()[0].after, None);
}

async fn strategies(store: &Store) {
    let place = store.create_place(&Actor::Cli, &place_fields("gwent")).await.unwrap();
    let fields = StrategyFields {
        title: "Building a Fairer Gwent".into(),
        starts_on: "2023-04-01".into(),
        ends_on: "2028-03-31".into(),
        themes: vec![store::MARMOT_PRINCIPLES[0].into(), store::MARMOT_PRINCIPLES[6].into()],
        documents: vec![Document { title: "Report".into(), url: "https://example.org/report.pdf".into() }],
    };
    let strategy = store.create_strategy(&Actor::Cli, place.id, &fields).await.unwrap();
    assert_eq!(store.strategies(place.id).await.unwrap(), std::slice::from_ref(&strategy));
    let longer = StrategyFields { ends_on: "2030-03-31".into(), ..fields.clone() };
    let updated = store.update_strategy(&Actor::Cli, strategy.id, &longer).await.unwrap();
    assert_eq!(store.strategies(place.id).await.unwrap(), [updated]);
    let backwards = StrategyFields { ends_on: "2020-01-01".into(), ..fields };
    assert!(store.create_strategy(&Actor::Cli, place.id, &backwards).await.is_err());
    store.delete_strategy(&Actor::Cli, strategy.id).await.unwrap();
    assert_eq!(store.strategies(place.id).await.unwrap(), []);
    let error = store.delete_strategy(&Actor::Cli, strategy.id).await.unwrap_err();
    assert!(matches!(error, StoreError::NotFound(_)), "{error}");
}

fn change(status: Status, on: &str, note: &str) -> StatusChange {
    StatusChange { status, changed_on: on.into(), note: Some(note.into()), evidence_url: None }
}

async fn recommendations_with_history(store: &Store) {
    let place = store.create_place(&Actor::Cli, &place_fields("gwent")).await.unwrap();
    store.create_organisation(&Actor::Cli, &org("Torfaen Council")).await.unwrap();
    let fields = RecommendationFields {
        code: "R1".into(),
        text: "Pay the real living wage across the public sector".into(),
        theme: Some(store::MARMOT_PRINCIPLES[2].into()),
        horizon: Some("five-year".into()),
        owner: Some("Torfaen Council".into()),
        indicators: vec!["EMP".into(), "LE".into()],
    };
    let rec = store
        .create_recommendation(&Actor::Cli, place.id, &fields, &change(Status::Proposed, "2023-06-15", "in the report"))
        .await
        .unwrap();
    assert_eq!(rec.status, Status::Proposed);
    let agreed = store
        .set_recommendation_status(&Actor::User(2), rec.id, &change(Status::Agreed, "2023-09-01", "board"))
        .await
        .unwrap();
    let with_evidence = StatusChange {
        evidence_url: Some("https://example.org/minutes".into()),
        ..change(Status::InProgress, "2024-01-10", "started")
    };
    let now = store.set_recommendation_status(&Actor::User(2), rec.id, &with_evidence).await.unwrap();
    assert_eq!(agreed.status, Status::Agreed);
    assert_eq!(now.status, Status::InProgress);
    assert_eq!(
        now.history.iter().map(|h| h.status).collect::<Vec<_>>(),
        [Status::Proposed, Status::Agreed, Status::InProgress]
    );
    assert_eq!(now.history[2].evidence_url.as_deref(), Some("https://example.org/minutes"));
    assert_eq!(store.recommendation(place.id, "R1").await.unwrap(), Some(now.clone()));

    let unowned = RecommendationFields { owner: None, indicators: vec!["LE".into()], ..fields.clone() };
    let updated = store.update_recommendation(&Actor::Cli, rec.id, &unowned).await.unwrap();
    assert_eq!(updated.fields, unowned);
    assert_eq!(updated.history.len(), 3);
    let second = RecommendationFields { code: "R2".into(), ..fields.clone() };
    store
        .create_recommendation(&Actor::Cli, place.id, &second, &change(Status::Proposed, "2023-06-15", ""))
        .await
        .unwrap();
    let duplicate = store
        .create_recommendation(&Actor::Cli, place.id, &second, &change(Status::Proposed, "2023-06-15", ""))
        .await
        .unwrap_err();
    assert!(matches!(duplicate, StoreError::Conflict(_)), "{duplicate}");
    let codes: Vec<_> = store.recommendations(place.id).await.unwrap().into_iter().map(|r| r.fields.code).collect();
    assert_eq!(codes, ["R1", "R2"]);
    let bad_date =
        store.set_recommendation_status(&Actor::Cli, rec.id, &change(Status::Dropped, "soon", "")).await.unwrap_err();
    assert!(bad_date.to_string().contains("expected a date YYYY-MM-DD"), "{bad_date}");

    let audit = store.audit_log(Some("recommendation"), Some(&rec.id.to_string()), 10).await.unwrap();
    assert_eq!(audit.iter().map(|a| a.action.as_str()).collect::<Vec<_>>(), ["update", "status", "status", "create"]);
    assert_eq!(audit[1].after.as_ref().unwrap()["status"], "in progress");
    store.delete_recommendation(&Actor::Cli, rec.id).await.unwrap();
    assert_eq!(store.recommendation(place.id, "R1").await.unwrap(), None);
}

fn target(code: &str) -> TargetFields {
    TargetFields {
        code: code.into(),
        indicator: "LE".into(),
        measure_on: MeasureOn::Sii,
        sex: "Female".into(),
        baseline_period: "2017 - 19".into(),
        baseline_value: Some(-7.5),
        goal: Goal::NarrowerGap(0.2),
        target_period: "2026 - 28".into(),
        note: None,
    }
}

async fn targets(store: &Store) {
    let place = store.create_place(&Actor::Cli, &place_fields("gwent")).await.unwrap();
    let t1 = store.create_target(&Actor::Cli, place.id, &target("T1")).await.unwrap();
    let t2 = store
        .create_target(
            &Actor::Cli,
            place.id,
            &TargetFields {
                measure_on: MeasureOn::Value,
                goal: Goal::MatchBenchmark,
                sex: "Persons".into(),
                baseline_value: None,
                ..target("T2")
            },
        )
        .await
        .unwrap();
    let t3 = TargetFields { measure_on: MeasureOn::Value, goal: Goal::Change(-12.5), ..target("T3") };
    let t3 = store.create_target(&Actor::Cli, place.id, &t3).await.unwrap();
    assert_eq!(store.targets(place.id).await.unwrap(), [t1.clone(), t2.clone(), t3]);
    let valued = TargetFields { goal: Goal::Value(-5.0), ..target("T1") };
    let updated = store.update_target(&Actor::Cli, t1.id, &valued).await.unwrap();
    assert_eq!(updated.fields.goal, Goal::Value(-5.0));
    let backwards = TargetFields { target_period: "2015".into(), ..target("T4") };
    let error = store.create_target(&Actor::Cli, place.id, &backwards).await.unwrap_err();
    assert!(
        error.to_string().contains("target_period \"2015\" is not after the baseline period \"2017 - 19\""),
        "{error}"
    );
    let error = store.create_target(&Actor::Cli, place.id, &target("T1")).await.unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error}");
    store.delete_target(&Actor::Cli, t2.id).await.unwrap();
    assert_eq!(store.targets(place.id).await.unwrap().len(), 2);
}

async fn progress_and_evaluations(store: &Store) {
    let place = store.create_place(&Actor::Cli, &place_fields("gwent")).await.unwrap();
    let rec = RecommendationFields {
        code: "R1".into(),
        text: "t".into(),
        theme: None,
        horizon: None,
        owner: None,
        indicators: vec![],
    };
    store.create_recommendation(&Actor::Cli, place.id, &rec, &change(Status::Agreed, "2024-01-01", "")).await.unwrap();
    let fields = ProgressFields {
        written_on: "2024-06-30".into(),
        status: "at risk".into(),
        author: "Programme lead".into(),
        note: "Recruitment delayed".into(),
        recommendations: vec!["R1".into()],
    };
    let update = store.create_progress(&Actor::Cli, place.id, &fields).await.unwrap();
    assert_eq!(update.fields, fields);
    let later = ProgressFields {
        written_on: "2024-12-31".into(),
        status: "on track".into(),
        recommendations: vec![],
        ..fields.clone()
    };
    let later = store.create_progress(&Actor::Cli, place.id, &later).await.unwrap();
    assert_eq!(store.progress_updates(place.id).await.unwrap(), [later.clone(), update.clone()]);
    let unknown = ProgressFields { recommendations: vec!["R9".into()], ..fields.clone() };
    let error = store.create_progress(&Actor::Cli, place.id, &unknown).await.unwrap_err();
    assert!(matches!(error, StoreError::NotFound(_)), "{error}");
    let edited = store
        .update_progress(&Actor::Cli, update.id, &ProgressFields { note: "Recruited".into(), ..fields })
        .await
        .unwrap();
    assert_eq!(edited.fields.note, "Recruited");
    store.delete_progress(&Actor::Cli, later.id).await.unwrap();
    assert_eq!(store.progress_updates(place.id).await.unwrap(), [edited]);

    let fields = EvaluationFields {
        question: "Did the living wage reach care workers?".into(),
        method: "Payroll survey".into(),
        findings: "Mostly".into(),
        evaluated_on: "2025-03-01".into(),
    };
    let evaluation = store.create_evaluation(&Actor::Cli, place.id, &fields).await.unwrap();
    let changed = store
        .update_evaluation(
            &Actor::Cli,
            evaluation.id,
            &EvaluationFields { findings: "In 8 of 10 providers".into(), ..fields },
        )
        .await
        .unwrap();
    assert_eq!(store.evaluations(place.id).await.unwrap(), [changed]);
    store.delete_evaluation(&Actor::Cli, evaluation.id).await.unwrap();
    assert_eq!(store.evaluations(place.id).await.unwrap(), []);
}

store::on_both_backends!(
    organisations_and_places,
    strategies,
    recommendations_with_history,
    targets,
    progress_and_evaluations
);
