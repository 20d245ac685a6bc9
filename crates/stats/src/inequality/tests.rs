//! Shared fixtures, HEAT's reference numbers and the tests of the availability rules, the
//! input errors and the no-panic property.
//!
//! The reference numbers come from running HEAT-Measures' own R code (the `calc-*.R`,
//! `utils.R` and `validation-tests.R` files of WHOequity/HEAT-Measures, sourced unchanged
//! except for the `heatmeasures::` prefix) in R 4.2.2 with dplyr 1.0.10: each case was built as
//! a one-stratum data frame in HEAT Plus's template columns, passed through
//! `HEAT_create_input_list(..., force_simulations = TRUE)` (HEAT's preparation and its
//! `set.seed(123456)` simulation) and then through each `calc_*` function; the printed values
//! (17 significant digits) are typed in below. SII and RII were computed with HEAT's model
//! (`glm(cbind(est, cest) ~ rank, weights = pop, family = binomial("logit"))` after HEAT's
//! rounding) and `sandwich::vcovHC(type = "HC1")` with the delta method written out, because
//! `marginaleffects` (which HEAT calls for that step) was not installed.
//!
//! The availability rules are the `test_*` functions of `validation-tests.R` as mapped to
//! measures by `HEAT_summary_measures_types`; each rule has a test below.

use super::*;

/// Asserts `got` is `Some` and within `tol` (relative, absolute near zero) of `expected`.
pub(crate) fn close(got: Option<f64>, expected: f64, tol: f64) {
    let g = got.unwrap_or_else(|| panic!("expected {expected}, got None"));
    let scale = expected.abs().max(1.0);
    assert!((g - expected).abs() <= tol * scale, "got {g}, expected {expected}");
}

/// Five quintiles (coverage, %), given out of order: order 3, 1, 5, 2, 4.
/// Sorted: estimates 50, 60, 65, 72, 80; SEs 3, 2.5, 2, 2.2, 2; populations 1000, 1200, 900,
/// 1100, 800.
pub(crate) fn quintiles(favourable: bool) -> DimensionInput {
    let g = |name: &str, est: f64, se: f64, pop: f64, order: f64| {
        Subgroup::new(name, est).with_se(se).with_population(pop).with_order(order)
    };
    DimensionInput::new(
        vec![
            g("Q3", 65.0, 2.0, 900.0, 3.0),
            g("Q1", 50.0, 3.0, 1000.0, 1.0),
            g("Q5", 80.0, 2.0, 800.0, 5.0),
            g("Q2", 60.0, 2.5, 1200.0, 2.0),
            g("Q4", 72.0, 2.2, 1100.0, 4.0),
        ],
        DimensionKind::Ordered,
        favourable,
        100.0,
    )
}

/// Four regions (coverage, %, favourable): A 30 (SE 2, pop 100), B 45 (3, 300), C 25 (2.5,
/// 200), D 50 (4, 400).
pub(crate) fn regions() -> DimensionInput {
    let g = |name: &str, est: f64, se: f64, pop: f64| Subgroup::new(name, est).with_se(se).with_population(pop);
    DimensionInput::new(
        vec![g("A", 30.0, 2.0, 100.0), g("B", 45.0, 3.0, 300.0), g("C", 25.0, 2.5, 200.0), g("D", 50.0, 4.0, 400.0)],
        DimensionKind::NonOrdered,
        true,
        100.0,
    )
}

// HEAT calc_par / calc_paf on quintiles(true).
pub(crate) const HEAT_PAR_UPPER: f64 = 17.966087569591924;
pub(crate) const HEAT_PAF_LOWER: f64 = 23.529408594847215;
// (value, lower, upper) from HEAT calc_aci / calc_rci on quintiles(true).
pub(crate) const HEAT_ACI: (f64, f64, f64) = (5.5563999999999982, 4.9200732901832831, 6.1927267098167134);
pub(crate) const HEAT_RCI: (f64, f64, f64) = (0.085826382452888497, 0.075997424933322344, 0.09565533997245465);
// With Q3's order set to 2 (tied with Q2).
pub(crate) const HEAT_ACI_TIES: (f64, f64, f64) = (5.340400000000006, 4.2686550046556633, 6.4121449953443488);
// HEAT's SII / RII model on quintiles(true) (glm + HC1 + delta method in R).
pub(crate) const HEAT_SII: (f64, f64, f64) = (33.851177258893919, 29.924104997213817, 37.778249520574022);
pub(crate) const HEAT_RII: (f64, f64, f64) = (1.7273761684657261, 1.614881656202815, 1.8477071777503613);

