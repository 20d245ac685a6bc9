//! The funding table (`docs/scorecard.md` §4): what each ICB reports it spent of its health
//! inequalities allocation, by category, and the gaps the spend targets.
//!
//! One row per ICB × financial year × category, in CSV, Parquet or Excel (read through
//! [`crate::input::InputTable`]):
//!
//! ```text
//! icb_code,financial_year,category,allocation_gbp,spent_gbp,targets,note
//! E54000008,2023/24,core20plus5_clinical,4200000,1150000,cyp_asthma_admissions;hypertension_to_target,"…"
//! ```
//!
//! Checks, each an error naming the file, the row and the field (column), with what was
//! expected and found: a header missing a column ([`EngineError::MissingColumn`]); an ICB code
//! that is not an area of the scorecard's level in the geography; a category not in
//! `[scorecard.funding] categories`; a financial year not `YYYY/YY` with consecutive years; an
//! amount that is not a number, or negative (`allocation_gbp` may be empty, `spent_gbp` may
//! not); a target (`;`-separated) that is neither an indicator id of the catalogue nor a
//! clinical area id of the scorecard; two rows for one ICB, year and category (naming both
//! rows); allocations that differ between rows of one ICB and year (naming both rows).
//! Spending more than the allocation is allowed (systems add their own money): the line says so.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use super::model::{FundingLine, Scorecard, TargetedGap};
use super::spec::ScorecardSpec;
use crate::error::{EngineError, Location, Result};
use crate::input::{ColumnRequest, InputTable};

/// The funding table's columns, in the order [`read_funding`] reads them (`note` may be absent).
pub const FUNDING_COLUMNS: [&str; 7] =
    ["icb_code", "financial_year", "category", "allocation_gbp", "spent_gbp", "targets", "note"];

/// One checked row of a funding table.
#[derive(Clone, Debug, PartialEq)]
pub struct FundingRow {
    /// The ICB's code.
    pub icb_code: String,
    /// "2023/24".
    pub financial_year: String,
    /// A category of `[scorecard.funding]`.
    pub category: String,
    /// The ICB's allocation for the year, when given.
    pub allocation_gbp: Option<f64>,
    /// Spent in this category (≥ 0).
    pub spent_gbp: f64,
    /// The indicator or clinical area ids the spend targets.
    pub targets: Vec<String>,
    /// The ICB's note.
    pub note: Option<String>,
    /// The file it was read from.
    pub source_file: String,
    /// Its 1-based data row in the file.
    pub source_row: u64,
}

/// Whether `text` is a financial year `YYYY/YY` whose second year follows the first
/// ("2023/24"; "1999/00" across a century).
pub fn is_financial_year(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() != 7 || b[4] != b'/' || !b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit) {
        return false;
    }
    let (Ok(first), Ok(second)) = (text[..4].parse::<u32>(), text[5..].parse::<u32>()) else { return false };
    (first + 1) % 100 == second
}

