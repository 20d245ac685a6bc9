//! `fairer calc funnel`: funnel plot control limits and where each row lies against them
//! ([`stats::funnel`]), as PHEindicatormethods 2.1.0's `assign_funnel_significance`,
//! `calculate_funnel_points` and `calculate_funnel_limits` compute them.
//!
//! Two outputs:
//!
//! - By default every input row comes back, all its columns passed through, with
//!   `significance` appended ("High (0.001)", "High (0.025)", "Low (0.001)", "Low (0.025)",
//!   "Not significant", or for directly standardised rates with fewer than 10 events
//!   "Not applicable for events less than 10 for dsrs"); for rates with `points`, also
//!   `<rate>_chart` and `denominator_derived`, the point to plot (`calculate_funnel_points`). An
//!   input column of the same name as an appended one is replaced, as R's `mutate` replaces it.
//! - With `limits`, the output is instead the reference's table of 100 axis points and their
//!   95% (2 sigma) and 99.8% (3 sigma) limits, with the reference's column names:
//!   `Population`, `lower_2s_limit`, `upper_2s_limit`, `lower_3s_limit`, `upper_3s_limit`,
//!   `baseline` (proportions); `Observed_events`, `lower_2s_exp_events`, `lower_2s_limit`, …,
//!   `upper_3s_limit` (ratios); `Events`, `lower_2s_population_1_year`, `lower_2s_limit`, …,
//!   `baseline` (rates); then `statistic` and `method`.
//!
//! With `--group-by`, each group is its own funnel: its own average, limits and significance
//! (limits: the group columns first, 100 rows per group, groups in their natural order). The
//! average needs every row of a group, so the rows are held in memory.
//!
//! Every row is checked before any funnel is drawn, so a bad value is reported with its file,
//! row and column: a missing or negative count; for proportions a denominator missing, not
//! above zero or below the count; for ratios expected events missing or not above zero; for
//! rates a row with events and no rate above zero, a row without events and no denominator
//! above zero, and any given denominator not above zero.

use stats::funnel::{
    funnel_limits, funnel_points, funnel_significance, FunnelLimit, FunnelPoint, FunnelRecord, FunnelStatistic,
};
use stats::StatsError;

use super::groups::{key_label, Groups};
use super::table::{CommonOptions, RunSummary};
use crate::error::{EngineError, Location, Result};
use crate::input::{ColumnRequest, InputTable};
use crate::output::{OutputColumn, OutputTable, TableWriter};
use crate::progress::Progress;

/// What `calc funnel` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum FunnelOutput {
    /// Every input row with its `significance` (`assign_funnel_significance`).
    #[default]
    Significance,
    /// Every input row with its `significance` and, for a rate, the chart point `<rate>_chart`
    /// and `denominator_derived` (`calculate_funnel_points`).
    SignificanceAndPoints,
    /// The 100 rows of control limits per group (`calculate_funnel_limits`).
    Limits,
}

/// Options of `calc funnel`.
#[derive(Clone, Debug)]
pub struct FunnelOptions {
    /// The statistic, with its ratio or rate type.
    pub statistic: FunnelStatistic,
    /// Cases (proportion), observed events (ratio) or events (rate) (`--count`).
    pub count: String,
    /// Population (proportion), expected events (ratio), or for rates the population, needed
    /// only on rows with no events (`--denominator`).
    pub denominator: Option<String>,
    /// The rate per multiplier (`--rate`; rates only).
    pub rate: Option<String>,
    /// Proportions: 100 for percentages (limits only; significance does not depend on it);
    /// rates: per this many (e.g. 100,000). Not used for ratios.
    pub multiplier: f64,
    /// Years the data cover (rates only; needed for the limits and the points).
    pub years_of_data: Option<f64>,
    /// What to write.
    pub output: FunnelOutput,
    /// Grouping (each group its own funnel); the confidence levels are not used (funnels
    /// always have both the 95% and the 99.8% limits).
    pub common: CommonOptions,
}

/// Column indices of the values a funnel reads, and their chunk slots.
struct Wanted {
    count: usize,
    denominator: Option<(usize, usize)>,
    rate: Option<(usize, usize)>,
}

