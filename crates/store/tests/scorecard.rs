//! ICB scorecards' store data on SQLite and PostgreSQL: funding imports (a file replaces its
//! (ICB, year) pairs in one transaction, one audit row per file) and readiness
//! self-assessments (checked against `catalogues/cyp_readiness.toml`; a submitted one never
//! changes; a new one starts from the last; the latest submitted is current; who may write).

use store::scorecard::{check_funding, FundingRow, ReadinessAction, ReadinessAnswer, ReadinessDraft, ReadinessTool};
use store::testing::count_rows;
use store::{Actor, PlaceFields, RoleGrant, Store, StoreError};

const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const ICB: &str = "E54000008";

fn place(slug: &str, kind: &str, area_code: &str) -> PlaceFields {
    PlaceFields {
        slug: slug.to_string(),
        name: format!("{slug} (synthetic)"),
        kind: kind.into(),
        area_code: area_code.into(),
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

fn answer(q: &str, score: i64) -> ReadinessAnswer {
    ReadinessAnswer { question_id: q.into(), score, evidence: None }
}

/// Answers to every question: leadership 3, 2, 1 (mean 2 → 66.67); data 0, 0, 0 (0);
/// partnership 3, 3, 3 (100); voice 1, 1, 1 (33.33); commissioning 2, 2, 2 (66.67); workforce
/// 3, 3, 0 (66.67). Overall: (200 + 0 + 300 + 100 + 200 + 200) / 3 / 6 = 1000 / 18 = 55.56.
fn full_answers() -> Vec<ReadinessAnswer> {
    let tool = ReadinessTool::shipped().unwrap();
    let scores = [[3, 2, 1], [0, 0, 0], [3, 3, 3], [1, 1, 1], [2, 2, 2], [3, 3, 0]];
    tool.themes.iter().zip(scores).flat_map(|(t, s)| t.questions.iter().zip(s).map(|(q, s)| answer(&q.id, s))).collect()
}

fn action(theme: &str, text: &str, status: &str) -> ReadinessAction {
    ReadinessAction {
        id: None,
        theme_id: theme.into(),
        question_id: None,
        action: text.into(),
        owner: Some("Director of strategy".into()),
        due_on: Some("2027-03-31".into()),
        status: status.into(),
    }
}

#[test]
fn theme_scores_are_the_mean_answer_over_three() {
    let tool = ReadinessTool::shipped().unwrap();
    let scores = tool.theme_scores(&full_answers());
    let got: Vec<f64> = scores.iter().map(|t| t.score.unwrap()).collect();
    let want = [200.0 / 3.0, 0.0, 100.0, 100.0 / 3.0, 200.0 / 3.0, 200.0 / 3.0];
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() < 1e-9, "{got:?}");
    }
    assert!((tool.overall_score(&full_answers()).unwrap() - 1000.0 / 18.0).abs() < 1e-9);
    // A theme with a question unanswered has no score, and then neither has the whole.
    let partial = &full_answers()[1..];
    assert_eq!(tool.theme_scores(partial)[0].score, None);
    assert_eq!(tool.theme_scores(partial)[1].score, Some(0.0));
    assert_eq!(tool.overall_score(partial), None);
}

