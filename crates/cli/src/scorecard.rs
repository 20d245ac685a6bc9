//! `fairer scorecard`: an ICB's scorecard (issue 14) from the newest release in the database, as
//! a text table per clinical area, the API's JSON, the web's printable page or its PDF; and
//! `fairer scorecard funding import FILE`, what each ICB reports it spent of its inequalities
//! allocation.
//!
//! The scorecard is the one the web serves ([`web::scorecard::model`] and
//! [`web::scorecard::report_html`] over the same store), so the surfaces cannot differ.

use std::io::Write as _;
use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use engine::output::AtomicFile;
use engine::scorecard::model::Scorecard;
use engine::EngineError;
use web::{AppState, WebError};

use crate::db::{with_store, DatabaseArg};
use crate::Failure;

/// The arguments of `fairer scorecard`.
#[derive(Args, Debug)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "The scorecard of an Integrated Care Board: for each clinical area of Core20PLUS5, each \
indicator's latest value, the gap between the most deprived 20% of areas nationally (Core20) and the rest of the \
population with its 95% interval, whether that gap narrows, the rank among the ICBs and how complete the ethnicity \
recording is; then the ICB's inequalities funding, the ICS place's commitments, its children and young people's \
scores and its readiness self-assessment, from the newest data release in the database.\n\n\
Formats: text (a table per clinical area, the default), json (the API's body), html (the printable page) and pdf \
(that page printed by headless Chromium: FAIRER_CHROMIUM, else chromium on PATH). --icb all gives every ICB (text \
and json). Without --output the text and JSON are printed; html and pdf need --output, written atomically.\n\n\
Examples:\n  \
fairer scorecard --icb E54000008\n  \
fairer scorecard --icb all --format json --output scorecards.json\n  \
fairer scorecard --icb E54000008 --format pdf --output cheshire-and-merseyside.pdf\n  \
fairer scorecard funding import icb_funding_2023-24.csv"
)]
pub struct ScorecardArgs {
    #[command(subcommand)]
    command: Option<ScorecardCommand>,
    /// The ICB, by code (E54…), or `all`.
    #[arg(long, value_name = "CODE")]
    icb: Option<String>,
    /// What to write.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Where to write it (printed when not given; html and pdf need it).
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    #[command(flatten)]
    database: DatabaseArg,
}

/// The scorecard's subcommands.
#[derive(Subcommand, Debug)]
enum ScorecardCommand {
    /// What ICBs report they spent of their inequalities allocations.
    Funding(FundingArgs),
}

/// `fairer scorecard funding …`.
#[derive(Args, Debug)]
struct FundingArgs {
    #[command(subcommand)]
    command: FundingCommand,
}

/// The funding subcommands.
#[derive(Subcommand, Debug)]
enum FundingCommand {
    /// Import a funding table (CSV, Parquet or Excel: icb_code, financial_year, category,
    /// allocation_gbp, spent_gbp, targets, note); the (ICB, year) pairs it names are replaced.
    Import(FundingImportArgs),
}

/// `fairer scorecard funding import FILE`.
#[derive(Args, Debug)]
struct FundingImportArgs {
    /// The funding table.
    file: PathBuf,
    #[command(flatten)]
    database: DatabaseArg,
}

/// The output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// A table per clinical area.
    Text,
    /// The API's body.
    Json,
    /// The printable page.
    Html,
    /// The printable page as PDF (headless Chromium).
    Pdf,
}

/// The web's error as the command's: an unknown ICB is a usage error naming a few codes.
fn failure(e: WebError) -> Failure {
    match e {
        WebError::Store(e) => Failure::Store(Box::new(e)),
        WebError::NotFound(what) => Failure::Usage(format!("--icb: {what} not found")),
        other => Failure::Engine(EngineError::Internal(other.to_string())),
    }
}

/// Runs `fairer scorecard`.
pub fn run(args: ScorecardArgs) -> Result<(), Failure> {
    if let Some(ScorecardCommand::Funding(FundingArgs { command: FundingCommand::Import(import) })) = args.command {
        return import_funding(import);
    }
    let Some(icb) = args.icb.as_deref().map(str::trim) else {
        return Err(Failure::Usage("--icb: expected an ICB code (E54…) or all".into()));
    };
    if matches!(args.format, Format::Html | Format::Pdf) && args.output.is_none() {
        return Err(Failure::Usage("--output: html and pdf are written to a file; name one".into()));
    }
    if icb == "all" && matches!(args.format, Format::Html | Format::Pdf) {
        return Err(Failure::Usage("--icb all: only with --format text or json".into()));
    }
    let chromium = match args.format {
        Format::Pdf => Some(web::pdf::find_chromium(None).map_err(|e| Failure::Usage(e.to_string()))?),
        _ => None,
    };
    let bytes = with_store(&args.database, async |store| {
        let state = AppState::new(store);
        let cards: Vec<Scorecard> = if icb == "all" {
            let cache = state.scorecards().await.map_err(failure)?;
            if cache.cards.is_empty() {
                return Err(Failure::Usage(format!(
                    "--icb all: the newest release has no scorecard ({})",
                    cache.notes.join(" ")
                )));
            }
            let mut out = Vec::new();
            for c in &cache.cards {
                out.push(web::scorecard::model(&state, &c.icb_code).await.map_err(failure)?);
            }
            out
        } else if args.format == Format::Html || args.format == Format::Pdf {
            let html = web::scorecard::report_html(&state, icb).await.map_err(failure)?;
            return match chromium {
                Some(chromium) => web::pdf::render(html, chromium)
                    .await
                    .map_err(|e| Failure::Engine(EngineError::Internal(e.to_string()))),
                None => Ok(html.into_bytes()),
            };
        } else {
            vec![web::scorecard::model(&state, icb).await.map_err(failure)?]
        };
        Ok(match args.format {
            Format::Json if icb == "all" => to_json(&serde_json::json!({ "items": cards }))?,
            Format::Json => {
                to_json(&serde_json::to_value(&cards[0]).map_err(|e| EngineError::Internal(e.to_string()))?)?
            }
            _ => cards.iter().map(text).collect::<Vec<_>>().join("\n").into_bytes(),
        })
    })?;
    match &args.output {
        Some(path) => {
            let mut file = AtomicFile::create(path)?;
            file.write_all(&bytes).map_err(|e| EngineError::io(path, e))?;
            file.commit()?;
            println!("Wrote the scorecard of {icb} to {} ({} KB)", path.display(), bytes.len().div_ceil(1024));
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes).and_then(|()| out.flush()).map_err(|e| EngineError::Internal(e.to_string()))?;
        }
    }
    Ok(())
}

