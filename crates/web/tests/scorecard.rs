//! The ICB scorecards on the web (issue 14): every page answers, is small, links only to pages
//! that exist and loads nothing from elsewhere; the numbers shown are the model's (hand-built
//! in `scorecard_support`, worked in its comments); a funding line appears beside the gap it
//! targets; the readiness form is refused without a session, a CSRF token or the right role,
//! and a lead of the ICS place starts, saves and submits an assessment (audited); the API
//! answers with the model. An ICS place's report carries its ICB's scorecard (the installed
//! model's numbers, read back from the page's data attributes) and other places' do not; the
//! release refresh builds the scorecards before a request asks, and a request right after a new
//! release is answered with that release's.

mod scorecard_support;

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::http::StatusCode;
use scorecard_support::{install, Client, HASH, ICBS};
use store::scorecard::{FundingRow, ReadinessTool};
use store::testing::{self, count_rows, TestDatabase};
use store::{Actor, PlaceFields, RoleGrant};
use web::AppState;

const ICB: &str = "E54000008";

async fn seeded() -> (TestDatabase, AppState) {
    let db = testing::sqlite().await;
    let state = AppState::new(db.store.clone());
    install(&state);
    (db, state)
}

fn place(slug: &str, kind: &str) -> PlaceFields {
    PlaceFields {
        slug: slug.into(),
        name: format!("{slug} (synthetic)"),
        kind: kind.into(),
        area_code: ICB.into(),
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

/// Every `href="/…"` of a page (local links), without fragments.
fn local_links(body: &str) -> BTreeSet<String> {
    body.split("href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|h| h.starts_with('/'))
        .map(|h| h.split('#').next().unwrap_or(h).replace("&amp;", "&"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_page_answers_small_and_links_to_pages_that_exist() {
    let (_db, state) = seeded().await;
    let mut client = Client::new(&state, "10.0.0.1");
    let pages = [
        "/scorecards".to_string(),
        "/scorecards?tab=cyp".into(),
        "/scorecards?tab=completeness".into(),
        "/scorecards?tab=cyp-tool".into(),
        format!("/scorecards/{ICB}"),
        format!("/scorecards/{ICB}/indicators/preterm_births"),
        format!("/scorecards/{ICB}/report"),
        "/scorecards/cyp-tool".into(),
        format!("/scorecards/{ICB}/readiness"),
    ];
    let mut links = BTreeSet::new();
    for path in &pages {
        let page = client.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        assert!(page.body.len() < 200_000, "{path}: {} bytes", page.body.len());
        // Nothing is loaded from elsewhere; the only outside link is the readiness tool's source.
        assert!(!page.body.contains("src=\"http") && !page.body.contains("<link rel=\"stylesheet\" href=\"http"));
        let outside = page.body.matches("href=\"http").count();
        assert_eq!(outside, usize::from(path.ends_with("/readiness")), "{path}");
        links.extend(local_links(&page.body));
    }
    // Every cell of the side-by-side tables links to an indicator page of each ICB.
    for (code, _) in ICBS {
        for id in ["preterm_births", "cyp_asthma_admissions", "waiting_18_weeks"] {
            assert!(links.contains(&format!("/scorecards/{code}/indicators/{id}")), "{code} {id}");
        }
    }
    // And every local link answers (the PDF needs Chromium: its page is the report's).
    for link in &links {
        if link.ends_with(".pdf") || link.ends_with("/edit") || link.starts_with("/static/") {
            continue;
        }
        let got = client.get(link).await;
        assert_eq!(got.status, StatusCode::OK, "{link}: {}", got.body);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_pages_show_the_models_numbers() {
    let (_db, state) = seeded().await;
    let mut client = Client::new(&state, "10.0.0.1");
    let page = client.get(&format!("/scorecards/{ICB}")).await.body;
    // ICB 0, indicator 0: value 10 ± 0.4; Core20 12 ± 1, rest 9 ± 0.5: gap 3 with MOVER limits
    // 3 ∓ √(1² + 0.5²) = 1.882 to 4.118; rank 1 of 3; ethnicity stated for 93% of the count.
    assert!(page.contains("10.0 (9.6 to 10.4)"), "{page}");
    assert!(page.contains("3.0 (1.9 to 4.1)"));
    assert!(page.contains("12.0 (11.0 to 13.0)") && page.contains("9.0 (8.5 to 9.5)"));
    assert!(page.contains("1 of 3") && page.contains("93.0%"));
    assert!(page.contains("narrowing"));
    assert!(page.contains("-4.0 (-6.0 to -2.0)"), "the SII");
    // The CYP tool's overall score of ICB 0: 0.5 ± 0.3.
    assert!(page.contains("0.500 (0.200 to 0.800)"));

    let all = client.get("/scorecards").await.body;
    // ICB 1's preterm births: 12.0, rank 2 of 3 (quintile 3), widening.
    assert!(all
        .contains("href=\"/scorecards/E54000027/indicators/preterm_births\"><span aria-hidden=\"true\">↗</span> 12.0"));
    assert!(all.contains("class=\"sc rq3\""));
    let completeness = client.get("/scorecards?tab=completeness").await.body;
    assert!(completeness.contains("92.5%") && completeness.contains("denominator 90.0%"));

    let breakdown = client.get(&format!("/scorecards/{ICB}/indicators/preterm_births")).await.body;
    for heading in [
        "LSOA deprivation quintiles (national)",
        "Core20 (most deprived 20% nationally, IMD)",
        "Ethnic group (Census 2021 high-level)",
        "Age band",
        "Sex",
    ] {
        assert!(breakdown.contains(&format!(">{heading}</h2>")), "{heading}");
    }
    // One chart per category type, its marks as many as the table's rows: 5 quintiles, 2, 3
    // ethnic groups, 2 age bands, 2 sexes.
    assert_eq!(breakdown.matches("data-mark").count(), 5 + 2 + 3 + 2 + 2);
    assert!(breakdown.contains("counts only") || breakdown.contains("an unknown category: counts only"));
    assert!(breakdown.contains("No period of Core20 and rest values is stored"));

    let unknown = client.get("/scorecards/E54999999").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.body.contains("E54000008, E54000027, E54000050"), "{}", unknown.body);
    assert_eq!(client.get("/scorecards?tab=nope").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(client.get(&format!("/scorecards/{ICB}/indicators/nope")).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_funding_line_is_shown_beside_the_gap_it_targets() {
    let (db, state) = seeded().await;
    let line = FundingRow {
        icb_code: ICB.into(),
        financial_year: "2023/24".into(),
        category: "core20plus5_clinical".into(),
        allocation_gbp: Some(4_200_000.0),
        spent_gbp: 1_150_000.0,
        targets: vec!["preterm_births".into()],
        note: Some("Continuity of carer".into()),
        source_row: 1,
    };
    db.store.import_funding(&Actor::Cli, "funding.csv", &[line]).await.unwrap();
    let mut client = Client::new(&state, "10.0.0.1");
    let page = client.get(&format!("/scorecards/{ICB}")).await.body;
    // 1,150,000 of 4,200,000 = 27.38%.
    assert!(page.contains("£1,150,000") && page.contains("£4,200,000") && page.contains("27.4%"), "{page}");
    assert!(page.contains("Core20plus5 clinical"));
    let funding = &page[page.find("id=\"funding\"").unwrap()..page.find("id=\"commitments\"").unwrap()];
    assert!(funding.contains("Preterm births</a>: 3.0 (1.9 to 4.1), narrowing"), "{funding}");
    let api = client.get(&format!("/api/v1/scorecards/{ICB}/funding")).await;
    let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(json["items"][0]["spent_gbp"], 1_150_000.0);
    assert_eq!(json["items"][0]["source_file"], "funding.csv");
    let model: serde_json::Value =
        serde_json::from_str(&client.get(&format!("/api/v1/scorecards/{ICB}")).await.body).unwrap();
    let share = model["funding"][0]["share_of_allocation"].as_f64().unwrap();
    assert!((share - 1_150_000.0 / 4_200_000.0).abs() < 1e-12);
    assert_eq!(model["funding"][0]["targets"][0]["verdict"], "narrowing");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_readiness_form_needs_a_session_its_token_and_the_right_role() {
    let (db, state) = seeded().await;
    let store = &db.store;
    let ics = store.create_place(&Actor::Cli, &place("north-ics", "ICS")).await.unwrap();
    let town = store.create_place(&Actor::Cli, &place("a-town", "town")).await.unwrap();
    let lead = store.create_account(&Actor::Cli, "lee@example.org", "Lee", HASH).await.unwrap();
    store.set_roles(&Actor::Cli, lead.id, &[RoleGrant::lead(ics.id)]).await.unwrap();
    let other = store.create_account(&Actor::Cli, "ola@example.org", "Ola", HASH).await.unwrap();
    store.set_roles(&Actor::Cli, other.id, &[RoleGrant::lead(town.id)]).await.unwrap();
    let edit = format!("/scorecards/{ICB}/readiness/edit");
    let start = format!("/scorecards/{ICB}/readiness/start");

    // Signed out: the form sends to the sign-in page, a POST is refused.
    let mut anonymous = Client::new(&state, "10.0.0.9");
    let got = anonymous.get(&edit).await;
    assert_eq!(got.status, StatusCode::SEE_OTHER);
    assert!(got.location().starts_with("/sign-in?next="), "{}", got.location());
    assert_eq!(anonymous.post(&start, &[("_csrf", "x")]).await.status, StatusCode::FORBIDDEN);

    // The lead of a town with the ICB's code is not the ICS's lead.
    let mut stranger = Client::signed_in(&state, "10.0.0.2", other.id).await;
    assert_eq!(stranger.get(&edit).await.status, StatusCode::FORBIDDEN);
    let token = format!("csrf-{}", other.id);
    assert_eq!(stranger.post(&start, &[("_csrf", &token)]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(count_rows(store, "readiness_assessment").await, 0);

    // The ICS's lead: without the token, with a wrong one, or cross-site: refused.
    let mut lee = Client::signed_in(&state, "10.0.0.3", lead.id).await;
    let token = format!("csrf-{}", lead.id);
    assert_eq!(lee.post(&start, &[]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(lee.post(&start, &[("_csrf", "csrf-0")]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(lee.post_with(&start, &[("_csrf", &token)], "cross-site").await.status, StatusCode::FORBIDDEN);
    assert_eq!(count_rows(store, "readiness_assessment").await, 0);
    let page = lee.get(&edit).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Start a new assessment"));
    let got = lee.post(&start, &[("_csrf", &token)]).await;
    assert_eq!((got.status, got.location()), (StatusCode::SEE_OTHER, edit.as_str()));
    let form = lee.get(&edit).await.body;
    assert!(form.contains("name=\"score.leadership_named_lead\""));

    // A score of 4 is refused, naming the field; nothing is written.
    let bad = lee.post(&edit, &[("_csrf", &token), ("score.leadership_named_lead", "4"), ("do", "save")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("field score") && bad.body.contains("found 4"), "{}", bad.body);
    assert_eq!(count_rows(store, "readiness_answer").await, 0);

    // Every question answered 2 ("in progress"), one action, submitted.
    let tool = ReadinessTool::shipped().unwrap();
    let names: Vec<String> = tool.themes.iter().flat_map(|t| &t.questions).map(|q| format!("score.{}", q.id)).collect();
    let mut fields: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "2")).collect();
    fields.extend([
        ("_csrf", token.as_str()),
        ("action.0.theme", "data_insight"),
        ("action.0.text", "Report asthma admissions by ethnicity"),
        ("action.0.owner", "Head of intelligence"),
        ("action.0.due", "2027-03-31"),
        ("action.0.status", "open"),
        ("action.1.theme", "leadership"),
        ("action.1.text", ""),
        ("do", "submit"),
    ]);
    let got = lee.post(&edit, &fields).await;
    assert_eq!(got.status, StatusCode::SEE_OTHER, "{}", got.body);
    let current = store.readiness_current(ICB).await.unwrap().unwrap();
    assert_eq!((current.answers.len(), current.actions.len()), (18, 1));
    // Every answer 2: each theme 2 × 100 / 3 = 66.67, the overall the same.
    let page = lee.get(&format!("/scorecards/{ICB}/readiness")).await.body;
    assert!(
        page.contains("Overall score: 67 of 100") && page.contains("Report asthma admissions by ethnicity"),
        "{page}"
    );
    let scorecard = lee.get(&format!("/scorecards/{ICB}")).await.body;
    assert!(scorecard.contains("overall 67 of 100; 1 actions open"), "{scorecard}");
    let api: serde_json::Value =
        serde_json::from_str(&lee.get(&format!("/api/v1/scorecards/{ICB}/readiness")).await.body).unwrap();
    assert!((api["current"]["overall"].as_f64().unwrap() - 200.0 / 3.0).abs() < 1e-9);
    // Audited as the lead, on the ICS place.
    let audit = store.audit_log_of_place(ics.id, 20).await.unwrap();
    let readiness: Vec<(&str, &str)> =
        audit.iter().filter(|e| e.entity == "readiness").map(|e| (e.action.as_str(), e.actor.as_str())).collect();
    let actor = format!("user:{}", lead.id);
    assert_eq!(readiness, [("submit", actor.as_str()), ("update", actor.as_str()), ("create", actor.as_str())]);
    // A submitted one never changes: with no draft, saving is a conflict.
    assert_eq!(lee.post(&edit, &[("_csrf", &token), ("do", "save")]).await.status, StatusCode::CONFLICT);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_api_answers_with_the_model() {
    let (_db, state) = seeded().await;
    let mut client = Client::new(&state, "10.0.0.1");
    let list: serde_json::Value = serde_json::from_str(&client.get("/api/v1/scorecards").await.body).unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    // ICB 0's verdicts (i + k) mod 3: narrowing, widening, no significant change.
    assert_eq!((items[0]["narrowing"].as_u64(), items[0]["widening"].as_u64()), (Some(1), Some(1)));
    let card: serde_json::Value =
        serde_json::from_str(&client.get(&format!("/api/v1/scorecards/{ICB}")).await.body).unwrap();
    assert_eq!(card["icb_code"], ICB);
    assert_eq!(card["release"], "fixture-release");
    assert_eq!(card["areas"][0]["indicators"][0]["gap"]["value"], 3.0);
    let one = client.get(&format!("/api/v1/scorecards/{ICB}/indicators/waiting_18_weeks")).await;
    assert_eq!(one.status, StatusCode::OK);
    let one: serde_json::Value = serde_json::from_str(&one.body).unwrap();
    assert_eq!(one["latest"]["value"], 12.0);
    let cyp: serde_json::Value = serde_json::from_str(&client.get("/api/v1/cyp-scores").await.body).unwrap();
    assert_eq!(cyp["overall"].as_array().unwrap().len(), 3);
    let missing = client.get("/api/v1/scorecards/E54999999").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("E54000008"), "{}", missing.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ics_place_links_to_its_scorecard() {
    let (db, state) = seeded().await;
    db.store.create_place(&Actor::Cli, &place("north-ics", "ICS")).await.unwrap();
    db.store.create_place(&Actor::Cli, &place("a-town", "town")).await.unwrap();
    let mut client = Client::new(&state, "10.0.0.1");
    let ics = client.get("/places/north-ics").await;
    assert_eq!(ics.status, StatusCode::OK, "{}", ics.body);
    assert!(ics.body.contains(&format!("href=\"/scorecards/{ICB}\"")));
    assert!(!client.get("/places/a-town").await.body.contains("/scorecards/"));
}

// ----- the place report's scorecard section (an ICS place) -----

/// The `<tr data-indicator="id">` row of `html`.
fn indicator_row<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html.find(&format!("<tr data-indicator=\"{id}\">")).unwrap_or_else(|| panic!("no row of {id}"));
    let row = &html[start..];
    &row[..row.find("</tr>").unwrap()]
}

/// The attribute `name` of the first tag of `html` whose class attribute is `class`, as a
/// number (`None` when it is empty).
fn number_attribute(html: &str, class: &str, name: &str) -> Option<f64> {
    let tag = &html[html.find(&format!("class=\"{class}\"")).unwrap_or_else(|| panic!("no {class} in {html}"))..];
    let tag = &tag[..tag.find('>').unwrap()];
    let value = tag.split(&format!("{name}=\"")).nth(1).unwrap_or_else(|| panic!("no {name} in {tag}"));
    let value = &value[..value.find('"').unwrap()];
    (!value.is_empty()).then(|| value.parse().unwrap_or_else(|e| panic!("{name}=\"{value}\": {e}")))
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ics_places_report_has_its_icbs_scorecard_and_other_places_reports_do_not() {
    let (db, state) = seeded().await;
    db.store.import_funding(&Actor::Cli, "funding.csv", &[scorecard_support::funding_line()]).await.unwrap();
    db.store.create_place(&Actor::Cli, &place("north-ics", "ICS")).await.unwrap();
    db.store.create_place(&Actor::Cli, &place("a-town", "town")).await.unwrap();
    let mut client = Client::new(&state, "10.0.0.1");
    let report = client.get("/places/north-ics/report").await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    let body = &report.body;
    let start = body.find("<section class=\"place-scorecard\"").expect("the scorecard section");
    let section = &body[start..body.find("<section aria-labelledby=\"indicators\">").unwrap()];
    // The numbers are the installed scorecards' (the assembled model), not a rendering of ours.
    let cache = scorecard_support::cache();
    let card = cache.card(ICB).unwrap();
    assert_eq!(card.indicators().count(), 3);
    for area in &card.areas {
        assert!(section.contains(&format!(">{}</h3>", area.name)), "{}", area.name);
    }
    for i in card.indicators() {
        let row = indicator_row(section, &i.id);
        assert_eq!(number_attribute(row, "num value", "data-value"), i.latest.value, "{}", i.id);
        assert_eq!(number_attribute(row, "num value", "data-lower"), i.latest.lower);
        assert_eq!(number_attribute(row, "num value", "data-upper"), i.latest.upper);
        let gap = i.gap.unwrap();
        assert_eq!(number_attribute(row, "num gap", "data-value"), Some(gap.value));
        assert_eq!(number_attribute(row, "num gap", "data-lower"), Some(gap.lower));
        assert_eq!(number_attribute(row, "num gap", "data-upper"), Some(gap.upper));
        assert!(row.contains(&format!("</span> {}</td>", i.narrowing.verdict)), "{row}");
        let rank = i.rank.unwrap();
        let rank_class = format!("sc rq{}", rank.quintile);
        assert_eq!(number_attribute(row, &rank_class, "data-rank"), Some(f64::from(rank.position)));
        assert_eq!(number_attribute(row, &rank_class, "data-of"), Some(f64::from(rank.of)));
        let stated = i.completeness.iter().find(|c| c.category_type == web::scorecard::ETHNICITY_TYPE).unwrap();
        assert_eq!(number_attribute(row, "num completeness", "data-value"), stated.numerator_known);
    }
    // The children and young people's scores of this ICB: overall and the measured driver.
    let cyp = cache.cyp.as_ref().unwrap();
    let overall = cyp.overall.iter().find(|u| u.icb_code == ICB).unwrap();
    let driver = cyp.drivers.iter().find(|d| d.measured).unwrap();
    let driver_score = driver.scores.iter().find(|u| u.icb_code == ICB).unwrap();
    for (name, unit) in [("Overall", overall), (driver.name.as_str(), driver_score)] {
        let row = &section[section.find(&format!("<th scope=\"row\">{name}</th>")).expect(name)..];
        let row = &row[..row.find("</tr>").unwrap()];
        let (score, rank) = (unit.score.unwrap(), unit.rank.unwrap());
        assert_eq!(number_attribute(row, "num score", "data-value"), Some(score.value));
        assert_eq!(number_attribute(row, "num score", "data-lower"), Some(score.lower));
        assert_eq!(number_attribute(row, "num score", "data-upper"), Some(score.upper));
        assert_eq!(number_attribute(row, "num rank", "data-value"), Some(rank.value));
        assert_eq!(number_attribute(row, "num rank", "data-lower"), Some(rank.lower));
        assert_eq!(number_attribute(row, "num rank", "data-upper"), Some(rank.upper));
    }
    // The funding line beside the gap it targets, and the commitments the report shows below.
    let funding = &section[section.find("id=\"scorecard-funding\"").unwrap()..];
    let spent = scorecard_support::funding_line().spent_gbp;
    assert!(funding.contains(&format!("data-value=\"{spent}\"")), "{funding}");
    assert!(funding.contains(&format!("href=\"/scorecards/{ICB}/indicators/preterm_births\">")));
    assert!(section.contains("href=\"#targets\"") && section.contains("href=\"#recommendations\""));
    assert!(body.contains("id=\"targets\"") && body.contains("id=\"recommendations\""));
    // Printing: A4, the areas' tables kept whole.
    assert!(body.contains("section.scorecard-area, section.scorecard-part, table.scorecard tr"));

    let town = client.get("/places/a-town/report").await;
    assert_eq!(town.status, StatusCode::OK);
    assert!(town.body.contains("<h1>a-town (synthetic)"), "{}", town.body);
    for absent in ["<section class=\"place-scorecard\"", "id=\"scorecard\"", "data-indicator=", "Core20PLUS5"] {
        assert!(!town.body.contains(absent), "{absent}");
    }
}

// ----- scorecards built by the release refresh -----

/// Imports a release named `name` with the values of `preterm_births` for two ICBs and
/// England in 2024/25 (whole area, Core20 and the rest, Persons): ICB A's whole-area value is
/// `value`, ICB B's `value + 1`, England's `value + 0.5`; Core20 is 2 above, the rest 1 below.
async fn import_icb_release(store: &store::Store, name: &str, value: f64) -> i64 {
    use engine::arrow::array::{ArrayRef, Float64Array, RecordBatch, StringArray};
    use engine::compute::results::{schema, COLUMNS};
    type RowOf = (String, String, String, Option<(&'static str, &'static str)>, f64);
    let mut rows: Vec<RowOf> = Vec::new();
    for (code, area_name, area_type, v) in [
        ("E54000008", "ICB A (test)", "ICB", value),
        ("E54000027", "ICB B (test)", "ICB", value + 1.0),
        ("E92000001", "England", "England", value + 0.5),
    ] {
        rows.push((code.into(), area_name.into(), area_type.into(), None, v));
        if area_type == "ICB" {
            let core20 = "Core20 (most deprived 20% nationally, IMD)";
            rows.push((code.into(), area_name.into(), area_type.into(), Some((core20, "Core20")), v + 2.0));
            rows.push((code.into(), area_name.into(), area_type.into(), Some((core20, "Rest of population")), v - 1.0));
        }
    }
    let columns: Vec<ArrayRef> = COLUMNS
        .iter()
        .map(|c| {
            if schema().field_with_name(c.name).unwrap().data_type() == &engine::arrow::datatypes::DataType::Float64 {
                let numbers = rows.iter().map(|(.., v)| match c.name {
                    "value" => Some(*v),
                    "lower_95" => Some(v - 0.5),
                    "upper_95" => Some(v + 0.5),
                    "count" => Some(50.0),
                    "denominator" => Some(1000.0),
                    "time_period_sortable" => Some(2024.0),
                    _ => None,
                });
                Arc::new(numbers.collect::<Float64Array>()) as ArrayRef
            } else {
                let text = rows.iter().map(|(code, area_name, area_type, category, _)| match c.name {
                    "indicator_id" => Some("preterm_births".to_string()),
                    "indicator_name" => Some("Preterm births".into()),
                    "area_code" => Some(code.clone()),
                    "area_name" => Some(area_name.clone()),
                    "area_type" => Some(area_type.clone()),
                    "sex" => Some("Persons".into()),
                    "age" => Some("All ages".into()),
                    "category_type" => category.map(|c| c.0.to_string()),
                    "category" => category.map(|c| c.1.to_string()),
                    "time_period" => Some("2024/25".into()),
                    "framework" => Some("core20plus5".into()),
                    "domain" => Some("maternity".into()),
                    "measure" => Some("proportion".into()),
                    "polarity" => Some("lower is better".into()),
                    _ => None,
                });
                Arc::new(text.collect::<StringArray>()) as ArrayRef
            }
        })
        .collect();
    let batch = RecordBatch::try_new(schema(), columns).unwrap();
    let info = store::ReleaseInfo {
        name: name.into(),
        released_on: "2026-12-07".into(),
        catalogue_id: Some("icb_scorecard".into()),
        catalogue_version: None,
        manifest: serde_json::json!({ "made_by": "the web's scorecard tests" }),
        definitions: Default::default(),
    };
    let mut import = store.begin_import(info, &Actor::Cli).await.unwrap();
    import.push(&batch).await.unwrap();
    import.finish().await.unwrap();
    store.latest_release().await.unwrap().unwrap().id
}

/// Waits up to 30 s for the scorecards of `release` to be built (without asking for them).
async fn built_for(state: &AppState, release: i64) -> Arc<web::scorecard_cache::ScorecardCache> {
    for _ in 0..300 {
        if let Some(c) = state.built_scorecards().filter(|c| c.release == Some(release)) {
            return c;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the scorecards of release {release} were not built in 30 s");
}

/// The ICB's preterm births value in the API's scorecard.
fn api_value(body: &str) -> Option<f64> {
    let model: serde_json::Value = serde_json::from_str(body).unwrap();
    let areas = model["areas"].as_array().unwrap();
    areas
        .iter()
        .flat_map(|a| a["indicators"].as_array().unwrap())
        .find(|i| i["id"] == "preterm_births")
        .and_then(|i| i["latest"]["value"].as_f64())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_release_refresh_builds_the_scorecards_before_a_request_asks() {
    refresh_builds_the_scorecards(testing::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_release_refresh_builds_the_scorecards_on_postgresql() {
    refresh_builds_the_scorecards(testing::postgres().await).await;
}

/// The release refresh builds the scorecards of the newest release before a request asks
/// for them; a request straight after a new release gets that release's scorecards; the
/// report `fairer report` prints assembles the same from the store.
async fn refresh_builds_the_scorecards(db: TestDatabase) {
    let first = import_icb_release(&db.store, "first", 7.25).await;
    let state = AppState::new(db.store.clone());
    assert!(state.built_scorecards().is_none());
    // The home page builds the page cache; installing its release starts the scorecards' build.
    let mut client = Client::new(&state, "10.0.0.1");
    assert_eq!(client.get("/").await.status, StatusCode::OK);
    let built = built_for(&state, first).await;
    assert_eq!(built.cards.len(), 2);
    assert_eq!(built.card(ICB).unwrap().indicator("preterm_births").unwrap().latest.value, Some(7.25));
    // Served from what was built: the same cache, no second build.
    let page = client.get(&format!("/scorecards/{ICB}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(Arc::ptr_eq(&state.built_scorecards().unwrap(), &built));

    // A new release: the refresh installs it and starts its build; a request that comes at
    // once is answered with the new release's scorecards (it waits for the build in flight),
    // never with the old ones.
    let second = import_icb_release(&db.store, "second", 8.5).await;
    state.refresh_release().await.unwrap();
    let api = client.get(&format!("/api/v1/scorecards/{ICB}")).await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    assert_eq!(api_value(&api.body), Some(8.5), "{}", api.body);
    assert_eq!(built_for(&state, second).await.release, Some(second));

    // The report `fairer report` prints assembles the same scorecard from the store.
    db.store.create_place(&Actor::Cli, &place("north-ics", "ICS")).await.unwrap();
    let html = web::report::html(&db.store, "north-ics").await.unwrap();
    let row = indicator_row(&html, "preterm_births");
    assert_eq!(number_attribute(row, "num value", "data-value"), Some(8.5), "{row}");
    // Core20 10.5 ± 0.5, rest 7.5 ± 0.5: gap 3 with MOVER limits 3 ∓ √(0.5² + 0.5²).
    let half = (0.5f64 * 0.5 * 2.0).sqrt();
    let gap = number_attribute(row, "num gap", "data-value").unwrap();
    assert!((gap - 3.0).abs() < 1e-9, "{gap}");
    let lower = number_attribute(row, "num gap", "data-lower").unwrap();
    assert!((lower - (3.0 - half)).abs() < 1e-9, "{lower}");
}
