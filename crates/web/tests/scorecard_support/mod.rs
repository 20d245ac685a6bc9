//! What the scorecard tests (and the serve benchmark) share: a hand-built set of three ICB
//! scorecards in the model's shape (`engine::scorecard::model`), installed into a server's
//! state, and a browser-like client signed in by a session made in the store.

#![allow(dead_code)]

use std::time::Duration;

use engine::scorecard::model::{
    AreaCard, BreakdownCell, Completeness, CypScores, DriverScores, IndicatorCard, Limits, Measured, Narrowing, Rank,
    Scorecard, UnitScore, UnitSensitivity,
};
use sha2::{Digest, Sha256};
use web::scorecard_cache::ScorecardCache;
use web::AppState;

#[path = "../client/mod.rs"]
mod client;
#[allow(unused_imports)]
pub use client::{encode, Answer, Client};

/// A password hash for accounts that never sign in by password here.
pub const HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/// The fixture's ICBs: code and name.
pub const ICBS: [(&str, &str); 3] = [
    ("E54000008", "NHS Cheshire and Merseyside ICB (fixture)"),
    ("E54000027", "NHS North West London ICB (fixture)"),
    ("E54000050", "NHS North East and North Cumbria ICB (fixture)"),
];

/// The fixture's indicators: id, name, clinical area id, area name.
pub const INDICATORS: [(&str, &str, &str, &str); 3] = [
    ("preterm_births", "Preterm births", "maternity", "Maternity"),
    (
        "cyp_asthma_admissions",
        "Emergency admissions for asthma, 0-19",
        "cyp_asthma",
        "Children and young people: asthma",
    ),
    ("waiting_18_weeks", "Waiting 18 weeks or more", "system", "System"),
];

impl Client {
    /// A client signed in as `account` (a session made in the store; its CSRF token is
    /// `csrf-ACCOUNT`).
    pub async fn signed_in(state: &AppState, ip: &str, account: i64) -> Client {
        let token = format!("session-token-of-{account}");
        let hash: String = Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
        state
            .store
            .create_session(account, &hash, &format!("csrf-{account}"), Duration::from_secs(3600))
            .await
            .unwrap();
        let mut client = Client::new(state, ip);
        client.cookies.insert("fairer_session".into(), token);
        client
    }
}

fn m(value: f64, half: f64, count: f64, denominator: f64) -> Measured {
    Measured {
        value: Some(value),
        lower: Some(value - half),
        upper: Some(value + half),
        count: Some(count),
        denominator: Some(denominator),
        note: None,
    }
}

fn cell(category_type: &str, category: &str, sex: &str, value: Measured, compared: &str) -> BreakdownCell {
    BreakdownCell {
        category_type: category_type.into(),
        category: category.into(),
        sex: sex.into(),
        value,
        compared_95: Some(compared.into()),
    }
}

/// The card of indicator `k` (0–2) for ICB `i` (0–2): the ICB's value is 10 + 2i + k, Core20
/// 12 + 2i + k ± 1, the rest 9 + 2i + k ± 0.5, so the gap is 3 (MOVER: 3 − √(1² + 0.5²) =
/// 1.882 to 4.118); ICB i ranks i + 1 of 3 (quintile 1, 3, 5 by position).
pub fn indicator(i: usize, k: usize) -> IndicatorCard {
    let (id, name, _, _) = INDICATORS[k];
    indicator_of(i, k, id, name, 3)
}

