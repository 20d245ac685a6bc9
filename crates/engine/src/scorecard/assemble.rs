//! Assembling the scorecards from result rows (`docs/scorecard.md` §6): pure, over rows in the
//! results' shape, so the engine (after a compute) and the web (rows read back from the store)
//! build the same scorecards.
//!
//! For each area of the scorecard's level (each ICB) and each indicator of each clinical area:
//!
//! - **latest**: the ICB's Persons, whole-area row of the indicator's latest period (the latest
//!   period any ICB has a row for, so that every ICB is read at the same period);
//! - **england**: the benchmark area's (England's) Persons whole-area value of that period;
//! - **rank**: among the ICBs with a value, 1 = best by the indicator's polarity; tied values
//!   share the best position of the tie (1 + the number of ICBs strictly better); quintile
//!   ⌊5(position − 1)/n⌋ + 1; none for "no judgement";
//! - **core20, rest, gap**: the gap category type's two rows (Persons) and their gap
//!   `first − second` with MOVER limits from the rows' 95% limits ([`stats::gap::gap`]);
//! - **gap rank**: ICBs ranked by the gap in the harmful direction, 1 = smallest: the gap itself
//!   when lower is better (Core20 higher is worse), its negative when higher is better, its size
//!   for "no judgement";
//! - **narrowing**: [`stats::gap::gap_trend`] over every period with both rows, at the spec's
//!   narrowing level (a gap whose limits have no width cannot be weighted: left out, noted);
//! - **sii**: the latest whole-area Persons row's SII;
//! - **breakdowns**: every category row of the latest period (all sexes), then the Male and
//!   Female whole-area rows as category type "Sex";
//! - **completeness** of each classification in the latest period (Persons): numerator known =
//!   Σ count of stated categories ÷ the whole area's count, denominator known likewise
//!   (`docs/scorecard.md` §1); "not reported" (`None`) when the rows have no category that is
//!   not stated (a published source without unknown rows is never assumed complete); sex:
//!   (Male + Female) ÷ Persons. Computed from the rows rather than by
//!   [`crate::compute::breakdowns::completeness`] (which reads engine rows and the catalogue),
//!   with the same definitions.
//!
//! The scorecard's own completeness sums the counts of its indicators: Σ stated ÷ Σ whole over
//! the indicators where it is reported.

use std::collections::{BTreeMap, HashMap};

use stats::comparison::Polarity;
use stats::gap::{gap, gap_trend, Bounded};

use super::model::{
    AreaCard, BreakdownCell, Completeness, IndicatorCard, Limits, Measured, Narrowing, Rank, ScoreRow, Scorecard,
};
use super::spec::ScorecardSpec;
use crate::error::Result;

/// The category type of the sex cells of a breakdown.
pub const SEX_TYPE: &str = "Sex";

/// The rows of one indicator, by area code, for the scorecard's level and the benchmark.
pub(crate) struct Index<'r> {
    /// Level rows by indicator, then area code.
    pub level: HashMap<&'r str, BTreeMap<&'r str, Vec<&'r ScoreRow>>>,
    /// Benchmark rows by indicator.
    pub benchmark: HashMap<&'r str, Vec<&'r ScoreRow>>,
    /// The level's areas: code → name.
    pub areas: BTreeMap<&'r str, &'r str>,
}