#[test]
fn bad_answers_name_the_field() {
    // Acceptance 3: a score 4 and an unknown question id are clear errors naming the field.
    let tool = ReadinessTool::shipped().unwrap();
    let error = tool.check(&[answer("leadership_named_lead", 1), answer("data_quality", 4)], &[]).unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, StoreError::BadInput(_)));
    assert!(
        message.contains("readiness answer 2 (data_quality), field score") && message.contains("found 4"),
        "{message}"
    );
    assert!(message.contains("expected 0 to 3"), "{message}");
    let message = tool.check(&[answer("no_such_question", 2)], &[]).unwrap_err().to_string();
    assert!(message.contains("readiness answer 1, field question_id") && message.contains("\"no_such_question\""));
    assert!(message.contains("cyp_readiness.toml"), "{message}");
    let message = tool.check(&[answer("data_quality", -1)], &[]).unwrap_err().to_string();
    assert!(message.contains("field score") && message.contains("found -1"), "{message}");
    let message = tool.check(&[answer("data_quality", 1), answer("data_quality", 2)], &[]).unwrap_err().to_string();
    assert!(message.contains("answer 2") && message.contains("answered twice"), "{message}");
    let message = tool.check(&[], &[action("housing", "x", "open")]).unwrap_err().to_string();
    assert!(message.contains("readiness action 1, field theme_id") && message.contains("\"housing\""), "{message}");
    let message = tool.check(&[], &[action("workforce", "Train staff", "finished")]).unwrap_err().to_string();
    assert!(message.contains("field status") && message.contains("open, in progress, done, dropped"), "{message}");
    let mut late = action("workforce", "Train staff", "open");
    late.due_on = Some("31/03/2027".into());
    assert!(tool.check(&[], &[late]).unwrap_err().to_string().contains("field due_on"));
    // A tool file with a fifth score label is refused with the file and field.
    let text = store::scorecard::READINESS_TOOL_TOML.replace("\"embedded\"]", "\"embedded\", \"exemplary\"]");
    let message = ReadinessTool::parse(&text, "cyp.toml").unwrap_err().to_string();
    assert!(message.contains("cyp.toml: field tool.scale") && message.contains("found 5"), "{message}");
    let message = ReadinessTool::parse("[tool]\nid = 1\n", "cyp.toml").unwrap_err().to_string();
    assert!(message.starts_with("cyp.toml:2:"), "{message}");
}

fn funding(icb: &str, year: &str, category: &str, allocation: f64, spent: f64, row: i64) -> FundingRow {
    FundingRow {
        icb_code: icb.into(),
        financial_year: year.into(),
        category: category.into(),
        allocation_gbp: Some(allocation),
        spent_gbp: spent,
        targets: vec!["cyp_asthma_admissions".into()],
        note: None,
        source_row: row,
    }
}

#[test]
fn bad_funding_lines_name_file_row_and_field() {
    let ok = funding(ICB, "2023/24", "prevention", 4.2e6, 1.0e6, 1);
    let mut bad = funding(ICB, "2023/25", "prevention", 4.2e6, 1.0e6, 2);
    let message = check_funding("f.csv", &[ok.clone(), bad.clone()]).unwrap_err().to_string();
    assert!(message.starts_with("f.csv, row 2, field financial_year") && message.contains("\"2023/25\""), "{message}");
    bad.financial_year = "2023/24".into();
    let message = check_funding("f.csv", &[ok.clone(), bad.clone()]).unwrap_err().to_string();
    assert!(message.contains("row 2, field category") && message.contains("rows 1 and 2"), "{message}");
    bad.category = "workforce".into();
    bad.allocation_gbp = Some(5e6);
    let message = check_funding("f.csv", &[ok.clone(), bad.clone()]).unwrap_err().to_string();
    assert!(message.contains("row 2, field allocation_gbp") && message.contains("row 1"), "{message}");
    bad.allocation_gbp = Some(4.2e6);
    bad.spent_gbp = -1.0;
    let message = check_funding("f.csv", &[ok.clone(), bad.clone()]).unwrap_err().to_string();
    assert!(message.contains("row 2, field spent_gbp") && message.contains("found -1"), "{message}");
    bad.spent_gbp = 9e6; // more than the allocation: allowed
    check_funding("f.csv", &[ok, bad]).unwrap();
}

