//! Published values in the indicator portal's layout: reading them, and placing them on the
//! geography for the same comparisons, quintiles, trends and inequality summaries as computed
//! values.
//!
//! A table with `layout = "portal"` is read as it is downloaded. Its columns are recognised by
//! name, ignoring case, spaces and underscores, in either of the portal's layouts or Fairer's
//! own results:
//!
//! | role | Fingertips "download data" CSV | FingertipsNext API extract | required |
//! | --- | --- | --- | --- |
//! | area | `Area Code` | `AreaCode` | yes |
//! | period | `Time period` (with `Time period Sortable`) | `Year` | yes |
//! | value | `Value` | `Value` | yes |
//! | 95% limits | `Lower CI 95.0 limit`, `Upper CI 95.0 limit` | `LowerCI`, `UpperCI` | |
//! | 99.8% limits | `Lower CI 99.8 limit`, `Upper CI 99.8 limit` | | |
//! | counts | `Count`, `Denominator` | `Count`, `Denominator` | |
//! | sex | `Sex` | `Sex` (or `SexID`: 1, 2, 4) | |
//! | age | `Age` | `Age` | |
//! | breakdown | `Category Type`, `Category` | `CategoryType`, `Category` | |
//! | note | `Value note` | | |
//!
//! Fairer's results read back too: their CSV and Excel columns are the download's names, and
//! their Parquet names (`area_code`, `time_period`, `lower_95`, `upper_99_8`, …) match as well.
//!
//! Each row is checked and placed:
//!
//! - the area code must be an area of one of the geography's levels (an error naming the file,
//!   row and column otherwise), unless the indicator's source says `unknown_areas = "skip"`;
//!   an area on two levels (a unitary authority, both district and county) takes the row on
//!   both;
//!   England's code (E92000001) is skipped, with a note, when the geography has no such area;
//! - the period is the `Time period` label ("2024", "2024/25", "2022 - 24") or the `Year`, with
//!   `Time period Sortable` (YYYYMMDD-like) used for labels that give no year;
//! - an empty category is the whole area; a category type mentioning "deprivation decile"
//!   (national deciles; not "within area" ones) gives deciles 1 (most deprived) … 10 from
//!   labels such as "Most deprived decile (IMD2019)", "Third more deprived decile", "Fifth less
//!   deprived decile", "Second least deprived decile" (and Fairer's own [`super::decile_label`]);
//!   the FingertipsNext extract has the type and the label the other way round, which is
//!   recognised; every other category (quintiles, ethnic groups, …) is skipped and counted in a
//!   note;
//! - a value, limit, count or denominator that is not a number is an error naming the file,
//!   row and column; an empty one is missing (a suppressed value).
//!
//! Rows are then put in the same arrays as computed values ([`published_values`]); two rows for
//! the same area, sex, period and category are an error naming both, and so are two ages.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};

use stats::{ConfidenceLevel, Estimate, Limits};

use super::breakdowns::Layout;
use super::catalogue::{Catalogue, DeprivationBreakdown, Indicator, PublishedSpec, SEXES};
use super::cells::CellValue;
use super::geography::{Geography, Level};
use super::levels::{benchmarks, decile_label, summarise_level, LevelContext, LevelValues};
use super::period::Period;
use super::results::ResultRow;
use super::source::TablePart;
use crate::error::{EngineError, Location, Result};
use crate::input::{parse_number, Chunk, ColumnRequest, TextColumn};

/// England's area code: the portal's usual benchmark row.
pub const ENGLAND: &str = "E92000001";

/// What a column of a portal table is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    AreaCode,
    TimePeriod,
    Year,
    Sortable,
    Value,
    Lower95,
    Upper95,
    Lower998,
    Upper998,
    Count,
    Denominator,
    ValueNote,
    Sex,
    SexId,
    Age,
    CategoryType,
    Category,
}

/// Each role, the name errors give it, and the names it is recognised by (normalised: lower
/// case, without spaces and underscores), the first found winning.
const ROLES: [(Role, &str, &[&str]); 17] = [
    (Role::AreaCode, "Area Code", &["areacode"]),
    (Role::TimePeriod, "Time period", &["timeperiod"]),
    (Role::Year, "Year", &["year"]),
    (Role::Sortable, "Time period Sortable", &["timeperiodsortable"]),
    (Role::Value, "Value", &["value"]),
    (Role::Lower95, "Lower CI 95.0 limit", &["lowerci95.0limit", "lowerci95limit", "lowerci", "lower95"]),
    (Role::Upper95, "Upper CI 95.0 limit", &["upperci95.0limit", "upperci95limit", "upperci", "upper95"]),
    (Role::Lower998, "Lower CI 99.8 limit", &["lowerci99.8limit", "lower998"]),
    (Role::Upper998, "Upper CI 99.8 limit", &["upperci99.8limit", "upper998"]),
    (Role::Count, "Count", &["count"]),
    (Role::Denominator, "Denominator", &["denominator"]),
    (Role::ValueNote, "Value note", &["valuenote"]),
    (Role::Sex, "Sex", &["sex"]),
    (Role::SexId, "SexID", &["sexid"]),
    (Role::Age, "Age", &["age"]),
    (Role::CategoryType, "Category Type", &["categorytype"]),
    (Role::Category, "Category", &["category"]),
];

