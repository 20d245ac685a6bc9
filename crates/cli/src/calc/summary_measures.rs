//! Arguments of `fairer calc summary-measures`: the WHO HEAT summary measures of inequality,
//! parsed into [`engine::calc::summary_measures::SummaryMeasuresOptions`].

use engine::calc::summary_measures::{parse_dimension_kind, Setting, SummaryMeasuresOptions, TemplateMode};
use engine::calc::CalcMethod;
use stats::inequality::{MeasureCode, PopulationUnit};

/// Summary measures of health inequality as WHO's HEAT and HEAT Plus compute them: difference
/// and ratio, PAR and PAF for every dimension; ACI, RCI, SII and RII (logistic model) for
/// ordered dimensions; BGV, BGSD, COV, MLD, TI, IDISU/IDISW and the mean differences
/// (MDBU/MDBW, MDMU/MDMW, MDRU/MDRW) for non-ordered ones; and, Fairer's addition (not HEAT's),
/// the percentile difference and ratio D8020, R8020 (P80 vs P20 of the subgroup estimates) and
/// D9010, R9010 (P90 vs P10) for non-ordered dimensions of at least 5 subgroups, with
/// simulation intervals. One row per group × measure, with the
/// interval (analytic, delta, regression, or HEAT's simulation of 100 draws, seed 123456) and,
/// when a measure is not available, why.
///
/// Each group (--group-by) is one dimension, one row per subgroup. A file in HEAT Plus's upload
/// template (setting, date, source, indicator_abbr, indicator_name, dimension, subgroup,
/// estimate, se, ci_lb, ci_ub, population, flag, setting_average, iso3, favourable_indicator,
/// indicator_scale, ordered_dimension, subgroup_order, reference_subgroup) is read as it is:
/// every option not given defaults to the template's column, per group, and the groups to
/// setting, date, source, indicator_abbr, dimension. Reference: WHO, HEAT and HEAT Plus
/// technical notes (2024); WHOequity/HEAT-Measures.
#[derive(clap::Args, Debug)]
pub struct SummaryMeasuresArgs {
    #[command(flatten)]
    pub common: super::common::Common,
    /// Read the input as a HEAT Plus upload template (default: when it has the template's
    /// subgroup, estimate, favourable_indicator, indicator_scale and ordered_dimension columns).
    #[arg(long, conflicts_with = "no_heat_template")]
    heat_template: bool,
    /// Never read the input as a HEAT Plus template; name every column.
    #[arg(long)]
    no_heat_template: bool,
    /// Subgroup name column (template: subgroup).
    #[arg(long)]
    subgroup: Option<String>,
    /// Estimate column (template: estimate).
    #[arg(long)]
    estimate: Option<String>,
    /// Standard error column (template: se).
    #[arg(long)]
    se: Option<String>,
    /// Lower 95% limit column, for the SE where it is missing: SE = (upper − lower)/3.92
    /// (template: ci_lb).
    #[arg(long, requires = "upper_cl")]
    lower_cl: Option<String>,
    /// Upper 95% limit column (template: ci_ub).
    #[arg(long, requires = "lower_cl")]
    upper_cl: Option<String>,
    /// Population column: counts, or shares with --population-shares (template: population).
    #[arg(long)]
    population: Option<String>,
    /// The populations are shares of the setting summing to one, not counts (SII and RII are
    /// then unavailable and PAR/PAF have no interval).
    #[arg(long)]
    population_shares: bool,
    /// Subgroup order column: 1 the most disadvantaged (template: subgroup_order).
    #[arg(long)]
    order: Option<String>,
    /// Reference subgroup column: 1 marks the reference subgroup, 0 or empty the others
    /// (template: reference_subgroup).
    #[arg(long)]
    reference_subgroup: Option<String>,
    /// Setting average column, used when populations are missing (template: setting_average).
    #[arg(long)]
    setting_average: Option<String>,
    /// Kind of every dimension: binary (two subgroups), ordered (e.g. deprivation deciles) or
    /// non-ordered (e.g. ethnicity, region).
    #[arg(long, value_parser = ["binary", "ordered", "non-ordered"], conflicts_with = "dimension_kind_column")]
    dimension_kind: Option<String>,
    /// Column with each group's kind of dimension: 1 or ordered, 0 or non-ordered, binary
    /// (template: ordered_dimension).
    #[arg(long)]
    dimension_kind_column: Option<String>,
    /// Higher is better (e.g. coverage).
    #[arg(long, conflicts_with_all = ["adverse", "favourable_column"])]
    favourable: bool,
    /// Higher is worse (e.g. mortality).
    #[arg(long, conflicts_with = "favourable_column")]
    adverse: bool,
    /// Column with 1 (favourable) or 0 (adverse) for each group (template:
    /// favourable_indicator).
    #[arg(long)]
    favourable_column: Option<String>,
    /// Indicator scale: 100 for percentages, 1000 for rates per 1,000, 1 for proportions.
    #[arg(long, conflicts_with = "scale_column")]
    scale: Option<f64>,
    /// Column with each group's indicator scale (template: indicator_scale).
    #[arg(long)]
    scale_column: Option<String>,
    /// Only these measures (comma-separated HEAT abbreviations, e.g. d,r,sii,rii, or Fairer's
    /// percentile measures d8020,r8020,d9010,r9010).
    #[arg(long, value_delimiter = ',')]
    measures: Vec<String>,
    /// Also write the measures that do not apply to the kind of dimension (with why).
    #[arg(long)]
    all_measures: bool,
    /// Simulated draws for the simulation intervals (BGSD, COV, IDIS*, MD*).
    #[arg(long, default_value_t = 100)]
    draws: usize,
    /// Seed of the simulation (R's generator, as HEAT's set.seed).
    #[arg(long, default_value_t = 123_456)]
    seed: u32,
}

