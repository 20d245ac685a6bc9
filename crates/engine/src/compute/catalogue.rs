//! Indicator catalogues: what `fairer compute` computes, declared in a TOML file.
//!
//! A catalogue names the geography (the table of small areas and the levels they nest in, with
//! their deprivation decile), the data tables (which columns hold the area, year, sex and age),
//! optional user-defined places, and the indicators. Each indicator says what it measures
//! (`proportion`, `crude_rate`, `dsr`, `life_expectancy`), from which numerator and denominator
//! (a table, the column to sum or none to count rows, and filters), for which sexes, ages and
//! periods (calendar or financial years, or rolling 3-year pooled periods), its polarity, its
//! framework and domain (for example the eight Marmot principles), and whether it is broken
//! down by deprivation decile.
//!
//! ```toml
//! [[indicator]]
//! id = "u75_cvd"
//! name = "Under 75 mortality rate from cardiovascular disease"
//! framework = "marmot"
//! domain = "ill_health_prevention"
//! measure = "dsr"
//! polarity = "lower is better"
//! sexes = ["Persons", "Male", "Female"]
//! ages = { to = 74 }
//! numerator = { table = "deaths", value = "deaths", where = { cause = ["cardiovascular"] } }
//! denominator = { table = "population", value = "population" }
//! ```
//!
//! Breakdowns by deprivation (`breakdowns = [...]`, one per indicator): `deprivation_decile` or
//! `deprivation_quintile` (national quantiles of the small areas), `deprivation_decile_within_area`
//! or `deprivation_quintile_within_area` (the small areas of each area ranked among themselves by
//! `geography.deprivation_score`, as `phe_quantile` grouped by area ranks them).
//!
//! Benchmarks (`benchmark = ...` on an indicator; the geography's `benchmark` level by default):
//! a level type (`"England"`, `"Region"`: the area of that level holding each area),
//! `"parent"` (each area's parent in the next nested level up), or `"peer group"`: each area in
//! a named peer group is compared with the group's pooled value and ranked in quintiles among the
//! group's members (areas in no group keep the geography's benchmark):
//!
//! ```toml
//! [[peer_group]]
//! code = "core_cities"
//! name = "Core cities"
//! areas = ["E08000025", "E06000023", "E08000035"]
//! ```
//!
//! A life expectancy at birth with a deprivation breakdown may name the causes of death its gap
//! between the most and least deprived deciles is decomposed by, with the age bands (Arriaga,
//! as the OHID Segment Tool: [`super::decomposition`]): `gap_causes = { column = "cause",
//! causes = ["cardiovascular", "cancer"] }` (the numerator's rows of each cause are counted
//! apart; the rest are "Other causes").
//!
//! Data coded in another vintage of small areas (2011 LSOAs against a 2021 geography) are
//! counted through a best-fit lookup: `code_changes = { table = "lsoa11_lsoa21", from =
//! "LSOA11CD", to = "LSOA21CD" }` in `[geography]`.
//!
//! A geography level that does not nest (a local authority in two ICBs, as in the real ONS
//! lookups) is declared `nested = false`: it is aggregated from the small areas all the same,
//! and not checked for single parents.
//!
//! **Published values.** A table declared with `layout = "portal"` holds the indicator
//! portal's (Fingertips) published values as they are downloaded: the "download data" CSV
//! (`Indicator ID`, `Area Code`, `Sex`, `Age`, `Category Type`, `Category`, `Time period`,
//! `Value`, `Lower CI 95.0 limit`, …, `Count`, `Denominator`, `Value note`), the
//! FingertipsNext API extract (`IndicatorId`, `Year`, `AreaCode`, `Value`, `LowerCI`,
//! `UpperCI`, `Count`, `Denominator`, `Sex`, `Age`, `CategoryType`, `Category`), or Fairer's own
//! results; columns are recognised by name, ignoring case, spaces and underscores
//! ([`super::portal`]). An indicator with `measure = "published"` takes its values from such a
//! table, through `published = { table, where }` (the filters as a numerator's; filter columns
//! are matched by name as the layout's are), and says with `value_type` what the values are:
//! `"proportion"` (recent trend by the chi-squared test on Count / Denominator; SII on the
//! fractions), `"rate"` (or `"crude_rate"`), `"dsr"`, or `"other"` (`"life_expectancy"`, a
//! mean, a score); all but proportions are trended from the value and its 95% limits. The
//! engine adds the comparison with the benchmark, quintiles, trends and, where the table has
//! deprivation-decile rows, the inequality summaries. Areas are matched to the geography's levels
//! by code: a code not in the geography is an error, unless `unknown_areas = "skip"` (then the
//! rows are skipped and counted in a note); England's code (E92000001) is skipped with a note
//! when the geography has no such area. `numerator`, `denominator`, `period`, `ages` and
//! `at_age` do not apply (the period, sex and age come from the table; `sexes` keeps only those
//! given, and by default all found).
//!
//! Any indicator may say how its recent trend is marked, as the portal chooses per indicator:
//! `trend = "guidance"` (the default: five consecutive independent points), `"portal"` (the
//! portal's own calculator: suppressed and missing years passed over, proportions from
//! counts), `"portal_limits"` (the portal's calculator from value and 95% limits, as it trends
//! some proportions), or `"none"` (never trended: "Cannot be calculated").
//!
//! ```toml
//! [tables.fingertips]
//! path = "fingertips_extract_2025-02.csv"
//! layout = "portal"
//!
//! [[indicator]]
//! id = "93701"
//! name = "Children in absolute low income families (under 16s)"
//! measure = "published"
//! value_type = "proportion"
//! polarity = "higher is worse"
//! published = { table = "fingertips", where = { IndicatorId = [93701] }, unknown_areas = "skip" }
//! ```
//!
//! The starter catalogue of core Marmot indicators is [`STARTER_CATALOGUE`]
//! (`catalogues/marmot.toml`). Every mistake is an error naming the file, the line and the
//! field, and saying what was expected: TOML syntax and unknown fields or measures by the TOML
//! reader, references (an unknown table, framework, domain or level, a sex, an age) here.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;

use serde::Deserialize;
use stats::comparison::Polarity;
use toml::Spanned;

use crate::error::{EngineError, Result};

/// The starter catalogue: the core Marmot indicators, for the tables `fairer generate` writes.
pub const STARTER_CATALOGUE: &str = include_str!("../../../../catalogues/marmot.toml");

/// The life-table start ages (0, 1, 5, …, 90): the age bands a data table's `start_age` column
/// holds, and what single ages (`age`) are grouped into.
pub const BAND_START_AGES: [u32; 20] = [0, 1, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90];

/// The sexes, in the indicator portal's words: rows of either sex or of neither count towards
/// `Persons`.
pub const SEXES: [&str; 3] = ["Male", "Female", "Persons"];

/// What an indicator measures, and so which method of [`stats`] computes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Numerator over denominator with Wilson limits ([`stats::proportion`]); × 100 by default.
    Proportion,
    /// Events per population with exact / Byar's limits ([`stats::rate`]); × 100,000 by default.
    CrudeRate,
    /// Directly standardised rate on the ESP 2013 with Dobson limits ([`stats::dsr`]).
    Dsr,
    /// Life expectancy from an abridged life table ([`stats::life_expectancy`]).
    LifeExpectancy,
    /// Values published by the indicator portal, read as they are from a table with
    /// `layout = "portal"`; what they are is the indicator's [`ValueType`].
    Published,
}

impl Measure {
    /// The catalogue spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Proportion => "proportion",
            Measure::CrudeRate => "crude_rate",
            Measure::Dsr => "dsr",
            Measure::LifeExpectancy => "life_expectancy",
            Measure::Published => "published",
        }
    }

    /// The default multiplier: 100 (a percentage) for proportions, 100,000 for rates, 1 for
    /// life expectancy (years) and published values (whose multiplier is their value type's).
    pub fn default_multiplier(self) -> f64 {
        match self {
            Measure::Proportion => 100.0,
            Measure::CrudeRate | Measure::Dsr => 100_000.0,
            Measure::LifeExpectancy | Measure::Published => 1.0,
        }
    }

    /// Whether the method needs counts by age band (DSR and life expectancy).
    pub fn needs_age_bands(self) -> bool {
        matches!(self, Measure::Dsr | Measure::LifeExpectancy)
    }
}

/// What an indicator's values are, which decides how its trend and SII are computed: for a
/// computed indicator, from its measure; for a published one, as the catalogue's `value_type`
/// says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueType {
    /// A proportion (by default a percentage): recent trend by the chi-squared test for trend on
    /// the counts and denominators; SII on fractions.
    Proportion,
    /// A crude rate, Count / Denominator × multiplier: trend from the value and its 95%
    /// limits; SII as a rate.
    #[serde(alias = "crude_rate")]
    Rate,
    /// A directly standardised rate: as a rate, but its Count and Denominator (events and
    /// population) do not give the value, so no excess events are computed from them.
    Dsr,
    /// Anything else (life expectancy, a mean, a score): trend from the value and its 95%
    /// limits; SII on the values as they are.
    #[serde(alias = "life_expectancy")]
    Other,
}

impl ValueType {
    /// The value type of a computed measure.
    pub fn of(measure: Measure) -> ValueType {
        match measure {
            Measure::Proportion => ValueType::Proportion,
            Measure::CrudeRate => ValueType::Rate,
            Measure::Dsr => ValueType::Dsr,
            Measure::LifeExpectancy | Measure::Published => ValueType::Other,
        }
    }

    /// The default multiplier of published values of this type: 100 (percentages) for
    /// proportions, 100,000 for rates, 1 otherwise.
    pub fn default_multiplier(self) -> f64 {
        match self {
            ValueType::Proportion => 100.0,
            ValueType::Rate | ValueType::Dsr => 100_000.0,
            ValueType::Other => 1.0,
        }
    }

    /// The catalogue spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ValueType::Proportion => "proportion",
            ValueType::Rate => "rate",
            ValueType::Dsr => "dsr",
            ValueType::Other => "other",
        }
    }
}

