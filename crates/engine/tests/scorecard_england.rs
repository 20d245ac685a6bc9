//! Acceptance 2 of issue 14: the scorecard of every ICB of the synthetic England.
//!
//! The synthetic England is generated with NHS activity into a temporary directory, the Marmot
//! and ICB scorecard catalogues are computed together ([`engine::scorecard::icb_catalogue`])
//! and every ICB's scorecard assembled. The test checks the structure (every clinical area and
//! indicator, five financial years, every breakdown type, completeness within 0 … 1, the
//! children and young people's tool) and, for a sample of (ICB, indicator, slot) cells, that
//! the value, count, denominator and 95% limits are those of the proportion and crude rate
//! methods ([`stats::proportion::proportion`], [`stats::rate::crude_rate`], the methods of
//! `fairer calc`) on counts summed here from the generated Parquet files and the areas table.
//!
//! By default the full England (42 ICBs, `--scale full --events 20000000`: enough hospital events
//! that every ICB's rarest count reaches the 10 a DSR needs); with `FAIRER_SMALL_TESTS` set, the
//! small world (3 ICBs, `--events 2000000`). The test prints its time and peak memory. The same
//! checks on the real ICB geography: `tests/scorecard_real.rs` (the helpers in `tests/common`).

mod common;

#[test]
fn every_icb_has_a_scorecard_and_sampled_cells_equal_the_methods_on_summed_counts() {
    let full = std::env::var("FAIRER_SMALL_TESTS").is_err();
    let mut config = synth::Config::new("unused");
    if full {
        // Enough events that the smallest ICB's rarest count (heart attacks at 40+) reaches the
        // 10 events a DSR needs.
        config.scale = synth::Scale::Full;
        config.events = Some(20_000_000);
    } else {
        config.events = Some(2_000_000);
    }
    let run = common::run(config, if full { "England (full)" } else { "England (small)" });
    assert_eq!(run.icbs.len(), if full { 42 } else { 3 });
    common::check_structure(&run);
    let icbs: Vec<&str> = run.icbs.iter().map(String::as_str).collect();
    common::check_sampled_cells(&run, &[icbs[0], icbs[icbs.len() - 1]]);
}