/// The engine method these arguments ask for.
pub fn method(args: &SummaryMeasuresArgs, common: engine::calc::CommonOptions) -> Result<CalcMethod, String> {
    let kind = match (&args.dimension_kind, &args.dimension_kind_column) {
        (Some(k), _) => Some(Setting::Value(
            parse_dimension_kind(k)
                .ok_or_else(|| format!("--dimension-kind: expected binary, ordered or non-ordered, got {k}"))?,
        )),
        (None, Some(c)) => Some(Setting::Column(c.clone())),
        (None, None) => None,
    };
    let favourable = match (args.favourable, args.adverse, &args.favourable_column) {
        (true, _, _) => Some(Setting::Value(true)),
        (_, true, _) => Some(Setting::Value(false)),
        (_, _, Some(c)) => Some(Setting::Column(c.clone())),
        _ => None,
    };
    let scale = match (args.scale, &args.scale_column) {
        (Some(s), _) => Some(Setting::Value(s)),
        (None, Some(c)) => Some(Setting::Column(c.clone())),
        (None, None) => None,
    };
    let measures = args
        .measures
        .iter()
        .map(|m| MeasureCode::from_code(m).ok_or_else(|| format!("--measures: unknown measure {m}; expected HEAT abbreviations such as d, r, par, paf, aci, rci, sii, rii, bgv, bgsd, cov, mld, ti, idisu, idisw, mdbu, mdbw, mdmu, mdmw, mdru, mdrw, or d8020, r8020, d9010, r9010")))
        .collect::<Result<Vec<_>, _>>()?;
    let heat_template = match (args.heat_template, args.no_heat_template) {
        (true, _) => TemplateMode::On,
        (_, true) => TemplateMode::Off,
        _ => TemplateMode::Auto,
    };
    Ok(CalcMethod::SummaryMeasures(SummaryMeasuresOptions {
        subgroup: args.subgroup.clone(),
        estimate: args.estimate.clone(),
        se: args.se.clone(),
        lower_cl: args.lower_cl.clone(),
        upper_cl: args.upper_cl.clone(),
        population: args.population.clone(),
        order: args.order.clone(),
        reference_subgroup: args.reference_subgroup.clone(),
        setting_average: args.setting_average.clone(),
        kind,
        favourable,
        scale,
        population_unit: if args.population_shares { PopulationUnit::Share } else { PopulationUnit::Count },
        measures,
        all_measures: args.all_measures,
        draws: args.draws,
        seed: args.seed,
        heat_template,
        common,
    }))
}
