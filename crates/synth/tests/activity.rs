//! `--activity`: the default files unchanged (hashes recorded from main), the same seed giving
//! the same files, `hospital_events` adding up to `nhs_activity`, the regional ethnic shares of
//! Census 2021, the gradients' signs, the unknown codes' shares, and bad settings refused.

use std::collections::BTreeMap;
use std::path::Path;

use synth::activity::{Activity, COUNT_COLUMNS, DIAGNOSES};
use synth::ethnicity::split_area;
use synth::geography::World;
use synth::model::{BANDS, START_AGES};
use synth::nhs_model::{region_shares, CODES, CODE_SHARES, G, NOT_KNOWN, NOT_STATED, RECORDED};
use synth::people::{authority_effects, People, Years};
use synth::table::{Block, Values};
use synth::{generate, world, Config, Format, Scale, Silent, SynthError};

/// FNV-1a, 64 bits (Fowler, Noll and Vo): enough to tell files apart.
fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The files of seed 21, 3 years, microdata, small world, as main wrote them before `--activity`
/// (91a9448; the Parquet files as written without column statistics, `table.rs`): CSV then Parquet.
/// The areas table and the manifest since the counties (the `utla_code` and `utla_name` columns,
/// districts coded E07): every other file is main's.
const MAIN_HASHES: [[(&str, u64); 7]; 2] = [
    [
        ("areas.csv", 0xcd8ba8b6eac7c147),
        ("population.csv", 0x8350b13eb38e2d59),
        ("births.csv", 0xb202e59980dd4ba6),
        ("deaths.csv", 0xdab0b724faf6055d),
        ("death_events.csv", 0x4b92e88e914b6d1e),
        ("outcomes.csv", 0x32087ad34e6c7895),
        ("manifest.json", 0x2fa4ab021a16c01e),
    ],
    [
        ("areas.parquet", 0x471e0d953150c37a),
        ("population.parquet", 0x9bb9c4b07b69ce2c),
        ("births.parquet", 0x4f1abab89def9dee),
        ("deaths.parquet", 0xb26c5f8497257876),
        ("death_events.parquet", 0x9bcaf37f26a2aaf0),
        ("outcomes.parquet", 0x4237554a914fac29),
        ("manifest.json", 0xcf4a0c0e086e0802),
    ],
];

fn config(dir: &Path, format: Format, activity: bool) -> Config {
    let mut c = Config::new(dir);
    c.seed = 21;
    c.years = 3;
    c.format = format;
    c.microdata = true;
    c.activity = activity;
    c
}

#[test]
fn without_activity_the_files_are_those_of_main_and_with_it_they_are_added_alongside() {
    for (format, hashes) in [Format::Csv, Format::Parquet].into_iter().zip(MAIN_HASHES) {
        let dir = tempfile::tempdir().unwrap();
        let summary = generate(&config(dir.path(), format, false), &Silent).unwrap();
        assert_eq!(summary.hospital_events, None);
        for (name, hash) in hashes {
            let got = fnv(&std::fs::read(dir.path().join(name)).unwrap());
            assert_eq!(got, hash, "{name} differs from main's: 0x{got:016x}");
        }
        // With --activity but no --events, every default table is the same bytes again.
        let with = tempfile::tempdir().unwrap();
        let summary = generate(&config(with.path(), format, true), &Silent).unwrap();
        for (name, hash) in &hashes[..6] {
            assert_eq!(fnv(&std::fs::read(with.path().join(name)).unwrap()), *hash, "{name} changed with --activity");
        }
        let tables: Vec<&str> = summary.files.iter().map(|f| f.table).collect();
        assert_eq!(
            tables,
            [
                "areas",
                "population",
                "births",
                "deaths",
                "death_events",
                "outcomes",
                "nhs_activity",
                "hospital_events",
                "manifest"
            ]
        );
        let manifest = std::fs::read_to_string(with.path().join("manifest.json")).unwrap();
        assert!(
            manifest.contains("\"activity\"")
                && manifest.contains("TS021")
                && manifest.contains("\"provisional\": true")
        );
    }
}

