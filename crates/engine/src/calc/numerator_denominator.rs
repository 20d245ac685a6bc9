//! The shared table form of the methods on a numerator and a denominator (proportions and
//! crude rates).
//!
//! Without `--group-by` the method is row-wise, as the reference's is on ungrouped data: every
//! input row is written back with its value and limits appended, streaming chunk by chunk, so
//! inputs larger than memory work. With `--group-by`, numerators and denominators are summed
//! within each group first (a group with a missing value has no value, as R's `sum` gives NA).

use stats::{ConfidenceLevel, Estimate, StatsError};

use super::groups::{key_columns, request, Groups};
use super::{CommonOptions, EstimateColumns, Progress, RunSummary};
use crate::error::{EngineError, Result};
use crate::input::{ColumnRequest, InputTable};
use crate::output::{OutputColumn, OutputTable, TableWriter};

/// Column names of a numerator-over-denominator method.
#[derive(Clone, Debug)]
pub struct NumeratorDenominator {
    /// The numerator column (`--count`).
    pub count: String,
    /// The denominator column (`--denominator`).
    pub denominator: String,
}

/// How a method words its values and the rows it cannot compute.
pub(crate) struct Wording<'a> {
    /// The `statistic` column.
    pub statistic: &'a str,
    /// The `method` column for a row with a missing value, from its count if it has one (the
    /// reference says "Byars" for a rate whose count is 10 or more even when its denominator is
    /// missing, and "Wilson" for every proportion).
    pub method_for_missing: &'a dyn Fn(Option<f64>) -> Option<&'static str>,
}

/// Runs a numerator/denominator method: `estimate(x, n, levels)` gives each value; `wording`
/// words rows whose input is missing.
pub(crate) fn run(
    columns: &NumeratorDenominator,
    common: &CommonOptions,
    table: InputTable,
    writer: &mut TableWriter,
    progress: &dyn Progress,
    estimate: &dyn Fn(f64, f64, &[ConfidenceLevel]) -> Result<Estimate, StatsError>,
    wording: &Wording<'_>,
) -> Result<RunSummary> {
    if common.group_by.is_empty() {
        row_wise(columns, common, table, writer, progress, estimate, wording)
    } else {
        grouped(columns, common, table, writer, progress, estimate, wording)
    }
}

fn row_wise(
    columns: &NumeratorDenominator,
    common: &CommonOptions,
    table: InputTable,
    writer: &mut TableWriter,
    progress: &dyn Progress,
    estimate: &dyn Fn(f64, f64, &[ConfidenceLevel]) -> Result<Estimate, StatsError>,
    wording: &Wording<'_>,
) -> Result<RunSummary> {
    let x_col = table.column(&columns.count, "--count")?;
    let n_col = table.column(&columns.denominator, "--denominator")?;
    let names: Vec<String> = table.headers().to_vec();
    let request = ColumnRequest { numbers: vec![x_col, n_col], texts: (0..names.len()).collect() };
    let mut reader = table.chunks(request)?;
    // Input columns named like an output column are replaced, as R's mutate replaces them.
    let mut produced: Vec<String> = ["value", "confidence", "statistic", "method"].map(String::from).to_vec();
    for (l, u) in super::limit_column_names(&common.confidence, "") {
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
            match (chunk.numbers[0][row], chunk.numbers[1][row]) {
                (Some(x), Some(n)) => {
                    let e = estimate(x, n, &common.confidence).map_err(|source| EngineError::Method {
                        at: place.at(Some(chunk.first_row + row as u64), Some(x_col)),
                        group: None,
                        source,
                    })?;
                    est.push(&e);
                }
                (x, _) => est.push_missing(wording.statistic, (wording.method_for_missing)(x)),
            }
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

#[derive(Default)]
struct Sums {
    x: f64,
    n: f64,
    x_missing: bool,
    n_missing: bool,
}

fn grouped(
    columns: &NumeratorDenominator,
    common: &CommonOptions,
    table: InputTable,
    writer: &mut TableWriter,
    progress: &dyn Progress,
    estimate: &dyn Fn(f64, f64, &[ConfidenceLevel]) -> Result<Estimate, StatsError>,
    wording: &Wording<'_>,
) -> Result<RunSummary> {
    let cols =
        request(table, &[(&columns.count, "--count"), (&columns.denominator, "--denominator")], &common.group_by, &[])?;
    let mut reader = cols.reader;
    let mut groups: Groups<Sums> = Groups::new(&common.group_by);
    let mut summary = RunSummary::default();
    reader.for_each_chunk_read_ahead(|chunk| {
        for row in 0..chunk.len {
            let sums = groups.entry(&chunk, &cols.key_slots, row, Sums::default);
            match chunk.numbers[0][row] {
                Some(x) => sums.x += x,
                None => sums.x_missing = true,
            }
            match chunk.numbers[1][row] {
                Some(n) => sums.n += n,
                None => sums.n_missing = true,
            }
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
        let x = (!sums.x_missing).then_some(sums.x);
        if sums.x_missing || sums.n_missing {
            xs.push(x);
            ns.push((!sums.n_missing).then_some(sums.n));
            est.push_missing(wording.statistic, (wording.method_for_missing)(x));
            continue;
        }
        xs.push(Some(sums.x));
        ns.push(Some(sums.n));
        let e = estimate(sums.x, sums.n, &common.confidence).map_err(|source| EngineError::Method {
            at: reader.at(None, None),
            group: Some(super::groups::key_label(&common.group_by, key)),
            source,
        })?;
        est.push(&e);
    }
    out.push(columns.count.clone(), OutputColumn::Number(xs));
    out.push(columns.denominator.clone(), OutputColumn::Number(ns));
    est.append_to(&mut out);
    writer.write(&out)?;
    Ok(summary)
}
