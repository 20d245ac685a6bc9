//! Issue 15's speed target: a publication search over 10,000 documents under 20 ms, on SQLite
//! (FTS5) and PostgreSQL (tsvector + GIN).
//!
//! `cargo bench -p fairer-store --bench publications` (on an idle machine: the coordinator
//! runs it). Documents: `FAIRER_BENCH_DOCUMENTS` (default 10,000), each a title of 6 words, a
//! summary of 40 and a body of 400 drawn from a skewed vocabulary of 5,000 words (a few common,
//! most rare, as in real text) with the domain's words among them; 1 to 3 of 300 areas, 1 or 2
//! of the 8 themes, 3 kinds, years 2010 to 2025. Backends: `FAIRER_BENCH_BACKENDS` (`sqlite`,
//! `postgres`; both by default); PostgreSQL at `FAIRER_BENCH_POSTGRES_URL`, else a throwaway
//! server from Debian's binaries (fsync off), as the tests start. Each search runs
//! `FAIRER_BENCH_RUNS` times (default 50); printed: its matches and the median, 95th
//! percentile and slowest wall time of one search (a page of 20 and the count of all).

use std::time::{Duration, Instant};

use store::{Actor, PublicationFields, PublicationQuery, Store, THEMES};

/// Words of the domain, spread through the text at the common end of the vocabulary.
const DOMAIN: &[&str] = &[
    "housing",
    "poverty",
    "children",
    "employment",
    "education",
    "deprivation",
    "inequality",
    "health",
    "life",
    "expectancy",
    "community",
    "council",
    "wellbeing",
    "income",
    "transport",
    "racism",
    "climate",
    "smoking",
    "obesity",
    "mortality",
    "marmot",
    "review",
    "intervention",
    "evaluation",
    "equity",
    "schools",
    "work",
    "fuel",
];

/// A deterministic pseudo-random sequence (xorshift64*).
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The vocabulary: the domain's words first, then made-up words of 4 to 9 letters.
fn vocabulary(random: &mut Random) -> Vec<String> {
    let mut words: Vec<String> = DOMAIN.iter().map(|w| w.to_string()).collect();
    while words.len() < 5000 {
        let length = 4 + random.below(6);
        let word: String = (0..length).map(|_| (b'a' + random.below(26) as u8) as char).collect();
        words.push(word);
    }
    words
}

/// `n` words, skewed to the common ones (index = V·u³).
fn text(random: &mut Random, words: &[String], n: usize) -> String {
    (0..n)
        .map(|_| words[((words.len() as f64) * random.unit().powi(3)) as usize].as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn documents(count: usize) -> Vec<PublicationFields> {
    let mut random = Random(0x9E37_79B9_7F4A_7C15);
    let words = vocabulary(&mut random);
    (0..count)
        .map(|i| {
            let places = (0..1 + random.below(3)).map(|_| format!("E06{:06}", 900_000 + random.below(300))).collect();
            let mut themes = vec![THEMES[random.below(8)].0.to_string()];
            if random.below(2) == 0 {
                themes.push(THEMES[random.below(8)].0.to_string());
            }
            themes.dedup();
            PublicationFields {
                slug: format!("publication-{i}"),
                title: text(&mut random, &words, 6),
                kind: ["report", "review", "briefing"][i % 3].to_string(),
                published_on: format!(
                    "{}-{:02}-{:02}",
                    2010 + random.below(16),
                    1 + random.below(12),
                    1 + random.below(28)
                ),
                summary: text(&mut random, &words, 40),
                body: text(&mut random, &words, 400),
                url: format!("https://example.org/library/{i}.pdf"),
                is_pdf: true,
                authors: vec![format!("Author {}", random.below(500)), format!("Author {}", random.below(500))],
                places,
                themes,
            }
        })
        .collect()
}

/// The searches timed: (what, query).
fn searches() -> Vec<(&'static str, PublicationQuery)> {
    let words = |t: &str| Some(t.to_string());
    vec![
        ("a common word", PublicationQuery { text: words("housing"), ..Default::default() }),
        ("two words", PublicationQuery { text: words("child poverty"), ..Default::default() }),
        ("three words", PublicationQuery { text: words("fuel poverty housing"), ..Default::default() }),
        (
            "a word and a place",
            PublicationQuery { text: words("health"), place: words("E06900042"), ..Default::default() },
        ),
        (
            "a word, a theme and a year",
            PublicationQuery {
                text: words("inequality"),
                theme: words("work"),
                year: Some(2020),
                ..Default::default()
            },
        ),
        ("a word, a kind", PublicationQuery { text: words("evaluation"), kind: words("review"), ..Default::default() }),
        ("no word: a theme", PublicationQuery { theme: words("early_years"), ..Default::default() }),
        (
            "no word: a place and a year",
            PublicationQuery { place: words("E06900007"), year: Some(2018), ..Default::default() },
        ),
        ("no word, no filter (the newest)", PublicationQuery::default()),
        ("a word found nowhere", PublicationQuery { text: words("zzzzzz"), ..Default::default() }),
    ]
}

async fn measure(backend: &str, store: &Store, documents: &[PublicationFields], runs: usize) {
    let start = Instant::now();
    for chunk in documents.chunks(1000) {
        store.create_publications(&Actor::Cli, chunk).await.expect("the documents");
    }
    println!("{backend}: {} documents stored in {:.1} s", documents.len(), start.elapsed().as_secs_f64());
    let mut slowest_median = Duration::ZERO;
    for (what, query) in searches() {
        let mut times = Vec::with_capacity(runs);
        let mut total = 0;
        for _ in 0..runs {
            let t = Instant::now();
            let results = store.search_publications(&query).await.expect("a search");
            times.push(t.elapsed());
            total = results.total;
        }
        times.sort();
        let median = times[times.len() / 2];
        let p95 = times[(times.len() * 95 / 100).min(times.len() - 1)];
        slowest_median = slowest_median.max(median);
        println!(
            "{backend}: {what:<34} {total:>6} matches  median {:>7.2} ms  p95 {:>7.2} ms  max {:>7.2} ms",
            ms(median),
            ms(p95),
            ms(times[times.len() - 1])
        );
    }
    let verdict = if slowest_median < Duration::from_millis(20) { "under" } else { "OVER" };
    println!("{backend}: the slowest search's median {:.2} ms: {verdict} the 20 ms target", ms(slowest_median));
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let count: usize = std::env::var("FAIRER_BENCH_DOCUMENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let runs: usize = std::env::var("FAIRER_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(50).max(1);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let start = Instant::now();
    let documents = documents(count);
    println!("generated {count} documents in {:.1} s", start.elapsed().as_secs_f64());
    let backends = std::env::var("FAIRER_BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    runtime.block_on(async {
        if backends.contains("sqlite") {
            let dir = tempfile::tempdir().expect("a temporary directory");
            let sqlite = Store::open(&dir.path().join("bench.db").display().to_string()).await.expect("SQLite");
            measure("SQLite", &sqlite, &documents, runs).await;
            sqlite.close().await;
        }
        if backends.contains("postgres") {
            let url = match std::env::var("FAIRER_BENCH_POSTGRES_URL") {
                Ok(url) => url,
                Err(_) => store::testing::postgres_database().await,
            };
            let postgres = Store::open(&url).await.expect("PostgreSQL");
            measure("PostgreSQL", &postgres, &documents, runs).await;
        }
    });
}
