//! The store's errors: each names what was being done, to what, and what was expected.

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened or reached.
    #[error("cannot open the database {target}: {source}")]
    Open {
        /// The path or URL, without its password.
        target: String,
        /// The driver's error.
        source: sqlx::Error,
    },
    /// The schema could not be brought up to date.
    #[error("cannot migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A statement failed.
    #[error("{context}: {source}")]
    Database {
        /// What was being done ("inserting the place \"leeds\"").
        context: String,
        /// The driver's error.
        source: sqlx::Error,
    },
    /// Input that cannot be stored, with where it was and what was expected.
    #[error("{0}")]
    BadInput(String),
    /// A thing asked for by name or id does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// The change conflicts with what is stored (a duplicate name, a release name taken).
    #[error("{0}")]
    Conflict(String),
}

impl StoreError {
    /// The sysexits code a command should exit with: 65 for bad input, 64 for things not
    /// found or in conflict with what is stored (a usage error), 70 for the database itself.
    pub fn exit_code(&self) -> u8 {
        match self {
            StoreError::BadInput(_) => 65,
            StoreError::NotFound(_) | StoreError::Conflict(_) => 64,
            StoreError::Open { .. } | StoreError::Migrate(_) | StoreError::Database { .. } => 70,
        }
    }

    /// The same error with `prefix` (a file name, what was being done) before its message,
    /// of the same kind: `results.parquet: the results' row 7: …`. An error opening or
    /// migrating the database is left as it is (the prefix would not be what failed).
    pub fn prefixed(self, prefix: &str) -> StoreError {
        match self {
            StoreError::BadInput(m) => StoreError::BadInput(format!("{prefix}: {m}")),
            StoreError::NotFound(m) => StoreError::NotFound(format!("{prefix}: {m}")),
            StoreError::Conflict(m) => StoreError::Conflict(format!("{prefix}: {m}")),
            StoreError::Database { context, source } => {
                StoreError::Database { context: format!("{prefix}: {context}"), source }
            }
            e @ (StoreError::Open { .. } | StoreError::Migrate(_)) => e,
        }
    }
}

/// The store's result type.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Adds what was being done to a driver error.
pub(crate) trait Context<T> {
    /// The error as [`StoreError::Database`] with `context` made by `f`.
    fn context(self, f: impl FnOnce() -> String) -> Result<T>;
}

impl<T> Context<T> for std::result::Result<T, sqlx::Error> {
    fn context(self, f: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|source| StoreError::Database { context: f(), source })
    }
}
