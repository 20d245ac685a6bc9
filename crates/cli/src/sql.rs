//! `fairer sql`: a SQL query over CSV and Parquet files, with Fairer's methods as SQL
//! functions. Parses the arguments and hands over to [`engine::sql::Session`].

use clap::Args;
use engine::sql::{QueryOutput, Session, SqlError, AGGREGATE_FUNCTIONS, SCALAR_FUNCTIONS};

/// The arguments of `fairer sql`: the query, the tables and the output. The help text (table
/// naming, struct fields, every function with its signature, examples) is [`help_text`].
#[derive(Args, Debug)]
#[command(after_long_help = help_text())]
pub struct SqlArgs {
    /// The query, e.g. "SELECT area, dsr(deaths, pop, esp2013(ageband)).value AS dsr FROM t GROUP BY area".
    pub query: String,
    /// Files to register as tables named after their stem: .csv, .tsv or .parquet.
    #[arg(value_name = "FILE")]
    pub files: Vec<String>,
    /// A table NAME=PATH (a .csv, .tsv or .parquet file, or a glob of them). Repeatable.
    #[arg(long = "table", value_name = "NAME=PATH")]
    pub tables: Vec<String>,
    /// Where to write the result: .csv, .parquet, or - for CSV on standard output. Files are
    /// written to a temporary name and renamed when complete.
    #[arg(short, long, default_value = "-")]
    pub output: String,
}

/// The function list and examples shown after `fairer sql --help`.
fn help_text() -> String {
    let mut s = String::from(
        "Tables: each FILE is a table named after its file stem (deaths.csv → deaths); --table NAME=PATH
names one (PATH may be a glob such as 'data/*.parquet'). CSV files need a header row; empty cells
are null (read a column holding NA with TRY_CAST(col AS DOUBLE)). Names are case-sensitive, as
in the files; quote names that are not plain words: \"deaths-2023\", \"Age Band\". The SQL is
Apache DataFusion's (PostgreSQL-like: joins, CTEs, window functions, CASE, round(), …).

Aggregates return a struct: take a field with .value, .lowercl, … (and alias it:
dsr(…).value AS dsr), or select the whole struct, which CSV output writes as one column per
field, NAME_value, NAME_lowercl, … Optional arguments of aggregates must be constants.

",
    );
    s.push_str("Scalar functions (one value per row; confidence 0.95 by default, a column or a constant):\n");
    for f in SCALAR_FUNCTIONS {
        s.push_str(&format!("  {:<46} {}\n", f.signature_text(), f.summary));
    }
    s.push_str(
        "\nAggregate functions (a struct per group: value, lowercl, uppercl, …, confidence, statistic, method):\n",
    );
    for f in AGGREGATE_FUNCTIONS {
        let alias = if f.aliases.is_empty() { String::new() } else { format!(" (also {})", f.aliases.join(", ")) };
        s.push_str(&format!(
            "  {}{alias}\n      {}; fields: {}\n",
            f.signature_text(),
            f.summary,
            f.fields.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
        ));
    }
    s.push_str(
        r#"
Defaults as PHEindicatormethods: multiplier 1 for proportion, 100000 for crude_rate, dsr and
israte; refvalue 1 for isratio; confidence 0.95; sii: value_type 0 (0 plain, 1 rate, 2
proportion), 100000 repetitions, seed 1. life_expectancy gives the value at birth unless an
age (a start age 0, 1, 5, …, 90) is given.

inequality takes the columns of HEAT Plus's upload template (ordered: 1 ordered, 0 non-ordered
dimension; favourable: 1 or 0; scale: 100 for percentages) and gives one measure by its
abbreviation: d, r, par, paf (any dimension), aci, rci, sii, rii (ordered), bgv, bgsd, cov, mld,
ti, idisu, idisw, mdbu, mdbw, mdmu, mdmw, mdru, mdrw (non-ordered), or Fairer's d8020, r8020,
d9010, r9010 (non-ordered, at least 5 subgroups). A measure that is not available has a null
value and the reason in the unavailable field. Simulated intervals: HEAT's 100 draws, seed
123456, as calc summary-measures.

Examples:
  # Wilson and Poisson limits row by row
  fairer sql "SELECT Area, wilson_lower(Numerator, Denominator) AS lo, wilson_upper(Numerator, Denominator, 0.998) AS hi FROM prop" prop.csv
  fairer sql "SELECT x, byars_lower(x) AS lo, byars_upper(x) AS hi, exact_poisson_lower(x) AS elo, exact_poisson_upper(x) AS ehi FROM counts" counts.csv

  # Proportion (percentage) and crude rate per group
  fairer sql "SELECT area, proportion(achieved, pupils, 100).value AS pct FROM gld GROUP BY area" gld.csv
  fairer sql "SELECT area, crude_rate(deaths, pop).value AS rate FROM d GROUP BY area" d.csv

  # Directly standardised rate with the European Standard Population 2013, all fields
  fairer sql "SELECT area, dsr(count, pop, esp2013(ageband)) AS dsr FROM deaths GROUP BY area ORDER BY area" deaths.csv

  # Standardised mortality ratio against a reference table joined on age band
  fairer sql "SELECT d.area, isratio(d.count, d.pop, r.refcount, r.refpop, 100).value AS smr FROM d JOIN r ON d.ageband = r.ageband GROUP BY d.area" --table d=deaths.csv --table r=england.csv

  # Life expectancy at birth and at 65, 20 bands (0, 1-4, 5-9, …, 90+) per group
  fairer sql "SELECT area, sex, life_expectancy(startage, deaths, pops).value AS e0, life_expectancy(startage, deaths, pops, 65).value AS e65 FROM lt GROUP BY area, sex" lt.csv

  # Slope index of inequality across deprivation deciles, per area
  fairer sql "SELECT area, sii(decile, pop, value, lowercl, uppercl) AS sii FROM le_by_decile GROUP BY area" le_by_decile.csv

  # HEAT summary measures of each dimension of a HEAT Plus template file, one column each
  fairer sql "SELECT setting, indicator_abbr, dimension, inequality('d', estimate, se, population, subgroup_order, ordered_dimension, favourable_indicator, indicator_scale, reference_subgroup, setting_average) AS d, inequality('sii', estimate, se, population, subgroup_order, ordered_dimension, favourable_indicator, indicator_scale).value AS sii FROM heat GROUP BY setting, indicator_abbr, dimension" heat.csv

  # Into Parquet (structs kept), from a glob
  fairer sql "SELECT * FROM d WHERE year >= 2020" --table 'd=data/*.parquet' -o recent.parquet
"#,
    );
    s
}

