//! `fairer import results FILE`: a results table (Parquet, as `fairer compute` writes it)
//! imported into the store as a data release, in one transaction.

use std::fs::File;

use clap::{Args, Subcommand};
use engine::progress::{check_cancelled, Progress};
use engine::EngineError;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use store::{Actor, ImportOutcome, ReleaseInfo, StoreError};

use crate::compute::Bar;
use crate::db::{with_store, DatabaseArg};
use crate::Failure;

/// The arguments of `fairer import`.
#[derive(Args, Debug)]
pub struct ImportArgs {
    #[command(subcommand)]
    command: ImportCommand,
    #[command(flatten)]
    database: DatabaseArg,
}

#[derive(Subcommand, Debug)]
enum ImportCommand {
    /// Import a results table (a Parquet file written by `fairer compute`) as a data release:
    /// all or nothing, in one transaction. The newest release is what is shown; earlier ones
    /// stay. Importing the same rows again changes nothing.
    Results(ResultsArgs),
}

/// The arguments of `fairer import results`.
#[derive(Args, Debug)]
struct ResultsArgs {
    /// The results file (.parquet), columns named as `fairer compute` names them.
    file: String,
    /// The release's name (unique). Default: the file's stem and the time of the import.
    #[arg(long, value_name = "NAME")]
    release: Option<String>,
    /// The date of the release, YYYY-MM-DD. Default: today (UTC).
    #[arg(long, value_name = "DATE")]
    date: Option<String>,
    /// The catalogue the results were computed from (its id).
    #[arg(long, value_name = "ID")]
    catalogue: Option<String>,
    /// That catalogue's version.
    #[arg(long, value_name = "VERSION")]
    catalogue_version: Option<String>,
    /// The catalogue file the results were computed from: what it says of each indicator (its
    /// framework's and domain's names, numerator, denominator, source, method) is stored for the
    /// web's indicator pages, and its name is the release's catalogue unless --catalogue says
    /// otherwise.
    #[arg(long, value_name = "FILE.toml")]
    catalogue_file: Option<std::path::PathBuf>,
    /// Show no progress bar.
    #[arg(long)]
    no_progress: bool,
}

/// Runs `fairer import`.
pub fn run(args: ImportArgs) -> Result<(), Failure> {
    let ImportCommand::Results(results) = args.command;
    let bar = Bar::new(!results.no_progress);
    let outcome = import_results(&args.database, &results, &bar);
    bar.finish();
    outcome
}

/// Imports the results file, reporting the rows stored through `progress` (stage
/// "importing", counted in rows) and stopping, with nothing kept, when it is cancelled.
fn import_results(database: &DatabaseArg, results: &ResultsArgs, progress: &dyn Progress) -> Result<(), Failure> {
    let file = &results.file;
    if !file.to_ascii_lowercase().ends_with(".parquet") {
        return Err(Failure::Usage(format!(
            "{file}: expected a results file ending in .parquet (as fairer compute --output results.parquet writes)"
        )));
    }
    let opened = File::open(file).map_err(|e| EngineError::io(file, e))?;
    let bytes = opened.metadata().map(|m| m.len()).unwrap_or(0);
    let not_parquet = |e: parquet::errors::ParquetError| {
        Failure::from(StoreError::BadInput(format!("{file}: not a Parquet file fairer can read: {e}")))
    };
    let builder = ParquetRecordBatchReaderBuilder::try_new(opened).map_err(not_parquet)?;
    let total = u64::try_from(builder.metadata().file_metadata().num_rows()).unwrap_or(0);
    let reader = builder.with_batch_size(8192).build().map_err(not_parquet)?;
    let catalogue = match &results.catalogue_file {
        Some(path) => Some(crate::compute::load_catalogue(Some(path))?),
        None => None,
    };
    let now = store::utc_now();
    let stem = std::path::Path::new(file).file_stem().and_then(|s| s.to_str()).unwrap_or("results");
    let info = ReleaseInfo {
        name: results.release.clone().unwrap_or_else(|| format!("{stem} {}", &now[..19])),
        released_on: results.date.clone().unwrap_or_else(|| now[..10].to_string()),
        catalogue_id: results.catalogue.clone().or_else(|| catalogue.as_ref().map(|c| c.header.name.clone())),
        catalogue_version: results.catalogue_version.clone(),
        manifest: serde_json::json!({ "inputs": [{ "file": file, "bytes": bytes }], "imported_at": now }),
        definitions: Default::default(),
    };
    let in_file = |e: StoreError| Failure::from(e.prefixed(file));
    with_store(database, async |store| {
        let name = info.name.clone();
        let mut import = store.begin_import(info, &Actor::Cli).await.map_err(in_file)?;
        if let Some(catalogue) = &catalogue {
            import.describe_indicators(&web::catalogue::indicator_metadata(catalogue)).map_err(in_file)?;
            import.describe_peer_groups(peer_groups(catalogue));
        }
        import.expect_rows(total).await.map_err(in_file)?;
        // The transaction has begun: until it commits, readers see the previous release.
        eprintln!(
            "Importing {file} ({total} rows) into {} as the release \"{name}\", in one transaction…",
            store.location().display()
        );
        progress.stage("importing", total);
        for batch in reader {
            check_cancelled(progress)?;
            let batch = batch.map_err(|e| Failure::from(StoreError::BadInput(format!("{file}: {e}"))))?;
            import.push(&batch).await.map_err(in_file)?;
            progress.position(import.rows());
        }
        check_cancelled(progress)?;
        progress.stage("committing", 1);
        match import.finish().await.map_err(in_file)? {
            ImportOutcome::Imported(release) => println!(
                "Imported {file} as the release \"{}\" ({} rows, dated {}): now the newest.",
                release.name, release.row_count, release.released_on
            ),
            ImportOutcome::Unchanged(release) => println!(
                "{file} holds the same rows as the release \"{}\" imported {}: nothing changed.",
                release.name, release.imported_at
            ),
        }
        Ok(())
    })
}

/// The catalogue's named peer groups (`[[peer_group]]`): each group's code and its members'
/// codes, stored with the release for the area profile's peer-group benchmark.
pub(crate) fn peer_groups(catalogue: &engine::compute::catalogue::Catalogue) -> Vec<(String, Vec<String>)> {
    catalogue.peer_groups.iter().map(|g| (g.code.clone(), g.areas.iter().map(|(a, _)| a.clone()).collect())).collect()
}
