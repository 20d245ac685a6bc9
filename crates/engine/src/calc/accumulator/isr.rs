//! Indirectly standardised ratios and rates: the age bands of a group against a reference.

use stats::error::positive;
use stats::isr::{IsrAccumulator, IsrEstimate};
use stats::{ConfidenceLevel, StatsError};

use super::contract::{required, Accumulator, Refusal};

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

impl IsrKind {
    /// Checks the scale.
    ///
    /// # Errors
    /// A refvalue or multiplier that is not a positive number.
    pub fn checked(self) -> Result<IsrKind, StatsError> {
        match self {
            IsrKind::Ratio { refvalue } => positive("refvalue", refvalue).map(|_| self),
            IsrKind::Rate { multiplier } => positive("multiplier", multiplier).map(|_| self),
        }
    }
}

/// One age band of an ISR: the area's count and population (missing counts as 0) and the
/// reference's count (missing counts as 0) and population (required, > 0).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct IsrRow {
    /// Observed events x.
    pub count: Option<f64>,
    /// Population n.
    pub population: Option<f64>,
    /// Reference events x_ref.
    pub ref_count: Option<f64>,
    /// Reference population n_ref.
    pub ref_population: Option<f64>,
}

/// The age bands of one group for an indirectly standardised ratio or rate ([`stats::isr`]):
/// O = Σx, E = Σ x_ref/n_ref · n, exact limits below 10 observed, Byar's from 10.
///
/// Checks, row by row: a reference population (never missing, > 0); counts and populations
/// ≥ 0 ([`IsrAccumulator::add`]).
#[derive(Clone, Copy, Debug)]
pub struct Isr<'o> {
    kind: IsrKind,
    confidence: &'o [ConfidenceLevel],
    sums: IsrAccumulator,
    rows: u64,
}

impl<'o> Isr<'o> {
    /// An empty group.
    pub fn new(kind: IsrKind, confidence: &'o [ConfidenceLevel]) -> Self {
        Isr { kind, confidence, sums: IsrAccumulator::default(), rows: 0 }
    }

    /// The number of rows (age bands) added.
    pub fn rows(&self) -> u64 {
        self.rows
    }
}

impl Accumulator for Isr<'_> {
    type Row<'a> = IsrRow;
    type Output = IsrEstimate;

    fn update(&mut self, row: IsrRow) -> Result<(), Refusal> {
        let n_ref =
            required(row.ref_population, "reference population", "a reference population (it cannot be missing)")?;
        self.sums.add(row.count, row.population, row.ref_count, n_ref).map_err(Refusal::of_row)?;
        self.rows += 1;
        Ok(())
    }

    fn merge(&mut self, other: Self) -> Result<(), Refusal> {
        self.sums.merge(&other.sums);
        self.rows += other.rows;
        Ok(())
    }

    fn evaluate(&self) -> Result<IsrEstimate, Refusal> {
        Ok(match self.kind {
            IsrKind::Ratio { refvalue } => self.sums.ratio(refvalue, self.confidence),
            IsrKind::Rate { multiplier } => self.sums.rate(multiplier, self.confidence),
        })
    }
}
