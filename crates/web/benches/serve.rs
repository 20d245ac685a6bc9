//! Area profiles at England's scale, served in process (issue 13, acceptance 4: under 10 ms
//! server time at the median).
//!
//! Fabricates a release of 300 local authorities, 42 ICBs, 9 regions and England, 30
//! indicators in three frameworks, three sexes and five periods (whole-area rows: about 160,000),
//! imports it into a temporary SQLite store, warms the page cache with one request, then
//! requests every local authority's profile `ROUNDS` times through `app(state).oneshot` and
//! prints the median and 99th percentile of the wall time and the process CPU time per request
//! (getrusage, user + system), and the pages' sizes.
//!
//! Then the ICB scorecard pages (issue 14, acceptance 4: one scorecard page under 20 ms server
//! time): 42 ICBs × 18 indicators in 9 clinical areas (the hand-built model of
//! `tests/scorecard_support`, installed as the page's scorecards) — `/scorecards` cold (rendered
//! and kept) and warm, then every ICB's page `ROUNDS` times (each joins its funding, place and
//! readiness from the store), median and p99 of wall and CPU time, first pass (cold) apart.
//! `FAIRER_BENCH_SCORECARDS_ONLY=1` runs that case alone.
//!
//! Run by the coordinator on an idle machine: `cargo bench -p fairer-web --bench serve`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use engine::arrow::array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use http_body_util::BodyExt;
use store::{Actor, ReleaseInfo};
use tower::ServiceExt;
use web::{app, AppState};

/// The scorecards' hand-built model (scorecard-web).
#[path = "../tests/scorecard_support/mod.rs"]
mod scorecard_support;

/// Times each local authority's profile is requested (`FAIRER_BENCH_ROUNDS` overrides).
const ROUNDS: usize = 5;
const LAS: usize = 300;
const ICBS: usize = 42;
const REGIONS: usize = 9;
const INDICATORS: usize = 30;
const SEXES: [&str; 3] = ["Female", "Male", "Persons"];
const PERIODS: [(&str, f64); 5] =
    [("2018 - 20", 2020.0), ("2019 - 21", 2021.0), ("2020 - 22", 2022.0), ("2021 - 23", 2023.0), ("2022 - 24", 2024.0)];

/// An area: code, name, type, parent code.
struct Area {
    code: String,
    name: String,
    area_type: &'static str,
    parent: Option<String>,
}

fn areas() -> Vec<Area> {
    let mut out = vec![Area { code: "E92000001".into(), name: "England".into(), area_type: "England", parent: None }];
    for r in 0..REGIONS {
        out.push(Area {
            code: format!("E1200000{}", r + 1),
            name: format!("Region {}", r + 1),
            area_type: "Region",
            parent: Some("E92000001".into()),
        });
    }
    for i in 0..ICBS {
        out.push(Area {
            code: format!("E54{:06}", i + 1),
            name: format!("Integrated care board {}", i + 1),
            area_type: "ICB",
            parent: Some("E92000001".into()),
        });
    }
    for l in 0..LAS {
        out.push(Area {
            code: format!("E06{:06}", 900_001 + l),
            name: format!("Local authority {}", l + 1),
            area_type: "Local authority",
            parent: Some(format!("E1200000{}", l % REGIONS + 1)),
        });
    }
    out
}

