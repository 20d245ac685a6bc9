//! `fairer calc life-expectancy`: abridged life tables (Chiang II, Silcocks et al. limits) per
//! group ([`stats::life_expectancy`]), life expectancy at every band's start age.
//!
//! Each group needs the 20 bands 0, 1-4, 5-9, …, 85-89, 90+ (start ages or labels). Groups the
//! reference cannot use (negative deaths, a population ≤ 0, not 20 bands, deaths above
//! population, a total population of 5,000 or less, no deaths at 90+) get rows with no value
//! and a warning, and the run carries on.

use super::accumulator::{Accumulator, LifeExpectancy, LifeExpectancyRow};
use super::groups::{key_columns, key_label, request, Groups};
use super::table::{refused, refused_in_row, CommonOptions, EstimateColumns, RunSummary};
use crate::error::{Location, Result};
use crate::input::InputTable;
use crate::output::{OutputColumn, TableWriter};
use crate::progress::Progress;

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
        &[(&o.deaths, "the deaths column"), (&o.population, "the population column")],
        &o.common.group_by,
        &[(&o.start_age, "the start age column")],
    )?;
    let age_slot = o.common.group_by.len();
    let mut reader = cols.reader;
    let mut groups: Groups<LifeExpectancy> = Groups::new(&o.common.group_by);
    let mut summary = RunSummary::default();
    let file = reader.name().to_string();
    let column_of = |input: &str| -> String {
        match input {
            "deaths" => o.deaths.clone(),
            "population" => o.population.clone(),
            _ => o.start_age.clone(),
        }
    };
    reader.for_each_chunk_read_ahead(|chunk| {
        for row in 0..chunk.len {
            LifeExpectancy::start_age(chunk.text(age_slot, row))
                .and_then(|start_age| {
                    let band = LifeExpectancyRow {
                        start_age: Some(start_age),
                        deaths: chunk.numbers[0][row],
                        population: chunk.numbers[1][row],
                    };
                    groups
                        .entry(&chunk, &cols.key_slots, row, || LifeExpectancy::new(&o.common.confidence))
                        .update(band)
                })
                .map_err(|refusal| refused_in_row(refusal, &file, chunk.first_row + row as u64, column_of))?;
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
        let rows = bands.evaluate().map_err(|refusal| {
            let at = Location { file: reader.name().to_string(), row: None, column: None };
            refused(refusal, at, Some(key_label(&o.common.group_by, key)))
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
            est.push_labelled(r.estimate.value, &r.estimate.limits, statistic, METHOD);
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
