//! `fairer compute`: a whole indicator catalogue over a data directory, with comparisons,
//! trends and inequality summaries, written as one long table.
//!
//! The command parses arguments, shows progress and prints a summary; the work is
//! `engine::compute`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::Args;
use engine::compute::catalogue::Catalogue;
use engine::compute::{compute, ComputeOptions, ComputeSummary, DataDirectory, Progress, ResultFile};
use indicatif::{ProgressBar, ProgressStyle};

/// Compute every indicator of a catalogue, for every area of every level of the geography,
/// every period, sex and deprivation decile: value with 95% and 99.8% limits (the `calc`
/// methods), comparison with England at both levels, quintile among areas of the same type,
/// recent trend (the indicator portal's trend markers), and across the deprivation deciles of
/// each area: SII and RII, the gap and ratio between the most and least deprived deciles, and
/// the excess events had every decile the least deprived decile's rates.
///
/// Counts are summed up the hierarchy (small area → local authority → ICB → region →
/// England, and user-defined places) before any statistic is computed.
///
/// Measures: proportion, crude_rate, dsr, life_expectancy (computed from counts), and
/// published: values the indicator portal (Fingertips) publishes, read as they are from a
/// table declared with layout = "portal" (its "download data" CSV or the FingertipsNext API
/// extract), to which the same comparisons, quintiles, trends and inequality summaries are
/// added. Rows skipped from such tables (other categories, areas not in the geography) are
/// counted in notes.
///
/// The catalogue (TOML) declares the geography, the tables and the indicators; without
/// --catalogue the starter catalogue of core Marmot indicators (catalogues/marmot.toml) is
/// used, which reads the tables `fairer generate` writes.
///
/// Output: .parquet (snake-case columns), .csv (the indicator portal's download layout:
/// Indicator ID, Area Code, …, Lower CI 95.0 limit, …) or .xlsx; written to a temporary name
/// and renamed when complete, so a failed run leaves nothing.
#[derive(Args, Debug)]
#[command(after_help = "Measures: proportion, crude_rate, dsr, life_expectancy (computed from counts), and \
published: the indicator portal's published values, read as they are from a table declared with \
layout = \"portal\" (the Fingertips download CSV or the FingertipsNext API extract), with \
value_type = \"proportion\", \"rate\", \"dsr\" or \"other\" and \
published = { table = \"…\", where = { IndicatorId = [93701] } }; comparisons, quintiles, trends \
and, from its deprivation-decile rows, inequality summaries are added. Skipped rows are counted \
in notes.\n\n\
Examples:\n  \
fairer generate --out data/small && fairer compute --data data/small --output results.parquet\n  \
fairer compute --catalogue my-catalogue.toml --data data/ --output results.csv\n  \
fairer compute --catalogue catalogues/marmot.toml --catalogue catalogues/icb_scorecard.toml --data data/ --output results.parquet\n  \
fairer compute --data data/small --indicator le_birth --indicator u75_cvd --output le.xlsx")]
pub struct ComputeArgs {
    /// The indicator catalogue (TOML); repeat to compute several into one set of results (the
    /// same geography and settings, indicator ids distinct). Default: the built-in starter
    /// catalogue of core Marmot indicators.
    #[arg(long, value_name = "FILE")]
    catalogue: Vec<PathBuf>,
    /// The directory holding the catalogue's tables (NAME.parquet or NAME.csv).
    #[arg(long, value_name = "DIR")]
    data: PathBuf,
    /// The results file: .parquet, .csv or .xlsx, or - for CSV on standard output.
    #[arg(long, short, value_name = "FILE")]
    output: String,
    /// Compute only this indicator (by id); repeat for more.
    #[arg(long, value_name = "ID")]
    indicator: Vec<String>,
    /// Show no progress bar (it is shown only on a terminal anyway).
    #[arg(long)]
    no_progress: bool,
    /// Print only errors.
    #[arg(long, short)]
    quiet: bool,
}

