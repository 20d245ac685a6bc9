//! Excess deaths: the deaths and population of a group's deprivation quantiles, by band.

use std::collections::BTreeMap;

use stats::arriaga::AGE_BANDS;
use stats::StatsError;

use super::contract::{Accumulator, Refusal};
use crate::calc::excess_deaths::{group_lines, quantile_key, Line, Quantile};

/// One row of a group: a quantile's deaths and population in one band.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ExcessDeathsRow {
    /// The deprivation quantile (1 the most deprived).
    pub quantile: Option<f64>,
    /// The life-table band (0 … 19), by age; `None` for the crude form (one row a quantile).
    pub band: Option<usize>,
    /// Deaths.
    pub deaths: Option<f64>,
    /// Population.
    pub population: Option<f64>,
}

/// What a group evaluates to: one line per quantile (in order), their total, and the reference.
#[derive(Debug)]
pub struct ExcessDeathsResult {
    /// Each quantile's number and line, in quantile order.
    pub quantiles: Vec<(f64, Line)>,
    /// The sum of the quantiles' lines.
    pub all: Line,
    /// The reference quantile.
    pub reference: f64,
}

/// The quantiles of one group for excess deaths ([`stats::arriaga::excess_deaths`]).
///
/// Checks, row by row: a quantile number, deaths and population ≥ 0, each band (or, crude, each
/// quantile) once. At [`Accumulator::evaluate`]: the reference quantile present and with
/// population in every band where others have some.
#[derive(Clone, Debug)]
pub struct ExcessDeaths<'o> {
    by_band: bool,
    reference: Option<f64>,
    years_per_death: Option<&'o [f64]>,
    quantiles: BTreeMap<i64, (f64, Quantile)>,
}

impl<'o> ExcessDeaths<'o> {
    /// An empty group: rows by life-table band or not (`by_band`), against the quantile
    /// `reference` (by default the highest-numbered present), with years of life lost by band
    /// when `years_per_death` is given.
    pub fn new(by_band: bool, reference: Option<f64>, years_per_death: Option<&'o [f64]>) -> Self {
        ExcessDeaths { by_band, reference, years_per_death, quantiles: BTreeMap::new() }
    }

    fn bands(&self) -> usize {
        if self.by_band {
            AGE_BANDS
        } else {
            1
        }
    }
}

/// A value that must be a finite number ≥ 0 (or, for the quantile, finite).
fn checked(value: Option<f64>, input: &'static str, expected: &str, ok: fn(f64) -> bool) -> Result<f64, Refusal> {
    value.filter(|&v| ok(v)).ok_or_else(|| Refusal::Value {
        input,
        expected: expected.to_string(),
        found: value.map(|x| x.to_string()).unwrap_or_default(),
    })
}

/// A quantile's band (or, crude, the quantile) given a second time.
fn given_twice(by_band: bool, q: f64) -> Refusal {
    let (input, expected) = if by_band {
        ("start age", format!("each age band once for quantile {q}"))
    } else {
        ("quantile", format!("quantile {q} once (name the start age column for rows by age band)"))
    };
    Refusal::Value { input, expected, found: q.to_string() }
}

impl Accumulator for ExcessDeaths<'_> {
    type Row<'a> = ExcessDeathsRow;
    type Output = ExcessDeathsResult;

    fn update(&mut self, row: ExcessDeathsRow) -> Result<(), Refusal> {
        let q =
            checked(row.quantile, "quantile", "a deprivation quantile number (1 the most deprived)", f64::is_finite)?;
        let deaths = checked(row.deaths, "deaths", "a number of deaths ≥ 0", |d| d.is_finite() && d >= 0.0)?;
        let pop = checked(row.population, "population", "a population ≥ 0", |p| p.is_finite() && p >= 0.0)?;
        let bands = self.bands();
        let band = if self.by_band { row.band.filter(|&b| b < bands) } else { Some(0) };
        let band = band.ok_or_else(|| Refusal::Value {
            input: "start age",
            expected: "a life-table band: start age 0, 1, 5, 10, …, 90 (or a label such as 1-4, 90+)".into(),
            found: row.band.map(|b| b.to_string()).unwrap_or_default(),
        })?;
        let (_, entry) = self
            .quantiles
            .entry(quantile_key(q))
            .or_insert_with(|| (q, Quantile { deaths: vec![None; bands], population: vec![None; bands] }));
        if entry.deaths[band].is_some() {
            return Err(given_twice(self.by_band, q));
        }
        entry.deaths[band] = Some(deaths);
        entry.population[band] = Some(pop);
        Ok(())
    }

    fn merge(&mut self, other: Self) -> Result<(), Refusal> {
        for (key, (q, theirs)) in other.quantiles {
            let bands = theirs.deaths.len();
            let (_, ours) = self
                .quantiles
                .entry(key)
                .or_insert_with(|| (q, Quantile { deaths: vec![None; bands], population: vec![None; bands] }));
            for band in 0..bands {
                if theirs.deaths[band].is_none() {
                    continue;
                }
                if ours.deaths[band].is_some() {
                    return Err(given_twice(self.by_band, q));
                }
                ours.deaths[band] = theirs.deaths[band];
                ours.population[band] = theirs.population[band];
            }
        }
        Ok(())
    }

    fn evaluate(&self) -> Result<ExcessDeathsResult, Refusal> {
        let list: Vec<&(f64, Quantile)> = self.quantiles.values().collect();
        let reference = match self.reference {
            Some(r) => list.iter().position(|(q, _)| *q == r),
            None => list.len().checked_sub(1),
        };
        let reference = reference.ok_or_else(|| {
            let r = self.reference.map(|r| r.to_string()).unwrap_or_default();
            Refusal::Group(StatsError::Invalid(format!("the reference quantile {r} has no rows")))
        })?;
        let lines = group_lines(&list, reference, self.bands(), self.years_per_death)
            .map_err(|why| Refusal::Group(StatsError::Invalid(why)))?;
        let all = Line::total(&lines);
        Ok(ExcessDeathsResult {
            quantiles: list.iter().map(|(q, _)| *q).zip(lines).collect(),
            all,
            reference: list[reference].0,
        })
    }
}
