//! `fairer serve` as a user runs it: a real process listening on loopback, asked over TCP.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use common::{get, Server};

#[test]
fn serve_prints_its_address_and_answers_pages_and_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("fairer.db");
    let child = Command::new(env!("CARGO_BIN_EXE_fairer"))
        .args(["serve", "--bind", "127.0.0.1:0", "--database"])
        .arg(&database)
        .env_remove("FAIRER_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start fairer serve");
    let mut server = Server(child);
    let mut line = String::new();
    BufReader::new(server.0.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let address = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_string();

    let home = get(&address, "/");
    assert!(home.starts_with("HTTP/1.1 200"), "{home}");
    assert!(home.contains("No data has been imported yet"), "{home}");
    let api = get(&address, "/api/v1/places");
    assert!(api.starts_with("HTTP/1.1 200") && api.ends_with(r#"{"items":[]}"#), "{api}");
    let missing = get(&address, "/areas/nowhere/at/all");
    assert!(missing.starts_with("HTTP/1.1 404"), "{missing}");
}

#[test]
fn serve_demo_prepares_the_demo_once_then_serves_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("fairer-demo");
    let start = || {
        let child = Command::new(env!("CARGO_BIN_EXE_fairer"))
            .args(["serve", "--demo", "--no-progress", "--bind", "127.0.0.1:0", "--data"])
            .arg(&data)
            .env_remove("FAIRER_DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start fairer serve --demo");
        let mut server = Server(child);
        let mut line = String::new();
        BufReader::new(server.0.stdout.take().unwrap()).read_line(&mut line).unwrap();
        assert!(line.starts_with("Fairer is serving on http://127.0.0.1:"), "{line}");
        let address = line.split("http://").nth(1).and_then(|rest| rest.split('/').next()).unwrap().to_string();
        (server, address)
    };
    let (mut server, address) = start();
    let places = get(&address, "/api/v1/places");
    assert!(places.starts_with("HTTP/1.1 200"), "{places}");
    for slug in ["halham", "melcombe", "redham-rookbury-ics"] {
        assert!(places.contains(&format!("\"slug\":\"{slug}\"")), "{places}");
    }
    let indicator = get(&address, "/api/v1/indicators/le_birth");
    assert!(indicator.contains("\"framework_name\":\"Marmot principles\""), "{indicator}");
    let values = get(&address, "/api/v1/values?indicator=le_birth&area=E92000001&limit=1");
    assert!(values.contains("\"lower_95\":") && values.contains("\"next\":\"/api/v1/values?"), "{values}");
    let mut stderr = String::new();
    drop(server.0.stdin.take());
    let _ = server.0.kill();
    server.0.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(stderr.contains("Generating a small SYNTHETIC England"), "{stderr}");
    drop(server);
    // The second time the database holds the demo: nothing is computed again.
    let (mut again, address) = start();
    assert!(get(&address, "/api/v1/places").contains("\"slug\":\"halham\""));
    let _ = again.0.kill();
    let mut stderr = String::new();
    again.0.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(!stderr.contains("Computing"), "{stderr}");
}