impl<'r> Index<'r> {
    pub(crate) fn new(rows: &'r [ScoreRow], level: &str, benchmark: &str) -> Index<'r> {
        let mut index = Index { level: HashMap::new(), benchmark: HashMap::new(), areas: BTreeMap::new() };
        for r in rows {
            if r.area_type == level {
                index.areas.entry(&r.area_code).or_insert(&r.area_name);
                index.level.entry(&r.indicator).or_default().entry(&r.area_code).or_default().push(r);
            } else if r.area_type == benchmark {
                index.benchmark.entry(&r.indicator).or_default().push(r);
            }
        }
        index
    }

    /// The indicator's latest period among the level's Persons whole-area rows: (year, label).
    pub(crate) fn latest(&self, indicator: &str) -> Option<(i32, &'r str)> {
        self.level
            .get(indicator)?
            .values()
            .flatten()
            .filter(|r| whole_persons(r))
            .map(|r| (r.period_year, r.period.as_str()))
            .max()
    }
}

/// Whether a row is the whole area's, for Persons.
pub(crate) fn whole_persons(r: &ScoreRow) -> bool {
    r.category_type.is_none() && r.sex == "Persons"
}

/// The row's value with its limits and totals.
pub fn measured(r: &ScoreRow) -> Measured {
    Measured {
        value: r.value,
        lower: r.lower_95,
        upper: r.upper_95,
        count: r.count,
        denominator: r.denominator,
        note: r.note.clone(),
    }
}

/// The row's value with its 95% limits, when all three are finite and the limits bracket it.
pub fn bounded(r: &ScoreRow) -> Option<Bounded> {
    Bounded::new(r.value?, r.lower_95?, r.upper_95?, "a value").ok()
}

/// The positions of `values` (1 = best by `polarity`: highest when higher is better, lowest
/// when lower is better; tied values share 1 + the number strictly better) with their
/// quintiles ⌊5(position − 1)/n⌋ + 1. `None` for "no judgement" or a value that is not finite.
pub fn rank_values(values: &[f64], polarity: Polarity) -> Vec<Option<Rank>> {
    let better = |a: f64, b: f64| match polarity {
        Polarity::HigherIsBetter => a > b,
        Polarity::LowerIsBetter => a < b,
        Polarity::NoJudgement => false,
    };
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    let of = finite.len() as u32;
    values
        .iter()
        .map(|&v| {
            if polarity == Polarity::NoJudgement || !v.is_finite() {
                return None;
            }
            let position = 1 + finite.iter().filter(|&&o| better(o, v)).count() as u32;
            let quintile = (5 * (position - 1) / of + 1).min(5) as u8;
            Some(Rank { position, of, quintile })
        })
        .collect()
}

fn limits(b: Bounded) -> Limits {
    Limits { value: b.value, lower: b.lower, upper: b.upper }
}

/// The Persons row of a category of the gap's type in a period.
fn gap_row<'r>(rows: &[&'r ScoreRow], category_type: &str, category: &str, period: &str) -> Option<&'r ScoreRow> {
    rows.iter().copied().find(|r| {
        r.sex == "Persons"
            && r.period == period
            && r.category_type.as_deref() == Some(category_type)
            && r.category.as_deref() == Some(category)
    })
}

/// The gap of an area's rows in a period: `first − second` with MOVER limits.
fn gap_in(rows: &[&ScoreRow], spec: &ScorecardSpec, period: &str) -> Option<Bounded> {
    let first = bounded(gap_row(rows, &spec.gap.category_type, &spec.gap.first, period)?)?;
    let second = bounded(gap_row(rows, &spec.gap.category_type, &spec.gap.second, period)?)?;
    Some(gap(first, second))
}

/// The narrowing test over every period of the area's rows with both groups.
fn narrowing(rows: &[&ScoreRow], spec: &ScorecardSpec, notes: &mut Vec<String>, id: &str) -> Narrowing {
    let mut periods: Vec<(i32, &str)> = rows.iter().map(|r| (r.period_year, r.period.as_str())).collect();
    periods.sort();
    periods.dedup();
    let mut points = Vec::new();
    for (year, label) in periods {
        let Some(g) = gap_in(rows, spec, label) else { continue };
        if g.upper - g.lower > 0.0 {
            points.push((f64::from(year), g));
        } else {
            notes.push(format!("{id}: the gap in {label} has limits of no width; left out of the narrowing test"));
        }
    }
    match gap_trend(&points, spec.narrowing_level) {
        Ok(t) => Narrowing { verdict: t.change.as_str().to_string(), slope: t.slope.map(limits), periods: t.periods },
        Err(e) => {
            notes.push(format!("{id}: the narrowing test could not be made: {e}"));
            Narrowing {
                verdict: stats::gap::GapChange::NotEnoughPeriods.as_str().to_string(),
                slope: None,
                periods: points.len(),
            }
        }
    }
}

/// Σ stated, Σ whole (count and denominator) of one classification in one indicator's latest
/// Persons rows, or `None` when not reported.
struct Known {
    count: Option<(f64, f64)>,
    denominator: Option<(f64, f64)>,
}

