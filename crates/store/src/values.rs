//! Reading what releases hold: areas, indicators, values, and what changed between releases.

use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::error::{Context, Result};
use crate::Store;

/// An area of the geography.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Area {
    /// Its GSS code (E06000001, W06000015, …).
    pub code: String,
    /// Its name.
    pub name: String,
    /// Its type ("Upper tier local authority", …).
    pub area_type: String,
    /// Its parent's code.
    pub parent_code: Option<String>,
    /// Its parent's name.
    pub parent_name: Option<String>,
}

/// An indicator of the catalogue.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Indicator {
    /// Its id in the catalogue.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its framework.
    pub framework: Option<String>,
    /// Its domain within the framework.
    pub domain: Option<String>,
    /// Its measure ("dsr", "proportion", …).
    pub measure: Option<String>,
    /// Its polarity ("higher is better", "lower is better", …).
    pub polarity: Option<String>,
    /// Its definition, when the release gave one.
    pub definition: Option<String>,
    /// What the catalogue said of it besides (names of its framework and domain, numerator,
    /// denominator, source, method); every field `None` when the import was given none.
    #[serde(flatten)]
    pub metadata: IndicatorMetadata,
}

/// What an indicator's page says about it beyond its name and ids, in words, taken from the
/// catalogue at import ([`crate::ReleaseImport::describe_indicators`]) and stored as JSON with
/// the indicator. Every field is optional: a release imported without its catalogue has none.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IndicatorMetadata {
    /// The framework's name ("Marmot principles").
    pub framework_name: Option<String>,
    /// The domain's name ("Give every child the best start in life").
    pub domain_name: Option<String>,
    /// The numerator in words ("deaths: sum of deaths where cause is cardiovascular").
    pub numerator: Option<String>,
    /// The denominator in words.
    pub denominator: Option<String>,
    /// Where the data and the definition come from.
    pub source: Option<String>,
    /// How the values and their limits are computed, in words.
    pub method: Option<String>,
    /// Values are per this many (100 for a percentage, 100,000 for a rate).
    pub multiplier: Option<f64>,
    /// What the values are ("proportion", "rate", "dsr", "other").
    pub value_type: Option<String>,
    /// The domain's place among its framework's domains (0 the first), for headings in the
    /// catalogue's order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_position: Option<u32>,
}

/// One value of a release, its fields named as in the results table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ValueRow {
    /// The indicator's id.
    pub indicator_id: String,
    /// The indicator's name.
    pub indicator_name: String,
    /// The area's code.
    pub area_code: String,
    /// The area's name.
    pub area_name: String,
    /// The area's type.
    pub area_type: String,
    /// Male, Female or Persons.
    pub sex: String,
    /// The age label.
    pub age: String,
    /// The category type of a breakdown row (deprivation deciles), `None` for the whole area.
    pub category_type: Option<String>,
    /// The category (decile), `None` for the whole area.
    pub category: Option<String>,
    /// The period's label.
    pub time_period: String,
    /// The period's last year, for sorting.
    pub time_period_sortable: Option<i64>,
    /// The value.
    pub value: Option<f64>,
    /// Lower 95% limit.
    pub lower_95: Option<f64>,
    /// Upper 95% limit.
    pub upper_95: Option<f64>,
    /// Lower 99.8% limit.
    pub lower_99_8: Option<f64>,
    /// Upper 99.8% limit.
    pub upper_99_8: Option<f64>,
    /// The count (numerator).
    pub count: Option<f64>,
    /// The denominator.
    pub denominator: Option<f64>,
    /// Why a value is missing or flagged ("suppressed", …).
    pub value_note: Option<String>,
    /// The recent trend.
    pub recent_trend: Option<String>,
    /// Comparison with the benchmark at 95%.
    pub compared_to_benchmark_95: Option<String>,
    /// Comparison with the benchmark at 99.8%.
    pub compared_to_benchmark_99_8: Option<String>,
    /// The statistic.
    pub statistic: Option<String>,
    /// The method.
    pub method: Option<String>,
    /// The benchmark's name.
    pub benchmark: Option<String>,
    /// The benchmark's value.
    pub benchmark_value: Option<f64>,
    /// The quintile among areas of the same type.
    pub quintile: Option<String>,
    /// Why the trend is what it is.
    pub trend_reason: Option<String>,
    /// Slope index of inequality.
    pub sii: Option<f64>,
    /// Its lower 95% limit.
    pub sii_lower_95: Option<f64>,
    /// Its upper 95% limit.
    pub sii_upper_95: Option<f64>,
    /// Its lower 99.8% limit.
    pub sii_lower_99_8: Option<f64>,
    /// Its upper 99.8% limit.
    pub sii_upper_99_8: Option<f64>,
    /// Relative index of inequality.
    pub rii: Option<f64>,
    /// Its lower 95% limit.
    pub rii_lower_95: Option<f64>,
    /// Its upper 95% limit.
    pub rii_upper_95: Option<f64>,
    /// Most minus least deprived decile.
    pub gap_most_minus_least_deprived: Option<f64>,
    /// Most over least deprived decile.
    pub ratio_most_to_least_deprived: Option<f64>,
    /// Excess count at the least deprived decile's rates.
    pub excess_count: Option<f64>,
    /// A note on the inequality summaries.
    pub inequality_note: Option<String>,
}

