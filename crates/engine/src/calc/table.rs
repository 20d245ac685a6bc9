//! What the table form of every method shares: the common options, the run summary, the
//! columns of an estimate, and how an accumulator's refusal becomes an engine error.

use stats::confidence::confidence_label;
use stats::{ConfidenceLevel, Estimate};

use super::accumulator::Refusal;
use crate::error::{EngineError, Location};
use crate::output::{LabelColumn, OutputColumn, OutputTable};

/// Options every method shares.
#[derive(Clone, Debug)]
pub struct CommonOptions {
    /// Confidence levels: one, or 0.95 and 0.998 (see [`stats::confidence::confidence_levels`]).
    pub confidence: Vec<ConfidenceLevel>,
    /// Columns whose distinct values form the groups, in output order.
    pub group_by: Vec<String>,
}

impl Default for CommonOptions {
    fn default() -> Self {
        CommonOptions { confidence: vec![ConfidenceLevel::C95], group_by: Vec::new() }
    }
}

/// What a run did, for the command line to report.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunSummary {
    /// Input rows read.
    pub rows_read: u64,
    /// Output rows written.
    pub rows_written: u64,
    /// Warnings worth showing (e.g. groups with no value and why), at most a few.
    pub warnings: Vec<String>,
}

/// The limit column names for a set of levels: `lowercl`/`uppercl` for one level,
/// `lower95_0cl`/`upper95_0cl`, … for two (prefixed, e.g. `sii_`, when `prefix` is given).
pub fn limit_column_names(levels: &[ConfidenceLevel], prefix: &str) -> Vec<(String, String)> {
    if levels.len() == 1 {
        vec![(format!("{prefix}lowercl"), format!("{prefix}uppercl"))]
    } else {
        levels
            .iter()
            .map(|l| (format!("{prefix}lower{}cl", l.column_infix()), format!("{prefix}upper{}cl", l.column_infix())))
            .collect()
    }
}

/// Collects [`Estimate`]s into the `value`, limit, `confidence`, `statistic` and `method`
/// columns.
#[derive(Debug)]
pub struct EstimateColumns {
    levels: Vec<ConfidenceLevel>,
    value: Vec<Option<f64>>,
    lower: Vec<Vec<Option<f64>>>,
    upper: Vec<Vec<Option<f64>>>,
    confidence: LabelColumn,
    confidence_label: u32,
    statistic: LabelColumn,
    method: LabelColumn,
}

impl EstimateColumns {
    /// Empty columns for `levels`.
    pub fn new(levels: &[ConfidenceLevel]) -> Self {
        let mut confidence = LabelColumn::new();
        let confidence_label = confidence.add_label(&confidence_label(levels));
        EstimateColumns {
            levels: levels.to_vec(),
            value: Vec::new(),
            lower: vec![Vec::new(); levels.len()],
            upper: vec![Vec::new(); levels.len()],
            confidence,
            confidence_label,
            statistic: LabelColumn::new(),
            method: LabelColumn::new(),
        }
    }

    /// Adds one row from an estimate.
    pub fn push(&mut self, e: &Estimate) {
        self.push_values(e.value, &e.limits);
        self.statistic.push(Some(&e.statistic));
        self.method.push(Some(e.method));
    }

    /// Registers a `statistic` wording for [`EstimateColumns::push_labelled`], for methods
    /// whose rows cycle through a few wordings.
    pub fn statistic_label(&mut self, statistic: &str) -> u32 {
        self.statistic.add_label(statistic)
    }

    /// Adds one row from its value and limits, with a statistic registered by
    /// [`EstimateColumns::statistic_label`].
    pub fn push_labelled(&mut self, value: Option<f64>, limits: &[stats::Limits], statistic: u32, method: &str) {
        self.push_values(value, limits);
        self.statistic.push_index(Some(statistic));
        self.method.push(Some(method));
    }

    fn push_values(&mut self, value: Option<f64>, limits: &[stats::Limits]) {
        self.value.push(value);
        for (i, l) in limits.iter().enumerate().take(self.levels.len()) {
            self.lower[i].push(l.lower);
            self.upper[i].push(l.upper);
        }
        self.confidence.push_index(Some(self.confidence_label));
    }

    /// Adds a row with no value (missing input): only the statistic is said.
    pub fn push_missing(&mut self, statistic: &str, method: Option<&str>) {
        self.value.push(None);
        for i in 0..self.levels.len() {
            self.lower[i].push(None);
            self.upper[i].push(None);
        }
        self.confidence.push_index(Some(self.confidence_label));
        self.statistic.push(Some(statistic));
        self.method.push(method);
    }

    /// Appends the columns to `table`.
    pub fn append_to(self, table: &mut OutputTable) {
        table.push("value", OutputColumn::Number(self.value));
        let names = limit_column_names(&self.levels, "");
        for ((lower, upper), (ln, un)) in self.lower.into_iter().zip(self.upper).zip(names) {
            table.push(ln, OutputColumn::Number(lower));
            table.push(un, OutputColumn::Number(upper));
        }
        table.push("confidence", OutputColumn::Labels(self.confidence));
        table.push("statistic", OutputColumn::Labels(self.statistic));
        table.push("method", OutputColumn::Labels(self.method));
    }
}

/// An accumulator's refusal of data row `row` of `file` as an engine error, in the column
/// `column_of` gives for the input the refusal names.
pub fn refused_in_row(refusal: Refusal, file: &str, row: u64, column_of: impl Fn(&str) -> String) -> EngineError {
    let at = Location { file: file.to_string(), row: Some(row), column: refusal.input().map(column_of) };
    refused(refusal, at, None)
}

/// An accumulator's refusal as an engine error at `at` (the row and column of a row, or the
/// file for a group) in `group`: the refusal's words with where they apply.
pub fn refused(refusal: Refusal, at: Location, group: Option<String>) -> EngineError {
    match refusal {
        Refusal::Value { expected, found, .. } => EngineError::BadValue { at, expected, found },
        Refusal::Differs { input, first, found } => EngineError::BadValue {
            at,
            expected: format!(
                "the same {input} on every row of a group (earlier rows of this group have {first}; add the column that tells them apart to the group-by columns)"
            ),
            found,
        },
        Refusal::Row { source, .. } | Refusal::Group(source) => {
            EngineError::Method { at, group, source: Box::new(source) }
        }
    }
}