/// How an indicator's recent trend is marked: a per-indicator choice, as the indicator portal
/// makes it for each of its indicators.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrendRule {
    /// The published guidance ([`stats::trend::recent_trend`]): the five most recent points,
    /// consecutive independent years; proportions from counts, other types from value and 95%
    /// limits.
    #[default]
    Guidance,
    /// The portal's own calculator ([`stats::trend::portal_recent_trend`]): suppressed and
    /// missing years passed over; proportions from counts, rates and DSRs from value and 95%
    /// limits; other value types and pooled periods not trended.
    Portal,
    /// The portal's calculator from value and 95% limits whatever the value type (the portal
    /// does so for some proportions).
    PortalLimits,
    /// Never trended: every marker "Cannot be calculated" (the portal does not trend some
    /// indicators, such as standardised percentages).
    None,
}

impl TrendRule {
    /// The catalogue spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TrendRule::Guidance => "guidance",
            TrendRule::Portal => "portal",
            TrendRule::PortalLimits => "portal_limits",
            TrendRule::None => "none",
        }
    }
}

/// How the years of a table are turned into the periods of an indicator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    /// One calendar year: "2024".
    Calendar,
    /// One financial year starting in April of the year: "2024/25".
    Financial,
    /// Three calendar years pooled, named as the portal names them: "2022 - 24".
    #[serde(rename = "rolling_3_year")]
    Rolling3Year,
    /// Quarters, for published values only: the table's rows of one year are its quarters
    /// (labelled "2023 Q1" … where the table names only the year), each a trend point.
    Quarterly,
    /// Months, for published values only, as quarters ("2023 M01" … "2023 M12").
    Monthly,
}

impl PeriodKind {
    /// Years pooled in one period.
    pub fn span(self) -> i32 {
        match self {
            PeriodKind::Rolling3Year => 3,
            _ => 1,
        }
    }

    /// The catalogue spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodKind::Calendar => "calendar",
            PeriodKind::Financial => "financial",
            PeriodKind::Rolling3Year => "rolling_3_year",
            PeriodKind::Quarterly => "quarterly",
            PeriodKind::Monthly => "monthly",
        }
    }

    /// For quarters and months: the label's prefix ("Q", "M") and how many a year.
    pub fn sub_periods(self) -> Option<(&'static str, u32)> {
        match self {
            PeriodKind::Quarterly => Some(("Q", 4)),
            PeriodKind::Monthly => Some(("M", 12)),
            _ => None,
        }
    }

    /// The portal's label of the period ending in `last_year`.
    pub fn label(self, last_year: i32) -> String {
        match self {
            PeriodKind::Calendar | PeriodKind::Quarterly | PeriodKind::Monthly => last_year.to_string(),
            PeriodKind::Financial => format!("{last_year}/{:02}", (last_year + 1).rem_euclid(100)),
            PeriodKind::Rolling3Year => format!("{} - {:02}", last_year - 2, last_year.rem_euclid(100)),
        }
    }

    /// Whether consecutive periods are independent, as a recent-trend test needs.
    pub fn independent(self) -> bool {
        self.span() == 1
    }
}

/// The breakdowns an indicator can have besides area, period and sex.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Breakdown {
    /// National deprivation deciles of the small areas (1 = most deprived), within every area:
    /// each decile's value, and the inequality summaries across them.
    DeprivationDecile,
    /// National deprivation quintiles (1 = most deprived): the deciles two by two, or quintiles
    /// of the scores where the geography has `deprivation_score` and no decile column.
    DeprivationQuintile,
    /// Deciles of the small areas of each area by their deprivation score, ranked within that
    /// area (PHEindicatormethods' `phe_quantile` grouped by the area): needs `deprivation_score`.
    DeprivationDecileWithinArea,
    /// Quintiles within each area, as for deciles.
    DeprivationQuintileWithinArea,
}

/// How an indicator is broken down by deprivation: quantiles of its small areas, national or
/// within each area.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DeprivationBreakdown {
    /// 10 (deciles) or 5 (quintiles).
    pub quantiles: u8,
    /// Ranked within each area rather than nationally.
    pub within_area: bool,
}

impl Breakdown {
    /// The deprivation breakdown of a catalogue name (`deprivation_decile`, …).
    pub fn from_name(name: &str) -> Option<Breakdown> {
        Some(match name {
            "deprivation_decile" => Breakdown::DeprivationDecile,
            "deprivation_quintile" => Breakdown::DeprivationQuintile,
            "deprivation_decile_within_area" => Breakdown::DeprivationDecileWithinArea,
            "deprivation_quintile_within_area" => Breakdown::DeprivationQuintileWithinArea,
            _ => return None,
        })
    }
}

/// One breakdown of an indicator besides its deprivation quantiles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OtherBreakdown {
    /// Core20 (national deciles 1–2) and the rest of the population.
    Core20,
    /// The catalogue's classification (index into [`Catalogue::category_types`]).
    Classification(usize),
}

impl DeprivationBreakdown {
    fn of(b: Breakdown) -> DeprivationBreakdown {
        match b {
            Breakdown::DeprivationDecile => DeprivationBreakdown { quantiles: 10, within_area: false },
            Breakdown::DeprivationQuintile => DeprivationBreakdown { quantiles: 5, within_area: false },
            Breakdown::DeprivationDecileWithinArea => DeprivationBreakdown { quantiles: 10, within_area: true },
            Breakdown::DeprivationQuintileWithinArea => DeprivationBreakdown { quantiles: 5, within_area: true },
        }
    }

    /// The portal-style category type of the breakdown's rows.
    pub fn category_type(self) -> &'static str {
        match (self.quantiles, self.within_area) {
            (10, false) => "LSOA deprivation deciles (national)",
            (10, true) => "LSOA deprivation deciles within area",
            (_, false) => "LSOA deprivation quintiles (national)",
            (_, true) => "LSOA deprivation quintiles within area",
        }
    }

    /// The portal-style label of quantile `q` (1 most deprived).
    pub fn category(self, q: usize) -> String {
        const DECILES: [&str; 10] = [
            "Most",
            "Second most",
            "Third most",
            "Fourth most",
            "Fifth most",
            "Fifth least",
            "Fourth least",
            "Third least",
            "Second least",
            "Least",
        ];
        const QUINTILES: [&str; 5] = ["Most", "Second most", "Middle", "Second least", "Least"];
        let within = if self.within_area { ", within area" } else { "" };
        if self.quantiles == 10 {
            format!("{} deprived decile (IMD{within})", DECILES[q.clamp(1, 10) - 1])
        } else {
            let q = QUINTILES[q.clamp(1, 5) - 1];
            if q == "Middle" {
                format!("Middle quintile (IMD{within})")
            } else {
                format!("{q} deprived quintile (IMD{within})")
            }
        }
    }
}

/// What each area's value is compared with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Benchmark {
    /// The area of this level (index into [`GeographySpec::levels`]) that holds it: England, or
    /// its region.
    Level(usize),
    /// Its parent: the area of the next nested level up that holds it.
    Parent,
    /// The pooled value of the peer group it belongs to (`[[peer_group]]`), with quintiles
    /// among the group's members; areas in no group are compared with the geography's benchmark.
    PeerGroup,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    catalogue: Header,
    #[serde(default)]
    framework: Vec<FrameworkFile>,
    geography: GeographyFile,
    #[serde(default)]
    tables: BTreeMap<String, TableFile>,
    #[serde(default)]
    place: Vec<PlaceFile>,
    #[serde(default)]
    peer_group: Vec<PlaceFile>,
    #[serde(default)]
    settings: SettingsFile,
    #[serde(default)]
    category_type: Vec<CategoryTypeFile>,
    #[serde(default)]
    indicator: Vec<IndicatorFile>,
    scorecard: Option<toml::Table>,
    composite: Option<toml::Table>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoryTypeFile {
    id: Spanned<String>,
    name: String,
    column: Option<String>,
    #[serde(default)]
    published_types: Vec<String>,
    #[serde(default)]
    category: Vec<CategoryFile>,
    age_bands: Option<Spanned<Vec<Vec<u32>>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoryFile {
    label: String,
    #[serde(default)]
    codes: Vec<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default = "stated_by_default")]
    stated: bool,
}

fn stated_by_default() -> bool {
    true
}

/// A classification of rows (`[[category_type]]`): categories read from a table column (each
/// with its codes, such as the NHS Data Dictionary's ethnic category codes, and aliases, such as
/// the portal's labels; each label also matches itself), or age bands on life-table band edges.
#[derive(Clone, Debug, PartialEq)]
pub struct CategoryType {
    /// Its id, as indicators' `breakdowns` name it.
    pub id: String,
    /// The result rows' category type.
    pub name: String,
    /// The default column of tables holding it (a table's `categories` may name another).
    pub column: Option<String>,
    /// The portal's category types whose published rows map onto these categories by label.
    pub published_types: Vec<String>,
    /// The categories or bands.
    pub kind: CategoryKind,
}

/// What a classification's categories are.
#[derive(Clone, Debug, PartialEq)]
pub enum CategoryKind {
    /// Categories read from a table column.
    Categories(Vec<CategoryDef>),
    /// Age bands: each a range of life-table bands (indices into [`BAND_START_AGES`]) and its
    /// label ("0-19 yrs", "80+ yrs").
    AgeBands(Vec<(Range<usize>, String)>),
}

/// One category of a classification.
#[derive(Clone, Debug, PartialEq)]
pub struct CategoryDef {
    /// Its label: the result rows' category.
    pub label: String,
    /// The codes a table cell may hold for it.
    pub codes: Vec<String>,
    /// Other labels it is known by (the portal's).
    pub aliases: Vec<String>,
    /// Whether it is a stated category (`false` for "Not stated", "Not known": counted in the
    /// whole but not as known for completeness).
    pub stated: bool,
}

