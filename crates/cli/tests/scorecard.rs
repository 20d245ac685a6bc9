//! `fairer scorecard` as a user runs it, a real process: its mistakes named with their flags,
//! a database without a scorecard saying so; and on the small synthetic England with its NHS
//! activity (generated, computed with the Marmot and ICB scorecard catalogues, imported): every
//! ICB's scorecard as text and JSON, an unknown ICB named with the codes there are, the HTML
//! page, and a funding table imported and shown beside the gap it targets.

use std::path::Path;
use std::process::{Command, Output};

fn run(database: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fairer"))
        .args(args)
        .arg("--database")
        .arg(database)
        .env_remove("FAIRER_DATABASE_URL")
        .output()
        .expect("run fairer")
}

fn ok(database: &Path, args: &[&str]) -> String {
    let out = run(database, args);
    assert!(out.status.success(), "fairer {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// `fairer ARGS` without a database.
fn fairer(args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_fairer")).args(args).output().expect("run fairer");
    assert!(out.status.success(), "fairer {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
}

fn err(database: &Path, args: &[&str]) -> String {
    let out = run(database, args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "fairer {args:?} should fail");
    assert!(stderr.starts_with("error: ") && !stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn mistakes_are_named_with_their_flags() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("fairer.db");
    assert!(err(&database, &["scorecard"]).contains("--icb: expected an ICB code (E54…) or all"));
    let said = err(&database, &["scorecard", "--icb", "E54000008", "--format", "html"]);
    assert!(said.contains("--output: html and pdf are written to a file"), "{said}");
    let said = err(&database, &["scorecard", "--icb", "all", "--format", "html", "--output", "x.html"]);
    assert!(said.contains("--icb all: only with --format text or json"), "{said}");
    // A database without a release has no scorecard: the error says so.
    let said = err(&database, &["scorecard", "--icb", "E54000008"]);
    assert!(said.contains("the scorecard of the ICB \"E54000008\"") && said.contains("none"), "{said}");
}

#[test]
fn the_scorecards_of_the_small_synthetic_england() {
    let dir = tempfile::tempdir().unwrap();
    let (data, results, database) =
        (dir.path().join("data"), dir.path().join("results.parquet"), dir.path().join("fairer.db"));
    let s = |p: &Path| p.to_str().unwrap().to_string();
    fairer(&["generate", "--out", &s(&data), "--scale", "small", "--years", "5", "--activity", "--no-progress"]);
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../catalogues/");
    let (marmot, icb) = (format!("{root}marmot.toml"), format!("{root}icb_scorecard.toml"));
    fairer(&[
        "compute",
        "--catalogue",
        &marmot,
        "--catalogue",
        &icb,
        "--data",
        &s(&data),
        "--output",
        &s(&results),
        "--no-progress",
    ]);
    ok(&database, &["import", "results", &s(&results), "--release", "r1", "--date", "2026-12-01"]);

    let all: serde_json::Value =
        serde_json::from_str(&ok(&database, &["scorecard", "--icb", "all", "--format", "json"])).unwrap();
    let items = all["items"].as_array().unwrap();
    assert!(!items.is_empty(), "no scorecard");
    let codes: Vec<&str> = items.iter().map(|c| c["icb_code"].as_str().unwrap()).collect();
    assert!(codes.iter().all(|c| c.starts_with("E54")), "{codes:?}");
    let first = codes[0];
    let card = &items[0];
    assert_eq!(card["release"], "r1");
    let areas = card["areas"].as_array().unwrap();
    assert!(areas.len() >= 5, "{} clinical areas", areas.len());
    // Each indicator has its gap's verdict in the test's words.
    for area in areas {
        for i in area["indicators"].as_array().unwrap() {
            let verdict = i["narrowing"]["verdict"].as_str().unwrap();
            assert!(
                ["narrowing", "widening", "no significant change", "not enough periods"].contains(&verdict),
                "{verdict}"
            );
        }
    }

    let text = ok(&database, &["scorecard", "--icb", first]);
    assert!(text.contains(&format!("({first}): scorecard, r1")) && text.contains("Core20 gap [95% limits]"), "{text}");
    // An unknown ICB: a usage error naming the codes there are.
    let said = err(&database, &["scorecard", "--icb", "E54999999"]);
    assert!(said.contains("E54999999") && said.contains(first), "{said}");

    let html = dir.path().join("card.html");
    let said = ok(&database, &["scorecard", "--icb", first, "--format", "html", "--output", &s(&html)]);
    assert!(said.starts_with(&format!("Wrote the scorecard of {first}")), "{said}");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("<h1>") && page.contains("Core20"), "the page");

    // A funding table: one line for the first ICB, then its scorecard shows it.
    let funding = dir.path().join("funding.csv");
    std::fs::write(
        &funding,
        format!("icb_code,financial_year,category,allocation_gbp,spent_gbp,targets,note\n{first},2023/24,core20plus5_clinical,4200000,1150000,preterm_births,Continuity of carer\n"),
    )
    .unwrap();
    let said = ok(&database, &["scorecard", "funding", "import", &s(&funding)]);
    assert!(said.contains("Imported 1 funding lines"), "{said}");
    let card: serde_json::Value =
        serde_json::from_str(&ok(&database, &["scorecard", "--icb", first, "--format", "json"])).unwrap();
    let line = &card["funding"][0];
    assert_eq!((line["financial_year"].as_str(), line["spent_gbp"].as_f64()), (Some("2023/24"), Some(1_150_000.0)));
    assert!((line["share_of_allocation"].as_f64().unwrap() - 1_150_000.0 / 4_200_000.0).abs() < 1e-12);
    assert_eq!(line["targets"][0]["indicator"], "preterm_births");
    // A table naming an unknown ICB is refused with its file, row and field.
    std::fs::write(
        &funding,
        "icb_code,financial_year,category,allocation_gbp,spent_gbp,targets,note\nE54999999,2023/24,prevention,1,1,,\n",
    )
    .unwrap();
    let said = err(&database, &["scorecard", "funding", "import", &s(&funding)]);
    assert!(said.contains("funding.csv") && said.contains("E54999999"), "{said}");
}
