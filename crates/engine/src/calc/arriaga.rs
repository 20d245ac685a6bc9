//! `fairer calc arriaga`: the gap in life expectancy at birth between two populations split
//! into the years each age band (and cause of death) contributes, by Arriaga's method as the
//! OHID Segment Tool uses it ([`stats::arriaga`]).
//!
//! Each group of rows (by `--group-by`, for example an area and a period) holds two populations
//! named by the `--group` column (an area and England, or the most and least deprived decile):
//! deaths and population for the 20 life-table bands 0, 1-4, 5-9, …, 85-89, 90+ (start ages or
//! labels), once per band, or with `--cause` once per band and cause (the band's population
//! repeated on each cause's row; a cause absent from a band has no deaths there). The base
//! population (`--base`, otherwise the first of the two values in natural order) is group 1 of
//! the decomposition, the other the comparator: the gap is e0(comparator) − e0(base), and a
//! positive contribution is an age band (cause) where the comparator's lower mortality adds to
//! its longer life. For the Segment Tool's gaps, make the area, or the most deprived decile, the
//! base.
//!
//! Output: one row per age band (and cause), with `base`, `comparator`, `start_age`,
//! `age_band`, [`cause`], the band's `direct` and `indirect_and_interaction` effects (by age
//! only), its `contribution` in years, `percent_of_gap`, and both life expectancies at birth and
//! the `gap`. The contributions of a group sum to its gap, and the life expectancies are those
//! `fairer calc life-expectancy` gives for the same deaths and populations.
//!
//! Wrong rows (a start age that is not a band, negative deaths, a population that is not
//! positive, a band given twice, a third population in a group, a band's population differing
//! between causes) are errors naming the file, row and column; a group without both populations
//! and every band is an error naming the group. A group whose life table cannot be closed (no
//! deaths at 90+, a probability of dying of 1 before 90) gets a warning and no rows.

use stats::arriaga::{
    arriaga_decomposition, arriaga_decomposition_by_cause, CauseDeaths, MortalityByAge, AGE_BANDS, AGE_BAND_LABELS,
    AGE_BAND_STARTS,
};
use stats::dsr::band_start_age;
use stats::StatsError;

use super::groups::{key_columns, key_label, natural_key_order, request, Groups};
use super::table::{CommonOptions, RunSummary};
use crate::error::{EngineError, Location, Result};
use crate::input::InputTable;
use crate::output::{OutputColumn, TableWriter};
use crate::progress::Progress;

/// Options of `calc arriaga`.
#[derive(Clone, Debug, Default)]
pub struct ArriagaOptions {
    /// The column naming the population each row belongs to (`--group`).
    pub group: String,
    /// The value of `group` that is the base population, group 1 (`--base`).
    pub base: Option<String>,
    /// Start age column (`--start-age`): 0, 1, 5, …, 90 or labels such as `1-4`, `90+`.
    pub start_age: String,
    /// Deaths column (`--deaths`).
    pub deaths: String,
    /// Population column (`--population`).
    pub population: String,
    /// Cause of death column (`--cause`), to split each band's contribution between causes.
    pub cause: Option<String>,
    /// Confidence (unused: the decomposition has no interval) and grouping.
    pub common: CommonOptions,
}

/// One population of a group: population and deaths (by cause) in each band, with the row
/// that gave each, for errors.
struct Population {
    label: String,
    population: [Option<f64>; AGE_BANDS],
    /// Deaths by cause (outer, in the group's cause order) and band.
    deaths: Vec<[Option<f64>; AGE_BANDS]>,
}

impl Population {
    fn new(label: String) -> Self {
        Population { label, population: [None; AGE_BANDS], deaths: Vec::new() }
    }
}

#[derive(Default)]
struct Pair {
    populations: Vec<Population>,
    causes: Vec<String>,
}

/// One output row.
struct Row {
    band: usize,
    cause: Option<String>,
    direct: Option<f64>,
    indirect: Option<f64>,
    contribution: f64,
}