/// HEAT's (value, lower, upper) for `regions()` with B as reference subgroup.
pub(crate) fn heat_regions_expected() -> Vec<(MeasureCode, f64, f64, f64)> {
    use MeasureCode::*;
    vec![
        (D, 20.0, 12.346095962478666, 27.653904037521336),
        (R, 1.8, 1.4222331968452411, 2.2781074209116197),
        (Par, 3.5, -1.1945323925677709, 8.1945323925677709),
        (Paf, 8.4337349397590362, 8.3206136772875237, 8.5468562022305488),
        (Bgv, 100.25, 34.537747591944665, 165.96225240805535),
        (Bgsd, 10.012492197250394, 8.1041305369779302, 13.788214896544218),
        (Cov, 24.126487222290105, 19.528025390308265, 33.224614208540281),
        (Mld, 34.990574994442525, 34.969791338161706, 35.011358650723345),
        (Ti, 31.616813481171722, 31.599091966101486, 31.634534996241957),
        (Idisu, 24.096385542168676, 19.591302484424176, 31.729416681013006),
        (Idisw, 21.445783132530121, 17.433645976056383, 27.391109653449199),
        (Mdbu, 12.5, 8.4491042571370336, 17.838576128413976),
        (Mdbw, 8.5, 5.4934503478545471, 13.001600402504586),
        (Mdmu, 10.0, 7.6357523613298763, 13.167707922620398),
        (Mdmw, 8.9000000000000004, 6.867672037565594, 11.815318456365228),
        (Mdru, 10.0, 8.4491042571370336, 17.838576128413976),
        (Mdrw, 7.5000000000000009, 5.4934503478545471, 13.001600402504586),
    ]
}

fn get(all: &[SummaryMeasure], m: MeasureCode) -> SummaryMeasure {
    all.iter().find(|x| x.measure == m).cloned().unwrap()
}

fn reason(all: &[SummaryMeasure], m: MeasureCode) -> String {
    get(all, m).unavailable.unwrap_or_default()
}

fn opts() -> SummaryOptions {
    SummaryOptions::default()
}

#[test]
fn quintiles_all_measures_match_heat() {
    // HEAT calc_d, calc_r, calc_par, calc_paf on quintiles(true) and quintiles(false).
    let all = summary_measures(&quintiles(true), &opts()).unwrap();
    use MeasureCode::*;
    let expected = [
        (D, 30.0, 22.933249355678129, 37.066750644321871),
        (R, 1.6000000000000001, 1.4086136168913841, 1.8173897861711485),
        (Par, 15.260000000000005, 12.553912430408086, 17.966087569591924),
        (Paf, 23.571207908557316, 23.529408594847215, 23.613007222267417),
        (Aci, HEAT_ACI.0, HEAT_ACI.1, HEAT_ACI.2),
        (Rci, HEAT_RCI.0, HEAT_RCI.1, HEAT_RCI.2),
    ];
    for (m, v, l, u) in expected {
        let got = get(&all, m);
        close(got.value(), v, 1e-9);
        close(got.lower(), l, 1e-9);
        close(got.upper(), u, 1e-9);
    }
    // Non-ordered measures do not apply to an ordered dimension.
    assert_eq!(reason(&all, Bgv), "applies only to non-ordered dimensions");
    let adverse = summary_measures(&quintiles(false), &opts()).unwrap();
    let expected = [
        (D, -30.0, -37.066750644321871, -22.933249355678129),
        (R, 0.625, 0.55023969409819684, 0.70991788522310473),
        (Par, 0.0, -2.7060875695919195, 2.7060875695919195),
        (Paf, 0.0, -0.041799313710099997, 0.041799313710099997),
    ];
    for (m, v, l, u) in expected {
        let got = get(&adverse, m);
        close(got.value(), v, 1e-9);
        close(got.lower(), l, 1e-9);
        close(got.upper(), u, 1e-9);
    }
}

