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
        /// What the column is for, e.g. "the count column".
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
        /// The method's reason (boxed: it would make every engine result larger than the
        /// rest of the error put together).
        source: Box<stats::StatsError>,
    },
    /// Options that do not fit together or are not allowed.
    #[error("{0}")]
    Usage(String),
    /// The work was cancelled through its [`crate::progress::Progress`] handle; nothing was
    /// left at the output.
    #[error("cancelled")]
    Cancelled,
    /// A failure that is the engine's fault, not the input's or the caller's (an inconsistent
    /// internal state); the message says what was found.
    #[error("internal error: {0}")]
    Internal(String),
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
    /// A usage error for an option a method refused: the method's reason, worded with `name`
    /// (`"the multiplier"`) for the option whatever the method called it, so that a caller
    /// can add its own name for it (a command-line flag, a query parameter).
    pub fn option(name: &'static str, reason: stats::StatsError) -> Self {
        use stats::StatsError as S;
        let reason = match reason {
            S::Negative { value, .. } => S::Negative { field: name, value },
            S::NotPositive { value, .. } => S::NotPositive { field: name, value },
            S::NotFinite { value, .. } => S::NotFinite { field: name, value },
            S::OutOfRange { expected, value, .. } => S::OutOfRange { field: name, expected, value },
            other => other,
        };
        EngineError::Usage(reason.to_string())
    }

    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        EngineError::Io { path: path.into(), source }
    }

    /// What kind of failure this is, for a caller to act on (an exit code, an HTTP status).
    ///
    /// Reading and writing failures are bad input when the operating system says the file is
    /// missing, not allowed or not what it should be, and internal otherwise (a full disk, a
    /// broken device).
    pub fn kind(&self) -> ErrorKind {
        match self {
            EngineError::Io { source, .. } => match source.kind() {
                std::io::ErrorKind::NotFound
                | std::io::ErrorKind::PermissionDenied
                | std::io::ErrorKind::InvalidData
                | std::io::ErrorKind::InvalidInput
                | std::io::ErrorKind::UnexpectedEof
                | std::io::ErrorKind::AlreadyExists
                | std::io::ErrorKind::IsADirectory
                | std::io::ErrorKind::NotADirectory => ErrorKind::BadInput,
                _ => ErrorKind::Internal,
            },
            EngineError::MissingColumn { .. }
            | EngineError::BadValue { .. }
            | EngineError::Format { .. }
            | EngineError::Method { .. }
            | EngineError::Catalogue { .. } => ErrorKind::BadInput,
            EngineError::Usage(_) => ErrorKind::Usage,
            EngineError::Cancelled => ErrorKind::Cancelled,
            EngineError::Internal(_) => ErrorKind::Internal,
        }
    }
}

/// The kinds of failure a caller can tell apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The input is wrong: a file, row, column or field that is not what it should be; the
    /// error names it and says what was expected.
    BadInput,
    /// The request is wrong: options that do not fit together, a name that does not exist.
    Usage,
    /// The engine failed on good input (a bug, a full disk).
    Internal,
    /// The work was cancelled by its caller.
    Cancelled,
}

impl ErrorKind {
    /// The process exit code of a command failing this way, as in BSD's `sysexits.h`:
    /// `EX_DATAERR` 65 for bad input, `EX_USAGE` 64 for bad usage, `EX_SOFTWARE` 70 for an
    /// internal failure, and 130 (128 + SIGINT, as a shell reports Ctrl-C) when cancelled.
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorKind::BadInput => 65,
            ErrorKind::Usage => 64,
            ErrorKind::Internal => 70,
            ErrorKind::Cancelled => 130,
        }
    }

    /// The HTTP status of a request failing this way: 400 Bad Request for bad input and bad
    /// usage, 500 Internal Server Error, and 499 (nginx's "client closed request") when
    /// cancelled.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorKind::BadInput | ErrorKind::Usage => 400,
            ErrorKind::Internal => 500,
            ErrorKind::Cancelled => 499,
        }
    }
}

/// The engine's result type.
pub type Result<T, E = EngineError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    /// Each kind of error maps to its exit code and HTTP status.
    #[test]
    fn kinds_map_to_exit_codes_and_statuses() {
        let bad = EngineError::BadValue {
            at: Location { file: "f.csv".into(), row: Some(3), column: Some("count".into()) },
            expected: "a number".into(),
            found: "x".into(),
        };
        let cases = [
            (bad, ErrorKind::BadInput, 65, 400),
            (EngineError::Usage("no such indicator".into()), ErrorKind::Usage, 64, 400),
            (
                EngineError::option(
                    "the multiplier",
                    stats::StatsError::NotPositive { field: "multiplier", value: 0.0 },
                ),
                ErrorKind::Usage,
                64,
                400,
            ),
            (EngineError::Internal("inconsistent block".into()), ErrorKind::Internal, 70, 500),
            (EngineError::Cancelled, ErrorKind::Cancelled, 130, 499),
            (
                EngineError::io("missing.csv", std::io::Error::from(std::io::ErrorKind::NotFound)),
                ErrorKind::BadInput,
                65,
                400,
            ),
        ];
        assert_eq!(cases[2].0.to_string(), "the multiplier must be greater than zero, got 0");
        for (error, kind, code, status) in cases {
            assert_eq!(error.kind(), kind, "{error}");
            assert_eq!((kind.exit_code(), kind.http_status()), (code, status));
        }
    }
}