/// The joins and columns a [`ValueRow`] is read from, the values from `table` (aliased `v`).
pub(crate) fn value_select(table: &str) -> String {
    format!( "SELECT i.code AS indicator_id, i.name AS indicator_name, a.code AS area_code, \
    a.name AS area_name, a.area_type, b.sex, b.age, b.category_type, b.category, v.time_period, v.time_period_sortable, \
    v.value, v.lower_95, v.upper_95, v.lower_99_8, v.upper_99_8, v.count, v.denominator, v.value_note, v.recent_trend, \
    v.compared_to_benchmark_95, v.compared_to_benchmark_99_8, v.statistic, v.method, v.benchmark, v.benchmark_value, \
    v.quintile, v.trend_reason, v.sii, v.sii_lower_95, v.sii_upper_95, v.sii_lower_99_8, v.sii_upper_99_8, v.rii, \
    v.rii_lower_95, v.rii_upper_95, v.gap_most_minus_least_deprived, v.ratio_most_to_least_deprived, v.excess_count, \
    v.inequality_note FROM {table} v JOIN indicator i ON i.id = v.indicator_id JOIN area a ON a.id = v.area_id \
    JOIN breakdown b ON b.id = v.breakdown_id"
    )
}

/// The statement that reads, for each area, indicator and whole-area breakdown (sex, age), the
/// row of the latest period (the highest `time_period_sortable`; rows without one are never
/// latest) of the release `release` names (an SQL expression) in `table` (the value table or
/// the release's partition), for every area or for the one `area` names (an SQL expression),
/// ordered by `order`. The latest periods are found once, by a
/// grouped join, rather than by a correlated `MAX` for each candidate row.
pub(crate) fn latest_whole_area_sql(table: &str, release: &str, area: Option<&str>, order: &str) -> String {
    let of_area = |alias: &str| area.map(|a| format!(" AND {alias}.area_id = {a}")).unwrap_or_default();
    format!(
        "{} JOIN (SELECT w.area_id, w.indicator_id, w.breakdown_id, \
           MAX(w.time_period_sortable) AS latest FROM {table} w JOIN breakdown wb ON wb.id = w.breakdown_id \
           WHERE w.release_id = {release}{} AND wb.category_type = '' \
           GROUP BY w.area_id, w.indicator_id, w.breakdown_id) l \
         ON l.area_id = v.area_id AND l.indicator_id = v.indicator_id AND l.breakdown_id = v.breakdown_id \
         AND l.latest = v.time_period_sortable WHERE v.release_id = {release}{} ORDER BY {order}",
        value_select(table),
        of_area("w"),
        of_area("v"),
    )
}

