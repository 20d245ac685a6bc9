//! Arguments of `fairer calc excess-deaths`: deaths attributable to the deprivation gradient,
//! parsed into [`engine::calc::excess_deaths::ExcessDeathsOptions`].

use engine::calc::excess_deaths::ExcessDeathsOptions;
use engine::calc::CalcMethod;
use stats::arriaga::Valuation;

/// Excess deaths attributable to the deprivation gradient: the deaths there would not have
/// been had every deprivation quantile the death rates of the reference (least deprived)
/// quantile, with their years of life lost and a monetised estimate from values you state.
///
/// Each group (--group-by) holds deaths and population per quantile (--quantile: 1 the most
/// deprived), optionally per life-table band (--start-age: 0, 1, 5, …, 90), in which case the
/// reference rates apply band by band (age-standardised) and the years of life lost up to
/// --upper-age are counted. One row per group and quantile, and an "All" row per group.
#[derive(clap::Args, Debug)]
#[command(after_help = "Example (the national cost of inequality, at a place's own values):\n  \
fairer calc excess-deaths deaths_by_decile.csv --quantile imd_decile --deaths deaths --population pop \\\n    \
--start-age start_age --group-by area,sex --value-per-life-year 70000 --value-per-death 2000000 --output excess.csv")]
pub struct ExcessDeathsArgs {
    #[command(flatten)]
    pub common: super::common::Common,
    /// Deprivation quantile column: numbers, 1 the most deprived (IMD deciles as published).
    #[arg(long)]
    quantile: String,
    /// Deaths column.
    #[arg(long)]
    deaths: String,
    /// Population column.
    #[arg(long)]
    population: String,
    /// Start age column (0, 1, 5, …, 90 or labels such as 1-4, 90+): rows per quantile and band;
    /// gives the age-standardised excess and the years of life lost.
    #[arg(long)]
    start_age: Option<String>,
    /// The reference quantile (default: the highest-numbered in each group, the least deprived).
    #[arg(long)]
    reference: Option<f64>,
    /// Years of life are lost up to this age (potential years of life lost).
    #[arg(long, default_value_t = 75.0)]
    upper_age: f64,
    /// Your value of one year of life (e.g. a QALY value): value_of_life_years = YLL × this.
    #[arg(long)]
    value_per_life_year: Option<f64>,
    /// Your value of preventing one death: value_of_deaths = excess × this (an alternative to
    /// the value of life years, not to be added to it).
    #[arg(long)]
    value_per_death: Option<f64>,
}

/// The engine method these arguments ask for.
pub fn method(args: &ExcessDeathsArgs, common: engine::calc::CommonOptions) -> Result<CalcMethod, String> {
    Ok(CalcMethod::ExcessDeaths(ExcessDeathsOptions {
        quantile: args.quantile.clone(),
        deaths: args.deaths.clone(),
        population: args.population.clone(),
        start_age: args.start_age.clone(),
        reference: args.reference,
        upper_age: args.upper_age,
        valuation: Valuation { value_per_life_year: args.value_per_life_year, value_per_death: args.value_per_death },
        common,
    }))
}
