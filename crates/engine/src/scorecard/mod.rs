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

pub mod model;

pub use model::{ScoreRow, Scorecard};