/// Where a release's values are read from.
///
/// On PostgreSQL the value table is partitioned by release (`migrations/0009_…`), and a
/// statement that names the release by a subquery (the newest) leaves the planner the whole
/// partitioned table, planned from the parent's estimates, with the partition chosen only when
/// the statement runs: a worse join order than for the one table. So a read first looks the
/// release's partition up (one small query) and names it, with the release id as a literal.
/// SQLite reads the one value table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ValueSource {
    /// The value table, the release named in the statement (SQLite).
    Table,
    /// Release `id`'s partition of the value table (PostgreSQL).
    Partition(i64),
    /// No such release, or a release without rows (PostgreSQL, which has no partition for it).
    Empty,
}

impl ValueSource {
    /// Where the values of `release` (as read from the release table; `None`: no release)
    /// are, with no query: on PostgreSQL a release with rows has its partition (the import
    /// attaches it with the release, migration 0009 made one for each release with rows).
    pub(crate) fn of_release(store: &Store, release: Option<&crate::Release>) -> ValueSource {
        match (store.backend(), release) {
            (crate::Backend::Sqlite, _) => ValueSource::Table,
            (crate::Backend::Postgres, Some(r)) if r.row_count > 0 => ValueSource::Partition(r.id),
            (crate::Backend::Postgres, _) => ValueSource::Empty,
        }
    }

    /// The table to read and the SQL expression of the release: `release` (an SQL
    /// expression, for [`ValueSource::Table`]), or the partition's id. `None` when there is
    /// nothing to read.
    pub(crate) fn table_and_release(&self, release: &str) -> Option<(String, String)> {
        match self {
            ValueSource::Table => Some(("value".to_string(), release.to_string())),
            ValueSource::Partition(id) => Some((crate::release::partition(*id), id.to_string())),
            ValueSource::Empty => None,
        }
    }
}

impl Store {
    /// Where the values of release `release` (an id; the newest when `None`) are read from
    /// (see [`ValueSource`]). No query on SQLite.
    ///
    /// # Errors
    /// A failed query.
    pub(crate) async fn value_source(&self, release: Option<i64>) -> Result<ValueSource> {
        if self.backend() == crate::Backend::Sqlite {
            return Ok(ValueSource::Table);
        }
        // The release, if its partition is attached to the value table.
        let which = match release {
            Some(_) => "$1",
            None => "(SELECT MAX(id) FROM release)",
        };
        let sql = format!(
            "SELECT r.id FROM release r JOIN pg_inherits h ON h.inhparent = 'value'::regclass \
             JOIN pg_class c ON c.oid = h.inhrelid AND c.relname = 'value_r' || r.id WHERE r.id = {which}"
        );
        let mut query = sqlx::query_scalar::<_, i64>(&sql);
        if let Some(id) = release {
            query = query.bind(id);
        }
        let id = query.fetch_optional(self.pool()).await.context(|| "finding the release's values".into())?;
        Ok(id.map_or(ValueSource::Empty, ValueSource::Partition))
    }
}

