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
//! - an empty category is the whole area; any other is kept with its category type and label
//!   as published (the FingertipsNext extract writes the label under `CategoryType` and the
//!   type under `Category`: a header spelled `CategoryType` says so, and a deprivation type is
//!   recognised in either column). A deprivation decile or quintile type (national or "within
//!   area") reads its labels as quantiles: deciles 1 (most deprived) … 10 from labels such as
//!   "Most deprived decile (IMD2019)", "Third more deprived decile", "Fifth less deprived
//!   decile", "Second least deprived decile" (and Fairer's own [`super::decile_label`]);
//!   quintiles from "Most deprived quintile" … "Average deprived quintile" … "Least deprived
//!   quintile". One deprivation type's quantiles give the inequality summary; a type listed
//!   in a classification's `published_types` maps onto its categories; every other category
//!   is a slot of its own ([`published_layout`]). A type without a label, or a quantile label
//!   not understood, is an error naming the file, row and column;
//! - a value, limit, count or denominator that is not a number is an error naming the file,
//!   row and column; an empty one is missing (a suppressed value).
//!
//! Rows are then put in the same arrays as computed values ([`published_values`]); two rows for
//! the same area, sex, period and category are an error naming both, and so are two ages.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};

use stats::{ConfidenceLevel, Estimate, Limits};

use super::breakdowns::{Layout, Slot, SlotFrom};
use super::catalogue::{Benchmark, Catalogue, CategoryType, DeprivationBreakdown, Indicator, PublishedSpec, SEXES};
use super::cells::CellValue;
use super::geography::{Geography, Level};
use super::levels::{benchmarks, summarise_level, LevelContext, LevelValues};
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
    AreaName,
    ParentCode,
    ParentName,
}

/// Each role, the name errors give it, and the names it is recognised by (normalised: lower
/// case, without spaces and underscores), the first found winning.
const ROLES: [(Role, &str, &[&str]); 20] = [
    (Role::AreaCode, "Area Code", &["areacode"]),
    (Role::AreaName, "Area Name", &["areaname"]),
    (Role::ParentCode, "Parent Code", &["parentcode"]),
    (Role::ParentName, "Parent Name", &["parentname"]),
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
    /// The geography's number of levels: published levels' rows are placed after them.
    levels: usize,
    /// The published levels: area type and code shapes.
    published: Vec<(String, Vec<String>)>,
    /// Per published level, the parents its lookup gives (code → parent code and name).
    published_parents: Vec<HashMap<String, (String, String)>>,
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
            levels: geography.levels.len(),
            published: geography.published_levels.iter().map(|p| (p.area_type.clone(), p.codes.clone())).collect(),
            published_parents: geography.published_parents.clone(),
        }
    }

    /// The published level (index into the geography's `published_levels`) whose code shapes
    /// `code` matches, the first that does.
    fn published_level_of(&self, code: &str) -> Option<usize> {
        self.published.iter().position(|(_, shapes)| shapes.iter().any(|s| code_has_shape(code, s)))
    }
}

/// Whether `code` has `shape`: as many characters, `#` matching a digit, `@` a capital letter,
/// any other character itself.
pub fn code_has_shape(code: &str, shape: &str) -> bool {
    code.chars().count() == shape.chars().count()
        && code.chars().zip(shape.chars()).all(|(c, s)| match s {
            '#' => c.is_ascii_digit(),
            '@' => c.is_ascii_uppercase(),
            _ => c == s,
        })
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
    /// The age label (index into [`PublishedRows::ages`]), if the table has ages.
    pub age: Option<usize>,
    /// The row's breakdown (index into [`PublishedRows::categories`]), `None` for the whole
    /// area.
    pub category: Option<usize>,
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
    /// The distinct (category type, category) pairs of the rows, in order of appearance.
    pub categories: Vec<PublishedCategory>,
    /// The areas of each published level of the geography (`[[geography.published_level]]`),
    /// as the rows name them (no small areas): their rows' `level` is the geography's number of
    /// levels plus the published level's index.
    pub extra_levels: Vec<Level>,
    /// Rows whose area is not in the geography, skipped (`unknown_areas = "skip"`, or England
    /// when the geography has no England).
    pub skipped_areas: Skipped,
}