/// One batch per indicator of every area, sex and period (whole area).
fn batches(areas: &[Area]) -> Vec<RecordBatch> {
    let mut out = Vec::new();
    let mut n = 0u64;
    for i in 0..INDICATORS {
        let mut text: Vec<[Option<String>; 14]> = Vec::new();
        let mut numbers: Vec<[Option<f64>; 10]> = Vec::new();
        for a in areas {
            for sex in SEXES {
                for (period, year) in PERIODS {
                    n += 1;
                    let v = 40.0 + (n % 997) as f64 * 0.05 + i as f64;
                    let comparison = ["Better", "Similar", "Worse"][(n % 3) as usize];
                    text.push([
                        Some(format!("ind_{i:02}")),
                        Some(format!("Indicator number {i} of the fabricated catalogue")),
                        Some(if i % 2 == 0 { "higher is better" } else { "lower is better" }.into()),
                        Some(["marmot", "phof", "nhs"][i % 3].into()),
                        Some(format!("domain_{}", i % 5)),
                        Some(a.code.clone()),
                        Some(a.name.clone()),
                        Some(a.area_type.into()),
                        a.parent.clone(),
                        Some(sex.into()),
                        Some("All ages".into()),
                        Some(period.into()),
                        Some(comparison.into()),
                        Some("No significant change".into()),
                    ]);
                    numbers.push([
                        Some(year),
                        Some(v),
                        Some(v - 1.5),
                        Some(v + 1.5),
                        Some(v - 2.5),
                        Some(v + 2.5),
                        Some((n % 5000) as f64),
                        Some(10_000.0),
                        Some(-5.0 - (n % 7) as f64),
                        Some(55.0),
                    ]);
                }
            }
        }
        const TEXT: [&str; 14] = [
            "indicator_id",
            "indicator_name",
            "polarity",
            "framework",
            "domain",
            "area_code",
            "area_name",
            "area_type",
            "parent_code",
            "sex",
            "age",
            "time_period",
            "compared_to_benchmark_95",
            "recent_trend",
        ];
        const NUMBERS: [&str; 10] = [
            "time_period_sortable",
            "value",
            "lower_95",
            "upper_95",
            "lower_99_8",
            "upper_99_8",
            "count",
            "denominator",
            "sii",
            "benchmark_value",
        ];
        let mut columns: Vec<(&str, ArrayRef)> = Vec::new();
        for (k, name) in TEXT.iter().enumerate() {
            columns.push((name, Arc::new(StringArray::from(text.iter().map(|r| r[k].clone()).collect::<Vec<_>>()))));
        }
        for (k, name) in NUMBERS.iter().enumerate() {
            columns.push((name, Arc::new(Float64Array::from(numbers.iter().map(|r| r[k]).collect::<Vec<_>>()))));
        }
        out.push(RecordBatch::try_from_iter(columns).expect("a batch"));
    }
    out
}

/// CPU time used so far by the whole process (every thread), `getrusage(RUSAGE_SELF)`, user
/// plus system time. Unsafe code: the C call, which the standard library does not wrap.
#[allow(unsafe_code)]
fn cpu() -> Duration {
    // SAFETY: `rusage` is plain data, for which all zero bytes are a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `getrusage` only writes the `rusage` it is given.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return Duration::ZERO;
    }
    let time =
        |t: libc::timeval| Duration::from_secs(t.tv_sec.max(0) as u64) + Duration::from_micros(t.tv_usec.max(0) as u64);
    time(usage.ru_utime) + time(usage.ru_stime)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a runtime");
    runtime.block_on(async {
        if std::env::var_os("FAIRER_BENCH_SCORECARDS_ONLY").is_some() {
            let db = store::testing::sqlite().await;
            scorecards(AppState::new(db.store.clone())).await;
            return;
        }
        let db = store::testing::sqlite().await;
        let areas = areas();
        let started = Instant::now();
        let batches = batches(&areas);
        let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
        let info = ReleaseInfo { name: "England scale".into(), released_on: "2026-12-01".into(), ..ReleaseInfo::default() };
        db.store.import_release(info, &Actor::Cli, &batches).await.expect("the import");
        println!("imported {rows} rows in {:.1} s", started.elapsed().as_secs_f64());
        let state = AppState::new(db.store.clone());
        let get = |path: String| {
            let state = state.clone();
            async move {
                let response = app(state).oneshot(Request::get(&path).body(Body::empty()).unwrap()).await.unwrap();
                assert_eq!(response.status(), StatusCode::OK, "{path}");
                response.into_body().collect().await.unwrap().to_bytes().len()
            }
        };
        let started = Instant::now();
        get("/".into()).await;
        println!("first request (builds the page cache): {:.0} ms", started.elapsed().as_secs_f64() * 1e3);
        let las: Vec<&Area> = areas.iter().filter(|a| a.area_type == "Local authority").collect();
        let (mut wall, mut cpu_times, mut bytes) = (Vec::new(), Vec::new(), Vec::new());
        let rounds = std::env::var("FAIRER_BENCH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(ROUNDS);
        for _ in 0..rounds {
            for a in &las {
                let (t0, c0) = (Instant::now(), cpu());
                let size = get(format!("/areas/{}", a.code)).await;
                wall.push(t0.elapsed());
                cpu_times.push(cpu().saturating_sub(c0));
                bytes.push(size);
            }
        }
        wall.sort();
        cpu_times.sort();
        bytes.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!(
            "area profile, {} requests: wall median {:.2} ms, p99 {:.2} ms; CPU median {:.2} ms, p99 {:.2} ms; page {} to {} bytes",
            wall.len(),
            ms(percentile(&wall, 0.5)),
            ms(percentile(&wall, 0.99)),
            ms(percentile(&cpu_times, 0.5)),
            ms(percentile(&cpu_times, 0.99)),
            bytes.first().copied().unwrap_or(0),
            bytes.last().copied().unwrap_or(0),
        );
        for path in ["/indicators/ind_00", "/indicators/ind_00/map", "/"] {
            let (t0, c0) = (Instant::now(), cpu());
            let size = get(path.into()).await;
            println!("{path}: {:.2} ms wall, {:.2} ms CPU, {size} bytes", ms(t0.elapsed()), ms(cpu().saturating_sub(c0)));
            if size >= 200_000 {
                println!("  over the page budget of 200 KB");
            }
        }
        let codes: Vec<String> = las.iter().map(|a| a.code.clone()).collect();
        scorecards(state.clone()).await;
        under_load(state, &codes).await;
    });
}

