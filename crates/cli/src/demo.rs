//! `fairer demo`: the main job out of the box. Generates a small synthetic England with NHS
//! activity into a data directory (once), computes the starter catalogue of core Marmot
//! indicators together with the ICB scorecard catalogue on it (one release: the web shows one at
//! a time), and prints a readable summary for one place; then stores the results in the
//! database (a data release) with three synthetic Marmot places (`examples/demo-places/`), prints
//! their monitoring and says how to see the ICBs' scorecards.

use std::path::{Path, PathBuf};

use clap::Args;
use engine::arrow::array::{Array, Float64Array, RecordBatch, StringArray};
use engine::compute::catalogue::Catalogue;
use engine::compute::{compute, ComputeOptions, DataDirectory, MemorySink, ResultFile, ResultSink};
use engine::EngineError;

use store::{Actor, ImportOutcome, PlaceFile, ReleaseInfo, StoreError};

use crate::compute::{describe, load_catalogue, Bar};
use crate::db::{with_store, DatabaseArg};
use crate::Failure;

/// The synthetic places the demo stores: place files of `examples/demo-places/`, built in.
const DEMO_PLACES: [(&str, &str); 3] = [
    ("examples/demo-places/halham.toml", include_str!("../../../examples/demo-places/halham.toml")),
    (
        "examples/demo-places/redham-rookbury-ics.toml",
        include_str!("../../../examples/demo-places/redham-rookbury-ics.toml"),
    ),
    ("examples/demo-places/melcombe.toml", include_str!("../../../examples/demo-places/melcombe.toml")),
];

/// Run the main job on synthetic data: generate a small synthetic England (one region, ten
/// years, NHS activity for the last five; only if DIR has none yet), compute the starter
/// catalogue of core Marmot indicators and the ICB scorecard catalogue for every area, period,
/// sex and breakdown, and print for one place each indicator's latest value with its 95%
/// interval, its comparison with England, its recent trend, and the gap and slope index of
/// inequality across deprivation deciles; then store the results and three synthetic places in
/// the database, where `fairer scorecard` and `fairer serve` show the ICBs' scorecards.
///
/// Everything shown is computed from SYNTHETIC data: no real person or place.
#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  \
fairer demo\n  \
fairer demo --place \"Sheffield\"          # a place by (part of) its name or its code\n  \
fairer demo --data /tmp/world --output /tmp/world/results.csv\n  \
fairer place show halham --database fairer-demo/fairer.db   # a synthetic place the demo stored")]
pub struct DemoArgs {
    /// The place to summarise: an area name (or a unique part of one) or code, of any level.
    /// Default: the local authority with the lowest male life expectancy.
    #[arg(long, value_name = "NAME")]
    place: Option<String>,
    /// The data directory (generated there if it holds no synthetic world yet).
    #[arg(long, value_name = "DIR", default_value = "fairer-demo")]
    data: PathBuf,
    /// Where to write the full results (.parquet, .csv or .xlsx). Default: DIR/results.parquet.
    #[arg(long, value_name = "FILE")]
    output: Option<String>,
    /// A different catalogue (TOML) instead of the starter and ICB scorecard ones.
    #[arg(long, value_name = "FILE")]
    catalogue: Option<PathBuf>,
    /// Show no progress bars.
    #[arg(long)]
    no_progress: bool,
    /// The database the results and the synthetic places are stored in: an SQLite file path
    /// or a postgres:// URL. Default: the FAIRER_DATABASE_URL environment variable, else
    /// DIR/fairer.db. Running the demo again changes nothing there.
    #[arg(long, value_name = "URL")]
    database: Option<String>,
}

/// One whole-area result row, as the summary needs it.
#[derive(Clone, Debug)]
struct Row {
    indicator: String,
    name: String,
    area_code: String,
    area_name: String,
    area_type: String,
    sex: String,
    period: String,
    sortable: f64,
    value: Option<f64>,
    lower: Option<f64>,
    upper: Option<f64>,
    note: Option<String>,
    compared: String,
    benchmark: Option<f64>,
    trend: String,
    gap: Option<f64>,
    sii: Option<f64>,
    sii_lower: Option<f64>,
    sii_upper: Option<f64>,
    excess: Option<f64>,
    statistic: String,
}