/// One funnel group: the records and the 0-based indices of their rows.
#[derive(Default)]
struct Group {
    records: Vec<FunnelRecord>,
    rows: Vec<usize>,
}

/// Computes funnel significance (and points) for every row, or the funnel limits of each
/// group.
///
/// # Errors
/// Options that do not fit the statistic ([`EngineError::Usage`]); a missing column; a
/// non-number; a row the funnel cannot use (see the module documentation), with its file, row
/// and column; a group the reference cannot draw a funnel for (a rate funnel without events,
/// an axis beyond the Poisson search's reach), with its group.
pub fn run(
    o: &FunnelOptions,
    table: InputTable,
    writer: &mut TableWriter,
    progress: &dyn Progress,
) -> Result<RunSummary> {
    check_options(o)?;
    let count = table.column(&o.count, "the count column")?;
    let denominator = o.denominator.as_deref().map(|d| table.column(d, "the denominator column")).transpose()?;
    let rate = o.rate.as_deref().map(|r| table.column(r, "the rate column")).transpose()?;
    let mut group_cols = Vec::new();
    for g in &o.common.group_by {
        group_cols.push(table.column(g, "a group-by column")?);
    }
    let names: Vec<String> = table.headers().to_vec();
    let mut numbers = vec![count];
    let wanted = Wanted {
        count,
        denominator: denominator.map(|c| {
            numbers.push(c);
            (c, numbers.len() - 1)
        }),
        rate: rate.map(|c| {
            numbers.push(c);
            (c, numbers.len() - 1)
        }),
    };
    // Limits need only the key columns as text; the rows pass through otherwise.
    let (texts, key_slots) = if o.output == FunnelOutput::Limits {
        (group_cols.clone(), (0..group_cols.len()).collect::<Vec<_>>())
    } else {
        ((0..names.len()).collect(), group_cols.clone())
    };
    let mut reader = table.chunks(ColumnRequest { numbers, texts })?;
    let mut groups: Groups<Group> = Groups::new(&o.common.group_by);
    let mut all_text: Vec<Vec<Option<String>>> =
        if o.output == FunnelOutput::Limits { Vec::new() } else { vec![Vec::new(); names.len()] };
    let mut summary = RunSummary::default();
    let mut n_rows = 0usize;
    let place = reader.place();
    reader.for_each_chunk_read_ahead(|chunk| {
        for row in 0..chunk.len {
            let at = |column: usize| place.at(Some(chunk.first_row + row as u64), Some(column));
            let value = |slot: usize| chunk.numbers[slot][row];
            let record = check_row(
                o,
                &wanted,
                value(0),
                wanted.denominator.and_then(|(_, s)| value(s)),
                wanted.rate.and_then(|(_, s)| value(s)),
                at,
            )?;
            let group = groups.entry(&chunk, &key_slots, row, Group::default);
            group.records.push(record);
            group.rows.push(n_rows + row);
        }
        n_rows += chunk.len;
        if o.output != FunnelOutput::Limits {
            for (dst, src) in all_text.iter_mut().zip(&chunk.texts) {
                dst.extend(src.iter().map(|c| c.map(str::to_string)));
            }
        }
        summary.rows_read += chunk.len as u64;
        progress.position(summary.rows_read);
        Ok(())
    })?;
    let sorted = groups.into_sorted();
    let group_error = |key: &[String], source: StatsError| EngineError::Method {
        at: Location { file: reader.name().to_string(), row: None, column: None },
        group: (!o.common.group_by.is_empty()).then(|| key_label(&o.common.group_by, key)),
        source: Box::new(source),
    };
    let total = sorted.len() as u64;
    progress.stage("groups", total);
    if o.output == FunnelOutput::Limits {
        if sorted.is_empty() {
            // The reference's own refusal of an empty table.
            let source = funnel_limits(&[], o.statistic, o.multiplier, 1.0)
                .err()
                .unwrap_or_else(|| StatsError::Invalid("no rows".into()));
            return Err(group_error(&[], source));
        }
        let mut out = LimitsTable::new(o);
        for (done, (key, group)) in sorted.iter().enumerate() {
            let limits = funnel_limits(&group.records, o.statistic, o.multiplier, o.years_of_data.unwrap_or(1.0))
                .map_err(|e| group_error(key, e))?;
            out.push(key, &limits);
            progress.position(done as u64 + 1);
        }
        writer.write(&out.finish(o))?;
        return Ok(summary);
    }

    let mut significance: Vec<Option<String>> = vec![None; n_rows];
    let mut points: Vec<Option<FunnelPoint>> = vec![None; n_rows];
    for (done, (key, group)) in sorted.iter().enumerate() {
        let levels = funnel_significance(&group.records, o.statistic, o.multiplier).map_err(|e| group_error(key, e))?;
        for (&r, level) in group.rows.iter().zip(levels) {
            significance[r] = Some(level.label().to_string());
        }
        if let (FunnelOutput::SignificanceAndPoints, FunnelStatistic::Rate { rate_type }) = (o.output, o.statistic) {
            let got = funnel_points(&group.records, rate_type, o.years_of_data.unwrap_or(f64::NAN), o.multiplier)
                .map_err(|e| group_error(key, e))?;
            for (&r, point) in group.rows.iter().zip(got) {
                points[r] = Some(point);
            }
        }
        progress.position(done as u64 + 1);
    }
    let chart_name = o.rate.as_deref().map(|r| format!("{r}_chart")).unwrap_or_default();
    let with_points = o.output == FunnelOutput::SignificanceAndPoints;
    let appended: Vec<&str> =
        if with_points { vec!["significance", &chart_name, "denominator_derived"] } else { vec!["significance"] };
    let mut out = OutputTable::default();
    for (name, column) in names.into_iter().zip(all_text) {
        if !appended.contains(&name.as_str()) {
            out.push(name, OutputColumn::Text(column));
        }
    }
    out.push("significance", OutputColumn::Text(significance));
    if with_points {
        out.push(chart_name, OutputColumn::Number(points.iter().map(|p| p.and_then(|p| p.rate_chart)).collect()));
        out.push(
            "denominator_derived",
            OutputColumn::Number(points.iter().map(|p| p.and_then(|p| p.denominator_derived)).collect()),
        );
    }
    writer.write(&out)?;
    Ok(summary)
}

