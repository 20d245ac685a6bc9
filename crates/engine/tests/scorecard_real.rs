//! Acceptance 2 of issue 14 on the real ICB geography: the scorecard of every real ICB.
//!
//! The synthetic England is generated with NHS activity on the real areas (`fairer generate
//! --lookup` with ONS's LSOA (2021) → sub-ICB location → ICB (2024), LSOA → ward → local authority
//! (2024) and local authority → region (2024) lookups, and MHCLG's IMD 2025 by LSOA, from the
//! shared public data in `../shared/data` beside the repository), the Marmot and ICB scorecard
//! catalogues are computed together and every ICB's scorecard assembled. The real hierarchy is
//! not nested (13 authorities split between ICBs, 5 ICBs across two regions) and some Core20
//! cells are small (0.8% of one ICB's LSOAs are in the most deprived 20% nationally).
//!
//! The test checks that the scorecards are those of the 42 real ICBs (E54… codes, names as in
//! the lookup), their structure, and sampled cells against the proportion and crude rate
//! methods on counts summed from the Parquet files, as `tests/scorecard_england.rs` does on the
//! synthetic geography (the same helpers, `tests/common`). Without the shared data it says it
//! skipped; with `FAIRER_SMALL_TESTS` set too (one real region cuts the ICBs that cross its
//! border down to a few small areas, too few for the checks). The test prints its time and
//! peak memory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod common;

/// A file of the real public data in `../shared/data`, or `None` (and a note) when it is absent.
fn shared(name: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(name);
    if p.is_file() {
        Some(p)
    } else {
        eprintln!("skipped: {} is not present", p.display());
        None
    }
}

#[test]
fn every_real_icb_has_a_scorecard_and_sampled_cells_equal_the_methods_on_summed_counts() {
    let (Some(wards), Some(icb_lookup), Some(regions), Some(imd)) = (
        shared("geography/lookup_lsoa21_ward24_ltla24.csv"),
        shared("geography/lookup_lsoa21_icb24.csv"),
        shared("geography/lookup_ltla24_region24.csv"),
        shared("deprivation/imd2025_england_lsoa21.csv"),
    ) else {
        println!("skipped: the real lookups are not in ../shared/data");
        return;
    };
    if std::env::var("FAIRER_SMALL_TESTS").is_ok() {
        println!("skipped: FAIRER_SMALL_TESTS is set (the real ICBs need the whole of England)");
        return;
    }
    let mut config = synth::Config::new("unused");
    config.lookups = vec![wards, icb_lookup.clone(), regions];
    config.imd = Some(imd);
    // Enough hospital events that the smallest real ICB's rarest count (heart attacks at 40+)
    // reaches the 10 events a DSR needs.
    config.scale = synth::Scale::Full;
    config.events = Some(20_000_000);
    let run = common::run(config, "real ICBs");

    // The real ICBs, with the lookup's names.
    let (lookup, _) =
        common::read(&icb_lookup, &["lsoa21_code", "icb24_code", "icb24_name"], &[], |t, _| t[0].starts_with("E01"));
    let names: BTreeMap<&str, &str> =
        lookup[1].iter().map(String::as_str).zip(lookup[2].iter().map(String::as_str)).collect();
    assert_eq!(names.len(), 42);
    assert_eq!(run.icbs, names.keys().map(|c| c.to_string()).collect::<Vec<_>>());
    for card in &run.cards {
        assert!(card.icb_code.starts_with("E54"), "{}", card.icb_code);
        assert_eq!(card.icb_name, names[card.icb_code.as_str()]);
    }
    common::check_structure(&run);

    // Sampled cells: the first and last ICB by code, and the ICBs with the smallest and largest
    // shares of small areas in Core20 (the smallest Core20 cells).
    let (areas, deciles) =
        common::read(&run.dir.path().join("areas.parquet"), &["icb_code"], &["imd_decile"], |_, _| true);
    let mut share: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    for (icb, d) in areas[0].iter().zip(&deciles[0]) {
        let s = share.entry(icb.as_str()).or_default();
        s.0 += f64::from(u8::from(*d <= 2.0));
        s.1 += 1.0;
    }
    let by_share = |a: &&str, b: &&str| (share[a].0 / share[a].1).total_cmp(&(share[b].0 / share[b].1));
    let least = share.keys().copied().min_by(by_share).unwrap();
    let most = share.keys().copied().max_by(by_share).unwrap();
    println!(
        "Core20 share of small areas: {least} {:.1}%, {most} {:.1}%",
        100.0 * share[least].0 / share[least].1,
        100.0 * share[most].0 / share[most].1
    );
    let mut sample = vec![run.icbs[0].as_str(), run.icbs[run.icbs.len() - 1].as_str(), least, most];
    sample.sort_unstable();
    sample.dedup();
    common::check_sampled_cells(&run, &sample);
}