/// The whole-area rows (no decile category) of results in memory, each column found by its
/// name in [`engine::compute::results::schema`].
fn read_results(batches: &[RecordBatch]) -> Result<Vec<Row>, Failure> {
    const TEXTS: [&str; 12] = [
        "indicator_id",
        "indicator_name",
        "area_code",
        "area_name",
        "area_type",
        "sex",
        "time_period",
        "value_note",
        "compared_to_benchmark_95",
        "recent_trend",
        "category",
        "statistic",
    ];
    const NUMBERS: [&str; 10] = [
        "time_period_sortable",
        "value",
        "lower_95",
        "upper_95",
        "benchmark_value",
        "gap_most_minus_least_deprived",
        "sii",
        "sii_lower_95",
        "sii_upper_95",
        "excess_count",
    ];
    let missing = |name: &str| Failure::Engine(EngineError::Internal(format!("the results have no column {name}")));
    let mut rows = Vec::new();
    for batch in batches {
        let texts: Vec<&StringArray> = TEXTS
            .iter()
            .map(|n| {
                batch.column_by_name(n).and_then(|c| c.as_any().downcast_ref::<StringArray>()).ok_or_else(|| missing(n))
            })
            .collect::<Result<_, _>>()?;
        let numbers: Vec<&Float64Array> = NUMBERS
            .iter()
            .map(|n| {
                batch
                    .column_by_name(n)
                    .and_then(|c| c.as_any().downcast_ref::<Float64Array>())
                    .ok_or_else(|| missing(n))
            })
            .collect::<Result<_, _>>()?;
        for r in 0..batch.num_rows() {
            let cell = |i: usize| (texts[i].is_valid(r)).then(|| texts[i].value(r));
            let t = |i: usize| cell(i).unwrap_or_default().to_string();
            let n = |i: usize| numbers[i].is_valid(r).then(|| numbers[i].value(r));
            if cell(10).is_some_and(|c| !c.is_empty()) {
                continue;
            }
            rows.push(Row {
                indicator: t(0),
                name: t(1),
                area_code: t(2),
                area_name: t(3),
                area_type: t(4),
                sex: t(5),
                period: t(6),
                note: cell(7).filter(|s| !s.is_empty()).map(str::to_string),
                compared: t(8),
                trend: t(9),
                statistic: t(11),
                sortable: n(0).unwrap_or(0.0),
                value: n(1),
                lower: n(2),
                upper: n(3),
                benchmark: n(4),
                gap: n(5),
                sii: n(6),
                sii_lower: n(7),
                sii_upper: n(8),
                excess: n(9),
            });
        }
    }
    Ok(rows)
}

/// A sink that writes the results to a file and keeps them in memory for the summary.
struct FileAndMemory {
    file: ResultFile,
    memory: MemorySink,
}

impl ResultSink for FileAndMemory {
    fn write(&mut self, batch: RecordBatch) -> engine::error::Result<()> {
        self.file.write(batch.clone())?;
        self.memory.write(batch)
    }

    fn finish(&mut self) -> engine::error::Result<()> {
        self.file.finish()?;
        self.memory.finish()
    }
}

/// The place's (code, name, type): by code, by whole name, or by a unique part of a name.
fn find_place(rows: &[Row], wanted: Option<&str>) -> Result<(String, String, String), String> {
    let key = |r: &Row| (r.area_code.clone(), r.area_name.clone(), r.area_type.clone());
    let Some(wanted) = wanted else {
        // The local authority with the lowest male life expectancy at birth, latest period.
        let latest = rows.iter().filter(|r| r.indicator == "le_birth").map(|r| r.sortable).fold(f64::MIN, f64::max);
        let pick = rows
            .iter()
            .filter(|r| {
                r.indicator == "le_birth" && r.sex == "Male" && r.area_type == "Local authority" && r.sortable == latest
            })
            .filter_map(|r| r.value.map(|v| (v, r)))
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, r)| key(r));
        return pick
            .or_else(|| rows.iter().find(|r| r.area_type == "Local authority").map(key))
            .ok_or_else(|| "the results have no local authority".to_string());
    };
    let w = wanted.to_lowercase();
    let mut places: Vec<(String, String, String)> = rows.iter().map(key).collect();
    places.sort();
    places.dedup();
    if let Some(p) = places.iter().find(|p| p.0.to_lowercase() == w || p.1.to_lowercase() == w) {
        return Ok(p.clone());
    }
    let partial: Vec<&(String, String, String)> = places.iter().filter(|p| p.1.to_lowercase().contains(&w)).collect();
    match partial.as_slice() {
        [one] => Ok((*one).clone()),
        [] => {
            let some: Vec<&str> =
                places.iter().filter(|p| p.2 == "Local authority").take(8).map(|p| p.1.as_str()).collect();
            Err(format!("no area is called \"{wanted}\"; local authorities include: {}", some.join(", ")))
        }
        many => Err(format!(
            "\"{wanted}\" matches {}: say which",
            many.iter().map(|p| p.1.as_str()).collect::<Vec<_>>().join(", ")
        )),
    }
}

