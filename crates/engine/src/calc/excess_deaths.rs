//! `fairer calc excess-deaths`: the deaths attributable to the deprivation gradient, their years
//! of life lost, and what they cost at values the user states ([`stats::arriaga`]).
//!
//! Each group of rows (by `--group-by`, for example an area, sex and period) holds deaths and
//! population for each deprivation quantile (`--quantile`, a number: 1 the most deprived … 10
//! the least, as IMD deciles are numbered). Had every quantile the death rate of the reference
//! quantile (`--reference`, by default the highest-numbered one present: the least deprived),
//! quantile q would have had expected_q = population_q × rate_ref deaths; its excess is
//! observed_q − expected_q.
//!
//! With `--start-age` (rows per quantile and life-table band 0, 1-4, 5-9, …, 90+), the reference
//! rates are applied band by band and added (the age-standardised form: differences in age
//! structure between quantiles do not count as excess), and each band's excess deaths lose the
//! years up to `--upper-age` (default 75) from the band's mid-age: potential years of life lost,
//! YLL = Σ_bands excess_b × max(upper age − mid-age_b, 0). Mid-ages are 0.5 for band 0, 3 for
//! 1-4, the band's start + 2.5 for the five-year bands, and 92.5 for 90+.
//!
//! Monetised estimates from the user's own values: `--value-per-life-year` × YLL and
//! `--value-per-death` × excess deaths (two alternative valuations of the same loss, not to be
//! added).
//!
//! Output: one row per group and quantile, then one row per group with `quantile` "All" (the
//! sums): `observed`, `population`, `expected`, `excess`, `excess_percent` (of observed),
//! `years_of_life_lost` (with `--start-age`), `value_of_life_years`, `value_of_deaths`, and the
//! `reference` quantile. Excess is negative where a quantile's rates are below the reference's.
//!
//! Wrong rows (a quantile that is not a number, negative deaths or population, a band given
//! twice for a quantile, a start age that is not a band) are errors naming the file, row and
//! column; a group without its reference quantile, or whose reference has no population in a
//! band where others have some, gets a warning and no rows.

use stats::arriaga::{
    excess_deaths, potential_years_per_death, years_of_life_lost, Valuation, AGE_BANDS, AGE_BAND_STARTS,
};
use stats::dsr::band_start_age;

use super::accumulator::{Accumulator, ExcessDeaths, ExcessDeathsRow};
use super::groups::{key_columns, key_label, request, Groups};
use super::table::{refused, CommonOptions, RunSummary};
use crate::error::{EngineError, Location, Result};
use crate::input::InputTable;
use crate::output::OutputColumn;
use crate::output::TableWriter;
use crate::progress::Progress;

/// Options of `calc excess-deaths`.
#[derive(Clone, Debug)]
pub struct ExcessDeathsOptions {
    /// The deprivation quantile column (`--quantile`): numbers, 1 the most deprived.
    pub quantile: String,
    /// Deaths column (`--deaths`).
    pub deaths: String,
    /// Population column (`--population`).
    pub population: String,
    /// Start age column (`--start-age`), for the age-standardised form and years of life lost.
    pub start_age: Option<String>,
    /// The reference quantile (`--reference`); by default the highest-numbered present.
    pub reference: Option<f64>,
    /// The age up to which years of life are counted as lost (`--upper-age`, default 75).
    pub upper_age: f64,
    /// The user's values of a life-year and of a death.
    pub valuation: Valuation,
    /// Grouping (confidence is unused: the estimate has no interval here).
    pub common: CommonOptions,
}

impl Default for ExcessDeathsOptions {
    fn default() -> Self {
        ExcessDeathsOptions {
            quantile: String::new(),
            deaths: String::new(),
            population: String::new(),
            start_age: None,
            reference: None,
            upper_age: 75.0,
            valuation: Valuation::default(),
            common: CommonOptions::default(),
        }
    }
}

/// The mid-age of each life-table band, for years of life lost.
pub const BAND_MID_AGES: [f64; AGE_BANDS] = [
    0.5, 3.0, 7.5, 12.5, 17.5, 22.5, 27.5, 32.5, 37.5, 42.5, 47.5, 52.5, 57.5, 62.5, 67.5, 72.5, 77.5, 82.5, 87.5, 92.5,
];

/// Deaths and population by band (one band without `--start-age`) of one quantile.
#[derive(Clone, Debug)]
pub(crate) struct Quantile {
    /// Deaths by band (`None` where the band has no row).
    pub deaths: Vec<Option<f64>>,
    /// Population by band.
    pub population: Vec<Option<f64>>,
}

