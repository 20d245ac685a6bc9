//! Arguments of `fairer calc funnel`: funnel plot control limits and each row's significance
//! for proportions, ratios and rates, as PHEindicatormethods 2.1.0's
//! `assign_funnel_significance`, `calculate_funnel_points` and `calculate_funnel_limits`
//! (the work is in [`engine::calc::funnel`] and [`stats::funnel`]).

use clap::ValueEnum;
use engine::calc::funnel::{FunnelOptions, FunnelOutput};
use engine::calc::CalcMethod;
use stats::funnel::{FunnelStatistic, RateType, RatioType};

/// What `fairer calc funnel --help` shows after the options: each statistic, its defaults and
/// its reference.
const STATISTICS_HELP: &str = "\
Statistics (each area is compared with the average of all rows, or of its --group-by group):

  proportion  --count x --denominator n. Wilson score funnel limits (Wilson 1927) around
              p = sum(x)/sum(n), on an axis of populations. --multiplier 100 (default: the
              limits are percentages; 1 for proportions); limits are kept within 0 and 100.
  ratio       --count observed --denominator expected --ratio-type count|isr. Exact Poisson
              funnel limits (the APHO funnel tool's search) on an axis of observed events;
              count: observed/expected - 1 (centred on 0); isr: observed/expected x 100
              (centred on 100). Significance: the Poisson limits of each row's count (exact
              below 10 events, Byar's from 10) divided by its expected count, against 1.
              --ratio-type is needed only with --limits; --multiplier is not used.
  rate        --count events --rate r --rate-type dsr|crude [--denominator pop]
              [--years-of-data N]. Poisson limits on an axis of events around the weighted
              average sum(events)/sum(d), d = multiplier x events / rate (for a crude rate with
              0 events, its denominator; a DSR with 0 events has no d). --multiplier 100000
              (default). --years-of-data is required with --limits and --points: the limits'
              populations are per year. A DSR with fewer than 10 events is not tested:
              \"Not applicable for events less than 10 for dsrs\".

Output:

  default     every input row with `significance`: \"High (0.001)\", \"High (0.025)\",
              \"Low (0.001)\", \"Low (0.025)\" (outside the 99.8% or the 95% limits, above or
              below the average) or \"Not significant\" (assign_funnel_significance).
  --points    (rates) also `<rate>_chart` and `denominator_derived` = multiplier x events /
              rate / years of data: where to plot each row (calculate_funnel_points).
  --limits    instead, 100 axis points per group with the 95% (2s, one-sided 0.025) and
              99.8% (3s, 0.001) limits (calculate_funnel_limits), columns named as the
              reference names them: Population | Observed_events | Events, then
              lower_2s_limit, upper_2s_limit, lower_3s_limit, upper_3s_limit (ratios add
              <side>_exp_events, rates <side>_population_1_year before each), baseline
              (not for ratios), statistic, method.

--confidence is not used: a funnel always has both the 95% and the 99.8% limits.

Reference: PHEindicatormethods 2.1.0 (calculate_funnel_limits, assign_funnel_significance,
calculate_funnel_points); OHID Fingertips technical guidance, funnel plots; Spiegelhalter DJ,
Funnel plots for comparing institutional performance, Stat Med 2005; 24: 1185-1202.

Examples:
  fairer calc funnel in.csv --statistic proportion --count x --denominator n
  fairer calc funnel in.csv --statistic proportion --count x --denominator n --limits
  fairer calc funnel in.csv --statistic ratio --count obs --denominator exp \\
      --ratio-type isr --limits
  fairer calc funnel in.csv --statistic rate --rate-type dsr --count deaths --rate dsr \\
      --years-of-data 3 --points";

