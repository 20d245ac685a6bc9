//! Arguments of `fairer calc arriaga`: the life expectancy gap decomposition, parsed into
//! [`engine::calc::arriaga::ArriagaOptions`].

use engine::calc::arriaga::ArriagaOptions;
use engine::calc::CalcMethod;

/// Life expectancy gap decomposition by age band (and cause of death), Arriaga's method as the
/// OHID Segment Tool uses it (Arriaga 1984; Preston, Heuveline & Guillot 2001).
///
/// Each group (--group-by) holds two populations named by --group (an area and England, the
/// most and least deprived decile), with deaths and population for the 20 life-table bands
/// 0, 1-4, 5-9, …, 85-89, 90+. The gap is e0(comparator) − e0(base); one row per age band (and
/// cause), whose contributions in years sum to the gap. Make the area or the most deprived
/// decile the base.
#[derive(clap::Args, Debug)]
pub struct ArriagaArgs {
    #[command(flatten)]
    pub common: super::common::Common,
    /// Column naming the population each row belongs to (two values in each group).
    #[arg(long)]
    group: String,
    /// The value of --group that is the base population (default: the first in natural
    /// order).
    #[arg(long)]
    base: Option<String>,
    /// Start age column: 0, 1, 5, 10, …, 90, or labels such as 1-4, 90+.
    #[arg(long)]
    start_age: String,
    /// Deaths column.
    #[arg(long)]
    deaths: String,
    /// Population (person-years) column.
    #[arg(long)]
    population: String,
    /// Cause of death column: rows per band and cause, each band's contribution split between
    /// causes by their differences in death rates.
    #[arg(long)]
    cause: Option<String>,
}

/// The engine method these arguments ask for.
pub fn method(args: &ArriagaArgs, common: engine::calc::CommonOptions) -> Result<CalcMethod, String> {
    Ok(CalcMethod::Arriaga(ArriagaOptions {
        group: args.group.clone(),
        base: args.base.clone(),
        start_age: args.start_age.clone(),
        deaths: args.deaths.clone(),
        population: args.population.clone(),
        cause: args.cause.clone(),
        common,
    }))
}