async fn funding_import(store: &Store) {
    let file = "funding-2024.csv";
    let rows = vec![
        funding(ICB, "2022/23", "prevention", 4.0e6, 1.5e6, 1),
        funding(ICB, "2023/24", "prevention", 4.2e6, 1.0e6, 2),
        funding(ICB, "2023/24", "core20plus5_clinical", 4.2e6, 1.15e6, 3),
        funding("E54000027", "2023/24", "workforce", 3.0e6, 0.5e6, 4),
    ];
    let outcome = store.import_funding(&Actor::Cli, file, &rows).await.unwrap();
    assert_eq!((outcome.rows, outcome.replaced, outcome.pairs.len()), (4, 0, 3));
    let lines = store.funding(ICB).await.unwrap();
    assert_eq!(
        lines.iter().map(|l| (l.row.financial_year.as_str(), l.row.category.as_str())).collect::<Vec<_>>(),
        [("2022/23", "prevention"), ("2023/24", "core20plus5_clinical"), ("2023/24", "prevention")]
    );
    assert_eq!(lines[1].row.spent_gbp, 1.15e6);
    assert_eq!(lines[1].row.allocation_gbp, Some(4.2e6));
    assert_eq!(lines[1].row.targets, ["cyp_asthma_admissions"]);
    assert_eq!(
        (lines[1].source_file.as_str(), lines[1].row.source_row, lines[1].imported_by.as_str()),
        (file, 3, "cli")
    );

    // A second file naming (ICB, 2023/24) replaces that pair's two lines with its one; 2022/23
    // and the other ICB keep theirs.
    let again = vec![funding(ICB, "2023/24", "access_outreach", 4.2e6, 2.0e6, 1)];
    let outcome = store.import_funding(&Actor::User(7), "funding-2024-revised.csv", &again).await.unwrap();
    assert_eq!((outcome.rows, outcome.replaced), (1, 2));
    let lines = store.funding(ICB).await.unwrap();
    assert_eq!(
        lines.iter().map(|l| (l.row.financial_year.as_str(), l.row.category.as_str())).collect::<Vec<_>>(),
        [("2022/23", "prevention"), ("2023/24", "access_outreach")]
    );
    assert_eq!(store.funding("E54000027").await.unwrap().len(), 1);

    // A file with a bad line changes nothing.
    let bad =
        vec![funding(ICB, "2022/23", "prevention", 1.0, 1.0, 1), funding(ICB, "2022/23", "prevention", 1.0, 1.0, 2)];
    let error = store.import_funding(&Actor::Cli, "bad.csv", &bad).await.unwrap_err();
    assert!(error.to_string().contains("bad.csv, row 2"), "{error}");
    assert_eq!(count_rows(store, "icb_funding").await, 3);

    // One audit row per file.
    let audit = store.audit_log(Some("funding"), None, 10).await.unwrap();
    assert_eq!(
        audit.iter().map(|e| (e.entity_id.as_str(), e.action.as_str(), e.actor.as_str())).collect::<Vec<_>>(),
        [("funding-2024-revised.csv", "import", "user:7"), ("funding-2024.csv", "import", "cli")]
    );
}