/// Funnel plot control limits (95% and 99.8%) and each row's significance against them, for
/// proportions, ratios and rates.
#[derive(clap::Args, Debug)]
#[command(after_long_help = STATISTICS_HELP)]
pub struct FunnelArgs {
    #[command(flatten)]
    pub common: super::common::Common,
    /// The statistic the funnel is for: proportion (Wilson limits), ratio or rate (Poisson
    /// limits).
    #[arg(long, value_enum)]
    pub statistic: StatisticArg,
    /// Numerator column: cases (proportion), observed events (ratio) or events (rate).
    #[arg(long)]
    pub count: String,
    /// Denominator column: the population (proportion), the expected events (ratio), or for
    /// rates the population, needed only on rows with 0 events.
    #[arg(long)]
    pub denominator: Option<String>,
    /// Rates: the column holding each row's rate (per --multiplier).
    #[arg(long)]
    pub rate: Option<String>,
    /// Ratios: count (observed/expected − 1) or isr (observed/expected × 100); needed with
    /// --limits.
    #[arg(long, value_enum)]
    pub ratio_type: Option<RatioTypeArg>,
    /// Rates: dsr (directly standardised) or crude.
    #[arg(long, value_enum)]
    pub rate_type: Option<RateTypeArg>,
    /// Scale of the values: default 100 for proportions (percentages), 100000 for rates; not
    /// used for ratios.
    #[arg(long)]
    pub multiplier: Option<f64>,
    /// Rates: the number of years the data cover (needed with --limits and --points).
    #[arg(long)]
    pub years_of_data: Option<f64>,
    /// Write the 100-point table of control limits (per group) instead of the rows.
    #[arg(long, conflicts_with = "points")]
    pub limits: bool,
    /// Rates: also write each row's chart point (`<rate>_chart`, `denominator_derived`).
    #[arg(long)]
    pub points: bool,
}

/// `--statistic`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StatisticArg {
    /// A proportion x/n: Wilson score funnel limits.
    Proportion,
    /// A ratio of observed to expected events: Poisson funnel limits.
    Ratio,
    /// A crude or directly standardised rate: Poisson funnel limits.
    Rate,
}

/// `--ratio-type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RatioTypeArg {
    /// Observed/expected − 1, centred on 0.
    Count,
    /// Indirectly standardised ratio, observed/expected × 100, centred on 100.
    Isr,
}

/// `--rate-type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RateTypeArg {
    /// Directly standardised rate.
    Dsr,
    /// Crude rate.
    Crude,
}

/// The engine method these arguments ask for.
///
/// # Errors
/// An option that belongs to another statistic, or a ratio or rate type missing where it is
/// needed.
pub fn method(args: &FunnelArgs, common: engine::calc::CommonOptions) -> Result<CalcMethod, String> {
    let output = match (args.limits, args.points) {
        (true, _) => FunnelOutput::Limits,
        (false, true) => FunnelOutput::SignificanceAndPoints,
        (false, false) => FunnelOutput::Significance,
    };
    if args.statistic != StatisticArg::Ratio && args.ratio_type.is_some() {
        return Err("--ratio-type is for --statistic ratio only".into());
    }
    if args.statistic != StatisticArg::Rate && args.rate_type.is_some() {
        return Err("--rate-type is for --statistic rate only".into());
    }
    let (statistic, default_multiplier) = match args.statistic {
        StatisticArg::Proportion => (FunnelStatistic::Proportion, 100.0),
        StatisticArg::Ratio => {
            let ratio_type = match args.ratio_type {
                Some(RatioTypeArg::Count) => RatioType::Count,
                Some(RatioTypeArg::Isr) => RatioType::Isr,
                // Significance does not depend on the ratio type; the limits do.
                None if !args.limits => RatioType::Isr,
                None => return Err(
                    "funnel --statistic ratio --limits needs --ratio-type count (observed/expected − 1) or isr (× 100)"
                        .into(),
                ),
            };
            (FunnelStatistic::Ratio { ratio_type }, 1.0)
        }
        StatisticArg::Rate => {
            let rate_type = match args.rate_type {
                Some(RateTypeArg::Dsr) => RateType::Dsr,
                Some(RateTypeArg::Crude) => RateType::Crude,
                None => {
                    return Err("funnel --statistic rate needs --rate-type dsr (directly standardised) or crude".into())
                }
            };
            (FunnelStatistic::Rate { rate_type }, 100_000.0)
        }
    };
    Ok(CalcMethod::Funnel(FunnelOptions {
        statistic,
        count: args.count.clone(),
        denominator: args.denominator.clone(),
        rate: args.rate.clone(),
        multiplier: args.multiplier.unwrap_or(default_multiplier),
        years_of_data: args.years_of_data,
        output,
        common,
    }))
}
