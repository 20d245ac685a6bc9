//! `fairer`: the command line of the Fairer health-equity observatory.
//!
//! This binary only parses arguments, shows progress and prints; the work is in the `engine`
//! and `stats` crates.

mod calc;
mod compute;
mod demo;
mod generate;
mod sql;

use std::process::ExitCode;

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Calc(args) => calc::run(args),
        Command::Generate(args) => generate::run(args),
        Command::Sql(args) => sql::run(args),
        Command::Compute(args) => compute::run(args),
        Command::Demo(args) => demo::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