impl CategoryDef {
    /// Every text a cell may hold for this category: its codes, label and aliases.
    pub fn accepted(&self) -> Vec<String> {
        self.codes.iter().chain(std::iter::once(&self.label)).chain(&self.aliases).cloned().collect()
    }
}

impl CategoryType {
    /// The categories (none for age bands).
    pub fn categories(&self) -> &[CategoryDef] {
        match &self.kind {
            CategoryKind::Categories(c) => c,
            CategoryKind::AgeBands(_) => &[],
        }
    }

    /// The category a cell or published label names (a code, label or alias, compared trimmed;
    /// labels and aliases also ignoring case).
    pub fn category_of(&self, text: &str) -> Option<usize> {
        let t = text.trim();
        self.categories().iter().position(|c| {
            c.codes.iter().any(|x| x == t)
                || std::iter::once(&c.label).chain(&c.aliases).any(|x| x.eq_ignore_ascii_case(t))
        })
    }

    /// What a cell of this classification must hold, for errors: its codes, then a label.
    pub fn expected(&self) -> String {
        let codes: Vec<String> = self
            .categories()
            .iter()
            .flat_map(|c| c.codes.iter())
            .map(|c| if c.is_empty() { "(empty)".to_string() } else { c.clone() })
            .collect();
        let label = self.categories().iter().find(|c| c.stated).map_or("", |c| c.label.as_str());
        format!("a code of {} ({}): {}, or a label such as {label}", self.id, self.name, codes.join(", "))
    }
}

/// A table column holding a classification, checked on every row read.
#[derive(Clone, Debug, PartialEq)]
pub struct TableCategory {
    /// The classification (index into [`Catalogue::category_types`]).
    pub category_type: usize,
    /// The column.
    pub column: String,
    /// Every text the column may hold (codes, labels, aliases of every category).
    pub accepted: Vec<String>,
    /// What the column must hold, for errors.
    pub expected: String,
}

/// The catalogue's name and where its contents come from.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// The catalogue's name.
    pub name: String,
    /// Where the definitions come from.
    #[serde(default)]
    pub source: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FrameworkFile {
    id: String,
    name: String,
    #[serde(default)]
    domain: Vec<Domain>,
}

/// One domain of a framework (a Marmot principle, say).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Domain {
    /// Its id, as indicators refer to it.
    pub id: String,
    /// Its name.
    pub name: String,
}

/// A framework of indicators and its domains.
#[derive(Clone, Debug)]
pub struct Framework {
    /// Its id, as indicators refer to it.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its domains, in order.
    pub domains: Vec<Domain>,
}

/// One level of the geography: the columns of the geography table holding its codes and names.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelSpec {
    /// The area type, in the portal's words ("Local authority", "Region", "England").
    #[serde(rename = "type")]
    pub area_type: String,
    /// The column of codes.
    pub code: String,
    /// The column of names.
    pub name: String,
    /// Whether every area of the level below lies in one area of this level (`true`, the
    /// default, checked on reading). ONS geographies are not all nested: a local authority can
    /// straddle two ICBs. A level with `nested = false` is aggregated from the small areas all
    /// the same, but is not checked, and the levels below take their parent from the next
    /// nested level up.
    #[serde(default = "nested_by_default")]
    pub nested: bool,
    /// Whether an area of this level may be an area of the level below under the same code
    /// (`false` by default): an upper-tier local authority level, where a unitary authority is
    /// both a district and a county. Such a code must stand on both levels of every row that
    /// holds it.
    #[serde(default)]
    pub shares_codes: bool,
}

fn nested_by_default() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GeographyFile {
    table: String,
    small_area: LevelSpec,
    #[serde(default)]
    level: Vec<LevelSpec>,
    deprivation_decile: Option<String>,
    deprivation_score: Option<String>,
    benchmark: Option<Spanned<String>>,
    code_changes: Option<CodeChanges>,
    #[serde(default)]
    published_level: Vec<PublishedLevelSpec>,
}

/// A level of areas known only from published values (`[[geography.published_level]]`: sub-ICB
/// locations, primary care networks, GP practices), told by the shape of their codes. Its areas
/// are those the published rows name, with the parent a lookup (`parents`) or the row
/// (`Parent Code`) gives, compared with the geography's benchmark (or, with `benchmark =
/// "parent"`, with their parent).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PublishedLevelSpec {
    /// The area type ("GP practice").
    #[serde(rename = "type")]
    pub area_type: String,
    /// The shapes of its codes, each matching a whole code: `#` a digit, `@` a capital letter,
    /// any other character itself ("E38######", "U#####", "@#####").
    pub codes: Vec<String>,
    /// `keep_later = true`: two rows of one of its areas, sex, period, category and age with
    /// different numbers are two publications of the area in one extract, and the later in
    /// file order is kept (counted in a note); otherwise they are an error. The portal's
    /// extract gives sub-ICB locations twice in some years: first as the parents of the GP
    /// practices (an earlier vintage of their practices), then as an area type of their own,
    /// whose counts add up to their ICBs' (`catalogues/england_portal.toml`).
    #[serde(default)]
    pub keep_later: bool,
    /// `parents = { table = "sicbl_icb", code = "sicbl24_code", parent = "icb24_code" }`: a
    /// lookup giving each area's parent (a sub-ICB location's ICB), read with the geography.
    /// Where it has the area's code, its parent is used over the row's `Parent Code`; a code it
    /// has not keeps the row's parent (or none).
    #[serde(default)]
    pub parents: Option<PublishedParents>,
}

/// A lookup of the parents of a published level's areas (`parents = { … }` of a
/// `[[geography.published_level]]`): one row per area, or several giving the same parent.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PublishedParents {
    /// The lookup table: a file in the data directory, or at the `path` of `[tables.NAME]`.
    pub table: String,
    /// The column of the areas' codes (`sicbl24_code`).
    pub code: String,
    /// The column of their parents' codes (`icb24_code`).
    pub parent: String,
    /// The column of their parents' names (`icb24_name`), if any; else a parent's name is its
    /// code.
    pub parent_name: Option<String>,
}

/// A lookup from the small-area codes of another vintage (e.g. 2011 LSOAs) to the geography's
/// (2021 LSOAs): data rows with an old code are counted in the area it became.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CodeChanges {
    /// The lookup table (in the data directory) or file.
    pub table: String,
    /// The column of old codes (e.g. `LSOA11CD`).
    pub from: String,
    /// The column of the geography's codes (e.g. `LSOA21CD`).
    pub to: String,
}

/// Names accepted for the benchmark besides level types.
const PARENT_BENCHMARK: &str = "parent";
const PEER_BENCHMARK: &str = "peer group";

/// The geography: the table of small areas, the levels above them (smallest first), the
/// column of national deprivation deciles, and the level whose single area is the benchmark.
#[derive(Clone, Debug)]
pub struct GeographySpec {
    /// The table (in the data directory) or file with one row per small area.
    pub table: String,
    /// The small areas' code and name columns.
    pub small_area: LevelSpec,
    /// The levels above, smallest first (MSOA, local authority, ICB, region, England).
    pub levels: Vec<LevelSpec>,
    /// The column of national deprivation deciles, 1 (most deprived) to 10.
    pub deprivation_decile: Option<String>,
    /// The column of deprivation scores (higher is more deprived): without a decile column,
    /// national deciles are assigned from it as PHEindicatormethods' `phe_quantile` does (decile
    /// 1 the highest scores); quantiles within each area always come from it.
    pub deprivation_score: Option<String>,
    /// The index in `levels` of the benchmark (England): the level named by `benchmark`, or
    /// the last.
    pub benchmark_level: usize,
    /// Codes of another vintage in the data, and the geography's codes they map to. An old
    /// code must map to one code only (a best-fit lookup: ONS's LSOA 2011 to 2021 lookup has
    /// splits, which need one row per old code chosen by best fit).
    pub code_changes: Option<CodeChanges>,
    /// Levels of areas known only from published values, tried in order.
    pub published_levels: Vec<PublishedLevelSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    path: Option<String>,
    layout: Option<TableLayout>,
    area: Option<String>,
    year: Option<String>,
    sex: Option<String>,
    start_age: Option<String>,
    age: Option<String>,
    #[serde(default)]
    categories: BTreeMap<String, String>,
    sex_unknown: Option<String>,
}

/// What a data table holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TableLayout {
    /// Counts (or microdata rows) by small area, year, sex and age, in the columns the table's
    /// `area`, `year`, `sex`, `start_age` / `age` name: numerators and denominators.
    #[default]
    Counts,
    /// The indicator portal's published values, columns recognised by name
    /// ([`super::portal`]): for `measure = "published"` indicators.
    Portal,
}

fn default_area() -> String {
    "lsoa_code".into()
}

fn default_year() -> String {
    "year".into()
}

/// How the age of a row is given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AgeColumn {
    /// No age: the table is not broken down by age.
    None,
    /// The start age of the row's life-table band (0, 1, 5, …, 90).
    StartAge(String),
    /// A single age in years (microdata), grouped into the life-table bands.
    Age(String),
}