/// One quantile's (or a group's) totals.
#[derive(Debug, Default)]
pub struct Line {
    /// Observed deaths.
    pub observed: f64,
    /// Population.
    pub population: f64,
    /// Deaths expected at the reference quantile's rates.
    pub expected: f64,
    /// Observed minus expected.
    pub excess: f64,
    /// Years of life lost of the excess deaths (by band only).
    pub yll: Option<f64>,
}

impl Line {
    /// The sum of a group's quantile lines (years of life lost where every line has them).
    pub fn total(lines: &[Line]) -> Line {
        let mut all = Line { yll: Some(0.0), ..Line::default() };
        for l in lines {
            all.observed += l.observed;
            all.population += l.population;
            all.expected += l.expected;
            all.excess += l.excess;
            all.yll = all.yll.zip(l.yll).map(|(a, b)| a + b);
        }
        all
    }
}

/// The map key of a quantile number, ordering quantiles numerically (to a millionth).
pub(crate) fn quantile_key(q: f64) -> i64 {
    (q * 1e6).round() as i64
}

/// Computes the excess deaths of every group.
///
/// # Errors
/// A missing column, a non-number, or an invalid row (see the module documentation), with its
/// file, row and column; a negative or non-finite value per life-year or death.
pub fn run(
    o: &ExcessDeathsOptions,
    table: InputTable,
    writer: &mut TableWriter,
    progress: &dyn Progress,
) -> Result<RunSummary> {
    let texts: Vec<(&str, &str)> = o.start_age.as_deref().map(|s| (s, "the start age column")).into_iter().collect();
    let cols = request(
        table,
        &[
            (&o.quantile, "the quantile column"),
            (&o.deaths, "the deaths column"),
            (&o.population, "the population column"),
        ],
        &o.common.group_by,
        &texts,
    )?;
    let age_slot = o.common.group_by.len();
    let years_per_death = potential_years_per_death(&BAND_MID_AGES, o.upper_age)
        .map_err(|e| EngineError::Usage(format!("the upper age: {e}")))?;
    let years = o.start_age.is_some().then_some(years_per_death.as_slice());
    let mut reader = cols.reader;
    let mut groups: Groups<ExcessDeaths> = Groups::new(&o.common.group_by);
    let mut summary = RunSummary::default();
    let file = reader.name().to_string();
    reader.for_each_chunk_read_ahead(|chunk| {
        for row in 0..chunk.len {
            let at = |column: &str| Location {
                file: file.as_str().to_string(),
                row: Some(chunk.first_row + row as u64),
                column: Some(column.to_string()),
            };
            let band = match &o.start_age {
                None => None,
                Some(column) => {
                    let label = chunk.text(age_slot, row).unwrap_or_default().to_string();
                    let band = band_start_age(&label).and_then(|a| AGE_BAND_STARTS.iter().position(|&s| s == a));
                    Some(band.ok_or_else(|| EngineError::BadValue {
                        at: at(column),
                        expected:
                            "a life-table band: start age 0, 1, 5, 10, …, 90 (or a label such as 1-4, 90+)".into(),
                        found: label,
                    })?)
                }
            };
            let line = ExcessDeathsRow {
                quantile: chunk.numbers[0][row],
                band,
                deaths: chunk.numbers[1][row],
                population: chunk.numbers[2][row],
            };
            let group = groups
                .entry(&chunk, &cols.key_slots, row, || ExcessDeaths::new(o.start_age.is_some(), o.reference, years));
            group.update(line).map_err(|refusal| {
                let column = match refusal.input() {
                    Some("deaths") => &o.deaths,
                    Some("population") => &o.population,
                    Some("start age") => o.start_age.as_ref().unwrap_or(&o.quantile),
                    _ => &o.quantile,
                };
                refused(refusal, at(column), None)
            })?;
        }
        summary.rows_read += chunk.len as u64;
        progress.position(summary.rows_read);
        Ok(())
    })?;
    for (name, v) in [
        ("the value per life-year", o.valuation.value_per_life_year),
        ("the value per death", o.valuation.value_per_death),
    ] {
        if v.is_some_and(|v| !v.is_finite() || v < 0.0) {
            return Err(EngineError::Usage(format!("{name} must be a number ≥ 0")));
        }
    }
    let sorted = groups.into_sorted();
    let total = sorted.len() as u64;
    progress.stage("groups", total);
    let mut keys: Vec<&[String]> = Vec::new();
    let (mut quantile_col, mut reference_col) = (Vec::new(), Vec::new());
    let mut lines: Vec<Line> = Vec::new();
    for (done, (key, group)) in sorted.iter().enumerate() {
        progress.position(done as u64 + 1);
        match group.evaluate() {
            Ok(result) => {
                let reference = quantile_text(result.reference);
                for (q, line) in result
                    .quantiles
                    .into_iter()
                    .map(|(q, l)| (quantile_text(q), l))
                    .chain([("All".to_string(), result.all)])
                {
                    keys.push(key);
                    quantile_col.push(Some(q));
                    reference_col.push(Some(reference.clone()));
                    lines.push(line);
                }
            }
            Err(why) => {
                summary.warnings.push(format!("{}: no excess deaths: {why}", key_label(&o.common.group_by, key)))
            }
        }
    }
    let value = |yll: Option<f64>, excess: f64| -> (Option<f64>, Option<f64>) {
        (o.valuation.value_per_life_year.zip(yll).map(|(v, y)| v * y), o.valuation.value_per_death.map(|v| v * excess))
    };
    let mut out = key_columns(&o.common.group_by, &keys);
    out.push("quantile", OutputColumn::Text(quantile_col));
    out.push("observed", OutputColumn::Number(lines.iter().map(|l| Some(l.observed)).collect()));
    out.push("population", OutputColumn::Number(lines.iter().map(|l| Some(l.population)).collect()));
    out.push("expected", OutputColumn::Number(lines.iter().map(|l| Some(l.expected)).collect()));
    out.push("excess", OutputColumn::Number(lines.iter().map(|l| Some(l.excess)).collect()));
    out.push(
        "excess_percent",
        OutputColumn::Number(lines.iter().map(|l| (l.observed > 0.0).then(|| 100.0 * l.excess / l.observed)).collect()),
    );
    if o.start_age.is_some() {
        out.push("years_of_life_lost", OutputColumn::Number(lines.iter().map(|l| l.yll).collect()));
    }
    if o.valuation.value_per_life_year.is_some() && o.start_age.is_some() {
        out.push("value_of_life_years", OutputColumn::Number(lines.iter().map(|l| value(l.yll, l.excess).0).collect()));
    }
    if o.valuation.value_per_death.is_some() {
        out.push("value_of_deaths", OutputColumn::Number(lines.iter().map(|l| value(l.yll, l.excess).1).collect()));
    }
    out.push("reference", OutputColumn::Text(reference_col));
    writer.write(&out)?;
    Ok(summary)
}

