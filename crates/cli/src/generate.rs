//! `fairer generate`: writes a synthetic England (areas, deprivation, populations, births,
//! deaths, outcomes) for demonstrations, tests and benchmarks.
//!
//! The command only parses arguments, shows progress and prints a summary; the generator is
//! the `synth` crate.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};

/// Size of the world.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ScaleArg {
    /// One region (Yorkshire and The Humber): 3,359 small areas; seconds. With --lookup: the
    /// lookups' Yorkshire and The Humber (else their region with the lowest code).
    Small,
    /// England: 9 regions, 42 ICBs, 299 local authorities, ~6,800 MSOAs, 33,755 small areas.
    /// With --lookup: every English LSOA of the lookups.
    Full,
}

/// File format of the tables.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FormatArg {
    /// Apache Parquet, Snappy-compressed (the default).
    Parquet,
    /// CSV with a header row.
    Csv,
}

/// Shown after the options of `fairer generate --help`: the examples, and how to use real areas
/// (the subcommand's own description is the one line in `main.rs`).
const AFTER_HELP: &str = "\
Examples:
  fairer generate --out data/small                      # one region, Parquet, seconds
  fairer generate --out data/england --scale full       # all of England
  fairer generate --out data/bench --scale full --microdata --events 100000000
  fairer generate --out data/csv --format csv --years 5 --seed 7
  fairer generate --out data/nhs --scale full --activity  # + ethnic groups and NHS activity

