//! `fairer calc rate`: crude rates with exact / Byar's limits ([`stats::rate`]).

use super::accumulator::NumeratorDenominatorKind;
use super::numerator_denominator::{self, NumeratorDenominator};
use super::table::{CommonOptions, RunSummary};
use crate::error::Result;
use crate::input::InputTable;
use crate::output::TableWriter;
use crate::progress::Progress;

/// Options of `calc rate`.
#[derive(Clone, Debug)]
pub struct RateOptions {
    /// Count and denominator columns.
    pub columns: NumeratorDenominator,
    /// Confidence and grouping.
    pub common: CommonOptions,
    /// Rate per this many (100,000 by default).
    pub multiplier: f64,
}

/// Computes crude rates: row-wise, or summed within groups.
///
/// # Errors
/// Missing columns, non-numbers, a negative count or a denominator ≤ 0, each with its file,
/// row and column.
pub fn run(
    o: &RateOptions,
    table: InputTable,
    writer: &mut TableWriter,
    progress: &dyn Progress,
) -> Result<RunSummary> {
    let method = numerator_denominator::Method {
        kind: NumeratorDenominatorKind::CrudeRate,
        multiplier: o.multiplier,
        columns: &o.columns,
        common: &o.common,
    };
    numerator_denominator::run(&method, table, writer, progress)
}