/// A column name as it is matched: lower case, without spaces, underscores or a byte-order mark.
pub fn normalise(name: &str) -> String {
    name.trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// A cell as it is compared: trimmed, without surrounding double quotes (the FingertipsNext
/// extract quotes its category types inside the CSV quoting).
fn clean(cell: &str) -> &str {
    let t = cell.trim();
    t.strip_prefix('"').and_then(|x| x.strip_suffix('"')).map_or(t, str::trim)
}

/// The areas of the geography's levels by code.
#[derive(Clone, Debug, Default)]
pub struct AreaMap {
    /// Each code's areas: one, or one per level for an area that is its own parent (a
    /// unitary authority, both a district and a county).
    codes: HashMap<String, Vec<(usize, usize)>>,
    small: HashMap<String, u32>,
    level_types: String,
    small_type: String,
}

impl AreaMap {
    /// Every area of every level of `geography`, by code; `small_area_type` names the small
    /// areas in errors.
    pub fn new(geography: &Geography, small_area_type: &str) -> AreaMap {
        let mut codes = HashMap::new();
        for (l, level) in geography.levels.iter().enumerate() {
            for (a, code) in level.codes.iter().enumerate() {
                codes.entry(code.clone()).or_insert_with(Vec::new).push((l, a));
            }
        }
        AreaMap {
            codes,
            small: geography.index.clone(),
            level_types: geography.levels.iter().map(|l| l.area_type.as_str()).collect::<Vec<_>>().join(", "),
            small_type: small_area_type.to_string(),
        }
    }
}

/// One published value placed on the geography.
#[derive(Clone, Debug)]
pub struct PublishedRow {
    /// The file (index into [`PublishedRows::files`]).
    pub file: usize,
    /// Its data row in the file.
    pub row: u64,
    /// The geography level.
    pub level: usize,
    /// The area within the level.
    pub area: usize,
    /// The sex (index into [`SEXES`]).
    pub sex: usize,
    /// The period (index into [`PublishedRows::periods`]).
    pub period: usize,
    /// 0 for the whole area, else the deprivation decile (1 most deprived … 10).
    pub decile: usize,
    /// The age label (index into [`PublishedRows::ages`]), if the table has ages.
    pub age: Option<usize>,
    /// The decile's category type (index into [`PublishedRows::category_types`]).
    pub category_type: Option<usize>,
    /// Value, limits, count, denominator and note as published.
    pub value: CellValue,
}

/// The rows of one published source (a table and its filters), from every file of the table.
#[derive(Clone, Debug, Default)]
pub struct PublishedRows {
    /// The files read.
    pub files: Vec<String>,
    /// The rows kept.
    pub rows: Vec<PublishedRow>,
    /// The periods, in order of appearance.
    pub periods: Vec<Period>,
    /// The age labels, in order of appearance.
    pub ages: Vec<String>,
    /// The deprivation-decile category types, in order of appearance.
    pub category_types: Vec<String>,
    /// Rows of categories other than deprivation deciles, skipped.
    pub skipped_categories: Skipped,
    /// Rows whose area is not in the geography, skipped (`unknown_areas = "skip"`, or England
    /// when the geography has no England).
    pub skipped_areas: Skipped,
}

/// Rows skipped for one reason: how many, and the first few distinct values that were why.
#[derive(Clone, Debug, Default)]
pub struct Skipped {
    /// Rows skipped.
    pub rows: u64,
    /// Up to five distinct values (category labels, area codes).
    pub examples: BTreeSet<String>,
    /// Whether there were more distinct values than those kept.
    pub more: bool,
}

impl Skipped {
    fn add(&mut self, why: &str) {
        self.rows += 1;
        if !self.examples.contains(why) {
            if self.examples.len() < 5 {
                self.examples.insert(why.to_string());
            } else {
                self.more = true;
            }
        }
    }

    /// The examples, quoted, with "…" when there were more.
    fn describe(&self) -> String {
        let shown: Vec<String> = self.examples.iter().map(|x| format!("\"{x}\"")).collect();
        format!("{}{}", shown.join(", "), if self.more { ", …" } else { "" })
    }
}

/// A row's breakdown.
enum Category {
    Whole,
    Decile(usize, String),
    Other(String),
}

/// The recognised columns and the filters of every source, as text slots of the chunks read.
struct Plan {
    /// Role → slot.
    roles: Vec<(Role, usize)>,
    /// Per source: (slot, accepted values).
    filters: Vec<Vec<(usize, Vec<String>)>>,
    /// Slot → header name, for errors.
    names: Vec<String>,
    /// Slot → column index in the file.
    columns: Vec<usize>,
}

impl Plan {
    fn new(file: &str, headers: &[String], sources: &[PublishedSpec]) -> Result<Plan> {
        let normalised: Vec<String> = headers.iter().map(|h| normalise(h)).collect();
        let mut plan = Plan { roles: Vec::new(), filters: Vec::new(), names: Vec::new(), columns: Vec::new() };
        let slot_of = |plan: &mut Plan, column: usize| match plan.columns.iter().position(|&c| c == column) {
            Some(s) => s,
            None => {
                plan.columns.push(column);
                plan.names.push(headers[column].clone());
                plan.columns.len() - 1
            }
        };
        for (role, _, names) in ROLES {
            if let Some(column) = names.iter().find_map(|n| normalised.iter().position(|h| h == n)) {
                let slot = slot_of(&mut plan, column);
                plan.roles.push((role, slot));
            }
        }
        let missing = |column: &str, role: &str| EngineError::MissingColumn {
            file: file.to_string(),
            column: column.to_string(),
            role: format!(
                "{role}, in the indicator portal's layout; names are matched ignoring case, spaces and underscores"
            ),
            available: headers.join(", "),
        };
        if plan.slot(Role::AreaCode).is_none() {
            return Err(missing(
                "Area Code",
                "the area codes (\"Area Code\" as the portal download has it, or \"AreaCode\" as the API extract)",
            ));
        }
        if plan.slot(Role::TimePeriod).is_none() && plan.slot(Role::Year).is_none() {
            return Err(missing(
                "Time period",
                "the periods (\"Time period\" as the portal download has it, or \"Year\" as the API extract)",
            ));
        }
        if plan.slot(Role::Value).is_none() {
            return Err(missing("Value", "the published values"));
        }
        for source in sources {
            let mut filters = Vec::new();
            for (key, accepted) in &source.filters {
                let column = normalised.iter().position(|h| *h == normalise(key)).ok_or_else(|| EngineError::MissingColumn {
                    file: file.to_string(),
                    column: key.clone(),
                    role: format!("the filter where.{key} of a published source on table \"{}\"; names are matched ignoring case, spaces and underscores", source.table),
                    available: headers.join(", "),
                })?;
                let slot = slot_of(&mut plan, column);
                filters.push((slot, accepted.iter().map(|a| clean(a).to_string()).collect()));
            }
            plan.filters.push(filters);
        }
        Ok(plan)
    }

    fn slot(&self, role: Role) -> Option<usize> {
        self.roles.iter().find(|(r, _)| *r == role).map(|&(_, s)| s)
    }
}

/// One row of a portal file as read: its text cells, for the plan's slots.
struct RowCells<'c> {
    plan: &'c Plan,
    file: &'c str,
    /// The data row in the file.
    row: u64,
    texts: &'c [TextColumn],
    /// The row within its chunk.
    at_in_chunk: usize,
}

