//! Engine errors: each names the file, and where it can the row and column, and says what was
//! expected.

use std::path::PathBuf;
use thiserror::Error;

/// Where in an input a problem was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file (or "<stdin>").
    pub file: String,
    /// The 1-based data row (the header is row 0); `None` for a whole-file problem.
    pub row: Option<u64>,
    /// The column name, when one is concerned.
    pub column: Option<String>,
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(row) = self.row {
            // CSV line = data row + 1 for the header.
            write!(f, ", row {row} (line {})", row + 1)?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column \"{column}\"")?;
        }
        Ok(())
    }
}

/// Everything that can go wrong reading, computing or writing a table.
#[derive(Debug, Error)]
pub enum EngineError {
    /// A file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A column the method needs is not in the file.
    #[error("{file}: no column \"{column}\" (needed for {role}); the columns are: {available}")]
    MissingColumn {
        /// The file.
        file: String,
        /// The column asked for.
        column: String,
        /// What the column is for, e.g. "--count".
        role: String,
        /// The columns the file has, comma-separated.
        available: String,
    },
    /// A value that is not what the column should hold.
    #[error("{at}: expected {expected}, found \"{found}\"")]
    BadValue {
        /// Where.
        at: Location,
        /// What was expected, e.g. "a number".
        expected: String,
        /// What was there.
        found: String,
    },
    /// The file is not readable as its format.
    #[error("{at}: {message}")]
    Format {
        /// Where.
        at: Location,
        /// What the reader said.
        message: String,
    },
    /// A method refused a row's or a group's values.
    #[error("{at}{}: {source}", group.as_ref().map(|g| format!(", group {g}")).unwrap_or_default())]
    Method {
        /// Where (the row, or the file for a group).
        at: Location,
        /// The group's key, e.g. "area = E06000001".
        group: Option<String>,
        /// The method's reason.
        source: stats::StatsError,
    },
    /// Options that do not fit together or are not allowed.
    #[error("{0}")]
    Usage(String),
    /// A mistake in an indicator catalogue: the file, the line and field where known, and what
    /// was expected.
    #[error("{file}{}{}: {message}", line.map(|l| format!(", line {l}")).unwrap_or_default(), field.as_ref().map(|f| format!(", {f}")).unwrap_or_default())]
    Catalogue {
        /// The catalogue file.
        file: String,
        /// The 1-based line.
        line: Option<usize>,
        /// The field, as a path (`indicator "x".numerator.table`).
        field: Option<String>,
        /// What was wrong and what was expected.
        message: String,
    },
}

impl EngineError {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        EngineError::Io { path: path.into(), source }
    }
}

/// The engine's result type.
pub type Result<T, E = EngineError> = std::result::Result<T, E>;
