//! Errors of the generator.
//!
//! Every error names the file (and, for lookups, the row and field) it concerns and what was
//! expected, so a failed run says where to look; nothing in the generator panics.

use std::fmt;
use std::path::PathBuf;

/// Where in an input file (a lookup or a deprivation file) something was found: the file, and
/// when one is concerned the data row (1-based; the header is row 0), its line in the file, and
/// the column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    /// The file, as given.
    pub file: PathBuf,
    /// The 1-based data row, if one is concerned.
    pub row: Option<u64>,
    /// The line of that row in the file (1-based, the header being line 1).
    pub line: Option<u64>,
    /// The column's name, if one is concerned.
    pub column: Option<String>,
}

impl Place {
    /// The whole file.
    pub fn file(file: impl Into<PathBuf>) -> Place {
        Place { file: file.into(), row: None, line: None, column: None }
    }

    /// The same place with `column`.
    pub fn column(mut self, column: impl Into<String>) -> Place {
        self.column = Some(column.into());
        self
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        match (self.row, self.line) {
            (Some(row), Some(line)) => write!(f, ", row {row} (line {line})")?,
            (Some(row), None) => write!(f, ", row {row}")?,
            _ => {}
        }
        if let Some(column) = &self.column {
            write!(f, ", column \"{column}\"")?;
        }
        Ok(())
    }
}

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
    /// A real input file (a geography lookup or a deprivation file) could not be read or was
    /// wrong: a missing column, a bad code or number, an area in two parents, an area with no
    /// parent.
    #[error("{place}: {message}")]
    Input {
        /// Where: file, row and column as far as known.
        place: Place,
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

    /// An error in an input file at `place`.
    pub fn input(place: Place, message: impl Into<String>) -> Self {
        SynthError::Input { place, message: message.into() }
    }
}

/// The generator's result type.
pub type Result<T, E = SynthError> = std::result::Result<T, E>;