/// `value` as pretty JSON with a final newline.
fn to_json(value: &serde_json::Value) -> Result<Vec<u8>, Failure> {
    let mut bytes =
        serde_json::to_vec_pretty(value).map_err(|e| EngineError::Internal(format!("the scorecard as JSON: {e}")))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// A number for the text table ("12.3", "–").
fn n(x: Option<f64>) -> String {
    x.filter(|x| x.is_finite()).map_or("–".into(), |x| format!("{x:.1}"))
}

/// The text of one scorecard: a table per clinical area (value, Core20 gap [95% limits],
/// verdict, rank, share of the count with a stated ethnic group), then funding and readiness.
pub fn text(card: &Scorecard) -> String {
    let mut out = format!("{} ({}): scorecard, {}\n", card.icb_name, card.icb_code, card.release);
    out.push_str(&format!("Periods: {}\n", card.periods.join(", ")));
    for area in &card.areas {
        out.push_str(&format!("\n{}\n", area.name));
        out.push_str(&format!(
            "  {:<44} {:>9} {:>26} {:<22} {:>8} {:>10}\n",
            "indicator", "value", "Core20 gap [95% limits]", "gap trend", "rank", "ethnicity"
        ));
        for i in &area.indicators {
            let gap = i.gap.map_or("–".to_string(), |g| {
                format!("{} [{} to {}]", n(Some(g.value)), n(Some(g.lower)), n(Some(g.upper)))
            });
            let rank = i.rank.map_or("–".to_string(), |r| format!("{}/{}", r.position, r.of));
            let ethnicity = i
                .completeness
                .iter()
                .find(|c| c.category_type == web::scorecard::ETHNICITY_TYPE)
                .and_then(|c| c.numerator_known)
                .map_or("–".to_string(), |k| format!("{:.1}%", k * 100.0));
            out.push_str(&format!(
                "  {:<44} {:>9} {:>26} {:<22} {:>8} {:>10}\n",
                truncate(&i.name, 44),
                n(i.latest.value),
                gap,
                i.narrowing.verdict,
                rank,
                ethnicity
            ));
        }
    }
    if !card.funding.is_empty() {
        out.push_str("\nInequalities funding\n");
        for f in &card.funding {
            out.push_str(&format!(
                "  {} {:<26} spent £{:.0}{}; targets {}\n",
                f.financial_year,
                f.category,
                f.spent_gbp,
                f.share_of_allocation.map_or(String::new(), |s| format!(" ({:.1}% of the allocation)", s * 100.0)),
                f.targets.iter().map(|t| format!("{} ({})", t.indicator, t.verdict)).collect::<Vec<_>>().join(", ")
            ));
        }
    }
    if let Some(r) = &card.readiness {
        out.push_str(&format!(
            "\nReadiness self-assessment (submitted {}): {:.0} of 100, {} actions open\n",
            r.submitted_on, r.overall, r.open_actions
        ));
    }
    for note in &card.notes {
        out.push_str(&format!("Note: {note}\n"));
    }
    out
}

/// `text` cut to `max` characters (with an ellipsis).
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut t: String = text.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

/// Runs `fairer scorecard funding import FILE`: the table read and checked by the engine
/// ([`engine::scorecard::funding::read_funding`]: ICB codes against the newest release's areas
/// of the scorecard's level, categories and targets against the shipped catalogues), then
/// stored, replacing the (ICB, year) pairs it names in one transaction.
fn import_funding(args: FundingImportArgs) -> Result<(), Failure> {
    let spec = web::scorecard::shipped_spec().map_err(failure)?;
    let file = args.file.display().to_string();
    let outcome = with_store(&args.database, async |store| {
        let icbs: std::collections::BTreeSet<String> =
            store.areas(Some(&spec.level)).await?.into_iter().map(|a| a.code).collect();
        if icbs.is_empty() {
            return Err(Failure::Usage(format!(
                "{file}: the database has no area of type {} to check the ICB codes against: import a release first",
                spec.level
            )));
        }
        let rows = engine::scorecard::funding::read_funding(&args.file, spec, &icbs)?;
        let rows: Vec<store::scorecard::FundingRow> = rows
            .into_iter()
            .map(|r| store::scorecard::FundingRow {
                icb_code: r.icb_code,
                financial_year: r.financial_year,
                category: r.category,
                allocation_gbp: r.allocation_gbp,
                spent_gbp: r.spent_gbp,
                targets: r.targets,
                note: r.note,
                source_row: i64::try_from(r.source_row).unwrap_or(i64::MAX),
            })
            .collect();
        Ok(store.import_funding(&store::Actor::Cli, &file, &rows).await?)
    })?;
    println!(
        "Imported {} funding lines from {file} ({} ICB-years; {} earlier lines replaced)",
        outcome.rows,
        outcome.pairs.len(),
        outcome.replaced
    );
    Ok(())
}
