//! `fairer calc proportion`: proportions with Wilson score limits ([`stats::proportion`]).

use super::accumulator::NumeratorDenominatorKind;
use super::numerator_denominator::{self, NumeratorDenominator};
use super::table::{CommonOptions, RunSummary};
use crate::error::Result;
use crate::input::InputTable;
use crate::output::TableWriter;
use crate::progress::Progress;

/// Options of `calc proportion`.
#[derive(Clone, Debug)]
pub struct ProportionOptions {
    /// Numerator and denominator columns.
    pub columns: NumeratorDenominator,
    /// Confidence and grouping.
    pub common: CommonOptions,
    /// 1 for a proportion, 100 for a percentage.
    pub multiplier: f64,
}

/// Computes proportions: row-wise, or summed within groups (see
/// [`numerator_denominator`](super::numerator_denominator)).
///
/// # Errors
/// Missing columns, non-numbers, and counts the method refuses (negative, above the
/// denominator, a denominator ≤ 0), each with its file, row and column.
pub fn run(
    o: &ProportionOptions,
    table: InputTable,
    writer: &mut TableWriter,
    progress: &dyn Progress,
) -> Result<RunSummary> {
    let method = numerator_denominator::Method {
        kind: NumeratorDenominatorKind::Proportion,
        multiplier: o.multiplier,
        columns: &o.columns,
        common: &o.common,
    };
    numerator_denominator::run(&method, table, writer, progress)
}