#[test]
fn five_regions_adverse_per_1000_match_heat() {
    // HEAT on five regions, adverse, scale 1000 (simulation truncated at 0 only).
    let g = |name: &str, est: f64, se: f64, pop: f64| Subgroup::new(name, est).with_se(se).with_population(pop);
    let input = DimensionInput::new(
        vec![
            g("A", 30.0, 2.0, 100.0),
            g("B", 45.0, 3.0, 300.0),
            g("C", 25.0, 2.5, 200.0),
            g("D", 50.0, 4.0, 400.0),
            g("E", 12.0, 1.5, 50.0),
        ],
        DimensionKind::NonOrdered,
        false,
        1000.0,
    );
    let all = summary_measures(&input, &opts()).unwrap();
    use MeasureCode::*;
    let expected = [
        (D, 38.0, 29.627030187701155, 46.372969812298848),
        (R, 4.166666666666667, 3.1150387372277089, 5.5733210966621822),
        (Par, -28.095238095238095, -58.054139972431578, 1.8636637819553883),
        (Paf, -70.071258907363415, -70.818452422115271, -69.324065392611558),
        (Bgv, 134.94331065759638, 65.179954629004555, 204.70666668618821),
        (Bgsd, 11.616510261588735, 9.748899110040524, 14.951748315247645),
        (Cov, 28.972294001587105, 24.314356450219833, 37.290583684109329),
        (Mld, 57.973591060227491, 57.950946428831443, 57.996235691623539),
        (Ti, 47.918646275930193, 47.899950636647652, 47.937341915212734),
        (Idisu, 33.966745843230406, 29.187305327892751, 40.326822847210224),
        (Idisw, 25.811559778305625, 21.481500500936303, 31.401045922073664),
        (Mdbu, 20.400000000000002, 17.741874733596276, 23.917014941752875),
        (Mdbw, 28.095238095238098, 24.013812915615553, 32.948830796674002),
        (Mdmu, 13.619047619047619, 10.871601256025285, 16.570363215348632),
        (Mdmw, 10.34920634920635, 8.0977135700075422, 13.191042125678811),
    ];
    for (m, v, l, u) in expected {
        let got = get(&all, m);
        close(got.value(), v, 1e-9);
        close(got.lower(), l, 1e-9);
        close(got.upper(), u, 1e-9);
    }
}

#[test]
fn returns_every_measure_once_with_codes_and_names() {
    let all = summary_measures(&regions(), &opts()).unwrap();
    assert_eq!(all.len(), 25);
    for (m, got) in MeasureCode::ALL.iter().zip(&all) {
        assert_eq!(got.measure, *m);
        assert_eq!(got.code, m.code());
        assert_eq!(MeasureCode::from_code(&got.code.to_uppercase()), Some(*m));
        assert!(got.value().is_some() != got.unavailable.is_some());
    }
}

// ---- availability rules (validation-tests.R) ----

#[test]
fn rule_fewer_than_two_subgroups() {
    let mut input = regions();
    input.subgroups.truncate(1);
    let all = summary_measures(&input, &opts()).unwrap();
    assert!(all.iter().all(|m| m.unavailable.as_deref() == Some("fewer than two subgroups")));
    input.subgroups.clear();
    let all = summary_measures(&input, &opts()).unwrap();
    assert!(all.iter().all(|m| m.value().is_none()));
}

#[test]
fn rule_all_estimates_zero() {
    let mut input = regions();
    for g in &mut input.subgroups {
        g.estimate = Some(0.0);
    }
    let all = summary_measures(&input, &opts()).unwrap();
    assert!(all.iter().all(|m| m.unavailable.as_deref() == Some("all subgroup estimates are zero or missing")));
}

