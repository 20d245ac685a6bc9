//! # Summary measures of health inequality, as WHO's HEAT computes them
//!
//! The summary measures of the WHO Health Equity Assessment Toolkit (HEAT and HEAT Plus), for
//! the subgroups of one dimension of inequality (deprivation decile, ethnicity, sex, region, …):
//!
//! | code | measure | dimensions | interval |
//! | --- | --- | --- | --- |
//! | `d`, `r` | difference, ratio | all | analytic (ratio on the log scale) |
//! | `par`, `paf` | population attributable risk, fraction | all | analytic (Walter) |
//! | `aci`, `rci` | absolute, relative concentration index | ordered, > 2 subgroups | regression |
//! | `sii`, `rii` | slope, relative index of inequality (logistic model) | ordered, > 2 | delta (HC1) |
//! | `bgv` | between-group variance | non-ordered, > 2 | analytic |
//! | `mld`, `ti` | mean log deviation, Theil index | non-ordered, > 2 | analytic (delta) |
//! | `bgsd`, `cov` | between-group SD, coefficient of variation | non-ordered, > 2 | simulation |
//! | `idisu`, `idisw` | index of disparity (unweighted, weighted) | non-ordered, > 2 | simulation |
//! | `mdbu`, `mdbw`, `mdmu`, `mdmw`, `mdru`, `mdrw` | mean difference from best / mean / reference (unweighted, weighted) | non-ordered, > 2 | simulation |
//! | `d8020`, `r8020`, `d9010`, `r9010` | percentile difference and ratio, P80 vs P20 and P90 vs P10 (**Fairer's, not HEAT's**) | non-ordered, ≥ 5 | simulation |
//!
//! Reference: WHO, *Health Equity Assessment Toolkit (HEAT and HEAT Plus): Technical notes*
//! (Geneva, 2024) and HEAT's own R code, WHOequity/HEAT-Measures (`calc-*.R`, `utils.R`,
//! `validation-tests.R` and the table `HEAT_summary_measures_types`, which says which rules make
//! which measure unavailable). Each measure's function documents its formula and the `calc_*`
//! function it follows. The PHE/OHID linear SII on deciles lives in [`crate::sii`]; the SII
//! and RII here are HEAT's logistic-model versions. The percentile measures ([`percentile`]:
//! D8020, R8020, D9010, R9010) are Fairer's addition for dimensions of many subgroups; HEAT
//! has none, and their module documents their definition and rules.
//!
//! ## Input
//!
//! A [`DimensionInput`]: the subgroups ([`Subgroup`]: estimate, SE or 95% limits, population,
//! order, reference flag), the [`DimensionKind`], whether the indicator is favourable (higher is
//! better), the indicator scale (100 for percentages, 1000 for rates per 1,000, …) and the
//! setting (national) average. As HEAT does (`get_weighted_mean`), the setting average used by
//! the measures is the population-weighted mean of the subgroup estimates whenever every subgroup
//! with an estimate has a population; the supplied average is used only when populations are
//! missing.
//!
//! How HEAT prepares a dimension (`HEAT_create_input_list`), reproduced here: subgroups are
//! sorted by subgroup order (stable), those without an estimate are dropped after the
//! availability rules have been applied, population shares are the populations divided by their
//! sum, and an SE missing but given 95% limits is derived as (upper − lower)/(2·1.959964).
//!
//! ## Unavailable measures
//!
//! A measure HEAT would not report comes back with `value: None` and a stated reason in
//! [`SummaryMeasure::unavailable`], never as an error: fewer than two subgroups, all estimates
//! zero, a dimension of two subgroups for the complex measures, the wrong kind of dimension,
//! missing estimates or populations, under 85% of subgroups with an estimate, a zero or missing
//! setting average, no reference subgroup (MDRU, MDRW), a value outside HEAT's plausible range
//! (RII outside 0 to 700) or a value that cannot be computed (for example a ratio with a zero
//! denominator). An interval that cannot be computed (no SEs) leaves `lower`/`upper` as `None`.
//! Input that is wrong rather than incomplete (NaN, a negative SE or population, population
//! shares that do not sum to one, a missing order in an ordered dimension, two reference
//! subgroups) is a [`StatsError`] naming the subgroup and field.
//!
//! ## Where HEAT's code and its documentation part, this module follows the code
//!
//! - PAF: the interval is PAF ± z·SE with Walter's SE of the attributable *fraction* (a
//!   proportion) around PAF in *percent*, as `calc_paf` does.
//! - MLD and TI: values are multiplied by 1,000 (HEAT issue 374) but their SEs are not, as in
//!   `calc_mld` and `calc_ti`; the interval is value ± z·SE.
//! - MDRU and MDRW: the simulated interval uses the best-performing subgroup, not the reference
//!   subgroup, as in `calc_mdru` and `calc_mdrw` (so it equals the MDBU / MDBW interval).
//! - IDISU: the simulated values are computed around the fixed setting average.
//!
//! These are reproduced so that numbers agree with HEAT Plus; the measure docs say so again.

mod dispersion;
mod ordered;
mod pairwise;
pub mod percentile;
pub mod simulation;

use crate::{ConfidenceLevel, Limits, StatsError};

pub use dispersion::*;
pub use ordered::*;
pub use pairwise::*;
pub use percentile::*;

/// The kind of dimension of inequality, which decides which measures apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DimensionKind {
    /// Exactly two subgroups without a natural order (for example sex).
    Binary,
    /// Subgroups with a natural order (deprivation decile, wealth quintile, education level);
    /// every subgroup needs its order, 1 the most disadvantaged.
    Ordered,
    /// Subgroups without a natural order (region, ethnicity).
    NonOrdered,
}