/// Reads and checks a funding table. `icbs` are the codes of the geography's areas of the
/// scorecard's level (every ICB, with or without results).
///
/// # Errors
/// The file cannot be read, or any check of the module's list, naming file, row and field.
pub fn read_funding(path: &Path, spec: &ScorecardSpec, icbs: &BTreeSet<String>) -> Result<Vec<FundingRow>> {
    let table = InputTable::open(&path.display().to_string())?;
    let file = table.name().to_string();
    let mut texts = Vec::new();
    for name in &FUNDING_COLUMNS[..6] {
        texts.push(table.column(name, "the funding table")?);
    }
    let note = table.headers().iter().position(|h| h == "note");
    texts.extend(note);
    let mut reader = table.chunks(ColumnRequest { numbers: Vec::new(), texts })?;
    let bad = |row: u64, column: &str, expected: String, found: &str| EngineError::BadValue {
        at: Location { file: file.clone(), row: Some(row), column: Some(column.to_string()) },
        expected,
        found: found.to_string(),
    };
    let targets_known: BTreeSet<&str> =
        spec.indicators.iter().map(String::as_str).chain(spec.areas.iter().map(|a| a.id.as_str())).collect();
    let example: Vec<&str> = icbs.iter().take(3).map(String::as_str).collect();
    let mut out: Vec<FundingRow> = Vec::new();
    let mut seen: HashMap<(String, String, String), u64> = HashMap::new();
    let mut allocations: HashMap<(String, String), (Option<f64>, u64)> = HashMap::new();
    while let Some(chunk) = reader.next_chunk()? {
        for i in 0..chunk.len {
            let row = chunk.first_row + i as u64;
            let cell = |slot: usize| chunk.text(slot, i).unwrap_or("").trim();
            let icb = cell(0);
            if !icbs.contains(icb) {
                return Err(bad(
                    row,
                    "icb_code",
                    format!(
                        "the code of an area of type {} in the geography (such as {})",
                        spec.level,
                        example.join(", ")
                    ),
                    icb,
                ));
            }
            let year = cell(1);
            if !is_financial_year(year) {
                return Err(bad(
                    row,
                    "financial_year",
                    "a financial year such as 2023/24 (consecutive years)".into(),
                    year,
                ));
            }
            let category = cell(2);
            if !spec.funding_categories.iter().any(|c| c == category) {
                return Err(bad(
                    row,
                    "category",
                    format!("one of the scorecard's funding categories ({})", spec.funding_categories.join(", ")),
                    category,
                ));
            }
            let amount = |slot: usize, column: &str, optional: bool| -> Result<Option<f64>> {
                let text = cell(slot);
                if text.is_empty() && optional {
                    return Ok(None);
                }
                match text.replace(',', "").parse::<f64>() {
                    Ok(v) if v.is_finite() && v >= 0.0 => Ok(Some(v)),
                    _ => Err(bad(row, column, "an amount in pounds of zero or more".into(), text)),
                }
            };
            let allocation = amount(3, "allocation_gbp", true)?;
            let spent = amount(4, "spent_gbp", false)?.unwrap_or(0.0);
            let mut targets = Vec::new();
            for t in cell(5).split(';').map(str::trim).filter(|t| !t.is_empty()) {
                if !targets_known.contains(t) {
                    return Err(bad(
                        row,
                        "targets",
                        "indicator ids of the catalogue or clinical area ids of the scorecard, separated by \";\""
                            .into(),
                        t,
                    ));
                }
                targets.push(t.to_string());
            }
            let key = (icb.to_string(), year.to_string(), category.to_string());
            if let Some(first) = seen.insert(key, row) {
                return Err(bad(
                    row,
                    "category",
                    format!("one row per ICB, financial year and category (rows {first} and {row} are both {icb} {year} {category})"),
                    category,
                ));
            }
            match allocations.get(&(icb.to_string(), year.to_string())) {
                Some(&(Some(a), first)) if allocation.is_some_and(|b| b != a) => {
                    return Err(bad(
                        row,
                        "allocation_gbp",
                        format!("the allocation of {icb} in {year} given on row {first}: {a} (rows {first} and {row} differ)"),
                        cell(3),
                    ));
                }
                Some(&(Some(_), _)) => {}
                _ => {
                    if allocation.is_some() {
                        allocations.insert((icb.to_string(), year.to_string()), (allocation, row));
                    }
                }
            }
            let note_text = if chunk.texts.len() > 6 { cell(6) } else { "" };
            out.push(FundingRow {
                icb_code: icb.to_string(),
                financial_year: year.to_string(),
                category: category.to_string(),
                allocation_gbp: allocation,
                spent_gbp: spent,
                targets,
                note: Some(note_text.to_string()).filter(|n| !n.is_empty()),
                source_file: file.clone(),
                source_row: row,
            });
        }
    }
    Ok(out)
}

