//! `fairer`: the command line of the Fairer health-equity observatory.
//!
//! This binary only parses arguments, shows progress and prints; the work is in the `engine`
//! and `stats` crates.

mod account;
mod calc;
mod compute;
mod db;
mod demo;
mod generate;
mod import;
mod interrupt;
mod newsletter;
mod place;
mod report;
mod scorecard;
mod serve;
mod sql;

use std::process::ExitCode;

use engine::ErrorKind;

/// mimalloc rather than the system allocator: the engine's parallel work allocates on many
/// threads, and glibc's malloc spent a third of the CPU time of `calc summary-measures` on its
/// arena locks (BENCHMARKS.md, "Every summary measure").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};

/// Fairer measures health inequalities with the standard methods of English public health.
///
/// Every method reproduces the OHID/PHE technical guidance as implemented by the R package
/// PHEindicatormethods 2.1.0: the same defaults, edge cases and numbers.
#[derive(Parser, Debug)]
#[command(
    name = "fairer",
    version,
    about,
    long_about,
    after_help = "Start with `fairer demo`, `fairer calc --help` or `fairer compute --help`, or try:\n  fairer calc dsr examples/deaths_by_age_band.csv --count deaths --denominator population --age-band age_band --group-by area_code"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// The command line is parsed once per process, so the size of its largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
enum Command {
    /// Compute a statistic with confidence intervals from a CSV or Parquet file.
    Calc(calc::CalcArgs),
    /// Generate a synthetic England (areas, deprivation, populations, deaths, outcomes) to compute on.
    Generate(generate::GenerateArgs),
    /// Run a SQL query over CSV and Parquet files, with the methods as SQL functions
    /// (dsr, proportion, life_expectancy, sii, wilson_lower, esp2013, …).
    Sql(sql::SqlArgs),
    /// Compute a whole indicator catalogue (the core Marmot indicators by default) for every
    /// area, period, sex and deprivation decile, with comparisons, trends and inequality summaries.
    Compute(compute::ComputeArgs),
    /// The main job on synthetic data: generate a small synthetic England (once), compute the
    /// starter catalogue, and print a summary for one place.
    Demo(demo::DemoArgs),
    /// The database (SQLite by default, PostgreSQL by URL): bring its schema up to date.
    Db(db::DbArgs),
    /// Import a results table into the database as a data release.
    Import(import::ImportArgs),
    /// Places and their monitoring: import, export, list, show (with each target's
    /// assessment), update a recommendation's status or add a progress note.
    Place(place::PlaceArgs),
    /// Serve the web pages and the JSON API over the database (`fairer serve`, then open the
    /// address it prints).
    Serve(serve::ServeArgs),
    /// The web's accounts: add one (the first administrator too) or list them.
    Account(account::AccountArgs),
    /// Write a place's printable report (summary, indicators, gradients, targets,
    /// recommendations) as HTML or, through headless Chromium, as PDF.
    Report(report::ReportArgs),
    /// The network's newsletter: send an issue (resumable), its status, record a bounce.
    Newsletter(newsletter::NewsletterArgs),
    /// An ICB's scorecard (text, JSON, HTML or PDF), or import ICBs' inequalities funding.
    Scorecard(scorecard::ScorecardArgs),
}

/// Why a command failed, kept typed until [`main`] prints it and picks the exit code.
#[derive(Debug)]
pub enum Failure {
    /// The engine's error (reading, computing, writing), with its kind.
    Engine(engine::EngineError),
    /// A SQL session's error.
    Sql(engine::sql::SqlError),
    /// The synthetic England generator's error.
    Generate(synth::SynthError),
    /// A mistake in the command line found by the command itself, worded with its flags.
    Usage(String),
    /// The store's error (the database, a place file, a release); boxed, as it is large.
    Store(Box<store::StoreError>),
}

impl Failure {
    /// The kind of failure, which gives the exit code.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Failure::Engine(e) => e.kind(),
            Failure::Sql(e) => e.kind(),
            Failure::Generate(e) => match e {
                synth::SynthError::Setting { .. } => ErrorKind::Usage,
                synth::SynthError::Input { .. } => ErrorKind::BadInput,
                _ => ErrorKind::Internal,
            },
            Failure::Usage(_) => ErrorKind::Usage,
            Failure::Store(e) => match e.exit_code() {
                65 => ErrorKind::BadInput,
                64 => ErrorKind::Usage,
                _ => ErrorKind::Internal,
            },
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Engine(e) => write!(f, "{e}"),
            Failure::Sql(e) => write!(f, "{e}"),
            Failure::Generate(e) => write!(f, "{e}"),
            Failure::Usage(message) => write!(f, "{message}"),
            Failure::Store(e) => write!(f, "{e}"),
        }
    }
}

impl From<engine::EngineError> for Failure {
    fn from(e: engine::EngineError) -> Self {
        Failure::Engine(e)
    }
}

impl From<engine::sql::SqlError> for Failure {
    fn from(e: engine::sql::SqlError) -> Self {
        Failure::Sql(e)
    }
}

impl From<synth::SynthError> for Failure {
    fn from(e: synth::SynthError) -> Self {
        Failure::Generate(e)
    }
}

impl From<store::StoreError> for Failure {
    fn from(e: store::StoreError) -> Self {
        Failure::Store(Box::new(e))
    }
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure::Usage(message)
    }
}

impl From<&str> for Failure {
    fn from(message: &str) -> Self {
        Failure::Usage(message.to_string())
    }
}

/// Runs the command; on failure prints `error: …` and exits with the failure's kind's code
/// (65 bad input, 64 bad usage, 70 internal, 130 cancelled; see [`ErrorKind::exit_code`]).
fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Calc(args) => calc::run(args),
        Command::Generate(args) => generate::run(args),
        Command::Sql(args) => sql::run(args),
        Command::Compute(args) => compute::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Db(args) => db::run(args),
        Command::Import(args) => import::run(args),
        Command::Place(args) => place::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Account(args) => account::run(args),
        Command::Report(args) => report::run(args),
        Command::Newsletter(args) => newsletter::run(args),
        Command::Scorecard(args) => scorecard::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {failure}");
            ExitCode::from(failure.kind().exit_code())
        }
    }
}
