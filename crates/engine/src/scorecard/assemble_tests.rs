//! Assembly on hand rows (acceptance 1): the gap and its limits from two hand Wilson
//! intervals, the four verdicts of the narrowing test from hand series, rank ties, and
//! completeness, each worked in the comments.

use stats::distributions::normal_quantile;
use stats::proportion::{wilson_lower, wilson_upper};
use stats::ConfidenceLevel;

use super::*;
use crate::compute::catalogue::Catalogue;
use crate::scorecard::spec::tests::CATALOGUE;
use crate::scorecard::spec::Classification;

const CORE: &str = "Core20 (most deprived 20% nationally, IMD)";

fn spec() -> ScorecardSpec {
    let mut s = ScorecardSpec::from_catalogue(&Catalogue::parse(CATALOGUE, "sc.toml").unwrap()).unwrap();
    s.classifications.push(Classification {
        category_type: "Ethnic group".into(),
        categories: vec![("White".into(), true), ("Asian".into(), true), ("Not stated".into(), false)],
    });
    s
}

/// A row of indicator `ind` for `area` ("E" for England) in financial year `year`.
#[allow(clippy::too_many_arguments)]
fn row(
    ind: &str,
    area: &str,
    sex: &str,
    cat: Option<(&str, &str)>,
    year: i32,
    v: [f64; 3],
    totals: [f64; 2],
) -> ScoreRow {
    let england = area == "E";
    ScoreRow {
        indicator: ind.into(),
        indicator_name: ind.to_uppercase(),
        polarity: match ind {
            "a" => "lower is better",
            "b" => "higher is better",
            _ => "no judgement",
        }
        .into(),
        area_code: area.into(),
        area_name: format!("Area {area}"),
        area_type: if england { "England" } else { "ICB" }.into(),
        sex: sex.into(),
        age: "All ages".into(),
        category_type: cat.map(|c| c.0.to_string()),
        category: cat.map(|c| c.1.to_string()),
        period: format!("{year}/{:02}", (year + 1) % 100),
        period_year: year,
        value: Some(v[0]),
        lower_95: Some(v[1]),
        upper_95: Some(v[2]),
        count: Some(totals[0]),
        denominator: Some(totals[1]),
        note: None,
        compared_95: None,
        sii: None,
    }
}

fn whole(ind: &str, area: &str, year: i32, v: f64) -> ScoreRow {
    row(ind, area, "Persons", None, year, [v, v - 1.0, v + 1.0], [v, 100.0])
}

/// Core20 and rest rows whose gap is `d` with limits d ± z exactly: each group's half-width
/// is z/√2, so the MOVER half-width is √(2·z²/2) = z (σ = 1, as in the stats tests).
fn gap_rows(ind: &str, area: &str, year: i32, d: f64) -> Vec<ScoreRow> {
    let h = normal_quantile(0.975) / 2f64.sqrt();
    let (c, r) = (50.0 + d, 50.0);
    vec![
        row(ind, area, "Persons", Some((CORE, "Core20")), year, [c, c - h, c + h], [1.0, 2.0]),
        row(ind, area, "Persons", Some((CORE, "Rest of population")), year, [r, r - h, r + h], [1.0, 2.0]),
    ]
}

fn card<'c>(cards: &'c [Scorecard], code: &str, ind: &str) -> &'c IndicatorCard {
    let s = cards.iter().find(|c| c.icb_code == code).unwrap();
    s.indicator(ind).unwrap()
}

/// Newcombe (1998), Table II, example (a), through result rows: Core20 56/70, the rest 48/80,
/// as percentages with Wilson 95% limits; the gap 20.0 percentage points, method 10's limits
/// 5.24 to 33.39.
#[test]
fn the_gap_of_core20_and_the_rest_is_newcombes_interval() {
    let c = ConfidenceLevel::C95;
    let w = |x: f64, n: f64| [100.0 * x / n, 100.0 * wilson_lower(x, n, c), 100.0 * wilson_upper(x, n, c)];
    let rows = vec![
        whole("a", "I1", 2024, 65.0),
        whole("a", "E", 2024, 60.0),
        row("a", "I1", "Persons", Some((CORE, "Core20")), 2024, w(56.0, 70.0), [56.0, 70.0]),
        row("a", "I1", "Persons", Some((CORE, "Rest of population")), 2024, w(48.0, 80.0), [48.0, 80.0]),
    ];
    let cards = assemble(&rows, &spec()).unwrap();
    assert_eq!(cards.len(), 1);
    let a = card(&cards, "I1", "a");
    let g = a.gap.unwrap();
    assert!((g.value - 20.0).abs() < 1e-12);
    assert_eq!((g.lower * 100.0).round() / 100.0, 5.24);
    assert_eq!((g.upper * 100.0).round() / 100.0, 33.39);
    assert_eq!(a.core20.count, Some(56.0));
    assert_eq!(a.rest.denominator, Some(80.0));
    assert_eq!(a.england, Some(60.0));
    assert_eq!(a.latest.value, Some(65.0));
    assert_eq!(a.period, "2024/25");
    // One period: not enough for the narrowing test.
    assert_eq!(a.narrowing.verdict, "not enough periods");
    assert_eq!(a.narrowing.periods, 1);
    // The breakdown holds both Core20 rows.
    assert_eq!(a.breakdowns.len(), 2);
}