/// The codes of the areas of the scorecard's level (every ICB) in the catalogue's geography
/// table, as [`read_funding`] checks codes against: the geography is read from `source` as a
/// computation reads it.
///
/// # Errors
/// The geography table is missing or fails its checks ([`crate::compute::geography::Geography::read`]);
/// the scorecard's level is not a level of the geography.
pub fn level_codes(
    catalogue: &crate::compute::catalogue::Catalogue,
    source: &dyn crate::compute::TableSource,
    spec: &ScorecardSpec,
) -> Result<BTreeSet<String>> {
    let g = &catalogue.geography;
    let part = source
        .parts(&g.table, None)?
        .into_iter()
        .next()
        .ok_or_else(|| EngineError::Usage(format!("table \"{}\" has no file", g.table)))?;
    let geography = crate::compute::geography::Geography::read(part.open()?, g, &[], &[], &catalogue.file)?;
    let level = geography.levels.iter().find(|l| l.area_type == spec.level).ok_or_else(|| {
        EngineError::Usage(format!("the geography has no level \"{}\" (the scorecard's level)", spec.level))
    })?;
    Ok(level.codes.iter().cloned().collect())
}

/// The note of a line whose spend is above the allocation.
pub const OVER_ALLOCATION: &str = "spent more than the allocation (systems may add their own money)";