fn fmt(x: Option<f64>) -> String {
    match x {
        Some(v) if v.abs() >= 1000.0 => format!("{v:.0}"),
        Some(v) => format!("{v:.1}"),
        None => "-".into(),
    }
}

/// The summary lines for one place.
fn summary(rows: &[Row], place: &(String, String, String)) -> Vec<String> {
    let mut mine: Vec<&Row> = rows.iter().filter(|r| r.area_code == place.0).collect();
    // Latest period of each indicator and sex, in catalogue order.
    let mut order: Vec<String> = Vec::new();
    for r in rows {
        if !order.contains(&r.indicator) {
            order.push(r.indicator.clone());
        }
    }
    mine.sort_by(|a, b| {
        let ia = order.iter().position(|i| i == &a.indicator);
        let ib = order.iter().position(|i| i == &b.indicator);
        ia.cmp(&ib).then_with(|| a.sex.cmp(&b.sex).reverse()).then_with(|| b.sortable.total_cmp(&a.sortable))
    });
    mine.dedup_by(|a, b| a.indicator == b.indicator && a.sex == b.sex);
    let mut out = Vec::new();
    let mut last_indicator = String::new();
    for r in mine {
        let unit = if r.statistic.starts_with("percentage") {
            "%".to_string()
        } else if r.statistic.starts_with("life expectancy") {
            "years".to_string()
        } else {
            r.statistic.replace("dsr per ", "per ").replace("rate per ", "per ")
        };
        if r.indicator != last_indicator {
            out.push(format!("{} ({unit}), {}", r.name, r.period));
            last_indicator = r.indicator.clone();
        }
        let mut line = format!("  {:<8}{:>8}", r.sex, fmt(r.value));
        match (r.lower, r.upper) {
            (Some(l), Some(u)) => line.push_str(&format!(" ({} to {})", fmt(Some(l)), fmt(Some(u)))),
            _ => line.push_str(&format!(" ({})", r.note.clone().unwrap_or_else(|| "no interval".into()))),
        }
        line.push_str(
            &format!("  {} than England ({})", r.compared, fmt(r.benchmark))
                .replace("Similar than", "similar to")
                .replace("Not compared than", "not compared with"),
        );
        line.push_str(&format!("; trend: {}", r.trend.to_lowercase()));
        if let Some(g) = r.gap {
            line.push_str(&format!("; gap {}", fmt(Some(g))));
        }
        match (r.sii, r.sii_lower, r.sii_upper) {
            (Some(v), Some(l), Some(u)) => {
                line.push_str(&format!("; SII {} ({} to {})", fmt(Some(v)), fmt(Some(l)), fmt(Some(u))))
            }
            (Some(v), _, _) => line.push_str(&format!("; SII {}", fmt(Some(v)))),
            _ => {}
        }
        if let Some(e) = r.excess {
            line.push_str(&format!("; excess {e:.0}"));
        }
        out.push(line);
    }
    out
}

