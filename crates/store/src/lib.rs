//! Fairer's database: data releases (the results of `compute`, with their areas and indicators),
//! places and their monitoring (partners, strategies, recommendations, targets, progress,
//! evaluations) and the audit trail of every change.
//!
//! One schema serves SQLite (embedded, the default: a file in the data directory, WAL mode,
//! foreign keys on) and PostgreSQL (given by a `postgres://` URL). The migrations live in
//! `crates/store/migrations/`, are compiled into the binary and are applied by [`Store::open`]
//! and `fairer db migrate`. Queries are built at run time; the SQL is written once for both
//! backends (`$1` placeholders, `ON CONFLICT`, `RETURNING`, `IS DISTINCT FROM`).

mod accounts;
pub mod assess;
mod audit;
mod columns;
mod deprivation;
mod error;
/// The network's events, publications and contact queries (issue 15).
pub mod events;
mod latest;
mod migrate;
mod monitor;
pub mod network;
pub mod place_file;
mod release;
/// ICB scorecards: funding lines and readiness self-assessments (issue 14).
pub mod scorecard;
mod time;
mod values;
mod view;

#[cfg(feature = "testing")]
pub mod testing;

pub use accounts::{normalise_email, Account, RoleGrant, Session, ROLES};
pub use audit::{Actor, AuditEntry};
pub use deprivation::{decile_of, AreaDeprivation, NATIONAL_DECILES};
pub use error::{Result, StoreError};
pub use events::contact::{ContactMessage, ContactQuery, ContactRequest, CONTACT_TOPICS};
pub use events::publications::{
    Publication, PublicationFields, PublicationHit, PublicationQuery, PublicationResults, COUNT_CAP, PUBLICATION_KINDS,
    RANKED, THEMES,
};
pub use events::{
    CheckInRow, Event, EventFields, EventSession, FacilitatedSession, Notice, Registration, RegistrationRequest,
    RegistrationStatus, Retention, RetentionOutcome, SessionFields, SessionKind,
};
pub use monitor::*;
pub use place_file::{PlaceEconomics, PlaceFile};
pub use release::{ImportOutcome, Release, ReleaseImport, ReleaseInfo, SQLITE_ROWS_PER_INSERT, VALUE_COLUMNS};
pub use time::{is_date, utc_now, utc_today};
pub use values::{Area, Indicator, IndicatorMetadata, Revision, ValueQuery, ValueRow};
pub use view::{LatestValue, PlaceView, TargetView};

use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;
use sqlx::{Any, Connection, Executor, Transaction};

use error::Context;

/// Which database a [`Store`] talks to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// An SQLite file (created with its directory when missing).
    Sqlite(PathBuf),
    /// A PostgreSQL server, by its `postgres://` or `postgresql://` URL.
    Postgres(String),
}

impl Location {
    /// Reads `target`: a `postgres://` or `postgresql://` URL, a `sqlite://PATH` or `sqlite:PATH`
    /// URL, or a plain file path (SQLite).
    ///
    /// # Errors
    /// An empty target, or a URL of another scheme (`mysql://…`).
    pub fn parse(target: &str) -> Result<Location> {
        let target = target.trim();
        if target.is_empty() {
            return Err(StoreError::BadInput(
                "the database: expected a file path or a postgres:// URL, found nothing".into(),
            ));
        }
        if target.starts_with("postgres://") || target.starts_with("postgresql://") {
            return Ok(Location::Postgres(target.to_string()));
        }
        if let Some(rest) = target.strip_prefix("sqlite://").or_else(|| target.strip_prefix("sqlite:")) {
            let path = rest.split('?').next().unwrap_or(rest);
            if path.is_empty() || path == ":memory:" {
                return Err(StoreError::BadInput(format!(
                    "the database {target}: expected a file path (an in-memory database would be lost on exit)"
                )));
            }
            return Ok(Location::Sqlite(PathBuf::from(path)));
        }
        if let Some((scheme, _)) = target.split_once("://") {
            return Err(StoreError::BadInput(format!(
                "the database {}: expected a file path, sqlite:// or postgres://, found a {scheme}:// URL",
                redact(target)
            )));
        }
        Ok(Location::Sqlite(PathBuf::from(target)))
    }

    /// The location as shown to people: the path, or the URL without its password.
    pub fn display(&self) -> String {
        match self {
            Location::Sqlite(path) => path.display().to_string(),
            Location::Postgres(url) => redact(url),
        }
    }
}

/// `url` with the password replaced by `***`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let Some((credentials, host)) = rest.split_once('@') else { return url.to_string() };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

/// The backend of an open store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, embedded.
    Sqlite,
    /// PostgreSQL, by URL.
    Postgres,
}