/// The funding lines of one scorecard: its ICB's rows, by financial year then the spec's
/// category order; each with the year's allocation (from any row of the ICB and year), the
/// share of it spent in the category (spent ÷ allocation), and each target's Core20 gap and
/// narrowing verdict from the scorecard (a clinical area target stands for each of its
/// indicators; an indicator not on the scorecard has no gap and the verdict "not on the
/// scorecard").
pub fn funding_lines(rows: &[FundingRow], card: &Scorecard, spec: &ScorecardSpec) -> Vec<FundingLine> {
    let mine: Vec<&FundingRow> = rows.iter().filter(|r| r.icb_code == card.icb_code).collect();
    let mut allocation: BTreeMap<&str, f64> = BTreeMap::new();
    for r in &mine {
        if let Some(a) = r.allocation_gbp {
            allocation.entry(r.financial_year.as_str()).or_insert(a);
        }
    }
    let order = |c: &str| spec.funding_categories.iter().position(|x| x == c).unwrap_or(usize::MAX);
    let mut sorted = mine.clone();
    sorted.sort_by(|a, b| (&a.financial_year, order(&a.category)).cmp(&(&b.financial_year, order(&b.category))));
    let cards: Vec<&super::model::IndicatorCard> = card.indicators().collect();
    sorted
        .into_iter()
        .map(|r| {
            let alloc = allocation.get(r.financial_year.as_str()).copied();
            let share = alloc.filter(|&a| a > 0.0).map(|a| r.spent_gbp / a);
            let mut ids: Vec<String> = Vec::new();
            for t in &r.targets {
                match spec.areas.iter().find(|a| &a.id == t) {
                    Some(area) => ids.extend(area.indicators.iter().cloned()),
                    None => ids.push(t.clone()),
                }
            }
            let targets = ids
                .into_iter()
                .map(|id| match cards.iter().find(|c| c.id == id) {
                    Some(c) => TargetedGap { indicator: id, gap: c.gap, verdict: c.narrowing.verdict.clone() },
                    None => TargetedGap { indicator: id, gap: None, verdict: "not on the scorecard".into() },
                })
                .collect();
            let mut note = r.note.clone();
            if alloc.is_some_and(|a| r.spent_gbp > a) {
                note = Some(match note {
                    Some(n) => format!("{n} ({OVER_ALLOCATION})"),
                    None => OVER_ALLOCATION.to_string(),
                });
            }
            FundingLine {
                financial_year: r.financial_year.clone(),
                category: r.category.clone(),
                allocation_gbp: alloc,
                spent_gbp: r.spent_gbp,
                share_of_allocation: share,
                targets,
                note,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compute::catalogue::Catalogue;
    use crate::scorecard::model::{IndicatorCard, Limits, Narrowing};
    use crate::scorecard::spec::tests::CATALOGUE;

    const GOOD: &str = "icb_code,financial_year,category,allocation_gbp,spent_gbp,targets,note\n\
E54000008,2023/24,prevention,4200000,1150000,a;system,\"smoking, asthma\"\n\
E54000008,2023/24,other,4200000,5000000,,\n\
E54000010,2024/25,prevention,,250000,b,\n";

    fn spec() -> ScorecardSpec {
        ScorecardSpec::from_catalogue(&Catalogue::parse(CATALOGUE, "sc.toml").unwrap()).unwrap()
    }

    fn icbs() -> BTreeSet<String> {
        ["E54000008", "E54000010"].iter().map(|s| s.to_string()).collect()
    }

    fn read(text: &str) -> Result<Vec<FundingRow>> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("funding.csv");
        std::fs::write(&path, text).unwrap();
        read_funding(&path, &spec(), &icbs())
    }

    fn message(text: &str) -> String {
        let e = read(text).expect_err("expected an error");
        e.to_string()
    }

    #[test]
    fn reads_a_funding_table() {
        let rows = read(GOOD).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].targets, ["a", "system"]);
        assert_eq!(rows[0].note.as_deref(), Some("smoking, asthma"));
        assert_eq!((rows[0].allocation_gbp, rows[0].spent_gbp), (Some(4_200_000.0), 1_150_000.0));
        assert_eq!(rows[2].allocation_gbp, None);
        assert_eq!(rows[2].source_row, 3);
        assert!(rows[0].source_file.ends_with("funding.csv"));
        assert!(is_financial_year("1999/00") && !is_financial_year("2023/25") && !is_financial_year("2023-24"));
    }

    /// Acceptance 3: each error names the file, the row and the field.
    #[test]
    fn bad_rows_are_named() {
        let header = "icb_code,financial_year,category,allocation_gbp,spent_gbp,targets,note\n";
        let one = |line: &str| message(&format!("{header}E54000008,2023/24,prevention,100,50,a,\n{line}\n"));
        let m = one("E54999999,2023/24,prevention,100,50,a,");
        assert!(
            m.contains("funding.csv, row 2") && m.contains("column \"icb_code\"") && m.contains("E54999999"),
            "{m}"
        );
        assert!(m.contains("E54000008"), "{m}");
        let m = one("E54000008,2023/24,travel,100,50,a,");
        assert!(
            m.contains("row 2")
                && m.contains("\"category\"")
                && m.contains("travel")
                && m.contains("prevention, other"),
            "{m}"
        );
        let m = one("E54000008,2023/24,other,100,50,a;foo,");
        assert!(m.contains("row 2") && m.contains("\"targets\"") && m.contains("\"foo\""), "{m}");
        // Two rows for one ICB, year and category: both rows named.
        let m = one("E54000008,2023/24,prevention,100,70,b,");
        assert!(m.contains("row 2") && m.contains("rows 1 and 2") && m.contains("E54000008 2023/24 prevention"), "{m}");
        // Allocations that differ within an ICB-year: both rows named.
        let m = one("E54000008,2023/24,other,120,70,b,");
        assert!(m.contains("row 2") && m.contains("\"allocation_gbp\"") && m.contains("rows 1 and 2"), "{m}");
        let m = one("E54000008,2023/25,other,100,70,b,");
        assert!(m.contains("row 2") && m.contains("\"financial_year\"") && m.contains("2023/25"), "{m}");
        let m = one("E54000008,2023/24,other,100,-5,b,");
        assert!(m.contains("row 2") && m.contains("\"spent_gbp\"") && m.contains("-5"), "{m}");
        let m = one("E54000008,2023/24,other,lots,5,b,");
        assert!(m.contains("\"allocation_gbp\"") && m.contains("lots"), "{m}");
        let m = message("icb_code,financial_year,category,allocation_gbp,targets\n");
        assert!(m.contains("funding.csv") && m.contains("spent_gbp"), "{m}");
    }

    /// The ICB codes come from the geography table (two ICBs of three small areas).
    #[test]
    fn icb_codes_come_from_the_geography() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("areas.csv"),
            "lsoa,lsoa_name,decile,icb,icb_name,eng,eng_name\nA,a,1,E54000008,One,E92000001,England\n\
             B,b,5,E54000010,Two,E92000001,England\nC,c,9,E54000010,Two,E92000001,England\n",
        )
        .unwrap();
        let catalogue = Catalogue::parse(CATALOGUE, "sc.toml").unwrap();
        let codes = level_codes(&catalogue, &crate::compute::DataDirectory::new(dir.path()), &spec()).unwrap();
        assert_eq!(codes, icbs());
    }

    fn indicator(id: &str, gap: f64, verdict: &str) -> IndicatorCard {
        IndicatorCard {
            id: id.into(),
            name: id.into(),
            polarity: "lower is better".into(),
            period: "2024/25".into(),
            latest: Default::default(),
            england: None,
            rank: None,
            core20: Default::default(),
            rest: Default::default(),
            gap: Some(Limits { value: gap, lower: gap - 1.0, upper: gap + 1.0 }),
            gap_rank: None,
            narrowing: Narrowing { verdict: verdict.into(), slope: None, periods: 3 },
            sii: None,
            breakdowns: vec![],
            completeness: vec![],
        }
    }

    /// E54000008 2023/24: allocation 4.2 M; prevention spent 1.15 M (share 0.27381) targeting
    /// `a` and the area `system` (its indicators b and c); other spent 5 M: above the
    /// allocation, noted.
    #[test]
    fn lines_set_the_spend_beside_the_gaps() {
        let rows = read(GOOD).unwrap();
        let card = Scorecard {
            icb_code: "E54000008".into(),
            icb_name: "x".into(),
            release: String::new(),
            periods: vec![],
            areas: vec![
                super::super::model::AreaCard {
                    id: "maternity".into(),
                    name: "Maternity".into(),
                    indicators: vec![indicator("a", 4.0, "narrowing")],
                },
                super::super::model::AreaCard {
                    id: "system".into(),
                    name: "System".into(),
                    indicators: vec![indicator("b", -2.0, "widening")],
                },
            ],
            completeness: vec![],
            cyp: None,
            funding: vec![],
            commitments: vec![],
            readiness: None,
            notes: vec![],
        };
        let mut spec = spec();
        // The card lists b only; the spec's system area is b and c.
        assert_eq!(spec.areas[1].indicators, ["b", "c"]);
        let lines = funding_lines(&rows, &card, &spec);
        assert_eq!(lines.len(), 2);
        // Category order of the spec: prevention, then other.
        assert_eq!((lines[0].category.as_str(), lines[1].category.as_str()), ("prevention", "other"));
        assert!((lines[0].share_of_allocation.unwrap() - 1_150_000.0 / 4_200_000.0).abs() < 1e-15);
        let t: Vec<(&str, Option<f64>, &str)> = lines[0]
            .targets
            .iter()
            .map(|t| (t.indicator.as_str(), t.gap.map(|g| g.value), t.verdict.as_str()))
            .collect();
        assert_eq!(
            t,
            [("a", Some(4.0), "narrowing"), ("b", Some(-2.0), "widening"), ("c", None, "not on the scorecard")]
        );
        assert_eq!(lines[1].note.as_deref(), Some(OVER_ALLOCATION));
        assert_eq!(lines[1].allocation_gbp, Some(4_200_000.0));
        spec.funding_categories.reverse();
        assert_eq!(funding_lines(&rows, &card, &spec)[0].category, "other");
    }
}
