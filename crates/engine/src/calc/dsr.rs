//! `fairer calc dsr`: directly standardised rates with Dobson limits ([`stats::dsr`]).
//!
//! The standard population comes from a column (`--stdpop`) or, with `--age-band` and no
//! `--stdpop`, from the built-in European Standard Population 2013 joined on the band's start
//! age (0, 5, …, 90, or labels such as `0-4`, `90+`); each group must then have each of the 19
//! bands exactly once. With `--event-frequency` the events are non-independent: each row
//! counts the people with that many events in an age band (`--age-band` is then required).

use std::collections::HashMap;

use stats::dsr::{band_start_age, esp2013_weight, DsrAccumulator, FrequencyCount};

use super::groups::{key_columns, key_label, request, Groups};
use super::{CommonOptions, EstimateColumns, Progress, RunSummary};
use crate::error::{EngineError, Location, Result};
use crate::input::InputTable;
use crate::output::{OutputColumn, TableWriter};

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

enum Group {
    Independent { acc: DsrAccumulator, bands_seen: u32 },
    NonIndependent { rows: Vec<FrequencyCount>, bands: HashMap<String, u32> },
}

/// Computes the DSR of each group, with the reference's `total_count` and `total_pop`.
///
/// # Errors
/// A missing column, a non-number, a negative count, a population ≤ 0, an age band that is not
/// an ESP 2013 band, or a group without each ESP band exactly once, each with where it was.
pub fn run(o: &DsrOptions, table: InputTable, writer: &mut TableWriter, progress: &dyn Progress) -> Result<RunSummary> {
    if o.stdpop.is_none() && o.age_band.is_none() {
        return Err(EngineError::Usage(
            "dsr needs a standard population: give --stdpop COLUMN, or --age-band COLUMN to use the European Standard Population 2013".into(),
        ));
    }
    if o.event_frequency.is_some() && o.age_band.is_none() {
        return Err(EngineError::Usage("--event-frequency needs --age-band to identify each age band".into()));
    }
    stats::error::positive("--multiplier", o.multiplier).map_err(|e| EngineError::Usage(e.to_string()))?;
    let mut numbers: Vec<(&str, &str)> = vec![(&o.count, "--count"), (&o.denominator, "--denominator")];
    if let Some(s) = &o.stdpop {
        numbers.push((s, "--stdpop"));
    }
    if let Some(f) = &o.event_frequency {
        numbers.push((f, "--event-frequency"));
    }
    let band: Vec<(&str, &str)> = o.age_band.iter().map(|b| (b.as_str(), "--age-band")).collect();
    let cols = request(table, &numbers, &o.common.group_by, &band)?;
    let band_slot = o.age_band.as_ref().map(|_| o.common.group_by.len());
    let band_col = o.age_band.clone();
    let mut reader = cols.reader;
    let mut groups: Groups<Group> = Groups::new(&o.common.group_by);
    let mut summary = RunSummary::default();
    let non_independent = o.event_frequency.is_some();
    let freq_slot = 2 + usize::from(o.stdpop.is_some());
    let file = reader.name().to_string();
    reader.for_each_chunk_read_ahead(|chunk| {
        for row in 0..chunk.len {
            let row_no = chunk.first_row + row as u64;
            let at = |column: &str| Location {
                file: file.as_str().to_string(),
                row: Some(row_no),
                column: Some(column.to_string()),
            };
            let band_label = band_slot.and_then(|s| chunk.text(s, row)).unwrap_or_default();
            let stdpop = match o.stdpop {
                Some(_) => chunk.numbers[2][row].ok_or_else(|| EngineError::BadValue {
                    at: at(o.stdpop.as_deref().unwrap_or("stdpop")),
                    expected: "a standard population (stdpop cannot have missing values)".into(),
                    found: String::new(),
                })?,
                None => band_start_age(&band_label).and_then(esp2013_weight).ok_or_else(|| EngineError::BadValue {
                    at: at(band_col.as_deref().unwrap_or("age band")),
                    expected: "an ESP 2013 age band: a start age 0, 5, …, 90 or a label such as 0-4 or 90+".into(),
                    found: band_label.to_string(),
                })?,
            };
            let n = chunk.numbers[1][row].ok_or_else(|| EngineError::BadValue {
                at: at(&o.denominator),
                expected: "a population (populations cannot be missing)".into(),
                found: String::new(),
            })?;
            let x = chunk.numbers[0][row];
            let method_error = |source| EngineError::Method { at: at(&o.count), group: None, source };
            let g = groups.entry(&chunk, &cols.key_slots, row, || {
                if non_independent {
                    Group::NonIndependent { rows: Vec::new(), bands: HashMap::new() }
                } else {
                    Group::Independent { acc: DsrAccumulator::default(), bands_seen: 0 }
                }
            });
            match g {
                Group::Independent { acc, bands_seen } => {
                    acc.add(x, n, stdpop).map_err(method_error)?;
                    if o.stdpop.is_none() {
                        if let Some(age) = band_start_age(&band_label) {
                            let bit = 1u32 << (age / 5);
                            if *bands_seen & bit != 0 {
                                return Err(EngineError::BadValue {
                                    at: at(band_col.as_deref().unwrap_or("age band")),
                                    expected: "each age band once per group".into(),
                                    found: band_label.to_string(),
                                });
                            }
                            *bands_seen |= bit;
                        }
                    }
                }
                Group::NonIndependent { rows, bands } => {
                    let frequency = chunk.numbers[freq_slot][row].ok_or_else(|| EngineError::BadValue {
                        at: at(o.event_frequency.as_deref().unwrap_or("event frequency")),
                        expected: "an event frequency (1, 2, 3, …)".into(),
                        found: String::new(),
                    })?;
                    let next = bands.len() as u32;
                    let band = match bands.get(band_label) {
                        Some(&b) => b,
                        None => *bands.entry(band_label.to_string()).or_insert(next),
                    };
                    rows.push(FrequencyCount { band, frequency, persons: x, n, stdpop });
                }
            }
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
        let group_error = |source| EngineError::Method {
            at: Location { file: reader.name().to_string(), row: None, column: None },
            group: Some(key_label(&o.common.group_by, key)),
            source,
        };
        let e = match g {
            Group::Independent { acc, bands_seen } => {
                if o.stdpop.is_none() && bands_seen.count_ones() != 19 {
                    let missing: Vec<String> = (0..19u32)
                        .filter(|b| bands_seen & (1 << b) == 0)
                        .map(|b| if b == 18 { "90+".to_string() } else { format!("{}-{}", b * 5, b * 5 + 4) })
                        .collect();
                    return Err(group_error(stats::StatsError::Shape(format!(
                        "expected the 19 ESP 2013 age bands (0-4 … 90+), found {}; missing {}",
                        bands_seen.count_ones(),
                        missing.join(", ")
                    ))));
                }
                acc.estimate(o.multiplier, &o.common.confidence)
            }
            Group::NonIndependent { rows, .. } => {
                stats::dsr::directly_standardised_rate_non_independent(rows, o.multiplier, &o.common.confidence)
                    .map_err(group_error)?
            }
        };
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
