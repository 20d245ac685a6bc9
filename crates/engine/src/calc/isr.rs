//! `fairer calc isratio` and `fairer calc israte`: indirectly standardised ratios and rates
//! ([`stats::isr`]). The reference counts and populations are columns beside each age band's
//! count and population; every group must have the same number of rows (age bands).

pub use super::accumulator::IsrKind;

use super::accumulator::{Accumulator, Isr, IsrRow};
use super::groups::{key_columns, key_label, request, Groups};
use super::table::{refused, refused_in_row, CommonOptions, EstimateColumns, RunSummary};
use crate::error::{EngineError, Location, Result};
use crate::input::InputTable;
use crate::output::{OutputColumn, TableWriter};
use crate::progress::Progress;

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

/// Computes each group's ISR with the reference's `observed`, `expected` (and for rates
/// `ref_rate`) columns.
///
/// # Errors
/// A missing column, a non-number, a negative count or population, a reference population
/// ≤ 0 or missing, or groups with different numbers of rows.
pub fn run(o: &IsrOptions, table: InputTable, writer: &mut TableWriter, progress: &dyn Progress) -> Result<RunSummary> {
    let kind = o.kind.checked().map_err(|e| match o.kind {
        IsrKind::Ratio { .. } => EngineError::option("the reference value", e),
        IsrKind::Rate { .. } => EngineError::option("the multiplier", e),
    })?;
    let cols = request(
        table,
        &[
            (&o.count, "the count column"),
            (&o.denominator, "the denominator column"),
            (&o.ref_count, "the reference count column"),
            (&o.ref_denominator, "the reference denominator column"),
        ],
        &o.common.group_by,
        &[],
    )?;
    let mut reader = cols.reader;
    let mut groups: Groups<Isr> = Groups::new(&o.common.group_by);
    let mut summary = RunSummary::default();
    let file = reader.name().to_string();
    let column_of = |input: &str| -> String {
        match input {
            "population" => o.denominator.clone(),
            "reference count" => o.ref_count.clone(),
            "reference population" => o.ref_denominator.clone(),
            _ => o.count.clone(),
        }
    };
    reader.for_each_chunk_read_ahead(|chunk| {
        for row in 0..chunk.len {
            let isr_row = IsrRow {
                count: chunk.numbers[0][row],
                population: chunk.numbers[1][row],
                ref_count: chunk.numbers[2][row],
                ref_population: chunk.numbers[3][row],
            };
            let group = groups.entry(&chunk, &cols.key_slots, row, || Isr::new(kind, &o.common.confidence));
            group
                .update(isr_row)
                .map_err(|refusal| refused_in_row(refusal, &file, chunk.first_row + row as u64, column_of))?;
        }
        summary.rows_read += chunk.len as u64;
        progress.position(summary.rows_read);
        Ok(())
    })?;
    let sorted = groups.into_sorted();
    if let (Some(first), Some(other)) = (sorted.first(), sorted.iter().find(|(_, g)| g.rows() != sorted[0].1.rows())) {
        return Err(EngineError::Method {
            at: Location { file: reader.name().to_string(), row: None, column: None },
            group: Some(key_label(&o.common.group_by, &other.0)),
            source: Box::new(stats::StatsError::Shape(format!(
                "data must contain the same number of rows for each group: {} has {}, {} has {}",
                key_label(&o.common.group_by, &first.0),
                first.1.rows(),
                key_label(&o.common.group_by, &other.0),
                other.1.rows()
            ))),
        });
    }
    let keys: Vec<&[String]> = sorted.iter().map(|(k, _)| k.as_slice()).collect();
    let mut out = key_columns(&o.common.group_by, &keys);
    let (mut observed, mut expected, mut ref_rate) = (Vec::new(), Vec::new(), Vec::new());
    let mut est = EstimateColumns::new(&o.common.confidence);
    for (key, g) in &sorted {
        let e = g.evaluate().map_err(|refusal| {
            let at = Location { file: reader.name().to_string(), row: None, column: None };
            refused(refusal, at, Some(key_label(&o.common.group_by, key)))
        })?;
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