/// What the subgroup populations are: counts (HEAT's `population`) or shares summing to one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum PopulationUnit {
    /// Counts of people (HEAT Plus template column `population`). Needed by SII, RII and the
    /// PAR/PAF intervals, which work with counts.
    #[default]
    Count,
    /// Shares of the setting's population. They must sum to one (±0.01); SII and RII are then
    /// unavailable and PAR/PAF have no interval, because those need counts.
    Share,
}

/// One subgroup of a dimension, as a row of the HEAT Plus upload template.
#[derive(Clone, Debug, PartialEq)]
pub struct Subgroup {
    /// Subgroup name (`subgroup`).
    pub name: String,
    /// The indicator's estimate for the subgroup (`estimate`); `None` when missing.
    pub estimate: Option<f64>,
    /// Standard error of the estimate (`se`).
    pub se: Option<f64>,
    /// Lower 95% confidence limit (`lower_95ci`), used for the SE when `se` is missing.
    pub lower_95: Option<f64>,
    /// Upper 95% confidence limit (`upper_95ci`), used for the SE when `se` is missing.
    pub upper_95: Option<f64>,
    /// Population of the subgroup (`population`), a count or a share per [`PopulationUnit`].
    pub population: Option<f64>,
    /// Subgroup order (`subgroup_order`): 1 is the most disadvantaged in an ordered dimension;
    /// in a non-ordered dimension, the display order (optional).
    pub order: Option<f64>,
    /// Whether this is the reference subgroup (`reference_subgroup` = 1).
    pub reference: bool,
}

impl Subgroup {
    /// A subgroup with a name and an estimate and nothing else.
    pub fn new(name: impl Into<String>, estimate: f64) -> Self {
        Subgroup {
            name: name.into(),
            estimate: Some(estimate),
            se: None,
            lower_95: None,
            upper_95: None,
            population: None,
            order: None,
            reference: false,
        }
    }
    /// With a standard error.
    pub fn with_se(mut self, se: f64) -> Self {
        self.se = Some(se);
        self
    }
    /// With 95% confidence limits.
    pub fn with_limits(mut self, lower: f64, upper: f64) -> Self {
        self.lower_95 = Some(lower);
        self.upper_95 = Some(upper);
        self
    }
    /// With a population.
    pub fn with_population(mut self, population: f64) -> Self {
        self.population = Some(population);
        self
    }
    /// With a subgroup order.
    pub fn with_order(mut self, order: f64) -> Self {
        self.order = Some(order);
        self
    }
    /// Marked as the reference subgroup.
    pub fn as_reference(mut self) -> Self {
        self.reference = true;
        self
    }
}

/// The subgroups of one dimension of one indicator in one setting and period (one HEAT stratum).
#[derive(Clone, Debug, PartialEq)]
pub struct DimensionInput {
    /// The subgroups, in any order.
    pub subgroups: Vec<Subgroup>,
    /// Binary, ordered or non-ordered.
    pub kind: DimensionKind,
    /// Whether a higher value is better (`favourable_indicator` = 1), as for coverage;
    /// `false` for adverse indicators such as mortality.
    pub favourable: bool,
    /// The indicator scale (`indicator_scale`): 100 for percentages, 1000 for rates per 1,000.
    pub scale: f64,
    /// The setting (national) average (`setting_average`), used when populations are missing.
    pub setting_average: Option<f64>,
    /// Whether populations are counts or shares.
    pub population_unit: PopulationUnit,
}

impl DimensionInput {
    /// A dimension with populations as counts and no setting average.
    pub fn new(subgroups: Vec<Subgroup>, kind: DimensionKind, favourable: bool, scale: f64) -> Self {
        DimensionInput {
            subgroups,
            kind,
            favourable,
            scale,
            setting_average: None,
            population_unit: PopulationUnit::Count,
        }
    }
}

/// Options of the computation; the defaults are HEAT's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SummaryOptions {
    /// Confidence level of the intervals (HEAT: 95%).
    pub confidence: ConfidenceLevel,
    /// Number of simulated draws for the simulation intervals (HEAT: 100).
    pub simulation_draws: usize,
    /// Seed of R's generator for the simulation (HEAT: `set.seed(123456)`).
    pub seed: u32,
}

impl Default for SummaryOptions {
    fn default() -> Self {
        SummaryOptions { confidence: ConfidenceLevel::C95, simulation_draws: 100, seed: 123_456 }
    }
}

/// The summary measures, by HEAT's abbreviation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MeasureCode {
    /// Difference (D).
    D,
    /// Ratio (R).
    R,
    /// Difference between the 80th and 20th percentiles of the subgroup estimates (D8020);
    /// Fairer's, not HEAT's ([`percentile`]).
    D8020,
    /// Ratio of the 80th to the 20th percentile of the subgroup estimates (R8020); Fairer's,
    /// not HEAT's ([`percentile`]).
    R8020,
    /// Difference between the 90th and 10th percentiles of the subgroup estimates (D9010);
    /// Fairer's, not HEAT's ([`percentile`]).
    D9010,
    /// Ratio of the 90th to the 10th percentile of the subgroup estimates (R9010); Fairer's,
    /// not HEAT's ([`percentile`]).
    R9010,
    /// Absolute concentration index (ACI).
    Aci,
    /// Relative concentration index (RCI).
    Rci,
    /// Slope index of inequality (SII), logistic model.
    Sii,
    /// Relative index of inequality (RII), logistic model.
    Rii,
    /// Between-group variance (BGV).
    Bgv,
    /// Between-group standard deviation (BGSD).
    Bgsd,
    /// Coefficient of variation (COV).
    Cov,
    /// Unweighted mean difference from best performing subgroup (MDBU).
    Mdbu,
    /// Weighted mean difference from best performing subgroup (MDBW).
    Mdbw,
    /// Unweighted mean difference from mean (MDMU).
    Mdmu,
    /// Weighted mean difference from mean (MDMW).
    Mdmw,
    /// Unweighted mean difference from reference subgroup (MDRU).
    Mdru,
    /// Weighted mean difference from reference subgroup (MDRW).
    Mdrw,
    /// Unweighted index of disparity (IDISU).
    Idisu,
    /// Weighted index of disparity (IDISW).
    Idisw,
    /// Theil index (TI).
    Ti,
    /// Mean log deviation (MLD).
    Mld,
    /// Population attributable risk (PAR).
    Par,
    /// Population attributable fraction (PAF).
    Paf,
}

