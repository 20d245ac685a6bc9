//! Helpers shared by the command-line tests: run the built `fairer`, read CSV tables.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The path of the reference's test table `name`, committed under
/// `testdata/PHEindicatormethods-2.1.0/` (see the README there); panics when it is missing, so
/// that a test on the reference's values fails rather than skips.
pub fn reference(name: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/PHEindicatormethods-2.1.0").join(name);
    assert!(p.is_file(), "the reference table {} is missing", p.display());
    p
}

/// Runs `fairer` with `args`.
pub fn fairer(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fairer")).args(args).output().expect("run fairer")
}

/// Runs `fairer`, asserts success, and returns standard output.
pub fn fairer_ok(args: &[&str]) -> String {
    let out = fairer(args);
    assert!(out.status.success(), "fairer {:?} failed: {}", args, String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

/// Runs `fairer`, asserts failure without a panic, and returns standard error.
pub fn fairer_err(args: &[&str]) -> String {
    let out = fairer(args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "fairer {:?} should fail", args);
    assert!(!err.contains("panicked"), "panic: {err}");
    assert!(err.starts_with("error: "), "unexpected error text: {err}");
    err
}

/// A CSV text as rows of column name → cell.
pub fn table(text: &str) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> =
        r.headers().expect("header").iter().map(|h| h.trim_start_matches('\u{feff}').to_string()).collect();
    r.records()
        .map(|rec| {
            let rec = rec.expect("record");
            headers.iter().cloned().zip(rec.iter().map(str::to_string)).collect()
        })
        .collect()
}

/// Reads a CSV file as a table.
pub fn read_table(path: &Path) -> Vec<HashMap<String, String>> {
    table(&std::fs::read_to_string(path).expect("read"))
}

/// Asserts two cells agree: both empty, or numbers within `rel` relative.
pub fn assert_close(got: &str, expected: &str, rel: f64, what: &str) {
    if expected.is_empty() || expected == "NA" {
        assert!(got.is_empty(), "{what}: expected no value, got {got}");
        return;
    }
    let e: f64 = expected.parse().unwrap_or_else(|_| panic!("{what}: expected {expected}"));
    let g: f64 = got.parse().unwrap_or_else(|_| panic!("{what}: got {got:?}, expected {expected}"));
    assert!((g - e).abs() <= rel * e.abs().max(1e-300), "{what}: got {g}, expected {e}");
}

/// A running `fairer serve`, killed when the test ends, passing or failing.
pub struct Server(pub std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One HTTP/1.1 GET to `address`, the whole response as text.
pub fn get(address: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).expect("connect to the server");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}