/// Runs `fairer demo`.
pub fn run(args: DemoArgs) -> Result<(), crate::Failure> {
    let data = args.data.clone();
    generate_once(&data, !args.no_progress)?;
    let catalogue = demo_catalogue(&data, args.catalogue.as_ref())?;
    let output = args.output.clone().unwrap_or_else(|| data.join("results.parquet").display().to_string());
    eprintln!(
        "Computing {} ({} indicators) for every area, period, sex and breakdown…",
        describe_catalogue(&catalogue),
        catalogue.indicators.len()
    );
    let mut sink =
        FileAndMemory { file: ResultFile::create_by_extension(Path::new(&output))?, memory: MemorySink::new() };
    let interrupt = crate::interrupt::cancel_on_interrupt(crate::interrupt::OnInterrupt::Cancel);
    let bar = engine::Cancellable::new(Bar::new(!args.no_progress), interrupt);
    let result = compute(&catalogue, &DataDirectory::new(&data), &mut sink, &ComputeOptions::default(), &bar);
    bar.inner().finish();
    let computed = result?;

    // The summary reads the results kept in memory.
    let rows = read_results(&sink.memory.batches)?;
    let place = find_place(&rows, args.place.as_deref())?;
    println!();
    println!("{} — {} ({}) — SYNTHETIC data, for demonstration only", place.1, place.2, place.0);
    println!("Latest period of each indicator; compared with England at 95%; gap = most minus least deprived decile present; SII across the deprivation deciles; excess = events above the least deprived decile's rates.");
    println!();
    for line in summary(&rows, &place) {
        println!("{line}");
    }
    println!();
    println!("{}", describe(&computed, &output));
    println!("Full results (every area, period, sex and decile): {output}");
    if output.to_ascii_lowercase().ends_with(".parquet") {
        println!("Explore them with SQL, e.g.: fairer sql \"SELECT area_name, value FROM results WHERE indicator_id = 'le_birth' AND sex = 'Male' AND category IS NULL ORDER BY value\" --table results={output}");
    }
    let database =
        args.database.clone().or_else(|| std::env::var("FAIRER_DATABASE_URL").ok().filter(|v| !v.trim().is_empty()));
    let database =
        DatabaseArg { database: Some(database.unwrap_or_else(|| data.join("fairer.db").display().to_string())) };
    println!();
    for line in store_demo(&database, &sink.memory.batches, &catalogue)? {
        println!("{line}");
    }
    for line in scorecard_lines(&rows, &catalogue, &database) {
        println!("{line}");
    }
    Ok(())
}

/// Generates the demo's small synthetic England with NHS activity in `data` unless it holds a
/// synthetic world already (a manifest).
fn generate_once(data: &Path, show_progress: bool) -> Result<(), Failure> {
    if data.join("manifest.json").is_file() {
        return Ok(());
    }
    eprintln!(
        "Generating a small SYNTHETIC England with NHS activity in {} (once; later runs reuse it)…",
        data.display()
    );
    let mut config = synth::Config::new(data);
    config.activity = true;
    let bar = crate::generate::bar(show_progress);
    synth::generate(&config, &bar)?;
    bar.finish();
    Ok(())
}

/// Whether `data` holds an `nhs_activity` table (in any format the engine reads).
fn has_activity(data: &Path) -> bool {
    std::fs::read_dir(data).into_iter().flatten().flatten().any(|e| {
        let path = e.path();
        path.file_stem().is_some_and(|s| s == "nhs_activity")
            && engine::input::TableFormat::from_extension(&path.display().to_string()).is_some()
    })
}

/// The demo's catalogue: the one at `path` when given; else the starter Marmot catalogue merged
/// with the ICB scorecard catalogue ([`engine::scorecard::icb_catalogue`]: one release holds
/// both, as the web shows one release at a time), or the starter one alone (with a note) when
/// `data` has no NHS activity (a world generated without `--activity`).
fn demo_catalogue(data: &Path, path: Option<&PathBuf>) -> Result<Catalogue, Failure> {
    if path.is_some() {
        return Ok(load_catalogue(path)?);
    }
    if has_activity(data) {
        return Ok(engine::scorecard::icb_catalogue()?);
    }
    eprintln!(
        "{} has no NHS activity (nhs_activity): the ICB scorecards are left out. Generate it again with `fairer generate --out {} --activity` (or delete it) for them.",
        data.display(),
        data.display()
    );
    Ok(load_catalogue(None)?)
}

/// "\"Marmot …\"" or "\"Marmot …\" with the ICB scorecard" for the progress message.
fn describe_catalogue(catalogue: &Catalogue) -> String {
    let scorecard = catalogue.scorecard.is_some() && !catalogue.header.name.starts_with("ICB scorecard");
    format!("\"{}\"{}", catalogue.header.name, if scorecard { " with the ICB scorecard" } else { "" })
}