/// A data table: its file (relative to the data directory; by default the table's name with
/// `.parquet` or `.csv`) and the columns holding the small-area code, the year (a calendar
/// year such as 2024, or a financial year such as 2024/25, by its first year), the sex and the
/// age.
#[derive(Clone, Debug, PartialEq)]
pub struct TableSpec {
    /// The table's name.
    pub name: String,
    /// The file, if not found by name.
    pub path: Option<String>,
    /// Counts, or published values in the portal's layout (whose columns are found by name:
    /// the fields below are then unused).
    pub layout: TableLayout,
    /// The small-area code column.
    pub area: String,
    /// The year column.
    pub year: String,
    /// The sex column (Male, Female or Persons); none for a table not broken down by sex.
    pub sex: Option<String>,
    /// The age column.
    pub age: AgeColumn,
    /// The columns holding classifications (`categories = { ethnicity = "ethnic_group" }`),
    /// each checked on every row read.
    pub categories: Vec<TableCategory>,
    /// Whether the sex column may hold NHS "person stated gender" codes for an unknown sex
    /// (`Not known`, `Not specified`, `Indeterminate`, `0`, `9`, `X`), counted with Persons
    /// (`sex_unknown = "allowed"`).
    pub sex_unknown: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlaceFile {
    code: String,
    name: String,
    areas: Vec<Spanned<String>>,
}

/// A user-defined place: a named set of areas (of any level).
#[derive(Clone, Debug)]
pub struct PlaceSpec {
    /// The place's code, as it appears in the results.
    pub code: String,
    /// Its name.
    pub name: String,
    /// The codes of its areas, and the line each is on.
    pub areas: Vec<(String, usize)>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsFile {
    sii_repetitions: Option<usize>,
    sii_periods: Option<Spanned<String>>,
    seed: Option<u64>,
}

/// Settings for every indicator.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Simulations for the SII's confidence limits (PHEindicatormethods' default is 100,000;
    /// the catalogue's default 10,000 keeps whole-country runs fast).
    pub sii_repetitions: usize,
    /// SII and RII for every period (`sii_periods = "all"`), or only for each indicator's
    /// latest (`"latest"`, the default: the simulations are most of a whole-country run's time,
    /// and dashboards show the latest). Gaps, ratios and excess are computed for every period.
    pub sii_all_periods: bool,
    /// Seed of the SII simulations, so results repeat.
    pub seed: u64,
}

/// The area type of user-defined places in the results.
pub const PLACE_TYPE: &str = "Place";

/// The area type of named peer groups in the results.
pub const PEER_GROUP_TYPE: &str = "Peer group";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceFile {
    table: Spanned<String>,
    value: Option<String>,
    #[serde(default, rename = "where")]
    filter: BTreeMap<String, Vec<FilterValue>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum FilterValue {
    Text(String),
    Integer(i64),
}

/// A numerator or denominator: the rows of `table` passing every filter, summing `value` (or
/// counting rows when there is none).
#[derive(Clone, Debug, PartialEq)]
pub struct SourceSpec {
    /// The table's name.
    pub table: String,
    /// The column summed; `None` counts rows (microdata).
    pub value: Option<String>,
    /// Column → accepted values (as text: numbers compare by their written form).
    pub filters: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PublishedFile {
    table: Spanned<String>,
    #[serde(default, rename = "where")]
    filter: BTreeMap<String, Vec<FilterValue>>,
    unknown_areas: Option<Spanned<String>>,
}

/// Where a published indicator's values come from: the rows of a portal-layout `table`
/// passing every filter.
#[derive(Clone, Debug, PartialEq)]
pub struct PublishedSpec {
    /// The table's name (a table with `layout = "portal"`).
    pub table: String,
    /// Column → accepted values (as text); columns are matched by name ignoring case, spaces
    /// and underscores, as the layout's own columns are.
    pub filters: BTreeMap<String, Vec<String>>,
    /// Rows whose area code is not in the geography are skipped (and counted in a note)
    /// rather than an error (`unknown_areas = "skip"`).
    pub skip_unknown_areas: bool,
}

/// Where an indicator's values come from.
#[derive(Clone, Debug, PartialEq)]
pub enum IndicatorSource {
    /// Computed from counts: the numerator and denominator.
    Counts {
        /// The numerator.
        numerator: SourceSpec,
        /// The denominator.
        denominator: SourceSpec,
    },
    /// Published values, read as they are.
    Published(PublishedSpec),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AgesFile {
    #[serde(default)]
    from: u32,
    to: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IndicatorFile {
    id: Spanned<String>,
    name: String,
    #[serde(default)]
    description: Option<String>,
    framework: Option<Spanned<String>>,
    domain: Option<Spanned<String>>,
    measure: Spanned<Measure>,
    value_type: Option<Spanned<ValueType>>,
    polarity: Spanned<String>,
    multiplier: Option<f64>,
    period: Option<Spanned<PeriodKind>>,
    #[serde(default)]
    trend: TrendRule,
    sexes: Option<Vec<Spanned<String>>>,
    ages: Option<Spanned<AgesFile>>,
    at_age: Option<Spanned<u32>>,
    #[serde(default)]
    breakdowns: Vec<Spanned<String>>,
    benchmark: Option<Spanned<String>>,
    levels: Option<Vec<Spanned<String>>>,
    numerator: Option<Spanned<SourceFile>>,
    denominator: Option<Spanned<SourceFile>>,
    published: Option<Spanned<PublishedFile>>,
    gap_causes: Option<Spanned<GapCausesFile>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GapCausesFile {
    column: String,
    causes: Vec<String>,
}

/// The causes of death a life expectancy gap is split between (`gap_causes = { column =
/// "cause", causes = ["cardiovascular", "cancer"] }` on a life expectancy at birth with a
/// deprivation breakdown): the numerator's rows of each cause are counted apart, and deaths of
/// no listed cause make "Other causes" ([`super::decomposition`]).
#[derive(Clone, Debug, PartialEq)]
pub struct GapCauses {
    /// The numerator table's column naming the cause.
    pub column: String,
    /// The causes, each a value of `column`.
    pub causes: Vec<String>,
}

/// One indicator, checked.
#[derive(Clone, Debug)]
pub struct Indicator {
    /// Its id (unique in the catalogue).
    pub id: String,
    /// Its name.
    pub name: String,
    /// What it is and why it matters.
    pub description: Option<String>,
    /// The framework it belongs to.
    pub framework: Option<String>,
    /// The framework's domain.
    pub domain: Option<String>,
    /// The measure.
    pub measure: Measure,
    /// What the values are (from the measure, or the catalogue's `value_type` for published
    /// values): decides the trend test and the SII's treatment.
    pub value_type: ValueType,
    /// Which direction is good.
    pub polarity: Polarity,
    /// Values are per this many.
    pub multiplier: f64,
    /// How years make periods (published values: the table's periods, as labelled there).
    pub period: PeriodKind,
    /// How its recent trend is marked (`trend = "guidance"` by default, `"portal"`,
    /// `"portal_limits"` or `"none"`).
    pub trend: TrendRule,
    /// Indices into [`SEXES`], in the order given; for a published indicator, empty when the
    /// catalogue names none (every sex found in the table).
    pub sexes: Vec<usize>,
    /// The life-table bands used (indices into [`BAND_START_AGES`]): all, or those an `ages`
    /// range keeps.
    pub bands: Range<usize>,
    /// The portal's age label ("All ages", "<75 yrs", "65+ yrs"); for a published indicator,
    /// the table's Age (or "All ages" when it has none).
    pub age_label: String,
    /// For life expectancy: the band whose start age the value is at (0 = at birth).
    pub at_band: usize,
    /// The breakdown by deprivation quantile, if any.
    pub deprivation: Option<DeprivationBreakdown>,
    /// Its other breakdowns (Core20, classifications), in the catalogue's order.
    pub other_breakdowns: Vec<OtherBreakdown>,
    /// What its values are compared with (the geography's benchmark level by default).
    pub benchmark: Benchmark,
    /// The geography levels computed (indices into [`GeographySpec::levels`]), and places when
    /// `with_places`.
    pub levels: Vec<usize>,
    /// Whether user-defined places are computed.
    pub with_places: bool,
    /// The numerator and denominator, or the published values.
    pub source: IndicatorSource,
    /// For life expectancy at birth with deciles: the causes its gap between the most and least
    /// deprived deciles is decomposed by, with the age bands; `None`: no decomposition.
    pub gap_causes: Option<GapCauses>,
}

/// A checked catalogue.
#[derive(Clone, Debug)]
pub struct Catalogue {
    /// The file it was read from (several joined by " + " for a merged catalogue), for errors.
    pub file: String,
    /// Name and source.
    pub header: Header,
    /// Frameworks and their domains.
    pub frameworks: Vec<Framework>,
    /// The geography.
    pub geography: GeographySpec,
    /// The data tables by name.
    pub tables: BTreeMap<String, TableSpec>,
    /// User-defined places.
    pub places: Vec<PlaceSpec>,
    /// Named peer groups (each a set of areas compared with the group's pooled value when an
    /// indicator's benchmark is `"peer group"`).
    pub peer_groups: Vec<PlaceSpec>,
    /// Settings.
    pub settings: Settings,
    /// The classifications (`[[category_type]]`) indicators break down by.
    pub category_types: Vec<CategoryType>,
    /// The indicators, in file order.
    pub indicators: Vec<Indicator>,
    /// The `[scorecard]` table as written, read by `engine::scorecard` (the catalogue only
    /// checks that it is a table).
    pub scorecard: Option<toml::Table>,
    /// The `[composite]` table as written (the children and young people's measurement tool),
    /// read by `engine::scorecard`.
    pub composite: Option<toml::Table>,
}

/// The 1-based line of byte `offset` of `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

impl Catalogue {
    /// The starter catalogue ([`STARTER_CATALOGUE`]).
    ///
    /// # Errors
    /// Never for the shipped file (a test reads it); the signature is [`Catalogue::parse`]'s.
    pub fn starter() -> Result<Catalogue> {
        Catalogue::parse(STARTER_CATALOGUE, "catalogues/marmot.toml")
    }

    /// Reads the catalogue file at `path`.
    ///
    /// # Errors
    /// The file cannot be read, or [`Catalogue::parse`]'s errors.
    pub fn read(path: &str) -> Result<Catalogue> {
        let text = std::fs::read_to_string(path).map_err(|e| EngineError::io(path, e))?;
        Catalogue::parse(&text, path)
    }

    /// Parses and checks a catalogue; `file` names it in errors.
    ///
    /// # Errors
    /// [`EngineError::Catalogue`] naming the line and field: bad TOML, an unknown field or
    /// measure, a table, framework, domain, level or sex that does not exist, an id used twice,
    /// an age that is not a band start age, a multiplier ≤ 0, a polarity that is not one.
    pub fn parse(text: &str, file: &str) -> Result<Catalogue> {
        let raw: CatalogueFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start));
            EngineError::Catalogue {
                file: file.to_string(),
                line,
                field: None,
                message: e.message().trim().to_string(),
            }
        })?;
        let err = |span: Option<Range<usize>>, field: &str, message: String| EngineError::Catalogue {
            file: file.to_string(),
            line: span.filter(|s| s.end > 0).map(|s| line_of(text, s.start)),
            field: Some(field.to_string()),
            message,
        };

        let frameworks: Vec<Framework> =
            raw.framework.into_iter().map(|f| Framework { id: f.id, name: f.name, domains: f.domain }).collect();
        let geography = geography_spec(raw.geography, &err)?;
        let category_types = category_types(raw.category_type, text, &err)?;
        let tables = table_specs(raw.tables, &category_types, &err)?;
        let place_specs = |list: Vec<PlaceFile>| -> Vec<PlaceSpec> {
            list.into_iter()
                .map(|p| PlaceSpec {
                    code: p.code,
                    name: p.name,
                    areas: p
                        .areas
                        .into_iter()
                        .map(|a| (line_of(text, a.span().start), a))
                        .map(|(line, a)| (a.into_inner(), line))
                        .collect(),
                })
                .collect()
        };
        let places = place_specs(raw.place);
        let peer_groups = place_specs(raw.peer_group);
        let settings = settings(&raw.settings, &err)?;

        let context = IndicatorContext {
            frameworks: &frameworks,
            geography: &geography,
            tables: &tables,
            has_places: !places.is_empty(),
            has_peer_groups: !peer_groups.is_empty(),
            category_types: &category_types,
            err: &err,
        };
        let mut seen = HashSet::new();
        let mut indicators = Vec::new();
        for ind in raw.indicator {
            let id = ind.id.get_ref().clone();
            if id.is_empty() || !seen.insert(id.clone()) {
                return Err(err(
                    Some(ind.id.span()),
                    "indicator.id",
                    format!("expected a unique, non-empty id, found \"{id}\""),
                ));
            }
            indicators.push(context.indicator(ind)?);
        }
        if indicators.is_empty() {
            return Err(err(None, "indicator", "the catalogue has no [[indicator]]".into()));
        }
        Ok(Catalogue {
            file: file.to_string(),
            header: raw.catalogue,
            frameworks,
            geography,
            tables,
            places,
            peer_groups,
            settings,
            category_types,
            indicators,
            scorecard: raw.scorecard,
            composite: raw.composite,
        })
    }

    /// Several catalogues as one, computed in one run into one set of results: the first's
    /// header; the union of frameworks, tables, classifications, places, peer groups and
    /// indicators.
    ///
    /// # Errors
    /// No catalogue; a `[geography]` or `[settings]` that differs from the first catalogue's; a
    /// framework, table, classification, place or peer group of the same id declared
    /// differently; an indicator id in two catalogues: each [`EngineError::Catalogue`] naming
    /// both files and the id.
    pub fn merge(catalogues: &[Catalogue]) -> Result<Catalogue> {
        let Some(first) = catalogues.first() else {
            return Err(EngineError::Usage("no catalogue to merge".into()));
        };
        let mut out = first.clone();
        let debug = |x: &dyn std::fmt::Debug| format!("{x:?}");
        for c in &catalogues[1..] {
            let both = |field: String, message: String| EngineError::Catalogue {
                file: c.file.clone(),
                line: None,
                field: Some(field),
                message: format!("{message} (catalogues {} and {})", first.file, c.file),
            };
            if debug(&c.geography) != debug(&first.geography) {
                return Err(both("geography".into(), "merged catalogues need the same [geography]".into()));
            }
            if debug(&c.settings) != debug(&first.settings) {
                return Err(both("settings".into(), "merged catalogues need the same [settings]".into()));
            }
            let mut remap = Vec::new();
            for t in &c.category_types {
                match out.category_types.iter().position(|x| x.id == t.id) {
                    Some(i) if out.category_types[i] != *t => {
                        return Err(both(
                            format!("category_type \"{}\"", t.id),
                            "declared differently in two catalogues".into(),
                        ))
                    }
                    Some(i) => remap.push(i),
                    None => {
                        out.category_types.push(t.clone());
                        remap.push(out.category_types.len() - 1);
                    }
                }
            }
            for (name, t) in &c.tables {
                let mut t = t.clone();
                t.categories.iter_mut().for_each(|x| x.category_type = remap[x.category_type]);
                match out.tables.get(name) {
                    Some(existing) if *existing != t => {
                        return Err(both(format!("tables.{name}"), "declared differently in two catalogues".into()))
                    }
                    Some(_) => {}
                    None => {
                        out.tables.insert(name.clone(), t);
                    }
                }
            }
            for f in &c.frameworks {
                match out.frameworks.iter().find(|x| x.id == f.id) {
                    Some(x) if debug(x) != debug(f) => {
                        return Err(both(
                            format!("framework \"{}\"", f.id),
                            "declared differently in two catalogues".into(),
                        ))
                    }
                    Some(_) => {}
                    None => out.frameworks.push(f.clone()),
                }
            }
            let same_place = |a: &PlaceSpec, b: &PlaceSpec| {
                a.name == b.name && a.areas.iter().map(|x| &x.0).eq(b.areas.iter().map(|x| &x.0))
            };
            for (mine, theirs, what) in
                [(&mut out.places, &c.places, "place"), (&mut out.peer_groups, &c.peer_groups, "peer_group")]
            {
                for p in theirs {
                    match mine.iter().find(|x| x.code == p.code) {
                        Some(x) if !same_place(x, p) => {
                            return Err(both(
                                format!("{what} \"{}\"", p.code),
                                "declared differently in two catalogues".into(),
                            ))
                        }
                        Some(_) => {}
                        None => mine.push(p.clone()),
                    }
                }
            }
            for ind in &c.indicators {
                if out.indicators.iter().any(|i| i.id == ind.id) {
                    return Err(both(
                        format!("indicator \"{}\"", ind.id),
                        "an indicator id may be in one catalogue only".into(),
                    ));
                }
                let mut ind = ind.clone();
                for o in &mut ind.other_breakdowns {
                    if let OtherBreakdown::Classification(k) = o {
                        *k = remap[*k];
                    }
                }
                out.indicators.push(ind);
            }
            for (mine, theirs, what) in
                [(&mut out.scorecard, &c.scorecard, "scorecard"), (&mut out.composite, &c.composite, "composite")]
            {
                match (mine.as_ref(), theirs) {
                    (Some(x), Some(y)) if x != y => {
                        return Err(both(what.into(), "declared differently in two catalogues".into()))
                    }
                    (None, Some(y)) => *mine = Some(y.clone()),
                    _ => {}
                }
            }
        }
        out.file = catalogues.iter().map(|c| c.file.as_str()).collect::<Vec<_>>().join(" + ");
        Ok(out)
    }

    /// The framework and domain names of an indicator, for the results.
    pub fn domain_name(&self, indicator: &Indicator) -> Option<&str> {
        let f = self.frameworks.iter().find(|f| Some(&f.id) == indicator.framework.as_ref())?;
        f.domains.iter().find(|d| Some(&d.id) == indicator.domain.as_ref()).map(|d| d.name.as_str())
    }
}

/// The geography of a catalogue, checked: at least one level, and the benchmark one of them.
fn geography_spec(g: GeographyFile, err: &ErrorAt) -> Result<GeographySpec> {
    if g.level.is_empty() {
        return Err(err(
            None,
            "geography.level",
            "at least one level above the small areas is needed (the benchmark, England)".into(),
        ));
    }
    let benchmark_level = match &g.benchmark {
        None => g.level.len() - 1,
        Some(b) => g.level.iter().position(|l| &l.area_type == b.get_ref()).ok_or_else(|| {
            err(
                Some(b.span()),
                "geography.benchmark",
                format!("expected one of the level types ({}), found \"{}\"", level_types(&g.level), b.get_ref()),
            )
        })?,
    };
    Ok(GeographySpec {
        table: g.table,
        small_area: g.small_area,
        levels: g.level,
        deprivation_decile: g.deprivation_decile,
        deprivation_score: g.deprivation_score,
        benchmark_level,
        code_changes: g.code_changes,
        published_levels: g.published_level,
    })
}

/// The tables of a catalogue, checked: a portal-layout table names no columns, and a table has
/// a start age or an age column, not both.
/// The catalogue's classifications, checked: unique ids, categories or age bands (not both),
/// no code in two categories, age bands on life-table band edges.
fn category_types(raw: Vec<CategoryTypeFile>, text: &str, err: &ErrorAt) -> Result<Vec<CategoryType>> {
    let mut out: Vec<CategoryType> = Vec::new();
    for c in raw {
        let id = c.id.get_ref().clone();
        let field = |f: &str| format!("category_type \"{id}\".{f}");
        if id.is_empty() || out.iter().any(|x| x.id == id) || is_builtin_breakdown(&id) {
            return Err(err(
                Some(c.id.span()),
                "category_type.id",
                format!("expected a unique id, not one of the deprivation breakdowns or core20, found \"{id}\""),
            ));
        }
        let kind = match (c.category.is_empty(), c.age_bands) {
            (false, Some(a)) => {
                return Err(err(Some(a.span()), &field("age_bands"), "give category or age_bands, not both".into()))
            }
            (true, None) => {
                return Err(err(Some(c.id.span()), &field("category"), "expected categories or age_bands".into()))
            }
            (false, None) => {
                let mut seen: HashMap<String, String> = HashMap::new();
                for cat in &c.category {
                    for code in cat.codes.iter().chain(std::iter::once(&cat.label)).chain(&cat.aliases) {
                        if let Some(other) = seen.insert(code.trim().to_string(), cat.label.clone()) {
                            if other != cat.label {
                                return Err(err(
                                    Some(c.id.span()),
                                    &field("category"),
                                    format!("\"{code}\" names two categories: \"{other}\" and \"{}\"", cat.label),
                                ));
                            }
                        }
                    }
                }
                CategoryKind::Categories(
                    c.category
                        .into_iter()
                        .map(|x| CategoryDef { label: x.label, codes: x.codes, aliases: x.aliases, stated: x.stated })
                        .collect(),
                )
            }
            (true, Some(a)) => {
                let line = line_of(text, a.span().start);
                let span = a.span();
                let mut bands = Vec::new();
                for pair in a.into_inner() {
                    let band = |age: u32| BAND_START_AGES.iter().position(|&x| x == age);
                    let (range, label) = match pair.as_slice() {
                        [from] => (band(*from).map(|f| f..BAND_START_AGES.len()), format!("{from}+ yrs")),
                        [from, to] => (
                            band(*from).zip(band(to + 1)).filter(|(f, t)| f < t).map(|(f, t)| f..t),
                            format!("{from}-{to} yrs"),
                        ),
                        _ => (None, String::new()),
                    };
                    let Some(range) = range else {
                        return Err(err(
                            Some(span),
                            &field("age_bands"),
                            format!("expected [from, to] or [from] on life-table band edges (from one of 0, 1, 5, 10, …, 90; to + 1 too), found {pair:?} (line {line})"),
                        ));
                    };
                    bands.push((range, label));
                }
                CategoryKind::AgeBands(bands)
            }
        };
        out.push(CategoryType { id, name: c.name, column: c.column, published_types: c.published_types, kind });
    }
    Ok(out)
}

/// Whether `name` is a breakdown Fairer knows without a `[[category_type]]`.
fn is_builtin_breakdown(name: &str) -> bool {
    Breakdown::from_name(name).is_some() || name == "core20"
}

fn table_specs(
    raw: BTreeMap<String, TableFile>,
    category_types: &[CategoryType],
    err: &ErrorAt,
) -> Result<BTreeMap<String, TableSpec>> {
    let mut tables = BTreeMap::new();
    for (name, t) in raw {
        let mut categories = Vec::new();
        for (id, column) in &t.categories {
            let Some(k) = category_types.iter().position(|c| &c.id == id) else {
                return Err(err(
                    None,
                    &format!("tables.{name}.categories.{id}"),
                    format!(
                        "expected the id of a [[category_type]] with categories; the ids are: {}",
                        category_types.iter().map(|c| c.id.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                ));
            };
            let c = &category_types[k];
            if matches!(c.kind, CategoryKind::AgeBands(_)) {
                return Err(err(
                    None,
                    &format!("tables.{name}.categories.{id}"),
                    format!("{id} is age bands, summed from the table's ages: it has no column"),
                ));
            }
            categories.push(TableCategory {
                category_type: k,
                column: column.clone(),
                accepted: c.categories().iter().flat_map(CategoryDef::accepted).collect(),
                expected: c.expected(),
            });
        }
        let sex_unknown = match t.sex_unknown.as_deref() {
            None => false,
            Some("allowed") => true,
            Some(other) => {
                return Err(err(
                    None,
                    &format!("tables.{name}.sex_unknown"),
                    format!("expected \"allowed\", found \"{other}\""),
                ))
            }
        };
        let layout = t.layout.unwrap_or_default();
        if layout == TableLayout::Portal {
            let given: Vec<&str> = [
                ("area", t.area.is_some()),
                ("year", t.year.is_some()),
                ("sex", t.sex.is_some()),
                ("start_age", t.start_age.is_some()),
                ("age", t.age.is_some()),
            ]
            .iter()
            .filter(|x| x.1)
            .map(|x| x.0)
            .collect();
            if !given.is_empty() {
                return Err(err(
                    None,
                    &format!("tables.{name}"),
                    format!(
                        "a table with layout = \"portal\" has its columns found by name: {} do not apply",
                        given.join(", ")
                    ),
                ));
            }
        }
        let age = match (t.start_age, t.age) {
            (Some(_), Some(_)) => {
                return Err(err(None, &format!("tables.{name}"), "give start_age or age, not both".into()))
            }
            (Some(s), None) => AgeColumn::StartAge(s),
            (None, Some(a)) => AgeColumn::Age(a),
            (None, None) => AgeColumn::None,
        };
        let (area, year) = (t.area.unwrap_or_else(default_area), t.year.unwrap_or_else(default_year));
        tables.insert(
            name.clone(),
            TableSpec { name, path: t.path, layout, area, year, sex: t.sex, age, categories, sex_unknown },
        );
    }
    Ok(tables)
}

/// The settings of a catalogue, checked.
fn settings(raw: &SettingsFile, err: &ErrorAt) -> Result<Settings> {
    let sii_all_periods = match &raw.sii_periods {
        None => false,
        Some(p) => match p.get_ref().as_str() {
            "all" => true,
            "latest" => false,
            other => {
                return Err(err(
                    Some(p.span()),
                    "settings.sii_periods",
                    format!("expected \"latest\" or \"all\", found \"{other}\""),
                ))
            }
        },
    };
    let settings = Settings {
        sii_repetitions: raw.sii_repetitions.unwrap_or(10_000),
        sii_all_periods,
        seed: raw.seed.unwrap_or(1),
    };
    if !(1_000..=1_000_000).contains(&settings.sii_repetitions) {
        return Err(err(
            None,
            "settings.sii_repetitions",
            format!("expected 1,000 to 1,000,000, found {}", settings.sii_repetitions),
        ));
    }
    Ok(settings)
}

/// What an indicator is checked against: the catalogue's frameworks, geography, tables,
/// places and peer groups.
struct IndicatorContext<'a> {
    frameworks: &'a [Framework],
    geography: &'a GeographySpec,
    tables: &'a BTreeMap<String, TableSpec>,
    has_places: bool,
    has_peer_groups: bool,
    category_types: &'a [CategoryType],
    err: &'a ErrorAt<'a>,
}

/// An indicator's ages: the bands its measure covers, the portal's age label, and the band of
/// life expectancy's age.
struct Ages {
    bands: Range<usize>,
    label: String,
    at_band: usize,
}

impl IndicatorContext<'_> {
    /// An indicator of the catalogue, checked (its id is checked by the caller).
    fn indicator(&self, ind: IndicatorFile) -> Result<Indicator> {
        let err = self.err;
        let id = ind.id.get_ref().clone();
        let field = |f: &str| format!("indicator \"{id}\".{f}");
        self.check_framework(&ind, &field)?;
        let polarity: Polarity = ind
            .polarity
            .get_ref()
            .parse()
            .map_err(|e: stats::StatsError| err(Some(ind.polarity.span()), &field("polarity"), e.to_string()))?;
        let measure = *ind.measure.get_ref();
        let published = measure == Measure::Published;
        let value_type = match (&ind.value_type, published) {
            (Some(v), true) => *v.get_ref(),
            (None, true) => {
                return Err(err(
                    Some(ind.measure.span()),
                    &field("value_type"),
                    "a published indicator needs value_type = \"proportion\", \"rate\", \"dsr\" or \"other\" (what its values are)".into(),
                ))
            }
            (Some(v), false) => {
                return Err(err(Some(v.span()), &field("value_type"), format!("value_type is for measure = \"published\"; a {} is computed as one", measure.as_str())))
            }
            (None, false) => ValueType::of(measure),
        };
        if published {
            // What the table gives cannot also be declared.
            let not_for_published = [
                ("numerator", ind.numerator.as_ref().map(Spanned::span)),
                ("denominator", ind.denominator.as_ref().map(Spanned::span)),
                ("period", ind.period.as_ref().filter(|p| p.get_ref().sub_periods().is_none()).map(Spanned::span)),
                ("ages", ind.ages.as_ref().map(Spanned::span)),
                ("at_age", ind.at_age.as_ref().map(Spanned::span)),
            ];
            if let Some((name, span)) = not_for_published.into_iter().find_map(|(n, s)| s.map(|s| (n, s))) {
                return Err(err(
                    Some(span),
                    &field(name),
                    format!("{name} does not apply to measure = \"published\": the values, periods, sexes and ages are the table's"),
                ));
            }
        } else if let Some(p) = ind.period.as_ref().filter(|p| p.get_ref().sub_periods().is_some()) {
            return Err(err(
                Some(p.span()),
                &field("period"),
                format!(
                    "period = \"{}\" is for published values (measure = \"published\"): computed values are by year",
                    p.get_ref().as_str()
                ),
            ));
        } else if let Some(p) = &ind.published {
            return Err(err(
                Some(p.span()),
                &field("published"),
                format!("published is for measure = \"published\", not {}", measure.as_str()),
            ));
        }
        let multiplier = ind.multiplier.unwrap_or(if published {
            value_type.default_multiplier()
        } else {
            measure.default_multiplier()
        });
        if !(multiplier.is_finite() && multiplier > 0.0) {
            return Err(err(
                Some(ind.id.span()),
                &field("multiplier"),
                format!("expected a number above 0, found {multiplier}"),
            ));
        }
        let mut sexes = Vec::new();
        let persons = [Spanned::new(0..0, "Persons".to_string())];
        let listed: &[Spanned<String>] = match &ind.sexes {
            Some(list) => list,
            None if published => &[],
            None => &persons,
        };
        for s in listed {
            let i = SEXES.iter().position(|x| x == s.get_ref()).ok_or_else(|| {
                err(
                    Some(s.span()),
                    &field("sexes"),
                    format!("expected Male, Female or Persons, found \"{}\"", s.get_ref()),
                )
            })?;
            if !sexes.contains(&i) {
                sexes.push(i);
            }
        }
        let Ages { bands, label: age_label, at_band } = ages(&ind, measure, err, &field)?;
        let (mut levels, with_places) = self.levels(&ind, published, &field)?;
        let (deprivation, other_breakdowns) = self.deprivation(&ind, &field)?;
        let benchmark = self.benchmark(&ind, &field)?;
        if let Benchmark::Level(i) = benchmark {
            if !levels.contains(&i) {
                levels.push(i);
            }
        }
        let source = self.source(&ind, measure, published, &field)?;
        self.check_classifications(&ind, measure, &source, &other_breakdowns, &field)?;
        let gap_causes = match ind.gap_causes {
            None => None,
            Some(g) => {
                let span = g.span();
                let g = g.into_inner();
                let why = if measure != Measure::LifeExpectancy || at_band != 0 {
                    Some("gap_causes is for life expectancy at birth".to_string())
                } else if deprivation.is_none() {
                    Some("gap_causes needs a deprivation breakdown (breakdowns = [\"deprivation_decile\"])".into())
                } else if g.causes.is_empty() || g.column.is_empty() {
                    Some("gap_causes needs a column and at least one cause".into())
                } else if matches!(&source, IndicatorSource::Counts { numerator, .. } if numerator.filters.contains_key(&g.column))
                {
                    Some(format!("the numerator already filters on {}; gap_causes splits all its deaths", g.column))
                } else {
                    None
                };
                if let Some(why) = why {
                    return Err(err(Some(span), &field("gap_causes"), why));
                }
                Some(GapCauses { column: g.column, causes: g.causes })
            }
        };
        Ok(Indicator {
            id,
            name: ind.name,
            description: ind.description,
            framework: ind.framework.map(|f| f.into_inner()),
            domain: ind.domain.map(|d| d.into_inner()),
            measure,
            value_type,
            polarity,
            multiplier,
            period: ind.period.map_or(PeriodKind::Calendar, Spanned::into_inner),
            trend: ind.trend,
            sexes,
            bands,
            age_label,
            at_band,
            deprivation,
            other_breakdowns,
            benchmark,
            levels,
            with_places: with_places && !published,
            source,
            gap_causes,
        })
    }

    /// The indicator's framework exists, and its domain is one of the framework's.
    fn check_framework(&self, ind: &IndicatorFile, field: &dyn Fn(&str) -> String) -> Result<()> {
        let err = self.err;
        let frameworks = self.frameworks;
        if let Some(fw) = &ind.framework {
            let Some(framework) = frameworks.iter().find(|f| &f.id == fw.get_ref()) else {
                let known: Vec<&str> = frameworks.iter().map(|f| f.id.as_str()).collect();
                return Err(err(
                    Some(fw.span()),
                    &field("framework"),
                    format!("expected one of the frameworks ({}), found \"{}\"", known.join(", "), fw.get_ref()),
                ));
            };
            if let Some(d) = &ind.domain {
                if !framework.domains.iter().any(|x| &x.id == d.get_ref()) {
                    let known: Vec<&str> = framework.domains.iter().map(|x| x.id.as_str()).collect();
                    return Err(err(
                        Some(d.span()),
                        &field("domain"),
                        format!(
                            "expected a domain of {} ({}), found \"{}\"",
                            framework.id,
                            known.join(", "),
                            d.get_ref()
                        ),
                    ));
                }
            }
        } else if let Some(d) = &ind.domain {
            return Err(err(Some(d.span()), &field("domain"), "a domain needs a framework".into()));
        }
        Ok(())
    }

    /// The levels the indicator is computed for (its benchmark level always among them), and
    /// whether for places too.
    fn levels(
        &self,
        ind: &IndicatorFile,
        published: bool,
        field: &dyn Fn(&str) -> String,
    ) -> Result<(Vec<usize>, bool)> {
        let err = self.err;
        let geography = self.geography;
        Ok(match &ind.levels {
            None => ((0..geography.levels.len()).collect(), self.has_places),
            Some(list) => {
                let mut out = Vec::new();
                let mut with_places = false;
                for l in list {
                    if l.get_ref() == PLACE_TYPE {
                        if published {
                            return Err(err(
                                Some(l.span()),
                                &field("levels"),
                                format!(
                                    "published values are read for the geography's levels ({}), not for places",
                                    level_types(&geography.levels)
                                ),
                            ));
                        }
                        with_places = true;
                        continue;
                    }
                    let i = geography.levels.iter().position(|x| &x.area_type == l.get_ref()).ok_or_else(|| {
                        err(
                            Some(l.span()),
                            &field("levels"),
                            format!(
                                "expected one of the level types ({}, {PLACE_TYPE}), found \"{}\"",
                                level_types(&geography.levels),
                                l.get_ref()
                            ),
                        )
                    })?;
                    out.push(i);
                }
                if !out.contains(&geography.benchmark_level) {
                    out.push(geography.benchmark_level);
                }
                (out, with_places)
            }
        })
    }

    /// The indicator's deprivation breakdown, if any (one per indicator), and its other
    /// breakdowns (`core20`, the ids of `[[category_type]]`s), from its `breakdowns` list.
    fn deprivation(
        &self,
        ind: &IndicatorFile,
        field: &dyn Fn(&str) -> String,
    ) -> Result<(Option<DeprivationBreakdown>, Vec<OtherBreakdown>)> {
        let err = self.err;
        let geography = self.geography;
        let mut deprivation = None;
        let mut others = Vec::new();
        let no_deprivation = geography.deprivation_score.is_none() && geography.deprivation_decile.is_none();
        for b in &ind.breakdowns {
            let name = b.get_ref().as_str();
            let Some(kind) = Breakdown::from_name(name).map(DeprivationBreakdown::of) else {
                let other = if name == "core20" {
                    if no_deprivation {
                        return Err(err(
                            Some(b.span()),
                            &field("breakdowns"),
                            "core20 needs geography.deprivation_decile or geography.deprivation_score".into(),
                        ));
                    }
                    OtherBreakdown::Core20
                } else if let Some(k) = self.category_types.iter().position(|c| c.id == name) {
                    OtherBreakdown::Classification(k)
                } else {
                    let ids: Vec<&str> = self.category_types.iter().map(|c| c.id.as_str()).collect();
                    return Err(err(
                        Some(b.span()),
                        &field("breakdowns"),
                        format!(
                            "expected deprivation_decile, deprivation_quintile, deprivation_decile_within_area, deprivation_quintile_within_area, core20{}{}, found \"{name}\"",
                            if ids.is_empty() { "" } else { " or a [[category_type]] id: " },
                            ids.join(", ")
                        ),
                    ));
                };
                if others.contains(&other) {
                    return Err(err(Some(b.span()), &field("breakdowns"), format!("\"{name}\" is listed twice")));
                }
                others.push(other);
                continue;
            };
            if deprivation.is_some_and(|d| d != kind) {
                return Err(err(
                    Some(b.span()),
                    &field("breakdowns"),
                    "expected one deprivation breakdown per indicator".into(),
                ));
            }
            if kind.within_area && geography.deprivation_score.is_none() {
                return Err(err(
                    Some(b.span()),
                    &field("breakdowns"),
                    "quantiles within each area need the scores: set geography.deprivation_score".into(),
                ));
            }
            if no_deprivation {
                return Err(err(
                    Some(b.span()),
                    &field("breakdowns"),
                    "a deprivation breakdown needs geography.deprivation_decile or geography.deprivation_score".into(),
                ));
            }
            deprivation = Some(kind);
        }
        Ok((deprivation, others))
    }

    /// The classifications an indicator breaks down by can be computed from its source: age
    /// bands on a crude measure of tables with ages, categories from a column of both the
    /// numerator's and the denominator's tables.
    fn check_classifications(
        &self,
        ind: &IndicatorFile,
        measure: Measure,
        source: &IndicatorSource,
        others: &[OtherBreakdown],
        field: &dyn Fn(&str) -> String,
    ) -> Result<()> {
        let span = ind.breakdowns.first().map(Spanned::span);
        let IndicatorSource::Counts { numerator, denominator } = source else { return Ok(()) };
        for &o in others {
            let OtherBreakdown::Classification(k) = o else { continue };
            let c = &self.category_types[k];
            let why = match &c.kind {
                CategoryKind::AgeBands(_) if matches!(measure, Measure::Dsr | Measure::LifeExpectancy) => Some(format!(
                    "{} cannot be broken down by {}: a {} is already age-standardised or by age; break down a crude rate or proportion",
                    measure.as_str(),
                    c.id,
                    measure.as_str()
                )),
                CategoryKind::AgeBands(_) => [numerator, denominator]
                    .iter()
                    .find(|s| self.tables.get(&s.table).is_some_and(|t| t.age == AgeColumn::None))
                    .map(|s| format!("{} needs ages: table \"{}\" has no start_age or age column", c.id, s.table)),
                CategoryKind::Categories(_) => [numerator, denominator]
                    .iter()
                    .find(|s| self.tables.get(&s.table).is_some_and(|t| !t.categories.iter().any(|x| x.category_type == k)))
                    .map(|s| {
                        format!(
                            "table \"{}\" has no column of {}: add categories = {{ {} = \"{}\" }} under [tables.{}]",
                            s.table,
                            c.id,
                            c.id,
                            c.column.as_deref().unwrap_or("COLUMN"),
                            s.table
                        )
                    }),
            };
            if let Some(why) = why {
                return Err((self.err)(span.clone(), &field("breakdowns"), why));
            }
        }
        Ok(())
    }

    /// The indicator's benchmark: a level, each area's parent, or its peer group.
    fn benchmark(&self, ind: &IndicatorFile, field: &dyn Fn(&str) -> String) -> Result<Benchmark> {
        let err = self.err;
        let geography = self.geography;
        Ok(match &ind.benchmark {
            None => Benchmark::Level(geography.benchmark_level),
            Some(b) => {
                let name = b.get_ref();
                if name.eq_ignore_ascii_case(PARENT_BENCHMARK) {
                    Benchmark::Parent
                } else if name.eq_ignore_ascii_case(PEER_BENCHMARK) || name.eq_ignore_ascii_case("peer_group") {
                    if !self.has_peer_groups {
                        return Err(err(
                            Some(b.span()),
                            &field("benchmark"),
                            "a peer-group benchmark needs at least one [[peer_group]]".into(),
                        ));
                    }
                    Benchmark::PeerGroup
                } else {
                    let i = geography.levels.iter().position(|l| &l.area_type == name).ok_or_else(|| {
                        err(Some(b.span()), &field("benchmark"), format!("expected one of the level types ({}), \"{PARENT_BENCHMARK}\" or \"{PEER_BENCHMARK}\", found \"{name}\"", level_types(&geography.levels)))
                    })?;
                    Benchmark::Level(i)
                }
            }
        })
    }

    /// Where the indicator's values come from: its numerator and denominator, or its published
    /// source.
    fn source(
        &self,
        ind: &IndicatorFile,
        measure: Measure,
        published: bool,
        field: &dyn Fn(&str) -> String,
    ) -> Result<IndicatorSource> {
        let err = self.err;
        let tables = self.tables;
        Ok(if published {
            let Some(p) = &ind.published else {
                return Err(err(
                    Some(ind.measure.span()),
                    &field("published"),
                    "measure = \"published\" needs published = { table = \"…\", where = { … } }: the portal-layout table its values are read from".into(),
                ));
            };
            IndicatorSource::Published(published_source(p.get_ref(), tables, &err, &field("published"))?)
        } else {
            let side = |s: &Option<Spanned<SourceFile>>, role: &str| -> Result<SourceSpec> {
                let Some(s) = s else {
                    return Err(err(
                        Some(ind.id.span()),
                        &field(role),
                        format!("a {} needs a {role} = {{ table = \"…\", value = \"…\" }}", measure.as_str()),
                    ));
                };
                let spec = source(s.get_ref(), tables, &err, &field(role))?;
                if measure.needs_age_bands() && tables.get(&spec.table).is_some_and(|t| t.age == AgeColumn::None) {
                    return Err(err(
                        Some(s.span()),
                        &field(role),
                        format!(
                            "{} needs counts by age band, but table \"{}\" has no start_age or age column",
                            measure.as_str(),
                            spec.table
                        ),
                    ));
                }
                Ok(spec)
            };
            let numerator = side(&ind.numerator, "numerator")?;
            let denominator = side(&ind.denominator, "denominator")?;
            IndicatorSource::Counts { numerator, denominator }
        })
    }
}

/// The ages of an indicator: its bands (`ages`), their label, and life expectancy's age.
fn ages(ind: &IndicatorFile, measure: Measure, err: &ErrorAt, field: &dyn Fn(&str) -> String) -> Result<Ages> {
    let band_of = |age: u32, span: Range<usize>, what: &str| {
        BAND_START_AGES.iter().position(|&a| a == age).ok_or_else(|| {
            err(
                Some(span),
                &field(what),
                format!("expected the start age of a life-table band (0, 1, 5, 10, …, 90), found {age}"),
            )
        })
    };
    let (bands, age_label) = match &ind.ages {
        None => (0..BAND_START_AGES.len(), "All ages".to_string()),
        Some(a) => {
            let from = band_of(a.get_ref().from, a.span(), "ages.from")?;
            let to = match a.get_ref().to {
                None => BAND_START_AGES.len(),
                Some(to) => band_of(to + 1, a.span(), "ages.to (plus one)")?,
            };
            if to <= from {
                return Err(err(Some(a.span()), &field("ages"), "expected from below to".into()));
            }
            let label = match (a.get_ref().from, a.get_ref().to) {
                (0, None) => "All ages".to_string(),
                (0, Some(to)) => format!("<{} yrs", to + 1),
                (f, None) => format!("{f}+ yrs"),
                (f, Some(t)) => format!("{f}-{t} yrs"),
            };
            (from..to, label)
        }
    };
    let at_band = match &ind.at_age {
        None => bands.start,
        Some(a) => {
            if measure != Measure::LifeExpectancy {
                return Err(err(Some(a.span()), &field("at_age"), "at_age is for life expectancy".into()));
            }
            band_of(*a.get_ref(), a.span(), "at_age")?
        }
    };
    let age_label = match (&ind.at_age, measure) {
        (Some(a), Measure::LifeExpectancy) => format!("{} yrs", a.get_ref()),
        (None, Measure::LifeExpectancy) => "All ages".to_string(),
        _ => age_label,
    };
    Ok(Ages { bands, label: age_label, at_band })
}

fn level_types(levels: &[LevelSpec]) -> String {
    levels.iter().map(|l| l.area_type.as_str()).collect::<Vec<_>>().join(", ")
}

/// How the checks of [`Catalogue::parse`] make an error: the span (for the line), the field and
/// the message.
type ErrorAt<'a> = dyn Fn(Option<Range<usize>>, &str, String) -> EngineError + 'a;

fn source(s: &SourceFile, tables: &BTreeMap<String, TableSpec>, err: &ErrorAt, field: &str) -> Result<SourceSpec> {
    let table = known_table(&s.table, tables, err, field)?;
    if table.layout == TableLayout::Portal {
        return Err(err(
            Some(s.table.span()),
            &format!("{field}.table"),
            format!("table \"{}\" has layout = \"portal\": its published values are for measure = \"published\", not a numerator or denominator", table.name),
        ));
    }
    Ok(SourceSpec { table: table.name.clone(), value: s.value.clone(), filters: filters(&s.filter) })
}

fn published_source(
    p: &PublishedFile,
    tables: &BTreeMap<String, TableSpec>,
    err: &ErrorAt,
    field: &str,
) -> Result<PublishedSpec> {
    let table = known_table(&p.table, tables, err, field)?;
    if table.layout != TableLayout::Portal {
        return Err(err(
            Some(p.table.span()),
            &format!("{field}.table"),
            format!(
                "expected a table with layout = \"portal\" (published values), but table \"{}\" holds counts",
                table.name
            ),
        ));
    }
    let skip_unknown_areas = match &p.unknown_areas {
        None => false,
        Some(u) => match u.get_ref().as_str() {
            "error" => false,
            "skip" => true,
            other => {
                return Err(err(
                    Some(u.span()),
                    &format!("{field}.unknown_areas"),
                    format!("expected \"error\" or \"skip\", found \"{other}\""),
                ))
            }
        },
    };
    Ok(PublishedSpec { table: table.name.clone(), filters: filters(&p.filter), skip_unknown_areas })
}

fn known_table<'a>(
    name: &Spanned<String>,
    tables: &'a BTreeMap<String, TableSpec>,
    err: &ErrorAt,
    field: &str,
) -> Result<&'a TableSpec> {
    tables.get(name.get_ref()).ok_or_else(|| {
        let known: Vec<&str> = tables.keys().map(String::as_str).collect();
        err(
            Some(name.span()),
            &format!("{field}.table"),
            format!("expected one of the tables ({}), found \"{}\"", known.join(", "), name.get_ref()),
        )
    })
}