impl<'c> RowCells<'c> {
    /// The text of slot `s`, cleaned; empty when missing.
    fn text(&self, s: usize) -> &'c str {
        self.texts.get(s).and_then(|c| c.get(self.at_in_chunk)).map_or("", clean)
    }

    /// Where slot `s` of this row is, for errors.
    fn at(&self, s: usize) -> Location {
        Location { file: self.file.to_string(), row: Some(self.row), column: self.plan.names.get(s).cloned() }
    }

    /// Which sources keep this row (their filters all hold), into `wanted`; whether any does.
    fn wanted_by(&self, wanted: &mut [bool]) -> bool {
        let mut any = false;
        for (w, filters) in wanted.iter_mut().zip(&self.plan.filters) {
            *w = filters.iter().all(|(s, accepted)| accepted.iter().any(|a| a == self.text(*s)));
            any |= *w;
        }
        any
    }

    /// The number in the column of `role`; `None` when the file has no such column or the
    /// cell is empty.
    fn number(&self, role: Role) -> Result<Option<f64>> {
        let Some(s) = self.plan.slot(role) else { return Ok(None) };
        parse_number(self.text(s)).map_err(|()| EngineError::BadValue {
            at: self.at(s),
            expected: "a number".into(),
            found: self.text(s).to_string(),
        })
    }

    /// The published value with its limits at 95% and 99.8%, count, denominator and note.
    fn value(&self) -> Result<CellValue> {
        let limits = |confidence, lower, upper| -> Result<Limits> {
            Ok(Limits { confidence, lower: self.number(lower)?, upper: self.number(upper)? })
        };
        Ok(CellValue {
            estimate: Estimate::new(
                self.number(Role::Value)?,
                vec![
                    limits(ConfidenceLevel::C95, Role::Lower95, Role::Upper95)?,
                    limits(ConfidenceLevel::C998, Role::Lower998, Role::Upper998)?,
                ],
                "",
                "Published",
            ),
            count: self.number(Role::Count)?,
            denominator: self.number(Role::Denominator)?,
            note: self.plan.slot(Role::ValueNote).map(|s| self.text(s)).filter(|t| !t.is_empty()).map(str::to_string),
        })
    }

    /// The row's area code, period, sex, category, value and age, each checked.
    fn parse(&self) -> Result<ParsedRow<'c>> {
        let plan = self.plan;
        let slot = |role: Role| plan.slot(role);
        let area_slot = slot(Role::AreaCode).unwrap_or(0);
        let period_slot = slot(Role::TimePeriod).or(slot(Role::Year)).unwrap_or(0);
        let code = self.text(area_slot);
        if code.is_empty() {
            return Err(EngineError::BadValue {
                at: self.at(area_slot),
                expected: "an area code".into(),
                found: String::new(),
            });
        }
        let period =
            parse_period(self.text(period_slot), slot(Role::Sortable).map(|s| self.text(s))).ok_or_else(|| {
                EngineError::BadValue {
                    at: self.at(period_slot),
                    expected: "a period such as 2024, 2024/25, 2022 - 24, 2023/24 Q2 or Jan 2024 (or a Time period Sortable giving its year)"
                        .into(),
                    found: self.text(period_slot).to_string(),
                }
            })?;
        let sex = match slot(Role::Sex).or(slot(Role::SexId)) {
            None => 2,
            Some(s) => parse_sex(self.text(s)).ok_or_else(|| EngineError::BadValue {
                at: self.at(s),
                expected: "a sex: Male, Female or Persons (or 1, 2, 4)".into(),
                found: self.text(s).to_string(),
            })?,
        };
        let text_of = |s: Option<usize>| s.map_or("", |s| self.text(s));
        let category = match (slot(Role::CategoryType), slot(Role::Category)) {
            (None, None) => Category::Whole,
            (t, c) => category(text_of(t), text_of(c)).map_err(|which| {
                let s = if which { t } else { c };
                let (type_text, label_text) = (text_of(t), text_of(c));
                let expected = if type_text.is_empty() != label_text.is_empty() {
                    if type_text.is_empty() {
                        format!("a category type for the category \"{label_text}\" (both empty for the whole area)")
                    } else {
                        format!("a category label for the category type \"{type_text}\" (both empty for the whole area)")
                    }
                } else {
                    "a deprivation decile's label, such as \"Most deprived decile (IMD2019)\", \"Third more deprived decile\", \"Fifth less deprived decile\" or \"Least deprived decile\"".into()
                };
                let s = match s {
                    Some(s) => s,
                    None => t.or(c).unwrap_or(0),
                };
                EngineError::BadValue { at: self.at(s), expected, found: self.text(s).to_string() }
            })?,
        };
        let value = self.value()?;
        let age = slot(Role::Age).map(|s| self.text(s)).filter(|t| !t.is_empty());
        Ok(ParsedRow { area_slot, code, period, sex, category, value, age })
    }
}

/// What one row of a portal file holds, checked.
struct ParsedRow<'c> {
    /// The slot of the area code, for errors.
    area_slot: usize,
    code: &'c str,
    period: Period,
    sex: usize,
    category: Category,
    value: CellValue,
    age: Option<&'c str>,
}

