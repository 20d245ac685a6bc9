//! `fairer calc`: one subcommand per method, parsed into the engine's [`CalcMethod`] and run.

mod arriaga;
mod common;
mod excess_deaths;
mod funnel;
mod summary_measures;

use clap::{Args, Subcommand};
use engine::calc::numerator_denominator::NumeratorDenominator;
use engine::calc::{self, CalcMethod};
use engine::input::InputTable;
use engine::output::TableWriter;

use common::{common_options, progress_bar, Common};

/// Compute a statistic with confidence intervals, one row per group (or per input row for the
/// row-wise methods), as PHEindicatormethods 2.1.0 does.
///
/// INPUT is a CSV file (with a header row) or a Parquet file (by its .parquet extension), or
/// `-` for CSV on standard input. Columns are named with options (--count, --denominator, …).
/// Output has the group columns first, then the method's columns: value, lowercl, uppercl
/// (or lower95_0cl, upper95_0cl, lower99_8cl, upper99_8cl with --confidence 0.95,0.998),
/// confidence, statistic and method, worded as the reference words them.
#[derive(Args, Debug)]
pub struct CalcArgs {
    #[command(subcommand)]
    method: MethodCommand,
}

#[derive(Subcommand, Debug)]
enum MethodCommand {
    /// Proportion x/n with Wilson score limits (Wilson 1927; Newcombe & Altman 2000).
    ///
    /// Row-wise without --group-by (every input row comes back with its value and limits,
    /// streaming); with --group-by, x and n are summed within each group first. The statistic
    /// reads "proportion of 1", or "percentage" with --multiplier 100.
    Proportion {
        #[command(flatten)]
        common: Common,
        /// Numerator column (x): events, e.g. children achieving a good level of development.
        #[arg(long)]
        count: String,
        /// Denominator column (n), e.g. children assessed.
        #[arg(long)]
        denominator: String,
        /// 1 for a proportion, 100 for a percentage.
        #[arg(long, default_value_t = 1.0)]
        multiplier: f64,
    },
    /// Crude rate x/n × multiplier, with exact Poisson limits below 10 events and Byar's from 10
    /// (Breslow & Day 1987; Armitage & Berry 2002).
    ///
    /// Row-wise without --group-by; summed within groups with it.
    Rate {
        #[command(flatten)]
        common: Common,
        /// Events column (x).
        #[arg(long)]
        count: String,
        /// Population or person-years column (n).
        #[arg(long)]
        denominator: String,
        /// Rate per this many.
        #[arg(long, default_value_t = 100000.0)]
        multiplier: f64,
    },
    /// Mean with Student's t limits: mean ∓ |t(n−1)|·sd/√n; one row per group.
    Mean {
        #[command(flatten)]
        common: Common,
        /// Column of values.
        #[arg(long)]
        value: String,
    },
    /// Directly standardised rate with Dobson limits (Dobson et al. 1991), per group.
    ///
    /// DSR = Σ(xᵢwᵢ/nᵢ)/Σwᵢ × multiplier over age bands i. The weights w come from --stdpop, or
    /// with --age-band alone from the built-in European Standard Population 2013 (19 bands 0-4 …
    /// 90+; start ages 0, 5, …, 90 or labels like 0-4, 90+). Groups with fewer than 10 events get
    /// no value ("dsr NA for total count < 10"). With --event-frequency, events are
    /// non-independent: each row counts the people with that many events in a band.
    Dsr {
        #[command(flatten)]
        common: Common,
        /// Events column (x), one row per age band.
        #[arg(long)]
        count: String,
        /// Population column (n).
        #[arg(long)]
        denominator: String,
        /// Standard population column (w). Without it, ESP 2013 is joined on --age-band.
        #[arg(long)]
        stdpop: Option<String>,
        /// Age band column (start age or label), for ESP 2013 and non-independent events.
        #[arg(long)]
        age_band: Option<String>,
        /// Event frequency column (1, 2, 3, …): events are non-independent.
        #[arg(long)]
        event_frequency: Option<String>,
        /// Rate per this many.
        #[arg(long, default_value_t = 100000.0)]
        multiplier: f64,
    },
    /// Indirectly standardised ratio O/E × refvalue (e.g. an SMR), exact limits below 10
    /// observed, Byar's from 10.
    ///
    /// E = Σ x_ref/n_ref × n over the age bands of each group.
    Isratio {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        isr: IsrColumns,
        /// Scale of the ratio: 1, or 100 for a percentage.
        #[arg(long, default_value_t = 1.0)]
        refvalue: f64,
    },
    /// Indirectly standardised rate O/E × (Σx_ref/Σn_ref) × multiplier; limits as isratio.
    Israte {
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        isr: IsrColumns,
        /// Rate per this many.
        #[arg(long, default_value_t = 100000.0)]
        multiplier: f64,
    },
    /// Life expectancy at every band's start age from an abridged life table (Chiang II), with
    /// Silcocks et al.'s variance for the 90+ band; one row per group and start age.
    ///
    /// Each group needs the 20 bands 0, 1-4, 5-9, …, 85-89, 90+ (start ages 0, 1, 5, …, 90 or
    /// labels). As the reference, a group gets no values (and a warning) with negative deaths, a
    /// population ≤ 0, not 20 bands, deaths above population, a total population of 5,000 or
    /// less, or no deaths at 90+; a value whose 95% interval is wider than 20 years is removed
    /// (its limits kept).
    LifeExpectancy {
        #[command(flatten)]
        common: Common,
        /// Deaths column.
        #[arg(long)]
        deaths: String,
        /// Population (person-years) column.
        #[arg(long)]
        population: String,
        /// Start age column: 0, 1, 5, 10, …, 90 or labels such as 1-4, 90+.
        #[arg(long)]
        start_age: String,
    },
    /// Slope index of inequality (and with --rii the relative index) across quantiles, by
    /// weighted regression on each quantile's population midpoint rank; limits by simulation.
    ///
    /// value_type 0 (normal), 1 (rate: log scale) or 2 (proportion: logit scale) sets how
    /// standard errors are derived from the limits and how simulated values are back-transformed.
    /// 5 to 100 quantiles per group. Limits agree with the reference within Monte Carlo error;
    /// --seed makes them repeatable.
    Sii(SiiArgs),
    /// Population quantiles (deciles by default) of small areas by a value, within groups, as
    /// the reference's phe_quantile: ties share the lowest rank; quantile 1 holds the highest
    /// values unless --no-invert. Every input row comes back with its quantile.
    Quantile {
        #[command(flatten)]
        common: Common,
        /// Value column to rank, e.g. an IMD score.
        #[arg(long)]
        value: String,
        /// Number of quantiles.
        #[arg(long, default_value_t = 10)]
        nquantiles: u32,
        /// Quantile 1 holds the lowest values instead of the highest.
        #[arg(long)]
        no_invert: bool,
    },
    /// Funnel plot control limits (95% and 99.8%) and each row's significance, for proportions,
    /// ratios and rates, as the reference's calculate_funnel_limits, assign_funnel_significance and
    /// calculate_funnel_points.
    Funnel(funnel::FunnelArgs),
    /// Summary measures of health inequality as WHO's HEAT computes them (D, R, ACI, RCI, SII,
    /// RII, BGV, BGSD, COV, MD*, IDIS*, TI, MLD, PAR, PAF), one row per measure.
    SummaryMeasures(summary_measures::SummaryMeasuresArgs),
    /// Life expectancy gap decomposition by age band (and cause), Arriaga's method.
    Arriaga(arriaga::ArriagaArgs),
    /// Excess deaths attributable to the deprivation gradient, their years of life lost, and a
    /// monetised estimate at values you state.
    ExcessDeaths(excess_deaths::ExcessDeathsArgs),
}