/// An open database with its schema up to date: the handle every query goes through. Cheap to
/// clone (the connection pool is shared).
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    location: Location,
}

impl Store {
    /// Opens the database at `target` (see [`Location::parse`]) and applies the migrations it
    /// lacks. An SQLite file is created with its directory when missing and put in WAL mode;
    /// every SQLite connection has foreign keys on and waits up to 10 s for a lock.
    ///
    /// # Errors
    /// A target that is neither a path nor a postgres:// URL, a database that cannot be reached
    /// or created, or a migration that fails.
    pub async fn open(target: &str) -> Result<Store> {
        let store = Store::connect(Location::parse(target)?).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Opens the database at `location` without migrating it.
    async fn connect(location: Location) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let open_error = |source| StoreError::Open { target: location.display(), source };
        let url = match &location {
            Location::Postgres(url) => url.clone(),
            Location::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| open_error(sqlx::Error::Io(e)))?;
                }
                sqlite_url(path)
            }
        };
        let options = AnyPoolOptions::new().max_connections(8).acquire_timeout(Duration::from_secs(30));
        let options = match location {
            Location::Sqlite(_) => options.after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL")
                        .await?;
                    Ok(())
                })
            }),
            Location::Postgres(_) => options,
        };
        // One connection first, so that a database that cannot be reached fails at once
        // rather than after the pool's retries.
        sqlx::AnyConnection::connect(&url).await.map_err(open_error)?.close().await.map_err(open_error)?;
        let pool = options.connect(&url).await.map_err(open_error)?;
        if matches!(location, Location::Sqlite(_)) {
            sqlx::query("PRAGMA journal_mode = WAL").execute(&pool).await.map_err(open_error)?;
        }
        Ok(Store { pool, location })
    }

    /// Applies the migrations the database lacks, each in its own transaction (what
    /// `fairer db migrate` runs; [`Store::open`] runs it too). Returns the versions applied.
    ///
    /// # Errors
    /// A migration that fails (the database keeps the migrations before it), or a database
    /// whose applied migrations differ from this build's (a newer or edited schema).
    pub async fn migrate(&self) -> Result<Vec<i64>> {
        migrate::run(&self.pool, self.backend()).await
    }

    /// The versions of the migrations applied to the database, in order.
    ///
    /// # Errors
    /// A failed query.
    pub async fn applied_migrations(&self) -> Result<Vec<i64>> {
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
            .fetch_all(&self.pool)
            .await
            .context(|| "reading the applied migrations".into())
    }

    /// The backend this store talks to.
    pub fn backend(&self) -> Backend {
        match self.location {
            Location::Sqlite(_) => Backend::Sqlite,
            Location::Postgres(_) => Backend::Postgres,
        }
    }

    /// Where the database is.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// Closes the connections (waiting for those in use to be returned).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// A transaction for a change. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`), so that two writers wait for each other instead of failing when the
    /// first one's reads turn into writes.
    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Any>> {
        match self.backend() {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
        .context(|| "starting a transaction".into())
    }

    /// The connection pool, for reads.
    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }
}

/// The sqlx URL of an SQLite file, created when missing (`mode=rwc`), with the characters a URL
/// would read otherwise (`%`, `?`, `#`) escaped.
fn sqlite_url(path: &Path) -> String {
    let mut url = String::from("sqlite://");
    for c in path.display().to_string().chars() {
        match c {
            '%' => url.push_str("%25"),
            '?' => url.push_str("%3F"),
            '#' => url.push_str("%23"),
            c => url.push(c),
        }
    }
    url.push_str("?mode=rwc");
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations() {
        assert_eq!(Location::parse("fairer-demo/fairer.db").unwrap(), Location::Sqlite("fairer-demo/fairer.db".into()));
        assert_eq!(Location::parse("sqlite:///tmp/a.db").unwrap(), Location::Sqlite("/tmp/a.db".into()));
        assert_eq!(Location::parse("sqlite:a.db?mode=rwc").unwrap(), Location::Sqlite("a.db".into()));
        assert_eq!(
            Location::parse("postgresql://u:p@h/db").unwrap(),
            Location::Postgres("postgresql://u:p@h/db".into())
        );
        assert_eq!(Location::parse("postgres://u:secret@h/db").unwrap().display(), "postgres://u:***@h/db");
        let error = Location::parse("mysql://u:secret@h/db").unwrap_err().to_string();
        assert!(error.contains("mysql://") && !error.contains("secret"), "{error}");
        assert!(Location::parse("  ").is_err());
        assert!(Location::parse("sqlite::memory:").is_err());
    }

    #[test]
    fn sqlite_urls_escape() {
        assert_eq!(sqlite_url(Path::new("/tmp/a?b#c%d.db")), "sqlite:///tmp/a%3Fb%23c%25d.db?mode=rwc");
    }
}