/// Per source: the index of each period label, age and category type already seen.
struct SeenLabels {
    period_of: Vec<HashMap<String, usize>>,
    age_of: Vec<HashMap<String, usize>>,
    type_of: Vec<HashMap<String, usize>>,
}

impl SeenLabels {
    fn new(out: &[PublishedRows]) -> Self {
        let index = |labels: Vec<&String>| -> HashMap<String, usize> {
            labels.into_iter().enumerate().map(|(i, l)| (l.clone(), i)).collect()
        };
        SeenLabels {
            period_of: out.iter().map(|o| index(o.periods.iter().map(|p| &p.label).collect())).collect(),
            age_of: out.iter().map(|o| index(o.ages.iter().collect())).collect(),
            type_of: out.iter().map(|o| index(o.category_types.iter().collect())).collect(),
        }
    }

    /// The index of `label` among `labels` (added at the end when new), by `seen`.
    fn index_of(seen: &mut HashMap<String, usize>, labels: &mut Vec<String>, label: &str) -> usize {
        let next = seen.len();
        let index = *seen.entry(label.to_string()).or_insert(next);
        if index == labels.len() {
            labels.push(label.to_string());
        }
        index
    }
}

/// Adds a parsed row to the rows of source `i` (`o`): its decile, area, period and age placed;
/// `Ok(false)` when the source skips it (a category other than deciles, an area to skip).
fn place_row(
    row: &ParsedRow<'_>,
    cells: &RowCells<'_>,
    (i, source, o): (usize, &PublishedSpec, &mut PublishedRows),
    areas: &AreaMap,
    seen: &mut SeenLabels,
    file_index: usize,
) -> Result<bool> {
    let code = row.code;
    let (decile, category_type) = match &row.category {
        Category::Whole => (0, None),
        Category::Decile(d, t) => (*d, Some(SeenLabels::index_of(&mut seen.type_of[i], &mut o.category_types, t))),
        Category::Other(label) => {
            o.skipped_categories.add(label);
            return Ok(false);
        }
    };
    let Some(placements) = areas.codes.get(code) else {
        if source.skip_unknown_areas || code == ENGLAND {
            o.skipped_areas.add(code);
            return Ok(false);
        }
        let small = if areas.small.contains_key(code) {
            format!(
                " (\"{code}\" is a small area, {}: published values are placed on the levels above it)",
                areas.small_type
            )
        } else {
            String::new()
        };
        return Err(EngineError::BadValue {
            at: cells.at(row.area_slot),
            expected: format!(
                "the code of an area of the geography's levels ({}){small}; to skip rows of other areas, add unknown_areas = \"skip\" to the indicator's published source",
                areas.level_types
            ),
            found: code.to_string(),
        });
    };
    let next = seen.period_of[i].len();
    let period_index = *seen.period_of[i].entry(row.period.label.clone()).or_insert(next);
    if period_index == o.periods.len() {
        o.periods.push(row.period.clone());
    }
    let age_index = row.age.map(|a| SeenLabels::index_of(&mut seen.age_of[i], &mut o.ages, a));
    for &(level, area) in placements {
        o.rows.push(PublishedRow {
            file: file_index,
            row: cells.row,
            level,
            area,
            sex: row.sex,
            period: period_index,
            decile,
            age: age_index,
            category_type,
            value: row.value.clone(),
        });
    }
    Ok(true)
}

/// Reads one file of a portal-layout table for every published source on it, adding the rows
/// each keeps to `out` (one per source, in order); `rows` counts the rows read.
///
/// # Errors
/// A missing required or filter column (naming the file and the column expected); a cell that
/// is not what its column holds, an area not in the geography, a decile label not understood:
/// each naming the file, row and column.
pub fn read_portal(
    part: &TablePart,
    sources: &[PublishedSpec],
    areas: &AreaMap,
    rows: &AtomicU64,
    out: &mut [PublishedRows],
) -> Result<()> {
    let file = part.name();
    let table = part.open()?;
    let headers = table.headers().to_vec();
    let plan = Plan::new(&file, &headers, sources)?;
    let mut chunks = table.chunks(ColumnRequest { numbers: Vec::new(), texts: plan.columns.clone() })?;
    let file_index: Vec<usize> = out
        .iter_mut()
        .map(|o| {
            o.files.push(file.clone());
            o.files.len() - 1
        })
        .collect();
    let mut seen = SeenLabels::new(out);
    let mut wanted = vec![false; sources.len()];
    while let Some(Chunk { first_row, len, texts, .. }) = chunks.next_chunk()? {
        rows.fetch_add(len as u64, Ordering::Relaxed);
        for r in 0..len {
            let cells = RowCells { plan: &plan, file: &file, row: first_row + r as u64, texts: &texts, at_in_chunk: r };
            if !cells.wanted_by(&mut wanted) {
                continue;
            }
            let parsed = cells.parse()?;
            for (i, source) in sources.iter().enumerate() {
                if wanted[i] {
                    place_row(&parsed, &cells, (i, source, &mut out[i]), areas, &mut seen, file_index[i])?;
                }
            }
        }
    }
    Ok(())
}

/// The period of a label: a year ("2024"), a financial year ("2024/25", by its first year),
/// years pooled ("2022 - 24", "2021/22 - 23/24"), a quarter ("2023/24 Q2", "Q2 2023/24",
/// "2023 Q1") or a month ("Jan 2024", "2024 January", "2024 M01") of a year; else the year of
/// `Time period Sortable` (YYYY followed by four digits, as the portal writes it, or a bare
/// year). A quarter or month of pooled years is not a period.
pub fn parse_period(label: &str, sortable: Option<&str>) -> Option<Period> {
    let label = label.trim();
    if label.is_empty() {
        return None;
    }
    let (rest, sub) = split_sub_period(label);
    let years = period_years(&rest).or_else(|| {
        let s: f64 = sortable?.trim().parse().ok()?;
        let s = s as i64;
        let year = if s >= 10_000_000 { s / 10_000 } else { s };
        let year = i32::try_from(year).ok().filter(|y| (1000..10000).contains(y))?;
        Some((year, year))
    })?;
    if sub.is_some() && years.0 != years.1 {
        return None;
    }
    Some(Period { label: label.to_string(), years, sub })
}

