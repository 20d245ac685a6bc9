//! `fairer calc isratio` and `fairer calc israte`: indirectly standardised ratios and rates
//! ([`stats::isr`]). The reference counts and populations are columns beside each age band's
//! count and population; every group must have the same number of rows (age bands).

use stats::isr::IsrAccumulator;

use super::groups::{key_columns, key_label, request, Groups};
use super::{CommonOptions, EstimateColumns, Progress, RunSummary};
use crate::error::{EngineError, Location, Result};
use crate::input::InputTable;
use crate::output::{OutputColumn, TableWriter};

/// Whether the result is a ratio or a rate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum IsrKind {
    /// O/E × refvalue (1 by default, 100 for an SMR as a percentage).
    Ratio {
        /// The ratio's scale.
        refvalue: f64,
    },
    /// O/E × reference rate × multiplier (100,000 by default).
    Rate {
        /// Rate per this many.
        multiplier: f64,
    },
}

/// Options of `calc isratio` / `calc israte`.
#[derive(Clone, Debug)]
pub struct IsrOptions {
    /// Observed events (`--count`).
    pub count: String,
    /// Population (`--denominator`).
    pub denominator: String,
    /// Reference events (`--ref-count`).
    pub ref_count: String,
    /// Reference population (`--ref-denominator`).
    pub ref_denominator: String,
    /// Ratio or rate.
    pub kind: IsrKind,
    /// Confidence and grouping.
    pub common: CommonOptions,
}

struct Group {
    acc: IsrAccumulator,
    rows: u64,
}

/// Computes each group's ISR with the reference's `observed`, `expected` (and for rates
/// `ref_rate`) columns.
///
/// # Errors
/// A missing column, a non-number, a negative count or population, a reference population
/// ≤ 0 or missing, or groups with different numbers of rows.
pub fn run(o: &IsrOptions, table: InputTable, writer: &mut TableWriter, progress: &dyn Progress) -> Result<RunSummary> {
    let scale = match o.kind {
        IsrKind::Ratio { refvalue } => ("--refvalue", refvalue),
        IsrKind::Rate { multiplier } => ("--multiplier", multiplier),
    };
    stats::error::positive(scale.0, scale.1).map_err(|e| EngineError::Usage(e.to_string()))?;
    let cols = request(
        table,
        &[
            (&o.count, "--count"),
            (&o.denominator, "--denominator"),
            (&o.ref_count, "--ref-count"),
            (&o.ref_denominator, "--ref-denominator"),
        ],
        &o.common.group_by,
        &[],
    )?;
    let mut reader = cols.reader;
    let mut groups: Groups<Group> = Groups::new(&o.common.group_by);
    let mut summary = RunSummary::default();
    let file = reader.name().to_string();
    reader.for_each_chunk_read_ahead(|chunk| {
        for row in 0..chunk.len {
            let at = |column: &str| Location {
                file: file.as_str().to_string(),
                row: Some(chunk.first_row + row as u64),
                column: Some(column.to_string()),
            };
            let n_ref = chunk.numbers[3][row].ok_or_else(|| EngineError::BadValue {
                at: at(&o.ref_denominator),
                expected: "a reference population (it cannot be missing)".into(),
                found: String::new(),
            })?;
            let g = groups.entry(&chunk, &cols.key_slots, row, || Group { acc: IsrAccumulator::default(), rows: 0 });
            g.acc
                .add(chunk.numbers[0][row], chunk.numbers[1][row], chunk.numbers[2][row], n_ref)
                .map_err(|source| EngineError::Method { at: at(&o.count), group: None, source })?;
            g.rows += 1;
        }
        summary.rows_read += chunk.len as u64;
        progress.position(summary.rows_read);
        Ok(())
    })?;
    let sorted = groups.into_sorted();
    if let (Some(first), Some(other)) = (sorted.first(), sorted.iter().find(|(_, g)| g.rows != sorted[0].1.rows)) {
        return Err(EngineError::Method {
            at: Location { file: reader.name().to_string(), row: None, column: None },
            group: Some(key_label(&o.common.group_by, &other.0)),
            source: stats::StatsError::Shape(format!(
                "data must contain the same number of rows for each group: {} has {}, {} has {}",
                key_label(&o.common.group_by, &first.0),
                first.1.rows,
                key_label(&o.common.group_by, &other.0),
                other.1.rows
            )),
        });
    }
    let keys: Vec<&[String]> = sorted.iter().map(|(k, _)| k.as_slice()).collect();
    let mut out = key_columns(&o.common.group_by, &keys);
    let (mut observed, mut expected, mut ref_rate) = (Vec::new(), Vec::new(), Vec::new());
    let mut est = EstimateColumns::new(&o.common.confidence);
    for (_, g) in &sorted {
        let e = match o.kind {
            IsrKind::Ratio { refvalue } => g.acc.ratio(refvalue, &o.common.confidence),
            IsrKind::Rate { multiplier } => g.acc.rate(multiplier, &o.common.confidence),
        };
        observed.push(Some(e.observed));
        expected.push(Some(e.expected));
        ref_rate.push(e.ref_rate);
        est.push(&e.estimate);
    }
    out.push("observed", OutputColumn::Number(observed));
    out.push("expected", OutputColumn::Number(expected));
    if matches!(o.kind, IsrKind::Rate { .. }) {
        out.push("ref_rate", OutputColumn::Number(ref_rate));
    }
    est.append_to(&mut out);
    writer.write(&out)?;
    Ok(summary)
}