/// Checks that the options fit the statistic.
fn check_options(o: &FunnelOptions) -> Result<()> {
    let usage = |m: &str| Err(EngineError::Usage(m.to_string()));
    match o.statistic {
        FunnelStatistic::Proportion | FunnelStatistic::Ratio { .. } => {
            if o.denominator.is_none() {
                let what = if o.statistic == FunnelStatistic::Proportion {
                    "the population (the denominator)"
                } else {
                    "the expected events"
                };
                return usage(&format!(
                    "a funnel of {}s needs {what}: give the denominator column",
                    statistic_name(o.statistic)
                ));
            }
            if o.rate.is_some() {
                return usage("the rate column is for a funnel of rates only");
            }
            if o.years_of_data.is_some() {
                return usage("the years of data are for a funnel of rates only");
            }
            if o.output == FunnelOutput::SignificanceAndPoints {
                return usage("the funnel points are for a funnel of rates only (calculate_funnel_points prepares rates for charting; plot a proportion or ratio as it is)");
            }
        }
        FunnelStatistic::Rate { .. } => {
            if o.rate.is_none() {
                return usage("a funnel of rates needs the rate column (and the denominator column for the population, needed where there are 0 events)");
            }
            if o.output != FunnelOutput::Significance && o.years_of_data.is_none() {
                return usage("a funnel of rates needs the years of data (the number of years the data cover) for its limits and points");
            }
            if let Some(y) = o.years_of_data {
                stats::error::positive("the years of data", y).map_err(|e| EngineError::Usage(e.to_string()))?;
            }
        }
    }
    if !matches!(o.statistic, FunnelStatistic::Ratio { .. }) {
        stats::error::positive("the multiplier", o.multiplier).map_err(|e| EngineError::Usage(e.to_string()))?;
    }
    Ok(())
}

