//! Breakdowns by deprivation quintile, Core20, ethnicity and age band, and their completeness,
//! on a hand-made world whose sums are worked in the comments.
//!
//! Six small areas in two ICBs of England, with national IMD deciles:
//!
//! | LSOA | ICB | decile | quintile | Core20 |
//! | --- | --- | --- | --- | --- |
//! | A | I1 | 1 | 1 | yes |
//! | B | I1 | 2 | 1 | yes |
//! | C | I1 | 5 | 3 | no |
//! | D | I2 | 3 | 2 | no |
//! | E | I2 | 9 | 5 | no |
//! | F | I2 | 10 | 5 | no |
//!
//! One year (2024) of a proportion x / n, one row per line below (ethnic group as NHS code or
//! label; one sex "Not known", counted with Persons only):
//!
//! | LSOA | sex | start age | ethnic group | x | n |
//! | --- | --- | --- | --- | --- | --- |
//! | A | Female | 0 | A (White) | 20 | 100 |
//! | A | Male | 20 | H (Asian) | 5 | 50 |
//! | B | Female | 40 | A (White) | 6 | 40 |
//! | B | Not known | 65 | Z (Not stated) | 2 | 10 |
//! | C | Male | 80 | 99 (Not known) | 1 | 10 |
//! | C | Female | 20 | "Asian" (label) | 6 | 40 |
//! | D | Female | 0 | M (Black) | 4 | 40 |
//! | E | Male | 40 | A (White) | 3 | 60 |
//! | F | Female | 65 | A (White) | 9 | 100 |

use std::path::Path;

use super::breakdowns::{completeness, CORE20, CORE20_REST, CORE20_TYPE, UNSTATED_NOTE};
use super::catalogue::{Catalogue, DeprivationBreakdown, STARTER_CATALOGUE};
use super::cells::LEVELS;
use super::results::ResultRow;
use super::tests::write;
use super::*;
use crate::error::EngineError;

const CATALOGUE: &str = r#"
[catalogue]
name = "breakdowns"

[geography]
table = "areas"
small_area = { type = "LSOA", code = "lsoa", name = "lsoa_name" }
deprivation_decile = "decile"
level = [
  { type = "ICB", code = "icb", name = "icb_name" },
  { type = "England", code = "eng", name = "eng_name" },
]

[tables.activity]
area = "lsoa"
sex = "sex"
start_age = "start_age"
sex_unknown = "allowed"
categories = { ethnicity = "ethnic_group" }

[[category_type]]
id = "ethnicity"
name = "Ethnic group (Census 2021 high-level)"
column = "ethnic_group"
published_types = ["Ethnic groups (w unknown)"]
category = [
  { label = "Asian, Asian British or Asian Welsh", codes = ["H","J","K","L"], aliases = ["Asian / Asian British inc Chinese", "Asian"] },
  { label = "Black, Black British, Black Welsh, Caribbean or African", codes = ["M","N","P"], aliases = ["Black / African / Caribbean / Black British", "Black"] },
  { label = "Mixed or Multiple ethnic groups", codes = ["D","E","F","G"], aliases = ["Mixed / Multiple ethnic groups", "Mixed"] },
  { label = "White", codes = ["A","B","C"] },
  { label = "Other ethnic group", codes = ["R","S"], aliases = ["Any other ethnic group"] },
  { label = "Not stated", codes = ["Z"], stated = false },
  { label = "Not known", codes = ["99", "X", ""], stated = false, aliases = ["Not known/Not stated"] },
]

[[category_type]]
id = "age_band"
name = "Age band"
age_bands = [[0, 19], [20, 39], [40, 64], [65, 79], [80]]

[[indicator]]
id = "p"
name = "A proportion"
measure = "proportion"
polarity = "lower is better"
sexes = ["Male", "Female", "Persons"]
breakdowns = ["deprivation_quintile", "core20", "ethnicity", "age_band"]
numerator = { table = "activity", value = "x" }
denominator = { table = "activity", value = "n" }
"#;

