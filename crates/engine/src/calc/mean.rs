//! `fairer calc mean`: means with Student's t limits ([`stats::mean`]), one row per group
//! (the whole table is one group without `--group-by`). Values stream: memory holds the groups,
//! not the rows.

use super::accumulator::{Accumulator, Mean};
use super::groups::{key_columns, key_label, request, Groups};
use super::table::{refused, CommonOptions, EstimateColumns, RunSummary};
use crate::error::Result;
use crate::input::InputTable;
use crate::output::{OutputColumn, TableWriter};
use crate::progress::Progress;

/// Options of `calc mean`.
#[derive(Clone, Debug)]
pub struct MeanOptions {
    /// The column of values (`--value`).
    pub value: String,
    /// Confidence and grouping.
    pub common: CommonOptions,
}

/// Computes the mean of each group, with the reference's `value_sum`, `value_count` and
/// `stdev` columns. A group with a missing value has no value (as R's `sum` gives NA).
///
/// # Errors
/// A missing column or a cell that is not a number, with its file, row and column.
pub fn run(
    o: &MeanOptions,
    table: InputTable,
    writer: &mut TableWriter,
    progress: &dyn Progress,
) -> Result<RunSummary> {
    let cols = request(table, &[(&o.value, "the value column")], &o.common.group_by, &[])?;
    let mut reader = cols.reader;
    let mut groups: Groups<Mean> = Groups::new(&o.common.group_by);
    let mut summary = RunSummary::default();
    let place = reader.place();
    reader.for_each_chunk_read_ahead(|chunk| {
        for row in 0..chunk.len {
            let g = groups.entry(&chunk, &cols.key_slots, row, || Mean::new(&o.common.confidence));
            g.update(chunk.numbers[0][row])
                .map_err(|refusal| refused(refusal, place.at(Some(chunk.first_row + row as u64), None), None))?;
        }
        summary.rows_read += chunk.len as u64;
        progress.position(summary.rows_read);
        Ok(())
    })?;
    let sorted = groups.into_sorted();
    let keys: Vec<&[String]> = sorted.iter().map(|(k, _)| k.as_slice()).collect();
    let mut out = key_columns(&o.common.group_by, &keys);
    let (mut sums, mut counts, mut sds) = (Vec::new(), Vec::new(), Vec::new());
    let mut est = EstimateColumns::new(&o.common.confidence);
    for (key, g) in &sorted {
        let label = || key_label(&o.common.group_by, key);
        let r = g.evaluate().map_err(|refusal| refused(refusal, reader.at(None, None), Some(label())))?;
        let m = r.estimate;
        if r.missing {
            sums.push(None);
            counts.push(Some(m.value_count as i64));
            sds.push(None);
            est.push_missing("mean", Some("Student's t-distribution"));
            summary.warnings.push(format!("{}: a missing value, so no mean", key_label(&o.common.group_by, key)));
            continue;
        }
        sums.push(Some(m.value_sum));
        counts.push(Some(m.value_count as i64));
        sds.push(m.stdev);
        est.push(&m.estimate);
    }
    out.push("value_sum", OutputColumn::Number(sums));
    out.push("value_count", OutputColumn::Integer(counts));
    out.push("stdev", OutputColumn::Number(sds));
    est.append_to(&mut out);
    writer.write(&out)?;
    Ok(summary)
}