#[test]
fn rule_two_subgroups_only_simple_measures() {
    let input = DimensionInput::new(
        vec![
            Subgroup::new("Female", 80.0).with_se(1.0).with_population(500.0),
            Subgroup::new("Male", 70.0).with_se(1.5).with_population(400.0),
        ],
        DimensionKind::Binary,
        true,
        100.0,
    );
    let all = summary_measures(&input, &opts()).unwrap();
    for m in MeasureCode::ALL {
        let got = get(&all, m);
        match m {
            MeasureCode::D | MeasureCode::R | MeasureCode::Par | MeasureCode::Paf => {
                assert!(got.value().is_some(), "{m:?}")
            }
            MeasureCode::D8020 | MeasureCode::R8020 | MeasureCode::D9010 | MeasureCode::R9010 => {
                assert_eq!(
                    got.unavailable.as_deref(),
                    Some("needs at least 5 subgroups with an estimate, has 2"),
                    "{m:?}"
                )
            }
            _ => assert_eq!(got.unavailable.as_deref(), Some("needs more than two subgroups"), "{m:?}"),
        }
    }
    // D = 80 − 70; PAR = 80 − μ with μ = (80·500 + 70·400)/900.
    close(get(&all, MeasureCode::D).value(), 10.0, 1e-12);
    close(get(&all, MeasureCode::Par).value(), 80.0 - 68000.0 / 900.0, 1e-12);
}

#[test]
fn rule_missing_estimate_two_subgroups_fails_d_r() {
    let mut input = DimensionInput::new(
        vec![Subgroup::new("Female", 80.0).with_se(1.0), Subgroup::new("Male", 70.0).with_se(1.5)],
        DimensionKind::Binary,
        true,
        100.0,
    );
    input.subgroups[1].estimate = None;
    let all = summary_measures(&input, &opts()).unwrap();
    assert_eq!(reason(&all, MeasureCode::D), "a subgroup estimate is missing");
    assert_eq!(reason(&all, MeasureCode::R), "a subgroup estimate is missing");
    // Under 85% of estimates: PAR unavailable too.
    assert!(reason(&all, MeasureCode::Par).contains("85%"));
}

#[test]
fn rule_ordered_end_subgroup_missing_fails_d_r_and_missing_estimate_fails_aci() {
    let mut input = quintiles(true);
    input.subgroups[2].estimate = None; // Q5, the last in order
    let all = summary_measures(&input, &opts()).unwrap();
    assert!(reason(&all, MeasureCode::D).contains("first or last"));
    assert_eq!(reason(&all, MeasureCode::Aci), "a subgroup estimate is missing");
    assert_eq!(reason(&all, MeasureCode::Sii), "a subgroup estimate is missing");
    // A middle subgroup missing: D is computed on the ends.
    let mut input = quintiles(true);
    input.subgroups[0].estimate = None; // Q3
    let all = summary_measures(&input, &opts()).unwrap();
    close(get(&all, MeasureCode::D).value(), 30.0, 1e-12);
    // 4 of 5 = 80% < 85%: PAR unavailable.
    assert!(reason(&all, MeasureCode::Par).contains("85%"));
}