fn completeness_of(latest: &[&ScoreRow], whole: Option<&ScoreRow>, spec: &ScorecardSpec) -> Vec<(String, Known)> {
    let mut out = Vec::new();
    let Some(whole) = whole else { return out };
    for c in &spec.classifications {
        let rows: Vec<&ScoreRow> = latest
            .iter()
            .copied()
            .filter(|r| r.sex == "Persons" && r.category_type.as_deref() == Some(c.category_type.as_str()))
            .collect();
        if rows.is_empty() {
            continue;
        }
        let stated = |r: &ScoreRow| {
            c.categories.iter().find(|(label, _)| Some(label.as_str()) == r.category.as_deref()).map(|(_, s)| *s)
        };
        let unstated = rows.iter().any(|r| stated(r) == Some(false));
        let sum = |f: fn(&ScoreRow) -> Option<f64>| -> Option<f64> {
            rows.iter().filter(|r| stated(r) == Some(true)).map(|r| f(r)).sum::<Option<f64>>()
        };
        let part = |f: fn(&ScoreRow) -> Option<f64>| -> Option<(f64, f64)> {
            if !unstated {
                return None;
            }
            sum(f).zip(f(whole)).filter(|&(_, w)| w > 0.0)
        };
        out.push((c.category_type.clone(), Known { count: part(|r| r.count), denominator: part(|r| r.denominator) }));
    }
    let of = |sex: &str| latest.iter().copied().find(|r| r.category_type.is_none() && r.sex == sex);
    if let (Some(m), Some(f)) = (of("Male"), of("Female")) {
        let part = |g: fn(&ScoreRow) -> Option<f64>| {
            g(m).zip(g(f)).map(|(a, b)| a + b).zip(g(whole)).filter(|&(_, w)| w > 0.0)
        };
        out.push((SEX_TYPE.to_string(), Known { count: part(|r| r.count), denominator: part(|r| r.denominator) }));
    }
    out
}

/// Σ stated and Σ whole of the counts and of the denominators of one classification.
type KnownSums = (Option<(f64, f64)>, Option<(f64, f64)>);

fn share(p: Option<(f64, f64)>) -> Option<f64> {
    p.map(|(a, b)| a / b)
}

