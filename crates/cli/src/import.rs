//! `fairer import results FILE`: a results table (Parquet, as `fairer compute` writes it)
//! imported into the store as a data release, in one transaction.

use std::fs::File;

use clap::{Args, Subcommand};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use store::{Actor, ImportOutcome, ReleaseInfo};

use crate::db::{with_store, DatabaseArg};

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
}

/// Runs `fairer import`.
pub fn run(args: ImportArgs) -> Result<(), String> {
    let ImportCommand::Results(results) = args.command;
    let file = &results.file;
    if !file.to_ascii_lowercase().ends_with(".parquet") {
        return Err(format!(
            "{file}: expected a results file ending in .parquet (as fairer compute --output results.parquet writes)"
        ));
    }
    let opened = File::open(file).map_err(|e| format!("{file}: {e}"))?;
    let bytes = opened.metadata().map(|m| m.len()).unwrap_or(0);
    let reader = ParquetRecordBatchReaderBuilder::try_new(opened)
        .and_then(|b| b.with_batch_size(8192).build())
        .map_err(|e| format!("{file}: not a Parquet file fairer can read: {e}"))?;
    let now = store::utc_now();
    let stem = std::path::Path::new(file).file_stem().and_then(|s| s.to_str()).unwrap_or("results");
    let info = ReleaseInfo {
        name: results.release.clone().unwrap_or_else(|| format!("{stem} {}", &now[..19])),
        released_on: results.date.clone().unwrap_or_else(|| now[..10].to_string()),
        catalogue_id: results.catalogue.clone(),
        catalogue_version: results.catalogue_version.clone(),
        manifest: serde_json::json!({ "inputs": [{ "file": file, "bytes": bytes }], "imported_at": now }),
        definitions: Default::default(),
    };
    with_store(&args.database, async |store| {
        let mut import = store.begin_import(info, &Actor::Cli).await.map_err(|e| format!("{file}: {e}"))?;
        for batch in reader {
            let batch = batch.map_err(|e| format!("{file}: {e}"))?;
            import.push(&batch).await.map_err(|e| format!("{file}: {e}"))?;
        }
        match import.finish().await.map_err(|e| format!("{file}: {e}"))? {
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