/// Arguments of `calc sii`.
#[derive(Args, Debug)]
struct SiiArgs {
    #[command(flatten)]
    common: Common,
    /// Quantile column (e.g. deprivation decile 1-10).
    #[arg(long)]
    quantile: String,
    /// Population column.
    #[arg(long)]
    population: String,
    /// Value column (the indicator in each quantile).
    #[arg(long)]
    value: String,
    /// Standard error column (or give --lower-cl and --upper-cl).
    #[arg(long, conflicts_with_all = ["lower_cl", "upper_cl"], required_unless_present_all = ["lower_cl", "upper_cl"])]
    se: Option<String>,
    /// Lower 95% confidence limit column, from which the standard error is derived.
    #[arg(long, requires = "upper_cl")]
    lower_cl: Option<String>,
    /// Upper 95% confidence limit column.
    #[arg(long, requires = "lower_cl")]
    upper_cl: Option<String>,
    /// 0 / normal, 1 / rate, 2 / proportion.
    #[arg(long, default_value = "0")]
    value_type: String,
    /// Compute on the log (rates) or logit (proportions) scale and back-transform.
    #[arg(long)]
    transform: bool,
    /// Multiply the SII by this (e.g. 100 for percentages; negative to flip the direction).
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    multiplier: f64,
    /// Also the relative index of inequality.
    #[arg(long)]
    rii: bool,
    /// Simulation repetitions for the limits.
    #[arg(long, default_value_t = 100_000)]
    reps: usize,
    /// Random seed, for repeatable limits.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// Columns of the indirectly standardised methods.
#[derive(Args, Debug, Clone)]
struct IsrColumns {
    /// Observed events column (x), one row per age band.
    #[arg(long)]
    count: String,
    /// Population column (n).
    #[arg(long)]
    denominator: String,
    /// Reference population's events column (x_ref).
    #[arg(long)]
    ref_count: String,
    /// Reference population column (n_ref).
    #[arg(long)]
    ref_denominator: String,
}

/// Parses `calc` arguments, runs the method and reports what it did on standard error.
pub fn run(args: CalcArgs) -> Result<(), crate::Failure> {
    let (common, method) = method(args.method)?;
    // The methods do not check for cancellation (they stream a file in seconds): Ctrl-C removes
    // the output's temporary file and exits 130.
    crate::interrupt::cancel_on_interrupt(crate::interrupt::OnInterrupt::Exit);
    let bar = progress_bar(&common);
    let summary = run_method(&method, &common.input, &common.output, &bar).map_err(with_flags)?;
    if let Some(b) = &bar.0 {
        b.finish_and_clear();
    }
    for w in summary.warnings.iter().take(10) {
        eprintln!("warning: {w}");
    }
    if summary.warnings.len() > 10 {
        eprintln!("warning: … and {} more", summary.warnings.len() - 10);
    }
    if common.output != "-" {
        eprintln!("{} rows read, {} rows written to {}", summary.rows_read, summary.rows_written, common.output);
    }
    Ok(())
}

/// The options and columns the engine's errors name, and the flags that give them: the engine
/// words its errors without command-line flags ("the multiplier", "the count column"), and
/// `calc` adds them. Each name begins with its article, so that no name is found inside a
/// longer one ("the population column" is not in "the standard population column").
const FLAGS: &[(&str, &str)] = &[
    ("the multiplier", "--multiplier"),
    ("the reference value", "--refvalue"),
    ("the years of data", "--years-of-data"),
    ("the count column", "--count"),
    ("the denominator column", "--denominator"),
    ("the standard population column", "--stdpop"),
    ("the event frequency column", "--event-frequency"),
    ("the age band column", "--age-band"),
    ("the quantile column", "--quantile"),
    ("the population column", "--population"),
    ("the value column", "--value"),
    ("the standard error column", "--se"),
    ("the lower limit column", "--lower-cl"),
    ("the upper limit column", "--upper-cl"),
    ("the deaths column", "--deaths"),
    ("the start age column", "--start-age"),
    ("the reference count column", "--ref-count"),
    ("the reference denominator column", "--ref-denominator"),
    ("the group column", "--group"),
    ("the cause column", "--cause"),
    ("the base population", "--base"),
    ("the rate column", "--rate"),
    ("the group-by columns", "--group-by"),
    ("a group-by column", "--group-by"),
    ("the number of quantiles", "--nquantiles"),
    ("the upper age", "--upper-age"),
    ("the value per life-year", "--value-per-life-year"),
    ("the value per death", "--value-per-death"),
    ("the funnel points", "--points"),
    ("a funnel of rates", "--statistic rate"),
    ("a funnel of proportions", "--statistic proportion"),
    ("a funnel of ratios", "--statistic ratio"),
    ("the subgroup column", "--subgroup"),
    ("the estimate column", "--estimate"),
    ("the kind of dimension", "--dimension-kind"),
    ("the dimension kind column", "--dimension-kind-column"),
    ("favourable or adverse", "--favourable or --adverse"),
    ("the favourable column", "--favourable-column"),
    ("the indicator scale", "--scale"),
    ("the scale column", "--scale-column"),
    ("the order column", "--order"),
    ("the reference subgroup column", "--reference-subgroup"),
    ("the setting average column", "--setting-average"),
    ("the number of draws", "--draws"),
    ("a HEAT Plus template file", "--heat-template"),
];

/// `message` with the flag after the first mention of each option or column it names
/// (`the multiplier (--multiplier) must be …`).
fn name_flags(message: &str) -> String {
    let mut message = message.to_string();
    for (thing, flag) in FLAGS {
        if let Some(at) = message.find(thing) {
            message.insert_str(at + thing.len(), &format!(" ({flag})"));
        }
    }
    message
}

/// The engine's error as the command line reports it: the same kind of error, with the flag
/// after each option or column it names.
fn with_flags(e: engine::EngineError) -> crate::Failure {
    use engine::EngineError as E;
    let e = match e {
        E::Usage(message) => return crate::Failure::Usage(name_flags(&message)),
        E::MissingColumn { file, column, role, available } => {
            E::MissingColumn { file, column, role: name_flags(&role), available }
        }
        E::BadValue { at, expected, found } => E::BadValue { at, expected: name_flags(&expected), found },
        E::Method { at, group, source } => {
            let source = match *source {
                stats::StatsError::Shape(m) => stats::StatsError::Shape(name_flags(&m)),
                stats::StatsError::Invalid(m) => stats::StatsError::Invalid(name_flags(&m)),
                other => other,
            };
            E::Method { at, group, source: Box::new(source) }
        }
        other => other,
    };
    e.into()
}

/// Reads `input`, computes `method` and writes `output`, where `-` is standard input or output
/// (CSV); files are read and written by the engine (the output atomically).
fn run_method(
    method: &CalcMethod,
    input: &str,
    output: &str,
    progress: &dyn engine::Progress,
) -> Result<calc::RunSummary, engine::EngineError> {
    // The output first: a directory that cannot take it is found before a long input is read.
    let mut writer = if output == "-" {
        TableWriter::csv_stream("<stdout>", Box::new(std::io::BufWriter::new(std::io::stdout())))
    } else {
        TableWriter::create(output)?
    };
    let table = if input == "-" {
        InputTable::from_csv_reader("<stdin>", Box::new(std::io::stdin()))?
    } else {
        InputTable::open(input)?
    };
    let mut summary = calc::apply_to(method, table, &mut writer, progress)?;
    summary.rows_written = writer.rows();
    writer.finish()?;
    Ok(summary)
}

/// The engine method a subcommand asks for, with the subcommand's common arguments.
fn method(command: MethodCommand) -> Result<(Common, CalcMethod), String> {
    Ok(match command {
        MethodCommand::Proportion { common, count, denominator, multiplier } => {
            let m = CalcMethod::Proportion(calc::proportion::ProportionOptions {
                columns: NumeratorDenominator { count, denominator },
                common: common_options(&common)?,
                multiplier,
            });
            (common, m)
        }
        MethodCommand::Rate { common, count, denominator, multiplier } => {
            let m = CalcMethod::Rate(calc::rate::RateOptions {
                columns: NumeratorDenominator { count, denominator },
                common: common_options(&common)?,
                multiplier,
            });
            (common, m)
        }
        MethodCommand::Mean { common, value } => {
            let m = CalcMethod::Mean(calc::mean::MeanOptions { value, common: common_options(&common)? });
            (common, m)
        }
        MethodCommand::Dsr { common, count, denominator, stdpop, age_band, event_frequency, multiplier } => {
            let m = CalcMethod::Dsr(calc::dsr::DsrOptions {
                count,
                denominator,
                stdpop,
                age_band,
                event_frequency,
                multiplier,
                common: common_options(&common)?,
            });
            (common, m)
        }
        MethodCommand::Isratio { common, isr, refvalue } => {
            let m = isr_method(&common, isr, calc::isr::IsrKind::Ratio { refvalue })?;
            (common, m)
        }
        MethodCommand::Israte { common, isr, multiplier } => {
            let m = isr_method(&common, isr, calc::isr::IsrKind::Rate { multiplier })?;
            (common, m)
        }
        MethodCommand::LifeExpectancy { common, deaths, population, start_age } => {
            let m = CalcMethod::LifeExpectancy(calc::life_expectancy::LifeExpectancyOptions {
                deaths,
                population,
                start_age,
                common: common_options(&common)?,
            });
            (common, m)
        }
        MethodCommand::Sii(a) => {
            let m = sii_method(&a)?;
            (a.common, m)
        }
        MethodCommand::Quantile { common, value, nquantiles, no_invert } => {
            let m = CalcMethod::Quantile(calc::quantile::QuantileOptions {
                value,
                group_by: common.group_by.clone(),
                nquantiles,
                invert: !no_invert,
            });
            (common, m)
        }
        MethodCommand::Funnel(a) => {
            let m = funnel::method(&a, common_options(&a.common)?)?;
            (a.common, m)
        }
        MethodCommand::SummaryMeasures(a) => {
            let m = summary_measures::method(&a, common_options(&a.common)?)?;
            (a.common, m)
        }
        MethodCommand::Arriaga(a) => {
            let m = arriaga::method(&a, common_options(&a.common)?)?;
            (a.common, m)
        }
        MethodCommand::ExcessDeaths(a) => {
            let m = excess_deaths::method(&a, common_options(&a.common)?)?;
            (a.common, m)
        }
    })
}

fn isr_method(common: &Common, isr: IsrColumns, kind: calc::isr::IsrKind) -> Result<CalcMethod, String> {
    Ok(CalcMethod::Isr(calc::isr::IsrOptions {
        count: isr.count,
        denominator: isr.denominator,
        ref_count: isr.ref_count,
        ref_denominator: isr.ref_denominator,
        kind,
        common: common_options(common)?,
    }))
}

fn sii_method(a: &SiiArgs) -> Result<CalcMethod, String> {
    let se = match (&a.se, &a.lower_cl, &a.upper_cl) {
        (Some(se), _, _) => calc::sii::SeSource::Column(se.clone()),
        (None, Some(lower), Some(upper)) => calc::sii::SeSource::Limits { lower: lower.clone(), upper: upper.clone() },
        _ => return Err("sii needs --se, or --lower-cl and --upper-cl".into()),
    };
    let value_type = calc::sii::parse_value_type(&a.value_type).map_err(|e| format!("--value-type: {e}"))?;
    let options = common_options(&a.common)?;
    let sii = stats::sii::SiiOptions {
        value_type,
        transform: a.transform,
        multiplier: a.multiplier,
        confidence: options.confidence.clone(),
        reps: a.reps,
        rii: a.rii,
        seed: a.seed,
        expected_quantiles: None,
    };
    Ok(CalcMethod::Sii(calc::sii::SiiCalcOptions {
        quantile: a.quantile.clone(),
        population: a.population.clone(),
        value: a.value.clone(),
        se,
        sii,
        common: options,
    }))
}
