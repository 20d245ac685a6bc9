//! `fairer place`: places and their monitoring, from place files (TOML) to the store and back,
//! each place's strategy, recommendations, targets and their assessment.

use std::io::Write as _;

use clap::{Args, Subcommand, ValueEnum};
use store::{Actor, Goal, PlaceFile, PlaceView, ProgressFields, Status, StatusChange, Store};

use crate::db::{with_store, DatabaseArg};
use crate::Failure;

/// The arguments of `fairer place`.
#[derive(Args, Debug)]
pub struct PlaceArgs {
    #[command(subcommand)]
    command: PlaceCommand,
    #[command(flatten)]
    database: DatabaseArg,
}

// The update's many options make its variant large; the enum is made once per run.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
enum PlaceCommand {
    /// Import a place file (TOML; see examples/place-fairshire.toml): the place, its
    /// organisations and partners, strategy, recommendations with their history, targets,
    /// progress and evaluations. A file with a mistake is refused whole, each mistake named by
    /// file, line and field.
    Import {
        /// The place file.
        file: String,
        /// Replace a stored place of the same slug (else it is refused).
        #[arg(long)]
        replace: bool,
    },
    /// Write a place as a place file.
    Export {
        /// The place's slug.
        name: String,
        /// Where to write it (standard output when left out). Written to a temporary name and
        /// renamed when complete.
        #[arg(short, long, value_name = "FILE")]
        output: Option<String>,
    },
    /// List the places.
    List {
        /// text or json.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Show a place: its strategy, each recommendation's status, each target's latest value,
    /// trajectory and assessment.
    #[command(after_long_help = store::assess::RULE)]
    Show {
        /// The place's slug.
        name: String,
        /// text or json.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Record a change of a recommendation's status (--recommendation CODE --status STATUS
    /// [--note, --evidence]), add a progress note (--progress NOTE --status STATUS --author
    /// WHO [--about CODES]), or change a target (--target CODE with --goal, --target-period,
    /// --baseline-period, --baseline-value, --note). Every change is kept in the audit trail.
    ///
    /// Anything else (a recommendation's text or owner, partners, the strategy, a progress
    /// note's wording): export the place, edit the file, and import it with --replace; the
    /// replacement is checked as a new file is, and audited (the old place's deletion and
    /// each new record's creation).
    Update(UpdateArgs),
}

/// How a command prints.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    /// For people.
    Text,
    /// JSON, fields named as in the store's records.
    Json,
}

/// The arguments of `fairer place update`.
#[derive(Args, Debug)]
struct UpdateArgs {
    /// The place's slug.
    name: String,
    /// The recommendation whose status changes (by code).
    #[arg(long, value_name = "CODE", conflicts_with_all = ["progress", "target"])]
    recommendation: Option<String>,
    /// A progress note to add.
    #[arg(long, value_name = "NOTE", conflicts_with = "target")]
    progress: Option<String>,
    /// The target to change (by code): give the fields that change.
    #[arg(long, value_name = "CODE")]
    target: Option<String>,
    /// The new status: of a recommendation (proposed, agreed, "in progress", implemented,
    /// dropped) or of a progress note (on track, at risk, off track, complete).
    #[arg(long)]
    status: Option<String>,
    /// The target's new goal: value=N, change=N (from the baseline), match_benchmark, or
    /// narrower_gap=SHARE (a gap or SII narrowed by that share of its baseline).
    #[arg(long, value_name = "GOAL", requires = "target")]
    goal: Option<String>,
    /// The target's new target period, as in the results ("2029", "2027 - 29").
    #[arg(long, value_name = "PERIOD", requires = "target")]
    target_period: Option<String>,
    /// The target's new baseline period.
    #[arg(long, value_name = "PERIOD", requires = "target")]
    baseline_period: Option<String>,
    /// The target's baseline value ("data" to take it from the data again).
    #[arg(long, value_name = "VALUE", requires = "target")]
    baseline_value: Option<String>,
    /// When, YYYY-MM-DD. Default: today (UTC).
    #[arg(long, value_name = "DATE")]
    on: Option<String>,
    /// A note on the status change, or the target's new note.
    #[arg(long)]
    note: Option<String>,
    /// A link to the evidence of the status change.
    #[arg(long, value_name = "URL")]
    evidence: Option<String>,
    /// Who wrote the progress note.
    #[arg(long)]
    author: Option<String>,
    /// The recommendations the progress note is about (codes, comma-separated).
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    about: Vec<String>,
}

/// Runs `fairer place`.
pub fn run(args: PlaceArgs) -> Result<(), Failure> {
    match args.command {
        PlaceCommand::Import { file, replace } => {
            let text = std::fs::read_to_string(&file).map_err(|e| engine::EngineError::io(&file, e))?;
            let parsed = PlaceFile::parse(&file, &text)?;
            with_store(&args.database, async |store| {
                let slug = store.import_place_file(&file, &text, &parsed, &Actor::Cli, replace).await?;
                println!("Imported the place \"{slug}\" from {file}: see it with fairer place show {slug}");
                Ok(())
            })
        }
        PlaceCommand::Export { name, output } => with_store(&args.database, async |store| {
            let text = store.export_place(&name).await.and_then(|f| f.to_toml())?;
            match output {
                Some(path) => write_atomically(&path, &text),
                None => {
                    print!("{text}");
                    Ok(())
                }
            }
        }),
        PlaceCommand::List { format } => with_store(&args.database, async |store| {
            let places = store.places().await?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&places).map_err(|e| e.to_string())?),
                Format::Text if places.is_empty() => {
                    println!("No places yet: add one with fairer place import FILE.toml")
                }
                Format::Text => {
                    for p in &places {
                        let f = &p.fields;
                        let synthetic = if f.synthetic { " (synthetic)" } else { "" };
                        println!("{:<20} {}{synthetic}: {}, {}, area {}", f.slug, f.name, f.kind, f.stage, f.area_code);
                    }
                }
            }
            Ok(())
        }),
        PlaceCommand::Show { name, format } => with_store(&args.database, async |store| {
            let view = store
                .place_view(&name)
                .await?
                .ok_or_else(|| format!("no place \"{name}\": fairer place list shows the places"))?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&view).map_err(|e| e.to_string())?),
                Format::Text => print!("{}", show_text(&view)),
            }
            Ok(())
        }),
        PlaceCommand::Update(update) => with_store(&args.database, async |store| run_update(&store, update).await),
    }
}