/// The card of indicator `id` (the `k`th) for ICB `i` of `of` ICBs, as [`indicator`] builds it.
pub fn indicator_of(i: usize, k: usize, id: &str, name: &str, of: usize) -> IndicatorCard {
    let base = (2 * i + k) as f64;
    let quintile_of = |position: usize| (1 + (position - 1) * 5 / of.max(1)).min(5) as u8;
    let verdicts = ["narrowing", "widening", "no significant change"];
    let d = (0.5f64 * 0.5 + 1.0).sqrt();
    let q = |n: u8, v: f64| {
        cell("LSOA deprivation quintiles (national)", &quintile(n), "Persons", m(v, 0.8, 40.0 + v, 400.0), "Similar")
    };
    IndicatorCard {
        id: id.into(),
        name: name.into(),
        polarity: "lower is better".into(),
        period: "2024/25".into(),
        latest: m(10.0 + base, 0.4, 100.0 + base, 1000.0),
        england: Some(10.5),
        rank: Some(Rank {
            position: i as u32 + 1,
            of: of as u32,
            quintile: if of == 3 { [1, 3, 5][i] } else { quintile_of(i + 1) },
        }),
        core20: m(12.0 + base, 1.0, 30.0, 250.0),
        rest: m(9.0 + base, 0.5, 70.0, 750.0),
        gap: Some(Limits { value: 3.0, lower: 3.0 - d, upper: 3.0 + d }),
        gap_rank: Some(Rank {
            position: i as u32 + 1,
            of: of as u32,
            quintile: if of == 3 { [1, 3, 5][i] } else { quintile_of(i + 1) },
        }),
        narrowing: Narrowing {
            verdict: verdicts[(i + k) % 3].into(),
            slope: Some(Limits { value: -0.5, lower: -0.9, upper: -0.1 }),
            periods: 5,
        },
        sii: Some(Limits { value: -4.0, lower: -6.0, upper: -2.0 }),
        breakdowns: vec![
            q(1, 13.0 + base),
            q(2, 12.0 + base),
            q(3, 10.0 + base),
            q(4, 9.0 + base),
            q(5, 8.0 + base),
            cell(
                "Core20 (most deprived 20% nationally, IMD)",
                "Core20",
                "Persons",
                m(12.0 + base, 1.0, 30.0, 250.0),
                "Worse",
            ),
            cell(
                "Core20 (most deprived 20% nationally, IMD)",
                "Rest of population",
                "Persons",
                m(9.0 + base, 0.5, 70.0, 750.0),
                "Better",
            ),
            cell(
                "Ethnic group (Census 2021 high-level)",
                "White",
                "Persons",
                m(9.5 + base, 0.5, 80.0, 800.0),
                "Similar",
            ),
            cell(
                "Ethnic group (Census 2021 high-level)",
                "Asian, Asian British or Asian Welsh",
                "Persons",
                m(13.0 + base, 2.0, 13.0, 100.0),
                "Worse",
            ),
            BreakdownCell {
                category_type: "Ethnic group (Census 2021 high-level)".into(),
                category: "Not stated".into(),
                sex: "Persons".into(),
                value: Measured {
                    value: None,
                    lower: None,
                    upper: None,
                    count: Some(7.0),
                    denominator: Some(100.0),
                    note: Some("an unknown category: counts only".into()),
                },
                compared_95: None,
            },
            cell("Age band", "0-19", "Persons", m(8.0 + base, 1.0, 20.0, 250.0), "Better"),
            cell("Age band", "20-39", "Persons", m(11.0 + base, 1.0, 80.0, 750.0), "Similar"),
            cell("Sex", "Male", "Male", m(10.5 + base, 0.6, 52.0, 500.0), "Similar"),
            cell("Sex", "Female", "Female", m(9.5 + base, 0.6, 48.0, 500.0), "Similar"),
        ],
        completeness: vec![
            Completeness {
                category_type: "Ethnic group (Census 2021 high-level)".into(),
                numerator_known: Some(0.93),
                denominator_known: Some(0.9),
            },
            Completeness { category_type: "Sex".into(), numerator_known: Some(1.0), denominator_known: Some(1.0) },
        ],
    }
}

/// The label of IMD quintile `n` (1 = most deprived), as the engine writes it.
fn quintile(n: u8) -> String {
    match n {
        1 => "Most deprived quintile (IMD)".into(),
        2 => "Second most deprived quintile (IMD)".into(),
        3 => "Middle quintile (IMD)".into(),
        4 => "Second least deprived quintile (IMD)".into(),
        _ => "Least deprived quintile (IMD)".into(),
    }
}

/// The scorecard of ICB `i` (0–2).
pub fn scorecard(i: usize) -> Scorecard {
    let (code, name) = ICBS[i];
    Scorecard {
        icb_code: code.into(),
        icb_name: name.into(),
        release: String::new(),
        periods: vec!["2020/21".into(), "2021/22".into(), "2022/23".into(), "2023/24".into(), "2024/25".into()],
        areas: INDICATORS
            .iter()
            .enumerate()
            .map(|(k, (_, _, area, area_name))| AreaCard {
                id: (*area).into(),
                name: (*area_name).into(),
                indicators: vec![indicator(i, k)],
            })
            .collect(),
        completeness: vec![Completeness {
            category_type: "Ethnic group (Census 2021 high-level)".into(),
            numerator_known: Some(0.925),
            denominator_known: Some(0.9),
        }],
        cyp: None,
        funding: vec![],
        commitments: vec![],
        readiness: None,
        notes: vec![],
    }
}