#[test]
fn rule_under_85_percent_and_missing_population() {
    // Ten regions with one missing estimate: 90% ≥ 85%, measures computed on nine.
    let mut subgroups: Vec<Subgroup> = (0..10)
        .map(|i| {
            Subgroup::new(format!("R{i}"), 20.0 + 3.0 * f64::from(i))
                .with_se(2.0)
                .with_population(100.0 + 10.0 * f64::from(i))
        })
        .collect();
    subgroups[4].estimate = None;
    let input = DimensionInput::new(subgroups.clone(), DimensionKind::NonOrdered, true, 100.0);
    let all = summary_measures(&input, &opts()).unwrap();
    assert!(get(&all, MeasureCode::Bgv).value().is_some());
    // MDBU on the nine: best = 47, mean |47 − y| over the nine estimates.
    let ys: Vec<f64> = (0..10).filter(|&i| i != 4).map(|i| 20.0 + 3.0 * f64::from(i)).collect();
    let mdbu = ys.iter().map(|y| 47.0 - y).sum::<f64>() / 9.0;
    close(get(&all, MeasureCode::Mdbu).value(), mdbu, 1e-12);
    // HEAT's weighted mean over all subgroups is NA with a missing estimate: PAR unavailable.
    assert!(reason(&all, MeasureCode::Par).contains("setting average"));
    // Two missing: 80% < 85%.
    subgroups[5].estimate = None;
    let input = DimensionInput::new(subgroups.clone(), DimensionKind::NonOrdered, true, 100.0);
    let all = summary_measures(&input, &opts()).unwrap();
    assert_eq!(reason(&all, MeasureCode::Bgv), "fewer than 85% of subgroups have an estimate");
    // A missing population among the estimates.
    subgroups[5].estimate = Some(1.0);
    subgroups[6].population = None;
    let input = DimensionInput::new(subgroups, DimensionKind::NonOrdered, true, 100.0);
    let all = summary_measures(&input, &opts()).unwrap();
    assert_eq!(reason(&all, MeasureCode::Ti), "a subgroup with an estimate has no population");
    assert!(get(&all, MeasureCode::Mdbu).value().is_some());
}

#[test]
fn rule_missing_population_fails_ordered_measures() {
    let mut input = quintiles(true);
    input.subgroups[3].population = None;
    let all = summary_measures(&input, &opts()).unwrap();
    for m in [MeasureCode::Aci, MeasureCode::Rci, MeasureCode::Sii, MeasureCode::Rii] {
        assert_eq!(reason(&all, m), "a subgroup population is missing or populations sum to zero");
    }
    let mut input = quintiles(true);
    for g in &mut input.subgroups {
        g.population = Some(0.0);
    }
    let all = summary_measures(&input, &opts()).unwrap();
    assert!(reason(&all, MeasureCode::Aci).contains("sum to zero"));
}

#[test]
fn rule_zero_setting_average() {
    // All populations zero except subgroups with estimate 0: weighted mean 0, average 0.
    let mut input = regions();
    input.subgroups[0].estimate = Some(0.0);
    for (i, g) in input.subgroups.iter_mut().enumerate() {
        g.population = Some(if i == 0 { 100.0 } else { 0.0 });
    }
    input.setting_average = Some(0.0);
    let all = summary_measures(&input, &opts()).unwrap();
    for m in [MeasureCode::Cov, MeasureCode::Mld, MeasureCode::Idisu, MeasureCode::Idisw, MeasureCode::Paf] {
        assert_eq!(reason(&all, m), "the setting average is zero or missing", "{m:?}");
    }
    // MDBU has no such rule.
    assert!(get(&all, MeasureCode::Mdbu).value().is_some());
}

#[test]
fn rule_reference_subgroup_needed_for_mdr() {
    let all = summary_measures(&regions(), &opts()).unwrap();
    assert_eq!(reason(&all, MeasureCode::Mdrw), "needs exactly one reference subgroup with an estimate");
    // Seven subgroups, the reference's estimate missing (6 of 7 = 86% ≥ 85%).
    let mut input = regions();
    for (i, e) in [35.0, 40.0, 28.0].into_iter().enumerate() {
        input.subgroups.push(Subgroup::new(format!("X{i}"), e).with_se(1.0).with_population(100.0));
    }
    input.subgroups[1].reference = true;
    input.subgroups[1].estimate = None;
    let all = summary_measures(&input, &opts()).unwrap();
    assert_eq!(reason(&all, MeasureCode::Mdru), "needs exactly one reference subgroup with an estimate");
    assert_eq!(reason(&all, MeasureCode::Mdrw), "needs exactly one reference subgroup with an estimate");
    // PAR and PAF: HEAT's test_par_paf_fail (the missing estimate also makes HEAT's weighted
    // mean NA, which is checked first).
    assert!(get(&all, MeasureCode::Par).value().is_none());
    // With populations missing and a setting average, the reference rule itself shows.
    for g in &mut input.subgroups {
        g.population = None;
    }
    input.setting_average = Some(40.0);
    let all = summary_measures(&input, &opts()).unwrap();
    assert_eq!(reason(&all, MeasureCode::Par), "the reference subgroup's estimate is missing");
}