/// A small world, its populations and its activity over `years` years.
fn small(seed: u64, years: usize) -> (World, People, Activity) {
    let world = world::build(Scale::Small, seed);
    let years = Years { first: 2025 - years as i32, count: years };
    let authorities = authority_effects(&world, seed, years);
    let people = People::draw(&world, seed, years, &authorities);
    let activity = Activity::new(&world, &people, seed);
    (world, people, activity)
}

/// The `nhs_activity` block of every area of a world.
fn blocks(world: &World, people: &People, activity: &Activity, seed: u64) -> Vec<Block> {
    let code =
        synth::table::Kind::Coded(std::sync::Arc::new(world.small_areas.iter().map(|a| a.code.clone()).collect()));
    let (schema, _) = Activity::schemas(&code);
    (0..world.small_areas.len())
        .map(|i| {
            let mut b = Block::new(&schema, 0);
            activity.block(world, people, seed, i, &mut b, None);
            b
        })
        .collect()
}

fn coded(b: &Block, k: usize) -> &[u32] {
    match &b.columns[k] {
        Values::Coded(v) => v,
        other => panic!("column {k} is {other:?}"),
    }
}

fn count<'a>(b: &'a Block, name: &str) -> &'a [i64] {
    let k = 6 + COUNT_COLUMNS.iter().position(|c| *c == name).unwrap_or_else(|| panic!("no column {name}"));
    match &b.columns[k] {
        Values::Int64(v) => v,
        other => panic!("{name} is {other:?}"),
    }
}

#[test]
fn the_same_seed_gives_the_same_activity_and_hospital_events_add_up_to_it() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut c = config(a.path(), Format::Csv, true);
    c.years = 2;
    c.events = Some(150_000);
    let summary = generate(&c, &Silent).unwrap();
    c.out_dir = b.path().to_path_buf();
    generate(&c, &Silent).unwrap();
    for f in &summary.files {
        let name = f.path.file_name().unwrap();
        assert!(std::fs::read(a.path().join(name)).unwrap() == std::fs::read(b.path().join(name)).unwrap(), "{name:?}");
    }
    // --events counts hospital events with --activity: the number asked for within 1% (the
    // populations, scaled ×0.03, are rounded at random so that their expectation is kept).
    let events = summary.hospital_events.unwrap();
    assert!((events as f64 - 150_000.0).abs() < 1_500.0, "{events} hospital events");
    assert!(summary.population_scale < 0.1, "{}", summary.population_scale);

    // The events, counted by area, year, sex, band, recorded group and column.
    let text = std::fs::read_to_string(a.path().join("hospital_events.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("lsoa_code,year,sex,age,ethnic_group,activity,diagnosis"));
    let group_of = |code: &str| {
        let k = CODES.iter().position(|c| *c == code).unwrap_or_else(|| panic!("code {code}"));
        CODE_SHARES.iter().position(|s| s.iter().any(|&(c, _)| c == k)).map(|g| RECORDED[g]).unwrap()
    };
    let mut counted = BTreeMap::<(String, String, String, u32, &str, &str), i64>::new();
    let mut rows = 0u64;
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        let age: u32 = f[3].parse().unwrap();
        let start = *START_AGES.iter().rev().find(|&&s| s <= age).unwrap();
        let column = match (f[5], f[6]) {
            ("ae", "other") => vec!["ae_attendances"],
            ("elective", "other") => vec!["elective_admissions"],
            ("emergency", "other") => vec!["emergency_admissions"],
            ("emergency", d) => {
                assert!(DIAGNOSES.contains(&d), "{d}");
                vec![
                    "emergency_admissions",
                    [
                        "emergency_mi",
                        "emergency_stroke",
                        "emergency_asthma",
                        "emergency_epilepsy",
                        "emergency_self_harm",
                    ][DIAGNOSES.iter().position(|x| *x == d).unwrap()],
                ]
            }
            other => panic!("{other:?}"),
        };
        for c in column {
            *counted.entry((f[0].into(), f[1].into(), f[2].into(), start, group_of(f[4]), c)).or_default() += 1;
        }
        rows += 1;
    }
    assert_eq!(rows, events);
    // The aggregate table (read with a CSV reader: group labels hold commas).
    let mut reader = csv::Reader::from_path(a.path().join("nhs_activity.csv")).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(&header[..6], ["lsoa_code", "year", "sex", "age_band", "start_age", "ethnic_group"]);
    assert_eq!(&header[6..], COUNT_COLUMNS);
    let mut expected = BTreeMap::new();
    let event_columns = [
        "ae_attendances",
        "emergency_admissions",
        "elective_admissions",
        "emergency_mi",
        "emergency_stroke",
        "emergency_asthma",
        "emergency_epilepsy",
        "emergency_self_harm",
    ];
    for record in reader.records() {
        let f = record.unwrap();
        let values: Vec<i64> = f.iter().skip(6).map(|v| v.parse().unwrap()).collect();
        assert!(values.iter().any(|&v| v > 0), "an empty row: {f:?}");
        for c in event_columns {
            let v = values[COUNT_COLUMNS.iter().position(|x| *x == c).unwrap()];
            if v > 0 {
                let group = RECORDED.iter().find(|g| **g == &f[5]).unwrap();
                expected.insert(
                    (f[0].to_string(), f[1].to_string(), f[2].to_string(), f[4].parse().unwrap(), *group, c),
                    v,
                );
            }
        }
    }
    assert_eq!(counted, expected);
}