/// Text that stands for "none" in the breakdown table.
fn none_if_empty(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

pub(crate) fn value_of(r: &AnyRow) -> Result<ValueRow, sqlx::Error> {
    Ok(ValueRow {
        indicator_id: r.try_get("indicator_id")?,
        indicator_name: r.try_get("indicator_name")?,
        area_code: r.try_get("area_code")?,
        area_name: r.try_get("area_name")?,
        area_type: r.try_get("area_type")?,
        sex: r.try_get("sex")?,
        age: r.try_get("age")?,
        category_type: none_if_empty(r.try_get("category_type")?),
        category: none_if_empty(r.try_get("category")?),
        time_period: r.try_get("time_period")?,
        time_period_sortable: r.try_get("time_period_sortable")?,
        value: r.try_get("value")?,
        lower_95: r.try_get("lower_95")?,
        upper_95: r.try_get("upper_95")?,
        lower_99_8: r.try_get("lower_99_8")?,
        upper_99_8: r.try_get("upper_99_8")?,
        count: r.try_get("count")?,
        denominator: r.try_get("denominator")?,
        value_note: r.try_get("value_note")?,
        recent_trend: r.try_get("recent_trend")?,
        compared_to_benchmark_95: r.try_get("compared_to_benchmark_95")?,
        compared_to_benchmark_99_8: r.try_get("compared_to_benchmark_99_8")?,
        statistic: r.try_get("statistic")?,
        method: r.try_get("method")?,
        benchmark: r.try_get("benchmark")?,
        benchmark_value: r.try_get("benchmark_value")?,
        quintile: r.try_get("quintile")?,
        trend_reason: r.try_get("trend_reason")?,
        sii: r.try_get("sii")?,
        sii_lower_95: r.try_get("sii_lower_95")?,
        sii_upper_95: r.try_get("sii_upper_95")?,
        sii_lower_99_8: r.try_get("sii_lower_99_8")?,
        sii_upper_99_8: r.try_get("sii_upper_99_8")?,
        rii: r.try_get("rii")?,
        rii_lower_95: r.try_get("rii_lower_95")?,
        rii_upper_95: r.try_get("rii_upper_95")?,
        gap_most_minus_least_deprived: r.try_get("gap_most_minus_least_deprived")?,
        ratio_most_to_least_deprived: r.try_get("ratio_most_to_least_deprived")?,
        excess_count: r.try_get("excess_count")?,
        inequality_note: r.try_get("inequality_note")?,
    })
}

/// Which values to read; every filter left `None` matches all.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ValueQuery {
    /// The release by id; the newest when `None`.
    pub release: Option<i64>,
    /// The indicator's id.
    pub indicator: Option<String>,
    /// The area's code.
    pub area: Option<String>,
    /// The period's label.
    pub time_period: Option<String>,
    /// Male, Female or Persons.
    pub sex: Option<String>,
    /// The age label ("All ages", "<75 yrs").
    pub age: Option<String>,
    /// The breakdown rows of this category type ("LSOA deprivation deciles (national)").
    pub category_type: Option<String>,
    /// The breakdown rows of this category (a decile's label).
    pub category: Option<String>,
    /// Only areas of this type ("Local authority", "Region", …).
    pub area_type: Option<String>,
    /// Only whole-area rows (`Some(true)`), only breakdown rows (`Some(false)`), or both.
    pub whole_area: Option<bool>,
    /// At most this many rows (all when `None`).
    pub limit: Option<i64>,
    /// Rows to skip first.
    pub offset: i64,
}

/// A value that differs between two releases.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Revision {
    /// The indicator's id.
    pub indicator_id: String,
    /// The area's code.
    pub area_code: String,
    /// Sex.
    pub sex: String,
    /// Age.
    pub age: String,
    /// Category type, `None` for the whole area.
    pub category_type: Option<String>,
    /// Category, `None` for the whole area.
    pub category: Option<String>,
    /// The period.
    pub time_period: String,
    /// The value in the earlier release (`None`: no row, or no value).
    pub before: Option<f64>,
    /// The value in the later release (`None`: no row, or no value).
    pub after: Option<f64>,
    /// "added", "removed" or "revised".
    pub change: &'static str,
}

impl Store {
    /// The area with GSS code `code`; where the code names areas of two levels (a unitary
    /// authority is a lower-tier and an upper-tier local authority), the finest of them (see
    /// [`area_by_code_sql`]).
    ///
    /// # Errors
    /// A failed query.
    pub async fn area(&self, code: &str) -> Result<Option<Area>> {
        Ok(self.areas_of_code(code).await?.into_iter().next())
    }

    /// The area with GSS code `code` of `area_type` (`None`: as [`Store::area`]).
    ///
    /// # Errors
    /// A failed query.
    pub async fn area_of_type(&self, code: &str, area_type: Option<&str>) -> Result<Option<Area>> {
        let areas = self.areas_of_code(code).await?;
        Ok(match area_type {
            None => areas.into_iter().next(),
            Some(t) => areas.into_iter().find(|a| a.area_type == t),
        })
    }

