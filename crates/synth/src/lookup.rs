//! A world of real areas, built from ONS geography lookup files (and, optionally, the real
//! Index of Multiple Deprivation), for `fairer generate --lookup FILE … [--imd FILE]`.
//!
//! # Lookup files
//!
//! Any number of CSV files as the ONS Open Geography Portal publishes them (or copies of them):
//! LSOA → ward → local authority, LSOA → sub-ICB location → ICB, local authority → region, and
//! so on. Columns are recognised by the ONS naming pattern, case-insensitively and whatever the
//! year digits: a level prefix, optional year digits, an optional `_`, then `code`/`cd` or
//! `name`/`nm` (see [`recognise`]):
//!
//! | level | code columns | name columns |
//! | --- | --- | --- |
//! | LSOA | `lsoa21_code`, `LSOA21CD` | `lsoa21_name`, `LSOA21NM` |
//! | MSOA | `msoa21_code`, `MSOA21CD` | `msoa21_name`, `MSOA21NM` |
//! | local authority (lower tier) | `ltla24_code`, `LAD24CD` | `ltla24_name`, `LAD24NM` |
//! | ICB | `icb24_code`, `ICB24CD` | `icb24_name`, `ICB24NM` |
//! | region | `region24_code`, `RGN24CD` | `region24_name`, `RGN24NM` |
//!
//! An upper-tier authority column (`utla23_code`, `UTLA23CD`, with its name column) beside a
//! local authority code column gives each authority's upper tier (as ONS's LTLA to UTLA lookup):
//! an authority whose upper-tier code differs from its own is a district of that county; every
//! other authority, and every authority when no lookup gives the upper tier, is its own upper
//! tier (a unitary authority). Wards, sub-ICB locations and countries are recognised too (so a
//! file's description says what it holds) but not used. Other columns, such as NHS codes
//! (`icb24_code_nhs`, `ICB24CDH`) or Welsh names (`LSOA21NMW`), are ignored.
//!
//! # Joining
//!
//! Every row of every file states relations between the codes it holds: an LSOA's MSOA, local
//! authority, ICB and region, an MSOA's authority, an authority's region (and, from a file
//! without LSOAs, an authority's ICB). The files are joined on these shared codes: an LSOA's
//! authority may come from one file, its ICB from another and the authority's region from a
//! third. Only English small areas (codes E01…) are kept; rows of Welsh or Scottish areas are
//! skipped. A relation stated twice must agree: an LSOA in two authorities, an MSOA in two
//! authorities or an authority in two regions is an error naming both rows. Every kept LSOA must
//! have a name, an authority, an ICB and (through its authority) a region, each with a name.
//!
//! The real hierarchy is not a tree everywhere: 13 local authorities of 2024 are split between
//! ICBs and 5 ICBs span two regions. Each small area keeps its own real ICB; an authority's
//! [`crate::geography::Authority::icb`] and an ICB's [`crate::geography::Icb::region`] are the ones
//! holding most of their small areas.
//!
//! # MSOAs
//!
//! From MSOA columns when a lookup has them; otherwise from the LSOA name's stem, as ONS names
//! them ("Halton 001A" is in MSOA "Halton 001"), with a derived code from the reserved range
//! (E02 9xxxxx) that says it is not real (the `synthetic_columns` of the areas table then list
//! `msoa_code`).
//!
//! # Deprivation
//!
//! With an IMD file (MHCLG's English Indices of Deprivation by LSOA: an LSOA code column and the
//! IMD score, rank and decile, recognised as `IMD_score`/`IMD_rank`/`IMD_decile` or MHCLG's
//! "Index of Multiple Deprivation (IMD) Score" and so on), every small area takes its real score,
//! national rank and national decile. Without one, [`crate::world::draw_scores`] draws the
//! synthetic clustered score over the real hierarchy.
//!
//! # Scale
//!
//! [`Scale::Full`] keeps every English LSOA of the lookups; [`Scale::Small`] keeps one region:
//! Yorkshire and The Humber when the lookups have it, else the region with the lowest code.
//!
//! The result depends only on the files' contents, the scale and the seed (maps are sorted
//! before anything is numbered), so the same inputs give the same world.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::error::{Place, Result, SynthError};
use crate::geography::{Authority, County, Icb, Msoa, RealInput, Region, SmallArea, World};
use crate::world::{self, Scale};

/// A level of geography a lookup column can hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// Lower layer super output area (small area, E01).
    Lsoa,
    /// Middle layer super output area (E02).
    Msoa,
    /// Electoral ward (E05); recognised, not used.
    Ward,
    /// Lower-tier local authority (E06, E07, E08, E09).
    Ltla,
    /// Upper-tier local authority; recognised, not used.
    Utla,
    /// Sub-ICB location (E38); recognised, not used.
    SubIcb,
    /// Integrated Care Board (E54).
    Icb,
    /// Region (E12).
    Region,
    /// Country (E92); recognised, not used.
    Country,
}

/// The five levels a world is built from, in nesting order, indexed by [`Level::slot`].
const USED: [Level; 5] = [Level::Lsoa, Level::Msoa, Level::Ltla, Level::Icb, Level::Region];
const LSOA: usize = 0;
const MSOA: usize = 1;
const LTLA: usize = 2;
const ICB: usize = 3;
const REGION: usize = 4;

impl Level {
    /// What the level is called in messages and descriptions.
    pub fn label(self) -> &'static str {
        match self {
            Level::Lsoa => "LSOA",
            Level::Msoa => "MSOA",
            Level::Ward => "ward",
            Level::Ltla => "local authority",
            Level::Utla => "upper-tier local authority",
            Level::SubIcb => "sub-ICB location",
            Level::Icb => "ICB",
            Level::Region => "region",
            Level::Country => "country",
        }
    }

    /// The usual names of the level's code and name columns, for messages.
    pub fn columns(self, part: Part) -> &'static str {
        match (self, part) {
            (Level::Lsoa, Part::Code) => "lsoa21_code or LSOA21CD",
            (Level::Lsoa, Part::Name) => "lsoa21_name or LSOA21NM",
            (Level::Msoa, Part::Code) => "msoa21_code or MSOA21CD",
            (Level::Msoa, Part::Name) => "msoa21_name or MSOA21NM",
            (Level::Ltla, Part::Code) => "ltla24_code or LAD24CD",
            (Level::Ltla, Part::Name) => "ltla24_name or LAD24NM",
            (Level::Icb, Part::Code) => "icb24_code or ICB24CD",
            (Level::Icb, Part::Name) => "icb24_name or ICB24NM",
            (Level::Region, Part::Code) => "region24_code or RGN24CD",
            (Level::Region, Part::Name) => "region24_name or RGN24NM",
            (Level::Ward, Part::Code) => "ward24_code or WD24CD",
            (Level::Ward, Part::Name) => "ward24_name or WD24NM",
            (Level::Utla, Part::Code) => "utla24_code or UTLA24CD",
            (Level::Utla, Part::Name) => "utla24_name or UTLA24NM",
            (Level::SubIcb, Part::Code) => "sicbl24_code or SICBL24CD",
            (Level::SubIcb, Part::Name) => "sicbl24_name or SICBL24NM",
            (Level::Country, Part::Code) => "ctry24_code or CTRY24CD",
            (Level::Country, Part::Name) => "ctry24_name or CTRY24NM",
        }
    }

    /// The index of the level among the five a world is built from, if it is one of them.
    fn slot(self) -> Option<usize> {
        USED.iter().position(|&l| l == self)
    }
}

/// Whether a column holds codes or names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Part {
    /// GSS codes (`…_code`, `…CD`).
    Code,
    /// Names (`…_name`, `…NM`).
    Name,
}

/// A recognised lookup column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    /// The level of geography.
    pub level: Level,
    /// Codes or names.
    pub part: Part,
    /// The year of the geography from the column's digits (`lsoa21_code` → 2021), if any.
    pub year: Option<u16>,
}

/// Column name prefixes of each level, as ONS spells them (lower case).
const PREFIXES: [(&str, Level); 13] = [
    ("lsoa", Level::Lsoa),
    ("msoa", Level::Msoa),
    ("ward", Level::Ward),
    ("wd", Level::Ward),
    ("ltla", Level::Ltla),
    ("lad", Level::Ltla),
    ("utla", Level::Utla),
    ("sicbl", Level::SubIcb),
    ("icb", Level::Icb),
    ("region", Level::Region),
    ("rgn", Level::Region),
    ("ctry", Level::Country),
    ("country", Level::Country),
];