NHS activity: with --activity the population gains an ethnic group (Census 2021 high-level
groups, regional shares from ONS TS021, higher where more deprived, with local authority effects)
and nhs_activity is written: one row per LSOA x financial year (the last 5; year 2024 = 2024/25) x
sex x age band x recorded ethnic group (the 5 groups, \"Not stated\", \"Not known\") with any count,
columns lsoa_code, year, sex, age_band, start_age, ethnic_group, registered_population,
ae_attendances, emergency_admissions, elective_admissions, emergency_mi, emergency_stroke,
emergency_asthma, emergency_epilepsy, emergency_self_harm, outpatient_appointments, outpatient_dna,
waiting_list, waiting_18_weeks_plus, waiting_52_weeks_plus, cancers_diagnosed, cancers_staged,
cancers_stage_1_2, smi_register, smi_six_checks, hypertension_register, hypertension_at_target,
flu_eligible_65_plus, flu_vaccinated_65_plus, examined_age_5, decay_age_5, live_births,
preterm_births, cyp_diabetes, cyp_diabetes_hba1c_under_58. Counts have deprivation and ethnic
gradients, ICB effects, and shares of unknown ethnicity codes by source (GP, admissions, A&E) and
ICB; sex is \"Not known\" on 0.2% of A&E attendances. With --microdata also hospital_events: one row
per A&E attendance, emergency or elective admission (lsoa_code, year, sex, age, ethnic_group as an
NHS ethnic category code A-S, Z or 99, activity, diagnosis), adding up to nhs_activity's event
columns exactly. With --activity, --events N sets the expected number of hospital events (not
deaths). The default files are unchanged by --activity; the manifest lists each measure's level,
gradients and source (provisional where not checked).

Real areas: with --lookup FILE (repeated), the small areas, local authorities, ICBs and regions
are the real ones, with their ONS codes and names, read from lookup CSVs as the ONS Open Geography
Portal publishes them and joined on their shared code columns. Columns are recognised by the ONS
names, any year and case: lsoa21_code / LSOA21CD, lsoa21_name / LSOA21NM, ltla24_code / LAD24CD,
icb24_code / ICB24CD, region24_code / RGN24CD (and _name / NM), msoa21_code / MSOA21CD if given.
English LSOAs (E01...) are kept. Without MSOA columns, MSOAs come from the LSOA names (\"Halton 001A\"
is in \"Halton 001\") with codes from the reserved range E02 9xxxxx. With --imd FILE, each LSOA
takes its real IMD score, national rank and decile (MHCLG's English Indices of Deprivation by
LSOA); without it a synthetic clustered score is drawn over the real areas. --scale small keeps
Yorkshire and The Humber. Populations, births, deaths and outcomes stay SYNTHETIC: the manifest
lists the real inputs (real_inputs), and the areas table's synthetic_columns names the invented
columns. Real areas of Yorkshire and The Humber with their real IMD 2025:
  fairer generate --out data/yorkshire \\
    --lookup lookup_lsoa21_ward24_ltla24.csv \\
    --lookup lookup_lsoa21_icb24.csv \\
    --lookup lookup_ltla24_region24.csv \\
    --imd imd2025_england_lsoa21.csv";

/// Generate a synthetic England to compute on: small areas nested in MSOAs, local authorities,
/// ICBs and regions, an IMD-like deprivation score and deciles, and by area, year, sex and
/// life-table band: populations, births, deaths by cause and the children-and-young-people and
/// wider-determinant outcomes of the starter catalogue (counts over denominators).
///
/// The deprivation gradient is calibrated to the published English one: life expectancy at
/// birth differs between the most and least deprived deciles by about 9.5 years (males) and 7.5
/// (females). Everything is SYNTHETIC: codes come from a reserved range (E01 9xxxxx, E02 9xxxxx,
/// E06/E08/E09 9xxxxx, E54 9xxxxx, E12 9xxxxx) that no real area uses, names are invented, and
/// the areas table has a `synthetic` column. The same seed gives byte-identical files.
///
/// Real areas instead: with --lookup FILE (repeated) and --imd FILE, the areas and their
/// deprivation are read from real ONS lookups and the IMD (see [`AFTER_HELP`] and
/// `synth::lookup`); people and events stay synthetic.
///
/// Files in DIR: areas, population, births, deaths (and death_events with --microdata) and
/// outcomes (.parquet or .csv), and manifest.json (seed, scale, files, row counts, calibration,
/// real inputs); with --activity also nhs_activity (and hospital_events with --microdata), see
/// `synth::activity`.
#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct GenerateArgs {
    /// Directory to write the files into (created if missing; files of the same names are
    /// replaced, each only when complete).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// small = one region (for tests), full = England.
    #[arg(long, value_enum, default_value = "small")]
    scale: ScaleArg,
    /// Seed of every random draw: the same seed gives the same files.
    #[arg(long, default_value_t = 2024)]
    seed: u64,
    /// Number of calendar years, ending with --last-year.
    #[arg(long, default_value_t = 10)]
    years: usize,
    /// The last calendar year.
    #[arg(long, default_value_t = 2024)]
    last_year: i32,
    /// Also write one row per death (death_events: lsoa_code, year, sex, age, cause), which
    /// adds up to the aggregate death counts (deaths) exactly.
    #[arg(long)]
    microdata: bool,
    /// With --microdata: the number of death rows wanted; with --activity: the number of hospital
    /// events (A&E attendances, emergency and elective admissions) instead. Populations are
    /// scaled so that the expected number is N (rates stay realistic, so statistics on the files
    /// stay valid); the factor is in the manifest.
    #[arg(long, value_name = "N")]
    events: Option<u64>,
    /// Also give people an ethnic group and write NHS activity (nhs_activity: registered
    /// population, A&E, admissions, outpatients, waiting list, cancers by stage, registers,
    /// vaccination, dental decay, births, by LSOA, financial year, sex, age band and recorded
    /// ethnic group), and with --microdata hospital_events (one row per event). See below.
    #[arg(long)]
    activity: bool,
    /// File format of the tables.
    #[arg(long, value_enum, default_value = "parquet")]
    format: FormatArg,
    /// An ONS geography lookup CSV giving real areas; repeat it for several files (LSOA to local
    /// authority, LSOA to ICB, local authority to region, …), which are joined on their shared
    /// code columns. Every English LSOA needs a name, a local authority, an ICB and a region.
    #[arg(long = "lookup", value_name = "FILE")]
    lookups: Vec<PathBuf>,
    /// With --lookup: the English Indices of Deprivation by LSOA (an LSOA code column and the IMD
    /// score, rank and decile, e.g. lsoa21_code, IMD_score, IMD_rank, IMD_decile), whose real
    /// values replace the synthetic score.
    #[arg(long, value_name = "FILE", requires = "lookups")]
    imd: Option<PathBuf>,
    /// Show no progress bar (it is shown only on a terminal anyway).
    #[arg(long)]
    no_progress: bool,
}

/// Reports the generator's progress on a bar on standard error.
pub struct Bar(Option<ProgressBar>);

impl Bar {
    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

/// A progress bar for the generator, on standard error when it is a terminal and `wanted`.
pub fn bar(wanted: bool) -> Bar {
    if !wanted || !std::io::stderr().is_terminal() {
        return Bar(None);
    }
    let bar = ProgressBar::new(1);
    let style = ProgressStyle::with_template("{msg:>14} [{bar:40}] {pos}/{len} small areas ({elapsed})")
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    Bar(Some(bar))
}

impl synth::Progress for Bar {
    fn stage(&self, name: &str, total: u64) {
        if let Some(bar) = &self.0 {
            bar.set_length(total);
            bar.set_position(0);
            bar.set_message(name.to_string());
        }
    }

    fn advance(&self, done: u64) {
        if let Some(bar) = &self.0 {
            bar.inc(done);
        }
    }
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Runs `fairer generate`.
pub fn run(args: GenerateArgs) -> Result<(), crate::Failure> {
    let mut config = synth::Config::new(&args.out);
    config.scale = match args.scale {
        ScaleArg::Small => synth::Scale::Small,
        ScaleArg::Full => synth::Scale::Full,
    };
    config.format = match args.format {
        FormatArg::Parquet => synth::Format::Parquet,
        FormatArg::Csv => synth::Format::Csv,
    };
    config.seed = args.seed;
    config.years = args.years;
    config.last_year = args.last_year;
    config.microdata = args.microdata;
    config.events = args.events;
    config.activity = args.activity;
    config.lookups = args.lookups;
    config.imd = args.imd;

    let progress = bar(!args.no_progress);
    let summary = synth::generate(&config, &progress)?;
    progress.finish();

    let c = &summary.calibration;
    let files: Vec<String> = summary
        .files
        .iter()
        .map(|f| {
            let name = f.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if f.rows > 0 {
                format!("{name} ({} rows)", thousands(f.rows))
            } else {
                name
            }
        })
        .collect();
    let total_rows: u64 = summary.files.iter().map(|f| f.rows).sum();
    let bytes: u64 = summary.files.iter().map(|f| f.bytes).sum();
    let scaled = if (summary.population_scale - 1.0).abs() > 1e-12 {
        format!(" (populations scaled ×{:.3} for --events)", summary.population_scale)
    } else {
        String::new()
    };
    let kind = if summary.real_inputs.is_empty() {
        format!("a SYNTHETIC {} world", config.scale.name())
    } else {
        let files = |role: &str| {
            summary
                .real_inputs
                .iter()
                .filter(|r| r.role == role)
                .map(|r| r.file.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let deprivation = files("deprivation");
        let deprivation = if deprivation.is_empty() {
            String::from("a synthetic deprivation score")
        } else {
            format!("real IMD from {deprivation}")
        };
        let invented = if summary.synthetic_columns.is_empty() {
            String::from("none")
        } else {
            summary.synthetic_columns.join(", ")
        };
        format!(
            "a {} world of REAL areas (from {}) with {deprivation}, and SYNTHETIC people and events (invented columns of the areas table: {invented})",
            config.scale.name(),
            files("lookup")
        )
    };
    let hospital = summary
        .hospital_events
        .map(|n| format!(", {} hospital events (A&E, emergency and elective admissions)", thousands(n)))
        .unwrap_or_default();
    println!(
        "Wrote {} (seed {}) to {} in {:.1} s: {} small areas in {} MSOAs, {} local authorities, {} ICBs and {} region(s); \
{} to {}, {} people in {}{}, {} deaths{hospital}. Files: {} — {} rows, {:.1} MB. Expected life expectancy at birth {:.1} (males) and {:.1} (females), \
with a gap between the most and least deprived deciles of {:.1} and {:.1} years.",
        kind,
        config.seed,
        args.out.display(),
        summary.seconds,
        thousands(summary.areas[0] as u64),
        thousands(summary.areas[1] as u64),
        summary.areas[2],
        summary.areas[3],
        summary.areas[4],
        summary.years.0,
        summary.years.1,
        thousands(summary.population_last_year),
        summary.years.1,
        scaled,
        thousands(summary.deaths),
        files.join(", "),
        thousands(total_rows),
        bytes as f64 / 1e6,
        c.national[0],
        c.national[1],
        c.least_deprived[0] - c.most_deprived[0],
        c.least_deprived[1] - c.most_deprived[1],
    );
    Ok(())
}