/// What the demo says of the ICBs' scorecards when the catalogue has them: how many ICBs, and
/// the commands that show one (`fairer scorecard`, the web's `/scorecards`).
fn scorecard_lines(rows: &[Row], catalogue: &Catalogue, database: &DatabaseArg) -> Vec<String> {
    let Ok(spec) = engine::scorecard::ScorecardSpec::from_catalogue(catalogue) else { return Vec::new() };
    let mut icbs: Vec<(&str, &str)> = rows
        .iter()
        .filter(|r| r.area_type == spec.level)
        .map(|r| (r.area_code.as_str(), r.area_name.as_str()))
        .collect();
    icbs.sort_unstable();
    icbs.dedup();
    let Some((code, _)) = icbs.first() else { return Vec::new() };
    let target = database.target();
    let shown = if target.contains("://") {
        "URL".to_string()
    } else {
        store::Location::parse(&target).map(|l| l.display()).unwrap_or(target)
    };
    vec![
        format!(
            "Scorecards (SYNTHETIC) of the {} ICBs: {}",
            icbs.len(),
            icbs.iter().map(|(c, n)| format!("{n} ({c})")).collect::<Vec<_>>().join(", ")
        ),
        format!("  each ICB's Core20PLUS5 indicators, Core20 gaps and whether they narrow: fairer scorecard --icb {code} --database {shown}"),
        format!("  on the web: fairer serve --database {shown}, then /scorecards"),
    ]
}

/// What `fairer serve --demo` shows: the demo's database in `data` (or `database`) prepared
/// when it holds no release yet, as `fairer demo` prepares it (a small synthetic England with
/// NHS activity generated once, the starter and ICB scorecard catalogues computed, their
/// results and the synthetic places stored), without the summary. Says on standard error what it does; returns the database.
///
/// # Errors
/// As `fairer demo`: generating, computing or storing fails; or the computation is stopped.
pub fn prepare(data: &Path, database: Option<String>, show_progress: bool) -> Result<DatabaseArg, Failure> {
    let database = database.or_else(|| std::env::var("FAIRER_DATABASE_URL").ok().filter(|v| !v.trim().is_empty()));
    let database =
        DatabaseArg { database: Some(database.unwrap_or_else(|| data.join("fairer.db").display().to_string())) };
    let has_release = with_store(&database, async |store| Ok(store.latest_release().await?.is_some()))?;
    if has_release {
        return Ok(database);
    }
    generate_once(data, show_progress)?;
    let catalogue = demo_catalogue(data, None)?;
    eprintln!(
        "Computing {} ({} indicators) for the demo's database…",
        describe_catalogue(&catalogue),
        catalogue.indicators.len()
    );
    let mut sink = MemorySink::new();
    let interrupt = crate::interrupt::cancel_on_interrupt(crate::interrupt::OnInterrupt::Cancel);
    let bar = engine::Cancellable::new(Bar::new(show_progress), interrupt);
    let result = compute(&catalogue, &DataDirectory::new(data), &mut sink, &ComputeOptions::default(), &bar);
    bar.inner().finish();
    result?;
    for line in store_demo(&database, &sink.batches, &catalogue)? {
        eprintln!("{line}");
    }
    Ok(database)
}

