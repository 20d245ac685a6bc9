//! The slope and relative index of inequality: the quantiles of a group.

use stats::sii::{slope_index_of_inequality, SiiOptions, SiiResult, SiiStandardError};

use super::contract::{required, Accumulator, Refusal};

/// Where each quantile's standard error comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SiiInput {
    /// Given on each row ([`SiiRow::se`]).
    StandardError,
    /// Derived from each row's 95% limits ([`SiiRow::lower`], [`SiiRow::upper`]).
    Limits,
}

/// One quantile of a group: every field it uses is required.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SiiRow {
    /// The quantile (1 = most deprived by convention).
    pub quantile: Option<f64>,
    /// Its population.
    pub population: Option<f64>,
    /// Its value.
    pub value: Option<f64>,
    /// Its standard error, with [`SiiInput::StandardError`].
    pub se: Option<f64>,
    /// Its lower 95% limit, with [`SiiInput::Limits`].
    pub lower: Option<f64>,
    /// Its upper 95% limit, with [`SiiInput::Limits`].
    pub upper: Option<f64>,
}

/// The quantiles of one group for the SII and RII ([`stats::sii`]), limits by simulation.
///
/// Checks, row by row: every value present. At [`Accumulator::evaluate`], those of
/// [`slope_index_of_inequality`] (5 to 100 quantiles, populations > 0, …).
#[derive(Clone, Debug)]
pub struct Sii<'o> {
    input: SiiInput,
    options: &'o SiiOptions,
    quantile: Vec<f64>,
    population: Vec<f64>,
    value: Vec<f64>,
    se_or_lower: Vec<f64>,
    upper: Vec<f64>,
}

/// What every SII input must be.
const SII_VALUE: &str = "a number (the SII needs every quantile's value)";

impl<'o> Sii<'o> {
    /// An empty group; `options` carries the confidence levels, repetitions and seed.
    pub fn new(input: SiiInput, options: &'o SiiOptions) -> Self {
        Sii {
            input,
            options,
            quantile: Vec::new(),
            population: Vec::new(),
            value: Vec::new(),
            se_or_lower: Vec::new(),
            upper: Vec::new(),
        }
    }

    /// The SII with its own random stream: [`Accumulator::evaluate`] with `seed` in place of
    /// the options' seed (each group of a table has its own).
    ///
    /// # Errors
    /// As [`Accumulator::evaluate`].
    pub fn evaluate_seeded(&self, seed: u64) -> Result<SiiResult, Refusal> {
        let mut options = self.options.clone();
        options.seed = seed;
        let se = match self.input {
            SiiInput::StandardError => SiiStandardError::Given(&self.se_or_lower),
            SiiInput::Limits => SiiStandardError::FromLimits { lower: &self.se_or_lower, upper: &self.upper },
        };
        slope_index_of_inequality(&self.quantile, &self.population, &self.value, se, &options).map_err(Refusal::Group)
    }
}

impl Accumulator for Sii<'_> {
    type Row<'a> = SiiRow;
    type Output = SiiResult;

    fn update(&mut self, row: SiiRow) -> Result<(), Refusal> {
        let quantile = required(row.quantile, "quantile", SII_VALUE)?;
        let population = required(row.population, "population", SII_VALUE)?;
        let value = required(row.value, "value", SII_VALUE)?;
        let (se_or_lower, upper) = match self.input {
            SiiInput::StandardError => (required(row.se, "standard error", SII_VALUE)?, 0.0),
            SiiInput::Limits => {
                (required(row.lower, "lower limit", SII_VALUE)?, required(row.upper, "upper limit", SII_VALUE)?)
            }
        };
        self.quantile.push(quantile);
        self.population.push(population);
        self.value.push(value);
        self.se_or_lower.push(se_or_lower);
        self.upper.push(upper);
        Ok(())
    }

    fn merge(&mut self, other: Self) -> Result<(), Refusal> {
        self.quantile.extend(other.quantile);
        self.population.extend(other.population);
        self.value.extend(other.value);
        self.se_or_lower.extend(other.se_or_lower);
        self.upper.extend(other.upper);
        Ok(())
    }

    fn evaluate(&self) -> Result<SiiResult, Refusal> {
        self.evaluate_seeded(self.options.seed)
    }
}
