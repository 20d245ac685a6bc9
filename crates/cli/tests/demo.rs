//! `fairer demo` end to end: it generates, computes and summarises as before, then stores its
//! results in the database in its data directory with three synthetic places and prints their
//! monitoring; running it again changes nothing in the database. The release holds the ICB
//! scorecards too: `fairer scorecard` prints every ICB's, and `fairer serve` lists them on
//! `/scorecards`.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use common::{get, Server};

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

    // The ICB scorecards, in the same release.
    let line = first.lines().find(|l| l.starts_with("Scorecards (SYNTHETIC) of the ")).expect("a scorecards line");
    let codes: Vec<&str> = line.split('(').skip(2).filter_map(|p| p.split(')').next()).collect();
    assert!(line.starts_with(&format!("Scorecards (SYNTHETIC) of the {} ICBs: ", codes.len())), "{line}");
    assert!(!codes.is_empty() && codes.iter().all(|c| c.starts_with("E54")), "{line}");
    assert!(first.contains(&format!("fairer scorecard --icb {} --database {database}", codes[0])), "{first}");
    let all: serde_json::Value =
        serde_json::from_str(&fairer(&["scorecard", "--icb", "all", "--format", "json", "--database", database]))
            .unwrap();
    let items = all["items"].as_array().unwrap();
    assert_eq!(items.iter().map(|c| c["icb_code"].as_str().unwrap()).collect::<Vec<_>>(), codes);
    for card in items {
        assert!(card["release"].as_str().unwrap().starts_with("demo "), "{}", card["release"]);
        let indicators: Vec<&serde_json::Value> =
            card["areas"].as_array().unwrap().iter().flat_map(|a| a["indicators"].as_array().unwrap()).collect();
        assert_eq!(indicators.len(), 19, "{}", card["icb_code"]);
        assert!(indicators.iter().any(|i| i["id"] == "preterm_births" && i["latest"]["value"].is_number()));
    }
    let text = fairer(&["scorecard", "--icb", codes[0], "--database", database]);
    assert!(text.contains("Core20 gap [95% limits]"), "{text}");

    // Served: /scorecards lists every ICB, each links to its scorecard.
    let child = Command::new(env!("CARGO_BIN_EXE_fairer"))
        .args(["serve", "--bind", "127.0.0.1:0", "--database", database])
        .env_remove("FAIRER_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start fairer serve");
    let mut server = Server(child);
    let mut said = String::new();
    BufReader::new(server.0.stdout.take().unwrap()).read_line(&mut said).unwrap();
    let address = said.split("http://").nth(1).and_then(|rest| rest.split('/').next()).expect("an address").to_string();
    let page = get(&address, "/scorecards");
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    for code in &codes {
        assert!(page.contains(&format!("<a href=\"/scorecards/{code}\">")), "{code} not listed: {page}");
    }
    let card = get(&address, &format!("/scorecards/{}", codes[0]));
    assert!(card.starts_with("HTTP/1.1 200") && card.contains("Core20"), "{card}");
}