/// The four verdicts, each gap with σ = 1 (limits d ± 1.959964) in 2021/22 … 2023/24:
/// - I1: 10, 8, 6: β̂ = −2, SE = √(3/6) = 0.70711, interval −3.3859 to −0.6141: narrowing;
/// - I2: 6, 8, 10: β̂ = +2, interval 0.6141 to 3.3859: widening;
/// - I3: 10, 9.5, 10.2: β̂ = 0.1, interval −1.29 to 1.49: no significant change;
/// - I4: two periods (10, 6): not enough periods.
#[test]
fn the_narrowing_test_gives_its_four_verdicts() {
    let mut rows = Vec::new();
    for (code, series) in [
        ("I1", vec![10.0, 8.0, 6.0]),
        ("I2", vec![6.0, 8.0, 10.0]),
        ("I3", vec![10.0, 9.5, 10.2]),
        ("I4", vec![10.0, 6.0]),
    ] {
        let start = 2024 - series.len() as i32;
        for (k, d) in series.into_iter().enumerate() {
            let year = start + k as i32;
            rows.push(whole("a", code, year, 60.0));
            rows.extend(gap_rows("a", code, year, d));
        }
    }
    let cards = assemble(&rows, &spec()).unwrap();
    let z = normal_quantile(0.975);
    let n = card(&cards, "I1", "a");
    assert_eq!(n.narrowing.verdict, "narrowing");
    assert_eq!(n.narrowing.periods, 3);
    let s = n.narrowing.slope.unwrap();
    assert!((s.value + 2.0).abs() < 1e-9, "{s:?}");
    assert!((s.lower - (-2.0 - z * 0.5f64.sqrt())).abs() < 1e-9);
    assert!((s.upper - (-2.0 + z * 0.5f64.sqrt())).abs() < 1e-9);
    let g = n.gap.unwrap();
    assert!((g.value - 6.0).abs() < 1e-9 && (g.lower - (6.0 - z)).abs() < 1e-9 && (g.upper - (6.0 + z)).abs() < 1e-9);
    assert_eq!(card(&cards, "I2", "a").narrowing.verdict, "widening");
    let flat = card(&cards, "I3", "a");
    assert_eq!(flat.narrowing.verdict, "no significant change");
    assert!((flat.narrowing.slope.unwrap().value - 0.1).abs() < 1e-9);
    let two = card(&cards, "I4", "a");
    assert_eq!(two.narrowing.verdict, "not enough periods");
    assert_eq!(two.narrowing.slope, None);
    // Every ICB is read at the indicator's latest period (2023/24); I1's periods are listed.
    assert_eq!(cards[0].periods, ["2021/22", "2022/23", "2023/24"]);
    // Gap ranks (lower is better: the gap itself, smallest first): I1 6, I2 10, I3 10.2, I4 6:
    // I1 and I4 share 1, I2 is 3, I3 is 4.
    let pos = |c: &str| card(&cards, c, "a").gap_rank.unwrap().position;
    assert_eq!([pos("I1"), pos("I4"), pos("I2"), pos("I3")], [1, 1, 3, 4]);
}