/// The quarter or month a label names, and the label without it: "Q1" … "Q4", "M01" … "M12",
/// or a month's name (three letters or more: "Jan", "January", "Sept").
fn split_sub_period(label: &str) -> (String, Option<u8>) {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let sub_of = |token: &str| -> Option<u8> {
        let t = token.to_ascii_lowercase();
        let number = |digits: &str, max: u8| digits.parse::<u8>().ok().filter(|n| (1..=max).contains(n));
        if let Some(q) = t.strip_prefix('q') {
            return number(q, 4);
        }
        if let Some(m) = t.strip_prefix('m').filter(|m| m.chars().all(|c| c.is_ascii_digit()) && !m.is_empty()) {
            return number(m, 12);
        }
        let t = t.trim_end_matches('.');
        (t.len() >= 3 && t.chars().all(|c| c.is_ascii_alphabetic()))
            .then(|| MONTHS.iter().position(|m| m.starts_with(t) || (t == "sept" && *m == "september")))
            .flatten()
            .map(|i| i as u8 + 1)
    };
    let tokens: Vec<&str> = label.split_whitespace().collect();
    match tokens.iter().position(|t| sub_of(t).is_some()) {
        Some(i) if tokens.len() > 1 => {
            let rest: Vec<&str> = tokens.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, t)| *t).collect();
            (rest.join(" "), sub_of(tokens[i]))
        }
        _ => (label.to_string(), None),
    }
}

/// First and last year of a period label, as [`parse_period`] reads them.
fn period_years(label: &str) -> Option<(i32, i32)> {
    // The first year of one period: "2024" or "2024/25".
    let start = |t: &str| -> Option<i32> {
        let t = t.trim();
        let (year, rest) = t.split_once('/').map_or((t, None), |(a, b)| (a, Some(b)));
        let y: i32 = year.trim().parse().ok().filter(|y| (1000..10000).contains(y))?;
        if let Some(b) = rest {
            let b = b.trim();
            let next: i32 = b.parse().ok()?;
            let follows = if b.len() == 2 { next == (y + 1).rem_euclid(100) } else { next == y + 1 };
            if !follows {
                return None;
            }
        }
        Some(y)
    };
    if let Some(y) = start(label) {
        return Some((y, y));
    }
    let (a, b) = label.split_once('-')?;
    let first = start(a)?;
    let b = b.trim();
    let end_text = b.split_once('/').map_or(b, |(x, _)| x).trim();
    let end: i32 = end_text.parse().ok()?;
    let last = match end_text.len() {
        2 => {
            let mut last = first - first.rem_euclid(100) + end;
            if last < first {
                last += 100;
            }
            last
        }
        4 => end,
        _ => return None,
    };
    (last > first && last - first < 100).then_some((first, last))
}

/// A sex in the portal's words or codes.
fn parse_sex(s: &str) -> Option<usize> {
    match s.to_ascii_lowercase().as_str() {
        "male" | "males" | "m" | "1" => Some(0),
        "female" | "females" | "f" | "2" => Some(1),
        "persons" | "person" | "all" | "4" => Some(2),
        _ => None,
    }
}

/// Whether a category type is of national deprivation deciles.
fn is_decile_type(t: &str) -> bool {
    let t = t.to_ascii_lowercase();
    t.contains("deprivation decile") && !t.contains("within area")
}

/// The breakdown of a row from its category type and category; `Err(true)` when the category
/// type column holds a decile label not understood or is empty beside a category,
/// `Err(false)` when the category column does or is empty beside a category type.
fn category(category_type: &str, category: &str) -> std::result::Result<Category, bool> {
    if category_type.is_empty() && category.is_empty() {
        return Ok(Category::Whole);
    }
    // A type without a label, or a label without a type: the column that is empty.
    if category.is_empty() {
        return Err(false);
    }
    if category_type.is_empty() {
        return Err(true);
    }
    if is_decile_type(category_type) {
        return parse_decile(category).map(|d| Category::Decile(d, category_type.to_string())).ok_or(false);
    }
    // The FingertipsNext extract: the label under CategoryType, the type under Category.
    if is_decile_type(category) {
        return parse_decile(category_type).map(|d| Category::Decile(d, category.to_string())).ok_or(true);
    }
    Ok(Category::Other(if category.is_empty() {
        category_type.to_string()
    } else {
        format!("{category_type}: {category}")
    }))
}

