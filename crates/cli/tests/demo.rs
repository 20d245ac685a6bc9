//! `fairer demo` end to end: it generates, computes and summarises as before, then stores its
//! results in the database in its data directory with three synthetic places and prints their
//! monitoring; running it again changes nothing in the database.

use std::path::Path;
use std::process::Command;

fn fairer(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_fairer"))
        .args(args)
        .env_remove("FAIRER_DATABASE_URL")
        .output()
        .expect("run fairer");
    assert!(out.status.success(), "fairer {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8 output")
}

fn demo(data: &Path) -> String {
    fairer(&["demo", "--data", data.to_str().unwrap(), "--no-progress"])
}

#[test]
fn demo_stores_its_results_and_synthetic_places() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("fairer-demo");
    let first = demo(&data);
    // The summary as before.
    assert!(first.contains("SYNTHETIC data, for demonstration only"), "{first}");
    assert!(first.contains("Life expectancy at birth (years)"), "{first}");
    // Then the store.
    let database = data.join("fairer.db");
    assert!(database.is_file());
    let database = database.to_str().unwrap();
    assert!(first.contains(&format!("Monitoring of places (SYNTHETIC), in the database {database}:")), "{first}");
    assert!(first.contains("the results stored as the release \"demo "), "{first}");
    assert!(first.contains("  Halham (synthetic) (town, implementing): 5 targets: "), "{first}");
    assert!(first.contains("; 12 recommendations: "), "{first}");
    assert!(first.contains("    T1 Life expectancy at birth, value (Female) by 2026 - 28: "), "{first}");
    assert!(first.contains("  Redham and Rookbury ICS (synthetic) (ICS, report published): 3 targets: "), "{first}");
    // A place just commissioned: its baselines are the latest data.
    assert!(
        first.contains(
            "  Melcombe (synthetic) (borough, commissioned): 2 targets: 2 not assessable; 2 recommendations: 2 proposed"
        ),
        "{first}"
    );
    assert!(first.contains(&format!("fairer place show halham --database {database}")), "{first}");
    // Targets assessed from the data one way or the other, not all "not assessable".
    let halham = first.lines().find(|l| l.starts_with("  Halham")).unwrap();
    assert!(halham.contains("on track") || halham.contains("off track"), "{halham}");

    // Again: the same results, the same places, nothing new.
    let second = demo(&data);
    assert!(second.contains("the results are stored already, as the release \"demo "), "{second}");
    assert!(second.contains(halham), "{second}");
    let releases = fairer(&["place", "list", "--database", database]);
    assert_eq!(releases.lines().filter(|l| l.contains("(synthetic)")).count(), 3, "{releases}");
    let shown = fairer(&["place", "show", "halham", "--database", database]);
    assert!(shown.contains("[SYNTHETIC"), "{shown}");
    assert!(shown.contains("R12 [implemented since 2023-09-01]"), "{shown}");
}
