//! The contract every accumulator keeps, and what it says when it refuses input.

use stats::StatsError;

/// Why an accumulator refused its input, in the statistic's words; the caller adds where.
#[derive(Clone, Debug, PartialEq)]
pub enum Refusal {
    /// A value of one row is not what the input should hold (a missing population, a label
    /// that is not an age band, a band given twice in a group).
    Value {
        /// The input concerned, by the statistic's name for it ("population", "age band").
        input: &'static str,
        /// What was expected, e.g. "a population (populations cannot be missing)".
        expected: String,
        /// What was there (empty when the value is missing).
        found: String,
    },
    /// A value every row of a group must share (a dimension's scale, …) differs from the
    /// value earlier rows gave.
    Differs {
        /// The input concerned, by the statistic's name for it ("indicator scale").
        input: &'static str,
        /// The value of the earlier rows.
        first: String,
        /// The value of this row (or of the partial state merged in).
        found: String,
    },
    /// The method refused the values of one row (a negative count, …).
    Row {
        /// The input concerned, by the statistic's name for it.
        input: &'static str,
        /// The method's reason.
        source: StatsError,
    },
    /// The method refused the group as a whole (an age band missing, too few quantiles, …).
    Group(StatsError),
}

impl Refusal {
    /// A method's refusal of one row's values, naming the input its error names (the field of
    /// a negative, non-positive or non-finite value), else the count.
    pub fn of_row(source: StatsError) -> Refusal {
        let input = match &source {
            StatsError::Negative { field, .. }
            | StatsError::NotPositive { field, .. }
            | StatsError::NotFinite { field, .. } => field,
            _ => "count",
        };
        Refusal::Row { input, source }
    }

    /// The input a row-level refusal concerns; `None` for a group.
    pub fn input(&self) -> Option<&'static str> {
        match self {
            Refusal::Value { input, .. } | Refusal::Differs { input, .. } | Refusal::Row { input, .. } => Some(input),
            Refusal::Group(_) => None,
        }
    }
}

impl std::fmt::Display for Refusal {
    /// `expected …, found "…"` for a value (`expected the same …` for one that differs), the
    /// method's reason otherwise: the words `calc` and SQL both show.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Value { expected, found, .. } => write!(f, "expected {expected}, found \"{found}\""),
            Refusal::Differs { input, first, found } => {
                write!(
                    f,
                    "expected the same {input} on every row of a group (earlier rows have {first}), found \"{found}\""
                )
            }
            Refusal::Row { source, .. } | Refusal::Group(source) => write!(f, "{source}"),
        }
    }
}

/// The state of one group of one statistic: rows in, partial states merged, an estimate out.
pub trait Accumulator {
    /// One row of the statistic's inputs.
    type Row<'a>;
    /// What a group evaluates to.
    type Output;

    /// Adds one row, after checking it.
    ///
    /// # Errors
    /// A row the statistic refuses.
    fn update(&mut self, row: Self::Row<'_>) -> Result<(), Refusal>;

    /// Adds a batch of rows in order.
    ///
    /// # Errors
    /// The first row refused, with its position in the batch (0-based).
    fn update_batch<'a>(&mut self, rows: impl IntoIterator<Item = Self::Row<'a>>) -> Result<(), (usize, Refusal)>
    where
        Self: Sized,
    {
        for (i, row) in rows.into_iter().enumerate() {
            self.update(row).map_err(|r| (i, r))?;
        }
        Ok(())
    }

    /// Folds in the partial state of the same group built from other rows (made with the same
    /// options), as if its rows had been added after this one's.
    ///
    /// # Errors
    /// Partial states that together break a rule of the group (an age band in both).
    fn merge(&mut self, other: Self) -> Result<(), Refusal>
    where
        Self: Sized;

    /// The group's estimate.
    ///
    /// # Errors
    /// A group the statistic refuses as a whole.
    fn evaluate(&self) -> Result<Self::Output, Refusal>;
}

/// A required value: the value, or a [`Refusal::Value`] saying what `input` should hold.
pub(crate) fn required(value: Option<f64>, input: &'static str, expected: &str) -> Result<f64, Refusal> {
    value.ok_or_else(|| Refusal::Value { input, expected: expected.to_string(), found: String::new() })
}