/// The decile (1 most deprived … 10 least) of a label such as "Most deprived decile (IMD2019)",
/// "Third more deprived decile", "Fifth less deprived decile", "Second least deprived decile".
pub fn parse_decile(label: &str) -> Option<usize> {
    let lower = label.to_ascii_lowercase();
    let words: Vec<&str> = lower.split('(').next().unwrap_or("").split_whitespace().collect();
    let n = words.len();
    if n < 3 || words[n - 2] != "deprived" || words[n - 1] != "decile" {
        return None;
    }
    let more = |w: &str| w == "most" || w == "more";
    let less = |w: &str| w == "least" || w == "less";
    match &words[..n - 2] {
        ["most"] => Some(1),
        ["least"] => Some(10),
        [ordinal, side] => {
            let k = match *ordinal {
                "second" => 2,
                "third" => 3,
                "fourth" => 4,
                "fifth" => 5,
                _ => return None,
            };
            if more(side) {
                Some(k)
            } else if less(side) {
                Some(11 - k)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// A published indicator's values on the geography, ready to summarise.
pub struct PublishedValues {
    /// The periods with values, in order.
    pub periods: Vec<Period>,
    /// The sexes (indices into [`SEXES`]).
    pub sexes: Vec<usize>,
    /// The age label of the rows, if the table has ages.
    pub age: Option<String>,
    /// The slots of every area's values: the whole area, then the deciles, labelled with the
    /// decile rows' category type.
    pub layout: Layout,
    /// Per geography level, the values indexed as computed values are
    /// (`((area * slots + slot) * sexes + sex) * periods + period`, the slots `layout`'s);
    /// empty for levels the indicator does not compute.
    pub levels: Vec<LevelValues>,
    /// What was skipped, for the run's notes.
    pub notes: Vec<String>,
}

/// Places the rows of an indicator's published source on the geography: the indicator's sexes
/// (all found, if it names none) and levels; the periods in time order.
///
/// A row that repeats an earlier one cell for cell (the same area, sex, period, category type
/// and label, age, value, limits, count, denominator and note: the extract's byte-identical
/// duplicates) is kept once and counted in a note.
///
/// # Errors
/// Two rows for the same area, sex, period and category that differ in any number or note, or
/// rows of two ages (each naming the file and rows).
pub fn published_values(rows: &PublishedRows, indicator: &Indicator, geography: &Geography) -> Result<PublishedValues> {
    let mut notes = Vec::new();
    let id = &indicator.id;
    let sexes: Vec<usize> = if indicator.sexes.is_empty() {
        let found: BTreeSet<usize> = rows.rows.iter().map(|r| r.sex).collect();
        found.into_iter().collect()
    } else {
        indicator.sexes.clone()
    };
    let (mut other_sex, mut other_level) = (0u64, 0u64);
    let kept: Vec<&PublishedRow> = rows
        .rows
        .iter()
        .filter(|r| {
            let keep_sex = sexes.contains(&r.sex);
            let keep_level = indicator.levels.contains(&r.level);
            other_sex += u64::from(!keep_sex);
            other_level += u64::from(keep_sex && !keep_level);
            keep_sex && keep_level
        })
        .collect();
    let location = |r: &PublishedRow, column: &str| Location {
        file: rows.files.get(r.file).cloned().unwrap_or_default(),
        row: Some(r.row),
        column: Some(column.to_string()),
    };
    // One age.
    let mut age: Option<&PublishedRow> = None;
    for r in &kept {
        match (age, r.age) {
            (None, Some(_)) => age = Some(r),
            (Some(first), Some(a)) if first.age != Some(a) => {
                let label = |i: Option<usize>| i.and_then(|i| rows.ages.get(i)).cloned().unwrap_or_default();
                return Err(EngineError::BadValue {
                    at: location(r, "Age"),
                    expected: format!(
                        "one age for indicator \"{id}\" (row {} has \"{}\"): choose one with the published source's where, e.g. where = {{ Age = [\"{}\"] }}",
                        first.row,
                        label(first.age),
                        label(first.age)
                    ),
                    found: label(r.age),
                });
            }
            _ => {}
        }
    }
    // Each row's period: as labelled, or, for a quarterly or monthly indicator whose table
    // labels only the year, the year's n-th row of the cell in file order.
    let (all_periods, row_period) = sub_periods(rows, &kept, indicator, geography)?;
    // Periods in time order, only those with rows.
    let mut used: Vec<usize> = row_period.iter().copied().collect::<BTreeSet<_>>().into_iter().collect();
    used.sort_by(|&a, &b| {
        let (pa, pb) = (&all_periods[a], &all_periods[b]);
        pa.sort_key().cmp(&pb.sort_key())
    });
    let mut period_at = vec![usize::MAX; all_periods.len()];
    for (i, &p) in used.iter().enumerate() {
        period_at[p] = i;
    }
    let periods: Vec<Period> = used.iter().map(|&p| all_periods[p].clone()).collect();
    let (ns, np) = (sexes.len(), periods.len());
    let deciles = DeprivationBreakdown { quantiles: 10, within_area: false };
    let nslots = 1 + usize::from(deciles.quantiles);
    let mut levels: Vec<LevelValues> = geography
        .levels
        .iter()
        .enumerate()
        .map(|(l, level)| {
            if indicator.levels.contains(&l) {
                vec![None; level.members.len() * nslots * ns * np]
            } else {
                Vec::new()
            }
        })
        .collect();
    let mut first_row: HashMap<(usize, usize), &PublishedRow> = HashMap::new();
    let statistic = format!("{} (published)", indicator.value_type.as_str());
    let mut types_used = BTreeSet::new();
    let mut duplicates = 0u64;
    for (r, &rp) in kept.iter().zip(&row_period) {
        let si = sexes.iter().position(|&s| s == r.sex).unwrap_or(0);
        let at = ((r.area * nslots + r.decile) * ns + si) * np + period_at[rp];
        let Some(slot) = levels.get_mut(r.level).and_then(|l| l.get_mut(at)) else { continue };
        if slot.is_some() {
            // A row repeated cell for cell (same category type, age and numbers) is the same
            // published value twice: kept once, and counted.
            if let Some(f) = first_row.get(&(r.level, at)) {
                if f.value == r.value && f.category_type == r.category_type && f.age == r.age {
                    duplicates += 1;
                    continue;
                }
            }
            let first = first_row.get(&(r.level, at)).map_or(0, |f| f.row);
            let level = &geography.levels[r.level];
            return Err(EngineError::BadValue {
                at: location(r, "Area Code"),
                expected: format!(
                    "one row per area, sex, period and category for indicator \"{id}\", but row {first} has the same ({}, {}, {}{}): narrow the published source's where (on the age, category type or indicator)",
                    level.codes[r.area],
                    SEXES[r.sex],
                    all_periods[rp].label,
                    if r.decile > 0 { format!(", {}", decile_label(r.decile)) } else { String::new() }
                ),
                found: level.codes[r.area].clone(),
            });
        }
        first_row.insert((r.level, at), r);
        if let Some(t) = r.category_type {
            types_used.insert(t);
        }
        let mut value = r.value.clone();
        value.estimate.statistic = statistic.clone().into();
        *slot = Some(value);
    }
    let types: Vec<&str> = types_used.iter().filter_map(|&t| rows.category_types.get(t).map(String::as_str)).collect();
    let category_type = match types.as_slice() {
        [] => None,
        [one] => Some((*one).to_string()),
        many => Some(format!("Deprivation deciles as published ({})", many.join("; "))),
    };
    if duplicates > 0 {
        notes.push(format!(
            "indicator \"{id}\": {duplicates} rows repeating an earlier row cell for cell (the same published value twice) kept once"
        ));
    }
    if rows.skipped_categories.rows > 0 {
        notes.push(format!(
            "indicator \"{id}\": {} rows of categories other than national deprivation deciles skipped ({})",
            rows.skipped_categories.rows,
            rows.skipped_categories.describe()
        ));
    }
    if rows.skipped_areas.rows > 0 {
        notes.push(format!(
            "indicator \"{id}\": {} rows of areas not in the geography skipped ({})",
            rows.skipped_areas.rows,
            rows.skipped_areas.describe()
        ));
    }
    if other_sex > 0 {
        notes.push(format!("indicator \"{id}\": {other_sex} rows of sexes the indicator does not list skipped"));
    }
    if other_level > 0 {
        notes.push(format!("indicator \"{id}\": {other_level} rows of levels the indicator does not list skipped"));
    }
    if kept.is_empty() {
        notes.push(format!("indicator \"{id}\": no published rows pass the source's filters (nothing written)"));
    }
    Ok(PublishedValues {
        periods,
        sexes,
        age: age.and_then(|r| r.age).and_then(|a| rows.ages.get(a)).cloned(),
        layout: Layout::deprivation(deciles, category_type.as_deref()),
        levels,
        notes,
    })
}

/// The periods of an indicator's rows and each kept row's period (an index into them): the
/// table's periods; or, for a quarterly or monthly indicator (`period = "quarterly"` or
/// `"monthly"`) whose labels name a year only (as the API extract's `Year` does), the rows of
/// one cell (area, sex, category, age) and year numbered in file order as its quarters
/// ("2023 Q1" … "2023 Q4") or months ("2023 M01" … "2023 M12"). Labels that already name a
/// quarter or month are kept.
///
/// # Errors
/// More rows for one cell and year than it has quarters or months, naming the file and rows.
fn sub_periods(
    rows: &PublishedRows,
    kept: &[&PublishedRow],
    indicator: &Indicator,
    geography: &Geography,
) -> Result<(Vec<Period>, Vec<usize>)> {
    let Some((prefix, per_year)) = indicator.period.sub_periods() else {
        return Ok((rows.periods.clone(), kept.iter().map(|r| r.period).collect()));
    };
    let mut all: Vec<Period> = rows.periods.clone();
    let mut index: HashMap<String, usize> = all.iter().enumerate().map(|(i, p)| (p.label.clone(), i)).collect();
    // (level, area, sex, decile, category type, age, year) → (rows so far, the first row).
    type Cell = (usize, usize, usize, usize, Option<usize>, Option<usize>, usize);
    let mut seen: HashMap<Cell, (u32, u64)> = HashMap::new();
    let mut out = Vec::with_capacity(kept.len());
    for r in kept {
        let base = &rows.periods[r.period];
        if base.sub.is_some() {
            out.push(r.period);
            continue;
        }
        let key = (r.level, r.area, r.sex, r.decile, r.category_type, r.age, r.period);
        let entry = seen.entry(key).or_insert((0, r.row));
        entry.0 += 1;
        let n = entry.0;
        if n > per_year {
            let level = &geography.levels[r.level];
            return Err(EngineError::BadValue {
                at: Location {
                    file: rows.files.get(r.file).cloned().unwrap_or_default(),
                    row: Some(r.row),
                    column: Some("Time period".into()),
                },
                expected: format!(
                    "at most {per_year} rows a year for {} \"{}\" of indicator \"{}\" (period = \"{}\"), the first on row {}",
                    level.area_type,
                    level.codes[r.area],
                    indicator.id,
                    indicator.period.as_str(),
                    entry.1
                ),
                found: base.label.clone(),
            });
        }
        let label = if per_year == 4 {
            format!("{} {prefix}{n}", base.label)
        } else {
            format!("{} {prefix}{n:02}", base.label)
        };
        let i = *index.entry(label.clone()).or_insert_with(|| {
            all.push(Period { label, years: base.years, sub: Some(n as u8) });
            all.len() - 1
        });
        out.push(i);
    }
    Ok((all, out))
}

/// The result rows of a published indicator: its values placed on the geography
/// ([`published_values`]), then, level by level, the comparisons, quintiles, trends and
/// inequality summaries computed values have (the same code). What was skipped is added to
/// `notes`.
///
/// # Errors
/// As [`published_values`].
pub(super) fn summarise_published(
    catalogue: &Catalogue,
    geography: &Geography,
    indicator: &Indicator,
    rows: &PublishedRows,
    notes: &mut Vec<String>,
) -> Result<Vec<ResultRow>> {
    let values = published_values(rows, indicator, geography)?;
    notes.extend(values.notes.iter().cloned());
    if values.periods.is_empty() || values.sexes.is_empty() {
        return Ok(Vec::new());
    }
    let mut ind = indicator.clone();
    ind.sexes = values.sexes.clone();
    if let Some(age) = &values.age {
        ind.age_label = age.clone();
    }
    let b = geography.benchmark_level;
    // Published values exist for the geography's levels only (no places or peer groups: their
    // values cannot be pooled from published ones), so a peer-group benchmark falls back to the
    // geography's.
    let level_list: Vec<&Level> = geography.levels.iter().collect();
    let level_values: HashMap<usize, LevelValues> =
        values.levels.into_iter().enumerate().filter(|(_, v)| !v.is_empty()).collect();
    let no_peers = HashMap::new();
    let mut out = Vec::new();
    for &l in &indicator.levels {
        let (Some(level), Some(this_level)) = (geography.levels.get(l), level_values.get(&l)) else { continue };
        let context = LevelContext {
            catalogue,
            indicator: &ind,
            level,
            is_benchmark: l == b,
            level_list: &level_list,
            benchmark_of: benchmarks(&ind, l, &level_list, geography, None, &no_peers),
            rank_group: vec![None; level.members.len()],
            values: &level_values,
            periods: &values.periods,
            counts: None,
            layout: &values.layout,
            settings: (catalogue.settings.sii_repetitions, catalogue.settings.seed),
            sii_all_periods: catalogue.settings.sii_all_periods,
            independent_periods: values.periods.iter().all(|p| p.years.0 == p.years.1),
        };
        out.extend(summarise_level(&context, this_level));
    }
    Ok(out)
}

#[cfg(test)]
#[path = "portal_tests.rs"]
mod end_to_end;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decile_labels_of_the_portal_and_of_fairer_are_read() {
        let cases = [
            ("Most deprived decile (IMD2019)", 1),
            ("Second most deprived decile (IMD2019)", 2),
            ("Third more deprived decile (IMD2019)", 3),
            ("Fourth more deprived decile", 4),
            ("Fifth more deprived decile (IMD2019)", 5),
            ("Fifth less deprived decile (IMD2019)", 6),
            ("Fourth less deprived decile", 7),
            ("Third less deprived decile (IMD2015)", 8),
            ("Second least deprived decile (IMD2019)", 9),
            ("Least deprived decile (IMD2019)", 10),
        ];
        for (label, d) in cases {
            assert_eq!(parse_decile(label), Some(d), "{label}");
        }
        for d in 1..=10 {
            assert_eq!(parse_decile(&crate::compute::decile_label(d)), Some(d));
        }
        for bad in ["Most deprived quintile", "Sixth more deprived decile", "", "decile", "Second deprived decile"] {
            assert_eq!(parse_decile(bad), None, "{bad}");
        }
    }

    #[test]
    fn periods_sexes_and_categories_parse() {
        assert_eq!(period_years("2024"), Some((2024, 2024)));
        assert_eq!(period_years("2024/25"), Some((2024, 2024)));
        assert_eq!(period_years("1999/00"), Some((1999, 1999)));
        assert_eq!(period_years("2022 - 24"), Some((2022, 2024)));
        assert_eq!(period_years("2098 - 01"), Some((2098, 2101)));
        assert_eq!(period_years("2021/22 - 23/24"), Some((2021, 2023)));
        assert_eq!(period_years("2020-2022"), Some((2020, 2022)));
        assert_eq!(period_years("2024/26"), None);
        assert_eq!(period_years("Q1 2024"), None);
        assert_eq!(parse_period("2023/24 Q2", Some("20230200")).map(|p| p.years), Some((2023, 2023)));
        // Quarters and months, either side of their year.
        let sub = |label: &str| parse_period(label, None).map(|p| (p.years, p.sub));
        assert_eq!(sub("2023/24 Q2"), Some(((2023, 2023), Some(2))));
        assert_eq!(sub("Q2 2023/24"), Some(((2023, 2023), Some(2))));
        assert_eq!(sub("2023 Q4"), Some(((2023, 2023), Some(4))));
        assert_eq!(sub("Jan 2024"), Some(((2024, 2024), Some(1))));
        assert_eq!(sub("2024 September"), Some(((2024, 2024), Some(9))));
        assert_eq!(sub("Sept 2023"), Some(((2023, 2023), Some(9))));
        assert_eq!(sub("2024 M03"), Some(((2024, 2024), Some(3))));
        assert_eq!(sub("2021/22 - 23/24"), Some(((2021, 2023), None)));
        // A quarter of pooled years, a fifth quarter, a thirteenth month, a month alone.
        for bad in ["2021 - 23 Q1", "Q5 2023", "2023 M13", "January", "Ja 2024", "2023 Q"] {
            assert_eq!(parse_period(bad, None), None, "{bad}");
        }
        // Sorted in time: pooled years before the year they end in, a year before its quarters
        // and months.
        let mut periods: Vec<Period> =
            ["Jan 2024", "2023/24 Q2", "2022", "Dec 2023", "2020 - 22", "2023/24 Q1", "2023"]
                .iter()
                .map(|l| parse_period(l, None).unwrap())
                .collect();
        periods.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        let labels: Vec<&str> = periods.iter().map(|p| p.label.as_str()).collect();
        assert_eq!(labels, ["2020 - 22", "2022", "2023", "2023/24 Q1", "2023/24 Q2", "Dec 2023", "Jan 2024"]);
        assert_eq!(parse_period("x", None), None);
        assert_eq!(parse_sex("Persons"), Some(2));
        assert_eq!(parse_sex("4"), Some(2));
        assert_eq!(parse_sex("female"), Some(1));
        assert_eq!(parse_sex("Both"), None);
        assert!(matches!(category("", ""), Ok(Category::Whole)));
        assert!(matches!(
            category(
                "District & UA deprivation deciles in England (IMD2019, 4/23 geography)",
                "Fifth less deprived decile (IMD2019)"
            ),
            Ok(Category::Decile(6, _))
        ));
        // The API extract's order.
        assert!(matches!(
            category(
                "Second most deprived decile (IMD2019)",
                "District & UA deprivation deciles in England (IMD2019, 4/23 geography)"
            ),
            Ok(Category::Decile(2, _))
        ));
        assert!(matches!(
            category("LSOA11 deprivation deciles within area (IMD  trend)", "Most deprived decile"),
            Ok(Category::Other(_))
        ));
        assert!(matches!(category("Ethnic groups", "White"), Ok(Category::Other(_))));
        assert!(matches!(category("County & UA deprivation deciles in England", "Decile 3"), Err(false)));
        assert_eq!(normalise("Lower CI 95.0 limit"), "lowerci95.0limit");
        assert_eq!(normalise("\u{feff}Indicator_ID"), "indicatorid");
        assert_eq!(clean(" \"District & UA\" "), "District & UA");
    }
}