/// A table naming mistake, with the flag that names a table.
fn with_table_flag(e: SqlError) -> crate::Failure {
    match e {
        SqlError::Usage(message) => crate::Failure::Usage(format!("{message} (name a table with --table NAME=PATH)")),
        other => other.into(),
    }
}

/// Registers the tables, runs the query and writes its result.
///
/// # Errors
/// A malformed --table, a file that cannot be registered, or the query's error, worded for
/// the analyst.
pub fn run(args: SqlArgs) -> Result<(), crate::Failure> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| {
        crate::Failure::Engine(engine::EngineError::Internal(format!("cannot start the query runtime: {e}")))
    })?;
    runtime.block_on(run_on_runtime(args))
}

/// Runs `fairer sql` on the runtime [`run`] made.
async fn run_on_runtime(args: SqlArgs) -> Result<(), crate::Failure> {
    let mut session = Session::new();
    for t in &args.tables {
        let Some((name, path)) = t.split_once('=') else {
            return Err(format!("--table {t}: expected NAME=PATH, e.g. --table deaths=data/deaths.csv").into());
        };
        session.register(name.trim(), path.trim()).await.map_err(with_table_flag)?;
    }
    for f in &args.files {
        session.register_file(f).await.map_err(with_table_flag)?;
    }
    let output = if args.output == "-" {
        QueryOutput::CsvStream { name: "<stdout>".into(), out: Box::new(std::io::BufWriter::new(std::io::stdout())) }
    } else {
        QueryOutput::File(args.output.clone().into())
    };
    if let Err(e) = output.format() {
        return Err(match e {
            SqlError::Usage(message) => {
                crate::Failure::Usage(format!("{message}, or be - for CSV on standard output (--output)"))
            }
            other => other.into(),
        });
    }
    let rows = match session.query_to(&args.query, output).await {
        Ok(rows) => rows,
        // The reader of standard output stopped reading (e.g. `| head`): not an error.
        Err(SqlError::Closed) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    if args.output != "-" {
        eprintln!("{rows} rows written to {}", args.output);
    }
    Ok(())
}