/// Values 10, 12, 12, 15 of a "lower is better" indicator rank 1, 2, 2, 4 of 4 (ties share
/// the best position of the tie); quintiles ⌊5(p − 1)/4⌋ + 1 = 1, 2, 2, 4. Of a "higher is
/// better" one, 15 is 1, the 12s share 2, 10 is 4. "No judgement" has no rank.
#[test]
fn ranks_share_ties_and_follow_polarity() {
    let mut rows = Vec::new();
    for (code, v) in [("I1", 10.0), ("I2", 12.0), ("I3", 12.0), ("I4", 15.0)] {
        for ind in ["a", "b", "c"] {
            rows.push(whole(ind, code, 2024, v));
        }
    }
    // An ICB without a value in the latest period is not ranked, and the others are ranked
    // among four.
    let mut missing = whole("a", "I5", 2024, 0.0);
    missing.value = None;
    missing.note = Some("suppressed".into());
    rows.push(missing);
    let cards = assemble(&rows, &spec()).unwrap();
    let rank = |c: &str, i: &str| card(&cards, c, i).rank.map(|r| (r.position, r.of, r.quintile));
    assert_eq!(rank("I1", "a"), Some((1, 4, 1)));
    assert_eq!(rank("I2", "a"), Some((2, 4, 2)));
    assert_eq!(rank("I3", "a"), Some((2, 4, 2)));
    assert_eq!(rank("I4", "a"), Some((4, 4, 4)));
    assert_eq!(rank("I5", "a"), None);
    assert_eq!(rank("I4", "b"), Some((1, 4, 1)));
    assert_eq!(rank("I2", "b"), Some((2, 4, 2)));
    assert_eq!(rank("I1", "b"), Some((4, 4, 4)));
    assert_eq!(rank("I1", "c"), None);
    let i5 = cards.iter().find(|c| c.icb_code == "I5").unwrap();
    assert!(i5.notes.iter().any(|n| n.contains("a: no value in 2024/25")), "{:?}", i5.notes);
    assert_eq!(card(&cards, "I5", "a").latest.note.as_deref(), Some("suppressed"));
    // Every scorecard has every area and indicator of the spec, in order.
    let ids: Vec<Vec<&str>> =
        cards[0].areas.iter().map(|a| a.indicators.iter().map(|i| i.id.as_str()).collect()).collect();
    assert_eq!(ids, [vec!["a"], vec!["b", "c"]]);
}

/// Ethnicity: White 30 of 300, Asian 7 of 60, Not stated 3 of 40, the whole 40 of 400:
/// numerator known (30 + 7)/40 = 0.925, denominator known (300 + 60)/400 = 0.9. Sex: Male
/// 18 of 190, Female 20 of 200: (18 + 20)/40 = 0.95 and 390/400 = 0.975. Indicator b has
/// ethnic rows without a "Not stated" row: not reported. The scorecard's ethnicity
/// completeness is a's alone (b's is not reported); its sex completeness sums both:
/// (38 + 38)/(40 + 40) = 0.95.
#[test]
fn completeness_is_the_stated_share() {
    let eth = "Ethnic group";
    let v = [1.0, 0.5, 1.5];
    let mut rows = Vec::new();
    for ind in ["a", "b"] {
        rows.push(row(ind, "I1", "Persons", None, 2024, v, [40.0, 400.0]));
        rows.push(row(ind, "I1", "Male", None, 2024, v, [18.0, 190.0]));
        rows.push(row(ind, "I1", "Female", None, 2024, v, [20.0, 200.0]));
        rows.push(row(ind, "I1", "Persons", Some((eth, "White")), 2024, v, [30.0, 300.0]));
        rows.push(row(ind, "I1", "Persons", Some((eth, "Asian")), 2024, v, [7.0, 60.0]));
    }
    rows.push(row("a", "I1", "Persons", Some((eth, "Not stated")), 2024, v, [3.0, 40.0]));
    let cards = assemble(&rows, &spec()).unwrap();
    let of = |c: &[Completeness], t: &str| {
        let x = c.iter().find(|x| x.category_type == t).unwrap();
        (x.numerator_known, x.denominator_known)
    };
    let a = card(&cards, "I1", "a");
    assert_eq!(of(&a.completeness, eth), (Some(0.925), Some(0.9)));
    assert_eq!(of(&a.completeness, "Sex"), (Some(0.95), Some(0.975)));
    let b = card(&cards, "I1", "b");
    assert_eq!(of(&b.completeness, eth), (None, None));
    assert_eq!(of(&cards[0].completeness, eth), (Some(0.925), Some(0.9)));
    assert_eq!(of(&cards[0].completeness, "Sex"), (Some(0.95), Some(0.975)));
    // The breakdown: three ethnic rows and the two sexes.
    let cells: Vec<(&str, &str)> =
        a.breakdowns.iter().map(|c| (c.category_type.as_str(), c.category.as_str())).collect();
    assert_eq!(cells, [(eth, "White"), (eth, "Asian"), (eth, "Not stated"), ("Sex", "Male"), ("Sex", "Female")]);
}
