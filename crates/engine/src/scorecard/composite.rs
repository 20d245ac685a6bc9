//! The children and young people's measurement tool (`docs/scorecard.md` §3.2): a score per ICB
//! for each driver of the framework and overall, from result rows.
//!
//! For indicator j: England's value at the base period Eⱼ (the benchmark's Persons whole-area
//! row whose period's last year is the spec's `base_year`: 2020, 2020/21 or 2018 - 20) and the
//! spread Sⱼ = the sample standard deviation (n − 1) of the ICBs' values of that period. Each
//! ICB's value xᵢⱼ is its Persons whole-area row of the indicator's latest period, with its 95%
//! limits. Then zᵢⱼ = dⱼ(xᵢⱼ − Eⱼ)/Sⱼ (dⱼ = ±1 by polarity), a driver's score Σ wⱼ zᵢⱼ with
//! the indicator weights within the driver, and the overall score one composite with weights
//! w_driver × w_indicator (linear, so it equals the weighted mean of the driver scores, and gets
//! its own simulated interval). Intervals of scores and ranks from
//! [`stats::composite::composite_with_intervals`] (normal draws of every value, σ from its 95%
//! limits, seeded); the overall rank's sensitivity to the weights from
//! [`stats::composite::rank_sensitivity`] with the spec's alternatives
//! ([`super::spec::CompositeSpec::alternative_weights`]).
//!
//! Edge cases: an ICB missing a value (no row, no value, or limits that do not bracket it) is
//! not scored for that driver or overall ("not scored: no value for X in 2024/25") and the
//! others are ranked among themselves; an indicator without England's base value or with fewer
//! than two ICB values (or no spread) at the base period leaves every ICB not scored on the
//! drivers using it, with a note; a driver not measured has no scores.

use stats::composite::{composite_with_intervals, rank_sensitivity, CompositeIndicator};
use stats::gap::Bounded;

use super::assemble::{bounded, whole_persons, Index};
use super::model::{CypScores, DriverScores, Limits, ScoreRow, UnitScore, UnitSensitivity};
use super::spec::{CompositeSpec, DriverIndicator, ScorecardSpec};
use crate::error::{EngineError, Location, Result};

/// What is known of one indicator of the tool: its standardisation and every unit's value.
struct Column {
    id: String,
    /// England at base and the spread at base, or why not.
    reference: std::result::Result<(f64, f64), String>,
    /// Each unit's latest value, or why not.
    values: Vec<std::result::Result<Bounded, String>>,
}

fn limits(b: Bounded) -> Limits {
    Limits { value: b.value, lower: b.lower, upper: b.upper }
}