/// Reports progress on a bar on standard error.
pub struct Bar(pub Option<ProgressBar>);

impl Bar {
    /// A bar when standard error is a terminal and `wanted`.
    pub fn new(wanted: bool) -> Bar {
        if !wanted || !std::io::stderr().is_terminal() {
            return Bar(None);
        }
        let bar = ProgressBar::new(1);
        let style = ProgressStyle::with_template("{msg:>10} [{bar:40}] {percent:>3}% ({elapsed}, {per_sec})")
            .map(|s| s.progress_chars("=> "))
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        Bar(Some(bar))
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

impl Progress for Bar {
    fn stage(&self, name: &str, total: u64) {
        if let Some(bar) = &self.0 {
            bar.set_length(total);
            bar.set_position(0);
            bar.set_message(name.to_string());
        }
    }

    fn position(&self, done: u64) {
        if let Some(bar) = &self.0 {
            bar.set_position(done);
        }
    }
}

/// Reads the catalogue named, or the starter one.
pub fn load_catalogue(path: Option<&PathBuf>) -> Result<Catalogue, engine::EngineError> {
    match path {
        Some(p) => Catalogue::read(&p.display().to_string()),
        None => Catalogue::starter(),
    }
}

/// Reads the catalogues named, merged into one ([`Catalogue::merge`]), or the starter one
/// when none is.
pub fn load_catalogues(paths: &[PathBuf]) -> Result<Catalogue, engine::EngineError> {
    match paths {
        [] => Catalogue::starter(),
        [one] => load_catalogue(Some(one)),
        many => {
            let read: Vec<Catalogue> = many.iter().map(|p| load_catalogue(Some(p))).collect::<Result<_, _>>()?;
            Catalogue::merge(&read)
        }
    }
}

/// One line saying what a computation did and where its time went.
pub fn describe(summary: &ComputeSummary, output: &str) -> String {
    let total = (summary.reading + summary.aggregating + summary.statistics + summary.writing).as_secs_f64().max(1e-9);
    let share = |d: std::time::Duration| 100.0 * d.as_secs_f64() / total;
    format!(
        "Computed {} indicator{} from {} data rows into {} result rows in {:.1} s (reading {:.0}%, aggregating {:.0}%, statistics {:.0}%, writing {:.0}%): {}",
        summary.indicators,
        if summary.indicators == 1 { "" } else { "s" },
        summary.rows_read,
        summary.rows_written,
        total,
        share(summary.reading),
        share(summary.aggregating),
        share(summary.statistics),
        share(summary.writing),
        output
    )
}

/// Runs `fairer compute`.
pub fn run(args: ComputeArgs) -> Result<(), crate::Failure> {
    let catalogue = load_catalogues(&args.catalogue)?;
    // Ctrl-C stops the computation at its next check, leaving no results file (exit 130);
    // installed before the results file is begun.
    let interrupt = crate::interrupt::cancel_on_interrupt(crate::interrupt::OnInterrupt::Cancel);
    let mut sink = if args.output == "-" {
        ResultFile::csv_stream("<stdout>", Box::new(std::io::BufWriter::new(std::io::stdout())))
    } else {
        ResultFile::create_by_extension(Path::new(&args.output)).map_err(|e| match e {
            engine::EngineError::Usage(message) => crate::Failure::Usage(format!("--output {message}")),
            other => other.into(),
        })?
    };
    let options = ComputeOptions { indicators: args.indicator.clone(), pool: None };
    let bar = engine::Cancellable::new(Bar::new(!args.no_progress && !args.quiet), interrupt);
    let result = compute(&catalogue, &DataDirectory::new(&args.data), &mut sink, &options, &bar);
    bar.inner().finish();
    let summary = result?;
    if !args.quiet {
        for note in &summary.notes {
            eprintln!("note: {note}");
        }
        eprintln!("{}", describe(&summary, &args.output));
    }
    Ok(())
}