/// The name of a statistic, as a funnel of it is called.
fn statistic_name(statistic: FunnelStatistic) -> &'static str {
    match statistic {
        FunnelStatistic::Proportion => "proportion",
        FunnelStatistic::Ratio { .. } => "ratio",
        FunnelStatistic::Rate { .. } => "rate",
    }
}

/// Checks one row and makes its record; errors name the row and the column.
fn check_row(
    o: &FunnelOptions,
    wanted: &Wanted,
    count: Option<f64>,
    denominator: Option<f64>,
    rate: Option<f64>,
    at: impl Fn(usize) -> Location,
) -> Result<FunnelRecord> {
    let method = |column: usize, source: StatsError| EngineError::Method {
        at: at(column),
        group: None,
        source: Box::new(source),
    };
    let missing = |column: usize, expected: &str| EngineError::BadValue {
        at: at(column),
        expected: expected.to_string(),
        found: String::new(),
    };
    let count = count
        .ok_or_else(|| missing(wanted.count, "a count (funnel counts cannot be missing, even where they are zero)"))?;
    stats::error::non_negative("count", count).map_err(|e| method(wanted.count, e))?;
    if let (Some(n), Some((column, _))) = (denominator, wanted.denominator) {
        let field =
            if matches!(o.statistic, FunnelStatistic::Ratio { .. }) { "expected events" } else { "denominator" };
        stats::error::positive(field, n).map_err(|e| method(column, e))?;
    }
    match o.statistic {
        FunnelStatistic::Proportion => {
            let column = wanted.denominator.map_or(wanted.count, |(c, _)| c);
            let n = denominator.ok_or_else(|| {
                missing(
                    column,
                    "a denominator (a proportion funnel needs the numerator and the denominator of every row)",
                )
            })?;
            if count > n {
                return Err(method(
                    wanted.count,
                    StatsError::NumeratorAboveDenominator { numerator: count, denominator: n },
                ));
            }
            Ok(FunnelRecord::proportion(count, n))
        }
        FunnelStatistic::Ratio { .. } => {
            let column = wanted.denominator.map_or(wanted.count, |(c, _)| c);
            let expected = denominator
                .ok_or_else(|| missing(column, "expected events (a ratio funnel needs them for every row)"))?;
            Ok(FunnelRecord::ratio(count, expected))
        }
        FunnelStatistic::Rate { .. } => {
            let rate_column = wanted.rate.map_or(wanted.count, |(c, _)| c);
            if let Some(r) = rate {
                stats::error::non_negative("rate", r).map_err(|e| method(rate_column, e))?;
            }
            if count > 0.0 {
                match rate {
                    None => return Err(missing(rate_column, "a rate (rows with events need their rate)")),
                    Some(r) if r <= 0.0 => {
                        return Err(method(
                            rate_column,
                            StatsError::NotPositive { field: "rate (where there are events)", value: r },
                        ))
                    }
                    Some(_) => {}
                }
            } else if denominator.is_none() {
                return Err(match wanted.denominator {
                    Some((column, _)) => missing(column, "a denominator above zero (rows with 0 events need the population)"),
                    None => method(
                        wanted.count,
                        StatsError::Invalid("for rates, where there are 0 events for a record, the denominator is needed: give the population as the denominator column".into()),
                    ),
                });
            }
            Ok(FunnelRecord { numerator: count, denominator, rate })
        }
    }
}

/// A column of optional numbers.
type Column = Vec<Option<f64>>;

/// The limits output, built group by group.
struct LimitsTable {
    keys: Vec<Vec<Option<String>>>,
    axis: Vec<Option<f64>>,
    /// For each of lower 2s, upper 2s, lower 3s, upper 3s: the denominators and the limits.
    sides: [(Column, Column); 4],
    baseline: Vec<Option<f64>>,
    statistic: Vec<Option<String>>,
    method: Vec<Option<String>>,
}