const AREAS: &str = "lsoa,lsoa_name,icb,icb_name,eng,eng_name,decile\n\
A,a,I1,One,ENG,England,1\nB,b,I1,One,ENG,England,2\nC,c,I1,One,ENG,England,5\n\
D,d,I2,Two,ENG,England,3\nE,e,I2,Two,ENG,England,9\nF,f,I2,Two,ENG,England,10\n";

const ACTIVITY: &str = "lsoa,year,sex,start_age,ethnic_group,x,n\n\
A,2024,Female,0,A,20,100\nA,2024,Male,20,H,5,50\nB,2024,Female,40,A,6,40\nB,2024,Not known,65,Z,2,10\n\
C,2024,Male,80,99,1,10\nC,2024,Female,20,Asian,6,40\nD,2024,Female,0,M,4,40\nE,2024,Male,40,A,3,60\n\
F,2024,Female,65,A,9,100\n";

fn world(dir: &Path, activity: &str) {
    write(dir, "areas.csv", AREAS);
    write(dir, "activity.csv", activity);
}

fn compute_world(dir: &Path) -> (Catalogue, Vec<ResultRow>) {
    let cat = Catalogue::parse(CATALOGUE, "breakdowns.toml").unwrap();
    let (rows, _) = compute_rows(&cat, &DataDirectory::new(dir), &ComputeOptions::default(), &NoProgress).unwrap();
    (cat, rows)
}

/// The row of an area, sex and category (`""` for the whole area).
fn row<'r>(rows: &'r [ResultRow], area: &str, sex: &str, category: &str) -> Option<&'r ResultRow> {
    rows.iter().find(|r| r.area_code == area && r.sex == sex && r.category.as_deref().unwrap_or("") == category)
}

fn totals(rows: &[ResultRow], area: &str, sex: &str, category: &str) -> (f64, f64) {
    let r = row(rows, area, sex, category).unwrap_or_else(|| panic!("no row {area} {sex} {category}"));
    (r.value.count.unwrap(), r.value.denominator.unwrap())
}

