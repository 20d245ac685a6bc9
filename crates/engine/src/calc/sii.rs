//! `fairer calc sii`: slope and relative index of inequality across quantiles (usually
//! deprivation deciles) per group ([`stats::sii`]), limits by simulation.
//!
//! Groups are computed in parallel (one group per task), each with its own random stream
//! seeded from `--seed` and the group's position, so results are repeatable and independent of
//! the number of threads.

use rayon::prelude::*;
use stats::sii::{SiiOptions, SiiValueType};

use super::accumulator::{Accumulator, Sii, SiiInput, SiiRow};
use super::groups::{key_columns, key_label, request, Groups};
use super::table::{refused, refused_in_row, CommonOptions, RunSummary};
use crate::error::{Location, Result};
use crate::input::InputTable;
use crate::output::{OutputColumn, TableWriter};
use crate::progress::Progress;

/// Where each quantile's standard error comes from.
#[derive(Clone, Debug)]
pub enum SeSource {
    /// A column of standard errors (`--se`).
    Column(String),
    /// Derived from 95% limits (`--lower-cl`, `--upper-cl`).
    Limits {
        /// Lower 95% limit column.
        lower: String,
        /// Upper 95% limit column.
        upper: String,
    },
}

/// Options of `calc sii`.
#[derive(Clone, Debug)]
pub struct SiiCalcOptions {
    /// Quantile column (`--quantile`), 1 = most deprived by convention.
    pub quantile: String,
    /// Population column (`--population`).
    pub population: String,
    /// Value column (`--value`).
    pub value: String,
    /// Standard errors.
    pub se: SeSource,
    /// Value type, transform, multiplier, repetitions, RII and seed (confidence is taken from
    /// `common`).
    pub sii: SiiOptions,
    /// Confidence and grouping.
    pub common: CommonOptions,
}

