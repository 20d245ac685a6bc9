//! `fairer calc quantile`: population quantiles (e.g. deprivation deciles) of small areas
//! within groups ([`stats::quantile`]), as the reference's `phe_quantile` assigns them.
//!
//! Every input row comes back with `quantile`, `nquantiles`, `groupvars` and `qinverted`
//! appended. The rows of all groups are held in memory (ranking needs the whole group).

use stats::quantile::{assign_quantiles, too_few_values, TOO_FEW_VALUES_WARNING};

use super::groups::{key_label, Groups};
use super::table::RunSummary;
use crate::error::{EngineError, Result};
use crate::input::{ColumnRequest, InputTable};
use crate::output::{OutputColumn, OutputTable, TableWriter};
use crate::progress::Progress;

/// Options of `calc quantile`.
#[derive(Clone, Debug)]
pub struct QuantileOptions {
    /// The value to rank (`--value`), e.g. an IMD score.
    pub value: String,
    /// Columns within whose values quantiles are assigned (`--group-by`); none for national.
    pub group_by: Vec<String>,
    /// Number of quantiles (10 for deciles).
    pub nquantiles: u32,
    /// Quantile 1 holds the highest values (the reference's default, right for deprivation
    /// scores where high is deprived).
    pub invert: bool,
}

/// Assigns quantiles within each group and writes every input row with its quantile.
///
/// # Errors
/// A missing column, a non-number, or `--nquantiles` 0.
pub fn run(
    o: &QuantileOptions,
    table: InputTable,
    writer: &mut TableWriter,
    progress: &dyn Progress,
) -> Result<RunSummary> {
    if o.nquantiles == 0 {
        return Err(EngineError::Usage("the number of quantiles must be at least 1".into()));
    }
    let value_col = table.column(&o.value, "the value column")?;
    let mut group_cols = Vec::new();
    for g in &o.group_by {
        group_cols.push(table.column(g, "a group-by column")?);
    }
    let names: Vec<String> = table.headers().to_vec();
    let request = ColumnRequest { numbers: vec![value_col], texts: (0..names.len()).collect() };
    let mut reader = table.chunks(request)?;
    let mut all_text: Vec<Vec<Option<String>>> = vec![Vec::new(); names.len()];
    let mut values: Vec<Option<f64>> = Vec::new();
    let mut groups: Groups<Vec<usize>> = Groups::new(&o.group_by);
    let mut summary = RunSummary::default();
    reader.for_each_chunk_read_ahead(|chunk| {
        let base = values.len();
        for row in 0..chunk.len {
            groups.entry(&chunk, &group_cols, row, Vec::new).push(base + row);
        }
        values.extend_from_slice(&chunk.numbers[0]);
        for (dst, src) in all_text.iter_mut().zip(&chunk.texts) {
            dst.extend(src.iter().map(|c| c.map(str::to_string)));
        }
        summary.rows_read += chunk.len as u64;
        progress.position(summary.rows_read);
        Ok(())
    })?;
    let mut quantile: Vec<Option<i64>> = vec![None; values.len()];
    for (key, rows) in groups.into_sorted() {
        let group_values: Vec<Option<f64>> = rows.iter().map(|&r| values[r]).collect();
        if too_few_values(&group_values, o.nquantiles) {
            summary.warnings.push(format!("{}: {TOO_FEW_VALUES_WARNING}", key_label(&o.group_by, &key)));
        }
        let q = assign_quantiles(&group_values, o.nquantiles, o.invert).map_err(|source| EngineError::Method {
            at: reader.at(None, Some(value_col)),
            group: Some(key_label(&o.group_by, &key)),
            source: Box::new(source),
        })?;
        for (&r, q) in rows.iter().zip(q) {
            quantile[r] = q.map(i64::from);
        }
    }
    let n = values.len();
    let mut out = OutputTable::default();
    let reserved = ["quantile", "nquantiles", "groupvars", "qinverted"];
    for (name, column) in names.into_iter().zip(all_text) {
        if !reserved.contains(&name.as_str()) {
            out.push(name, OutputColumn::Text(column));
        }
    }
    out.push("quantile", OutputColumn::Integer(quantile));
    out.push("nquantiles", OutputColumn::Integer(vec![Some(i64::from(o.nquantiles)); n]));
    out.push("groupvars", OutputColumn::Text(vec![Some(o.group_by.join(", ")); n]));
    let inverted =
        if o.invert { "lowest quantile represents highest values" } else { "lowest quantile represents lowest values" };
    out.push("qinverted", OutputColumn::Text(vec![Some(inverted.to_string()); n]));
    writer.write(&out)?;
    Ok(summary)
}