async fn readiness(store: &Store) {
    let ics = store.create_place(&Actor::Cli, &place("north-ics", "ICS", ICB)).await.unwrap();
    let town = store.create_place(&Actor::Cli, &place("a-town", "town", ICB)).await.unwrap();
    assert_eq!(store.place_by_area(ICB).await.unwrap().map(|p| p.id), Some(ics.id));
    assert!(store.place_by_area("E54000027").await.unwrap().is_none());

    let admin = store.create_account(&Actor::Cli, "ada@example.org", "Ada", HASH).await.unwrap();
    let admin = store.set_roles(&Actor::Cli, admin.id, &[RoleGrant::admin()]).await.unwrap();
    let lead = store.create_account(&Actor::Cli, "lee@example.org", "Lee", HASH).await.unwrap();
    let lead = store.set_roles(&Actor::Cli, lead.id, &[RoleGrant::lead(ics.id)]).await.unwrap();
    let other = store.create_account(&Actor::Cli, "ola@example.org", "Ola", HASH).await.unwrap();
    let other = store.set_roles(&Actor::Cli, other.id, &[RoleGrant::lead(town.id)]).await.unwrap();
    assert!(store.may_edit_icb(&admin, ICB).await.unwrap());
    assert!(store.may_edit_icb(&admin, "E54000027").await.unwrap());
    assert!(store.may_edit_icb(&lead, ICB).await.unwrap());
    assert!(!store.may_edit_icb(&lead, "E54000027").await.unwrap());
    // The lead of a town with the same area code is not the ICS's lead.
    assert!(!store.may_edit_icb(&other, ICB).await.unwrap());

    assert!(store.readiness_current(ICB).await.unwrap().is_none());
    let actor = Actor::User(lead.id);
    let draft = store.start_readiness(&actor, ICB, Some(lead.id)).await.unwrap();
    assert_eq!((draft.status.as_str(), draft.answers.len()), ("draft", 0));
    assert_eq!(draft.tool_version, ReadinessTool::shipped().unwrap().tool.version);
    // Starting again gives the same draft.
    assert_eq!(store.start_readiness(&actor, ICB, Some(lead.id)).await.unwrap().id, draft.id);

    // A score of 4 is refused and nothing is written.
    let mut answers = full_answers();
    answers[4].score = 4;
    let bad = ReadinessDraft { note: None, answers, actions: vec![] };
    let error = store.save_readiness(&actor, draft.id, &bad).await.unwrap_err();
    assert!(error.to_string().contains("field score") && error.to_string().contains("found 4"), "{error}");
    assert_eq!(count_rows(store, "readiness_answer").await, 0);

    // Half answered: saved, but not submittable.
    let half = ReadinessDraft { note: Some("First go".into()), answers: full_answers()[..9].to_vec(), actions: vec![] };
    store.save_readiness(&actor, draft.id, &half).await.unwrap();
    let error = store.submit_readiness(&actor, draft.id, "2026-11-30").await.unwrap_err();
    assert!(error.to_string().contains("field answers") && error.to_string().contains("voice_involvement"), "{error}");

    let full = ReadinessDraft {
        note: Some("Board session".into()),
        answers: full_answers(),
        actions: vec![
            action("data_insight", "Report asthma admissions by ethnicity", "open"),
            action("workforce", "Train leads", "done"),
        ],
    };
    let saved = store.save_readiness(&actor, draft.id, &full).await.unwrap();
    assert_eq!((saved.answers.len(), saved.actions.len(), saved.note.as_deref()), (18, 2, Some("Board session")));
    assert!(store.readiness_current(ICB).await.unwrap().is_none(), "a draft is not current");
    let first = store.submit_readiness(&actor, draft.id, "2026-11-30").await.unwrap();
    assert_eq!((first.status.as_str(), first.submitted_on.as_deref()), ("submitted", Some("2026-11-30")));
    assert_eq!(store.readiness_current(ICB).await.unwrap().map(|a| a.id), Some(first.id));

    // A submitted assessment never changes.
    let error = store.save_readiness(&actor, first.id, &half).await.unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error}");
    assert!(store.submit_readiness(&actor, first.id, "2026-12-01").await.is_err());
    assert_eq!(store.readiness_assessment(first.id).await.unwrap().unwrap(), first);

    // A new one starts from the last: its answers, and its actions not done.
    let second = store.start_readiness(&Actor::User(admin.id), ICB, Some(admin.id)).await.unwrap();
    assert_ne!(second.id, first.id);
    assert_eq!(second.answers, first.answers);
    assert_eq!(
        second.actions.iter().map(|a| a.action.as_str()).collect::<Vec<_>>(),
        ["Report asthma admissions by ethnicity"]
    );
    // Until it is submitted, the first is current.
    let mut improved = ReadinessDraft { note: None, answers: second.answers.clone(), actions: vec![] };
    improved.answers.iter_mut().for_each(|a| a.score = 3);
    store.save_readiness(&Actor::User(admin.id), second.id, &improved).await.unwrap();
    assert_eq!(store.readiness_current(ICB).await.unwrap().map(|a| a.id), Some(first.id));
    assert_eq!(store.readiness_draft(ICB).await.unwrap().map(|a| a.id), Some(second.id));
    store.submit_readiness(&Actor::User(admin.id), second.id, "2026-12-05").await.unwrap();
    let current = store.readiness_current(ICB).await.unwrap().unwrap();
    assert_eq!(current.id, second.id);
    assert_eq!(ReadinessTool::shipped().unwrap().overall_score(&current.answers), Some(100.0));
    let history = store.readiness_history(ICB).await.unwrap();
    assert_eq!(history.iter().map(|a| a.id).collect::<Vec<_>>(), [second.id, first.id]);
    assert_eq!(history[1], first);

    // Every write audited, on the ICS place's audit.
    let audit = store.audit_log(Some("readiness"), Some(&first.id.to_string()), 10).await.unwrap();
    assert_eq!(audit.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["submit", "update", "update", "create"]);
    assert!(audit.iter().all(|e| e.place_id == Some(ics.id)), "{audit:?}");
    assert_eq!(audit[0].actor, format!("user:{}", lead.id));
    let of_place = store.audit_log_of_place(ics.id, 50).await.unwrap();
    assert_eq!(of_place.iter().filter(|e| e.entity == "readiness").count(), 7);

    // An ICB that is no place is assessed too (audit without a place).
    let lone = store.start_readiness(&Actor::Cli, "E54000027", None).await.unwrap();
    let audit = store.audit_log(Some("readiness"), Some(&lone.id.to_string()), 10).await.unwrap();
    assert_eq!(audit[0].place_id, None);
}

store::on_both_backends!(funding_import, readiness);