fn filters(filter: &BTreeMap<String, Vec<FilterValue>>) -> BTreeMap<String, Vec<String>> {
    filter
        .iter()
        .map(|(k, v)| {
            let values = v
                .iter()
                .map(|x| match x {
                    FilterValue::Text(t) => t.clone(),
                    FilterValue::Integer(i) => i.to_string(),
                })
                .collect();
            (k.clone(), values)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starter_catalogue_reads() {
        let c = Catalogue::starter().unwrap();
        assert!(c.indicators.len() >= 10);
        let le = c.indicators.iter().find(|i| i.measure == Measure::LifeExpectancy).unwrap();
        assert_eq!(le.sexes, vec![0, 1]);
        assert_eq!(le.deprivation, Some(DeprivationBreakdown { quantiles: 10, within_area: false }));
        let u75 = c.indicators.iter().find(|i| i.id == "u75_cvd").unwrap();
        assert_eq!(u75.bands, 0..16);
        assert_eq!(u75.age_label, "<75 yrs");
        assert_eq!(c.geography.levels[c.geography.benchmark_level].area_type, "England");
    }

    fn with_indicator(extra: &str) -> String {
        let base = STARTER_CATALOGUE.split("[[indicator]]").next().unwrap();
        format!("{base}[[indicator]]\n{extra}")
    }

    #[test]
    fn mistakes_name_the_line_and_field() {
        let ok = "id = \"x\"\nname = \"X\"\nmeasure = \"proportion\"\npolarity = \"higher is better\"\nnumerator = { table = \"outcomes\", value = \"numerator\" }\ndenominator = { table = \"outcomes\", value = \"denominator\" }\n";
        Catalogue::parse(&with_indicator(ok), "c.toml").unwrap();
        let cases = [
            (ok.replace("proportion", "median"), "unknown variant `median`"),
            (
                ok.replace("table = \"outcomes\", value = \"numerator\"", "table = \"nope\", value = \"numerator\""),
                "expected one of the tables",
            ),
            (ok.replace("higher is better", "up"), "polarity must be"),
            (format!("{ok}sexes = [\"Both\"]\n"), "expected Male, Female or Persons"),
            (format!("{ok}ages = {{ from = 3 }}\n"), "expected the start age of a life-table band"),
            (format!("{ok}framework = \"nope\"\n"), "expected one of the frameworks"),
            (format!("{ok}levels = [\"Ward\"]\n"), "expected one of the level types"),
            (format!("{ok}colour = \"red\"\n"), "unknown field `colour`"),
        ];
        for (text, wanted) in cases {
            let full = with_indicator(&text);
            let e = Catalogue::parse(&full, "c.toml").unwrap_err().to_string();
            assert!(e.starts_with("c.toml, line "), "{e}");
            assert!(e.contains(wanted), "{e}");
        }
        let e = Catalogue::parse("[catalogue\nname=1", "c.toml").unwrap_err().to_string();
        assert!(e.starts_with("c.toml, line 1"), "{e}");
    }

    #[test]
    fn period_labels_are_the_portals() {
        assert_eq!(PeriodKind::Calendar.label(2024), "2024");
        assert_eq!(PeriodKind::Financial.label(2023), "2023/24");
        assert_eq!(PeriodKind::Financial.label(1999), "1999/00");
        assert_eq!(PeriodKind::Rolling3Year.label(2024), "2022 - 24");
    }
}