#[test]
fn quintiles_core20_ethnicity_and_age_bands_are_the_hand_sums() {
    let dir = tempfile::tempdir().unwrap();
    world(dir.path(), ACTIVITY);
    let (_, rows) = compute_world(dir.path());
    let q = |k: usize| DeprivationBreakdown { quantiles: 5, within_area: false }.category(k);
    // Whole ICB 1: x = 20 + 5 + 6 + 2 + 1 + 6 = 40, n = 100 + 50 + 40 + 10 + 10 + 40 = 250.
    assert_eq!(totals(&rows, "I1", "Persons", ""), (40.0, 250.0));
    // Sexes: Male = A's 5/50 + C's 1/10 = 6/60; Female = 20 + 6 + 6 = 32 over 100 + 40 + 40 = 180;
    // B's "Not known" sex (2/10) only in Persons.
    assert_eq!(totals(&rows, "I1", "Male", ""), (6.0, 60.0));
    assert_eq!(totals(&rows, "I1", "Female", ""), (32.0, 180.0));
    // Quintile 1 of ICB 1 = A + B: x = 20 + 5 + 6 + 2 = 33, n = 100 + 50 + 40 + 10 = 200;
    // quintile 3 = C: 1 + 6 = 7 over 10 + 40 = 50; no small area in quintiles 2, 4, 5: no rows.
    assert_eq!(totals(&rows, "I1", "Persons", &q(1)), (33.0, 200.0));
    assert_eq!(totals(&rows, "I1", "Persons", &q(3)), (7.0, 50.0));
    assert!(row(&rows, "I1", "Persons", &q(2)).is_none());
    // Core20 = deciles 1–2 only: A + B in ICB 1 (33/200), the rest C (7/50); ICB 2 has no
    // Core20 small area (deciles 3, 9, 10): only its rest, 4 + 3 + 9 = 16 over 40 + 60 + 100 = 200.
    assert_eq!(totals(&rows, "I1", "Persons", CORE20), (33.0, 200.0));
    assert_eq!(totals(&rows, "I1", "Persons", CORE20_REST), (7.0, 50.0));
    assert!(row(&rows, "I2", "Persons", CORE20).is_none());
    assert_eq!(totals(&rows, "I2", "Persons", CORE20_REST), (16.0, 200.0));
    // England: Core20 33/200, rest 7 + 16 = 23 over 50 + 200 = 250.
    assert_eq!(totals(&rows, "ENG", "Persons", CORE20), (33.0, 200.0));
    assert_eq!(totals(&rows, "ENG", "Persons", CORE20_REST), (23.0, 250.0));
    let core = row(&rows, "ENG", "Persons", CORE20).unwrap();
    assert_eq!(core.category_type.as_deref(), Some(CORE20_TYPE));
    // Wilson 95% limits of 33/200 by hand: p = 0.165, z² = 3.841459, 1 + z²/n = 1.019207;
    // centre (0.165 + 0.009604) / 1.019207 = 0.171314; half-width
    // 1.959964 × √(0.165 × 0.835 / 200 + 3.841459 / 160000) / 1.019207 = 0.051345:
    // 11.997% to 22.266%; the value 16.5%.
    let (lo, hi) = core.value.limits(stats::ConfidenceLevel::C95);
    assert_eq!(core.value.value(), Some(16.5));
    assert!((lo.unwrap() - 11.9969).abs() < 1e-3 && (hi.unwrap() - 22.2658).abs() < 1e-3, "{lo:?} {hi:?}");
    // … which is stats' Wilson interval exactly.
    let wilson = stats::proportion::proportion(33.0, 200.0, 100.0, &LEVELS).unwrap();
    assert_eq!((lo, hi), (wilson.limits[0].lower, wilson.limits[0].upper));
    // Ethnicity in ICB 1: White = A's 20/100 + B's 6/40 = 26/140; Asian = code H (5/50) and
    // the label "Asian" (6/40) = 11/90; Not stated (Z) 2/10 and Not known (99) 1/10 keep their
    // counts but no value; no Black row (no such person).
    assert_eq!(totals(&rows, "I1", "Persons", "White"), (26.0, 140.0));
    assert_eq!(totals(&rows, "I1", "Persons", "Asian, Asian British or Asian Welsh"), (11.0, 90.0));
    assert_eq!(totals(&rows, "I1", "Persons", "Not stated"), (2.0, 10.0));
    assert_eq!(totals(&rows, "I1", "Persons", "Not known"), (1.0, 10.0));
    let unknown = row(&rows, "I1", "Persons", "Not known").unwrap();
    assert_eq!(unknown.value.value(), None);
    assert_eq!(unknown.value.note.as_deref(), Some(UNSTATED_NOTE));
    assert!(row(&rows, "I1", "Persons", "Black, Black British, Black Welsh, Caribbean or African").is_none());
    assert_eq!(totals(&rows, "I2", "Persons", "Black, Black British, Black Welsh, Caribbean or African"), (4.0, 40.0));
    // White Females of ICB 1: A's 20/100 + B's 6/40 = 26/140 (all White rows of I1 are female).
    assert_eq!(totals(&rows, "I1", "Female", "White"), (26.0, 140.0));
    // Age bands of ICB 1: 0-19 = A's 20/100; 20-39 = A's 5/50 + C's 6/40 = 11/90; 40-64 = B's
    // 6/40; 65-79 = B's 2/10; 80+ = C's 1/10.
    assert_eq!(totals(&rows, "I1", "Persons", "0-19 yrs"), (20.0, 100.0));
    assert_eq!(totals(&rows, "I1", "Persons", "20-39 yrs"), (11.0, 90.0));
    assert_eq!(totals(&rows, "I1", "Persons", "40-64 yrs"), (6.0, 40.0));
    assert_eq!(totals(&rows, "I1", "Persons", "65-79 yrs"), (2.0, 10.0));
    assert_eq!(totals(&rows, "I1", "Persons", "80+ yrs"), (1.0, 10.0));
    // Each breakdown's value is the proportion of its own totals: 11/90 = 12.222…%.
    let asian = row(&rows, "I1", "Persons", "20-39 yrs").unwrap();
    assert!((asian.value.value().unwrap() - 100.0 * 11.0 / 90.0).abs() < 1e-12);
    // A breakdown is compared with its own area's whole value (16% for ICB 1: 40/250).
    assert_eq!(asian.benchmark_value, Some(16.0));
    // The inequality summary (quintiles, ICB 1 has two): not enough for an SII.
    let whole = row(&rows, "I1", "Persons", "").unwrap();
    assert!(whole.inequality.as_ref().is_some_and(|i| i.sii.is_none()));
}

