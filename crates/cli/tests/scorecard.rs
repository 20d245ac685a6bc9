//! `fairer scorecard` as a user runs it, a real process: its mistakes named with their flags,
//! and a database without a scorecard saying so.

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