impl LimitsTable {
    fn new(o: &FunnelOptions) -> Self {
        LimitsTable {
            keys: vec![Vec::new(); o.common.group_by.len()],
            axis: Vec::new(),
            sides: Default::default(),
            baseline: Vec::new(),
            statistic: Vec::new(),
            method: Vec::new(),
        }
    }

    fn push(&mut self, key: &[String], limits: &stats::funnel::FunnelLimits) {
        let label = limits.statistic_label();
        for row in &limits.rows {
            for (column, value) in self.keys.iter_mut().zip(key) {
                column.push(Some(value.clone()));
            }
            self.axis.push(Some(row.axis));
            let four: [FunnelLimit; 4] = [row.lower_2s, row.upper_2s, row.lower_3s, row.upper_3s];
            for ((denominators, values), limit) in self.sides.iter_mut().zip(four) {
                denominators.push(limit.denominator);
                values.push(Some(limit.limit));
            }
            self.baseline.push(row.baseline);
            self.statistic.push(Some(label.clone()));
            self.method.push(Some(limits.method().to_string()));
        }
    }

    fn finish(self, o: &FunnelOptions) -> OutputTable {
        let mut out = OutputTable::default();
        for (name, column) in o.common.group_by.iter().zip(self.keys) {
            out.push(name.clone(), OutputColumn::Text(column));
        }
        out.push(o.statistic.axis_label(), OutputColumn::Number(self.axis));
        let denominator_suffix = match o.statistic {
            FunnelStatistic::Proportion => None,
            FunnelStatistic::Ratio { .. } => Some("exp_events"),
            FunnelStatistic::Rate { .. } => Some("population_1_year"),
        };
        for ((denominators, values), side) in
            self.sides.into_iter().zip(["lower_2s", "upper_2s", "lower_3s", "upper_3s"])
        {
            if let Some(suffix) = denominator_suffix {
                out.push(format!("{side}_{suffix}"), OutputColumn::Number(denominators));
            }
            out.push(format!("{side}_limit"), OutputColumn::Number(values));
        }
        if !matches!(o.statistic, FunnelStatistic::Ratio { .. }) {
            out.push("baseline", OutputColumn::Number(self.baseline));
        }
        out.push("statistic", OutputColumn::Text(self.statistic));
        out.push("method", OutputColumn::Text(self.method));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stats::funnel::{RateType, RatioType};

    fn options(statistic: FunnelStatistic) -> FunnelOptions {
        FunnelOptions {
            statistic,
            count: "x".into(),
            denominator: Some("n".into()),
            rate: None,
            multiplier: 100.0,
            years_of_data: None,
            output: FunnelOutput::Significance,
            common: CommonOptions::default(),
        }
    }

    #[test]
    fn options_must_fit_the_statistic() {
        assert!(check_options(&options(FunnelStatistic::Proportion)).is_ok());
        let mut o = options(FunnelStatistic::Proportion);
        o.denominator = None;
        assert!(check_options(&o).unwrap_err().to_string().contains("the denominator column"));
        let mut o = options(FunnelStatistic::Ratio { ratio_type: RatioType::Isr });
        o.output = FunnelOutput::SignificanceAndPoints;
        assert!(check_options(&o).unwrap_err().to_string().contains("the funnel points"));
        let mut o = options(FunnelStatistic::Rate { rate_type: RateType::Dsr });
        assert!(check_options(&o).unwrap_err().to_string().contains("the rate column"));
        o.rate = Some("r".into());
        assert!(check_options(&o).is_ok());
        o.output = FunnelOutput::Limits;
        assert!(check_options(&o).unwrap_err().to_string().contains("the years of data"));
        o.years_of_data = Some(0.0);
        assert!(check_options(&o).unwrap_err().to_string().contains("the years of data must be greater than zero"));
        o.years_of_data = Some(3.0);
        o.multiplier = -1.0;
        assert!(check_options(&o).unwrap_err().to_string().contains("multiplier"));
        // Ratios do not use the multiplier.
        let mut o = options(FunnelStatistic::Ratio { ratio_type: RatioType::Count });
        o.multiplier = f64::NAN;
        assert!(check_options(&o).is_ok());
    }
}