/// A quantile as written: whole numbers without a decimal point.
pub(crate) fn quantile_text(q: f64) -> String {
    if q.fract() == 0.0 && q.abs() < 1e15 {
        format!("{}", q as i64)
    } else {
        q.to_string()
    }
}

/// The lines of one group's quantiles: band by band, [`excess_deaths`] against the reference
/// quantile's rate, summed; years of life lost of each quantile's excess by band.
///
/// `years_per_death` (by band) asks for years of life lost. An error says why a group has no
/// result (its reference quantile without population in a band where others have some).
pub(crate) fn group_lines(
    list: &[&(f64, Quantile)],
    reference: usize,
    bands: usize,
    years_per_death: Option<&[f64]>,
) -> std::result::Result<Vec<Line>, String> {
    let mut lines: Vec<Line> = list.iter().map(|_| Line::default()).collect();
    let mut excess_by_band = vec![vec![0.0; bands]; list.len()];
    for band in 0..bands {
        let observed: Vec<f64> = list.iter().map(|(_, q)| q.deaths[band].unwrap_or(0.0)).collect();
        let population: Vec<f64> = list.iter().map(|(_, q)| q.population[band].unwrap_or(0.0)).collect();
        if population.iter().all(|&p| p == 0.0) && observed.iter().all(|&d| d == 0.0) {
            continue;
        }
        if population[reference] <= 0.0 {
            let which = if bands > 1 { format!(" in age band {}", AGE_BAND_STARTS[band]) } else { String::new() };
            return Err(format!(
                "the reference quantile {} has no population{which}",
                quantile_text(list[reference].0)
            ));
        }
        let e = excess_deaths(&observed, &population, reference).map_err(|e| e.to_string())?;
        for (i, line) in lines.iter_mut().enumerate() {
            line.observed += observed[i];
            line.population += population[i];
            line.expected += e.expected[i];
            line.excess += e.excess[i];
            excess_by_band[i][band] = e.excess[i];
        }
    }
    if let Some(years_per_death) = years_per_death {
        for (line, excess) in lines.iter_mut().zip(&excess_by_band) {
            let y = years_of_life_lost(excess, years_per_death, &Valuation::default()).map_err(|e| e.to_string())?;
            line.yll = Some(y.years_of_life_lost);
        }
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    //! Worked by hand (see each comment); the output is read back from the CSV written.
    use super::*;
    use crate::calc::{run as run_calc, CalcMethod, NoProgress};

    fn run_on(csv: &str, o: ExcessDeathsOptions) -> (crate::calc::RunSummary, Vec<Vec<String>>) {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.csv");
        std::fs::write(&input, csv).unwrap();
        let output = dir.path().join("out.csv");
        let summary =
            run_calc(&CalcMethod::ExcessDeaths(o), input.to_str().unwrap(), output.to_str().unwrap(), &NoProgress)
                .unwrap();
        let text = std::fs::read_to_string(&output).unwrap();
        (summary, text.lines().map(|l| l.split(',').map(str::to_string).collect()).collect())
    }

    fn options(start_age: Option<&str>) -> ExcessDeathsOptions {
        ExcessDeathsOptions {
            quantile: "q".into(),
            deaths: "d".into(),
            population: "p".into(),
            start_age: start_age.map(str::to_string),
            common: CommonOptions { group_by: vec!["area".into()], ..CommonOptions::default() },
            ..ExcessDeathsOptions::default()
        }
    }

    fn number(rows: &[Vec<String>], quantile: &str, column: &str) -> f64 {
        let c = rows[0].iter().position(|h| h == column).unwrap_or_else(|| panic!("no column {column}"));
        let r = rows.iter().find(|r| r[1] == quantile).unwrap();
        r[c].parse().unwrap()
    }

    #[test]
    fn crude_excess_against_the_least_deprived_quantile() {
        // Reference q3: 10 / 2,000 = 0.005. Expected q1 5, q2 5, q3 10; excess 25, 15, 0 (40 of
        // 60 observed: 66.67%); at 1,000 a death, 40,000.
        let mut o = options(None);
        o.valuation.value_per_death = Some(1_000.0);
        let (summary, rows) = run_on("area,q,d,p\nA,1,30,1000\nA,2,20,1000\nA,3,10,2000\n", o);
        assert_eq!(summary.rows_read, 3);
        assert_eq!(
            rows[0],
            [
                "area",
                "quantile",
                "observed",
                "population",
                "expected",
                "excess",
                "excess_percent",
                "value_of_deaths",
                "reference"
            ]
        );
        assert_eq!(number(&rows, "1", "expected"), 5.0);
        assert_eq!(number(&rows, "2", "excess"), 15.0);
        assert_eq!(number(&rows, "3", "excess"), 0.0);
        assert_eq!(number(&rows, "All", "excess"), 40.0);
        assert_eq!(number(&rows, "All", "expected"), 20.0);
        assert!((number(&rows, "All", "excess_percent") - 200.0 / 3.0).abs() < 1e-12);
        assert_eq!(number(&rows, "All", "value_of_deaths"), 40_000.0);
        assert!(rows.iter().skip(1).all(|r| r.last().unwrap() == "3"));
    }

    #[test]
    fn by_age_band_the_reference_rates_apply_band_by_band_with_years_of_life_lost() {
        // Band 0: reference q2 1 / 500 = 0.002, q1 expected 2, excess 2 (each losing 75 − 0.5 =
        // 74.5 years: 149). Band 90+: 100 / 400 = 0.25, q1 expected 25, excess 25 (no years
        // before 75). q1: observed 54, expected 27, excess 27, YLL 149; at 100 a life-year,
        // 14,900. (The crude form would give 54 − 1,100 × 101 / 900 = −69.4.)
        let mut o = options(Some("age"));
        o.valuation = Valuation { value_per_life_year: Some(100.0), value_per_death: None };
        let csv = "area,q,age,d,p\nB,1,0,4,1000\nB,2,0,1,500\nB,1,90+,50,100\nB,2,90+,100,400\n";
        let (_, rows) = run_on(csv, o);
        assert_eq!(number(&rows, "1", "observed"), 54.0);
        assert_eq!(number(&rows, "1", "expected"), 27.0);
        assert_eq!(number(&rows, "1", "excess"), 27.0);
        assert_eq!(number(&rows, "1", "years_of_life_lost"), 149.0);
        assert_eq!(number(&rows, "1", "value_of_life_years"), 14_900.0);
        assert_eq!(number(&rows, "2", "excess"), 0.0);
        assert_eq!(number(&rows, "All", "years_of_life_lost"), 149.0);
    }

    #[test]
    fn bad_rows_are_errors_and_a_missing_reference_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.csv");
        std::fs::write(&input, "area,q,d,p\nA,1,30,1000\nA,2,-1,1000\n").unwrap();
        let out = dir.path().join("out.csv");
        let e = run_calc(
            &CalcMethod::ExcessDeaths(options(None)),
            input.to_str().unwrap(),
            out.to_str().unwrap(),
            &NoProgress,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("in.csv") && e.contains("row 2") && e.contains("\"d\"") && e.contains("deaths ≥ 0"), "{e}");
        assert!(!out.exists());
        let mut o = options(None);
        o.reference = Some(7.0);
        let (summary, rows) = run_on("area,q,d,p\nA,1,30,1000\nA,2,20,1000\n", o);
        assert_eq!(rows.len(), 1, "header only");
        assert!(summary.warnings[0].contains("reference quantile 7"), "{:?}", summary.warnings);
    }
}