    /// Every area with GSS code `code` (one per level it is on), the finest level first: the
    /// type with the most areas (a level's areas are fewer the higher it is), then by type.
    ///
    /// # Errors
    /// A failed query.
    pub async fn areas_of_code(&self, code: &str) -> Result<Vec<Area>> {
        let rows = sqlx::query(
            "SELECT a.code, a.name, a.area_type, a.parent_code, a.parent_name FROM area a WHERE a.code = $1 \
             ORDER BY (SELECT COUNT(*) FROM area b WHERE b.area_type = a.area_type) DESC, a.area_type",
        )
        .bind(code)
        .fetch_all(self.pool())
        .await
        .context(|| format!("reading the area {code}"))?;
        rows.iter().map(area_of).collect::<Result<_, _>>().context(|| format!("reading the area {code}"))
    }

    /// Every area, or those of `area_type`, by code.
    ///
    /// # Errors
    /// A failed query.
    pub async fn areas(&self, area_type: Option<&str>) -> Result<Vec<Area>> {
        let rows = sqlx::query(
            "SELECT code, name, area_type, parent_code, parent_name FROM area WHERE ($1 IS NULL OR area_type = $1) \
             ORDER BY code",
        )
        .bind(area_type)
        .fetch_all(self.pool())
        .await
        .context(|| "reading the areas".into())?;
        rows.iter().map(area_of).collect::<Result<_, _>>().context(|| "reading the areas".into())
    }