impl MeasureCode {
    /// Every measure, in the order [`summary_measures`] returns them.
    pub const ALL: [MeasureCode; 25] = [
        MeasureCode::D,
        MeasureCode::R,
        MeasureCode::D8020,
        MeasureCode::R8020,
        MeasureCode::D9010,
        MeasureCode::R9010,
        MeasureCode::Par,
        MeasureCode::Paf,
        MeasureCode::Aci,
        MeasureCode::Rci,
        MeasureCode::Sii,
        MeasureCode::Rii,
        MeasureCode::Bgv,
        MeasureCode::Bgsd,
        MeasureCode::Cov,
        MeasureCode::Mld,
        MeasureCode::Ti,
        MeasureCode::Idisu,
        MeasureCode::Idisw,
        MeasureCode::Mdbu,
        MeasureCode::Mdbw,
        MeasureCode::Mdmu,
        MeasureCode::Mdmw,
        MeasureCode::Mdru,
        MeasureCode::Mdrw,
    ];

    /// HEAT's abbreviation in lower case: "d", "r", "aci", … (and "d8020", "r8020", "d9010",
    /// "r9010" for Fairer's percentile measures).
    pub fn code(self) -> &'static str {
        match self {
            MeasureCode::D => "d",
            MeasureCode::R => "r",
            MeasureCode::D8020 => "d8020",
            MeasureCode::R8020 => "r8020",
            MeasureCode::D9010 => "d9010",
            MeasureCode::R9010 => "r9010",
            MeasureCode::Aci => "aci",
            MeasureCode::Rci => "rci",
            MeasureCode::Sii => "sii",
            MeasureCode::Rii => "rii",
            MeasureCode::Bgv => "bgv",
            MeasureCode::Bgsd => "bgsd",
            MeasureCode::Cov => "cov",
            MeasureCode::Mdbu => "mdbu",
            MeasureCode::Mdbw => "mdbw",
            MeasureCode::Mdmu => "mdmu",
            MeasureCode::Mdmw => "mdmw",
            MeasureCode::Mdru => "mdru",
            MeasureCode::Mdrw => "mdrw",
            MeasureCode::Idisu => "idisu",
            MeasureCode::Idisw => "idisw",
            MeasureCode::Ti => "ti",
            MeasureCode::Mld => "mld",
            MeasureCode::Par => "par",
            MeasureCode::Paf => "paf",
        }
    }

    /// The measure for an abbreviation, in any case ("D", "mdmu", …).
    pub fn from_code(code: &str) -> Option<MeasureCode> {
        let lower = code.trim().to_ascii_lowercase();
        MeasureCode::ALL.into_iter().find(|m| m.code() == lower)
    }

    /// HEAT's name of the measure (Fairer's for the percentile measures).
    pub fn name(self) -> &'static str {
        match self {
            MeasureCode::D => "Difference",
            MeasureCode::R => "Ratio",
            MeasureCode::D8020 => "Difference between 80th and 20th percentiles",
            MeasureCode::R8020 => "Ratio of 80th to 20th percentile",
            MeasureCode::D9010 => "Difference between 90th and 10th percentiles",
            MeasureCode::R9010 => "Ratio of 90th to 10th percentile",
            MeasureCode::Aci => "Absolute concentration index",
            MeasureCode::Rci => "Relative concentration index",
            MeasureCode::Sii => "Slope index of inequality",
            MeasureCode::Rii => "Relative index of inequality",
            MeasureCode::Bgv => "Between-group variance",
            MeasureCode::Bgsd => "Between-group standard deviation",
            MeasureCode::Cov => "Coefficient of variation",
            MeasureCode::Mdbu => "Unweighted mean difference from best performing subgroup",
            MeasureCode::Mdbw => "Weighted mean difference from best performing subgroup",
            MeasureCode::Mdmu => "Unweighted mean difference from mean",
            MeasureCode::Mdmw => "Weighted mean difference from mean",
            MeasureCode::Mdru => "Unweighted mean difference from reference subgroup",
            MeasureCode::Mdrw => "Weighted mean difference from reference subgroup",
            MeasureCode::Idisu => "Unweighted index of disparity",
            MeasureCode::Idisw => "Weighted index of disparity",
            MeasureCode::Ti => "Theil index",
            MeasureCode::Mld => "Mean log deviation",
            MeasureCode::Par => "Population attributable risk",
            MeasureCode::Paf => "Population attributable fraction",
        }
    }

    /// How HEAT computes the interval: "analytic", "delta" (delta method), "regression"
    /// (model-based SE) or "simulation".
    pub fn interval_method(self) -> &'static str {
        match self {
            MeasureCode::D | MeasureCode::R | MeasureCode::Bgv | MeasureCode::Par | MeasureCode::Paf => "analytic",
            MeasureCode::Mld | MeasureCode::Ti | MeasureCode::Sii | MeasureCode::Rii => "delta",
            MeasureCode::Aci | MeasureCode::Rci => "regression",
            _ => "simulation",
        }
    }

    /// Whether HEAT computes this measure for a dimension with `two` (exactly two subgroups)
    /// and `ordered`, per `HEAT_summary_measures_types`.
    fn applies(self, two: bool, ordered: bool) -> Result<(), &'static str> {
        use MeasureCode::*;
        match self {
            D | R | Par | Paf => Ok(()),
            // The number of subgroups is checked with the estimates (Prepared::check).
            D8020 | R8020 | D9010 | R9010 => {
                if ordered {
                    Err("applies only to non-ordered dimensions")
                } else {
                    Ok(())
                }
            }
            Aci | Rci | Sii | Rii => {
                if two {
                    Err("needs more than two subgroups")
                } else if !ordered {
                    Err("applies only to ordered dimensions")
                } else {
                    Ok(())
                }
            }
            _ => {
                if two {
                    Err("needs more than two subgroups")
                } else if ordered {
                    Err("applies only to non-ordered dimensions")
                } else {
                    Ok(())
                }
            }
        }
    }
}