#[test]
fn completeness_is_the_stated_share_of_the_whole() {
    let dir = tempfile::tempdir().unwrap();
    world(dir.path(), ACTIVITY);
    let (cat, rows) = compute_world(dir.path());
    let all = completeness(&rows, &cat);
    let find = |area: &str, sex: &str, t: &str| {
        all.iter().find(|c| c.area_code == area && c.sex == sex && c.category_type == t).unwrap()
    };
    // ICB 1, Persons: stated counts White 26 + Asian 11 = 37 of the whole 40 = 0.925;
    // denominators 140 + 90 = 230 of 250 = 0.92.
    let ethnicity = find("I1", "Persons", "Ethnic group (Census 2021 high-level)");
    assert_eq!(ethnicity.numerator, Some(37.0 / 40.0));
    assert_eq!(ethnicity.denominator, Some(230.0 / 250.0));
    // ICB 2: every row stated: 1.
    assert_eq!(find("I2", "Persons", "Ethnic group (Census 2021 high-level)").numerator, Some(1.0));
    // Sex in ICB 1: (Male 6 + Female 32) / Persons 40 = 0.95; (60 + 180) / 250 = 0.96.
    let sex = find("I1", "Persons", "Sex");
    assert_eq!(sex.numerator, Some(38.0 / 40.0));
    assert_eq!(sex.denominator, Some(240.0 / 250.0));
    // Age bands are not a classification of codes: no completeness for them.
    assert!(all.iter().all(|c| c.category_type != "Age band"));
}

#[test]
fn an_ethnic_code_outside_the_classification_names_file_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    // Row 3 of the data (after the header) holds the code Q, which no category has.
    world(dir.path(), "lsoa,year,sex,start_age,ethnic_group,x,n\nA,2024,Female,0,A,1,10\nA,2024,Male,0,B,1,10\nB,2024,Male,0,Q,1,10\n");
    let cat = Catalogue::parse(CATALOGUE, "breakdowns.toml").unwrap();
    let err = compute_rows(&cat, &DataDirectory::new(dir.path()), &ComputeOptions::default(), &NoProgress).unwrap_err();
    let EngineError::BadValue { at, expected, found } = &err else { panic!("{err}") };
    assert!(at.file.ends_with("activity.csv"), "{err}");
    assert_eq!(at.row, Some(3));
    assert_eq!(at.column.as_deref(), Some("ethnic_group"));
    assert_eq!(found, "Q");
    assert!(
        expected.contains("ethnicity") && expected.contains("H, J, K, L") && expected.contains("a label such as Asian"),
        "{expected}"
    );
    let text = err.to_string();
    assert!(text.contains("activity.csv") && text.contains("ethnic_group") && text.contains('Q'), "{text}");
    // A sex code for "unknown" is refused on a table that does not allow it.
    let strict = CATALOGUE.replace("sex_unknown = \"allowed\"\n", "");
    let cat = Catalogue::parse(&strict, "breakdowns.toml").unwrap();
    world(dir.path(), ACTIVITY);
    let err = compute_rows(&cat, &DataDirectory::new(dir.path()), &ComputeOptions::default(), &NoProgress).unwrap_err();
    assert!(err.to_string().contains("Not known"), "{err}");
}

#[test]
fn breakdown_lists_are_checked_in_the_catalogue() {
    let with = |from: &str, to: &str| CATALOGUE.replace(from, to);
    let message = |text: &str| Catalogue::parse(text, "b.toml").unwrap_err().to_string();
    let m = message(&with("\"age_band\"]\nnumerator", "\"religion\"]\nnumerator"));
    assert!(m.contains("religion") && m.contains("core20") && m.contains("ethnicity"), "{m}");
    let m = message(&with("[80]]", "[81]]"));
    assert!(m.contains("age_bands") && m.contains("band edges"), "{m}");
    let m = message(&with("measure = \"proportion\"", "measure = \"dsr\""));
    assert!(m.contains("age_band") && m.contains("age-standardised"), "{m}");
    let m = message(&with("categories = { ethnicity = \"ethnic_group\" }\n", ""));
    assert!(m.contains("no column of ethnicity") && m.contains("tables.activity"), "{m}");
    // The Marmot catalogue's one-element lists still read.
    assert!(Catalogue::starter().unwrap().indicators.iter().any(|i| i.deprivation.is_some()));
}