#[test]
fn rule_wrong_dimension_kind() {
    let all = summary_measures(&regions(), &opts()).unwrap();
    for m in [MeasureCode::Aci, MeasureCode::Rci, MeasureCode::Sii, MeasureCode::Rii] {
        assert_eq!(reason(&all, m), "applies only to ordered dimensions");
    }
}

#[test]
fn se_from_95_percent_limits() {
    // SE = (upper − lower)/(2·1.959963984540054): limits 46 ± 1.96·2 give SE ≈ 2.
    let mut input = regions();
    for g in &mut input.subgroups {
        let (e, s) = (g.estimate.unwrap(), g.se.unwrap());
        let z = ConfidenceLevel::C95.z();
        g.se = None;
        g.lower_95 = Some(e - z * s);
        g.upper_95 = Some(e + z * s);
    }
    let all = summary_measures(&input, &opts()).unwrap();
    let bgv = get(&all, MeasureCode::Bgv);
    close(bgv.se, 33.527275463419336, 1e-9);
}

#[test]
fn other_confidence_level_widens_interval() {
    let o = SummaryOptions { confidence: ConfidenceLevel::C998, ..SummaryOptions::default() };
    let d = difference(&quintiles(true), &o).unwrap();
    let z = ConfidenceLevel::C998.z();
    close(d.lower(), 30.0 - z * 13f64.sqrt(), 1e-12);
}

// ---- input errors ----

#[test]
fn errors_for_wrong_input() {
    let base = regions();
    let cases: Vec<(DimensionInput, &str)> = vec![
        (
            {
                let mut i = base.clone();
                i.subgroups[0].se = Some(-1.0);
                i
            },
            "standard error must be greater than or equal to zero",
        ),
        (
            {
                let mut i = base.clone();
                i.subgroups[1].estimate = Some(f64::NAN);
                i
            },
            "estimate must be a finite number",
        ),
        (
            {
                let mut i = base.clone();
                i.subgroups[2].population = Some(-5.0);
                i
            },
            "population must be greater",
        ),
        (
            {
                let mut i = base.clone();
                i.scale = 0.0;
                i
            },
            "indicator scale",
        ),
        (
            {
                let mut i = base.clone();
                i.setting_average = Some(f64::INFINITY);
                i
            },
            "setting average",
        ),
        (
            {
                let mut i = base.clone();
                i.subgroups[0].reference = true;
                i.subgroups[1].reference = true;
                i
            },
            "only one subgroup",
        ),
        (
            {
                let mut i = base.clone();
                i.kind = DimensionKind::Binary;
                i
            },
            "binary dimension has two subgroups",
        ),
        (
            {
                let mut i = base.clone();
                i.kind = DimensionKind::Ordered;
                i
            },
            "needs the subgroup order",
        ),
        (
            {
                let mut i = base.clone();
                i.subgroups[0].order = Some(1.0);
                i
            },
            "some subgroups but not",
        ),
        (
            {
                let mut i = base.clone();
                i.subgroups[0].se = None;
                i.subgroups[0].lower_95 = Some(5.0);
                i.subgroups[0].upper_95 = Some(1.0);
                i
            },
            "above the upper",
        ),
        (
            {
                let mut i = base.clone();
                i.population_unit = PopulationUnit::Share;
                i
            },
            "shares must sum to one",
        ),
    ];
    for (input, expected) in cases {
        let err = summary_measures(&input, &opts()).unwrap_err().to_string();
        assert!(err.contains(expected), "{err} should contain {expected}");
    }
    // Error messages name the subgroup.
    let mut i = base;
    i.subgroups[0].se = Some(-1.0);
    assert!(summary_measures(&i, &opts()).unwrap_err().to_string().contains("subgroup 'A'"));
}

