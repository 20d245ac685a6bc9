//! One accumulator per statistic: a group's state and the checks of its input, written once and
//! used by `calc`, `compute` and the SQL aggregates alike.
//!
//! Modelled on DataFusion's `Accumulator`: [`Accumulator::update`] adds a row (and
//! [`Accumulator::update_batch`] a batch of rows), [`Accumulator::merge`] folds in the partial
//! state of the same group built elsewhere (another chunk, another partition), and
//! [`Accumulator::evaluate`] turns the group into its estimate. An accumulator is made with its
//! options (multiplier, confidence levels, …), already checked, so that `update` only sees rows.
//!
//! What a statistic refuses is a [`Refusal`] worded in the field's own terms ("a population",
//! "each age band once per group"), naming the input concerned by the statistic's own name for
//! it. Callers say where: `calc` adds the file, row and column; SQL adds the function's name.
//! So `fairer calc dsr` and SQL `dsr(…)` refuse the same input with the same words.
//!
//! | statistic | accumulator | used by |
//! | --- | --- | --- |
//! | proportion, crude rate | [`NumeratorDenominator`] | `calc proportion`, `calc rate`, SQL `proportion`, `crude_rate`, compute |
//! | directly standardised rate | [`Dsr`] | `calc dsr`, SQL `dsr`, compute |
//! | indirectly standardised ratio / rate | [`Isr`] | `calc isratio`, `calc israte`, SQL `isratio`, `israte` |
//! | mean | [`Mean`] | `calc mean` |
//! | life expectancy | [`LifeExpectancy`] | `calc life-expectancy`, SQL `life_expectancy`, compute |
//! | slope and relative index of inequality | [`Sii`] | `calc sii`, SQL `sii` |
//! | excess deaths | [`ExcessDeaths`] | `calc excess-deaths`, SQL `excess_deaths` |
//! | HEAT's summary measures of inequality | [`SummaryMeasures`] | `calc summary-measures`, SQL `inequality` |

mod contract;
mod dsr;
mod excess_deaths;
mod isr;
mod life_expectancy;
mod mean;
mod numerator_denominator;
mod sii;
mod summary_measures;

pub use contract::{Accumulator, Refusal};
pub use dsr::{esp2013_band_label, Dsr, DsrInput, DsrRow, DsrStandard};
pub use excess_deaths::{ExcessDeaths, ExcessDeathsResult, ExcessDeathsRow};
pub use isr::{Isr, IsrKind, IsrRow};
pub use life_expectancy::{LifeExpectancy, LifeExpectancyRow};
pub use mean::{Mean, MeanResult};
pub use numerator_denominator::{NumeratorDenominator, NumeratorDenominatorKind, NumeratorDenominatorResult};
pub use sii::{Sii, SiiInput, SiiRow};
pub use summary_measures::{KindInput, SubgroupOrder, SummaryMeasures, SummaryMeasuresRow};
