//! SQL over registered files, with Fairer's methods as SQL functions: `fairer sql "SELECT …"`.
//!
//! A [`Session`] is an Apache DataFusion session with CSV and Parquet files (or globs of them)
//! registered as tables and Fairer's functions registered by name in one place,
//! [`register_functions`]:
//!
//! - scalar functions ([`functions`]), one value per row: `wilson_lower`, `wilson_upper`,
//!   `byars_lower`, `byars_upper`, `exact_poisson_lower`, `exact_poisson_upper`, `esp2013`;
//! - aggregates ([`aggregates`]), a STRUCT {value, lowercl, uppercl, …} per group:
//!   `proportion` (alias `wilson`), `crude_rate`, `dsr`, `isratio`, `israte`,
//!   `life_expectancy`, `sii`, `inequality` (HEAT's summary measures of inequality).
//!
//! ```sql
//! SELECT area, dsr(count, pop, esp2013(ageband)).value AS dsr
//! FROM deaths GROUP BY area ORDER BY area
//! ```
//!
//! Each function computes with the same [`stats`] method as `fairer calc`, so the numbers are
//! the same. Identifiers are case-sensitive (`Numerator` is the column `Numerator`), as in the
//! files; function names are not. Results are written as they are produced
//! ([`Session::query_to`], through [`output::BatchWriter`]) to CSV or Parquet, atomically for
//! files. The session is async and runs on the caller's tokio runtime.

pub mod aggregates;
pub mod args;
pub mod functions;
pub mod output;

use std::path::Path;

use datafusion::arrow::array::RecordBatch;
use datafusion::common::TableReference;
use datafusion::error::DataFusionError;
use datafusion::prelude::{CsvReadOptions, DataFrame, ParquetReadOptions, SessionConfig, SessionContext};
use datafusion::sql::parser::Statement;
use datafusion::sql::sqlparser::ast::{
    visit_expressions_mut, AccessExpr, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgumentList,
    FunctionArguments, Ident, ObjectName, Value,
};
use futures::StreamExt;
use thiserror::Error;

use aggregates::{AggregateSpec, FairerAggregate};
pub use output::QueryOutput;

use crate::input::TableFormat;
use functions::{FairerScalar, ScalarSpec};

/// Fairer's scalar SQL functions, in the order `--help` lists them.
pub static SCALAR_FUNCTIONS: [&ScalarSpec; 7] = [
    &functions::WILSON_LOWER,
    &functions::WILSON_UPPER,
    &functions::BYARS_LOWER,
    &functions::BYARS_UPPER,
    &functions::EXACT_POISSON_LOWER,
    &functions::EXACT_POISSON_UPPER,
    &functions::ESP2013,
];

/// Fairer's aggregate SQL functions, in the order `--help` lists them.
pub static AGGREGATE_FUNCTIONS: [&AggregateSpec; 9] = [
    &aggregates::proportion::PROPORTION,
    &aggregates::proportion::CRUDE_RATE,
    &aggregates::dsr::DSR,
    &aggregates::isr::ISRATIO,
    &aggregates::isr::ISRATE,
    &aggregates::life_expectancy::LIFE_EXPECTANCY,
    &aggregates::sii::SII,
    &aggregates::inequality::INEQUALITY,
    &aggregates::excess_deaths::EXCESS_DEATHS,
];

/// Registers every Fairer SQL function in `ctx`: the one place functions are named.
pub fn register_functions(ctx: &SessionContext) {
    for spec in SCALAR_FUNCTIONS {
        ctx.register_udf(FairerScalar::udf(spec));
    }
    for spec in AGGREGATE_FUNCTIONS {
        ctx.register_udaf(FairerAggregate::udaf(spec));
    }
}

/// What can go wrong registering files, running a query or writing its result.
#[derive(Debug, Error)]
pub enum SqlError {
    /// Options that do not fit (a bad table name, an unknown file type, …).
    #[error("{0}")]
    Usage(String),
    /// An input file that cannot be found or registered.
    #[error("{path}: {message}")]
    Input {
        /// The file or glob.
        path: String,
        /// What was wrong.
        message: String,
    },
    /// The query could not be planned or run: DataFusion's message, which names the table,
    /// column or function concerned.
    #[error("{0}")]
    Query(String),
    /// Standard output was closed before the result was written (e.g. piped to `head`).
    #[error("standard output was closed")]
    Closed,
    /// The result could not be written.
    #[error("{path}: {message}")]
    Io {
        /// The output.
        path: String,
        /// What went wrong.
        message: String,
    },
}