/// Recognises a lookup column by the ONS naming pattern: a level prefix (`lsoa`, `msoa`,
/// `ward`/`wd`, `ltla`/`lad`, `utla`, `sicbl`, `icb`, `region`/`rgn`, `ctry`/`country`), up to
/// four year digits, an optional underscore, and `code`/`cd` or `name`/`nm`, case-insensitively
/// (a byte-order mark and surrounding spaces are ignored). So `lsoa21_code`, `LSOA21CD`,
/// `LAD24NM`, `ltla24_name`, `icb_code` and `RGN2024CD` are recognised; `icb24_code_nhs`,
/// `ICB24CDH`, `LSOA21NMW` and `sicbl24_code_nhs` are not.
pub fn recognise(header: &str) -> Option<Column> {
    let h = header.trim().trim_start_matches('\u{feff}').trim().to_ascii_lowercase();
    for (prefix, level) in PREFIXES {
        let Some(rest) = h.strip_prefix(prefix) else { continue };
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 4 {
            continue;
        }
        let (year, rest) = rest.split_at(digits);
        let rest = rest.strip_prefix('_').unwrap_or(rest);
        let part = match rest {
            "code" | "cd" => Part::Code,
            "name" | "nm" => Part::Name,
            _ => continue,
        };
        let year = match year.len() {
            2 => year.parse::<u16>().ok().map(|y| 2000 + y),
            4 => year.parse::<u16>().ok(),
            _ => None,
        };
        return Some(Column { level, part, year });
    }
    None
}

/// Where a relation or name was first seen: file index, data row, line.
#[derive(Clone, Copy, Debug)]
struct At {
    file: usize,
    row: u64,
    line: u64,
}

/// Relations between levels read from the rows: (child slot, parent slot).
const PAIRS: [(usize, usize); 7] =
    [(LSOA, MSOA), (LSOA, LTLA), (LSOA, ICB), (LSOA, REGION), (MSOA, LTLA), (LTLA, REGION), (LTLA, ICB)];
const LSOA_MSOA: usize = 0;
const LSOA_LTLA: usize = 1;
const LSOA_ICB: usize = 2;
const LSOA_REGION: usize = 3;
const MSOA_LTLA: usize = 4;
const LTLA_REGION: usize = 5;
const LTLA_ICB: usize = 6;

/// The columns of one lookup file.
struct FileInfo {
    path: PathBuf,
    headers: Vec<String>,
    /// Column index of each used level's codes and names.
    code: [Option<usize>; 5],
    name: [Option<usize>; 5],
}

impl FileInfo {
    fn place(&self, at: Option<At>, column: Option<usize>) -> Place {
        Place {
            file: self.path.clone(),
            row: at.map(|a| a.row),
            line: at.map(|a| a.line),
            column: column.and_then(|c| self.headers.get(c)).cloned(),
        }
    }
}

/// Everything read from the lookups.
#[derive(Default)]
struct Facts {
    files: Vec<FileInfo>,
    /// Name of each code, by level slot (the first one read).
    names: [HashMap<String, String>; 5],
    /// child code → (parent code, where first stated), by pair.
    relations: [HashMap<String, (String, At)>; 7],
    /// English LSOA codes → where first seen.
    lsoas: HashMap<String, At>,
    /// Local authority code → (its upper-tier authority's code, where first stated).
    upper_tier: HashMap<String, (String, At)>,
    /// Upper-tier authority code → name (the first one read).
    upper_tier_names: HashMap<String, String>,
}

impl Facts {
    /// "file, row N (line M)" of a place already read, for messages.
    fn seen(&self, at: At) -> String {
        match self.files.get(at.file) {
            Some(f) => format!("{}, row {} (line {})", f.path.display(), at.row, at.line),
            None => format!("row {}", at.row),
        }
    }

    fn place(&self, at: At, column: Option<usize>) -> Place {
        match self.files.get(at.file) {
            Some(f) => f.place(Some(at), column),
            None => Place { file: PathBuf::new(), row: Some(at.row), line: Some(at.line), column: None },
        }
    }

    /// The files that have both levels' code columns, listed for a message.
    fn files_with(&self, a: usize, b: usize) -> bool {
        self.files.iter().any(|f| f.code[a].is_some() && f.code[b].is_some())
    }

    /// "a.csv (columns x, y), b.csv (columns …)" for a missing-column message.
    fn given(&self) -> String {
        self.files
            .iter()
            .map(|f| format!("{} (columns {})", f.path.display(), f.headers.join(", ")))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Whether `code` has the shape of a GSS code: a capital letter and eight digits.
fn gss_shaped(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 9 && b[0].is_ascii_uppercase() && b[1..].iter().all(u8::is_ascii_digit)
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// Opens a CSV file with a header row.
fn open_csv(path: &Path) -> Result<(csv::Reader<std::fs::File>, Vec<String>)> {
    let file =
        std::fs::File::open(path).map_err(|e| SynthError::input(Place::file(path), format!("cannot open: {e}")))?;
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(file);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| SynthError::input(Place::file(path), format!("cannot read the header row: {e}")))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err(SynthError::input(Place::file(path), "the file is empty: expected a header row of column names"));
    }
    Ok((reader, headers))
}

/// Reads the next record; `Ok(None)` at the end. `row` is the number of data rows read before.
fn next_record(
    reader: &mut csv::Reader<std::fs::File>,
    record: &mut csv::StringRecord,
    path: &Path,
    row: u64,
) -> Result<Option<At>> {
    match reader.read_record(record) {
        Ok(false) => Ok(None),
        Ok(true) => {
            let line = record.position().map_or(row + 2, |p| p.line());
            Ok(Some(At { file: 0, row: row + 1, line }))
        }
        Err(e) => {
            let line = e.position().map(|p| p.line());
            Err(SynthError::input(
                Place { file: path.to_path_buf(), row: Some(row + 1), line, column: None },
                format!("not a readable CSV row: {e}"),
            ))
        }
    }
}

/// A description of a lookup from its recognised columns: "ONS LSOA (2021) to ward (2024) to
/// local authority (2024) lookup".
fn describe(columns: &[Column]) -> String {
    let mut levels: BTreeMap<Level, Option<u16>> = BTreeMap::new();
    for c in columns.iter().filter(|c| c.part == Part::Code) {
        levels.entry(c.level).or_insert(c.year);
    }
    let chain: Vec<String> = levels
        .iter()
        .map(|(level, year)| match year {
            Some(y) => format!("{} ({y})", level.label()),
            None => level.label().to_string(),
        })
        .collect();
    let names = if columns.iter().any(|c| c.part == Part::Name) { ", with names" } else { "" };
    format!("ONS {} lookup{names}", chain.join(" to "))
}

/// Reads one lookup file into `facts`.
fn read_lookup(path: &Path, facts: &mut Facts) -> Result<RealInput> {
    let index = facts.files.len();
    let (mut reader, headers) = open_csv(path)?;
    let mut info = FileInfo { path: path.to_path_buf(), headers: headers.clone(), code: [None; 5], name: [None; 5] };
    let mut recognised = Vec::new();
    let mut used_columns = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let Some(column) = recognise(h) else { continue };
        recognised.push(column);
        let Some(slot) = column.level.slot() else { continue };
        let target = match column.part {
            Part::Code => &mut info.code[slot],
            Part::Name => &mut info.name[slot],
        };
        if let Some(first) = *target {
            let what = if column.part == Part::Code { "codes" } else { "names" };
            return Err(SynthError::input(
                Place::file(path).column(h.clone()),
                format!(
                    "two columns hold {} {what}: \"{}\" and \"{h}\"; expected one (remove or rename the other)",
                    column.level.label(),
                    headers[first]
                ),
            ));
        }
        *target = Some(i);
        used_columns.push(h.clone());
    }
    if info.code.iter().all(Option::is_none) {
        return Err(SynthError::input(
            Place::file(path),
            format!(
                "no column of area codes: expected ONS lookup columns named like {}, {}, {} or {}; found {}",
                Level::Lsoa.columns(Part::Code),
                Level::Ltla.columns(Part::Code),
                Level::Icb.columns(Part::Code),
                Level::Region.columns(Part::Code),
                headers.join(", ")
            ),
        ));
    }
    // Upper-tier authority columns, read beside a local authority code column.
    let utla_column = |part: Part| {
        headers.iter().position(|h| recognise(h).is_some_and(|c| c.level == Level::Utla && c.part == part))
    };
    let (utla_code, utla_name) = (utla_column(Part::Code), utla_column(Part::Name));
    if let Some(c) = utla_code.filter(|_| info.code[LTLA].is_some()) {
        used_columns.push(headers[c].clone());
        if let Some(n) = utla_name {
            used_columns.push(headers[n].clone());
        }
    }
    // The finest level of the file: rows are kept or skipped by its code.
    let key = info.code.iter().position(Option::is_some).unwrap_or(LSOA);
    let has_lsoa = info.code[LSOA].is_some();
    facts.files.push(info);
    let info = &facts.files[index];