/// Mixes the run's seed with a group's position (SplitMix64), so each group has its own
/// repeatable stream.
fn group_seed(seed: u64, index: usize) -> u64 {
    let mut z = seed ^ (index as u64).wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Computes the SII (and RII) of each group, with the reference's metadata columns
/// (`indicator_type`, `multiplier`, `transform`, `CI_confidence`, `CI_method`).
///
/// # Errors
/// A missing column, a non-number or missing value, or a group the method refuses (fewer than 5
/// or more than 100 quantiles, populations ≤ 0, …), naming the group.
pub fn run(
    o: &SiiCalcOptions,
    table: InputTable,
    writer: &mut TableWriter,
    progress: &dyn Progress,
) -> Result<RunSummary> {
    let mut numbers: Vec<(&str, &str)> = vec![
        (&o.quantile, "the quantile column"),
        (&o.population, "the population column"),
        (&o.value, "the value column"),
    ];
    match &o.se {
        SeSource::Column(c) => numbers.push((c, "the standard error column")),
        SeSource::Limits { lower, upper } => {
            numbers.push((lower, "the lower limit column"));
            numbers.push((upper, "the upper limit column"));
        }
    }
    let cols = request(table, &numbers, &o.common.group_by, &[])?;
    let input = match o.se {
        SeSource::Column(_) => SiiInput::StandardError,
        SeSource::Limits { .. } => SiiInput::Limits,
    };
    let mut options = o.sii.clone();
    options.confidence = o.common.confidence.clone();
    let column_of = |input: &str| -> String {
        match (input, &o.se) {
            ("quantile", _) => o.quantile.clone(),
            ("population", _) => o.population.clone(),
            ("value", _) => o.value.clone(),
            (_, SeSource::Column(se)) => se.clone(),
            ("lower limit", SeSource::Limits { lower, .. }) => lower.clone(),
            (_, SeSource::Limits { upper, .. }) => upper.clone(),
        }
    };
    let mut reader = cols.reader;
    let mut groups: Groups<Sii> = Groups::new(&o.common.group_by);
    let mut summary = RunSummary::default();
    let file = reader.name().to_string();
    reader.for_each_chunk_read_ahead(|chunk| {
        for row in 0..chunk.len {
            let n = |slot: usize| chunk.numbers.get(slot).and_then(|c| c[row]);
            let quantile_row = match input {
                SiiInput::StandardError => {
                    SiiRow { quantile: n(0), population: n(1), value: n(2), se: n(3), ..SiiRow::default() }
                }
                SiiInput::Limits => SiiRow {
                    quantile: n(0),
                    population: n(1),
                    value: n(2),
                    lower: n(3),
                    upper: n(4),
                    ..SiiRow::default()
                },
            };
            let group = groups.entry(&chunk, &cols.key_slots, row, || Sii::new(input, &options));
            group
                .update(quantile_row)
                .map_err(|refusal| refused_in_row(refusal, &file, chunk.first_row + row as u64, column_of))?;
        }
        summary.rows_read += chunk.len as u64;
        progress.position(summary.rows_read);
        Ok(())
    })?;
    let sorted = groups.into_sorted();
    let total = sorted.len() as u64;
    progress.stage("groups", total);
    let done = std::sync::atomic::AtomicU64::new(0);
    let results: Vec<_> = sorted
        .par_iter()
        .enumerate()
        .map(|(i, (_, group))| {
            let r = group.evaluate_seeded(group_seed(options.seed, i));
            let d = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            progress.position(d);
            r
        })
        .collect();
    let keys: Vec<&[String]> = sorted.iter().map(|(k, _)| k.as_slice()).collect();
    let mut out = key_columns(&o.common.group_by, &keys);
    let levels = &o.common.confidence;
    let mut sii = Vec::new();
    let mut sii_limits = vec![(Vec::new(), Vec::new()); levels.len()];
    let mut rii = Vec::new();
    let mut rii_limits = vec![(Vec::new(), Vec::new()); levels.len()];
    for ((key, _), r) in sorted.iter().zip(results) {
        let r = r.map_err(|refusal| {
            let at = Location { file: reader.name().to_string(), row: None, column: None };
            refused(refusal, at, Some(key_label(&o.common.group_by, key)))
        })?;
        for w in &r.warnings {
            summary.warnings.push(format!("{}: {w}", key_label(&o.common.group_by, key)));
        }
        sii.push(r.sii.value);
        for (i, l) in r.sii.limits.iter().enumerate().take(levels.len()) {
            sii_limits[i].0.push(l.lower);
            sii_limits[i].1.push(l.upper);
        }
        rii.push(r.rii_value());
        let limits = r.rii_limits();
        for (i, (lower, upper)) in rii_limits.iter_mut().enumerate().take(levels.len()) {
            let l = limits.get(i);
            lower.push(l.and_then(|l| l.lower));
            upper.push(l.and_then(|l| l.upper));
        }
    }
    // The reference always names SII limits with the level: sii_lower95_0cl, …
    let names_of = |prefix: &str| -> Vec<(String, String)> {
        levels
            .iter()
            .map(|l| (format!("{prefix}lower{}cl", l.column_infix()), format!("{prefix}upper{}cl", l.column_infix())))
            .collect()
    };
    out.push("sii", OutputColumn::Number(sii));
    for ((lower, upper), (ln, un)) in sii_limits.into_iter().zip(names_of("sii_")) {
        out.push(ln, OutputColumn::Number(lower));
        out.push(un, OutputColumn::Number(upper));
    }
    if options.rii {
        out.push("rii", OutputColumn::Number(rii));
        for ((lower, upper), (ln, un)) in rii_limits.into_iter().zip(names_of("rii_")) {
            out.push(ln, OutputColumn::Number(lower));
            out.push(un, OutputColumn::Number(upper));
        }
    }
    let n = keys.len();
    out.push("indicator_type", OutputColumn::Text(vec![Some(options.value_type.label().to_string()); n]));
    out.push("multiplier", OutputColumn::Number(vec![Some(options.multiplier); n]));
    out.push("transform", OutputColumn::Text(vec![Some(options.transform_label().to_string()); n]));
    out.push("CI_confidence", OutputColumn::Text(vec![Some(stats::confidence::confidence_label(levels)); n]));
    out.push("CI_method", OutputColumn::Text(vec![Some(options.ci_method()); n]));
    writer.write(&out)?;
    Ok(summary)
}

/// Parses `--value-type`: 0 / normal, 1 / rate, 2 / proportion.
///
/// # Errors
/// Anything else.
pub fn parse_value_type(s: &str) -> std::result::Result<SiiValueType, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "0" | "normal" | "plain" => Ok(SiiValueType::Plain),
        "1" | "rate" => Ok(SiiValueType::Rate),
        "2" | "proportion" => Ok(SiiValueType::Proportion),
        other => Err(format!("expected 0 (normal), 1 (rate) or 2 (proportion), found \"{other}\"")),
    }
}