/// One summary measure of one dimension: value and interval, or why it is unavailable.
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryMeasure {
    /// Which measure.
    pub measure: MeasureCode,
    /// HEAT's abbreviation in lower case ("d", "r", "aci", …).
    pub code: &'static str,
    /// HEAT's name of the measure.
    pub name: &'static str,
    /// The value (HEAT's `inequal`; `None` when unavailable) with its limits at the one
    /// confidence level asked for; `statistic` is the measure's name and `method` how the
    /// interval is computed: "analytic", "delta", "regression" or "simulation".
    pub estimate: crate::Estimate,
    /// The standard error behind the interval where there is one (see each measure for its
    /// scale: RII's is of ln RII, R's is of R).
    pub se: Option<f64>,
    /// Why the measure is unavailable, when it is.
    pub unavailable: Option<String>,
}

impl SummaryMeasure {
    fn with(
        measure: MeasureCode,
        confidence: ConfidenceLevel,
        (value, lower, upper): (Option<f64>, Option<f64>, Option<f64>),
    ) -> crate::Estimate {
        crate::Estimate::new(
            value,
            vec![Limits { confidence, lower, upper }],
            measure.name(),
            measure.interval_method(),
        )
    }

    fn not_available(measure: MeasureCode, confidence: ConfidenceLevel, reason: impl Into<String>) -> Self {
        SummaryMeasure {
            measure,
            code: measure.code(),
            name: measure.name(),
            estimate: Self::with(measure, confidence, (None, None, None)),
            se: None,
            unavailable: Some(reason.into()),
        }
    }

    /// A computed result, checked: a non-finite or out-of-range value becomes unavailable
    /// (HEAT's `HEAT_measures_outlier2NA`), non-finite limits become `None`.
    fn from_raw(measure: MeasureCode, confidence: ConfidenceLevel, est: RawMeasure) -> Self {
        let (min, max) = if measure == MeasureCode::Rii { (0.0, 700.0) } else { (-99_999.0, 99_999.0) };
        if !est.value.is_finite() {
            return Self::not_available(measure, confidence, "the value cannot be computed from these estimates");
        }
        if est.value < min || est.value > max {
            return Self::not_available(
                measure,
                confidence,
                format!("the value {} is outside HEAT's plausible range {min} to {max}", est.value),
            );
        }
        let finite = |x: Option<f64>| x.filter(|v| v.is_finite());
        let (lower, upper) = match (finite(est.lower), finite(est.upper)) {
            (Some(l), Some(u)) => (Some(l), Some(u)),
            _ => (None, None),
        };
        SummaryMeasure {
            measure,
            code: measure.code(),
            name: measure.name(),
            estimate: Self::with(measure, confidence, (Some(est.value), lower, upper)),
            se: finite(est.se),
            unavailable: None,
        }
    }

    /// The value; `None` when unavailable.
    pub fn value(&self) -> Option<f64> {
        self.estimate.value
    }

    /// The confidence level of the limits.
    pub fn confidence(&self) -> ConfidenceLevel {
        self.estimate.limits.first().map_or_else(ConfidenceLevel::default, |l| l.confidence)
    }

    /// The lower confidence limit.
    pub fn lower(&self) -> Option<f64> {
        self.estimate.limits.first().and_then(|l| l.lower)
    }

    /// The upper confidence limit.
    pub fn upper(&self) -> Option<f64> {
        self.estimate.limits.first().and_then(|l| l.upper)
    }

    /// How the interval is computed: "analytic", "delta", "regression" or "simulation".
    pub fn method(&self) -> &'static str {
        self.estimate.method
    }
}

/// A computed value with its SE and limits (any may be missing), before checking.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct RawMeasure {
    pub value: f64,
    pub se: Option<f64>,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
}

impl RawMeasure {
    /// value ± z·se (HEAT's `conf.int.norm`), no limits without an SE.
    pub(crate) fn normal(value: f64, se: Option<f64>, z: f64) -> Self {
        match se {
            Some(s) if s.is_finite() => {
                RawMeasure { value, se: Some(s), lower: Some(value - z * s), upper: Some(value + z * s) }
            }
            _ => RawMeasure { value, se: None, lower: None, upper: None },
        }
    }
    pub(crate) fn bare(value: f64) -> Self {
        RawMeasure { value, se: None, lower: None, upper: None }
    }
}

/// The result of a measure's computation: an estimate, or why none.
pub(crate) type Computed = Result<RawMeasure, String>;

/// A dimension as HEAT prepares it for the measures (`HEAT_create_input_list`), with the facts
/// the availability rules (`validation-tests.R`) need.
pub(crate) struct Prepared {
    pub favourable: bool,
    pub ordered: bool,
    pub scale: f64,
    pub z: f64,
    pub confidence: ConfidenceLevel,
    pub draws: usize,
    pub seed: u32,
    pub counts: bool,
    /// Subgroups with an estimate, sorted by order (stable).
    pub est: Vec<f64>,
    pub se: Vec<Option<f64>>,
    pub pop: Vec<Option<f64>>,
    pub order: Vec<f64>,
    /// All SEs present among subgroups with an estimate (HEAT's `usefulSE`).
    pub se_useful: bool,
    /// Population shares (pop / Σ pop) when every subgroup with an estimate has a population
    /// and they do not sum to zero.
    pub popsh: Option<Vec<f64>>,
    /// Setting average used by the measures (`get_weighted_mean`).
    pub est_natl: Option<f64>,
    /// Index (in the prepared rows) of the reference subgroup, when exactly one has an estimate.
    pub ref_index: Option<usize>,
    /// Indices of HEAT's "min" and "max" subgroups for D and R (`get_est_se_min_max`).
    pub min_index: usize,
    pub max_index: usize,
    /// Rule facts on all subgroups (with and without an estimate).
    rules: Rules,
}