    /// The indicator with id `id`.
    ///
    /// # Errors
    /// A failed query.
    pub async fn indicator(&self, id: &str) -> Result<Option<Indicator>> {
        let row = sqlx::query(
            "SELECT code, name, framework, domain, measure, polarity, definition, metadata FROM indicator \
             WHERE code = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await
        .context(|| format!("reading the indicator {id}"))?;
        row.map(|r| indicator_of(&r)).transpose().context(|| format!("reading the indicator {id}"))
    }

    /// Every indicator, by id.
    ///
    /// # Errors
    /// A failed query.
    pub async fn indicators(&self) -> Result<Vec<Indicator>> {
        let rows = sqlx::query(
            "SELECT code, name, framework, domain, measure, polarity, definition, metadata FROM indicator \
             ORDER BY code",
        )
        .fetch_all(self.pool())
        .await
        .context(|| "reading the indicators".into())?;
        rows.iter().map(indicator_of).collect::<Result<_, _>>().context(|| "reading the indicators".into())
    }

    /// An area's latest value of every indicator in the newest release: for each indicator,
    /// sex and age, the whole-area row of the latest period. Ordered by indicator, sex, age.
    /// Empty before the first import or for an unknown area.
    ///
    /// # Errors
    /// A failed query.
    pub async fn area_latest_values(&self, area_code: &str) -> Result<Vec<ValueRow>> {
        self.area_latest_values_of_type(area_code, None).await
    }

    /// [`Store::area_latest_values`] of the area `area_code` of `area_type` (`None`: the
    /// finest level the code is on, as [`Store::area`]).
    ///
    /// # Errors
    /// A failed query.
    pub async fn area_latest_values_of_type(&self, area_code: &str, area_type: Option<&str>) -> Result<Vec<ValueRow>> {
        let source = self.value_source(None).await?;
        let Some((table, release)) = source.table_and_release("(SELECT MAX(id) FROM release)") else {
            return Ok(Vec::new());
        };
        let sql = latest_whole_area_sql(
            &table,
            &release,
            Some(&format!("({})", area_by_code_sql("$1", "$2"))),
            "i.code, b.sex, b.age, v.time_period",
        );
        let rows = sqlx::query(&sql)
            .bind(area_code)
            .bind(area_type)
            .fetch_all(self.pool())
            .await
            .context(|| format!("reading the latest values of {area_code}"))?;
        rows.iter()
            .map(value_of)
            .collect::<Result<_, _>>()
            .context(|| format!("reading the latest values of {area_code}"))
    }

    /// The values `query` selects, ordered by indicator, area, sex, age, category type,
    /// category and period.
    ///
    /// # Errors
    /// A failed query.
    pub async fn values(&self, query: &ValueQuery) -> Result<Vec<ValueRow>> {
        let source = self.value_source(query.release).await?;
        self.values_from(query, &source).await
    }

    /// [`Store::values`] from `source`, which [`Store::value_source`] gave for
    /// `query.release`.
    ///
    /// # Errors
    /// A failed query.
    pub(crate) async fn values_from(&self, query: &ValueQuery, source: &ValueSource) -> Result<Vec<ValueRow>> {
        // Only the filters given go into the statement, areas and indicators by their ids, so
        // that both backends read one range of the value table's key.
        enum Arg<'a> {
            Text(&'a str),
            Int(i64),
        }
        let mut args: Vec<Arg<'_>> = Vec::new();
        let next = |args: &mut Vec<Arg<'_>>| format!("${}", args.len());
        let release = match (source, query.release) {
            (ValueSource::Table, Some(id)) => {
                args.push(Arg::Int(id));
                next(&mut args)
            }
            _ => "(SELECT MAX(id) FROM release)".to_string(),
        };
        let Some((table, release)) = source.table_and_release(&release) else { return Ok(Vec::new()) };
        let mut sql = format!("{} WHERE v.release_id = {release}", value_select(&table));
        if let Some(area) = &query.area {
            args.push(Arg::Text(area));
            let code = next(&mut args);
            let area_type = match &query.area_type {
                Some(t) => {
                    args.push(Arg::Text(t));
                    next(&mut args)
                }
                None => "NULL".to_string(),
            };
            sql.push_str(&format!(" AND v.area_id = ({})", area_by_code_sql(&code, &area_type)));
        }
        if let Some(indicator) = &query.indicator {
            args.push(Arg::Text(indicator));
            sql.push_str(&format!(" AND v.indicator_id = (SELECT id FROM indicator WHERE code = {})", next(&mut args)));
        }
        if let Some(period) = &query.time_period {
            args.push(Arg::Text(period));
            sql.push_str(&format!(" AND v.time_period = {}", next(&mut args)));
        }
        if let Some(sex) = &query.sex {
            args.push(Arg::Text(sex));
            sql.push_str(&format!(" AND b.sex = {}", next(&mut args)));
        }
        if let Some(age) = &query.age {
            args.push(Arg::Text(age));
            sql.push_str(&format!(" AND b.age = {}", next(&mut args)));
        }
        if let Some(category_type) = &query.category_type {
            args.push(Arg::Text(category_type));
            sql.push_str(&format!(" AND b.category_type = {}", next(&mut args)));
        }
        if let Some(category) = &query.category {
            args.push(Arg::Text(category));
            sql.push_str(&format!(" AND b.category = {}", next(&mut args)));
        }
        if let Some(area_type) = &query.area_type {
            args.push(Arg::Text(area_type));
            sql.push_str(&format!(" AND a.area_type = {}", next(&mut args)));
        }
        match query.whole_area {
            Some(true) => sql.push_str(" AND b.category_type = ''"),
            Some(false) => sql.push_str(" AND b.category_type <> ''"),
            None => {}
        }
        sql.push_str(
            " ORDER BY i.code, a.code, b.sex, b.age, b.category_type, b.category, v.time_period_sortable, v.time_period",
        );
        args.push(Arg::Int(query.limit.unwrap_or(i64::MAX)));
        sql.push_str(&format!(" LIMIT {}", next(&mut args)));
        args.push(Arg::Int(query.offset));
        sql.push_str(&format!(" OFFSET {}", next(&mut args)));
        let mut statement = sqlx::query(&sql);
        for arg in &args {
            statement = match arg {
                Arg::Text(t) => statement.bind(*t),
                Arg::Int(i) => statement.bind(*i),
            };
        }
        let rows = statement.fetch_all(self.pool()).await.context(|| "reading values".into())?;
        rows.iter().map(value_of).collect::<Result<_, _>>().context(|| "reading values".into())
    }

    /// What changed from release `before` to release `after` (ids): rows added, removed, or
    /// whose value or limits differ, ordered by indicator, area, breakdown and period.
    ///
    /// # Errors
    /// A failed query.
    pub async fn revisions(&self, before: i64, after: i64) -> Result<Vec<Revision>> {
        let changed = "o.value IS DISTINCT FROM n.value OR o.lower_95 IS DISTINCT FROM n.lower_95 \
                       OR o.upper_95 IS DISTINCT FROM n.upper_95";
        let sql = format!(
            "SELECT i.code AS indicator_id, a.code AS area_code, b.sex, b.age, b.category_type, b.category, \
             k.time_period, k.before, k.after, k.change FROM ( \
               SELECT n.area_id, n.indicator_id, n.breakdown_id, n.time_period, o.value AS before, n.value AS after, \
                 CASE WHEN o.release_id IS NULL THEN 'added' ELSE 'revised' END AS change \
               FROM value n LEFT JOIN value o ON o.release_id = $1 AND o.area_id = n.area_id \
                 AND o.indicator_id = n.indicator_id AND o.breakdown_id = n.breakdown_id AND o.time_period = n.time_period \
               WHERE n.release_id = $2 AND (o.release_id IS NULL OR {changed}) \
               UNION ALL \
               SELECT o.area_id, o.indicator_id, o.breakdown_id, o.time_period, o.value, NULL, 'removed' \
               FROM value o WHERE o.release_id = $1 AND NOT EXISTS (SELECT 1 FROM value n WHERE n.release_id = $2 \
                 AND n.area_id = o.area_id AND n.indicator_id = o.indicator_id AND n.breakdown_id = o.breakdown_id \
                 AND n.time_period = o.time_period) \
             ) k JOIN indicator i ON i.id = k.indicator_id JOIN area a ON a.id = k.area_id \
             JOIN breakdown b ON b.id = k.breakdown_id \
             ORDER BY i.code, a.code, b.sex, b.age, b.category_type, b.category, k.time_period"
        );
        let rows = sqlx::query(&sql)
            .bind(before)
            .bind(after)
            .fetch_all(self.pool())
            .await
            .context(|| format!("comparing the releases {before} and {after}"))?;
        rows.iter()
            .map(|r| {
                let change: String = r.try_get("change")?;
                Ok(Revision {
                    indicator_id: r.try_get("indicator_id")?,
                    area_code: r.try_get("area_code")?,
                    sex: r.try_get("sex")?,
                    age: r.try_get("age")?,
                    category_type: none_if_empty(r.try_get("category_type")?),
                    category: none_if_empty(r.try_get("category")?),
                    time_period: r.try_get("time_period")?,
                    before: r.try_get("before")?,
                    after: r.try_get("after")?,
                    change: match change.as_str() {
                        "added" => "added",
                        "removed" => "removed",
                        _ => "revised",
                    },
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .context(|| format!("comparing the releases {before} and {after}"))
    }
}

/// The statement giving the id of the area of code `code` and type `area_type` (both SQL
/// expressions; a NULL type: the finest level the code is on, the type with the most areas,
/// then the first type by name), as [`Store::areas_of_code`] orders them.
pub(crate) fn area_by_code_sql(code: &str, area_type: &str) -> String {
    format!(
        "SELECT a.id FROM area a WHERE a.code = {code} AND ({area_type} IS NULL OR a.area_type = {area_type}) \
         ORDER BY (SELECT COUNT(*) FROM area b WHERE b.area_type = a.area_type) DESC, a.area_type LIMIT 1"
    )
}

fn area_of(r: &AnyRow) -> Result<Area, sqlx::Error> {
    Ok(Area {
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        area_type: r.try_get("area_type")?,
        parent_code: r.try_get("parent_code")?,
        parent_name: r.try_get("parent_name")?,
    })
}

fn indicator_of(r: &AnyRow) -> Result<Indicator, sqlx::Error> {
    Ok(Indicator {
        id: r.try_get("code")?,
        name: r.try_get("name")?,
        framework: r.try_get("framework")?,
        domain: r.try_get("domain")?,
        measure: r.try_get("measure")?,
        polarity: r.try_get("polarity")?,
        definition: r.try_get("definition")?,
        // Metadata that does not read (written by a newer build) is shown as none.
        metadata: r
            .try_get::<Option<String>, _>("metadata")?
            .and_then(|m| serde_json::from_str(&m).ok())
            .unwrap_or_default(),
    })
}