#[test]
fn ethnic_shares_by_region_are_census_2021s() {
    // England: nine regions; each region's level is solved so that its expected share is the
    // census's, and the multinomial split of millions of people keeps each group within 1 point.
    let seed = 5;
    let world = world::build(Scale::Full, seed);
    let years = Years { first: 2024, count: 1 };
    let people = People::draw(&world, seed, years, &authority_effects(&world, seed, years));
    let ethnicity = synth::ethnicity::Ethnicity::draw(&world, &people, seed, 0);
    let mut by_region = vec![[0u64; G]; world.regions.len()];
    let mut areas_over_half = 0;
    for i in 0..world.small_areas.len() {
        let split = split_area(&ethnicity, &people, seed, i);
        let mut area = [0u64; G];
        for cell in &split {
            for g in 0..G {
                by_region[world.small_areas[i].region][g] += cell[g];
                area[g] += cell[g];
            }
        }
        areas_over_half += usize::from(area[0] * 2 < area.iter().sum::<u64>());
    }
    for (r, counts) in by_region.iter().enumerate() {
        let total: u64 = counts.iter().sum();
        let target = region_shares(&world.regions[r].name);
        for g in 0..G {
            let share = counts[g] as f64 / total as f64;
            assert!(
                (share - target[g]).abs() < 0.01,
                "{} group {g}: {share:.4} vs {:.4}",
                world.regions[r].name,
                target[g]
            );
        }
    }
    // Local concentration: some areas are mostly non-White, as in Newham or Leicester.
    assert!(areas_over_half > 500, "{areas_over_half} areas with a non-White majority");
}

/// Counts summed over a world's blocks by a key of each row.
fn totals(
    blocks: &[Block],
    key: impl Fn(&Block, usize) -> Option<usize>,
    columns: &[&str],
) -> BTreeMap<usize, Vec<i64>> {
    let mut out = BTreeMap::<usize, Vec<i64>>::new();
    for b in blocks {
        let values: Vec<&[i64]> = columns.iter().map(|c| count(b, c)).collect();
        for row in 0..b.rows() {
            if let Some(k) = key(b, row) {
                let entry = out.entry(k).or_insert_with(|| vec![0; columns.len()]);
                for (e, v) in entry.iter_mut().zip(&values) {
                    *e += v[row];
                }
            }
        }
    }
    out
}