/// Records a status change or a progress note.
async fn run_update(store: &Store, args: UpdateArgs) -> Result<(), Failure> {
    let place = store
        .place(&args.name)
        .await?
        .ok_or_else(|| format!("no place \"{}\": fairer place list shows the places", args.name))?;
    let on = args.on.clone().unwrap_or_else(store::utc_today);
    let actor = Actor::Cli;
    if let Some(code) = &args.target {
        return update_target(store, &place, code, &args).await;
    }
    let status = args.status.clone().ok_or("--status: say the new status")?;
    if let Some(code) = &args.recommendation {
        let rec = store
            .recommendation(place.id, code)
            .await?
            .ok_or_else(|| format!("--recommendation: the place \"{}\" has no recommendation \"{code}\"", args.name))?;
        let status = Status::parse(&status).map_err(|e| e.prefixed("--status"))?;
        let change =
            StatusChange { status, changed_on: on, note: args.note.clone(), evidence_url: args.evidence.clone() };
        let after = store.set_recommendation_status(&actor, rec.id, &change).await?;
        println!("{} {}: now {} (since {})", args.name, code, after.status.label(), change.changed_on);
        return Ok(());
    }
    let Some(note) = &args.progress else {
        return Err("say what to update: --recommendation CODE --status STATUS, --progress NOTE --status STATUS --author WHO, or --target CODE with the fields that change".into());
    };
    let author = args.author.clone().ok_or("--progress needs --author: who wrote the note")?;
    let fields =
        ProgressFields { written_on: on, status, author, note: note.clone(), recommendations: args.about.clone() };
    store.create_progress(&actor, place.id, &fields).await?;
    println!("{}: progress note of {} added ({})", args.name, fields.written_on, fields.status);
    Ok(())
}

/// Changes the fields of the target `code` of `place` that the arguments give.
async fn update_target(store: &Store, place: &store::Place, code: &str, args: &UpdateArgs) -> Result<(), Failure> {
    let slug = &place.fields.slug;
    let target = store
        .targets(place.id)
        .await?
        .into_iter()
        .find(|t| t.fields.code == code)
        .ok_or_else(|| format!("--target: the place \"{slug}\" has no target \"{code}\""))?;
    let mut fields = target.fields.clone();
    if let Some(goal) = &args.goal {
        fields.goal = parse_goal(goal)?;
    }
    if let Some(period) = &args.target_period {
        fields.target_period = period.clone();
    }
    if let Some(period) = &args.baseline_period {
        fields.baseline_period = period.clone();
    }
    if let Some(value) = &args.baseline_value {
        fields.baseline_value = match value.trim() {
            "data" => None,
            v => Some(v.parse::<f64>().map_err(|_| {
                store::StoreError::BadInput(format!("--baseline-value: \"{v}\": expected a number, or data"))
            })?),
        };
    }
    if let Some(note) = &args.note {
        fields.note = Some(note.clone()).filter(|n| !n.is_empty());
    }
    if fields == target.fields {
        return Err(
            "--target: say what changes (--goal, --target-period, --baseline-period, --baseline-value, --note)".into(),
        );
    }
    store.update_target(&Actor::Cli, target.id, &fields).await?;
    println!("{slug} {code}: target changed; see it with fairer place show {slug}");
    Ok(())
}

