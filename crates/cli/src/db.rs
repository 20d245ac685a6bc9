//! `fairer db`: the database's schema; and what the store commands share (which database,
//! the runtime the store's queries run on).

use clap::{Args, Subcommand};
use store::Store;

use crate::Failure;

/// Where the store is when neither `--database` nor `FAIRER_DATABASE_URL` says: an SQLite file
/// in the demo's data directory.
pub const DEFAULT_DATABASE: &str = "fairer-demo/fairer.db";

/// The `--database` option of every store command.
#[derive(Args, Debug, Clone)]
pub struct DatabaseArg {
    /// The database: an SQLite file path (or sqlite://PATH) or a postgres:// URL. Default: the
    /// FAIRER_DATABASE_URL environment variable, else fairer-demo/fairer.db (SQLite).
    #[arg(long, value_name = "URL", global = true)]
    pub database: Option<String>,
}

impl DatabaseArg {
    /// The target: the option, else FAIRER_DATABASE_URL, else [`DEFAULT_DATABASE`].
    pub fn target(&self) -> String {
        self.database
            .clone()
            .or_else(|| std::env::var("FAIRER_DATABASE_URL").ok().filter(|v| !v.trim().is_empty()))
            .unwrap_or_else(|| DEFAULT_DATABASE.to_string())
    }
}

/// Runs `work` on a single-threaded runtime with the store open (and migrated). The store's
/// errors keep their kind (and so the exit code, [`store::StoreError::exit_code`]).
pub fn with_store<T>(
    database: &DatabaseArg,
    work: impl AsyncFnOnce(Store) -> Result<T, Failure>,
) -> Result<T, Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| {
        Failure::Engine(engine::EngineError::Internal(format!(
            "cannot start the runtime of the database's queries: {e}"
        )))
    })?;
    runtime.block_on(async {
        let store = Store::open(&database.target()).await?;
        let result = work(store.clone()).await;
        store.close().await;
        result
    })
}

/// The arguments of `fairer db`.
#[derive(Args, Debug)]
pub struct DbArgs {
    #[command(subcommand)]
    command: DbCommand,
    #[command(flatten)]
    database: DatabaseArg,
}

#[derive(Subcommand, Debug)]
enum DbCommand {
    /// Bring the database's schema up to date (creating the SQLite file when missing). Every
    /// other store command does this first too.
    Migrate,
}

/// Runs `fairer db`.
pub fn run(args: DbArgs) -> Result<(), Failure> {
    match args.command {
        DbCommand::Migrate => {
            let target = args.database.target();
            let location = store::Location::parse(&target)?;
            // Opening the store applies the migrations it lacks.
            with_store(&args.database, async |store| {
                let versions = store.applied_migrations().await?;
                println!("{}: schema up to date (migrations {})", location.display(), join(&versions));
                Ok(())
            })
        }
    }
}

fn join(versions: &[i64]) -> String {
    versions.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
}