/// Assembles every scorecard: one per area of `spec.level` in `rows`, in code order, each with
/// every clinical area and indicator of the spec (an indicator without rows is listed with
/// empty values and a note). The children and young people's tool is added when the spec has
/// one ([`super::composite::cyp_scores`]), each scorecard carrying its own ICB's scores
/// ([`super::composite::for_icb`]).
///
/// # Errors
/// The tool's errors ([`super::composite::cyp_scores`]); the scorecard part has none (missing
/// values are `None` with notes).
pub fn assemble(rows: &[ScoreRow], spec: &ScorecardSpec) -> Result<Vec<Scorecard>> {
    let index = Index::new(rows, &spec.level, &spec.benchmark);
    let mut cards: Vec<Scorecard> = index
        .areas
        .iter()
        .map(|(code, name)| Scorecard {
            icb_code: code.to_string(),
            icb_name: name.to_string(),
            release: String::new(),
            periods: Vec::new(),
            areas: Vec::new(),
            completeness: Vec::new(),
            cyp: None,
            funding: Vec::new(),
            commitments: Vec::new(),
            readiness: None,
            notes: Vec::new(),
        })
        .collect();
    let mut periods: Vec<BTreeMap<(i32, String), ()>> = vec![BTreeMap::new(); cards.len()];
    let mut totals: Vec<BTreeMap<String, KnownSums>> = vec![BTreeMap::new(); cards.len()];
    let empty = BTreeMap::new();
    for area in &spec.areas {
        let mut per_card: Vec<Vec<IndicatorCard>> = vec![Vec::new(); cards.len()];
        for id in &area.indicators {
            let by_area = index.level.get(id.as_str()).unwrap_or(&empty);
            let latest = index.latest(id);
            let period = latest.map(|(_, l)| l).unwrap_or("");
            let any = by_area.values().flatten().next().copied();
            let name = any.map(|r| r.indicator_name.clone()).unwrap_or_else(|| id.clone());
            let polarity_text = any.map(|r| r.polarity.clone()).unwrap_or_else(|| "no judgement".into());
            let polarity: Polarity = polarity_text.parse().unwrap_or(Polarity::NoJudgement);
            let england = index
                .benchmark
                .get(id.as_str())
                .and_then(|rs| rs.iter().find(|r| whole_persons(r) && r.period == period))
                .and_then(|r| r.value);
            // Values and gaps of every ICB in the latest period, for the ranks.
            let rows_of = |code: &str| by_area.get(code).map(Vec::as_slice).unwrap_or(&[]);
            let whole_of = |code: &str| rows_of(code).iter().copied().find(|r| whole_persons(r) && r.period == period);
            let values: Vec<f64> =
                cards.iter().map(|c| whole_of(&c.icb_code).and_then(|r| r.value).unwrap_or(f64::NAN)).collect();
            let gaps: Vec<Option<Bounded>> = cards.iter().map(|c| gap_in(rows_of(&c.icb_code), spec, period)).collect();
            let harm: Vec<f64> = gaps
                .iter()
                .map(|g| match (g, polarity) {
                    (None, _) => f64::NAN,
                    (Some(g), Polarity::LowerIsBetter) => g.value,
                    (Some(g), Polarity::HigherIsBetter) => -g.value,
                    (Some(g), Polarity::NoJudgement) => g.value.abs(),
                })
                .collect();
            let ranks = rank_values(&values, polarity);
            let gap_ranks = rank_values(&harm, Polarity::LowerIsBetter);
            for (i, card) in cards.iter_mut().enumerate() {
                let rows = rows_of(&card.icb_code);
                for r in rows {
                    periods[i].insert((r.period_year, r.period.clone()), ());
                }
                let whole = whole_of(&card.icb_code);
                let mut notes = Vec::new();
                if whole.and_then(|r| r.value).is_none() {
                    notes.push(if period.is_empty() {
                        format!("{id}: no values for this indicator")
                    } else {
                        format!("{id}: no value in {period}")
                    });
                }
                let latest_rows: Vec<&ScoreRow> = rows.iter().copied().filter(|r| r.period == period).collect();
                let find = |c: &str| gap_row(&latest_rows, &spec.gap.category_type, c, period);
                let mut breakdowns: Vec<BreakdownCell> = latest_rows
                    .iter()
                    .filter(|r| r.category_type.is_some())
                    .map(|r| BreakdownCell {
                        category_type: r.category_type.clone().unwrap_or_default(),
                        category: r.category.clone().unwrap_or_default(),
                        sex: r.sex.clone(),
                        value: measured(r),
                        compared_95: r.compared_95.clone(),
                    })
                    .collect();
                for sex in ["Male", "Female"] {
                    if let Some(r) = latest_rows.iter().find(|r| r.category_type.is_none() && r.sex == sex) {
                        breakdowns.push(BreakdownCell {
                            category_type: SEX_TYPE.into(),
                            category: sex.into(),
                            sex: sex.into(),
                            value: measured(r),
                            compared_95: r.compared_95.clone(),
                        });
                    }
                }
                let known = completeness_of(&latest_rows, whole, spec);
                for (t, k) in &known {
                    let e = totals[i].entry(t.clone()).or_insert((Some((0.0, 0.0)), Some((0.0, 0.0))));
                    let add = |acc: Option<(f64, f64)>, p: Option<(f64, f64)>| match (acc, p) {
                        (Some((a, b)), Some((c, d))) => Some((a + c, b + d)),
                        (acc, None) => acc,
                        (None, p) => p,
                    };
                    e.0 = add(e.0, k.count);
                    e.1 = add(e.1, k.denominator);
                }
                let card_narrowing = narrowing(rows, spec, &mut notes, id);
                card.notes.extend(notes);
                per_card[i].push(IndicatorCard {
                    id: id.clone(),
                    name: name.clone(),
                    polarity: polarity_text.clone(),
                    period: period.to_string(),
                    latest: whole.map(measured).unwrap_or_default(),
                    england,
                    rank: ranks[i],
                    core20: find(&spec.gap.first).map(measured).unwrap_or_default(),
                    rest: find(&spec.gap.second).map(measured).unwrap_or_default(),
                    gap: gaps[i].map(limits),
                    gap_rank: gap_ranks[i],
                    narrowing: card_narrowing,
                    sii: whole.and_then(|r| r.sii),
                    breakdowns,
                    completeness: known
                        .iter()
                        .map(|(t, k)| Completeness {
                            category_type: t.clone(),
                            numerator_known: share(k.count),
                            denominator_known: share(k.denominator),
                        })
                        .collect(),
                });
            }
        }
        for (card, indicators) in cards.iter_mut().zip(per_card) {
            card.areas.push(AreaCard { id: area.id.clone(), name: area.name.clone(), indicators });
        }
    }
    for (i, card) in cards.iter_mut().enumerate() {
        card.periods = periods[i].keys().map(|(_, l)| l.clone()).collect();
        card.completeness = totals[i]
            .iter()
            .map(|(t, (c, d))| Completeness {
                category_type: t.clone(),
                numerator_known: share(c.filter(|&(_, w)| w > 0.0)),
                denominator_known: share(d.filter(|&(_, w)| w > 0.0)),
            })
            .collect();
    }
    if let Some(all) = super::composite::cyp_scores(rows, spec)? {
        for card in &mut cards {
            card.cyp = Some(super::composite::for_icb(&all, &card.icb_code));
        }
    }
    Ok(cards)
}

#[cfg(test)]
#[path = "assemble_tests.rs"]
mod tests;