#[test]
fn catalogues_merge_into_one_run_and_clash_by_id_naming_both_files() {
    let dir = tempfile::tempdir().unwrap();
    world(dir.path(), ACTIVITY);
    let first = Catalogue::parse(CATALOGUE, "first.toml").unwrap();
    // A second catalogue: the same geography, table and classifications, another indicator (a
    // proportion by Core20 only).
    let second_text = CATALOGUE
        .replace("id = \"p\"", "id = \"q\"")
        .replace("\"deprivation_quintile\", \"core20\", \"ethnicity\", \"age_band\"", "\"core20\"");
    let second = Catalogue::parse(&second_text, "second.toml").unwrap();
    let merged = Catalogue::merge(&[first.clone(), second]).unwrap();
    assert_eq!(merged.indicators.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(), ["p", "q"]);
    assert_eq!(merged.category_types.len(), 2);
    assert_eq!(merged.file, "first.toml + second.toml");
    let (rows, _) =
        compute_rows(&merged, &DataDirectory::new(dir.path()), &ComputeOptions::default(), &NoProgress).unwrap();
    // q's Core20 row of England is p's: 33/200.
    let q: Vec<ResultRow> = rows.iter().filter(|r| r.indicator == "q").cloned().collect();
    assert_eq!(totals(&q, "ENG", "Persons", CORE20), (33.0, 200.0));
    assert!(q.iter().all(|r| r.category_type.is_none() || r.category_type.as_deref() == Some(CORE20_TYPE)));
    // The same id in both: an error naming both files and the id.
    let again = Catalogue::parse(CATALOGUE, "again.toml").unwrap();
    let m = Catalogue::merge(&[first.clone(), again]).unwrap_err().to_string();
    assert!(m.contains("first.toml") && m.contains("again.toml") && m.contains("indicator \"p\""), "{m}");
    // Another geography: refused.
    let other = Catalogue::parse(
        &second_text.replace("deprivation_decile = \"decile\"", "deprivation_decile = \"imd\""),
        "other.toml",
    )
    .unwrap();
    let m = Catalogue::merge(&[first, other]).unwrap_err().to_string();
    assert!(m.contains("geography") && m.contains("other.toml"), "{m}");
}

/// Computes `cat` on `dir` with counts by units and by small areas: the rows must be the same
/// bit for bit (every float printed by `{:?}`, the shortest text that reads back to the same
/// bits). Returns the units of each run's finest counts.
fn same_rows_by_units_and_small_areas(cat: &Catalogue, dir: &Path) -> (usize, usize) {
    rows_by_units_and_small_areas(cat, dir, 0.0)
}

/// As [`same_rows_by_units_and_small_areas`], every number within `relative` of the other
/// (0: the same text, bit for bit).
fn rows_by_units_and_small_areas(cat: &Catalogue, dir: &Path, relative: f64) -> (usize, usize) {
    let source = DataDirectory::new(dir);
    let options = ComputeOptions::default();
    let (by_units, units) = compute_rows_by(cat, &source, &options, &NoProgress, Grain::Units).unwrap();
    let (by_small_areas, small) = compute_rows_by(cat, &source, &options, &NoProgress, Grain::SmallAreas).unwrap();
    assert_eq!(by_units.len(), by_small_areas.len());
    assert!(!by_units.is_empty());
    let split =
        |t: &str| t.split([' ', ',', '(', ')', '{', '}', '[', ']', ':']).map(str::to_string).collect::<Vec<_>>();
    for (u, s) in by_units.iter().zip(&by_small_areas) {
        let (u, s) = (format!("{u:?}"), format!("{s:?}"));
        if relative == 0.0 {
            assert_eq!(u, s);
            continue;
        }
        let (tu, ts) = (split(&u), split(&s));
        assert_eq!(tu.len(), ts.len(), "{u}\n{s}");
        for (a, b) in tu.iter().zip(&ts) {
            match (a.parse::<f64>(), b.parse::<f64>()) {
                (Ok(x), Ok(y)) => assert!((x - y).abs() <= relative * x.abs().max(y.abs()), "{x} {y}\n{u}\n{s}"),
                _ => assert_eq!(a, b, "{u}\n{s}"),
            }
        }
    }
    (units.units, small.units)
}

