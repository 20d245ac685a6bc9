//! `fairer calc dsr`: directly standardised rates with Dobson limits ([`stats::dsr`]).
//!
//! The standard population comes from a column (`--stdpop`) or, with `--age-band` and no
//! `--stdpop`, from the built-in European Standard Population 2013 joined on the band's start
//! age (0, 5, …, 90, or labels such as `0-4`, `90+`); each group must then have each of the 19
//! bands exactly once. With `--event-frequency` the events are non-independent: each row
//! counts the people with that many events in an age band (`--age-band` is then required).

use super::accumulator::{Accumulator, Dsr, DsrInput, DsrRow, DsrStandard};
use super::groups::{key_columns, key_label, request, Groups};
use super::table::{refused, refused_in_row, CommonOptions, EstimateColumns, RunSummary};
use crate::error::{EngineError, Location, Result};
use crate::input::InputTable;
use crate::output::{OutputColumn, TableWriter};
use crate::progress::Progress;

/// Options of `calc dsr`.
#[derive(Clone, Debug)]
pub struct DsrOptions {
    /// The events column (`--count`).
    pub count: String,
    /// The population column (`--denominator`).
    pub denominator: String,
    /// The standard population column (`--stdpop`); ESP 2013 by `--age-band` when absent.
    pub stdpop: Option<String>,
    /// The age band column (`--age-band`).
    pub age_band: Option<String>,
    /// The event frequency column for non-independent events (`--event-frequency`).
    pub event_frequency: Option<String>,
    /// Rate per this many (100,000 by default).
    pub multiplier: f64,
    /// Confidence and grouping.
    pub common: CommonOptions,
}

/// Computes the DSR of each group, with the reference's `total_count` and `total_pop`.
///
/// # Errors
/// A missing column, a non-number, a negative count, a population ≤ 0, an age band that is not
/// an ESP 2013 band, or a group without each ESP band exactly once, each with where it was.
pub fn run(o: &DsrOptions, table: InputTable, writer: &mut TableWriter, progress: &dyn Progress) -> Result<RunSummary> {
    if o.stdpop.is_none() && o.age_band.is_none() {
        return Err(EngineError::Usage(
            "dsr needs a standard population: give the standard population column, or the age band column to use the European Standard Population 2013".into(),
        ));
    }
    if o.event_frequency.is_some() && o.age_band.is_none() {
        return Err(EngineError::Usage(
            "the event frequency column needs the age band column to identify each age band".into(),
        ));
    }
    let standard = if o.stdpop.is_some() { DsrStandard::Given } else { DsrStandard::Esp2013 };
    let input = DsrInput::new(standard, o.event_frequency.is_some(), o.multiplier, &o.common.confidence)
        .map_err(|e| EngineError::option("the multiplier", e))?;
    let mut numbers: Vec<(&str, &str)> =
        vec![(&o.count, "the count column"), (&o.denominator, "the denominator column")];
    if let Some(s) = &o.stdpop {
        numbers.push((s, "the standard population column"));
    }
    if let Some(f) = &o.event_frequency {
        numbers.push((f, "the event frequency column"));
    }
    let band: Vec<(&str, &str)> = o.age_band.iter().map(|b| (b.as_str(), "the age band column")).collect();
    let cols = request(table, &numbers, &o.common.group_by, &band)?;
    let band_slot = o.age_band.as_ref().map(|_| o.common.group_by.len());
    let stdpop_slot = o.stdpop.as_ref().map(|_| 2);
    let frequency_slot = o.event_frequency.as_ref().map(|_| 2 + usize::from(o.stdpop.is_some()));
    // The column of each input the accumulator names.
    let column_of = |input: &str| -> String {
        match input {
            "population" => o.denominator.clone(),
            "standard population" => o.stdpop.clone().unwrap_or_default(),
            "age band" => o.age_band.clone().unwrap_or_default(),
            "event frequency" => o.event_frequency.clone().unwrap_or_default(),
            _ => o.count.clone(),
        }
    };
    let mut reader = cols.reader;
    let mut groups: Groups<Dsr> = Groups::new(&o.common.group_by);
    let mut summary = RunSummary::default();
    let file = reader.name().to_string();
    reader.for_each_chunk_read_ahead(|chunk| {
        for row in 0..chunk.len {
            let number = |slot: Option<usize>| slot.and_then(|s| chunk.numbers[s][row]);
            let dsr_row = DsrRow {
                count: chunk.numbers[0][row],
                population: chunk.numbers[1][row],
                stdpop: number(stdpop_slot),
                band: band_slot.and_then(|s| chunk.text(s, row)),
                frequency: number(frequency_slot),
            };
            groups
                .entry(&chunk, &cols.key_slots, row, || Dsr::new(&input))
                .update(dsr_row)
                .map_err(|refusal| refused_in_row(refusal, &file, chunk.first_row + row as u64, column_of))?;
        }
        summary.rows_read += chunk.len as u64;
        progress.position(summary.rows_read);
        Ok(())
    })?;
    let sorted = groups.into_sorted();
    let keys: Vec<&[String]> = sorted.iter().map(|(k, _)| k.as_slice()).collect();
    let mut out = key_columns(&o.common.group_by, &keys);
    let (mut counts, mut pops) = (Vec::new(), Vec::new());
    let mut est = EstimateColumns::new(&o.common.confidence);
    for (key, g) in &sorted {
        let e = g.evaluate().map_err(|refusal| {
            let at = Location { file: reader.name().to_string(), row: None, column: None };
            refused(refusal, at, Some(key_label(&o.common.group_by, key)))
        })?;
        if e.estimate.value.is_none() {
            summary.warnings.push(format!("{}: {}", key_label(&o.common.group_by, key), e.estimate.statistic));
        }
        counts.push(Some(e.total_count));
        pops.push(Some(e.total_pop));
        est.push(&e.estimate);
    }
    out.push("total_count", OutputColumn::Number(counts));
    out.push("total_pop", OutputColumn::Number(pops));
    est.append_to(&mut out);
    writer.write(&out)?;
    Ok(summary)
}
