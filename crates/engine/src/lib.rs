//! # Fairer engine
//!
//! Data in and out, and the statistical methods of [`stats`] applied to whole tables.
//!
//! - [`input`] reads CSV (a file or standard input) and Parquet in chunks, so the row-wise
//!   methods stream over inputs larger than memory; every value it cannot read is an error that
//!   names the file, row and column.
//! - [`output`] writes result tables as CSV or Parquet, always to a temporary name first and
//!   renamed when complete, so a crash leaves no half-written file.
//! - [`calc`] is the table form of each method: which columns it reads, how rows are grouped,
//!   and the output columns an analyst knows from the reference R package PHEindicatormethods.
//! - [`compute`] runs a whole indicator catalogue (TOML) over a data directory: geography,
//!   aggregation up the levels and by deprivation decile, the methods, comparisons, trends and
//!   inequality summaries, one long results table.
//!
//! - [`progress`] is how long work reports its stages and is cancelled, and [`error`] what
//!   went wrong, by kind ([`ErrorKind`]: bad input, bad usage, internal, cancelled).
//!
//! The engine holds no HTTP and no database code; the `fairer` binary only parses arguments
//! and calls in here.

pub mod calc;
pub mod compute;
mod csv_reader;
pub mod error;
pub mod input;
pub mod output;
pub mod progress;
pub mod scorecard;
#[cfg(feature = "sql")]
pub mod sql;

/// The Arrow crate the engine's record batches are made with, for callers that read them.
pub use arrow;
pub use error::{EngineError, ErrorKind};
pub use progress::{CancelFlag, Cancellable, NoProgress, Progress};