/// Stores the results as a release (nothing changes when the same results are stored already)
/// and the demo's synthetic places (each only once), and describes their monitoring.
fn store_demo(
    database: &DatabaseArg,
    batches: &[RecordBatch],
    catalogue: &engine::compute::catalogue::Catalogue,
) -> Result<Vec<String>, Failure> {
    let target = database.target();
    let shown = store::Location::parse(&target)?.display();
    let show_option =
        if target.contains("://") { " --database URL".to_string() } else { format!(" --database {shown}") };
    with_store(database, async |store| {
        let mut out = vec![format!("Monitoring of places (SYNTHETIC), in the database {shown}:")];
        let now = store::utc_now();
        let info = ReleaseInfo {
            name: format!("demo {}", &now[..19]),
            released_on: now[..10].to_string(),
            catalogue_id: Some(catalogue.header.name.clone()),
            catalogue_version: None,
            manifest: serde_json::json!({ "synthetic": true, "made_by": "fairer demo", "imported_at": now }),
            definitions: Default::default(),
        };
        // With what the catalogue says of each indicator (the web's indicator pages show it).
        let mut import = store.begin_import(info, &Actor::Cli).await?;
        import.describe_indicators(&web::catalogue::indicator_metadata(catalogue))?;
        import.describe_peer_groups(crate::import::peer_groups(catalogue));
        import.expect_rows(batches.iter().map(|b| b.num_rows() as u64).sum()).await?;
        for batch in batches {
            import.push(batch).await?;
        }
        match import.finish().await? {
            ImportOutcome::Imported(r) => out
                .push(format!("  the results stored as the release \"{}\" ({} rows): the newest", r.name, r.row_count)),
            ImportOutcome::Unchanged(r) => {
                out.push(format!("  the results are stored already, as the release \"{}\": nothing changed", r.name))
            }
        }
        let mut slugs = Vec::new();
        for (file, text) in DEMO_PLACES {
            let parsed = PlaceFile::parse(file, text)?;
            let slug = parsed.place.slug.get_ref().clone();
            if store.place(&slug).await?.is_none() {
                match store.import_place_file(file, text, &parsed, &Actor::Cli, false).await {
                    Ok(_) => {}
                    // Another synthetic world (--data) may lack the place's areas.
                    Err(StoreError::BadInput(e)) => {
                        out.push(format!("  {file} not stored: {}", e.lines().nth(1).unwrap_or(&e).trim()));
                        continue;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            slugs.push(slug);
        }
        for (i, slug) in slugs.iter().enumerate() {
            let Some(view) = store.place_view(slug).await? else { continue };
            out.extend(place_summary(&view, i == 0));
        }
        if let Some(first) = slugs.first() {
            out.push(format!(
                "Each place's strategy, recommendations and targets: fairer place show {first}{show_option} (fairer place list for the others)"
            ));
        }
        Ok(out)
    })
}

/// A place's monitoring in a few lines: its targets' assessments and its recommendations'
/// statuses, counted; with `each_target`, a line per target.
fn place_summary(view: &store::PlaceView, each_target: bool) -> Vec<String> {
    let f = &view.place.fields;
    // How many of each label, in the order given.
    let count = |order: &[&str], labels: Vec<&str>| {
        let counted = order.iter().map(|o| (o, labels.iter().filter(|l| *l == o).count()));
        counted.filter(|(_, n)| *n > 0).map(|(l, n)| format!("{n} {l}")).collect::<Vec<_>>().join(", ")
    };
    let targets = count(
        &["on track", "off track", "not assessable"],
        view.targets.iter().map(|t| t.assessment.label()).collect(),
    );
    let statuses: Vec<&str> = store::Status::ALL.iter().map(|s| s.label()).collect();
    let recommendations = count(&statuses, view.recommendations.iter().map(|r| r.status.label()).collect());
    let mut out = vec![format!(
        "  {} ({}, {}): {} target{}: {targets}; {} recommendation{}: {recommendations}",
        f.name,
        f.kind,
        f.stage,
        view.targets.len(),
        if view.targets.len() == 1 { "" } else { "s" },
        view.recommendations.len(),
        if view.recommendations.len() == 1 { "" } else { "s" },
    )];
    if each_target {
        for t in &view.targets {
            let tf = &t.target.fields;
            let name = t.indicator_name.as_deref().unwrap_or(&tf.indicator);
            let latest = t
                .latest
                .as_ref()
                .and_then(|l| l.value.map(|v| format!(" (latest {} in {})", fmt(Some(v)), l.period)))
                .unwrap_or_default();
            out.push(format!(
                "    {} {name}, {} ({}) by {}: {}{latest}",
                tf.code,
                tf.measure_on.label(),
                tf.sex,
                tf.target_period,
                t.assessment_text
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(code: &str, name: &str, kind: &str) -> Row {
        Row {
            indicator: "le_birth".into(),
            name: "Life expectancy at birth".into(),
            area_code: code.into(),
            area_name: name.into(),
            area_type: kind.into(),
            sex: "Male".into(),
            period: "2022 - 24".into(),
            sortable: 2024.0,
            value: Some(70.0 + code.len() as f64),
            lower: None,
            upper: None,
            note: None,
            compared: "Similar".into(),
            benchmark: None,
            trend: String::new(),
            gap: None,
            sii: None,
            sii_lower: None,
            sii_upper: None,
            excess: None,
            statistic: String::new(),
        }
    }

    #[test]
    fn places_are_found_by_code_name_or_unique_part() {
        let rows = vec![
            row("E1", "Northtown", "Local authority"),
            row("E22", "Southtown", "Local authority"),
            row("E0", "England", "England"),
        ];
        assert_eq!(find_place(&rows, Some("e22")).unwrap().1, "Southtown");
        assert_eq!(find_place(&rows, Some("north")).unwrap().0, "E1");
        assert!(find_place(&rows, Some("town")).unwrap_err().contains("say which"));
        assert!(find_place(&rows, Some("nowhere")).unwrap_err().contains("no area is called"));
        assert_eq!(find_place(&rows, None).unwrap().0, "E1");
    }
}
