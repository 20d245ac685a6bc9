//! The shared table form of the methods on a numerator and a denominator (proportions and
//! crude rates).
//!
//! Without `--group-by` the method is row-wise, as the reference's is on ungrouped data: every
//! input row is written back with its value and limits appended, streaming chunk by chunk, so
//! inputs larger than memory work. With `--group-by`, numerators and denominators are summed
//! within each group first (a group with a missing value has no value, as R's `sum` gives NA).

use super::accumulator::{
    Accumulator, NumeratorDenominator as Sums, NumeratorDenominatorKind, NumeratorDenominatorResult,
};
use super::groups::{key_columns, key_label, request, Groups};
use super::table::{refused, CommonOptions, EstimateColumns, RunSummary};
use crate::error::Result;
use crate::input::{ColumnRequest, InputTable};
use crate::output::{OutputColumn, OutputTable, TableWriter};
use crate::progress::Progress;

/// Column names of a numerator-over-denominator method.
#[derive(Clone, Debug)]
pub struct NumeratorDenominator {
    /// The numerator column (`--count`).
    pub count: String,
    /// The denominator column (`--denominator`).
    pub denominator: String,
}

/// A proportion or a crude rate per `multiplier`, as a table.
pub(crate) struct Method<'a> {
    /// Which statistic.
    pub kind: NumeratorDenominatorKind,
    /// Its multiplier.
    pub multiplier: f64,
    /// Its columns.
    pub columns: &'a NumeratorDenominator,
    /// Confidence and grouping.
    pub common: &'a CommonOptions,
}

impl Method<'_> {
    fn group(&self) -> Sums<'_> {
        Sums::new(self.kind, self.multiplier, &self.common.confidence)
    }
}

/// Runs a numerator/denominator method through its accumulator ([`Sums`]): one group per row
/// without grouping, one per key with it.
pub(crate) fn run(
    method: &Method<'_>,
    table: InputTable,
    writer: &mut TableWriter,
    progress: &dyn Progress,
) -> Result<RunSummary> {
    if method.common.group_by.is_empty() {
        row_wise(method, table, writer, progress)
    } else {
        grouped(method, table, writer, progress)
    }
}

/// Adds a group's result to the estimate columns.
fn push(est: &mut EstimateColumns, statistic: &str, r: &NumeratorDenominatorResult) {
    match &r.estimate {
        Some(e) => est.push(e),
        None => est.push_missing(statistic, r.method_if_missing),
    }
}

fn row_wise(
    method: &Method<'_>,
    table: InputTable,
    writer: &mut TableWriter,
    progress: &dyn Progress,
) -> Result<RunSummary> {
    let (columns, common) = (method.columns, method.common);
    let statistic = Sums::statistic(method.kind, method.multiplier);
    let x_col = table.column(&columns.count, "the count column")?;
    let n_col = table.column(&columns.denominator, "the denominator column")?;
    let names: Vec<String> = table.headers().to_vec();
    let request = ColumnRequest { numbers: vec![x_col, n_col], texts: (0..names.len()).collect() };
    let mut reader = table.chunks(request)?;
    // Input columns named like an output column are replaced, as R's mutate replaces them.
    let mut produced: Vec<String> = ["value", "confidence", "statistic", "method"].map(String::from).to_vec();
    for (l, u) in super::table::limit_column_names(&common.confidence, "") {
        produced.push(l);
        produced.push(u);
    }
    let kept: Vec<usize> = (0..names.len()).filter(|&i| !produced.contains(&names[i])).collect();
    let mut summary = RunSummary::default();
    let mut wrote_any = false;
    let place = reader.place();
    reader.for_each_chunk_read_ahead(|mut chunk| {
        let mut out = OutputTable::default();
        for &i in &kept {
            out.push(names[i].clone(), OutputColumn::Cells(std::mem::take(&mut chunk.texts[i])));
        }
        let mut est = EstimateColumns::new(&common.confidence);
        for row in 0..chunk.len {
            let mut one = method.group();
            one.update((chunk.numbers[0][row], chunk.numbers[1][row]))
                .and_then(|()| one.evaluate())
                .map(|r| push(&mut est, &statistic, &r))
                .map_err(|refusal| refused(refusal, place.at(Some(chunk.first_row + row as u64), Some(x_col)), None))?;
        }
        est.append_to(&mut out);
        writer.write(&out)?;
        wrote_any = true;
        summary.rows_read += chunk.len as u64;
        progress.position(summary.rows_read);
        Ok(())
    })?;
    if !wrote_any {
        let mut out = OutputTable::default();
        for &i in &kept {
            out.push(names[i].clone(), OutputColumn::Text(Vec::new()));
        }
        EstimateColumns::new(&common.confidence).append_to(&mut out);
        writer.write(&out)?;
    }
    Ok(summary)
}

fn grouped(
    method: &Method<'_>,
    table: InputTable,
    writer: &mut TableWriter,
    progress: &dyn Progress,
) -> Result<RunSummary> {
    let (columns, common) = (method.columns, method.common);
    let statistic = Sums::statistic(method.kind, method.multiplier);
    let cols = request(
        table,
        &[(&columns.count, "the count column"), (&columns.denominator, "the denominator column")],
        &common.group_by,
        &[],
    )?;
    let mut reader = cols.reader;
    let mut groups: Groups<Sums> = Groups::new(&common.group_by);
    let mut summary = RunSummary::default();
    reader.for_each_chunk_read_ahead(|chunk| {
        for row in 0..chunk.len {
            let sums = groups.entry(&chunk, &cols.key_slots, row, || method.group());
            // Summing refuses nothing: the sums are checked when evaluated.
            let _ = sums.update((chunk.numbers[0][row], chunk.numbers[1][row]));
        }
        summary.rows_read += chunk.len as u64;
        progress.position(summary.rows_read);
        Ok(())
    })?;
    let sorted = groups.into_sorted();
    let keys: Vec<&[String]> = sorted.iter().map(|(k, _)| k.as_slice()).collect();
    let mut out = key_columns(&common.group_by, &keys);
    let mut xs = Vec::with_capacity(sorted.len());
    let mut ns = Vec::with_capacity(sorted.len());
    let mut est = EstimateColumns::new(&common.confidence);
    for (key, sums) in &sorted {
        let r = sums
            .evaluate()
            .map_err(|refusal| refused(refusal, reader.at(None, None), Some(key_label(&common.group_by, key))))?;
        xs.push(r.numerator);
        ns.push(r.denominator);
        push(&mut est, &statistic, &r);
    }
    out.push(columns.count.clone(), OutputColumn::Number(xs));
    out.push(columns.denominator.clone(), OutputColumn::Number(ns));
    est.append_to(&mut out);
    writer.write(&out)?;
    Ok(summary)
}