struct Rules {
    n_all: usize,
    two: bool,
    all_zero: bool,
    any_missing_estimate: bool,
    missing_population: bool,
    under85: bool,
    missing_pop_among_estimates: bool,
    setting_average_missing: bool,
    natl_zero_or_missing: bool,
    d_r_fail: Option<&'static str>,
    par_paf_fail: Option<&'static str>,
    has_reference: bool,
    reference_estimate_missing: bool,
}

fn finite_or_err(name: &str, field: &str, value: f64) -> Result<f64, StatsError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(StatsError::Invalid(format!("subgroup '{name}': {field} must be a finite number, got {value}")))
    }
}

fn non_negative_or_err(name: &str, field: &str, value: f64) -> Result<f64, StatsError> {
    let v = finite_or_err(name, field, value)?;
    if v < 0.0 {
        Err(StatsError::Invalid(format!(
            "subgroup '{name}': {field} must be greater than or equal to zero, got {value}"
        )))
    } else {
        Ok(v)
    }
}

/// Checks the input and prepares it as HEAT does.
pub(crate) fn prepare(input: &DimensionInput, options: &SummaryOptions) -> Result<Prepared, StatsError> {
    check_setting(input)?;
    let se_all = subgroup_standard_errors(input)?;
    check_orders_reference_and_shares(input)?;
    let n_all = input.subgroups.len();
    let ordered = input.kind == DimensionKind::Ordered;
    let counts = input.population_unit == PopulationUnit::Count;

    // Stable sort by subgroup order (HEAT arranges by subgroup_order).
    let mut idx: Vec<usize> = (0..n_all).collect();
    if input.subgroups.iter().all(|g| g.order.is_some()) {
        idx.sort_by(|&a, &b| {
            let oa = input.subgroups[a].order.unwrap_or(0.0);
            let ob = input.subgroups[b].order.unwrap_or(0.0);
            oa.total_cmp(&ob)
        });
    }
    let rules = Rules::new(input, &idx);

    // The prepared rows: subgroups with an estimate.
    let rows: Vec<usize> = idx.iter().copied().filter(|&i| input.subgroups[i].estimate.is_some()).collect();
    let est: Vec<f64> = rows.iter().map(|&i| input.subgroups[i].estimate.unwrap_or(0.0)).collect();
    let se: Vec<Option<f64>> = rows.iter().map(|&i| se_all[i]).collect();
    let pop: Vec<Option<f64>> = rows.iter().map(|&i| input.subgroups[i].population).collect();
    let order: Vec<f64> =
        rows.iter().enumerate().map(|(k, &i)| input.subgroups[i].order.unwrap_or(k as f64 + 1.0)).collect();
    let reference: Vec<bool> = rows.iter().map(|&i| input.subgroups[i].reference).collect();
    let se_useful = se.iter().all(|s| s.is_some());
    let pop_sum: f64 = pop.iter().flatten().sum();
    let popsh = if pop.iter().all(|p| p.is_some()) && pop_sum > 0.0 {
        Some(pop.iter().map(|p| p.unwrap_or(0.0) / pop_sum).collect::<Vec<f64>>())
    } else {
        None
    };
    let est_natl = match &popsh {
        Some(p) => {
            let sw: f64 = p.iter().sum();
            Some(est.iter().zip(p).filter(|(_, &w)| w != 0.0).map(|(e, w)| e * w).sum::<f64>() / sw)
        }
        None => input.setting_average,
    };
    let ref_index = reference.iter().position(|&r| r);
    let (min_index, max_index) = min_max_indices(&est, &order, ordered, input.favourable, ref_index);

    Ok(Prepared {
        favourable: input.favourable,
        ordered,
        scale: input.scale,
        z: options.confidence.z(),
        confidence: options.confidence,
        draws: options.simulation_draws,
        seed: options.seed,
        counts,
        est,
        se,
        pop,
        order,
        se_useful,
        popsh,
        est_natl,
        ref_index,
        min_index,
        max_index,
        rules,
    })
}

/// The setting's checks: a positive scale, a finite setting average, at most two subgroups
/// in a binary dimension.
fn check_setting(input: &DimensionInput) -> Result<(), StatsError> {
    let scale = input.scale;
    if !scale.is_finite() || scale <= 0.0 {
        return Err(StatsError::Invalid(format!(
            "indicator scale must be a finite number greater than zero, got {scale}"
        )));
    }
    if let Some(avg) = input.setting_average {
        if !avg.is_finite() {
            return Err(StatsError::Invalid(format!("setting average must be a finite number, got {avg}")));
        }
    }
    let n_all = input.subgroups.len();
    if input.kind == DimensionKind::Binary && n_all > 2 {
        return Err(StatsError::Invalid(format!(
            "a binary dimension has two subgroups, got {n_all}; use a non-ordered dimension"
        )));
    }
    Ok(())
}