/// Serves the application on a loopback port in this process and loads it with `wrk` (two
/// threads, 64 connections, `FAIRER_BENCH_SECONDS` seconds, 10 by default), each request the
/// profile of the next local authority in turn: the throughput and latency percentiles a
/// client sees over HTTP, the server and the load generator sharing the machine's cores.
/// Skipped, with a note, when `wrk` is not installed.
async fn under_load(state: AppState, codes: &[String]) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let address = listener.local_addr().expect("the port");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(web::serve(listener, state, async {
        let _ = stopped.await;
    }));
    let directory = tempfile::tempdir().expect("a temporary directory");
    let script = directory.path().join("areas.lua");
    let list = codes.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(",");
    std::fs::write(
        &script,
        format!(
            "local codes = {{{list}}}\nlocal i = 0\nrequest = function()\n  i = i % #codes + 1\n  \
             return wrk.format(\"GET\", \"/areas/\" .. codes[i])\nend\n"
        ),
    )
    .expect("the wrk script");
    let seconds = std::env::var("FAIRER_BENCH_SECONDS").unwrap_or_else(|_| "10".into());
    let arguments = (seconds.clone(), script.clone(), format!("http://{address}/"));
    let command = tokio::task::spawn_blocking(move || {
        let (seconds, script, url) = arguments;
        std::process::Command::new("wrk")
            .args(["-t2", "-c64", &format!("-d{seconds}s"), "--latency", "-s"])
            .arg(script)
            .arg(url)
            .output()
    })
    .await
    .expect("the wrk task");
    match command {
        Ok(out) => {
            println!("wrk -t2 -c64 -d{seconds}s --latency, area profiles in turn, over HTTP on {address}:");
            print!("{}", String::from_utf8_lossy(&out.stdout));
        }
        Err(e) => println!("under load: skipped, wrk could not be run ({e}); apt-get install wrk"),
    }
    let _ = stop.send(());
    let _ = server.await;
}

/// The scorecard pages' case (see the module's comment).
async fn scorecards(state: AppState) {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    state.install_scorecards(scorecard_support::large(42, 9));
    let codes: Vec<String> = (0..42).map(|i| format!("E54{:06}", 900_000 + i)).collect();
    let get = |path: String| {
        let state = state.clone();
        async move {
            let (t0, c0) = (Instant::now(), cpu());
            let response = app(state).oneshot(Request::get(&path).body(Body::empty()).unwrap()).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            let size = response.into_body().collect().await.unwrap().to_bytes().len();
            (t0.elapsed(), cpu().saturating_sub(c0), size)
        }
    };
    for (label, path) in [("cold", "/scorecards"), ("warm", "/scorecards")] {
        let (wall, cpu_time, size) = get(path.into()).await;
        println!("{path} ({label}): {:.2} ms wall, {:.2} ms CPU, {size} bytes", ms(wall), ms(cpu_time));
    }
    let rounds = std::env::var("FAIRER_BENCH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(ROUNDS);
    for pass in ["first pass (cold)", "later passes (warm)"] {
        let (mut wall, mut cpu_times, mut bytes) = (Vec::new(), Vec::new(), Vec::new());
        let repeat = if pass.starts_with("first") { 1 } else { rounds.max(1) };
        for _ in 0..repeat {
            for code in &codes {
                let (w, c, size) = get(format!("/scorecards/{code}")).await;
                wall.push(w);
                cpu_times.push(c);
                bytes.push(size);
            }
        }
        wall.sort();
        cpu_times.sort();
        bytes.sort();
        println!(
            "scorecard page, {pass}, {} requests: wall median {:.2} ms, p99 {:.2} ms; CPU median {:.2} ms, p99 {:.2} ms; page {} to {} bytes",
            wall.len(),
            ms(percentile(&wall, 0.5)),
            ms(percentile(&wall, 0.99)),
            ms(percentile(&cpu_times, 0.5)),
            ms(percentile(&cpu_times, 0.99)),
            bytes.first().copied().unwrap_or(0),
            bytes.last().copied().unwrap_or(0),
        );
    }
    let (wall, cpu_time, size) = get(format!("/scorecards/{}/indicators/ind_00", codes[0])).await;
    println!("a breakdown page: {:.2} ms wall, {:.2} ms CPU, {size} bytes", ms(wall), ms(cpu_time));
}