#[test]
fn shares_summing_to_one_are_accepted() {
    let mut input = regions();
    input.population_unit = PopulationUnit::Share;
    for g in &mut input.subgroups {
        g.population = g.population.map(|p| p / 1000.0);
    }
    let all = summary_measures(&input, &opts()).unwrap();
    close(get(&all, MeasureCode::Bgv).value(), 100.25, 1e-12);
    // PAR needs counts for its interval.
    let par = get(&all, MeasureCode::Par);
    assert!(par.value().is_some() && par.lower().is_none());
}

mod no_panic {
    use super::super::*;
    use proptest::prelude::*;

    fn any_f64() -> impl Strategy<Value = f64> {
        prop_oneof![
            -1e3..1e3f64,
            0.0..200.0f64,
            Just(0.0),
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(-1.0),
            Just(1e300),
        ]
    }

    fn subgroup() -> impl Strategy<Value = Subgroup> {
        (
            proptest::option::of(any_f64()),
            proptest::option::of(any_f64()),
            proptest::option::of(any_f64()),
            proptest::option::of(0.0..10.0f64),
            any::<bool>(),
            (proptest::option::of(any_f64()), proptest::option::of(any_f64())),
        )
            .prop_map(|(estimate, se, population, order, reference, (lower_95, upper_95))| Subgroup {
                name: "g".into(),
                estimate,
                se,
                lower_95,
                upper_95,
                population,
                order: order.map(f64::floor),
                reference,
            })
    }

    fn sane_subgroup() -> impl Strategy<Value = Subgroup> {
        (
            0.0..100.0f64,
            0.0..10.0f64,
            0.0..5000.0f64,
            1..6u8,
            proptest::bool::weighted(0.1),
            proptest::bool::weighted(0.1),
        )
            .prop_map(|(e, se, pop, order, reference, missing)| Subgroup {
                name: "g".into(),
                estimate: if missing { None } else { Some(e) },
                se: Some(se),
                lower_95: None,
                upper_95: None,
                population: Some(pop),
                order: Some(f64::from(order)),
                reference,
            })
    }

    fn kind() -> impl Strategy<Value = DimensionKind> {
        prop_oneof![Just(DimensionKind::Binary), Just(DimensionKind::Ordered), Just(DimensionKind::NonOrdered)]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn arbitrary_input_never_panics(
            subgroups in proptest::collection::vec(subgroup(), 0..8),
            kind in kind(),
            favourable in any::<bool>(),
            scale in prop_oneof![Just(100.0), Just(1.0), Just(1000.0), any_f64()],
            avg in proptest::option::of(any_f64()),
        ) {
            let input = DimensionInput { subgroups, kind, favourable, scale, setting_average: avg, population_unit: PopulationUnit::Count };
            let _ = summary_measures(&input, &SummaryOptions { simulation_draws: 5, ..SummaryOptions::default() });
        }

        #[test]
        fn plausible_input_gives_finite_results(
            subgroups in proptest::collection::vec(sane_subgroup(), 2..10),
            ordered in any::<bool>(),
            favourable in any::<bool>(),
        ) {
            let n_ref = subgroups.iter().filter(|g| g.reference).count();
            prop_assume!(n_ref <= 1);
            let kind = if ordered { DimensionKind::Ordered } else { DimensionKind::NonOrdered };
            let input = DimensionInput { subgroups, kind, favourable, scale: 100.0, setting_average: Some(40.0), population_unit: PopulationUnit::Count };
            let all = summary_measures(&input, &SummaryOptions { simulation_draws: 10, ..SummaryOptions::default() }).unwrap();
            for m in all {
                if let Some(v) = m.value() { prop_assert!(v.is_finite()); }
                if let (Some(l), Some(u)) = (m.lower(), m.upper()) { prop_assert!(l.is_finite() && u.is_finite()); }
                prop_assert!(m.value().is_some() || m.unavailable.is_some());
            }
        }
    }
}