/// Checks each subgroup's numbers and returns its standard error: given, or from its 95%
/// limits as (upper − lower)/(2·z₀.₉₇₅); none without either.
fn subgroup_standard_errors(input: &DimensionInput) -> Result<Vec<Option<f64>>, StatsError> {
    let z95 = crate::ConfidenceLevel::C95.z();
    let mut se_all = Vec::with_capacity(input.subgroups.len());
    for g in &input.subgroups {
        let name = g.name.as_str();
        if let Some(e) = g.estimate {
            finite_or_err(name, "estimate", e)?;
        }
        if let Some(p) = g.population {
            non_negative_or_err(name, "population", p)?;
        }
        if let Some(o) = g.order {
            finite_or_err(name, "subgroup order", o)?;
        }
        let se = match (g.se, g.lower_95, g.upper_95) {
            (Some(s), _, _) => Some(non_negative_or_err(name, "standard error", s)?),
            (None, Some(l), Some(u)) => {
                let l = finite_or_err(name, "lower 95% limit", l)?;
                let u = finite_or_err(name, "upper 95% limit", u)?;
                if l > u {
                    return Err(StatsError::Invalid(format!(
                        "subgroup '{name}': lower 95% limit ({l}) is above the upper limit ({u})"
                    )));
                }
                Some((u - l) / (2.0 * z95))
            }
            (None, l, u) => {
                if let Some(l) = l {
                    finite_or_err(name, "lower 95% limit", l)?;
                }
                if let Some(u) = u {
                    finite_or_err(name, "upper 95% limit", u)?;
                }
                None
            }
        };
        se_all.push(se);
    }
    Ok(se_all)
}

/// Subgroup orders given for all subgroups or none (all for an ordered dimension), at most one
/// reference subgroup, and population shares (when not counts) that sum to one.
fn check_orders_reference_and_shares(input: &DimensionInput) -> Result<(), StatsError> {
    let n_all = input.subgroups.len();
    let ordered = input.kind == DimensionKind::Ordered;
    let with_order = input.subgroups.iter().filter(|g| g.order.is_some()).count();
    if ordered && with_order != n_all {
        let missing = input.subgroups.iter().find(|g| g.order.is_none()).map(|g| g.name.clone()).unwrap_or_default();
        return Err(StatsError::Invalid(format!(
            "subgroup '{missing}': an ordered dimension needs the subgroup order of every subgroup"
        )));
    }
    if with_order != 0 && with_order != n_all {
        return Err(StatsError::Invalid("subgroup order is given for some subgroups but not for others".into()));
    }
    let n_ref = input.subgroups.iter().filter(|g| g.reference).count();
    if n_ref > 1 {
        return Err(StatsError::Invalid(format!(
            "only one subgroup can be the reference subgroup, {n_ref} are marked"
        )));
    }
    let counts = input.population_unit == PopulationUnit::Count;
    if !counts {
        let pops: Vec<f64> = input.subgroups.iter().filter_map(|g| g.population).collect();
        if pops.len() == n_all && n_all > 0 {
            let total: f64 = pops.iter().sum();
            if (total - 1.0).abs() > 0.01 {
                return Err(StatsError::Invalid(format!(
                    "population shares must sum to one (within 0.01), they sum to {total}"
                )));
            }
        } else if pops.iter().any(|&p| p > 1.0) {
            return Err(StatsError::Invalid("a population share cannot be above one".into()));
        }
    }

    Ok(())
}

impl Rules {
    /// The facts HEAT's availability rules test, on all subgroups (`idx`: their positions in
    /// subgroup order).
    fn new(input: &DimensionInput, idx: &[usize]) -> Rules {
        let n_all = idx.len();
        let ordered = input.kind == DimensionKind::Ordered;
        let estimates_all: Vec<Option<f64>> = idx.iter().map(|&i| input.subgroups[i].estimate).collect();
        let pops_all: Vec<Option<f64>> = idx.iter().map(|&i| input.subgroups[i].population).collect();
        let n_est = estimates_all.iter().filter(|e| e.is_some()).count();
        let all_zero = estimates_all.iter().flatten().all(|&e| e == 0.0);
        let any_missing_estimate = n_est != n_all;
        let pop_sum_all: f64 = pops_all.iter().flatten().sum();
        let missing_population = pops_all.iter().any(|p| p.is_none()) || pop_sum_all == 0.0;
        let under85 = n_all == 0 || (1.0 - (n_all - n_est) as f64 / n_all as f64) < 0.85;
        let missing_pop_among_estimates = estimates_all.iter().zip(&pops_all).any(|(e, p)| e.is_some() && p.is_none());
        let setting_average_missing = input.setting_average.is_none();
        // test_missing_natl_avg: the weighted mean of the available estimates and the setting
        // average are each zero or missing.
        let wm1 = if pop_sum_all > 0.0 {
            Some(
                estimates_all
                    .iter()
                    .zip(&pops_all)
                    .filter_map(|(e, p)| match (e, p) {
                        (Some(e), Some(p)) => Some(e * p / pop_sum_all),
                        _ => None,
                    })
                    .sum::<f64>(),
            )
        } else {
            None
        };
        let zero_or_missing = |x: Option<f64>| x.is_none_or(|v| v == 0.0);
        let natl_zero_or_missing = zero_or_missing(wm1) && zero_or_missing(input.setting_average);
        let ref_pos = idx.iter().position(|&i| input.subgroups[i].reference);
        let has_reference = ref_pos.is_some();
        let reference_estimate_missing = ref_pos.is_some_and(|r| estimates_all[r].is_none());
        let two = n_all == 2;
        let d_r_fail = if two && any_missing_estimate {
            Some("a subgroup estimate is missing")
        } else if ordered && n_all > 2 && (estimates_all[0].is_none() || estimates_all[n_all - 1].is_none()) {
            Some("the estimate of the first or last subgroup in order is missing")
        } else {
            None
        };
        // test_par_paf_fail: HEAT's weighted mean over all subgroups is NA when an estimate with a
        // non-zero population is missing; then the supplied average is not used.
        let pops_complete_all = pops_all.iter().all(|p| p.is_some()) && pop_sum_all > 0.0;
        let natl_for_par = if pops_complete_all {
            let na = estimates_all.iter().zip(&pops_all).any(|(e, p)| e.is_none() && p.unwrap_or(0.0) != 0.0);
            if na {
                None
            } else {
                Some(())
            }
        } else {
            input.setting_average.map(|_| ())
        };
        let par_paf_fail = if natl_for_par.is_none() {
            Some("the setting average cannot be computed (a subgroup estimate or population is missing and no setting average is given)")
        } else if reference_estimate_missing {
            Some("the reference subgroup's estimate is missing")
        } else {
            None
        };
        Rules {
            n_all,
            two,
            all_zero,
            any_missing_estimate,
            missing_population,
            under85,
            missing_pop_among_estimates,
            setting_average_missing,
            natl_zero_or_missing,
            d_r_fail,
            par_paf_fail,
            has_reference,
            reference_estimate_missing,
        }
    }
}