/// Decomposes the gap of every group.
///
/// # Errors
/// A missing column, a non-number, an invalid row (see the module documentation) with its
/// file, row and column; a group without exactly two populations, without `--base`, or
/// One input row of a group: the population it belongs to, its cause, its band and its counts.
struct InputRow {
    who: String,
    cause: Option<String>,
    band: usize,
    label: String,
    deaths: f64,
    population: f64,
}

impl Pair {
    /// Adds a row: its population is one of the pair's two, each band (and cause) once per
    /// population, one population per band across causes.
    fn add(&mut self, o: &ArriagaOptions, row: InputRow, at: &dyn Fn(&str) -> Location) -> Result<()> {
        let InputRow { who, cause, band, label, deaths, population: pop } = row;
        let pair = self;
        let p = match pair.populations.iter().position(|p| p.label == who) {
            Some(i) => i,
            None if pair.populations.len() < 2 => {
                pair.populations.push(Population::new(who.clone()));
                pair.populations.len() - 1
            }
            None => {
                return Err(EngineError::BadValue {
                    at: at(&o.group),
                    expected: format!(
                        "one of the two populations of this group, {} or {} (is a column that tells the groups apart missing from the group-by columns?)",
                        pair.populations[0].label, pair.populations[1].label
                    ),
                    found: who,
                })
            }
        };
        let c = match &cause {
            None => 0,
            Some(name) => match pair.causes.iter().position(|x| x == name) {
                Some(i) => i,
                None => {
                    pair.causes.push(name.clone());
                    pair.causes.len() - 1
                }
            },
        };
        let population = &mut pair.populations[p];
        while population.deaths.len() <= c {
            population.deaths.push([None; AGE_BANDS]);
        }
        if population.deaths[c][band].is_some() {
            let what = cause.as_ref().map(|n| format!(" and cause {n}")).unwrap_or_default();
            return Err(EngineError::BadValue {
                at: at(&o.start_age),
                expected: format!("each age band{what} once for population {who}"),
                found: label,
            });
        }
        population.deaths[c][band] = Some(deaths);
        match population.population[band] {
            Some(q) if q != pop => {
                return Err(EngineError::BadValue {
                    at: at(&o.population),
                    expected: format!(
                        "the same population on every cause's row of age band {} for {who} (earlier: {q})",
                        AGE_BAND_LABELS[band]
                    ),
                    found: pop.to_string(),
                })
            }
            _ => population.population[band] = Some(pop),
        }
        Ok(())
    }
}