/// One published breakdown category: its category type and label as published, and, for a
/// deprivation quantile, which.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishedCategory {
    /// The category type as published ("Ethnic groups", "County & UA deprivation deciles in
    /// England (IMD2019, 4/23 geography)").
    pub category_type: String,
    /// The category as published ("White", "Most deprived decile (IMD2019)").
    pub label: String,
    /// For a deprivation decile or quintile: the breakdown and the quantile (1 = most deprived).
    pub quantile: Option<(DeprivationBreakdown, usize)>,
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
#[derive(Debug)]
enum Category {
    /// The whole area (both cells empty).
    Whole,
    /// A breakdown category, with its type and label as published.
    Of(PublishedCategory),
}

/// Why a row's category cells cannot be read; `type_column` says whether the cell at fault is
/// in the `Category Type` column (else the `Category` column).
#[derive(Debug)]
struct CategoryError {
    type_column: bool,
    expected: String,
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
    /// Whether the file is the FingertipsNext API extract (its header spelled `CategoryType`),
    /// which writes the category under `CategoryType` and its type under `Category`.
    swapped: bool,
}

impl Plan {
    fn new(file: &str, headers: &[String], sources: &[PublishedSpec]) -> Result<Plan> {
        let normalised: Vec<String> = headers.iter().map(|h| normalise(h)).collect();
        let mut plan =
            Plan { roles: Vec::new(), filters: Vec::new(), names: Vec::new(), columns: Vec::new(), swapped: false };
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
        plan.swapped = plan
            .slot(Role::CategoryType)
            .and_then(|s| plan.names.get(s))
            .is_some_and(|h| h.trim_start_matches('\u{feff}').trim() == "CategoryType");
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
            (t, c) => category(text_of(t), text_of(c), plan.swapped).map_err(|e| {
                let s = if e.type_column { t.or(c) } else { c.or(t) }.unwrap_or(0);
                EngineError::BadValue { at: self.at(s), expected: e.expected, found: self.text(s).to_string() }
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
    category_of: Vec<HashMap<(String, String), usize>>,
    /// Per source and published level: each area code's index.
    extra_of: Vec<Vec<HashMap<String, usize>>>,
}

impl SeenLabels {
    fn new(out: &[PublishedRows]) -> Self {
        let index = |labels: Vec<&String>| -> HashMap<String, usize> {
            labels.into_iter().enumerate().map(|(i, l)| (l.clone(), i)).collect()
        };
        SeenLabels {
            period_of: out.iter().map(|o| index(o.periods.iter().map(|p| &p.label).collect())).collect(),
            age_of: out.iter().map(|o| index(o.ages.iter().collect())).collect(),
            category_of: out
                .iter()
                .map(|o| {
                    o.categories
                        .iter()
                        .enumerate()
                        .map(|(i, c)| ((c.category_type.clone(), c.label.clone()), i))
                        .collect()
                })
                .collect(),
            extra_of: out
                .iter()
                .map(|o| {
                    o.extra_levels
                        .iter()
                        .map(|l| l.codes.iter().enumerate().map(|(i, c)| (c.clone(), i)).collect())
                        .collect()
                })
                .collect(),
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

/// Adds a parsed row to the rows of source `i` (`o`): its category, area, period and age
/// placed; `Ok(false)` when the source skips it (an area to skip).
fn place_row(
    row: &ParsedRow<'_>,
    cells: &RowCells<'_>,
    (i, source, o): (usize, &PublishedSpec, &mut PublishedRows),
    areas: &AreaMap,
    seen: &mut SeenLabels,
    file_index: usize,
) -> Result<bool> {
    let code = row.code;
    let extra;
    let placements: &[(usize, usize)] = match (areas.codes.get(code), areas.published_level_of(code)) {
        (Some(p), _) => p,
        (None, Some(p)) => {
            extra = [(areas.levels + p, extra_area(cells, (i, &mut *o), areas, seen, p, code))];
            &extra
        }
        (None, None) => &[],
    };
    if placements.is_empty() {
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
        let published = if areas.published.is_empty() {
            String::new()
        } else {
            let shapes: Vec<String> =
                areas.published.iter().map(|(t, shapes)| format!("{t}: {}", shapes.join(" or "))).collect();
            format!(" or a code of a published level ({})", shapes.join("; "))
        };
        return Err(EngineError::BadValue {
            at: cells.at(row.area_slot),
            expected: format!(
                "the code of an area of the geography's levels ({}){published}{small}; to skip rows of other areas, add unknown_areas = \"skip\" to the indicator's published source",
                areas.level_types
            ),
            found: code.to_string(),
        });
    }
    let next = seen.period_of[i].len();
    let period_index = *seen.period_of[i].entry(row.period.label.clone()).or_insert(next);
    if period_index == o.periods.len() {
        o.periods.push(row.period.clone());
    }
    let age_index = row.age.map(|a| SeenLabels::index_of(&mut seen.age_of[i], &mut o.ages, a));
    let category = match &row.category {
        Category::Whole => None,
        Category::Of(c) => {
            let next = o.categories.len();
            let index = *seen.category_of[i].entry((c.category_type.clone(), c.label.clone())).or_insert(next);
            if index == next {
                o.categories.push(c.clone());
            }
            Some(index)
        }
    };
    for &(level, area) in placements.iter() {
        o.rows.push(PublishedRow {
            file: file_index,
            row: cells.row,
            level,
            area,
            sex: row.sex,
            period: period_index,
            category,
            age: age_index,
            value: row.value.clone(),
        });
    }
    Ok(true)
}

/// The index of area `code` of published level `p` among source `i`'s areas of that level,
/// added (with the row's `Area Name`, and the parent the level's lookup gives, else the row's
/// `Parent Code`/`Parent Name` when the file has them) when new.
fn extra_area(
    cells: &RowCells<'_>,
    (i, o): (usize, &mut PublishedRows),
    areas: &AreaMap,
    seen: &mut SeenLabels,
    p: usize,
    code: &str,
) -> usize {
    while o.extra_levels.len() < areas.published.len() {
        let t = areas.published[o.extra_levels.len()].0.clone();
        o.extra_levels.push(Level {
            area_type: t,
            codes: Vec::new(),
            names: Vec::new(),
            parents: Vec::new(),
            members: Vec::new(),
        });
    }
    let known = &mut seen.extra_of[i];
    known.resize_with(areas.published.len(), HashMap::new);
    if let Some(&a) = known[p].get(code) {
        return a;
    }
    let text = |role: Role| cells.plan.slot(role).map(|s| cells.text(s)).filter(|t| !t.is_empty());
    let level = &mut o.extra_levels[p];
    level.codes.push(code.to_string());
    level.names.push(text(Role::AreaName).unwrap_or(code).to_string());
    let looked_up = areas.published_parents.get(p).and_then(|lookup| lookup.get(code)).cloned();
    level.parents.push(
        looked_up.or_else(|| {
            text(Role::ParentCode).map(|c| (c.to_string(), text(Role::ParentName).unwrap_or(c).to_string()))
        }),
    );
    level.members.push(Vec::new());
    known[p].insert(code.to_string(), level.codes.len() - 1);
    level.codes.len() - 1
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

/// The deprivation breakdown a category type names: deciles or quintiles ("deprivation
/// decile", "deprivation quintile"), national or "within area"; `None` for any other type.
fn quantile_type(t: &str) -> Option<DeprivationBreakdown> {
    let t = t.to_ascii_lowercase();
    let quantiles = if t.contains("deprivation decile") {
        10
    } else if t.contains("deprivation quintile") {
        5
    } else {
        return None;
    };
    Some(DeprivationBreakdown { quantiles, within_area: t.contains("within area") })
}

/// The breakdown of a row from its `Category Type` and `Category` cells. The portal's download
/// has the type under `Category Type`; the FingertipsNext API extract (`swapped`) has it under
/// `Category`. A deprivation decile or quintile type is recognised in either column whatever
/// the layout. A deprivation type's label must name its quantile.
///
/// # Errors
/// A type without a label, a label without a type, a quantile label not understood: which
/// column is at fault and what it should hold.
fn category(type_cell: &str, category_cell: &str, swapped: bool) -> std::result::Result<Category, CategoryError> {
    if type_cell.is_empty() && category_cell.is_empty() {
        return Ok(Category::Whole);
    }
    // Whether the type is in the Category column.
    let type_in_category = if quantile_type(type_cell).is_some() {
        false
    } else if quantile_type(category_cell).is_some() {
        true
    } else {
        swapped
    };
    let (category_type, label) = if type_in_category { (category_cell, type_cell) } else { (type_cell, category_cell) };
    // The label is in the type column exactly when the type is in the category column.
    let error = |label_at_fault: bool, expected: String| CategoryError {
        type_column: label_at_fault == type_in_category,
        expected,
    };
    if label.is_empty() {
        return Err(error(
            true,
            format!("a category label for the category type \"{category_type}\" (both empty for the whole area)"),
        ));
    }
    if category_type.is_empty() {
        return Err(error(
            false,
            format!("a category type for the category \"{label}\" (both empty for the whole area)"),
        ));
    }
    let quantile = match quantile_type(category_type) {
        None => None,
        Some(b) => {
            let q = parse_quantile(label, b.quantiles).ok_or_else(|| {
                error(
                    true,
                    if b.quantiles == 10 {
                        "a deprivation decile's label, such as \"Most deprived decile (IMD2019)\", \"Third more deprived decile\", \"Fifth less deprived decile\" or \"Least deprived decile\"".into()
                    } else {
                        "a deprivation quintile's label: \"Most deprived quintile\", \"Second most deprived quintile\", \"Average deprived quintile\", \"Second least deprived quintile\" or \"Least deprived quintile\"".into()
                    },
                )
            })?;
            Some((b, q))
        }
    };
    Ok(Category::Of(PublishedCategory { category_type: category_type.to_string(), label: label.to_string(), quantile }))
}

/// The quantile (1 most deprived) of a deprivation decile's (`quantiles` = 10, as
/// [`parse_decile`]) or quintile's label: "Most deprived quintile", "Second most deprived
/// quintile", "Average deprived quintile" (or Fairer's "Middle quintile"), "Second least
/// deprived quintile", "Least deprived quintile", each with an optional "(…)" after.
pub fn parse_quantile(label: &str, quantiles: u8) -> Option<usize> {
    if quantiles == 10 {
        return parse_decile(label);
    }
    if quantiles != 5 {
        return None;
    }
    stats::labels::quintile_of_label(label).map(usize::from)
}

/// The decile (1 most deprived … 10 least) of a label such as "Most deprived decile (IMD2019)",
/// "Third more deprived decile", "Fifth less deprived decile", "Second least deprived decile"
/// ([`stats::labels::decile_of_label`], which the store reads result rows back with too).
pub fn parse_decile(label: &str) -> Option<usize> {
    stats::labels::decile_of_label(label).map(usize::from)
}

/// A published indicator's values on the geography, ready to summarise.
pub struct PublishedValues {
    /// The periods with values, in order.
    pub periods: Vec<Period>,
    /// The sexes (indices into [`SEXES`]).
    pub sexes: Vec<usize>,
    /// The age label of the rows, if the table has ages.
    pub age: Option<String>,
    /// The slots of every area's values: the whole area, then the published categories
    /// ([`published_layout`]).
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
pub fn published_values(
    rows: &PublishedRows,
    indicator: &Indicator,
    geography: &Geography,
    classifications: &[CategoryType],
) -> Result<PublishedValues> {
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
            let keep_level = indicator.levels.contains(&r.level) || r.level >= geography.levels.len();
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
    let (layout, slot_of) = published_layout(rows, &kept, indicator, classifications)?;
    let nslots = layout.len();
    let level_of = |l: usize| geography.levels.get(l).or_else(|| rows.extra_levels.get(l - geography.levels.len()));
    let mut levels: Vec<LevelValues> = geography
        .levels
        .iter()
        .chain(&rows.extra_levels)
        .enumerate()
        .map(|(l, level)| {
            if indicator.levels.contains(&l) || l >= geography.levels.len() {
                vec![None; level.members.len() * nslots * ns * np]
            } else {
                Vec::new()
            }
        })
        .collect();
    let mut first_row: HashMap<(usize, usize), &PublishedRow> = HashMap::new();
    let statistic = format!("{} (published)", indicator.value_type.as_str());
    let (mut duplicates, mut precision, mut later) = (0u64, 0u64, 0u64);
    // Whether level `l` is a published level that keeps the later of two publications.
    let keeps_later = |l: usize| {
        l.checked_sub(geography.levels.len())
            .and_then(|p| geography.published_levels.get(p))
            .is_some_and(|s| s.keep_later)
    };
    for (r, &rp) in kept.iter().zip(&row_period) {
        let si = sexes.iter().position(|&s| s == r.sex).unwrap_or(0);
        let b = r.category.map_or(0, |c| slot_of.get(c).copied().unwrap_or(0));
        let at = ((r.area * nslots + b) * ns + si) * np + period_at[rp];
        let Some(slot) = levels.get_mut(r.level).and_then(|l| l.get_mut(at)) else { continue };
        if slot.is_some() {
            // A row repeated cell for cell (same category, age and numbers) is the same
            // published value twice: kept once, and counted.
            if let Some(f) = first_row.get(&(r.level, at)) {
                if f.category == r.category && f.age == r.age {
                    if f.value == r.value {
                        duplicates += 1;
                        continue;
                    }
                    if same_at_precision(&f.value, &r.value) {
                        precision += 1;
                        continue;
                    }
                    if keeps_later(r.level) {
                        later += 1;
                        first_row.insert((r.level, at), r);
                        let mut value = r.value.clone();
                        value.estimate.statistic = statistic.clone().into();
                        *slot = Some(value);
                        continue;
                    }
                }
            }
            let first = first_row.get(&(r.level, at)).map_or(0, |f| f.row);
            let code = level_of(r.level).and_then(|l| l.codes.get(r.area)).cloned().unwrap_or_default();
            let s = &layout.slots[b];
            return Err(EngineError::BadValue {
                at: location(r, "Area Code"),
                expected: format!(
                    "one row per area, sex, period and category for indicator \"{id}\", but row {first} has the same ({}, {}, {}{}): narrow the published source's where (on the age, category type or indicator)",
                    code,
                    SEXES[r.sex],
                    all_periods[rp].label,
                    if b > 0 { format!(", {}: {}", s.category_type, s.category) } else { String::new() }
                ),
                found: code,
            });
        }
        first_row.insert((r.level, at), r);
        let mut value = r.value.clone();
        value.estimate.statistic = statistic.clone().into();
        *slot = Some(value);
    }
    if duplicates > 0 {
        notes.push(format!(
            "indicator \"{id}\": {duplicates} rows repeating an earlier row cell for cell (the same published value twice) kept once"
        ));
    }
    if precision > 0 {
        notes.push(format!(
            "indicator \"{id}\": {precision} rows repeating an earlier row to another precision (each number the other's rounded to its decimals) kept once, as first found"
        ));
    }
    if later > 0 {
        notes.push(format!(
            "indicator \"{id}\": {later} rows giving an area of a published level that keeps the later publication (keep_later) other numbers than an earlier row: the later kept"
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
        layout,
        levels,
        notes,
    })
}

/// Whether two published values are one value written to two precisions (the extract repeats
/// some rows so): the same note, and each number (value, limits, count, denominator) present
/// in both or neither, and equal once the more precise is rounded to the other's decimals (as
/// its shortest decimal form has them).
fn same_at_precision(a: &CellValue, b: &CellValue) -> bool {
    fn decimals(x: f64) -> Option<i32> {
        let text = format!("{x}");
        if text.contains(['e', 'E']) {
            return None;
        }
        Some(text.split_once('.').map_or(0, |(_, d)| d.len() as i32))
    }
    let same = |x: Option<f64>, y: Option<f64>| match (x, y) {
        (None, None) => true,
        (Some(x), Some(y)) if x == y => true,
        (Some(x), Some(y)) => {
            let (Some(dx), Some(dy)) = (decimals(x), decimals(y)) else { return false };
            let (rough, fine, d) = if dx <= dy { (x, y, dx) } else { (y, x, dy) };
            let f = 10f64.powi(d);
            (fine * f).round() / f == rough
        }
        _ => false,
    };
    let limits_same = a.estimate.limits.len() == b.estimate.limits.len()
        && a.estimate
            .limits
            .iter()
            .zip(&b.estimate.limits)
            .all(|(x, y)| x.confidence == y.confidence && same(x.lower, y.lower) && same(x.upper, y.upper));
    a.note == b.note
        && limits_same
        && same(a.estimate.value, b.estimate.value)
        && same(a.count, b.count)
        && same(a.denominator, b.denominator)
}

/// The slot layout of an indicator's published rows, and each category's slot (indexed as
/// [`PublishedRows::categories`]; 0 for categories no kept row has):
///
/// - slot 0, the whole area;
/// - one deprivation breakdown's quantiles as [`SlotFrom::Deprivation`] slots (so that the
///   inequality summary is made from them), labelled with Fairer's quantile labels and the
///   published category type: of the category types found, national deciles before national
///   quintiles before deciles and then quintiles within area, the first found of its kind;
/// - every other category, in order of appearance: a category type listed in a
///   classification's `published_types` ([`CategoryType`]) as that classification's category
///   (its name and label, [`SlotFrom::Category`]); any other as found, with its type and label
///   as published ([`SlotFrom::Published`]).
///
/// # Errors
/// A label of a mapped type that is not a category of its classification (naming the file,
/// row and column), and two published labels mapping to one category (naming both rows).
fn published_layout(
    rows: &PublishedRows,
    kept: &[&PublishedRow],
    indicator: &Indicator,
    classifications: &[CategoryType],
) -> Result<(Layout, Vec<usize>)> {
    // Each category's first kept row, in order of appearance.
    let mut first: Vec<Option<&PublishedRow>> = vec![None; rows.categories.len()];
    let mut order = Vec::new();
    for r in kept {
        if let Some(c) = r.category {
            if first.get(c).is_some_and(Option::is_none) {
                first[c] = Some(r);
                order.push(c);
            }
        }
    }
    let rank = |b: DeprivationBreakdown| (b.within_area, b.quantiles != 10);
    let deprivation = order
        .iter()
        .filter_map(|&c| rows.categories[c].quantile.map(|(b, _)| (b, rows.categories[c].category_type.as_str())))
        .min_by_key(|&(b, _)| rank(b));
    let mut layout = Layout::whole();
    if let Some((b, t)) = deprivation {
        layout.push_deprivation(b, Some(t));
    }
    let mut slot_of = vec![0; rows.categories.len()];
    // Per classification slot, the category that took it.
    let mut taken: HashMap<usize, usize> = HashMap::new();
    let location = |r: &PublishedRow, column: &str| Location {
        file: rows.files.get(r.file).cloned().unwrap_or_default(),
        row: Some(r.row),
        column: Some(column.to_string()),
    };
    let mut published = 0;
    for &c in &order {
        let cat = &rows.categories[c];
        match (cat.quantile, deprivation) {
            (Some((b, q)), Some((db, dt))) if b == db && cat.category_type == dt => {
                slot_of[c] = q;
                continue;
            }
            _ => {}
        }
        let mapped = classifications
            .iter()
            .enumerate()
            .find(|(_, k)| k.published_types.iter().any(|t| t.trim().eq_ignore_ascii_case(cat.category_type.trim())));
        if let Some((k, class)) = mapped {
            let Some(i) = class.category_of(&cat.label) else {
                let r = first[c].map_or_else(|| location(kept[0], "Category"), |r| location(r, "Category"));
                return Err(EngineError::BadValue {
                    at: r,
                    expected: format!(
                        "a category of classification \"{}\" (its published_types list \"{}\" of indicator \"{}\"): {}",
                        class.id,
                        cat.category_type,
                        indicator.id,
                        class.categories().iter().map(|d| d.label.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                    found: cat.label.clone(),
                });
            };
            let from = SlotFrom::Category(k, i);
            let slot = match layout.slots.iter().position(|s| s.from == from) {
                Some(s) => {
                    let other = taken.get(&s).copied().unwrap_or(c);
                    let row_of = |x: usize| first[x].map_or(0, |r| r.row);
                    let r = first[c].unwrap_or(kept[0]);
                    return Err(EngineError::BadValue {
                        at: location(r, "Category"),
                        expected: format!(
                            "one published label per category of classification \"{}\" for indicator \"{}\", but row {} has \"{}\" ({}), which maps to the same category \"{}\"",
                            class.id,
                            indicator.id,
                            row_of(other),
                            rows.categories[other].label,
                            rows.categories[other].category_type,
                            class.categories()[i].label
                        ),
                        found: cat.label.clone(),
                    });
                }
                None => {
                    layout.slots.push(Slot {
                        category_type: class.name.as_str().into(),
                        category: class.categories()[i].label.as_str().into(),
                        from,
                    });
                    layout.len() - 1
                }
            };
            taken.insert(slot, c);
            slot_of[c] = slot;
            continue;
        }
        layout.slots.push(Slot {
            category_type: cat.category_type.as_str().into(),
            category: cat.label.as_str().into(),
            from: SlotFrom::Published(published),
        });
        published += 1;
        slot_of[c] = layout.len() - 1;
    }
    Ok((layout, slot_of))
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
    // (level, area, sex, category, age, year) → (rows so far, the first row).
    type Cell = (usize, usize, usize, Option<usize>, Option<usize>, usize);
    let mut seen: HashMap<Cell, (u32, u64)> = HashMap::new();
    let mut out = Vec::with_capacity(kept.len());
    for r in kept {
        let base = &rows.periods[r.period];
        if base.sub.is_some() {
            out.push(r.period);
            continue;
        }
        let key = (r.level, r.area, r.sex, r.category, r.age, r.period);
        let entry = seen.entry(key).or_insert((0, r.row));
        entry.0 += 1;
        let n = entry.0;
        if n > per_year {
            let level =
                geography.levels.get(r.level).or_else(|| rows.extra_levels.get(r.level - geography.levels.len()));
            let (area_type, code) = level.map_or((String::new(), String::new()), |l| {
                (l.area_type.clone(), l.codes.get(r.area).cloned().unwrap_or_default())
            });
            return Err(EngineError::BadValue {
                at: Location {
                    file: rows.files.get(r.file).cloned().unwrap_or_default(),
                    row: Some(r.row),
                    column: Some("Time period".into()),
                },
                expected: format!(
                    "at most {per_year} rows a year for {} \"{}\" of indicator \"{}\" (period = \"{}\"), the first on row {}",
                    area_type,
                    code,
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
    let values = published_values(rows, indicator, geography, &catalogue.category_types)?;
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
    // geography's. Areas of published levels follow the geography's levels.
    let nl = geography.levels.len();
    let level_list: Vec<&Level> = geography.levels.iter().chain(&rows.extra_levels).collect();
    let level_values: HashMap<usize, LevelValues> =
        values.levels.into_iter().enumerate().filter(|(_, v)| !v.is_empty()).collect();
    let no_peers = HashMap::new();
    let mut out = Vec::new();
    let wanted = indicator.levels.iter().copied().chain(nl..level_list.len());
    for l in wanted {
        let (Some(level), Some(this_level)) = (level_list.get(l), level_values.get(&l)) else { continue };
        let benchmark_of = if l < nl {
            benchmarks(&ind, l, &level_list, geography, None, &no_peers)
        } else {
            published_level_benchmarks(&ind, l, &level_list, b)
        };
        let context = LevelContext {
            catalogue,
            indicator: &ind,
            level,
            is_benchmark: l == b,
            level_list: &level_list,
            benchmark_of,
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

/// The benchmark of each area of the published level `l` of `levels` (the geography's levels,
/// then the published levels): with `benchmark = "parent"`, its parent (from the level's
/// lookup or the row's `Parent Code`) where that is an area of another of `levels` (an ICB of
/// the geography, or one the rows name as a published level); else the single area of the
/// benchmark level `b` (England), as the portal compares GP practices, primary care networks
/// and sub-ICB locations.
fn published_level_benchmarks(
    indicator: &Indicator,
    l: usize,
    levels: &[&Level],
    b: usize,
) -> Vec<Option<(usize, usize)>> {
    let england = levels.get(b).filter(|l| l.codes.len() == 1).map(|_| (b, 0));
    let by_parent = matches!(indicator.benchmark, Benchmark::Parent);
    levels[l]
        .parents
        .iter()
        .map(|parent| {
            let parent = parent.as_ref().filter(|_| by_parent).and_then(|(code, _)| {
                levels
                    .iter()
                    .enumerate()
                    .filter(|&(x, _)| x != l)
                    .find_map(|(x, level)| level.codes.iter().position(|c| c == code).map(|a| (x, a)))
            });
            parent.or(england)
        })
        .collect()
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
        let quintiles = [
            ("Most deprived quintile", 1),
            ("Second most deprived quintile (IMD2019)", 2),
            ("Average deprived quintile", 3),
            ("Second least deprived quintile", 4),
            ("Least deprived quintile", 5),
        ];
        for (label, q) in quintiles {
            assert_eq!(parse_quantile(label, 5), Some(q), "{label}");
        }
        for q in 1..=5 {
            let b = DeprivationBreakdown { quantiles: 5, within_area: q % 2 == 0 };
            assert_eq!(parse_quantile(&b.category(q), 5), Some(q));
        }
        for bad in ["Most deprived decile", "Third deprived quintile", "quintile", ""] {
            assert_eq!(parse_quantile(bad, 5), None, "{bad}");
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
        assert!(matches!(category("", "", false), Ok(Category::Whole)));
        let of = |t: &str, c: &str, swapped: bool| match category(t, c, swapped) {
            Ok(Category::Of(p)) => (p.category_type, p.label, p.quantile.map(|(b, q)| (b.quantiles, b.within_area, q))),
            other => panic!("{other:?}"),
        };
        let district = "District & UA deprivation deciles in England (IMD2019, 4/23 geography)";
        assert_eq!(
            of(district, "Fifth less deprived decile (IMD2019)", false),
            (district.into(), "Fifth less deprived decile (IMD2019)".into(), Some((10, false, 6)))
        );
        // The API extract's order, recognised by the deprivation type whatever the header.
        assert_eq!(of("Second most deprived decile (IMD2019)", district, false).2, Some((10, false, 2)));
        let within = "LSOA11 deprivation quintiles within area (IMD  trend)";
        assert_eq!(of("Average deprived quintile", within, true).2, Some((5, true, 3)));
        assert_eq!(
            of("LSOA11 deprivation deciles within area (IMD  trend)", "Most deprived decile", false).2,
            Some((10, true, 1))
        );
        // Other types: by the header's layout.
        assert_eq!(of("Ethnic groups", "White", false), ("Ethnic groups".into(), "White".into(), None));
        assert_eq!(of("White", "Ethnic groups", true), ("Ethnic groups".into(), "White".into(), None));
        // The column at fault: the label's, or the type's.
        let fault = |t: &str, c: &str, swapped: bool| category(t, c, swapped).map(|_| ()).unwrap_err();
        let e = fault("County & UA deprivation deciles in England", "Decile 3", false);
        assert!(!e.type_column && e.expected.contains("deprivation decile's label"), "{e:?}");
        let e = fault("Decile 3", "County & UA deprivation deciles in England", false);
        assert!(e.type_column, "{e:?}");
        let e = fault("LSOA11 deprivation quintiles in England", "Third quintile", false);
        assert!(!e.type_column && e.expected.contains("Average deprived quintile"), "{e:?}");
        let e = fault("Ethnic groups", "", false);
        assert!(
            !e.type_column && e.expected.contains("a category label for the category type \"Ethnic groups\""),
            "{e:?}"
        );
        let e = fault("", "Ethnic groups", true);
        assert!(e.type_column && e.expected.contains("a category label for the category type"), "{e:?}");
        let e = fault("", "White", false);
        assert!(e.type_column && e.expected.contains("a category type for the category \"White\""), "{e:?}");
        assert_eq!(normalise("Lower CI 95.0 limit"), "lowerci95.0limit");
        assert_eq!(normalise("\u{feff}Indicator_ID"), "indicatorid");
        assert_eq!(clean(" \"District & UA\" "), "District & UA");
    }
}