impl SqlError {
    /// What kind of failure this is: a bad option is bad usage; a file that cannot be read, a
    /// query that cannot be planned or run, or an output that cannot be written is bad input
    /// (the query or the files named); a closed standard output is not the engine's fault
    /// either, and is reported as bad input to a caller that counts it as a failure.
    pub fn kind(&self) -> crate::ErrorKind {
        match self {
            SqlError::Usage(_) => crate::ErrorKind::Usage,
            SqlError::Input { .. } | SqlError::Query(_) | SqlError::Closed | SqlError::Io { .. } => {
                crate::ErrorKind::BadInput
            }
        }
    }
}

impl From<DataFusionError> for SqlError {
    fn from(e: DataFusionError) -> Self {
        SqlError::Query(describe(&e))
    }
}

/// DataFusion's message without the wrapping of contexts and execution joins, and with its
/// kind ("Error during planning: …") kept as DataFusion words it.
fn describe(e: &DataFusionError) -> String {
    match e {
        DataFusionError::Context(_, inner) => describe(inner),
        DataFusionError::Shared(inner) => describe(inner),
        DataFusionError::ArrowError(inner, _) => format!("{inner}"),
        DataFusionError::ExecutionJoin(inner) => format!("{inner}"),
        other => {
            let s = other.to_string();
            // A Fairer function's type error comes wrapped in DataFusion's search for a
            // matching signature; the function's own message says it better.
            const WRAPPED: &str = "user-defined coercion failed with: ";
            match s.find(WRAPPED) {
                Some(at) => {
                    let inner = &s[at + WRAPPED.len()..];
                    let inner = inner.strip_prefix("Error during planning: ").unwrap_or(inner);
                    let inner = inner.split(" No function matches").next().unwrap_or(inner);
                    format!("Error during planning: {}", inner.trim_end())
                }
                None => s.trim_end().to_string(),
            }
        }
    }
}

/// Lets a field of a function's result be taken with a dot, `dsr(…).value`, as on a column
/// (`d.value`). DataFusion 55 (without its nested-functions feature) plans `x.field` only when
/// `x` is a column, so `expr.a.b` on any other expression is rewritten to
/// `get_field(get_field(expr, 'a'), 'b')`, DataFusion's struct field access.
fn rewrite_field_access(statement: &mut datafusion::sql::sqlparser::ast::Statement) {
    let _ = visit_expressions_mut(statement, |e| {
        if let Expr::CompoundFieldAccess { root, access_chain } = e {
            let names: Option<Vec<String>> = access_chain
                .iter()
                .map(|a| match a {
                    AccessExpr::Dot(Expr::Identifier(ident)) => Some(ident.value.clone()),
                    _ => None,
                })
                .collect();
            let column = matches!(**root, Expr::Identifier(_) | Expr::CompoundIdentifier(_));
            if let (Some(names), false) = (names, column) {
                let mut out = (**root).clone();
                for name in names {
                    out = get_field(out, name);
                }
                *e = out;
            }
        }
        std::ops::ControlFlow::<()>::Continue(())
    });
}