/// The sample standard deviation (n − 1) of `x`; `None` with fewer than two values.
pub fn sample_sd(x: &[f64]) -> Option<f64> {
    if x.len() < 2 {
        return None;
    }
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    Some((x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt())
}

fn column(index: &Index, units: &[&str], id: &str, c: &CompositeSpec) -> Column {
    let by_area = index.level.get(id);
    let england = index
        .benchmark
        .get(id)
        .and_then(|rs| rs.iter().find(|r| whole_persons(r) && r.period_year == c.base_year))
        .and_then(|r| r.value.filter(|v| v.is_finite()));
    let at_base: Vec<f64> = units
        .iter()
        .filter_map(|u| by_area.and_then(|m| m.get(u)))
        .filter_map(|rs| rs.iter().find(|r| whole_persons(r) && r.period_year == c.base_year))
        .filter_map(|r| r.value.filter(|v| v.is_finite()))
        .collect();
    let reference = match (england, sample_sd(&at_base)) {
        (None, _) => Err(format!("England has no value for {id} in the base period ({})", c.base_year)),
        (_, None) => Err(format!("fewer than two ICBs have a value for {id} in the base period ({})", c.base_year)),
        (Some(_), Some(s)) if s.is_nan() || s <= 0.0 => {
            Err(format!("the ICBs' values of {id} in the base period ({}) have no spread", c.base_year))
        }
        (Some(e), Some(s)) => Ok((e, s)),
    };
    let latest = index.latest(id);
    let values = units
        .iter()
        .map(|u| {
            let Some((_, period)) = latest else { return Err(format!("no value for {id}")) };
            by_area
                .and_then(|m| m.get(u))
                .and_then(|rs| rs.iter().find(|r| whole_persons(r) && r.period == period))
                .and_then(|r| bounded(r))
                .ok_or_else(|| format!("no value for {id} in {period}"))
        })
        .collect();
    Column { id: id.to_string(), reference, values }
}

/// Scores of every unit on `indicators` (their columns in `columns`, weights as given), with
/// the alternative weights' sensitivity when `alternatives` is not empty.
fn scores(
    units: &[&str],
    indicators: &[DriverIndicator],
    columns: &[Column],
    c: &CompositeSpec,
    file: &str,
    what: &str,
    alternatives: &[(String, Vec<f64>)],
) -> Result<(Vec<UnitScore>, Vec<UnitSensitivity>)> {
    let cols: Vec<&Column> = indicators.iter().filter_map(|i| columns.iter().find(|col| col.id == i.id)).collect();
    let not_scored = |note: String| -> Vec<UnitScore> {
        units
            .iter()
            .map(|u| UnitScore { icb_code: u.to_string(), score: None, rank: None, note: Some(note.clone()) })
            .collect()
    };
    if let Some(Err(why)) = cols.iter().map(|col| &col.reference).find(|r| r.is_err()) {
        return Ok((not_scored(format!("not scored: {why}")), Vec::new()));
    }
    let mut composite = Vec::with_capacity(indicators.len());
    for (ind, col) in indicators.iter().zip(&cols) {
        let (england_base, base_spread) = col.reference.clone().unwrap_or((0.0, 1.0));
        composite.push(CompositeIndicator { weight: ind.weight, polarity: ind.polarity, england_base, base_spread });
    }
    // The units with every value; the others are noted.
    let mut scored = Vec::new();
    let mut values = Vec::new();
    let mut out: Vec<UnitScore> = Vec::with_capacity(units.len());
    for (u, unit) in units.iter().enumerate() {
        let row: std::result::Result<Vec<Bounded>, String> = cols.iter().map(|col| col.values[u].clone()).collect();
        match row {
            Ok(v) => {
                scored.push(u);
                values.push(v);
                out.push(UnitScore { icb_code: unit.to_string(), score: None, rank: None, note: None });
            }
            Err(why) => out.push(UnitScore {
                icb_code: unit.to_string(),
                score: None,
                rank: None,
                note: Some(format!("not scored: {why}")),
            }),
        }
    }
    if scored.is_empty() {
        return Ok((out, Vec::new()));
    }
    let method = |source: stats::StatsError| EngineError::Method {
        at: Location { file: file.to_string(), row: None, column: None },
        group: Some(what.to_string()),
        source: Box::new(source),
    };
    let results = composite_with_intervals(&composite, &values, c.draws, c.seed).map_err(method)?;
    for (k, r) in scored.iter().zip(results) {
        out[*k].score = Some(limits(r.score));
        out[*k].rank = Some(limits(r.rank));
    }
    let mut sensitivity = Vec::new();
    if !alternatives.is_empty() {
        let points: Vec<Vec<f64>> = values.iter().map(|v| v.iter().map(|b| b.value).collect()).collect();
        let weights: Vec<Vec<f64>> = alternatives.iter().map(|(_, w)| w.clone()).collect();
        let s = rank_sensitivity(&composite, &points, &weights).map_err(method)?;
        for (k, r) in scored.iter().zip(s) {
            sensitivity.push(UnitSensitivity {
                icb_code: units[*k].to_string(),
                rank: r.rank,
                alternative_ranks: alternatives.iter().map(|(n, _)| n.clone()).zip(r.alternative_ranks).collect(),
                largest_move: r.largest_move,
            });
        }
    }
    Ok((out, sensitivity))
}

/// The tool's scores of every area of the spec's composite `units` in `rows` (in code order):
/// each driver's and the overall score with simulated intervals, and the overall rank's
/// sensitivity. `None` when the spec has no `[composite]`.
///
/// # Errors
/// [`EngineError::Method`] naming the catalogue and the driver when the simulation refuses its
/// input (it should not: values are checked before).
pub fn cyp_scores(rows: &[ScoreRow], spec: &ScorecardSpec) -> Result<Option<CypScores>> {
    let Some(c) = &spec.composite else { return Ok(None) };
    let index = Index::new(rows, &c.units, &spec.benchmark);
    let units: Vec<&str> = index.areas.keys().copied().collect();
    let overall_indicators: Vec<DriverIndicator> = c.overall_indicators().into_iter().map(|(_, i)| i).collect();
    let columns: Vec<Column> = overall_indicators.iter().map(|i| column(&index, &units, &i.id, c)).collect();
    let mut drivers = Vec::with_capacity(c.drivers.len());
    for d in &c.drivers {
        let measured = d.measured();
        let scores = if measured {
            scores(&units, &d.indicators, &columns, c, &spec.file, &format!("composite driver \"{}\"", d.id), &[])?.0
        } else {
            Vec::new()
        };
        drivers.push(DriverScores {
            id: d.id.clone(),
            name: d.name.clone(),
            weight: d.weight,
            indicators: d.indicators.iter().map(|i| (i.id.clone(), i.weight)).collect(),
            measured,
            scores,
        });
    }
    let (overall, sensitivity) = scores(
        &units,
        &overall_indicators,
        &columns,
        c,
        &spec.file,
        "composite overall score",
        &c.alternative_weights(),
    )?;
    Ok(Some(CypScores {
        framework: c.framework.clone(),
        method: c.method.clone(),
        base_year: c.base_year,
        draws: c.draws,
        drivers,
        overall,
        sensitivity,
    }))
}

/// The tool's scores kept to one ICB's rows (its scores in each driver, overall and its
/// sensitivity), as a scorecard carries them.
pub fn for_icb(all: &CypScores, icb: &str) -> CypScores {
    let mut one = all.clone();
    for d in &mut one.drivers {
        d.scores.retain(|s| s.icb_code == icb);
    }
    one.overall.retain(|s| s.icb_code == icb);
    one.sensitivity.retain(|s| s.icb_code == icb);
    one
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::catalogue::Catalogue;
    use crate::scorecard::assemble::assemble;
    use crate::scorecard::spec::tests::CATALOGUE;

    /// A Persons whole-area row of indicator `ind` (a: lower is better, b: higher is better).
    fn row(ind: &str, area: &str, year: i32, v: f64, sigma: f64) -> ScoreRow {
        let z = stats::distributions::normal_quantile(0.975);
        ScoreRow {
            indicator: ind.into(),
            indicator_name: ind.into(),
            polarity: if ind == "a" { "lower is better" } else { "higher is better" }.into(),
            area_code: area.into(),
            area_name: area.into(),
            area_type: if area == "E" { "England" } else { "ICB" }.into(),
            sex: "Persons".into(),
            age: "All ages".into(),
            category_type: None,
            category: None,
            period: format!("{year}/{:02}", (year + 1) % 100),
            period_year: year,
            value: Some(v),
            lower_95: Some(v - z * sigma),
            upper_95: Some(v + z * sigma),
            count: None,
            denominator: None,
            note: None,
            compared_95: None,
            sii: None,
        }
    }

    /// Worked by hand. Base period 2020/21: England a = 10, b = 50; the ICBs' a 8, 10, 12
    /// (sd 2), b 40, 50, 60 (sd 10). Latest 2024/25 (σ_a = 0.4, σ_b = 2):
    ///
    /// | ICB | a | z_a = −(a − 10)/2 | b | z_b = (b − 50)/10 | overall 0.25 z_a + 0.75 z_b |
    /// | --- | --- | --- | --- | --- | --- |
    /// | I1 | 11 | −0.5 | 60 | 1 | 0.625 |
    /// | I2 | 12 | −1 | 45 | −0.5 | −0.625 |
    /// | I3 | 6 | 2 | 48 | −0.2 | 0.35 |
    /// | I4 | 10 | 0 | — | — | not scored |
    ///
    /// Overall ranks I1 1, I3 2, I2 3. The driver "early" (a alone) ranks I3 (2), I4 (0),
    /// I1 (−0.5), I2 (−1). The overall interval's normal limit: ± 1.959964 ·
    /// √((0.25·0.4/2)² + (0.75·2/10)²) = ± 1.959964 · √0.025 = ± 0.309898.
    /// Sensitivity (overall weights of a, b): equal (0.5, 0.5) gives I1 0.25, I3 0.9, I2 −0.75:
    /// I3 1, I1 2; early halved (0.125, 0.875): unchanged; health halved (0.625, 0.375): I1
    /// 0.0625, I3 1.175: swapped; early doubled (0.5, 0.5): swapped; health doubled (0, 1):
    /// unchanged. I1: 2, 1, 2, 2, 1 (largest move 1); I2: 3 throughout (0).
    fn rows() -> Vec<ScoreRow> {
        let mut rows = vec![row("a", "E", 2020, 10.0, 0.1), row("b", "E", 2020, 50.0, 0.1)];
        for (code, a0, b0, a, b) in
            [("I1", 8.0, 40.0, 11.0, 60.0), ("I2", 10.0, 50.0, 12.0, 45.0), ("I3", 12.0, 60.0, 6.0, 48.0)]
        {
            rows.extend([row("a", code, 2020, a0, 0.4), row("b", code, 2020, b0, 2.0)]);
            rows.extend([row("a", code, 2024, a, 0.4), row("b", code, 2024, b, 2.0)]);
        }
        rows.push(row("a", "I4", 2024, 10.0, 0.4));
        rows
    }

    fn spec(draws: usize) -> ScorecardSpec {
        let mut s = ScorecardSpec::from_catalogue(&Catalogue::parse(CATALOGUE, "sc.toml").unwrap()).unwrap();
        s.composite.as_mut().unwrap().draws = draws;
        s
    }

    fn score<'s>(list: &'s [UnitScore], code: &str) -> &'s UnitScore {
        list.iter().find(|s| s.icb_code == code).unwrap()
    }

    #[test]
    fn three_icbs_and_two_indicators_worked_by_hand() {
        let cyp = cyp_scores(&rows(), &spec(1000)).unwrap().unwrap();
        let overall = |c: &str| score(&cyp.overall, c).score.map(|s| s.value);
        assert!((overall("I1").unwrap() - 0.625).abs() < 1e-12);
        assert!((overall("I2").unwrap() + 0.625).abs() < 1e-12);
        assert!((overall("I3").unwrap() - 0.35).abs() < 1e-12);
        let i4 = score(&cyp.overall, "I4");
        assert_eq!(i4.score, None);
        assert_eq!(i4.note.as_deref(), Some("not scored: no value for b in 2024/25"));
        let rank = |c: &str| score(&cyp.overall, c).rank.unwrap().value;
        assert_eq!([rank("I1"), rank("I3"), rank("I2")], [1.0, 2.0, 3.0]);
        let early = &cyp.drivers[0];
        assert_eq!((early.id.as_str(), early.measured, early.weight), ("early", true, 0.25));
        let e = |c: &str| score(&early.scores, c).score.unwrap().value;
        assert!((e("I1") + 0.5).abs() < 1e-12 && (e("I3") - 2.0).abs() < 1e-12 && e("I4").abs() < 1e-12);
        assert_eq!(score(&early.scores, "I4").rank.unwrap().value, 2.0);
        assert!(!cyp.drivers[2].measured && cyp.drivers[2].scores.is_empty());
        // Sensitivity.
        let sens = |c: &str| cyp.sensitivity.iter().find(|s| s.icb_code == c).unwrap();
        let alt = |c: &str| sens(c).alternative_ranks.iter().map(|(_, r)| *r).collect::<Vec<_>>();
        assert_eq!(alt("I1"), [2.0, 1.0, 2.0, 2.0, 1.0]);
        assert_eq!(alt("I3"), [1.0, 2.0, 1.0, 1.0, 2.0]);
        assert_eq!(alt("I2"), [3.0; 5]);
        assert_eq!((sens("I1").largest_move, sens("I2").largest_move), (1.0, 0.0));
        assert_eq!(sens("I1").alternative_ranks[2].0, "each_halved: health");
        assert!(cyp.sensitivity.iter().all(|s| s.icb_code != "I4"));
        // Through assemble: each scorecard carries its own ICB's rows of the tool.
        let cards = assemble(&rows(), &spec(1000)).unwrap();
        let mine = cards.iter().find(|c| c.icb_code == "I3").unwrap().cyp.as_ref().unwrap();
        assert_eq!(mine.overall.len(), 1);
        assert!((mine.overall[0].score.unwrap().value - 0.35).abs() < 1e-12);
        assert_eq!(mine.drivers[0].scores.len(), 1);
    }

    /// The simulated interval of a linear score converges to the normal interval
    /// 0.625 ± 0.309898 (worked above) as the draws grow from 1,000 to 100,000.
    #[test]
    fn the_simulated_interval_converges_to_the_normal_interval() {
        let half = 1.959964 * 0.025f64.sqrt();
        let error = |draws: usize| {
            let cyp = cyp_scores(&rows(), &spec(draws)).unwrap().unwrap();
            let s = score(&cyp.overall, "I1").score.unwrap();
            ((s.lower - (0.625 - half)).abs()).max((s.upper - (0.625 + half)).abs())
        };
        let (small, large) = (error(1_000), error(100_000));
        assert!(small < 0.04, "{small}");
        assert!(large < 0.005, "{large}");
    }

    /// No England value at the base period: every ICB is not scored on the drivers using it.
    #[test]
    fn a_missing_base_value_leaves_icbs_unscored() {
        let rows: Vec<ScoreRow> = rows().into_iter().filter(|r| !(r.area_code == "E" && r.indicator == "b")).collect();
        let cyp = cyp_scores(&rows, &spec(1000)).unwrap().unwrap();
        assert!(cyp.overall.iter().all(|s| s.score.is_none()));
        assert_eq!(
            score(&cyp.overall, "I1").note.as_deref(),
            Some("not scored: England has no value for b in the base period (2020)")
        );
        assert!(cyp.drivers[0].scores.iter().all(|s| s.score.is_some()));
        assert_eq!(sample_sd(&[8.0, 10.0, 12.0]), Some(2.0));
        assert_eq!(sample_sd(&[8.0]), None);
    }
}