    let mut record = csv::StringRecord::new();
    let (mut rows, mut english) = (0u64, 0u64);
    while let Some(mut at) = next_record(&mut reader, &mut record, path, rows)? {
        at.file = index;
        rows += 1;
        let cell = |column: Option<usize>| column.and_then(|c| record.get(c)).map(str::trim);
        let key_code = cell(info.code[key]).unwrap_or("");
        let english_key = if key == LSOA { key_code.starts_with("E01") } else { key_code.starts_with('E') };
        if key_code.is_empty() {
            return Err(SynthError::input(
                info.place(Some(at), info.code[key]),
                format!("no {} code: expected a code such as E01011000", USED[key].label()),
            ));
        }
        if !english_key {
            if key == LSOA && key_code.starts_with('E') {
                return Err(SynthError::input(
                    info.place(Some(at), info.code[key]),
                    format!("\"{key_code}\" is not an LSOA code: expected E01 and six digits"),
                ));
            }
            continue;
        }
        english += 1;
        let mut codes: [Option<&str>; 5] = [None; 5];
        for slot in 0..5 {
            let Some(code) = cell(info.code[slot]) else { continue };
            if !gss_shaped(code) || (slot == LSOA && !code.starts_with("E01")) {
                let expected =
                    if slot == LSOA { "E01 and six digits" } else { "a GSS code: a letter and eight digits" };
                return Err(SynthError::input(
                    info.place(Some(at), info.code[slot]),
                    format!("\"{code}\" is not a {} code: expected {expected}", USED[slot].label()),
                ));
            }
            codes[slot] = Some(code);
            if let Some(name) = cell(info.name[slot]).filter(|n| !n.is_empty()) {
                if !facts.names[slot].contains_key(code) {
                    facts.names[slot].insert(code.to_string(), name.to_string());
                }
            }
        }
        if let Some(code) = codes[LSOA] {
            facts.lsoas.entry(code.to_string()).or_insert(at);
        }
        if let (Some(la), Some(column)) = (codes[LTLA], utla_code) {
            let upper = cell(Some(column)).unwrap_or("");
            if !gss_shaped(upper) {
                return Err(SynthError::input(
                    info.place(Some(at), Some(column)),
                    format!("\"{upper}\" is not an upper-tier local authority code: expected a GSS code: a letter and eight digits"),
                ));
            }
            match facts.upper_tier.get(la) {
                None => {
                    facts.upper_tier.insert(la.to_string(), (upper.to_string(), at));
                }
                Some((first, first_at)) if first != upper => {
                    return Err(SynthError::input(
                        info.place(Some(at), Some(column)),
                        format!(
                            "local authority {la} is in upper-tier local authority {upper} here but in {first} at {}: a local authority must be in one upper-tier local authority",
                            facts.seen(*first_at)
                        ),
                    ));
                }
                Some(_) => {}
            }
            if let Some(name) = cell(utla_name).filter(|n| !n.is_empty()) {
                facts.upper_tier_names.entry(upper.to_string()).or_insert_with(|| name.to_string());
            }
        }
        for (p, &(child, parent)) in PAIRS.iter().enumerate() {
            // An authority's ICB only from a file without LSOAs (an authority to ICB lookup):
            // where LSOAs are given, authorities split between ICBs are expected.
            if p == LTLA_ICB && has_lsoa {
                continue;
            }
            let (Some(c), Some(pa)) = (codes[child], codes[parent]) else { continue };
            match facts.relations[p].get(c) {
                None => {
                    facts.relations[p].insert(c.to_string(), (pa.to_string(), at));
                }
                Some((first, first_at)) if first != pa => {
                    let hint = if p == LTLA_ICB {
                        "; give an LSOA to ICB lookup instead, which places each small area"
                    } else {
                        ""
                    };
                    return Err(SynthError::input(
                        info.place(Some(at), info.code[parent]),
                        format!(
                            "{} {c} is in {} {pa} here but in {first} at {}: a {} must be in one {}{hint}",
                            USED[child].label(),
                            USED[parent].label(),
                            facts.seen(*first_at),
                            USED[child].label(),
                            USED[parent].label()
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
    }
    Ok(RealInput {
        role: "lookup",
        file: file_name(path),
        description: describe(&recognised),
        columns: used_columns,
        rows,
        english_rows: english,
    })
}

/// One small area resolved from the lookups.
struct Resolved {
    code: String,
    name: String,
    /// A real MSOA code, or the LSOA name's stem.
    msoa: MsoaKey,
    ltla: String,
    icb: String,
    region: String,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum MsoaKey {
    /// A real MSOA code.
    Real(String),
    /// Derived: (authority code, MSOA name from the LSOA name's stem).
    Derived(String, String),
}

/// The MSOA name of an LSOA name as ONS forms them: "Halton 001A" → "Halton 001".
pub fn msoa_stem(lsoa_name: &str) -> Option<&str> {
    let name = lsoa_name.trim();
    let b = name.as_bytes();
    let n = b.len();
    let shaped =
        n >= 6 && b[n - 1].is_ascii_uppercase() && b[n - 4..n - 1].iter().all(u8::is_ascii_digit) && b[n - 5] == b' ';
    shaped.then(|| &name[..n - 1])
}

/// The name of `code` at `slot`, or an error saying which column would have given it.
fn name_of<'a>(facts: &'a Facts, slot: usize, code: &str, seen: At) -> Result<&'a str> {
    facts.names[slot].get(code).map(String::as_str).ok_or_else(|| {
        SynthError::input(
            facts.place(seen, None),
            format!(
                "no name for {} {code}: expected a column {} beside its code ({}) in one of the lookups",
                USED[slot].label(),
                USED[slot].columns(Part::Name),
                USED[slot].columns(Part::Code)
            ),
        )
    })
}

/// Joins the facts into one resolved row per English LSOA, in code order.
fn resolve(facts: &Facts) -> Result<Vec<Resolved>> {
    if facts.lsoas.is_empty() {
        return Err(SynthError::input(
            Place::file(facts.files.first().map_or_else(PathBuf::new, |f| f.path.clone())),
            format!(
                "no English LSOA (code E01…) in the lookups: expected a column {} holding them; given {}",
                Level::Lsoa.columns(Part::Code),
                facts.given()
            ),
        ));
    }
    let missing = |a: usize, b: usize, what: &str| {
        SynthError::input(
            Place::file(facts.files.first().map_or_else(PathBuf::new, |f| f.path.clone())),
            format!(
                "no lookup gives {what}: expected a file with a {} code column ({}) and a {} code column ({}); given {}",
                USED[a].label(),
                USED[a].columns(Part::Code),
                USED[b].label(),
                USED[b].columns(Part::Code),
                facts.given()
            ),
        )
    };
    if !facts.files_with(LSOA, LTLA) {
        return Err(missing(LSOA, LTLA, "the local authority of each LSOA"));
    }
    if !facts.files_with(LSOA, ICB) && !facts.files_with(LTLA, ICB) {
        return Err(missing(LSOA, ICB, "the ICB of each LSOA"));
    }
    if !facts.files_with(LTLA, REGION) && !facts.files_with(LSOA, REGION) {
        return Err(missing(LTLA, REGION, "the region of each local authority"));
    }

    let mut codes: Vec<(&String, &At)> = facts.lsoas.iter().collect();
    codes.sort_by(|a, b| a.0.cmp(b.0));
    // Regions of authorities: from an authority → region lookup, else from LSOA rows.
    let mut region_of: HashMap<&str, (&str, At)> = HashMap::new();
    for (la, (region, at)) in &facts.relations[LTLA_REGION] {
        region_of.insert(la.as_str(), (region.as_str(), *at));
    }
    let mut out = Vec::with_capacity(codes.len());
    for (code, &seen) in codes {
        let name = name_of(facts, LSOA, code, seen)?;
        let Some((ltla, la_at)) = facts.relations[LSOA_LTLA].get(code.as_str()) else {
            return Err(SynthError::input(
                facts.place(seen, None),
                format!(
                    "LSOA {code} ({name}) has no local authority: no lookup row with a {} column gives one",
                    Level::Ltla.columns(Part::Code)
                ),
            ));
        };
        let lsoa_region = facts.relations[LSOA_REGION].get(code.as_str());
        let region = match (region_of.get(ltla.as_str()), lsoa_region) {
            (Some(&(r, first)), Some((own, at))) if r != own => {
                return Err(SynthError::input(
                    facts.place(*at, facts.files.get(at.file).and_then(|f| f.code[REGION])),
                    format!(
                        "LSOA {code} is in region {own} here, but its local authority {ltla} is in region {r} at {}",
                        facts.seen(first)
                    ),
                ))
            }
            (Some(&(r, _)), _) => r,
            (None, Some((own, at))) => {
                region_of.insert(ltla.as_str(), (own.as_str(), *at));
                own.as_str()
            }
            (None, None) => {
                let la_name = facts.names[LTLA].get(ltla.as_str()).map_or(String::new(), |n| format!(" ({n})"));
                return Err(SynthError::input(
                    facts.place(*la_at, facts.files.get(la_at.file).and_then(|f| f.code[LTLA])),
                    format!(
                        "local authority {ltla}{la_name} has no region: no lookup row gives it one; expected a lookup with {} and {} columns holding it",
                        Level::Ltla.columns(Part::Code),
                        Level::Region.columns(Part::Code)
                    ),
                ));
            }
        };
        let icb = match (facts.relations[LSOA_ICB].get(code.as_str()), facts.relations[LTLA_ICB].get(ltla.as_str())) {
            (Some((icb, _)), _) | (None, Some((icb, _))) => icb.clone(),
            (None, None) => {
                return Err(SynthError::input(
                    facts.place(seen, None),
                    format!(
                        "LSOA {code} ({name}) has no ICB: no lookup row with a {} column gives one",
                        Level::Icb.columns(Part::Code)
                    ),
                ))
            }
        };
        let msoa = match facts.relations[LSOA_MSOA].get(code.as_str()) {
            Some((m, at)) => {
                if let Some((la, first)) = facts.relations[MSOA_LTLA].get(m.as_str()) {
                    if la != ltla {
                        return Err(SynthError::input(
                            facts.place(*at, None),
                            format!("LSOA {code} is in MSOA {m} and local authority {ltla}, but MSOA {m} is in local authority {la} at {}", facts.seen(*first)),
                        ));
                    }
                }
                MsoaKey::Real(m.clone())
            }
            None => {
                let stem = msoa_stem(name).ok_or_else(|| {
                    SynthError::input(
                        facts.place(seen, facts.files.get(seen.file).and_then(|f| f.name[LSOA])),
                        format!(
                            "cannot derive the MSOA of LSOA {code} from its name \"{name}\": expected a name like \"Halton 001A\", or give MSOA columns ({})",
                            Level::Msoa.columns(Part::Code)
                        ),
                    )
                })?;
                MsoaKey::Derived(ltla.clone(), stem.to_string())
            }
        };
        out.push(Resolved {
            code: code.clone(),
            name: name.to_string(),
            msoa,
            ltla: ltla.clone(),
            icb,
            region: region.to_string(),
        });
    }
    Ok(out)
}

/// Index of each distinct key in sorted order.
fn indexed<K: Ord + Clone>(keys: impl Iterator<Item = K>) -> BTreeMap<K, usize> {
    let mut map: BTreeMap<K, usize> = keys.map(|k| (k, 0)).collect();
    for (i, v) in map.values_mut().enumerate() {
        *v = i;
    }
    map
}

/// The value holding most of `counts` (ties to the lowest index), or 0.
fn majority(counts: &BTreeMap<usize, usize>) -> usize {
    counts.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))).map_or(0, |(&k, _)| k)
}

/// Builds the world of real areas from `lookups` (and real deprivation from `imd` if given) at
/// `scale`; without `imd` the clustered score is drawn with `seed`.
///
/// # Errors
/// A file that cannot be read; a missing column (no lookup relates LSOAs to authorities, ICBs or
/// regions, no names); a bad code or number; an area in two parents; an area with no parent; an
/// LSOA without IMD values. Each error names the file, and where one is concerned the row and
/// column.
pub fn build(lookups: &[PathBuf], imd: Option<&Path>, scale: Scale, seed: u64) -> Result<World> {
    let mut facts = Facts::default();
    let mut inputs = Vec::new();
    for path in lookups {
        inputs.push(read_lookup(path, &mut facts)?);
    }
    let mut resolved = resolve(&facts)?;

    if scale == Scale::Small {
        keep_the_small_region(&facts, &mut resolved);
    }

    // Number the areas of each level in code order.
    let first_seen = |code: &str| facts.lsoas.get(code).copied().unwrap_or(At { file: 0, row: 0, line: 0 });
    let region_index = indexed(resolved.iter().map(|r| r.region.clone()));
    let icb_index = indexed(resolved.iter().map(|r| r.icb.clone()));
    let la_index = indexed(resolved.iter().map(|r| r.ltla.clone()));
    let mut regions = Vec::with_capacity(region_index.len());
    for code in region_index.keys() {
        let seen = resolved.iter().find(|r| &r.region == code).map_or(first_seen(""), |r| first_seen(&r.code));
        regions.push(Region { code: code.clone(), name: name_of(&facts, REGION, code, seen)?.to_string() });
    }
    let mut icb_regions: Vec<BTreeMap<usize, usize>> = vec![BTreeMap::new(); icb_index.len()];
    let mut la_icbs: Vec<BTreeMap<usize, usize>> = vec![BTreeMap::new(); la_index.len()];
    for r in &resolved {
        let (i, l, g) = (icb_index[&r.icb], la_index[&r.ltla], region_index[&r.region]);
        *icb_regions[i].entry(g).or_default() += 1;
        *la_icbs[l].entry(i).or_default() += 1;
    }
    let mut icbs = Vec::with_capacity(icb_index.len());
    for (code, &i) in &icb_index {
        let seen = resolved.iter().find(|r| &r.icb == code).map_or(first_seen(""), |r| first_seen(&r.code));
        icbs.push(Icb {
            code: code.clone(),
            name: name_of(&facts, ICB, code, seen)?.to_string(),
            region: majority(&icb_regions[i]),
        });
    }
    let mut authorities = Vec::with_capacity(la_index.len());
    for (code, &l) in &la_index {
        let first = resolved.iter().find(|r| &r.ltla == code);
        let seen = first.map_or(first_seen(""), |r| first_seen(&r.code));
        let region = first.map_or(0, |r| region_index[&r.region]);
        authorities.push(Authority {
            code: code.clone(),
            name: name_of(&facts, LTLA, code, seen)?.to_string(),
            icb: majority(&la_icbs[l]),
            region,
            county: None,
        });
    }

    // Counties: the upper tiers that are not an authority's own code, in code order, each in the
    // region of its first district.
    let mut counties: Vec<County> = Vec::new();
    let mut county_index: BTreeMap<&str, usize> = BTreeMap::new();
    for la in &authorities {
        if let Some((upper, _)) = facts.upper_tier.get(&la.code).filter(|(u, _)| u != &la.code) {
            county_index.entry(upper.as_str()).or_insert(0);
        }
    }
    for (n, (code, index)) in county_index.iter_mut().enumerate() {
        *index = n;
        let region = authorities
            .iter()
            .find(|a| facts.upper_tier.get(&a.code).is_some_and(|(u, _)| u == code))
            .map_or(0, |a| a.region);
        let name = facts.upper_tier_names.get(*code).cloned().unwrap_or_else(|| code.to_string());
        counties.push(County { code: code.to_string(), name, region });
    }
    for la in &mut authorities {
        la.county = facts.upper_tier.get(&la.code).and_then(|(u, _)| county_index.get(u.as_str()).copied());
    }

    let (msoas, msoa_index, derived_msoa_codes) = msoas_of(&facts, &resolved, &la_index, &authorities)?;

    let small_areas: Vec<SmallArea> = resolved
        .iter()
        .map(|r| SmallArea {
            code: r.code.clone(),
            name: r.name.clone(),
            msoa: msoa_index.get(&r.msoa).copied().unwrap_or(0),
            authority: la_index[&r.ltla],
            icb: icb_index[&r.icb],
            region: region_index[&r.region],
            score: 0.0,
            rank: 0,
            decile: 0,
        })
        .collect();
    let mut world = World {
        regions,
        icbs,
        authorities,
        counties,
        msoas,
        small_areas,
        synthetic: false,
        derived_msoa_codes,
        synthetic_deprivation: true,
        ranked_out_of: resolved.len(),
        inputs,
    };
    match imd {
        Some(path) => {
            let input = read_imd(path, &mut world)?;
            world.inputs.push(input);
        }
        None => world::draw_scores(&mut world, seed),
    }
    Ok(world)
}

/// The MSOAs of the resolved small areas, ordered by authority, then name, then key (derived
/// codes, E02 9xxxxx, numbered in that order), each key's position among them, and whether any
/// code is derived.
fn msoas_of(
    facts: &Facts,
    resolved: &[Resolved],
    la_index: &BTreeMap<String, usize>,
    authorities: &[Authority],
) -> Result<(Vec<Msoa>, HashMap<MsoaKey, usize>, bool)> {
    let first_seen = |code: &str| facts.lsoas.get(code).copied().unwrap_or(At { file: 0, row: 0, line: 0 });
    // A derived MSOA whose LSOAs lie in two authorities (a 2021 MSOA cut by a later boundary
    // change: "West Northamptonshire 048" has one LSOA in Cherwell in the 2024 lookup) becomes
    // one MSOA per authority; the parts outside the authority holding most of its LSOAs are
    // named "… (part in <authority>)".
    let mut stem_authorities: BTreeMap<&str, BTreeMap<usize, usize>> = BTreeMap::new();
    for r in resolved {
        if let MsoaKey::Derived(_, stem) = &r.msoa {
            *stem_authorities.entry(stem.as_str()).or_default().entry(la_index[&r.ltla]).or_default() += 1;
        }
    }
    // MSOAs: ordered by authority, then name, then key; derived codes numbered in that order.
    let mut msoa_keys: Vec<(usize, String, MsoaKey)> = Vec::new();
    let mut msoa_la: HashMap<&MsoaKey, (usize, &str)> = HashMap::new();
    for r in resolved {
        let l = la_index[&r.ltla];
        match msoa_la.get(&r.msoa) {
            Some(&(other, lsoa)) if other != l => {
                let MsoaKey::Real(m) = &r.msoa else { continue };
                return Err(SynthError::input(
                    facts.place(first_seen(&r.code), None),
                    format!(
                        "MSOA {m} holds LSOAs of two local authorities: {lsoa} in {} and {} in {}; an MSOA must be in one local authority",
                        authorities[other].code, r.code, r.ltla
                    ),
                ));
            }
            Some(_) => {}
            None => {
                msoa_la.insert(&r.msoa, (l, &r.code));
                let name = match &r.msoa {
                    MsoaKey::Real(m) => name_of(facts, MSOA, m, first_seen(&r.code))?.to_string(),
                    MsoaKey::Derived(_, stem) => match stem_authorities.get(stem.as_str()) {
                        Some(las) if las.len() > 1 && majority(las) != l => {
                            format!("{stem} (part in {})", authorities[l].name)
                        }
                        _ => stem.clone(),
                    },
                };
                msoa_keys.push((l, name, r.msoa.clone()));
            }
        }
    }
    msoa_keys.sort();
    let mut msoa_index: HashMap<MsoaKey, usize> = HashMap::with_capacity(msoa_keys.len());
    let mut msoas = Vec::with_capacity(msoa_keys.len());
    let mut derived = 0usize;
    for (i, (l, name, key)) in msoa_keys.iter().enumerate() {
        let code = match key {
            MsoaKey::Real(code) => code.clone(),
            MsoaKey::Derived(..) => {
                derived += 1;
                format!("E02{}", 900_000 + derived)
            }
        };
        msoas.push(Msoa { code, name: name.clone(), authority: *l });
        msoa_index.insert(key.clone(), i);
    }
    Ok((msoas, msoa_index, derived > 0))
}

/// Keeps the small areas of one region: the small world's (by name) if the lookups have it,
/// else the first by code.
fn keep_the_small_region(facts: &Facts, resolved: &mut Vec<Resolved>) {
    let mut regions: Vec<&str> = resolved.iter().map(|r| r.region.as_str()).collect();
    regions.sort_unstable();
    regions.dedup();
    let wanted = world::small_region_name();
    let keep = regions
        .iter()
        .find(|code| facts.names[REGION].get(**code).is_some_and(|n| n.trim().eq_ignore_ascii_case(wanted)))
        .or(regions.first())
        .map(|c| c.to_string())
        .unwrap_or_default();
    resolved.retain(|r| r.region == keep);
}

/// The lower-case alphanumeric words of a header: "Index of Multiple Deprivation (IMD) Score"
/// → index, of, multiple, deprivation, imd, score.
fn words(header: &str) -> Vec<String> {
    header
        .to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// The one column whose words include all of `wanted`; an error if none or several.
fn imd_column(path: &Path, headers: &[String], wanted: &[&str], expected: &str) -> Result<usize> {
    let found: Vec<usize> = (0..headers.len())
        .filter(|&i| {
            let w = words(&headers[i]);
            wanted.iter().all(|x| w.iter().any(|y| y == x))
        })
        .collect();
    match found.as_slice() {
        [one] => Ok(*one),
        [] => Err(SynthError::input(
            Place::file(path),
            format!(
                "no {expected} column: expected a column named like {}; found {}",
                wanted.join("_"),
                headers.join(", ")
            ),
        )),
        [a, b, ..] => Err(SynthError::input(
            Place::file(path).column(headers[*b].clone()),
            format!("two columns could be the {expected}: \"{}\" and \"{}\"; expected one", headers[*a], headers[*b]),
        )),
    }
}

/// Reads the real IMD score, rank and decile of every small area of `world` from `path`.
fn read_imd(path: &Path, world: &mut World) -> Result<RealInput> {
    let (mut reader, headers) = open_csv(path)?;
    let lsoa_columns: Vec<usize> = (0..headers.len())
        .filter(|&i| recognise(&headers[i]).is_some_and(|c| c.level == Level::Lsoa && c.part == Part::Code))
        .collect();
    let code_column = match lsoa_columns.as_slice() {
        [one] => *one,
        [] => imd_column(path, &headers, &["lsoa", "code"], "LSOA code")?,
        [a, b, ..] => {
            return Err(SynthError::input(
                Place::file(path).column(headers[*b].clone()),
                format!("two columns hold LSOA codes: \"{}\" and \"{}\"; expected one", headers[*a], headers[*b]),
            ))
        }
    };
    let score_column = imd_column(path, &headers, &["imd", "score"], "IMD score")?;
    let rank_column = imd_column(path, &headers, &["imd", "rank"], "IMD rank")?;
    let decile_column = imd_column(path, &headers, &["imd", "decile"], "IMD decile")?;
    let year = recognise(&headers[code_column]).and_then(|c| c.year);

    let index: HashMap<String, usize> =
        world.small_areas.iter().enumerate().map(|(i, a)| (a.code.clone(), i)).collect();
    let mut seen: Vec<Option<u64>> = vec![None; world.small_areas.len()];
    let (mut rows, mut english, mut max_rank) = (0u64, 0u64, 0u64);
    let mut record = csv::StringRecord::new();
    while let Some(at) = next_record(&mut reader, &mut record, path, rows)? {
        rows += 1;
        let place = |column: usize| Place {
            file: path.to_path_buf(),
            row: Some(at.row),
            line: Some(at.line),
            column: headers.get(column).cloned(),
        };
        let cell = |column: usize| record.get(column).unwrap_or("").trim();
        let code = cell(code_column);
        if code.is_empty() {
            return Err(SynthError::input(place(code_column), "no LSOA code: expected a code such as E01011000"));
        }
        if !code.starts_with("E01") {
            continue;
        }
        english += 1;
        let score: f64 = cell(score_column).parse().ok().filter(|x: &f64| x.is_finite()).ok_or_else(|| {
            SynthError::input(
                place(score_column),
                format!("\"{}\" is not an IMD score: expected a number", cell(score_column)),
            )
        })?;
        let rank: u32 = cell(rank_column).parse().ok().filter(|&r| r >= 1).ok_or_else(|| {
            SynthError::input(
                place(rank_column),
                format!("\"{}\" is not an IMD rank: expected a whole number from 1 (most deprived)", cell(rank_column)),
            )
        })?;
        let decile: u8 = cell(decile_column).parse().ok().filter(|d| (1..=10).contains(d)).ok_or_else(|| {
            SynthError::input(
                place(decile_column),
                format!(
                    "\"{}\" is not an IMD decile: expected a whole number from 1 (most deprived) to 10",
                    cell(decile_column)
                ),
            )
        })?;
        max_rank = max_rank.max(rank as u64);
        let Some(&i) = index.get(code) else { continue };
        if let Some(first) = seen[i] {
            return Err(SynthError::input(
                place(code_column),
                format!("LSOA {code} appears twice: expected one row per LSOA (the first is row {first})"),
            ));
        }
        seen[i] = Some(at.row);
        let area = &mut world.small_areas[i];
        area.score = score;
        area.rank = rank;
        area.decile = decile;
    }
    let without: Vec<usize> = (0..seen.len()).filter(|&i| seen[i].is_none()).collect();
    if let Some(&first) = without.first() {
        let a = &world.small_areas[first];
        return Err(SynthError::input(
            Place::file(path).column(headers[code_column].clone()),
            format!(
                "{} LSOA(s) of the lookups have no row in the IMD file, the first {} ({}): expected the IMD of every LSOA (the file must be of the same LSOA year as the lookups)",
                without.len(),
                a.code,
                a.name
            ),
        ));
    }
    world.synthetic_deprivation = false;
    world.ranked_out_of = (english as usize).max(max_rank as usize).max(world.small_areas.len());
    let of = year.map_or(String::from("LSOA"), |y| format!("LSOA ({y})"));
    Ok(RealInput {
        role: "deprivation",
        file: file_name(path),
        description: format!("English Indices of Deprivation (MHCLG): Index of Multiple Deprivation score, national rank and national decile by {of}"),
        columns: [code_column, score_column, rank_column, decile_column].iter().map(|&c| headers[c].clone()).collect(),
        rows,
        english_rows: english,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    /// Three small lookups as ONS shapes them: LSOA → ward → authority (with a Welsh row), LSOA
    /// → sub-ICB → ICB, authority → region.
    fn files(dir: &Path) -> Vec<PathBuf> {
        let wards =
            "\u{feff}\"lsoa21_name\",\"lsoa21_code\",\"ward24_name\",\"ward24_code\",\"ltla24_name\",\"ltla24_code\"\n\
            \"Barnsley 001A\",\"E01007317\",\"Dodworth\",\"E05000001\",\"Barnsley\",\"E08000016\"\n\
            \"Barnsley 001B\",\"E01007318\",\"Dodworth\",\"E05000001\",\"Barnsley\",\"E08000016\"\n\
            \"Barnsley 002A\",\"E01007319\",\"Darton\",\"E05000002\",\"Barnsley\",\"E08000016\"\n\
            \"York 001A\",\"E01013350\",\"Haxby\",\"E05000003\",\"York\",\"E06000014\"\n\
            \"Halton 001A\",\"E01012392\",\"Ditton\",\"E05000004\",\"Halton\",\"E06000006\"\n\
            \"Cardiff 001A\",\"W01001700\",\"Llandaff\",\"W05000001\",\"Cardiff\",\"W06000015\"\n";
        let icbs = "LSOA21CD,LSOA21NM,SICBL24CD,ICB24CD,ICB24CDH,ICB24NM\n\
            E01007317,Barnsley 001A,E38000006,E54000061,QF7,NHS South Yorkshire Integrated Care Board\n\
            E01007318,Barnsley 001B,E38000006,E54000061,QF7,NHS South Yorkshire Integrated Care Board\n\
            E01007319,Barnsley 002A,E38000006,E54000061,QF7,NHS South Yorkshire Integrated Care Board\n\
            E01013350,York 001A,E38000188,E54000051,QOQ,NHS Humber and North Yorkshire Integrated Care Board\n\
            E01012392,Halton 001A,E38000068,E54000008,QYG,NHS Cheshire and Merseyside Integrated Care Board\n";
        let regions = "LAD24CD,LAD24NM,RGN24CD,RGN24NM\n\
            E08000016,Barnsley,E12000003,Yorkshire and The Humber\n\
            E06000014,York,E12000003,Yorkshire and The Humber\n\
            E06000006,Halton,E12000002,North West\n\
            W06000015,Cardiff,,\n";
        vec![write(dir, "wards.csv", wards), write(dir, "icbs.csv", icbs), write(dir, "regions.csv", regions)]
    }

    fn error(result: Result<World>) -> String {
        match result {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn columns_are_recognised_by_the_ons_pattern() {
        let c = |h: &str| recognise(h).map(|c| (c.level, c.part, c.year));
        assert_eq!(c("lsoa21_code"), Some((Level::Lsoa, Part::Code, Some(2021))));
        assert_eq!(c("LSOA21CD"), Some((Level::Lsoa, Part::Code, Some(2021))));
        assert_eq!(c("LSOA11NM"), Some((Level::Lsoa, Part::Name, Some(2011))));
        assert_eq!(c("\u{feff}LAD24CD "), Some((Level::Ltla, Part::Code, Some(2024))));
        assert_eq!(c("ltla24_name"), Some((Level::Ltla, Part::Name, Some(2024))));
        assert_eq!(c("lad_code"), Some((Level::Ltla, Part::Code, None)));
        assert_eq!(c("Icb24Cd"), Some((Level::Icb, Part::Code, Some(2024))));
        assert_eq!(c("region24_code"), Some((Level::Region, Part::Code, Some(2024))));
        assert_eq!(c("RGN2024NM"), Some((Level::Region, Part::Name, Some(2024))));
        assert_eq!(c("msoa21_name"), Some((Level::Msoa, Part::Name, Some(2021))));
        assert_eq!(c("WD24CD"), Some((Level::Ward, Part::Code, Some(2024))));
        assert_eq!(c("sicbl24_code"), Some((Level::SubIcb, Part::Code, Some(2024))));
        for h in [
            "icb24_code_nhs",
            "ICB24CDH",
            "LSOA21NMW",
            "sicbl24_code_nhs",
            "lsoa",
            "name",
            "IMD_score",
            "lsoa202122_code",
            "FID",
        ] {
            assert_eq!(recognise(h), None, "{h}");
        }
    }

    #[test]
    fn msoa_names_are_the_stems_of_lsoa_names() {
        assert_eq!(msoa_stem("Halton 001A"), Some("Halton 001"));
        assert_eq!(msoa_stem("Kingston upon Hull 025C"), Some("Kingston upon Hull 025"));
        assert_eq!(msoa_stem("Halton 001"), None);
        assert_eq!(msoa_stem("Halton"), None);
    }

    #[test]
    fn lookups_are_joined_on_their_codes() {
        let dir = tempfile::tempdir().unwrap();
        let w = build(&files(dir.path()), None, Scale::Full, 1).unwrap();
        assert!(!w.synthetic && w.derived_msoa_codes && w.synthetic_deprivation);
        assert_eq!(
            w.small_areas.iter().map(|a| a.code.as_str()).collect::<Vec<_>>(),
            ["E01007317", "E01007318", "E01007319", "E01012392", "E01013350"]
        );
        assert_eq!(
            w.regions.iter().map(|r| (r.code.as_str(), r.name.as_str())).collect::<Vec<_>>(),
            [("E12000002", "North West"), ("E12000003", "Yorkshire and The Humber")]
        );
        let a = &w.small_areas[0];
        assert_eq!(a.name, "Barnsley 001A");
        assert_eq!(
            (w.authorities[a.authority].code.as_str(), w.authorities[a.authority].name.as_str()),
            ("E08000016", "Barnsley")
        );
        assert_eq!(w.icbs[a.icb].name, "NHS South Yorkshire Integrated Care Board");
        assert_eq!(w.regions[a.region].name, "Yorkshire and The Humber");
        // MSOAs from the name stems, in one authority, with reserved codes.
        assert_eq!(w.msoas.len(), 4);
        let m = &w.msoas[a.msoa];
        assert_eq!(m.name, "Barnsley 001");
        assert!(m.code.starts_with("E029"), "{}", m.code);
        assert_eq!(w.small_areas[1].msoa, a.msoa);
        assert_ne!(w.small_areas[2].msoa, a.msoa);
        for s in &w.small_areas {
            assert_eq!(w.msoas[s.msoa].authority, s.authority);
            assert_eq!(w.authorities[s.authority].region, s.region);
        }
        // A synthetic score over them, ranked within the world.
        let mut ranks: Vec<u32> = w.small_areas.iter().map(|a| a.rank).collect();
        ranks.sort_unstable();
        assert_eq!(ranks, [1, 2, 3, 4, 5]);
        assert_eq!(w.synthetic_columns(), ["msoa_code", "imd_score", "imd_rank", "imd_decile"]);
        assert_eq!(w.inputs.len(), 3);
        assert_eq!(
            w.inputs[0].description,
            "ONS LSOA (2021) to ward (2024) to local authority (2024) lookup, with names"
        );
        assert_eq!((w.inputs[0].rows, w.inputs[0].english_rows), (6, 5));
        assert_eq!(
            w.inputs[1].description,
            "ONS LSOA (2021) to sub-ICB location (2024) to ICB (2024) lookup, with names"
        );
        assert_eq!(w.inputs[2].description, "ONS local authority (2024) to region (2024) lookup, with names");
    }

    #[test]
    fn an_upper_tier_lookup_groups_districts_into_counties() {
        let dir = tempfile::tempdir().unwrap();
        let mut f = files(dir.path());
        // Barnsley and Halton unitary (their own upper tier); York in a made-up county.
        let utla = "\"ltla23_code\",\"ltla23_name\",\"utla23_code\",\"utla23_name\"\n\
            \"E08000016\",\"Barnsley\",\"E08000016\",\"Barnsley\"\n\
            \"E06000014\",\"York\",\"E10000099\",\"Testshire\"\n\
            \"E06000006\",\"Halton\",\"E06000006\",\"Halton\"\n";
        f.push(write(dir.path(), "utla.csv", utla));
        let w = build(&f, None, Scale::Full, 1).unwrap();
        assert_eq!(w.counties.len(), 1);
        assert_eq!((w.counties[0].code.as_str(), w.counties[0].name.as_str()), ("E10000099", "Testshire"));
        assert_eq!(w.regions[w.counties[0].region].name, "Yorkshire and The Humber");
        let upper = |code: &str| w.upper_tier(w.authorities.iter().position(|a| a.code == code).unwrap());
        assert_eq!(upper("E06000014"), ("E10000099", "Testshire"));
        assert_eq!(upper("E08000016"), ("E08000016", "Barnsley"));
        assert_eq!(upper("E06000006"), ("E06000006", "Halton"));
        assert_eq!(w.inputs[3].columns, ["ltla23_code", "ltla23_name", "utla23_code", "utla23_name"]);
        // Without it, every authority is its own upper tier.
        let plain = build(&files(dir.path()), None, Scale::Full, 1).unwrap();
        assert!(plain.counties.is_empty() && plain.authorities.iter().all(|a| a.county.is_none()));
        // An authority in two upper tiers is refused, naming both rows.
        let twice =
            write(dir.path(), "twice.csv", "ltla23_code,utla23_code\nE06000014,E10000099\nE06000014,E10000098\n");
        let e = error(build(&[files(dir.path()), vec![twice]].concat(), None, Scale::Full, 1));
        assert!(e.contains("twice.csv") && e.contains("E10000098") && e.contains("row 1"), "{e}");
    }

    #[test]
    fn small_scale_keeps_yorkshire_and_the_same_inputs_give_the_same_world() {
        let dir = tempfile::tempdir().unwrap();
        let f = files(dir.path());
        let a = build(&f, None, Scale::Small, 3).unwrap();
        assert_eq!(a.regions.len(), 1);
        assert_eq!(a.regions[0].name, "Yorkshire and The Humber");
        assert_eq!(a.small_areas.len(), 4);
        let b = build(&f, None, Scale::Small, 3).unwrap();
        assert!(a
            .small_areas
            .iter()
            .zip(&b.small_areas)
            .all(|(x, y)| x.code == y.code && x.score == y.score && x.rank == y.rank));
        // Another order of the files gives the same world.
        let c = build(&[f[2].clone(), f[0].clone(), f[1].clone()], None, Scale::Small, 3).unwrap();
        assert!(a
            .small_areas
            .iter()
            .zip(&c.small_areas)
            .all(|(x, y)| x.code == y.code && x.score == y.score && x.msoa == y.msoa));
        // Without Yorkshire, the region with the lowest code.
        let regions = write(dir.path(), "r2.csv", "ltla24_code,region24_code,region24_name\nE08000016,E12000009,South West\nE06000014,E12000009,South West\nE06000006,E12000002,North West\n");
        let d = build(&[f[0].clone(), f[1].clone(), regions], None, Scale::Small, 3).unwrap();
        assert_eq!(d.regions[0].name, "North West");
        assert_eq!(d.small_areas.len(), 1);
    }

    #[test]
    fn real_msoa_columns_are_used_when_given() {
        let dir = tempfile::tempdir().unwrap();
        let f = files(dir.path());
        let msoas = write(
            dir.path(),
            "msoa.csv",
            "LSOA21CD,MSOA21CD,MSOA21NM\nE01007317,E02001509,Barnsley 001\nE01007318,E02001509,Barnsley 001\nE01007319,E02001510,Barnsley 002\nE01013350,E02002771,York 001\nE01012392,E02002482,Halton 001\n",
        );
        let w = build(&[f[0].clone(), f[1].clone(), f[2].clone(), msoas], None, Scale::Full, 1).unwrap();
        assert!(!w.derived_msoa_codes);
        assert_eq!(w.msoas[w.small_areas[0].msoa].code, "E02001509");
        assert_eq!(w.synthetic_columns(), ["imd_score", "imd_rank", "imd_decile"]);
    }

    #[test]
    fn real_imd_replaces_the_score() {
        let dir = tempfile::tempdir().unwrap();
        let f = files(dir.path());
        let imd = write(
            dir.path(),
            "imd.csv",
            "\"lsoa21_code\",\"IMD_decile\",\"Income_decile\",\"IMD_rank\",\"IMD_score\",\"Income_score\"\n\
             E01007317,1,1,120,60.5,0.4\nE01007318,10,10,33000,2.1,0.01\nE01007319,3,3,8000,30.25,0.2\nE01013350,7,7,22000,10.0,0.1\n\
             E01012392,2,2,5000,40.0,0.3\nE01000001,8,10,26525,8.742,0.013\n",
        );
        let w = build(&f, Some(&imd), Scale::Full, 1).unwrap();
        assert!(!w.synthetic_deprivation);
        let a = &w.small_areas[0];
        assert_eq!((a.score, a.rank, a.decile), (60.5, 120, 1));
        assert_eq!(w.ranked_out_of, 33_000);
        assert_eq!(w.synthetic_columns(), ["msoa_code"]);
        assert_eq!(w.inputs[3].role, "deprivation");
        assert_eq!(w.inputs[3].columns, ["lsoa21_code", "IMD_score", "IMD_rank", "IMD_decile"]);
        // MHCLG's own headers are recognised too.
        let mhclg = write(
            dir.path(),
            "iod.csv",
            "LSOA code (2021),LSOA name (2021),Index of Multiple Deprivation (IMD) Score,Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived),Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs),Income Score (rate)\n\
             E01007317,Barnsley 001A,60.5,120,1,0.4\nE01007318,Barnsley 001B,2.1,33000,10,0.01\nE01007319,Barnsley 002A,30.25,8000,3,0.2\nE01013350,York 001A,10.0,22000,7,0.1\nE01012392,Halton 001A,40.0,5000,2,0.3\n",
        );
        let m = build(&f, Some(&mhclg), Scale::Full, 1).unwrap();
        assert!(m.small_areas.iter().zip(&w.small_areas).all(|(x, y)| x.rank == y.rank && x.decile == y.decile));
    }

    #[test]
    fn errors_name_the_file_row_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let f = files(dir.path());
        // An LSOA in two authorities.
        let twice =
            write(dir.path(), "twice.csv", "lsoa21_code,ltla24_code\nE01007318,E08000016\nE01007317,E08000019\n");
        let e = error(build(&[f[0].clone(), twice, f[1].clone(), f[2].clone()], None, Scale::Full, 1));
        assert!(
            e.contains("twice.csv, row 2 (line 3), column \"ltla24_code\"")
                && e.contains("LSOA E01007317 is in local authority E08000019 here but in E08000016 at"),
            "{e}"
        );
        assert!(e.contains("wards.csv, row 1 (line 2)"), "{e}");
        // An authority with no region.
        let regions = write(
            dir.path(),
            "r.csv",
            "LAD24CD,RGN24CD,RGN24NM\nE08000016,E12000003,Yorkshire and The Humber\nE06000006,E12000002,North West\n",
        );
        let e = error(build(&[f[0].clone(), f[1].clone(), regions], None, Scale::Full, 1));
        assert!(
            e.contains(
                "wards.csv, row 4 (line 5), column \"ltla24_code\": local authority E06000014 (York) has no region"
            ),
            "{e}"
        );
        // A missing column: no ICB anywhere.
        let e = error(build(&[f[0].clone(), f[2].clone()], None, Scale::Full, 1));
        assert!(
            e.contains("no lookup gives the ICB of each LSOA")
                && e.contains("icb24_code or ICB24CD")
                && e.contains("wards.csv (columns lsoa21_name"),
            "{e}"
        );
        // A file with no code column at all.
        let none = write(dir.path(), "none.csv", "a,b\n1,2\n");
        let e = error(build(&[none], None, Scale::Full, 1));
        assert!(e.starts_with(&format!("{}: no column of area codes", dir.path().join("none.csv").display())), "{e}");
        // Two columns of one level.
        let two = write(dir.path(), "two.csv", "lsoa11_code,lsoa21_code,ltla24_code\nE01000001,E01000001,E09000001\n");
        let e = error(build(&[two], None, Scale::Full, 1));
        assert!(e.contains("column \"lsoa21_code\": two columns hold LSOA codes"), "{e}");
        // A bad code.
        let bad = write(dir.path(), "bad.csv", "lsoa21_code,lsoa21_name,ltla24_code\nE01000001,A 001A,E0900001\n");
        let e = error(build(&[bad], None, Scale::Full, 1));
        assert!(
            e.contains("bad.csv, row 1 (line 2), column \"ltla24_code\": \"E0900001\" is not a local authority code"),
            "{e}"
        );
        // A name missing.
        let nameless = write(dir.path(), "nameless.csv", "lsoa21_code,lsoa21_name,ltla24_code,icb24_code,icb24_name,region24_code,region24_name\nE01000001,A 001A,E09000001,E54000027,NHS North West London ICB,E12000007,London\n");
        let e = error(build(&[nameless], None, Scale::Full, 1));
        assert!(e.contains("no name for local authority E09000001: expected a column ltla24_name or LAD24NM"), "{e}");
        // An LSOA name without an MSOA stem.
        let odd = write(dir.path(), "odd.csv", "lsoa21_code,lsoa21_name,ltla24_code,ltla24_name,icb24_code,icb24_name,region24_code,region24_name\nE01000001,Somewhere,E09000001,City,E54000027,NHS X ICB,E12000007,London\n");
        let e = error(build(&[odd], None, Scale::Full, 1));
        assert!(e.contains("column \"lsoa21_name\": cannot derive the MSOA of LSOA E01000001"), "{e}");
        // A row that is not CSV (a quote left open is read to the end; a short row is refused).
        let ragged = write(dir.path(), "ragged.csv", "lsoa21_code,ltla24_code\nE01000001,E09000001\nE01000002\n");
        let e = error(build(&[ragged], None, Scale::Full, 1));
        assert!(e.contains("ragged.csv, row 2 (line 3): not a readable CSV row"), "{e}");
        // A file that does not exist.
        let e = error(build(&[dir.path().join("absent.csv")], None, Scale::Full, 1));
        assert!(e.contains("absent.csv: cannot open"), "{e}");
    }

    #[test]
    fn imd_errors_name_the_file_row_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let f = files(dir.path());
        let header = "lsoa21_code,IMD_score,IMD_rank,IMD_decile\n";
        let rows = "E01007317,60.5,120,1\nE01007318,2.1,33000,10\nE01007319,30.25,8000,3\nE01013350,10,22000,7\n";
        let short = write(dir.path(), "short.csv", &format!("{header}{rows}"));
        let e = error(build(&f, Some(&short), Scale::Full, 1));
        assert!(
            e.contains("1 LSOA(s) of the lookups have no row in the IMD file, the first E01012392 (Halton 001A)"),
            "{e}"
        );
        let bad = write(dir.path(), "bad.csv", &format!("{header}{rows}E01012392,40,5000,11\n"));
        let e = error(build(&f, Some(&bad), Scale::Full, 1));
        assert!(e.contains("bad.csv, row 5 (line 6), column \"IMD_decile\": \"11\" is not an IMD decile"), "{e}");
        let twice =
            write(dir.path(), "twice.csv", &format!("{header}{rows}E01012392,40,5000,2\nE01007317,60.5,120,1\n"));
        let e = error(build(&f, Some(&twice), Scale::Full, 1));
        assert!(e.contains("twice.csv, row 6 (line 7), column \"lsoa21_code\": LSOA E01007317 appears twice"), "{e}");
        let no_rank = write(dir.path(), "norank.csv", "lsoa21_code,IMD_score,IMD_decile\nE01007317,60.5,1\n");
        let e = error(build(&f, Some(&no_rank), Scale::Full, 1));
        assert!(e.contains("no IMD rank column"), "{e}");
    }

    /// The real ONS lookups and IoD 2025, when `../shared/data` is beside the clone.
    fn shared(name: &str) -> Option<PathBuf> {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(name);
        if p.exists() {
            Some(p)
        } else {
            eprintln!("skipping: {} not found (../shared is not present)", p.display());
            None
        }
    }

    #[test]
    fn the_real_lookups_give_real_england() {
        let (Some(wards), Some(icbs), Some(regions), Some(imd)) = (
            shared("geography/lookup_lsoa21_ward24_ltla24.csv"),
            shared("geography/lookup_lsoa21_icb24.csv"),
            shared("geography/lookup_ltla24_region24.csv"),
            shared("deprivation/imd2025_england_lsoa21.csv"),
        ) else {
            return;
        };
        let w = build(&[wards, icbs, regions], Some(&imd), Scale::Full, 1).unwrap();
        // 6,856 MSOAs of 2021, one of which (West Northamptonshire 048) has an LSOA in Cherwell
        // in the 2024 authority lookup, so it is two MSOAs here.
        assert_eq!(
            (w.small_areas.len(), w.msoas.len(), w.authorities.len(), w.icbs.len(), w.regions.len()),
            (33_755, 6_857, 296, 42, 9)
        );
        assert!(w.msoas.iter().any(|m| m.name == "West Northamptonshire 048 (part in Cherwell)"));
        assert_eq!(w.ranked_out_of, 33_755);
        let mut counts = [0usize; 10];
        for a in &w.small_areas {
            counts[a.decile as usize - 1] += 1;
            assert_eq!(w.msoas[a.msoa].authority, a.authority);
            assert_eq!(w.authorities[a.authority].region, a.region);
        }
        assert!(counts.iter().all(|&c| c == 3375 || c == 3376), "{counts:?}");
    }
}