#[test]
fn gradients_point_the_published_way_and_unknown_codes_have_their_shares() {
    let seed = 8;
    let (world, people, activity) = small(seed, 5);
    let blocks = blocks(&world, &people, &activity, seed);
    let decile = |b: &Block, row: usize| Some(world.small_areas[coded(b, 0)[row] as usize].decile as usize);
    let columns = [
        "registered_population",
        "emergency_admissions",
        "ae_attendances",
        "smi_register",
        "examined_age_5",
        "decay_age_5",
        "flu_eligible_65_plus",
        "flu_vaccinated_65_plus",
        "cancers_staged",
        "cancers_stage_1_2",
        "live_births",
        "preterm_births",
        "emergency_asthma",
        "outpatient_appointments",
        "outpatient_dna",
    ];
    let by_decile = totals(&blocks, decile, &columns);
    let ratio = |d: &[usize], num: usize, den: usize| {
        let (n, m): (i64, i64) =
            d.iter().map(|k| (by_decile[k][num], by_decile[k][den])).fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        n as f64 / m as f64
    };
    let (most, least) = ([1usize, 2], [9usize, 10]);
    // (numerator, denominator, more common where more deprived?)
    for (num, den, up) in [
        (1, 0, true),
        (2, 0, true),
        (3, 0, true),
        (5, 4, true),
        (7, 6, false),
        (9, 8, false),
        (11, 10, true),
        (12, 0, true),
        (14, 13, true),
    ] {
        let (a, b) = (ratio(&most, num, den), ratio(&least, num, den));
        assert!(
            if up { a > b } else { a < b },
            "{} / {}: most deprived {a:.5}, least {b:.5}",
            columns[num],
            columns[den]
        );
    }
    // National levels near the model's (within its ICB and ethnic effects).
    let all: Vec<usize> = (1..=10).collect();
    let emergency = ratio(&all, 1, 0);
    assert!((0.09..0.14).contains(&emergency), "emergency admissions {emergency}");
    let ae = ratio(&all, 2, 0);
    assert!((0.36..0.55).contains(&ae), "A&E {ae}");
    let flu = ratio(&all, 7, 6);
    assert!((0.65..0.85).contains(&flu), "flu {flu}");

    // Ethnic gradients: flu vaccination lower among Black than White people, asthma admissions
    // higher, on the recorded groups.
    let group = |b: &Block, row: usize| Some(coded(b, 5)[row] as usize);
    let by_group = totals(&blocks, group, &columns);
    let share = |g: usize, num: usize, den: usize| by_group[&g][num] as f64 / by_group[&g][den] as f64;
    assert!(share(2, 7, 6) < share(0, 7, 6) - 0.1, "flu Black {} White {}", share(2, 7, 6), share(0, 7, 6));
    assert!(share(2, 12, 0) > share(0, 12, 0), "asthma Black {} White {}", share(2, 12, 0), share(0, 12, 0));

    // Unknown codes: per ICB, the observed shares of "Not stated" and "Not known" against the
    // model's expectation over its areas (logit p = logit(base) + ICB effect + 0.3 x).
    let icb = |b: &Block, row: usize| Some(world.small_areas[coded(b, 0)[row] as usize].icb);
    let mut observed = BTreeMap::<usize, [f64; 3]>::new();
    for b in &blocks {
        let registered = count(b, "registered_population");
        for (row, &v) in registered.iter().enumerate() {
            let o = observed.entry(icb(b, row).unwrap()).or_default();
            let v = v as f64;
            o[0] += v;
            match coded(b, 5)[row] as usize {
                NOT_STATED => o[1] += v,
                NOT_KNOWN => o[2] += v,
                _ => {}
            }
        }
    }
    let mut expected = BTreeMap::<usize, [f64; 3]>::new();
    for i in 0..world.small_areas.len() {
        let p = activity.unknown(&world, &people, i);
        let pop: f64 = (0..activity.count)
            .flat_map(|t| (0..2).flat_map(move |s| (0..BANDS).map(move |b| (t, s, b))))
            .map(|(t, s, b)| people.population(i, activity.first + t, s, b) as f64)
            .sum();
        let e = expected.entry(world.small_areas[i].icb).or_default();
        e[0] += pop;
        e[1] += pop * p[0][0];
        e[2] += pop * p[0][1];
    }
    for (k, o) in &observed {
        let e = expected[k];
        assert!((o[0] - e[0]).abs() < 1.0, "registered {} vs population {}", o[0], e[0]);
        for u in [1, 2] {
            let (got, want) = (o[u] / o[0], e[u] / e[0]);
            assert!((got - want).abs() < 0.002, "ICB {k} unknown {u}: {got:.4} vs {want:.4}");
            // Near the stated national rates (5% and 4% for GP registration) within the ICB
            // effect's spread (sd 0.5 on the log-odds: a factor of e^±1 at two sd).
            let base = [0.05, 0.04][u - 1];
            assert!(got > base / 3.0 && got < base * 3.0, "ICB {k} unknown {u}: {got:.4}");
        }
    }
    // Sex "Not known" on 0.2% of A&E attendances.
    let sex = |b: &Block, row: usize| Some(coded(b, 2)[row] as usize);
    let by_sex = totals(&blocks, sex, &["ae_attendances", "registered_population"]);
    let unknown_sex = by_sex[&2][0] as f64 / by_sex.values().map(|v| v[0]).sum::<i64>() as f64;
    assert!((unknown_sex - 0.002).abs() < 0.0004, "{unknown_sex}");
    assert_eq!(by_sex[&2][1], 0, "no registered person has an unknown sex");
}