/// Units give the rows that small areas give, bit for bit: on the hand world (quintiles,
/// Core20, ethnicity, age bands; with fractional counts within 1e-12), and on the small synthetic England with the starter
/// catalogue (national deciles), with deciles within each area, and with a place naming small
/// areas; units are fewer than small areas where nothing needs the small areas themselves.
#[test]
fn units_give_the_rows_of_small_areas_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    world(dir.path(), ACTIVITY);
    let cat = Catalogue::parse(CATALOGUE, "breakdowns.toml").unwrap();
    // Six small areas, each its own (ICB, decile): six units for the counts broken down by
    // quintile and Core20.
    assert_eq!(same_rows_by_units_and_small_areas(&cat, dir.path()), (6, 6));
    // Ethnicity alone needs no decile: one unit per ICB.
    let ethnicity = CATALOGUE
        .replace("\"deprivation_quintile\", \"core20\", \"ethnicity\", \"age_band\"", "\"ethnicity\", \"age_band\"");
    let cat = Catalogue::parse(&ethnicity, "breakdowns.toml").unwrap();
    assert_eq!(same_rows_by_units_and_small_areas(&cat, dir.path()), (2, 6));
    // Counts with fractions are summed in another order (by unit as read, not by small area
    // then unit), which may change a last bit: every number stays within 1e-12 of the other.
    let fractions = ACTIVITY.replace(",20,100\n", ",20.1,100.3\n").replace(",6,40\n", ",6.7,40.9\n");
    assert_ne!(fractions, ACTIVITY);
    world(dir.path(), &fractions);
    assert_eq!(rows_by_units_and_small_areas(&cat, dir.path(), 1e-12), (2, 6));

    let england = tempfile::tempdir().unwrap();
    super::tests::small_england(england.path());
    let starter = Catalogue::starter().unwrap();
    let (national, small_areas) = same_rows_by_units_and_small_areas(&starter, england.path());
    assert!(national * 4 < small_areas, "{national} units of {small_areas} small areas");
    // Deciles within each area: the within-area decile of every level tells units apart.
    let within = STARTER_CATALOGUE
        .replace("breakdowns = [\"deprivation_decile\"]", "breakdowns = [\"deprivation_decile_within_area\"]");
    let cat = Catalogue::parse(&within, "marmot.toml (within area)").unwrap();
    let (within_units, within_small_areas) = same_rows_by_units_and_small_areas(&cat, england.path());
    assert_eq!(within_small_areas, small_areas);
    assert!(within_units <= small_areas);
    // A place of one authority and three small areas of another.
    let areas = std::fs::read_to_string(england.path().join("areas.csv")).unwrap();
    let mut lines = areas.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let first_la = rows[0][col("ltla_code")];
    let other: Vec<&str> =
        rows.iter().filter(|r| r[col("ltla_code")] != first_la).take(3).map(|r| r[col("lsoa_code")]).collect();
    let place = format!(
        "\n[[place]]\ncode = \"P1\"\nname = \"A place\"\nareas = [\"{first_la}\", \"{}\"]\n",
        other.join("\", \"")
    );
    let with_place = STARTER_CATALOGUE.replace("\n[settings]\n", &format!("{place}\n[settings]\n"));
    let cat = Catalogue::parse(&with_place, "marmot.toml (a place)").unwrap();
    // Each of the three small areas leaves its unit (of the national grain) for one of its own.
    let (place_units, _) = same_rows_by_units_and_small_areas(&cat, england.path());
    assert!(place_units > national && place_units <= national + 3, "{place_units} units, {national} without the place");
}