/// HEAT's `get_est_se_min_max` as `HEAT_create_input_list` calls it: with a reference subgroup,
/// the reference is "max" for a favourable indicator (and "min" the lowest other estimate) and
/// "min" for an adverse one (and "max" the highest other estimate); otherwise, for an ordered
/// dimension the first and last subgroups in order (ascending for a favourable indicator,
/// descending for an adverse one), and for a non-ordered dimension the lowest and highest
/// estimates. Rows are already in ascending order; sorts are stable as `dplyr::arrange`.
fn min_max_indices(
    est: &[f64],
    order: &[f64],
    ordered: bool,
    favourable: bool,
    reference: Option<usize>,
) -> (usize, usize) {
    let n = est.len();
    if n == 0 {
        return (0, 0);
    }
    if let Some(r) = reference {
        // which.min / which.max: first extreme among the others.
        let others = (0..n).filter(|&i| i != r);
        if favourable {
            let min = others.fold(None, |acc: Option<usize>, i| match acc {
                Some(j) if est[j] <= est[i] => Some(j),
                _ => Some(i),
            });
            return (min.unwrap_or(r), r);
        }
        let max = others.fold(None, |acc: Option<usize>, i| match acc {
            Some(j) if est[j] >= est[i] => Some(j),
            _ => Some(i),
        });
        return (r, max.unwrap_or(r));
    }
    let mut idx: Vec<usize> = (0..n).collect();
    if ordered {
        if !favourable {
            // arrange(desc(subgroup_order)), stable.
            idx.sort_by(|&a, &b| order[b].total_cmp(&order[a]));
        }
    } else {
        idx.sort_by(|&a, &b| est[a].total_cmp(&est[b]));
    }
    (idx[0], idx[n - 1])
}

impl Prepared {
    /// HEAT's availability rules for one measure (`HEAT_summary_measures_types`).
    fn check(&self, m: MeasureCode) -> Result<(), String> {
        use MeasureCode::*;
        let r = &self.rules;
        if r.n_all < 2 {
            return Err("fewer than two subgroups".into());
        }
        if r.all_zero {
            return Err("all subgroup estimates are zero or missing".into());
        }
        m.applies(r.two, self.ordered).map_err(String::from)?;
        let under85 = "fewer than 85% of subgroups have an estimate";
        let missing_pop = "a subgroup with an estimate has no population";
        let natl = "the setting average is zero or missing";
        match m {
            D | R => {
                if let Some(why) = r.d_r_fail {
                    return Err(why.into());
                }
            }
            D8020 | R8020 | D9010 | R9010 => {
                let n = self.est.len();
                if n < PERCENTILE_MIN_SUBGROUPS {
                    return Err(format!(
                        "needs at least {PERCENTILE_MIN_SUBGROUPS} subgroups with an estimate, has {n}"
                    ));
                }
                if r.under85 {
                    return Err(under85.into());
                }
            }
            Aci | Rci | Sii | Rii => {
                if r.any_missing_estimate {
                    return Err("a subgroup estimate is missing".into());
                }
                if r.missing_population {
                    return Err("a subgroup population is missing or populations sum to zero".into());
                }
            }
            Bgv | Bgsd | Cov | Mld | Ti | Idisw | Mdbw | Mdmw | Mdrw => {
                if r.under85 {
                    return Err(under85.into());
                }
                if r.missing_pop_among_estimates {
                    return Err(missing_pop.into());
                }
            }
            Idisu | Mdmu => {
                if r.under85 {
                    return Err(under85.into());
                }
                if r.missing_pop_among_estimates && r.setting_average_missing {
                    return Err("a subgroup population is missing and no setting average is given".into());
                }
            }
            Mdbu | Mdru | Par | Paf => {
                if r.under85 {
                    return Err(under85.into());
                }
            }
        }
        if matches!(m, Cov | Mld | Idisu | Idisw | Paf) && r.natl_zero_or_missing {
            return Err(natl.into());
        }
        if matches!(m, Par | Paf) {
            if let Some(why) = r.par_paf_fail {
                return Err(why.into());
            }
        }
        if matches!(m, Mdru | Mdrw) && (!r.has_reference || r.reference_estimate_missing) {
            return Err("needs exactly one reference subgroup with an estimate".into());
        }
        Ok(())
    }

    fn popsh(&self) -> Result<&[f64], String> {
        self.popsh.as_deref().ok_or_else(|| "a subgroup population is missing".to_string())
    }

    fn est_natl(&self) -> Result<f64, String> {
        self.est_natl.ok_or_else(|| "the setting average is missing".to_string())
    }

    /// SEs of every prepared subgroup, when all are present.
    fn ses(&self) -> Option<Vec<f64>> {
        self.se.iter().copied().collect()
    }

    /// HEAT's simulated estimates (`do_simulation`), or `None` without SEs or when the
    /// truncated draws cannot be made.
    pub(crate) fn simulations(&self) -> Option<simulation::Draws> {
        if !self.se_useful {
            return None;
        }
        simulation::simulate(&self.est, &self.ses()?, self.scale, self.draws, self.seed)
    }