/// missing a band, with its group.
pub fn run(
    o: &ArriagaOptions,
    table: InputTable,
    writer: &mut TableWriter,
    progress: &dyn Progress,
) -> Result<RunSummary> {
    let mut texts: Vec<(&str, &str)> = vec![(&o.group, "the group column"), (&o.start_age, "the start age column")];
    if let Some(c) = &o.cause {
        texts.push((c, "the cause column"));
    }
    let cols = request(
        table,
        &[(&o.deaths, "the deaths column"), (&o.population, "the population column")],
        &o.common.group_by,
        &texts,
    )?;
    let (group_slot, age_slot, cause_slot) =
        (o.common.group_by.len(), o.common.group_by.len() + 1, o.common.group_by.len() + 2);
    let mut reader = cols.reader;
    let mut groups: Groups<Pair> = Groups::new(&o.common.group_by);
    let mut summary = RunSummary::default();
    let file = reader.name().to_string();
    reader.for_each_chunk_read_ahead(|chunk| {
        for row in 0..chunk.len {
            let at = |column: &str| Location {
                file: file.as_str().to_string(),
                row: Some(chunk.first_row + row as u64),
                column: Some(column.to_string()),
            };
            let text = |slot: usize| chunk.text(slot, row).unwrap_or_default().to_string();
            let label = text(age_slot);
            let band =
                band_start_age(&label).and_then(|a| AGE_BAND_STARTS.iter().position(|&s| s == a)).ok_or_else(|| {
                    EngineError::BadValue {
                        at: at(&o.start_age),
                        expected: "a life-table band: start age 0, 1, 5, 10, …, 90 (or a label such as 1-4, 90+)"
                            .into(),
                        found: label.clone(),
                    }
                })?;
            let deaths =
                chunk.numbers[0][row].filter(|d| d.is_finite() && *d >= 0.0).ok_or_else(|| EngineError::BadValue {
                    at: at(&o.deaths),
                    expected: "a number of deaths ≥ 0".into(),
                    found: chunk.numbers[0][row].map(|d| d.to_string()).unwrap_or_default(),
                })?;
            let pop =
                chunk.numbers[1][row].filter(|p| p.is_finite() && *p > 0.0).ok_or_else(|| EngineError::BadValue {
                    at: at(&o.population),
                    expected: "a population > 0".into(),
                    found: chunk.numbers[1][row].map(|p| p.to_string()).unwrap_or_default(),
                })?;
            let who = text(group_slot);
            if who.trim().is_empty() {
                return Err(EngineError::BadValue {
                    at: at(&o.group),
                    expected: "the population the row belongs to".into(),
                    found: who,
                });
            }
            let cause = o.cause.as_ref().map(|_| text(cause_slot));
            let pair = groups.entry(&chunk, &cols.key_slots, row, Pair::default);
            pair.add(o, InputRow { who, cause, band, label, deaths, population: pop }, &at)?;
        }
        summary.rows_read += chunk.len as u64;
        progress.position(summary.rows_read);
        Ok(())
    })?;
    let sorted = groups.into_sorted();
    let mut keys: Vec<&[String]> = Vec::new();
    let (mut bases, mut comparators, mut ages, mut labels, mut causes) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut directs, mut indirects, mut contributions, mut percents) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut e0_base, mut e0_comparator, mut gaps) = (Vec::new(), Vec::new(), Vec::new());
    let total = sorted.len() as u64;
    progress.stage("groups", total);
    for (done, (key, pair)) in sorted.iter().enumerate() {
        let label = key_label(&o.common.group_by, key);
        let group_error = |message: String| EngineError::Method {
            at: Location { file: reader.name().to_string(), row: None, column: None },
            group: Some(label.clone()),
            source: Box::new(StatsError::Shape(message)),
        };
        let (base, comparator) = base_and_comparator(o, pair).map_err(group_error)?;
        for p in [base, comparator] {
            let missing: Vec<&str> =
                (0..AGE_BANDS).filter(|&b| p.population[b].is_none()).map(|b| AGE_BAND_LABELS[b]).collect();
            if !missing.is_empty() {
                return Err(group_error(format!(
                    "population {} has no row for age band(s) {}; the 20 bands 0, 1-4, 5-9, …, 85-89, 90+ are needed",
                    p.label,
                    missing.join(", ")
                )));
            }
        }
        let result = decompose(o, pair, base, comparator);
        progress.position(done as u64 + 1);
        let (e1, e2, gap, rows) = match result {
            Ok(r) => r,
            Err(e) => {
                let why = e
                    .to_string()
                    .replace("group 1", &format!("{} (base)", base.label))
                    .replace("group 2", &format!("{} (comparator)", comparator.label));
                summary.warnings.push(format!("{label}: no decomposition: {why}"));
                continue;
            }
        };
        for r in rows {
            keys.push(key);
            bases.push(Some(base.label.clone()));
            comparators.push(Some(comparator.label.clone()));
            ages.push(Some(i64::from(AGE_BAND_STARTS[r.band])));
            labels.push(Some(AGE_BAND_LABELS[r.band].to_string()));
            causes.push(r.cause);
            directs.push(r.direct);
            indirects.push(r.indirect);
            contributions.push(Some(r.contribution));
            percents.push((gap != 0.0).then(|| 100.0 * r.contribution / gap));
            e0_base.push(Some(e1));
            e0_comparator.push(Some(e2));
            gaps.push(Some(gap));
        }
    }
    let mut out = key_columns(&o.common.group_by, &keys);
    out.push("base", OutputColumn::Text(bases));
    out.push("comparator", OutputColumn::Text(comparators));
    out.push("start_age", OutputColumn::Integer(ages));
    out.push("age_band", OutputColumn::Text(labels));
    if o.cause.is_some() {
        out.push("cause", OutputColumn::Text(causes));
    } else {
        out.push("direct", OutputColumn::Number(directs));
        out.push("indirect_and_interaction", OutputColumn::Number(indirects));
    }
    out.push("contribution", OutputColumn::Number(contributions));
    out.push("percent_of_gap", OutputColumn::Number(percents));
    out.push("e0_base", OutputColumn::Number(e0_base));
    out.push("e0_comparator", OutputColumn::Number(e0_comparator));
    out.push("gap", OutputColumn::Number(gaps));
    writer.write(&out)?;
    Ok(summary)
}