/// The AST of `get_field(expr, 'name')`.
fn get_field(expr: Expr, name: String) -> Expr {
    let arg = |e: Expr| FunctionArg::Unnamed(FunctionArgExpr::Expr(e));
    Expr::Function(Function {
        name: ObjectName::from(vec![Ident::new("get_field")]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args: vec![arg(expr), arg(Expr::Value(Value::SingleQuotedString(name).into()))],
            clauses: vec![],
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: vec![],
    })
}

/// The table name a file gets by default: its stem (`data/deaths_2023.csv` → `deaths_2023`).
///
/// # Errors
/// A path without a file name.
pub fn default_table_name(path: &str) -> Result<String, SqlError> {
    Path::new(path)
        .file_stem()
        .and_then(|s| s.to_str())
        .filter(|s| !s.is_empty() && !s.contains('*'))
        .map(str::to_string)
        .ok_or_else(|| SqlError::Usage(format!("{path}: cannot name a table after this path; give the table a name")))
}

/// A DataFusion session with Fairer's functions and the registered files. Its methods are
/// async and run on the caller's tokio runtime (a multi-threaded one lets DataFusion run a
/// query's partitions in parallel); the session holds no runtime of its own.
pub struct Session {
    ctx: SessionContext,
    tables: Vec<(String, String)>,
}

impl Default for Session {
    fn default() -> Self {
        Session::new()
    }
}

impl Session {
    /// A session with Fairer's functions and no tables. Identifiers are case-sensitive, and
    /// the `information_schema` is on (`SHOW TABLES`, `SHOW COLUMNS FROM t`).
    pub fn new() -> Session {
        let mut config = SessionConfig::new().with_information_schema(true);
        config.options_mut().sql_parser.enable_ident_normalization = false;
        let ctx = SessionContext::new_with_config(config);
        register_functions(&ctx);
        Session { ctx, tables: Vec::new() }
    }

    /// The DataFusion context, for uses beyond [`Session::query`].
    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    /// The registered tables: (name, path).
    pub fn tables(&self) -> &[(String, String)] {
        &self.tables
    }

    /// Registers the CSV, TSV or Parquet file (or glob of files of one format) at `path` as the
    /// table `name`. CSV files have a header row; empty cells are null; column types are
    /// inferred from the first 10,000 rows (a column with text such as `NA` is text: read it
    /// with `TRY_CAST(column AS DOUBLE)`).
    ///
    /// # Errors
    /// A name used twice or empty, an unknown extension, a file that does not exist, or one
    /// DataFusion cannot read (e.g. no header).
    pub async fn register(&mut self, name: &str, path: &str) -> Result<(), SqlError> {
        if name.is_empty() {
            return Err(SqlError::Usage(format!("{path}: the table name is empty")));
        }
        if let Some((_, other)) = self.tables.iter().find(|(n, _)| n == name) {
            return Err(SqlError::Usage(format!(
                "table \"{name}\" is given twice ({other} and {path}); give one another name"
            )));
        }
        let not_a_table = || SqlError::Input {
            path: path.to_string(),
            message: "expected a .csv, .tsv or .parquet file (or a glob such as data/*.parquet)".into(),
        };
        let format = match TableFormat::from_extension(path) {
            Some(TableFormat::Xlsx) | None => return Err(not_a_table()),
            Some(format) => format,
        };
        let ext = Path::new(path).extension().and_then(|e| e.to_str()).unwrap_or("").to_string();
        let is_glob = path.contains(['*', '?', '[']);
        if !is_glob && !Path::new(path).is_file() {
            return Err(SqlError::Input { path: path.to_string(), message: "no such file".into() });
        }
        let input_error = |e: DataFusionError| SqlError::Input { path: path.to_string(), message: describe(&e) };
        let dotted = format!(".{ext}");
        let table = TableReference::bare(name);
        match format {
            TableFormat::Csv | TableFormat::Tsv => {
                let delimiter = if format == TableFormat::Tsv { b'\t' } else { b',' };
                let options = CsvReadOptions::new()
                    .has_header(true)
                    .delimiter(delimiter)
                    .file_extension(&dotted)
                    .schema_infer_max_records(10_000);
                self.ctx.register_csv(table, path, options).await.map_err(input_error)?;
            }
            TableFormat::Parquet => {
                let options = ParquetReadOptions { file_extension: &dotted, ..ParquetReadOptions::default() };
                self.ctx.register_parquet(table, path, options).await.map_err(input_error)?;
            }
            TableFormat::Xlsx => return Err(not_a_table()),
        }
        self.tables.push((name.to_string(), path.to_string()));
        Ok(())
    }

    /// Registers `path` under its default name, the file stem ([`default_table_name`]), and
    /// returns the name.
    ///
    /// # Errors
    /// As [`Session::register`].
    pub async fn register_file(&mut self, path: &str) -> Result<String, SqlError> {
        let name = default_table_name(path)?;
        self.register(&name, path).await?;
        Ok(name)
    }

    /// Plans `sql` as [`SessionContext::sql`] does, after [`rewrite_field_access`].
    async fn dataframe(&self, sql: &str) -> Result<DataFrame, DataFusionError> {
        let state = self.ctx.state();
        let dialect = state.config().options().sql_parser.dialect;
        let mut statement = state.sql_to_statement(sql, &dialect)?;
        if let Statement::Statement(s) = &mut statement {
            rewrite_field_access(s.as_mut());
        }
        let plan = state.statement_to_plan(statement).await?;
        self.ctx.execute_logical_plan(plan).await
    }

    /// Runs `sql` and collects its result (for small results; use [`Session::query_to`] to
    /// stream).
    ///
    /// # Errors
    /// Any planning or execution error, with DataFusion's message (which names the table,
    /// column or function) or the Fairer function's.
    pub async fn query(&self, sql: &str) -> Result<Vec<RecordBatch>, SqlError> {
        let df = self.dataframe(sql).await?;
        Ok(df.collect().await?)
    }

    /// Runs `sql` and writes its result to `output` batch by batch as it is produced; returns
    /// the rows written. A file is written under a temporary name and renamed when complete.
    ///
    /// # Errors
    /// As [`Session::query`], and any output error; no output file is left on error.
    pub async fn query_to(&self, sql: &str, output: QueryOutput) -> Result<u64, SqlError> {
        output.format()?;
        let df = self.dataframe(sql).await?;
        let mut stream = df.execute_stream().await?;
        let mut writer = output::BatchWriter::create(output, stream.schema())?;
        while let Some(batch) = stream.next().await {
            writer.write(&batch?)?;
        }
        writer.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Array, Float64Array, StringArray};
    use std::io::Write as _;

    /// The session's async methods, run to completion on a runtime of the test's own.
    trait Blocking {
        fn register_now(&mut self, name: &str, path: &str) -> Result<(), SqlError>;
        fn register_file_now(&mut self, path: &str) -> Result<String, SqlError>;
        fn query_now(&self, sql: &str) -> Result<Vec<RecordBatch>, SqlError>;
        fn query_to_now(&self, sql: &str, output: &str) -> Result<u64, SqlError>;
    }

    fn block<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
    }

    impl Blocking for Session {
        fn register_now(&mut self, name: &str, path: &str) -> Result<(), SqlError> {
            block(self.register(name, path))
        }
        fn register_file_now(&mut self, path: &str) -> Result<String, SqlError> {
            block(self.register_file(path))
        }
        fn query_now(&self, sql: &str) -> Result<Vec<RecordBatch>, SqlError> {
            block(self.query(sql))
        }
        fn query_to_now(&self, sql: &str, output: &str) -> Result<u64, SqlError> {
            block(self.query_to(sql, QueryOutput::File(output.into())))
        }
    }

    fn session_with(csv: &str) -> (tempfile::TempDir, Session) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::File::create(&path).unwrap().write_all(csv.as_bytes()).unwrap();
        let mut s = Session::new();
        assert_eq!(s.register_file_now(path.to_str().unwrap()).unwrap(), "t");
        (dir, s)
    }

    fn floats(batches: &[RecordBatch], column: usize) -> Vec<Option<f64>> {
        batches
            .iter()
            .flat_map(|b| {
                let a = b.column(column).as_any().downcast_ref::<Float64Array>().unwrap();
                (0..a.len()).map(|i| if a.is_null(i) { None } else { Some(a.value(i)) }).collect::<Vec<_>>()
            })
            .collect()
    }

    #[test]
    fn scalar_and_aggregate_functions_run_in_sql() {
        let (_d, s) = session_with("Area,x,n\nA,1,10\nA,2,10\nB,5,\n");
        let b = s.query_now("SELECT wilson_lower(x, 100), byars_upper(0), esp2013('90+') FROM t ORDER BY x").unwrap();
        assert_eq!(floats(&b, 2), vec![Some(1000.0); 3]);
        let b = s.query_now("SELECT Area, proportion(x, n, 100).value AS v, proportion(x, n).numerator FROM t GROUP BY Area ORDER BY Area").unwrap();
        assert_eq!(floats(&b, 1), vec![Some(15.0), None]);
        assert_eq!(floats(&b, 2), vec![Some(3.0), Some(5.0)]);
        let areas = b[0].column(0).as_any().downcast_ref::<StringArray>().map(|a| a.value(0).to_string());
        assert_eq!(areas.as_deref(), Some("A"));
    }

    #[test]
    fn errors_name_what_was_wrong() {
        let (_d, s) = session_with("Area,x,n\nA,1,10\n");
        let e = s.query_now("SELECT * FROM nope").unwrap_err().to_string();
        assert!(e.contains("nope"), "{e}");
        let e = s.query_now("SELECT proportion(Area, n) FROM t").unwrap_err().to_string();
        assert!(e.contains("proportion: argument 1 (x) must be a number"), "{e}");
        let e = s.query_now("SELECT proportion(x, n, n) FROM t").unwrap_err().to_string();
        assert!(e.contains("proportion: multiplier must be a constant"), "{e}");
        let e = s.query_now("SELECT dsr(x, n, 1, 100000, 0.5) FROM t").unwrap_err().to_string();
        assert!(e.contains("dsr: confidence must be a confidence level"), "{e}");
        let e = s.query_now("SELECT wilson_upper(n, x) FROM t").unwrap_err().to_string();
        assert!(e.contains("wilson_upper: x (10) must be less than or equal to n (1)"), "{e}");
    }

    #[test]
    fn registration_checks_names_and_files() {
        let (d, mut s) = session_with("a\n1\n");
        let path = d.path().join("t.csv");
        assert!(s.register_now("t", path.to_str().unwrap()).unwrap_err().to_string().contains("given twice"));
        assert!(s.register_now("u", "/no/such/file.csv").unwrap_err().to_string().contains("no such file"));
        assert!(s.register_now("u", "x.xlsx").unwrap_err().to_string().contains("expected a .csv, .tsv or .parquet"));
        assert_eq!(default_table_name("dir/deaths-2023.parquet").unwrap(), "deaths-2023");
    }

    #[test]
    fn query_to_writes_parquet_that_reads_back() {
        let (d, mut s) = session_with("Area,x,n\nA,1,10\nA,2,10\nB,5,20\n");
        let out = d.path().join("out.parquet");
        let rows =
            s.query_to_now("SELECT Area, proportion(x, n) AS p FROM t GROUP BY Area", out.to_str().unwrap()).unwrap();
        assert_eq!(rows, 2);
        s.register_now("r", out.to_str().unwrap()).unwrap();
        let b = s.query_now("SELECT p.value FROM r ORDER BY Area").unwrap();
        assert_eq!(floats(&b, 0), vec![Some(0.15), Some(0.25)]);
        let bad = d.path().join("bad.csv");
        assert!(s.query_to_now("SELECT wilson_lower(n, x) FROM t", bad.to_str().unwrap()).is_err());
        assert!(!bad.exists());
    }

    /// From inside a multi-threaded tokio runtime, as a web handler would: a SQL query with a
    /// Fairer aggregate awaited on the runtime, and a computation of the starter catalogue on a
    /// blocking thread, both finish, without a runtime of their own (which would panic inside
    /// another) or blocking the runtime's workers.
    #[test]
    fn a_query_and_a_computation_run_inside_a_tokio_runtime() {
        use crate::compute::catalogue::Catalogue;
        use crate::compute::{compute, ComputeOptions, DataDirectory, MemorySink, NoProgress};
        let dir = tempfile::tempdir().unwrap();
        crate::compute::tests::small_england(dir.path());
        let data = dir.path().to_path_buf();
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        runtime.block_on(async move {
            let mut session = Session::new();
            session.register("deaths", &data.join("deaths.csv").display().to_string()).await.unwrap();
            session.register("population", &data.join("population.csv").display().to_string()).await.unwrap();
            // ESP 2013 has one band 0-4: start ages 0 and 1 are summed into it.
            let sql = "SELECT d.sex, dsr(d.deaths, p.population, esp2013(d.age_band)).value AS dsr \
                FROM (SELECT sex, CASE WHEN start_age < 5 THEN 0 ELSE start_age END AS age_band, sum(deaths) AS deaths \
                FROM deaths GROUP BY 1, 2) d \
                JOIN (SELECT sex, CASE WHEN start_age < 5 THEN 0 ELSE start_age END AS age_band, sum(population) AS population \
                FROM population GROUP BY 1, 2) p \
                ON d.sex = p.sex AND d.age_band = p.age_band GROUP BY d.sex ORDER BY d.sex";
            let batches = session.query(sql).await.unwrap();
            let rates = floats(&batches, 1);
            assert!(!rates.is_empty() && rates.iter().all(|r| r.is_some_and(|r| r > 0.0)), "{rates:?}");
            let computed = tokio::task::spawn_blocking(move || {
                let catalogue = Catalogue::starter()?;
                let mut sink = MemorySink::new();
                let summary = compute(
                    &catalogue,
                    &DataDirectory::new(&data),
                    &mut sink,
                    &ComputeOptions::default(),
                    &NoProgress,
                )?;
                Ok::<_, crate::EngineError>((summary, sink))
            })
            .await
            .unwrap()
            .unwrap();
            assert!(computed.1.finished && computed.1.rows() as u64 == computed.0.rows_written);
            assert!(computed.0.rows_written > 0);
        });
    }
}