/// A goal as written on the command line: value=N, change=N, match_benchmark, narrower_gap=S.
fn parse_goal(text: &str) -> Result<Goal, Failure> {
    let bad = || {
        Failure::from(store::StoreError::BadInput(format!(
            "--goal: \"{text}\": expected value=N, change=N, match_benchmark or narrower_gap=SHARE"
        )))
    };
    let text = text.trim();
    if text == "match_benchmark" {
        return Ok(Goal::MatchBenchmark);
    }
    let (kind, number) = text.split_once('=').ok_or_else(bad)?;
    let number: f64 = number.trim().parse().map_err(|_| bad())?;
    match kind.trim() {
        "value" => Ok(Goal::Value(number)),
        "change" => Ok(Goal::Change(number)),
        "narrower_gap" => Ok(Goal::NarrowerGap(number)),
        _ => Err(bad()),
    }
}

/// Writes `text` to a temporary file beside `path`, syncs it, and renames it over `path`.
fn write_atomically(path: &str, text: &str) -> Result<(), Failure> {
    let target = std::path::Path::new(path);
    let dir = target.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    let temporary = dir.join(format!(
        ".{}.{}.tmp",
        target.file_name().and_then(|n| n.to_str()).unwrap_or("place"),
        std::process::id()
    ));
    let result = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temporary, target)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        Failure::Engine(engine::EngineError::io(path, e))
    })
}

/// A number with at most two decimals, trailing zeros dropped.
fn number(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// A place's monitoring as text.
fn show_text(view: &PlaceView) -> String {
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    let f = &view.place.fields;
    let synthetic = if f.synthetic { "  [SYNTHETIC: made-up data and programme]" } else { "" };
    line(format!("{} ({}, {}){synthetic}", f.name, f.kind, f.stage));
    let covers = if f.covers.is_empty() { String::new() } else { format!("; covers {}", f.covers.join(", ")) };
    line(format!("Area {}, compared with {}{covers}", f.area_code, f.benchmark_code));
    match &view.release {
        Some(r) => line(format!("Values from the release \"{}\" of {} (the newest)", r.name, r.released_on)),
        None => line("No release imported yet: fairer import results FILE".into()),
    }
    if !view.partners.is_empty() {
        line(String::new());
        line("Partners".into());
        for p in &view.partners {
            line(format!("  {} ({}): {}", p.organisation, p.sector, p.role));
        }
    }
    for s in &view.strategies {
        line(String::new());
        line(format!("Strategy: {} ({} to {})", s.fields.title, s.fields.starts_on, s.fields.ends_on));
        for theme in &s.fields.themes {
            line(format!("  theme: {theme}"));
        }
        for d in &s.fields.documents {
            line(format!("  document: {} <{}>", d.title, d.url));
        }
    }
    if !view.recommendations.is_empty() {
        line(String::new());
        line("Recommendations".into());
        for r in &view.recommendations {
            let since = r.history.last().map(|h| h.changed_on.as_str()).unwrap_or("");
            let owner = r.fields.owner.as_deref().map(|o| format!("; owner {o}")).unwrap_or_default();
            line(format!("  {} [{} since {since}] {}{owner}", r.fields.code, r.status.label(), r.fields.text));
        }
    }
    if !view.targets.is_empty() {
        line(String::new());
        line("Targets".into());
        for t in &view.targets {
            let tf = &t.target.fields;
            let name = t.indicator_name.as_deref().unwrap_or(&tf.indicator);
            let baseline = t.baseline.map_or("unknown".to_string(), number);
            let target = t.target_value.map_or("unknown".to_string(), number);
            line(format!(
                "  {} {name}, {} ({}): baseline {baseline} in {}, target {target} by {}",
                tf.code,
                tf.measure_on.label(),
                tf.sex,
                tf.baseline_period,
                tf.target_period
            ));
            if let Some(latest) = &t.latest {
                let value = latest.value.map_or("no value".to_string(), number);
                let limits = match (latest.lower_95, latest.upper_95) {
                    (Some(l), Some(u)) => format!(" (95% {} to {})", number(l), number(u)),
                    _ => String::new(),
                };
                let expected = match &t.assessment {
                    store::assess::Assessment::OnTrack { expected }
                    | store::assess::Assessment::OffTrack { expected } => {
                        format!(", trajectory {}", number(*expected))
                    }
                    _ => String::new(),
                };
                line(format!("      latest {}: {value}{limits}{expected}", latest.period));
            }
            line(format!("      {}", t.assessment_text));
        }
    }
    if !view.progress.is_empty() {
        line(String::new());
        line("Progress".into());
        for p in &view.progress {
            let about = if p.fields.recommendations.is_empty() {
                String::new()
            } else {
                format!(" [{}]", p.fields.recommendations.join(", "))
            };
            line(format!(
                "  {} {} ({}){about}: {}",
                p.fields.written_on, p.fields.status, p.fields.author, p.fields.note
            ));
        }
    }
    if !view.evaluations.is_empty() {
        line(String::new());
        line("Evaluations".into());
        for e in &view.evaluations {
            line(format!(
                "  {} {} ({}): {}",
                e.fields.evaluated_on, e.fields.question, e.fields.method, e.fields.findings
            ));
        }
    }
    line(String::new());
    line(format!("How targets are assessed: {}", view.rule));
    out
}
