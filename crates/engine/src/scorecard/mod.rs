//! ICB scorecards and the children and young people's measurement tool (issue 14).
//!
//! The scorecard of an Integrated Care Board is assembled from computed results: each
//! indicator's value for the ICB, its breakdowns (IMD quintiles, Core20 against the rest of the
//! population, ethnic group, age band, sex), the Core20 gap with its MOVER interval
//! ([`stats::gap::gap`]), whether that gap narrows over the periods available
//! ([`stats::gap::gap_trend`]), its rank among the ICBs and the completeness of its breakdowns.
//! The measurement tool scores each ICB on the drivers of the children and young people's
//! health equity framework ([`stats::composite`]). The design is `docs/scorecard.md`.
//!
//! [`model`] holds the types every surface shares (CLI, web pages, API, report): assembly is
//! pure, over rows in the results' shape ([`model::ScoreRow`]); funding, commitments and the
//! readiness self-assessment are store data the caller joins in.

pub mod assemble;
pub mod composite;
pub mod funding;
pub mod model;
pub mod spec;

pub use assemble::assemble;

/// The shipped ICB scorecard catalogue (`catalogues/icb_scorecard.toml`): the Core20PLUS5
/// indicators on `nhs_activity`, `[scorecard]` and `[composite]`. Its tool names indicators of
/// the Marmot catalogue, so its spec is read from the two merged
/// ([`crate::compute::catalogue::Catalogue::merge`], [`icb_catalogue`]).
pub const ICB_SCORECARD_CATALOGUE: &str = include_str!("../../../../catalogues/icb_scorecard.toml");

/// The Marmot starter catalogue and the ICB scorecard catalogue merged, as they are computed
/// together (one release).
///
/// # Errors
/// Never for the shipped files (a test reads them); the signature is
/// [`crate::compute::catalogue::Catalogue::merge`]'s.
pub fn icb_catalogue() -> crate::error::Result<crate::compute::catalogue::Catalogue> {
    use crate::compute::catalogue::Catalogue;
    let scorecard = Catalogue::parse(ICB_SCORECARD_CATALOGUE, "catalogues/icb_scorecard.toml")?;
    Catalogue::merge(&[Catalogue::starter()?, scorecard])
}
pub use model::{ScoreRow, Scorecard};
pub use spec::ScorecardSpec;