/// The CYP scores of the three ICBs: one measured driver, one not.
pub fn cyp() -> CypScores {
    let unit = |i: usize, score: f64| UnitScore {
        icb_code: ICBS[i].0.into(),
        score: Some(Limits { value: score, lower: score - 0.3, upper: score + 0.3 }),
        rank: Some(Limits { value: i as f64 + 1.0, lower: 1.0, upper: 3.0 }),
        note: None,
    };
    CypScores {
        framework: "cyp_equity".into(),
        method: "z = direction × (x − England at base) ÷ sd of the ICBs at base; driver = Σ w z".into(),
        base_year: 2020,
        draws: 1000,
        drivers: vec![
            DriverScores {
                id: "health_and_care".into(),
                name: "Health and care".into(),
                weight: 1.0,
                indicators: vec![("cyp_asthma_admissions".into(), 1.0)],
                measured: true,
                scores: (0..3).map(|i| unit(i, 0.5 - i as f64 * 0.5)).collect(),
            },
            DriverScores {
                id: "housing".into(),
                name: "Housing, environment, relationships and safety".into(),
                weight: 0.0,
                indicators: vec![],
                measured: false,
                scores: vec![],
            },
        ],
        overall: (0..3).map(|i| unit(i, 0.5 - i as f64 * 0.5)).collect(),
        sensitivity: (0..3)
            .map(|i| UnitSensitivity {
                icb_code: ICBS[i].0.into(),
                rank: i as f64 + 1.0,
                alternative_ranks: vec![("equal".into(), i as f64 + 1.0)],
                largest_move: 0.0,
            })
            .collect(),
    }
}

/// The fixture's scorecards (CYP scores on each ICB's card and for all).
pub fn cache() -> ScorecardCache {
    let cyp = cyp();
    let cards = (0..3)
        .map(|i| {
            let mut c = scorecard(i);
            c.cyp = Some(cyp.clone());
            c
        })
        .collect();
    ScorecardCache::new(Some((1, "fixture-release".into())), cards, Some(cyp))
}

/// Installs the fixture's scorecards into `state`.
pub fn install(state: &AppState) {
    state.install_scorecards(cache());
}

/// One funding line of the first ICB (2023/24, Core20PLUS5 clinical: £1,150,000 of
/// £4,200,000, targeting preterm births), imported from `funding.csv`.
pub fn funding_line() -> store::scorecard::FundingRow {
    store::scorecard::FundingRow {
        icb_code: ICBS[0].0.into(),
        financial_year: "2023/24".into(),
        category: "core20plus5_clinical".into(),
        allocation_gbp: Some(4_200_000.0),
        spent_gbp: 1_150_000.0,
        targets: vec!["preterm_births".into()],
        note: Some("Continuity of carer".into()),
        source_row: 1,
    }
}

/// [`install`], and the first ICB's funding line in the store.
pub async fn install_with_funding(state: &AppState) {
    install(state);
    state.store.import_funding(&store::Actor::Cli, "funding.csv", &[funding_line()]).await.unwrap();
}

/// `icbs` scorecards (codes E54900000 …) of `areas` clinical areas with two indicators each,
/// built as [`indicator_of`] builds them: England's scale for the benchmark (42 ICBs, 9 areas).
pub fn large(icbs: usize, areas: usize) -> ScorecardCache {
    let cards = (0..icbs)
        .map(|i| {
            let mut card = scorecard(0);
            card.icb_code = format!("E54{:06}", 900_000 + i);
            card.icb_name = format!("Synthetic ICB {i}");
            card.areas = (0..areas)
                .map(|a| AreaCard {
                    id: if a % 3 == 1 { format!("cyp_area_{a}") } else { format!("area_{a}") },
                    name: format!("Clinical area {a}"),
                    indicators: (0..2)
                        .map(|j| {
                            let k = 2 * a + j;
                            indicator_of(i, k, &format!("ind_{k:02}"), &format!("Indicator {k}"), icbs)
                        })
                        .collect(),
                })
                .collect();
            card
        })
        .collect();
    ScorecardCache::new(Some((1, "bench".into())), cards, None)
}

/// The slug of the fixture's ICS place (the first ICB's area), made by [`create_ics_place`].
pub const ICS_PLACE: &str = "cheshire-merseyside-ics";

/// Creates the place of kind ICS whose area is the first ICB (its report carries that ICB's
/// scorecard), with one recommendation.
pub async fn create_ics_place(store: &store::Store) {
    let fields = store::PlaceFields {
        slug: ICS_PLACE.into(),
        name: "Cheshire and Merseyside ICS (fixture)".into(),
        kind: "ICS".into(),
        area_code: ICBS[0].0.into(),
        covers: vec![],
        benchmark_code: "E92000001".into(),
        stage: "implementing".into(),
        commissioned_on: None,
        report_published_on: None,
        implementing_from: None,
        evaluated_on: None,
        synthetic: true,
        description: Some("An integrated care system, for the scorecard in its report.".into()),
    };
    store.create_place(&store::Actor::Cli, &fields).await.unwrap();
}