#[test]
fn numerators_stay_within_their_denominators() {
    let seed = 3;
    let (world, people, activity) = small(seed, 2);
    let pairs = [
        ("outpatient_dna", "outpatient_appointments"),
        ("waiting_18_weeks_plus", "waiting_list"),
        ("waiting_52_weeks_plus", "waiting_18_weeks_plus"),
        ("cancers_staged", "cancers_diagnosed"),
        ("cancers_stage_1_2", "cancers_staged"),
        ("smi_six_checks", "smi_register"),
        ("hypertension_at_target", "hypertension_register"),
        ("flu_vaccinated_65_plus", "flu_eligible_65_plus"),
        ("decay_age_5", "examined_age_5"),
        ("preterm_births", "live_births"),
        ("cyp_diabetes_hba1c_under_58", "cyp_diabetes"),
    ];
    for b in blocks(&world, &people, &activity, seed).iter().take(300) {
        for (num, den) in pairs {
            for (n, d) in count(b, num).iter().zip(count(b, den)) {
                assert!(n <= d, "{num} {n} > {den} {d}");
            }
        }
        let emergency = count(b, "emergency_admissions");
        for specific in
            ["emergency_mi", "emergency_stroke", "emergency_asthma", "emergency_epilepsy", "emergency_self_harm"]
        {
            assert!(count(b, specific).iter().zip(emergency).all(|(s, e)| s <= e));
        }
    }
}

#[test]
fn bad_settings_are_refused_with_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Config::new(dir.path());
    c.events = Some(1000);
    match generate(&c, &Silent) {
        Err(SynthError::Setting { field: "--events", message }) => assert!(message.contains("--activity"), "{message}"),
        other => panic!("{other:?}"),
    }
    c.activity = true;
    c.events = Some(0);
    assert!(matches!(generate(&c, &Silent), Err(SynthError::Setting { field: "--events", .. })));
    c.events = None;
    c.years = 0;
    assert!(matches!(generate(&c, &Silent), Err(SynthError::Setting { field: "--years", .. })));
}

#[test]
fn populations_scaled_far_down_keep_their_expected_size() {
    // --activity --events 800000 at full scale scales populations by about 0.004: rounding each
    // cell to the nearest person would leave nobody; random rounding keeps the total.
    let (_, mut people, _) = small(4, 2);
    let before: u64 = people.counts.iter().map(|&c| c as u64).sum();
    synth::activity::scale_population(&mut people, 0.004, 4);
    let after: u64 = people.counts.iter().map(|&c| c as u64).sum();
    let wanted = before as f64 * 0.004;
    assert!((after as f64 - wanted).abs() < 4.0 * wanted.sqrt(), "{after} people, {wanted:.0} expected");
}
