//! `fairer calc life-expectancy`: abridged life tables (Chiang II, Silcocks et al. limits) per
//! group ([`stats::life_expectancy`]), life expectancy at every band's start age.
//!
//! Each group needs the 20 bands 0, 1-4, 5-9, …, 85-89, 90+ (start ages or labels). Groups the
//! reference cannot use (negative deaths, a population ≤ 0, not 20 bands, deaths above
//! population, a total population of 5,000 or less, no deaths at 90+) get rows with no value
//! and a warning, and the run carries on.

use stats::dsr::band_start_age;

use super::groups::{key_columns, key_label, request, Groups};
use super::{CommonOptions, EstimateColumns, Progress, RunSummary};
use crate::error::{EngineError, Location, Result};
use crate::input::InputTable;
use crate::output::{OutputColumn, TableWriter};

/// Options of `calc life-expectancy`.
#[derive(Clone, Debug)]
pub struct LifeExpectancyOptions {
    /// Deaths column (`--deaths`).
    pub deaths: String,
    /// Population column (`--population`).
    pub population: String,
    /// Start age column (`--start-age`): 0, 1, 5, …, 90 or labels such as `1-4`, `90+`.
    pub start_age: String,
    /// Confidence and grouping.
    pub common: CommonOptions,
}

#[derive(Default)]
struct Bands {
    ages: Vec<f64>,
    deaths: Vec<f64>,
    population: Vec<f64>,
}

/// The reference's `method` wording.
pub const METHOD: &str = "Chiang, using Silcocks et al for confidence limits";

/// Computes life expectancy at every start age for each group.
///
/// # Errors
/// A missing column, a non-number, a missing death count or population, or a start age that
/// is not one of the 20 bands, with its file, row and column.
pub fn run(
    o: &LifeExpectancyOptions,
    table: InputTable,
    writer: &mut TableWriter,
    progress: &dyn Progress,
) -> Result<RunSummary> {
    let cols = request(
        table,
        &[(&o.deaths, "--deaths"), (&o.population, "--population")],
        &o.common.group_by,
        &[(&o.start_age, "--start-age")],
    )?;
    let age_slot = o.common.group_by.len();
    let mut reader = cols.reader;
    let mut groups: Groups<Bands> = Groups::new(&o.common.group_by);
    let mut summary = RunSummary::default();
    let file = reader.name().to_string();
    reader.for_each_chunk_read_ahead(|chunk| {
        for row in 0..chunk.len {
            let at = |column: &str| Location {
                file: file.as_str().to_string(),
                row: Some(chunk.first_row + row as u64),
                column: Some(column.to_string()),
            };
            let label = chunk.text(age_slot, row).unwrap_or_default();
            let age = band_start_age(&label)
                .map(f64::from)
                .filter(|a| stats::life_expectancy::LIFE_TABLE_START_AGES.contains(a))
                .ok_or_else(|| EngineError::BadValue {
                    at: at(&o.start_age),
                    expected: "a life-table band: start age 0, 1, 5, 10, …, 90 (or a label such as 1-4, 90+)".into(),
                    found: label.to_string(),
                })?;
            let deaths = chunk.numbers[0][row].ok_or_else(|| EngineError::BadValue {
                at: at(&o.deaths),
                expected: "a number of deaths".into(),
                found: String::new(),
            })?;
            let pop = chunk.numbers[1][row].ok_or_else(|| EngineError::BadValue {
                at: at(&o.population),
                expected: "a population".into(),
                found: String::new(),
            })?;
            let g = groups.entry(&chunk, &cols.key_slots, row, Bands::default);
            g.ages.push(age);
            g.deaths.push(deaths);
            g.population.push(pop);
        }
        summary.rows_read += chunk.len as u64;
        progress.position(summary.rows_read);
        Ok(())
    })?;
    let sorted = groups.into_sorted();
    let mut keys: Vec<&[String]> = Vec::new();
    let (mut ages, mut pops_used, mut dths_used) = (Vec::new(), Vec::new(), Vec::new());
    let mut est = EstimateColumns::new(&o.common.confidence);
    // "life expectancy at 0", …: each wording held once.
    let mut statistics: Vec<(f64, u32)> = Vec::new();
    for (key, bands) in &sorted {
        let rows = stats::life_expectancy::life_expectancy(
            &bands.ages,
            &bands.deaths,
            &bands.population,
            &o.common.confidence,
        )
        .map_err(|source| EngineError::Method {
            at: Location { file: reader.name().to_string(), row: None, column: None },
            group: Some(key_label(&o.common.group_by, key)),
            source,
        })?;
        let mut warned = false;
        for r in rows {
            keys.push(key);
            ages.push(Some(r.start_age as i64));
            pops_used.push(Some(r.population_used));
            dths_used.push(Some(r.deaths_used));
            if let Some(note) = r.note {
                if !warned {
                    summary.warnings.push(format!("{}: {note}", key_label(&o.common.group_by, key)));
                    warned = note.is_group_level();
                }
            }
            let statistic = match statistics.iter().find(|(age, _)| *age == r.start_age) {
                Some(&(_, label)) => label,
                None => {
                    let label = est.statistic_label(&format!("life expectancy at {}", r.start_age));
                    statistics.push((r.start_age, label));
                    label
                }
            };
            est.push_labelled(r.value, &r.limits, statistic, METHOD);
        }
    }
    let mut out = key_columns(&o.common.group_by, &keys);
    out.push(o.start_age.clone(), OutputColumn::Integer(ages));
    let mut tail = crate::output::OutputTable::default();
    est.append_to(&mut tail);
    // value and limits, then pops_used and dths_used, then confidence, statistic, method.
    let n_limits = 2 * o.common.confidence.len();
    let mut parts = tail.names.into_iter().zip(tail.columns);
    for (name, column) in parts.by_ref().take(1 + n_limits) {
        out.push(name, column);
    }
    out.push("pops_used", OutputColumn::Number(pops_used));
    out.push("dths_used", OutputColumn::Number(dths_used));
    for (name, column) in parts {
        out.push(name, column);
    }
    writer.write(&out)?;
    Ok(summary)
}