    /// The interval of a simulated measure whose value on a draw is `stat` of the draw: the
    /// (1 − c)/2 and (1 + c)/2 quantiles of its values on the draws.
    pub(crate) fn simulated(
        &self,
        value: f64,
        sims: Option<&simulation::Draws>,
        stat: impl FnMut(&[f64]) -> f64,
    ) -> RawMeasure {
        self.simulation_interval(value, sims.map(|s| s.iter().map(stat).collect()))
    }

    /// The interval of a simulated measure from its values on the draws (`None` without
    /// draws): their (1 − c)/2 and (1 + c)/2 quantiles.
    pub(crate) fn simulation_interval(&self, value: f64, per_draw: Option<Vec<f64>>) -> RawMeasure {
        let Some(mut values) = per_draw else {
            return RawMeasure::bare(value);
        };
        let [lower, upper] = simulation::quantiles_type7_in_place(
            &mut values,
            [self.confidence.lower_probability(), self.confidence.upper_probability()],
        );
        RawMeasure { value, se: None, lower, upper }
    }

    fn compute(&self, m: MeasureCode, sims: &mut Simulations) -> SummaryMeasure {
        if let Err(why) = self.check(m) {
            return SummaryMeasure::not_available(m, self.confidence, why);
        }
        let percentile = percentile::percentiles_of(m).is_some();
        let needs_sims = m.interval_method() == "simulation";
        if needs_sims && sims.draws.is_none() {
            sims.draws = Some(self.simulations());
        }
        if percentile && sims.sorted.is_none() {
            let sorted = sims.draws.as_ref().and_then(|d| d.as_ref()).map(simulation::Draws::sorted);
            sims.sorted = Some(sorted);
        }
        let sim = sims.draws.as_ref().and_then(|s| s.as_ref());
        use MeasureCode::*;
        let computed = match m {
            D => pairwise::compute_d(self),
            R => pairwise::compute_r(self),
            D8020 | R8020 | D9010 | R9010 => {
                let sorted = sims.sorted.as_ref().and_then(|s| s.as_ref());
                percentile::compute_percentile(self, m, sorted)
            }
            Par => pairwise::compute_par(self),
            Paf => pairwise::compute_paf(self),
            Aci => ordered::compute_aci(self),
            Rci => ordered::compute_rci(self),
            Sii => ordered::compute_sii(self),
            Rii => ordered::compute_rii(self),
            Bgv => dispersion::compute_bgv(self),
            Bgsd => dispersion::compute_bgsd(self, sim),
            Cov => dispersion::compute_cov(self, sim),
            Mld => dispersion::compute_mld(self),
            Ti => dispersion::compute_ti(self),
            Idisu => dispersion::compute_idisu(self, sim),
            Idisw => dispersion::compute_idisw(self, sim),
            Mdbu => dispersion::compute_mdbu(self, sim),
            Mdbw => dispersion::compute_mdbw(self, sim),
            Mdmu => dispersion::compute_mdmu(self, sim),
            Mdmw => dispersion::compute_mdmw(self, sim),
            Mdru => dispersion::compute_mdru(self, sim),
            Mdrw => dispersion::compute_mdrw(self, sim),
        };
        match computed {
            Ok(est) => SummaryMeasure::from_raw(m, self.confidence, est),
            Err(why) => SummaryMeasure::not_available(m, self.confidence, why),
        }
    }
}

/// The simulated draws of one dimension, made when the first measure needs them and shared by
/// the others: HEAT's draws, and the same with each draw sorted (for the percentile measures).
#[derive(Default)]
pub(crate) struct Simulations {
    /// `None` until needed; then the draws, or `None` when they cannot be made.
    draws: Option<Option<simulation::Draws>>,
    /// As `draws`, each draw sorted.
    sorted: Option<Option<simulation::Draws>>,
}

/// Every summary measure of one dimension, in the order of [`MeasureCode::ALL`]: those that do
/// not apply or cannot be computed have `value: None` and the reason in `unavailable`.
///
/// This is HEAT's `HEAT_measures_full_process` for one stratum: the availability rules
/// (`HEAT_measures_validation_tests`), the preparation (`HEAT_create_input_list`), the
/// simulation when any simulated measure is available and every subgroup has an SE
/// (`do_simulation`), each `calc_*` function, and `HEAT_measures_outlier2NA`.
///
/// # Errors
/// [`StatsError::Invalid`] for input that is wrong rather than incomplete: a non-finite
/// estimate, SE, limit, population, order or setting average; a negative SE or population;
/// lower limit above upper; a scale that is not positive; a binary dimension of more than two
/// subgroups; an ordered dimension without every order; orders for only some subgroups; more
/// than one reference subgroup; population shares not summing to one.
pub fn summary_measures(input: &DimensionInput, options: &SummaryOptions) -> Result<Vec<SummaryMeasure>, StatsError> {
    summary_measures_of(input, options, &MeasureCode::ALL)
}

/// The summary measures `measures` of one dimension, in the order given, as
/// [`summary_measures`] computes them (one preparation and one simulation shared by all), for
/// callers that want only some: each measure's value and interval are those
/// [`summary_measures`] gives.
///
/// # Errors
/// As [`summary_measures`].
pub fn summary_measures_of(
    input: &DimensionInput,
    options: &SummaryOptions,
    measures: &[MeasureCode],
) -> Result<Vec<SummaryMeasure>, StatsError> {
    let prepared = prepare(input, options)?;
    let mut sims = Simulations::default();
    Ok(measures.iter().map(|&m| prepared.compute(m, &mut sims)).collect())
}

/// One summary measure of one dimension (see [`summary_measures`]).
///
/// # Errors
/// As [`summary_measures`].
pub fn summary_measure(
    input: &DimensionInput,
    options: &SummaryOptions,
    measure: MeasureCode,
) -> Result<SummaryMeasure, StatsError> {
    let prepared = prepare(input, options)?;
    Ok(prepared.compute(measure, &mut Simulations::default()))
}

#[cfg(test)]
#[allow(clippy::excessive_precision)]
mod tests;
