//! `fairer report` as a user runs it, a real process: a database with a results file imported
//! and the demo place Halham (the web tests' hand-made release, crates/web/tests/fixture), then
//! the report as HTML and as PDF (with a real headless Chromium; skipped with a message when
//! none is installed, except under `CI=true`).

#[path = "../../web/tests/fixture/mod.rs"]
mod fixture;

use std::path::Path;
use std::process::{Command, Output};

use parquet::arrow::ArrowWriter;

const HALHAM: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/demo-places/halham.toml");

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

fn err(database: &Path, args: &[&str]) -> String {
    let out = run(database, args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "fairer {args:?} should fail");
    assert!(stderr.starts_with("error: ") && !stderr.contains("panicked"), "{stderr}");
    stderr
}

/// A database with the fixture's release and Halham.
fn seeded(dir: &Path) -> std::path::PathBuf {
    let database = dir.join("fairer.db");
    let results = dir.join("results.parquet");
    let batch = fixture::batch(&fixture::rows());
    let mut writer = ArrowWriter::try_new(std::fs::File::create(&results).unwrap(), batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    ok(&database, &["import", "results", results.to_str().unwrap(), "--release", "test", "--date", "2026-12-01"]);
    ok(&database, &["place", "import", HALHAM]);
    database
}

#[test]
fn report_writes_html_and_pdf_and_names_its_mistakes() {
    let dir = tempfile::tempdir().unwrap();
    let database = seeded(dir.path());

    let html = dir.path().join("halham.html");
    let said = ok(&database, &["report", "--place", "halham", "--output", html.to_str().unwrap()]);
    assert!(said.starts_with(&format!("Wrote the report of halham to {}", html.display())), "{said}");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("Halham (synthetic)") && page.contains("@page { size: A4; margin: 15mm; }"));
    // Written atomically: nothing but the database, the results and the report in the directory.
    let mut names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.retain(|n| !n.starts_with("fairer.db"));
    names.sort();
    assert_eq!(names, ["halham.html", "results.parquet"]);

    // The mistakes, named.
    let unknown = err(&database, &["report", "--place", "nowhere", "--output", html.to_str().unwrap()]);
    assert!(unknown.contains("the place \"nowhere\" not found: `fairer place list` shows the places"), "{unknown}");
    let docx = err(&database, &["report", "--place", "halham", "--output", "report.docx"]);
    assert!(docx.contains("--output report.docx: expected a file ending in .pdf or .html"), "{docx}");
    let pdf = dir.path().join("halham.pdf");
    let no_chromium = err(
        &database,
        &["report", "--place", "halham", "--output", pdf.to_str().unwrap(), "--chromium", "/no/such/chromium"],
    );
    assert!(no_chromium.contains("the configured path /no/such/chromium is not an executable file"), "{no_chromium}");
    assert!(no_chromium.contains("apt-get install chromium"), "{no_chromium}");
    assert!(!pdf.exists());

    if web::pdf::find_chromium(None).is_err() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "Chromium is not installed: the PDF report cannot be tested"
        );
        eprintln!("skipped: no Chromium (Debian: apt-get install chromium), so the PDF report is not tested");
        return;
    }
    ok(&database, &["report", "--place", "halham", "--output", pdf.to_str().unwrap()]);
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
}

#[test]
fn report_help_teaches() {
    let out = Command::new(env!("CARGO_BIN_EXE_fairer")).args(["report", "--help"]).output().unwrap();
    // Words as printed, whatever the wrapping.
    let help = String::from_utf8(out.stdout).unwrap().split_whitespace().collect::<Vec<_>>().join(" ");
    for needle in [
        "--place <SLUG>",
        "--output <FILE>",
        "--chromium <PATH>",
        "FAIRER_CHROMIUM",
        "apt-get install chromium",
        "fairer report --place halham --output halham.pdf",
        "written under a temporary name",
    ] {
        assert!(help.contains(needle), "the help lacks {needle}: {help}");
    }
}