/// The base population (group 1) and the comparator (group 2) of a group.
fn base_and_comparator<'a>(
    o: &ArriagaOptions,
    pair: &'a Pair,
) -> std::result::Result<(&'a Population, &'a Population), String> {
    let [a, b] = pair.populations.as_slice() else {
        let found = pair.populations.first().map(|p| format!("only {}", p.label)).unwrap_or_else(|| "none".into());
        return Err(format!("the group column must name two populations in each group, found {found}"));
    };
    match &o.base {
        Some(base) if &a.label == base => Ok((a, b)),
        Some(base) if &b.label == base => Ok((b, a)),
        Some(base) => {
            Err(format!("the base population, {base}, is not in this group, which has {} and {}", a.label, b.label))
        }
        None => {
            if natural_key_order(std::slice::from_ref(&a.label), std::slice::from_ref(&b.label)).is_le() {
                Ok((a, b))
            } else {
                Ok((b, a))
            }
        }
    }
}

/// The decomposition of one group: e0 of base and comparator, the gap, and the rows.
fn decompose(
    o: &ArriagaOptions,
    pair: &Pair,
    base: &Population,
    comparator: &Population,
) -> std::result::Result<(f64, f64, f64, Vec<Row>), StatsError> {
    let pops = |p: &Population| -> Vec<f64> { p.population.iter().map(|x| x.unwrap_or(0.0)).collect() };
    let deaths = |p: &Population, c: usize| -> Vec<f64> {
        p.deaths.get(c).map(|d| d.iter().map(|x| x.unwrap_or(0.0)).collect()).unwrap_or_else(|| vec![0.0; AGE_BANDS])
    };
    if o.cause.is_none() {
        let d = arriaga_decomposition(
            &MortalityByAge { deaths: deaths(base, 0), population: pops(base) },
            &MortalityByAge { deaths: deaths(comparator, 0), population: pops(comparator) },
        )?;
        let rows = d
            .by_age
            .iter()
            .enumerate()
            .map(|(band, c)| Row {
                band,
                cause: None,
                direct: Some(c.direct),
                indirect: Some(c.indirect_and_interaction),
                contribution: c.total,
            })
            .collect();
        return Ok((d.e0_group1, d.e0_group2, d.gap, rows));
    }
    let by_cause = |p: &Population| -> Vec<CauseDeaths> {
        pair.causes
            .iter()
            .enumerate()
            .map(|(c, name)| CauseDeaths { cause: name.clone(), deaths: deaths(p, c) })
            .collect()
    };
    let d = arriaga_decomposition_by_cause(&pops(base), &by_cause(base), &pops(comparator), &by_cause(comparator))?;
    let mut rows = Vec::with_capacity(AGE_BANDS * d.causes.len());
    for (band, per_cause) in d.by_age_and_cause.iter().enumerate() {
        for (cause, &contribution) in d.causes.iter().zip(per_cause) {
            rows.push(Row { band, cause: Some(cause.clone()), direct: None, indirect: None, contribution });
        }
    }
    Ok((d.by_age.e0_group1, d.by_age.e0_group2, d.by_age.gap, rows))
}
