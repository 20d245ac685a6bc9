//! Errors of the generator.
//!
//! Every error names the file (and, for lookups, the row and field) it concerns and what was
//! expected, so a failed run says where to look; nothing in the generator panics.

use std::path::PathBuf;

/// What went wrong while generating or writing the synthetic world.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// A file or directory could not be created, written or renamed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The CSV writer failed on a file.
    #[error("{path}: writing CSV: {source}")]
    Csv {
        /// The file being written.
        path: PathBuf,
        /// The CSV writer's error.
        source: csv::Error,
    },
    /// The Parquet writer failed on a file.
    #[error("{path}: writing Parquet: {message}")]
    Parquet {
        /// The file being written.
        path: PathBuf,
        /// The Parquet or Arrow library's message.
        message: String,
    },
    /// A setting was out of its range (for example `--years 0`).
    #[error("{field}: {message}")]
    Setting {
        /// The setting, as the command line names it.
        field: &'static str,
        /// What was wrong and what was expected.
        message: String,
    },
    /// The model could not be calibrated to its targets.
    #[error("calibration of {what} did not converge: {message}")]
    Calibration {
        /// Which quantity was being calibrated.
        what: String,
        /// Why.
        message: String,
    },
}

impl SynthError {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        SynthError::Io { path: path.into(), source }
    }
}

/// The generator's result type.
pub type Result<T, E = SynthError> = std::result::Result<T, E>;
