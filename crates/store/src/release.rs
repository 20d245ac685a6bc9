//! Data releases: the results of `compute` imported whole, in one transaction.
//!
//! [`Store::begin_import`] opens the import, [`ReleaseImport::push`] adds result batches (Arrow
//! record batches whose columns are found by their results-table names, see
//! [`VALUE_COLUMNS`]) and [`ReleaseImport::finish`] commits them as the newest release, unless a
//! release with the same content is already stored (then nothing changes). An import dropped
//! before `finish`, or one that fails, leaves the database as it was: the previous release
//! whole and still the newest, and readers see it until the new one commits.
//!
//! Speed: on SQLite the rows go in multi-row `INSERT`s of [`SQLITE_ROWS_PER_INSERT`] rows
//! (prepared once, text bound without copying), the next statement bound while SQLite runs the
//! last; on PostgreSQL through `COPY … FROM STDIN` in binary format, a few megabytes at a time.
//!
//! On PostgreSQL the value table is partitioned by release (migration 0009): an import creates
//! its release's partition as a table of its own in its transaction (invisible to others until
//! the commit), copies the rows into it with no index to keep up to date, then builds its key and
//! its index by indicator in one sorted pass each and attaches it to the value table. Attaching
//! takes a lock that readers do not wait for (`SHARE UPDATE EXCLUSIVE`), so readers see the
//! previous release until the commit; building an index whole costs a fraction of keeping it up
//! to date row by row (5 million rows arriving by indicator land all over the key). A duplicate
//! row is found when the key is built, and named then.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use arrow_array::RecordBatch;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::sqlite::{SqliteConnectOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, Executor, PgConnection, Row, SqliteConnection};

use crate::columns::{self, Number, Text};
use crate::deprivation::{self, DecileTotals, NATIONAL_DECILES};
use crate::error::{Context, Result, StoreError};
use crate::{utc_now, Actor, Location, Store};

/// The value table's columns after its key, in order, each a number (`true`) or text, named as
/// in the results table.
pub const VALUE_COLUMNS: [(&str, bool); 29] = [
    ("value", true),
    ("lower_95", true),
    ("upper_95", true),
    ("lower_99_8", true),
    ("upper_99_8", true),
    ("count", true),
    ("denominator", true),
    ("value_note", false),
    ("recent_trend", false),
    ("compared_to_benchmark_95", false),
    ("compared_to_benchmark_99_8", false),
    ("statistic", false),
    ("method", false),
    ("benchmark", false),
    ("benchmark_value", true),
    ("quintile", false),
    ("trend_reason", false),
    ("sii", true),
    ("sii_lower_95", true),
    ("sii_upper_95", true),
    ("sii_lower_99_8", true),
    ("sii_upper_99_8", true),
    ("rii", true),
    ("rii_lower_95", true),
    ("rii_upper_95", true),
    ("gap_most_minus_least_deprived", true),
    ("ratio_most_to_least_deprived", true),
    ("excess_count", true),
    ("inequality_note", false),
];

/// The value table's key and period columns, before [`VALUE_COLUMNS`].
const VALUE_KEY: [&str; 6] =
    ["release_id", "area_id", "indicator_id", "breakdown_id", "time_period", "time_period_sortable"];

/// Rows in one multi-row `INSERT` on SQLite: 35 columns × 500 rows = 17,500 parameters, under
/// SQLite's limit of 32,766.
pub const SQLITE_ROWS_PER_INSERT: usize = 500;

/// Bytes of binary `COPY` data handed to PostgreSQL at a time: small enough that the server is
/// already storing the first rows of a batch while the next are encoded.
const COPY_PART: usize = 64 << 10;

/// What describes a release besides its rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReleaseInfo {
    /// Its name, unique ("2026-12 core indicators").
    pub name: String,
    /// The date it was released, `YYYY-MM-DD`.
    pub released_on: String,
    /// The catalogue the results were computed from ("core").
    pub catalogue_id: Option<String>,
    /// That catalogue's version.
    pub catalogue_version: Option<String>,
    /// The inputs (files with sizes and hashes, options), as JSON.
    pub manifest: serde_json::Value,
    /// Indicator definitions by indicator id, stored with the indicators (the results table
    /// itself has none).
    pub definitions: BTreeMap<String, String>,
}

/// A stored release.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Release {
    /// Its id; a higher id is a newer release.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// The date it was released, `YYYY-MM-DD`.
    pub released_on: String,
    /// When it was imported, RFC 3339 UTC.
    pub imported_at: String,
    /// The catalogue.
    pub catalogue_id: Option<String>,
    /// The catalogue's version.
    pub catalogue_version: Option<String>,
    /// SHA-256 of its rows, hex.
    pub content_hash: String,
    /// The inputs, as JSON.
    pub manifest: serde_json::Value,
    /// Its number of rows.
    pub row_count: i64,
    /// Who imported it ([`Actor::label`]).
    pub imported_by: String,
}

/// What an import did.
#[derive(Clone, Debug, PartialEq)]
pub enum ImportOutcome {
    /// A new release, now the newest.
    Imported(Release),
    /// The same content was already stored as this release; nothing changed.
    Unchanged(Release),
}

impl ImportOutcome {
    /// The release imported or found.
    pub fn release(&self) -> &Release {
        match self {
            ImportOutcome::Imported(r) | ImportOutcome::Unchanged(r) => r,
        }
    }
}

/// The import's own connection, on the backend's own driver (for `COPY` and for binding text
/// without copying), in a transaction begun by hand: dropping the connection closes it, which
/// rolls the transaction back at once, as a crash would.
enum ImportTx {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

/// Runs `$body` with `$c` bound to the import's transaction, whichever the backend.
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            ImportTx::Sqlite($c) => $body,
            ImportTx::Postgres($c) => $body,
        }
    };
}

/// An import under way: push batches, then finish. Dropping it rolls everything back.
pub struct ReleaseImport {
    store: Store,
    info: ReleaseInfo,
    actor: Actor,
    tx: ImportTx,
    release_id: i64,
    hasher: Sha256,
    rows: u64,
    /// Area ids by code, then by area type (a code can name areas of two levels).
    areas: HashMap<String, Vec<(String, i64)>>,
    indicators: HashMap<String, i64>,
    /// Breakdowns by sex, age, category type and category, each followed by U+001F.
    breakdowns: HashMap<String, i64>,
    breakdown_buf: String,
    copy: Vec<u8>,
    insert_sql: String,
    /// Whether the import dropped the index by indicator, to build it again at the end.
    rebuild_index: bool,
    /// What the catalogue says of each indicator, by indicator id, as JSON.
    metadata: HashMap<String, String>,
    /// The denominators of the national deprivation-decile rows, for the areas' deprivation.
    decile_totals: DecileTotals,
    /// Each area's type, by its id.
    area_types: HashMap<i64, String>,
    /// The catalogue's named peer groups: each group's code and its members' codes.
    peer_groups: Vec<(String, Vec<String>)>,
}

impl Store {
    /// Starts importing a release described by `info`, made by `actor`. The import holds its
    /// own connection and transaction (on SQLite, the write lock) until finished or dropped.
    ///
    /// # Errors
    /// An empty name, a `released_on` that is not a date, or a database that cannot be reached.
    pub async fn begin_import(&self, info: ReleaseInfo, actor: &Actor) -> Result<ReleaseImport> {
        if info.name.trim().is_empty() {
            return Err(StoreError::BadInput("the release's name is empty".into()));
        }
        if !crate::time::is_date(&info.released_on) {
            return Err(StoreError::BadInput(format!(
                "the release's date \"{}\": expected a date YYYY-MM-DD",
                info.released_on
            )));
        }
        let opening = || "opening a connection for the import".to_string();
        let mut tx = match self.location() {
            Location::Sqlite(path) => {
                let options = SqliteConnectOptions::new()
                    .filename(path)
                    .foreign_keys(true)
                    .busy_timeout(std::time::Duration::from_secs(10))
                    .synchronous(SqliteSynchronous::Normal)
                    // Up to 2 GiB of page cache (taken only as the import needs it): the rows
                    // arrive in the results' order (by indicator), not the key's (by area), so
                    // each indicator's rows go all over the table; a cache smaller than the
                    // release makes every indicator re-read and re-write it (5 million rows
                    // took twice the CPU time with 256 MiB).
                    .pragma("cache_size", "-2097152");
                let mut conn = options.connect().await.context(opening)?;
                conn.execute("BEGIN IMMEDIATE").await.context(opening)?;
                ImportTx::Sqlite(conn)
            }
            Location::Postgres(url) => {
                let mut conn = PgConnection::connect(url).await.context(opening)?;
                conn.execute("BEGIN").await.context(opening)?;
                ImportTx::Postgres(conn)
            }
        };
        let next_id = match &tx {
            ImportTx::Sqlite(..) => "SELECT COALESCE(MAX(id), 0) + 1 FROM release",
            ImportTx::Postgres(..) => "SELECT nextval(pg_get_serial_sequence('release', 'id'))",
        };
        let release_id: i64 = on_tx!(&mut tx, c => sqlx::query_scalar(next_id).fetch_one(&mut *c).await)
            .context(|| "numbering the new release".into())?;
        if let ImportTx::Postgres(c) = &mut tx {
            // The release's partition, with the check that lets it be attached without a scan;
            // memory for building its indexes in one sort each.
            let sql = format!(
                "SET LOCAL maintenance_work_mem = '256MB'; CREATE TABLE {p} (LIKE value INCLUDING DEFAULTS, \
                 CONSTRAINT {p}_release CHECK (release_id = {release_id}))",
                p = partition(release_id)
            );
            c.execute(sql.as_str()).await.context(|| "creating the new release's partition".into())?;
        }
        let insert_sql = insert_sql(SQLITE_ROWS_PER_INSERT);
        Ok(ReleaseImport {
            store: self.clone(),
            info,
            actor: actor.clone(),
            tx,
            release_id,
            hasher: Sha256::new(),
            rows: 0,
            areas: HashMap::new(),
            indicators: HashMap::new(),
            breakdowns: HashMap::new(),
            breakdown_buf: String::new(),
            copy: Vec::new(),
            insert_sql,
            rebuild_index: false,
            metadata: HashMap::new(),
            decile_totals: DecileTotals::default(),
            area_types: HashMap::new(),
            peer_groups: Vec::new(),
        })
    }

    /// Imports `batches` as one release (see [`Store::begin_import`]).
    ///
    /// # Errors
    /// As [`ReleaseImport::push`] and [`ReleaseImport::finish`]; nothing is kept.
    pub async fn import_release(
        &self,
        info: ReleaseInfo,
        actor: &Actor,
        batches: &[RecordBatch],
    ) -> Result<ImportOutcome> {
        let mut import = self.begin_import(info, actor).await?;
        import.expect_rows(batches.iter().map(|b| b.num_rows() as u64).sum()).await?;
        for batch in batches {
            import.push(batch).await?;
        }
        import.finish().await
    }
}

/// The columns of one batch, resolved once.
struct BatchColumns<'a> {
    indicator: Text<'a>,
    indicator_name: Text<'a>,
    framework: Text<'a>,
    domain: Text<'a>,
    measure: Text<'a>,
    polarity: Text<'a>,
    area: Text<'a>,
    area_name: Text<'a>,
    area_type: Text<'a>,
    parent_code: Text<'a>,
    parent_name: Text<'a>,
    sex: Text<'a>,
    age: Text<'a>,
    category_type: Text<'a>,
    category: Text<'a>,
    period: Text<'a>,
    sortable: Number<'a>,
    denominator: Number<'a>,
    data: Vec<Column<'a>>,
}

/// A value column of a batch.
enum Column<'a> {
    Text(Text<'a>),
    Number(Number<'a>),
}

impl<'a> BatchColumns<'a> {
    fn of(batch: &'a RecordBatch) -> Result<BatchColumns<'a>> {
        let data = VALUE_COLUMNS
            .iter()
            .map(|(name, is_number)| {
                Ok(if *is_number {
                    Column::Number(columns::number(batch, name)?)
                } else {
                    Column::Text(columns::text(batch, name)?)
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(BatchColumns {
            indicator: columns::required_text(batch, "indicator_id")?,
            indicator_name: columns::text(batch, "indicator_name")?,
            framework: columns::text(batch, "framework")?,
            domain: columns::text(batch, "domain")?,
            measure: columns::text(batch, "measure")?,
            polarity: columns::text(batch, "polarity")?,
            area: columns::required_text(batch, "area_code")?,
            area_name: columns::text(batch, "area_name")?,
            area_type: columns::text(batch, "area_type")?,
            parent_code: columns::text(batch, "parent_code")?,
            parent_name: columns::text(batch, "parent_name")?,
            sex: columns::required_text(batch, "sex")?,
            age: columns::required_text(batch, "age")?,
            category_type: columns::text(batch, "category_type")?,
            category: columns::text(batch, "category")?,
            period: columns::required_text(batch, "time_period")?,
            sortable: columns::number(batch, "time_period_sortable")?,
            denominator: columns::number(batch, "denominator")?,
            data,
        })
    }
}

/// The key of one row, checked.
struct RowKey<'a> {
    indicator: &'a str,
    area: &'a str,
    sex: &'a str,
    age: &'a str,
    category_type: &'a str,
    category: &'a str,
    period: &'a str,
    sortable: Option<i64>,
}

impl ReleaseImport {
    /// What the catalogue says of the indicators (by indicator id), stored with each indicator
    /// when its first row is pushed; give it before the first [`ReleaseImport::push`].
    /// Indicators not named keep what an earlier import stored.
    ///
    /// # Errors
    /// Metadata that cannot be written as JSON (a number that is not finite).
    pub fn describe_indicators(&mut self, metadata: &BTreeMap<String, crate::IndicatorMetadata>) -> Result<()> {
        for (id, m) in metadata {
            let json = serde_json::to_string(m)
                .map_err(|e| StoreError::BadInput(format!("the metadata of the indicator {id}: {e}")))?;
            self.metadata.insert(id.clone(), json);
        }
        Ok(())
    }

    /// The catalogue's named peer groups (`[[peer_group]]`: each group's code, as its rows
    /// name it, and its members' codes), stored with the release ([`Store::peer_groups`]).
    pub fn describe_peer_groups(&mut self, groups: impl IntoIterator<Item = (String, Vec<String>)>) {
        self.peer_groups.extend(groups);
    }

    /// Rows pushed so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Says how many rows are coming, before the first [`ReleaseImport::push`]: on SQLite,
    /// when they are at least as many as the rows already stored, the index of values by
    /// indicator is dropped for the load and built again (sorted, once) before the commit,
    /// which costs less than keeping it up to date row by row (5 million rows: 29 s of CPU
    /// instead of 35 s). Within the import's transaction: an import that fails or is killed
    /// leaves the index as it was.
    ///
    /// # Errors
    /// A failed statement (the import is then unusable: drop it).
    pub async fn expect_rows(&mut self, rows: u64) -> Result<()> {
        let ImportTx::Sqlite(conn) = &mut self.tx else { return Ok(()) };
        if self.rows > 0 || self.rebuild_index {
            return Ok(());
        }
        let context = || "dropping the index of values by indicator for the import".to_string();
        let stored: i64 = sqlx::query_scalar("SELECT CAST(COALESCE(SUM(row_count), 0) AS INTEGER) FROM release")
            .fetch_one(&mut *conn)
            .await
            .context(context)?;
        if rows >= u64::try_from(stored).unwrap_or(0) {
            conn.execute("DROP INDEX IF EXISTS value_by_indicator").await.context(context)?;
            self.rebuild_index = true;
        }
        Ok(())
    }

    /// Adds a batch of result rows.
    ///
    /// # Errors
    /// A batch without a key column (`indicator_id`, `area_code`, `sex`, `age`,
    /// `time_period`), a column of the wrong type, a row with an empty key, a category without
    /// its category type, a `time_period_sortable` that is not a whole number, two rows with the
    /// same indicator, area, breakdown and period, or a failed statement. The import is then
    /// unusable: drop it, and nothing is kept.
    pub async fn push(&mut self, batch: &RecordBatch) -> Result<()> {
        let cols = BatchColumns::of(batch)?;
        let first_row = self.rows + 1;
        let mut ids = Vec::with_capacity(batch.num_rows());
        let mut keys = Vec::with_capacity(batch.num_rows());
        for row in 0..batch.num_rows() {
            let key = self.row_key(&cols, row, first_row + row as u64)?;
            let id = self.resolve(&cols, row, &key).await?;
            if key.category_type == NATIONAL_DECILES && key.sex == "Persons" {
                self.decile_totals.add(id[1], id[2], key.sortable, key.period, cols.denominator.get(row));
            }
            ids.push(id);
            keys.push(key);
        }
        match self.tx {
            ImportTx::Sqlite(..) => self.insert_sqlite(&cols, &keys, &ids, first_row).await?,
            ImportTx::Postgres(..) => self.copy_postgres(&cols, &keys, &ids, first_row).await?,
        }
        self.rows += batch.num_rows() as u64;
        Ok(())
    }

    /// Reads and checks the key of `row` (`number` counts from the release's first row).
    fn row_key<'a>(&self, cols: &BatchColumns<'a>, row: usize, number: u64) -> Result<RowKey<'a>> {
        let required = |column: &Text<'a>, name: &str| {
            column.get(row).filter(|v| !v.is_empty()).ok_or_else(|| {
                StoreError::BadInput(format!("the results' row {number}: the column \"{name}\" is empty"))
            })
        };
        let category = cols.category.get(row).unwrap_or("");
        let category_type = cols.category_type.get(row).unwrap_or("");
        if !category.is_empty() && category_type.is_empty() {
            return Err(StoreError::BadInput(format!(
                "the results' row {number}: the category \"{category}\" has no category_type"
            )));
        }
        let sortable = match cols.sortable.get(row) {
            None => None,
            Some(v) if v.fract() == 0.0 && v.abs() < 1e15 => Some(v as i64),
            Some(v) => {
                return Err(StoreError::BadInput(format!(
                    "the results' row {number}: the column \"time_period_sortable\" is {v}: expected a whole number"
                )))
            }
        };
        Ok(RowKey {
            indicator: required(&cols.indicator, "indicator_id")?,
            area: required(&cols.area, "area_code")?,
            sex: required(&cols.sex, "sex")?,
            age: required(&cols.age, "age")?,
            category_type,
            category,
            period: required(&cols.period, "time_period")?,
            sortable,
        })
    }

    /// The ids of the row's area, indicator and breakdown, stored when first seen (the latest
    /// release's names win).
    async fn resolve(&mut self, cols: &BatchColumns<'_>, row: usize, key: &RowKey<'_>) -> Result<[i64; 3]> {
        let area_type = cols.area_type.get(row).unwrap_or("");
        let known = self.areas.get(key.area).and_then(|t| t.iter().find(|(t, _)| t == area_type)).map(|(_, id)| *id);
        let area = match known {
            Some(id) => id,
            None => {
                let sql =
                    "INSERT INTO area (code, name, area_type, parent_code, parent_name) VALUES ($1, $2, $3, $4, $5) \
                           ON CONFLICT (code, area_type) DO UPDATE SET name = excluded.name, \
                           parent_code = excluded.parent_code, parent_name = excluded.parent_name RETURNING id";
                let name = cols.area_name.get(row).unwrap_or(key.area);
                let (parent, parent_name) = (cols.parent_code.get(row), cols.parent_name.get(row));
                let id: i64 = on_tx!(&mut self.tx, c => sqlx::query_scalar(sql)
                    .bind(key.area).bind(name).bind(area_type).bind(parent).bind(parent_name)
                    .fetch_one(&mut *c).await)
                .context(|| format!("storing the area {} ({area_type})", key.area))?;
                self.areas.entry(key.area.to_string()).or_default().push((area_type.to_string(), id));
                self.area_types.insert(id, area_type.to_string());
                id
            }
        };
        let indicator = match self.indicators.get(key.indicator) {
            Some(id) => *id,
            None => {
                let sql = "INSERT INTO indicator (code, name, framework, domain, measure, polarity, definition, \
                           metadata) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (code) DO UPDATE SET \
                           name = excluded.name, framework = excluded.framework, domain = excluded.domain, \
                           measure = excluded.measure, polarity = excluded.polarity, \
                           definition = COALESCE(excluded.definition, indicator.definition), \
                           metadata = COALESCE(excluded.metadata, indicator.metadata) RETURNING id";
                let name = cols.indicator_name.get(row).unwrap_or(key.indicator);
                let definition = self.info.definitions.get(key.indicator).map(String::as_str);
                let metadata = self.metadata.get(key.indicator).map(String::as_str);
                let id: i64 = on_tx!(&mut self.tx, c => sqlx::query_scalar(sql)
                    .bind(key.indicator).bind(name).bind(cols.framework.get(row)).bind(cols.domain.get(row))
                    .bind(cols.measure.get(row)).bind(cols.polarity.get(row)).bind(definition).bind(metadata)
                    .fetch_one(&mut *c).await)
                .context(|| format!("storing the indicator {}", key.indicator))?;
                self.indicators.insert(key.indicator.to_string(), id);
                id
            }
        };
        // The breakdown's key in a reused buffer (fields separated by a character no label
        // holds), so that the usual case, a breakdown seen before, allocates nothing.
        self.breakdown_buf.clear();
        for part in [key.sex, key.age, key.category_type, key.category] {
            self.breakdown_buf.push_str(part);
            self.breakdown_buf.push('\u{1f}');
        }
        let breakdown = match self.breakdowns.get(self.breakdown_buf.as_str()) {
            Some(id) => *id,
            None => {
                let sql = "INSERT INTO breakdown (sex, age, category_type, category) VALUES ($1, $2, $3, $4) \
                           ON CONFLICT (sex, age, category_type, category) DO UPDATE SET sex = excluded.sex RETURNING id";
                let id: i64 = on_tx!(&mut self.tx, c => sqlx::query_scalar(sql)
                    .bind(key.sex).bind(key.age).bind(key.category_type).bind(key.category)
                    .fetch_one(&mut *c).await)
                .context(|| {
                    format!("storing the breakdown {} {} {} {}", key.sex, key.age, key.category_type, key.category)
                })?;
                self.breakdowns.insert(self.breakdown_buf.clone(), id);
                id
            }
        };
        Ok([area, indicator, breakdown])
    }

    /// Inserts the batch's rows on SQLite, [`SQLITE_ROWS_PER_INSERT`] at a time, adding each row
    /// to the content hash. While SQLite's worker thread runs one statement, this thread hashes
    /// the next chunk's rows and binds its parameters, so the two work side by side.
    async fn insert_sqlite(
        &mut self,
        cols: &BatchColumns<'_>,
        keys: &[RowKey<'_>],
        ids: &[[i64; 3]],
        first: u64,
    ) -> Result<()> {
        let ReleaseImport { tx: ImportTx::Sqlite(tx), hasher, insert_sql: full, release_id, .. } = self else {
            return Ok(());
        };
        let release_id = *release_id;
        let chunks: Vec<(usize, usize)> = (0..keys.len())
            .step_by(SQLITE_ROWS_PER_INSERT)
            .map(|start| (start, (start + SQLITE_ROWS_PER_INSERT).min(keys.len())))
            .collect();
        let partial = insert_sql(keys.len() % SQLITE_ROWS_PER_INSERT);
        let chunk = |hasher: &mut Sha256, (start, end): (usize, usize)| {
            let sql = if end - start == SQLITE_ROWS_PER_INSERT { full.as_str() } else { partial.as_str() };
            let mut query = sqlx::query(sql);
            for row in start..end {
                let key = &keys[row];
                hash_row(hasher, cols, row, key);
                let [area, indicator, breakdown] = ids[row];
                query = query
                    .bind(release_id)
                    .bind(area)
                    .bind(indicator)
                    .bind(breakdown)
                    .bind(key.period)
                    .bind(key.sortable);
                for column in &cols.data {
                    query = match column {
                        Column::Text(c) => query.bind(c.get(row)),
                        Column::Number(c) => query.bind(c.get(row)),
                    };
                }
            }
            query
        };
        let Some(&head) = chunks.first() else { return Ok(()) };
        let mut query = chunk(hasher, head);
        for (i, &(start, end)) in chunks.iter().enumerate() {
            let mut running = std::pin::pin!(query.execute(&mut *tx));
            // The first poll hands the statement to SQLite's worker thread.
            let polled =
                std::future::poll_fn(|cx| std::task::Poll::Ready(std::future::Future::poll(running.as_mut(), cx)))
                    .await;
            let next = chunks.get(i + 1).map(|&c| chunk(hasher, c));
            let done = match polled {
                std::task::Poll::Ready(done) => done,
                std::task::Poll::Pending => running.await,
            };
            done.map_err(|e| duplicate_or(e, first + start as u64, first + end as u64 - 1))?;
            match next {
                Some(next) => query = next,
                None => break,
            }
        }
        Ok(())
    }

    /// Streams the batch's rows to PostgreSQL in one binary `COPY`, [`COPY_PART`] bytes at a
    /// time, adding each row to the content hash: the server stores each part while the next is
    /// encoded.
    async fn copy_postgres(
        &mut self,
        cols: &BatchColumns<'_>,
        keys: &[RowKey<'_>],
        ids: &[[i64; 3]],
        first: u64,
    ) -> Result<()> {
        let ReleaseImport { tx: ImportTx::Postgres(tx), hasher, copy: part, release_id, .. } = self else {
            return Ok(());
        };
        let last = first + keys.len() as u64 - 1;
        let context = || format!("copying the release's rows {first} to {last}");
        let statement =
            format!("COPY {} ({}) FROM STDIN (FORMAT binary)", partition(*release_id), value_columns().join(", "));
        let mut copy = tx.copy_in_raw(&statement).await.context(context)?;
        part.clear();
        part.extend_from_slice(COPY_BINARY_HEADER);
        let mut sent = Ok(());
        for (row, key) in keys.iter().enumerate() {
            hash_row(hasher, cols, row, key);
            encode_copy_row(part, *release_id, ids[row], key, cols, row);
            if part.len() >= COPY_PART {
                sent = copy.send(&part[..]).await.map(|_| ());
                part.clear();
                if sent.is_err() {
                    break;
                }
            }
        }
        if sent.is_ok() {
            part.extend_from_slice(COPY_BINARY_TRAILER);
            sent = copy.send(&part[..]).await.map(|_| ());
        }
        if let Err(e) = sent {
            let _ = copy.abort("the import failed").await;
            return Err(e).context(context);
        }
        copy.finish().await.map_err(|e| duplicate_or(e, first, last))?;
        Ok(())
    }

    /// Commits the release, unless one with the same content is stored already (then rolls
    /// back and returns it).
    ///
    /// # Errors
    /// No rows, a release of the same name with other content, or a failed statement; nothing
    /// is kept.
    pub async fn finish(mut self) -> Result<ImportOutcome> {
        if self.rows == 0 {
            return Err(StoreError::BadInput(format!("the release \"{}\" has no rows", self.info.name)));
        }
        let hash = self.hasher.clone().finalize().iter().fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        });
        if let Some(existing) = self.store.release_by("content_hash", &hash).await? {
            self.close(false).await?;
            return Ok(ImportOutcome::Unchanged(existing));
        }
        if self.store.release_by("name", &self.info.name).await?.is_some() {
            return Err(StoreError::Conflict(format!(
                "a release named \"{}\" is already stored, with other content: give the new one another name",
                self.info.name
            )));
        }
        let release = Release {
            id: self.release_id,
            name: self.info.name.clone(),
            released_on: self.info.released_on.clone(),
            imported_at: utc_now(),
            catalogue_id: self.info.catalogue_id.clone(),
            catalogue_version: self.info.catalogue_version.clone(),
            content_hash: hash,
            manifest: self.info.manifest.clone(),
            row_count: self.rows as i64,
            imported_by: self.actor.label(),
        };
        let manifest = release.manifest.to_string();
        let after = serde_json::to_string(&release).map_err(|e| StoreError::BadInput(format!("the release: {e}")))?;
        let context = || format!("storing the release \"{}\"", release.name);
        on_tx!(&mut self.tx, c => sqlx::query(
            "INSERT INTO release (id, name, released_on, imported_at, catalogue_id, catalogue_version, content_hash, \
             manifest, row_count, imported_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
            .bind(release.id).bind(&release.name).bind(&release.released_on).bind(&release.imported_at)
            .bind(&release.catalogue_id).bind(&release.catalogue_version).bind(&release.content_hash)
            .bind(&manifest).bind(release.row_count).bind(&release.imported_by)
            .execute(&mut *c).await.map(|_| ()))
        .context(context)?;
        on_tx!(&mut self.tx, c => sqlx::query(
            "INSERT INTO audit (at, actor, entity, entity_id, action, before, after) VALUES ($1, $2, 'release', $3, 'import', NULL, $4)")
            .bind(&release.imported_at).bind(&release.imported_by).bind(&release.name).bind(&after)
            .execute(&mut *c).await.map(|_| ()))
        .context(context)?;
        // Fresh statistics, so that the planners read one area's rows by the key (SQLite
        // samples at most a thousand rows of each index).
        if self.rebuild_index {
            on_tx!(&mut self.tx, c => c.execute(VALUE_BY_INDICATOR).await.map(|_| ())).context(context)?;
        }
        self.attach_partition().await?;
        self.store_deprivation().await?;
        self.store_peer_groups().await?;
        let analyze = match &self.tx {
            ImportTx::Sqlite(_) => "PRAGMA analysis_limit = 1000; ANALYZE".to_string(),
            // The new partition only: the others' statistics stand.
            ImportTx::Postgres(_) => {
                format!("ANALYZE {}; ANALYZE area; ANALYZE indicator; ANALYZE breakdown", partition(self.release_id))
            }
        };
        on_tx!(&mut self.tx, c => c.execute(analyze.as_str()).await.map(|_| ())).context(context)?;
        self.close(true).await?;
        Ok(ImportOutcome::Imported(release))
    }

    /// Stores the members of the named peer groups given (each pair once).
    async fn store_peer_groups(&mut self) -> Result<()> {
        let mut pairs: Vec<(String, String)> = self
            .peer_groups
            .iter()
            .flat_map(|(g, members)| members.iter().map(move |m| (g.clone(), m.clone())))
            .collect();
        pairs.sort();
        pairs.dedup();
        let release_id = self.release_id;
        let context = || "storing the peer groups' members".to_string();
        for chunk in pairs.chunks(300) {
            let values: Vec<String> =
                (0..chunk.len()).map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3)).collect();
            let sql = format!(
                "INSERT INTO peer_group_member (release_id, group_code, area_code) VALUES {}",
                values.join(", ")
            );
            on_tx!(&mut self.tx, c => {
                let mut query = sqlx::query(&sql);
                for (group, area) in chunk {
                    query = query.bind(release_id).bind(group).bind(area);
                }
                query.execute(&mut *c).await.map(|_| ())
            })
            .context(context)?;
        }
        Ok(())
    }

    /// On PostgreSQL, builds the key and the index by indicator of the release's partition and
    /// attaches it to the value table (see the module's documentation). Two rows with the same
    /// key are found here, and named by their codes.
    async fn attach_partition(&mut self) -> Result<()> {
        let ImportTx::Postgres(c) = &mut self.tx else { return Ok(()) };
        let p = partition(self.release_id);
        let key =
            format!("ALTER TABLE {p} ADD PRIMARY KEY (release_id, area_id, indicator_id, breakdown_id, time_period)");
        if let Err(e) = c.execute(key.as_str()).await {
            let duplicate = matches!(&e, sqlx::Error::Database(d) if d.is_unique_violation());
            if !duplicate {
                return Err(e).context(|| "building the new release's key".into());
            }
            let detail = e
                .as_database_error()
                .and_then(|d| d.try_downcast_ref::<sqlx::postgres::PgDatabaseError>())
                .and_then(|d| d.detail())
                .map(|d| self.name_key(d))
                .unwrap_or_default();
            return Err(StoreError::BadInput(format!(
                "the results: two rows for the same indicator, area, sex, age, category and time period{detail}"
            )));
        }
        let context = || "attaching the new release's values".to_string();
        let sql = format!(
            "CREATE INDEX {p}_by_indicator ON {p} (release_id, indicator_id, breakdown_id, time_period); \
             ALTER TABLE value ATTACH PARTITION {p} FOR VALUES IN ({})",
            self.release_id
        );
        c.execute(sql.as_str()).await.context(context)?;
        Ok(())
    }

    /// PostgreSQL's detail of a duplicate key ("Key (release_id, area_id, …)=(3, 7, 2, 5,
    /// 2019) is duplicated.") in the results' terms: " (area E06000001, indicator LE, Persons,
    /// All ages, period 2019, area type Unitary authority)"; empty when it does not read.
    fn name_key(&self, detail: &str) -> String {
        let Some(values) = detail.split("=(").nth(1).and_then(|v| v.split(')').next()) else { return String::new() };
        let parts: Vec<&str> = values.split(", ").collect();
        let [_, area, indicator, breakdown, period @ ..] = parts.as_slice() else { return String::new() };
        let find = |map: &HashMap<String, i64>, id: &str| {
            map.iter().find(|(_, v)| v.to_string() == id).map(|(k, _)| k.replace('\u{1f}', " ").trim().to_string())
        };
        let area = self.areas.iter().find_map(|(code, types)| {
            types.iter().find(|(_, v)| v.to_string() == *area).map(|(t, _)| (code.clone(), t.clone()))
        });
        let (Some((area, area_type)), Some(indicator), Some(breakdown)) =
            (area, find(&self.indicators, indicator), find(&self.breakdowns, breakdown))
        else {
            return String::new();
        };
        format!(
            " (area {area}, indicator {indicator}, {breakdown}, period {}, area type {area_type})",
            period.join(", ")
        )
    }

    /// Derives and stores each area's deprivation in the new release (see
    /// [`crate::AreaDeprivation`]): nothing when its rows have no national deprivation deciles.
    async fn store_deprivation(&mut self) -> Result<()> {
        // Each breakdown's age and decile, from the keys of the breakdowns seen.
        let mut of_breakdown: HashMap<i64, (String, u8)> = HashMap::new();
        for (key, &id) in &self.breakdowns {
            let parts: Vec<&str> = key.split('\u{1f}').collect();
            if let [_, age, NATIONAL_DECILES, category, ..] = parts.as_slice() {
                if let Some(d) = deprivation::decile_of(category) {
                    of_breakdown.insert(id, ((*age).to_string(), d));
                }
            }
        }
        let Some(basis) = self.decile_totals.basis(|b| of_breakdown.get(&b).cloned()) else { return Ok(()) };
        let context = || "deriving the areas' deprivation".to_string();
        let ids: Vec<String> = basis.breakdowns.iter().map(|(b, _)| b.to_string()).collect();
        let sql = format!(
            "SELECT area_id, breakdown_id, denominator FROM value WHERE release_id = $1 AND indicator_id = $2 \
             AND time_period = $3 AND breakdown_id IN ({}) AND denominator IS NOT NULL",
            ids.join(", ")
        );
        let release_id = self.release_id;
        let rows: Vec<(i64, i64, f64)> = on_tx!(&mut self.tx, c => sqlx::query_as(&sql)
            .bind(release_id).bind(basis.indicator).bind(&basis.period)
            .fetch_all(&mut *c).await)
        .context(context)?;
        let decile: HashMap<i64, u8> = basis.breakdowns.iter().copied().collect();
        let rows: Vec<(i64, u8, f64)> =
            rows.into_iter().filter_map(|(a, b, n)| decile.get(&b).map(|&d| (a, d, n))).collect();
        let scored: Vec<(i64, String, f64)> = deprivation::scores(&rows)
            .into_iter()
            .map(|(a, s)| (a, self.area_types.get(&a).cloned().unwrap_or_default(), s))
            .collect();
        let deciles = deprivation::deciles_within_type(&scored);
        let indicator = self.indicators.iter().find(|(_, &id)| id == basis.indicator).map_or("", |(c, _)| c.as_str());
        let text = format!(
            "the population-weighted mean national deprivation decile of the area's small areas (1 most deprived, \
             10 least), weighted by the denominators of {indicator} (Persons, {}, {}) by decile",
            basis.age, basis.period
        );
        for (chunk, deciles) in scored.chunks(200).zip(deciles.chunks(200)) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("(${}, ${}, ${}, ${}, ${})", 5 * i + 1, 5 * i + 2, 5 * i + 3, 5 * i + 4, 5 * i + 5))
                .collect();
            let sql = format!(
                "INSERT INTO area_deprivation (release_id, area_id, score, decile, basis) VALUES {}",
                values.join(", ")
            );
            on_tx!(&mut self.tx, c => {
                let mut query = sqlx::query(&sql);
                for ((area, _, score), decile) in chunk.iter().zip(deciles) {
                    query = query.bind(release_id).bind(*area).bind(*score).bind(*decile).bind(&text);
                }
                query.execute(&mut *c).await.map(|_| ())
            })
            .context(context)?;
        }
        Ok(())
    }

    /// Commits (`commit`) or rolls back the transaction, and closes the connection.
    async fn close(self, commit: bool) -> Result<()> {
        let statement = if commit { "COMMIT" } else { "ROLLBACK" };
        let context = || format!("ending the import of the release \"{}\"", self.info.name);
        match self.tx {
            ImportTx::Sqlite(mut conn) => {
                conn.execute(statement).await.context(context)?;
                conn.close().await.context(context)
            }
            ImportTx::Postgres(mut conn) => {
                conn.execute(statement).await.context(context)?;
                conn.close().await.context(context)
            }
        }
    }
}

/// Adds the row to the content hash: every stored field in a fixed order, each tagged
/// (null, text with its length, number by its bits), so that no two contents hash alike
/// by accident of layout.
fn hash_row(h: &mut Sha256, cols: &BatchColumns<'_>, row: usize, key: &RowKey<'_>) {
    let text = |h: &mut Sha256, v: Option<&str>| match v {
        None => h.update([0u8]),
        Some(s) => {
            h.update([1u8]);
            h.update((s.len() as u64).to_le_bytes());
            h.update(s.as_bytes());
        }
    };
    let number = |h: &mut Sha256, v: Option<f64>| match v {
        None => h.update([0u8]),
        Some(x) => {
            h.update([2u8]);
            h.update(x.to_bits().to_le_bytes());
        }
    };
    for v in [key.indicator, key.area, key.sex, key.age, key.category_type, key.category, key.period] {
        text(h, Some(v));
    }
    number(h, key.sortable.map(|v| v as f64));
    for column in [
        &cols.indicator_name,
        &cols.framework,
        &cols.domain,
        &cols.measure,
        &cols.polarity,
        &cols.area_name,
        &cols.area_type,
        &cols.parent_code,
        &cols.parent_name,
    ] {
        text(h, column.get(row));
    }
    for column in &cols.data {
        match column {
            Column::Text(c) => text(h, c.get(row)),
            Column::Number(c) => number(h, c.get(row)),
        }
    }
}

/// The name of release `id`'s partition of the value table on PostgreSQL.
pub(crate) fn partition(id: i64) -> String {
    format!("value_r{id}")
}

/// The index of values by indicator, as `migrations/0001_data_releases.sql` creates it.
const VALUE_BY_INDICATOR: &str =
    "CREATE INDEX value_by_indicator ON value (release_id, indicator_id, breakdown_id, time_period)";

/// Every column of the value table, in order.
fn value_columns() -> Vec<&'static str> {
    VALUE_KEY.iter().copied().chain(VALUE_COLUMNS.iter().map(|c| c.0)).collect()
}

/// A multi-row `INSERT` into the value table for `rows` rows (SQLite only), with anonymous `?`
/// parameters: SQLite looks a named parameter (`$1`) up in a list, which for thousands of them
/// took most of an import's time.
fn insert_sql(rows: usize) -> String {
    let columns = value_columns();
    let row = format!("({})", vec!["?"; columns.len()].join(", "));
    format!("INSERT INTO value ({}) VALUES {}", columns.join(", "), vec![row; rows].join(", "))
}

/// A unique-key violation as "two rows with the same key" among rows `first..=last`, or the
/// driver's error.
fn duplicate_or(error: sqlx::Error, first: u64, last: u64) -> StoreError {
    let unique = matches!(&error, sqlx::Error::Database(e) if e.is_unique_violation());
    if unique {
        StoreError::BadInput(format!(
            "the results' rows {first} to {last}: two rows for the same indicator, area, sex, age, category and \
             time period ({error})"
        ))
    } else {
        StoreError::Database { context: format!("storing the results' rows {first} to {last}"), source: error }
    }
}

/// Appends one row of the value table in `COPY … (FORMAT binary)` layout: the number of
/// fields, then each field as its length and bytes (big-endian `BIGINT` and IEEE-754 `DOUBLE
/// PRECISION`, UTF-8 `TEXT`), or a length of -1 for NULL. Binary spares the server from
/// parsing each number from text, and reaches it bit for bit.
fn encode_copy_row(
    out: &mut Vec<u8>,
    release: i64,
    ids: [i64; 3],
    key: &RowKey<'_>,
    cols: &BatchColumns<'_>,
    row: usize,
) {
    let fields = VALUE_KEY.len() + cols.data.len();
    out.extend_from_slice(&(fields as i16).to_be_bytes());
    for id in [release, ids[0], ids[1], ids[2]] {
        copy_bigint(out, Some(id));
    }
    copy_text(out, Some(key.period));
    copy_bigint(out, key.sortable);
    for column in &cols.data {
        match column {
            Column::Text(c) => copy_text(out, c.get(row)),
            Column::Number(c) => match c.get(row) {
                Some(v) => {
                    out.extend_from_slice(&8i32.to_be_bytes());
                    out.extend_from_slice(&v.to_be_bytes());
                }
                None => out.extend_from_slice(&(-1i32).to_be_bytes()),
            },
        }
    }
}

/// The start of a binary `COPY` stream: its signature, flags and header extension length.
const COPY_BINARY_HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";

/// The end of a binary `COPY` stream: a field count of -1.
const COPY_BINARY_TRAILER: &[u8] = &[0xff, 0xff];

/// Appends a `BIGINT` field (or NULL) in binary `COPY` layout.
fn copy_bigint(out: &mut Vec<u8>, value: Option<i64>) {
    match value {
        Some(v) => {
            out.extend_from_slice(&8i32.to_be_bytes());
            out.extend_from_slice(&v.to_be_bytes());
        }
        None => out.extend_from_slice(&(-1i32).to_be_bytes()),
    }
}

/// Appends a `TEXT` field (or NULL) in binary `COPY` layout: its length in bytes, then UTF-8.
fn copy_text(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        Some(v) => {
            out.extend_from_slice(&(v.len() as i32).to_be_bytes());
            out.extend_from_slice(v.as_bytes());
        }
        None => out.extend_from_slice(&(-1i32).to_be_bytes()),
    }
}

/// Reads a release row.
fn release_of(row: &sqlx::any::AnyRow) -> Result<Release, sqlx::Error> {
    let manifest: String = row.try_get("manifest")?;
    Ok(Release {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        released_on: row.try_get("released_on")?,
        imported_at: row.try_get("imported_at")?,
        catalogue_id: row.try_get("catalogue_id")?,
        catalogue_version: row.try_get("catalogue_version")?,
        content_hash: row.try_get("content_hash")?,
        manifest: serde_json::from_str(&manifest).unwrap_or(serde_json::Value::String(manifest)),
        row_count: row.try_get("row_count")?,
        imported_by: row.try_get("imported_by")?,
    })
}

/// The columns of a release row.
const RELEASE_COLUMNS: &str = "id, name, released_on, imported_at, catalogue_id, catalogue_version, content_hash, \
                               manifest, row_count, imported_by";

impl Store {
    /// Every release, newest first.
    ///
    /// # Errors
    /// A failed query.
    pub async fn releases(&self) -> Result<Vec<Release>> {
        let rows = sqlx::query(&format!("SELECT {RELEASE_COLUMNS} FROM release ORDER BY id DESC"))
            .fetch_all(self.pool())
            .await
            .context(|| "reading the releases".into())?;
        rows.iter().map(release_of).collect::<Result<_, _>>().context(|| "reading the releases".into())
    }

    /// The newest release: the one shown. `None` before the first import.
    ///
    /// # Errors
    /// A failed query.
    pub async fn latest_release(&self) -> Result<Option<Release>> {
        let row = sqlx::query(&format!("SELECT {RELEASE_COLUMNS} FROM release ORDER BY id DESC LIMIT 1"))
            .fetch_optional(self.pool())
            .await
            .context(|| "reading the newest release".into())?;
        row.as_ref().map(release_of).transpose().context(|| "reading the newest release".into())
    }

    /// The release named `name`.
    ///
    /// # Errors
    /// A failed query.
    pub async fn release(&self, name: &str) -> Result<Option<Release>> {
        self.release_by("name", name).await
    }

    /// The release whose `column` (name or content_hash) is `value`.
    async fn release_by(&self, column: &str, value: &str) -> Result<Option<Release>> {
        let row = sqlx::query(&format!("SELECT {RELEASE_COLUMNS} FROM release WHERE {column} = $1"))
            .bind(value)
            .fetch_optional(self.pool())
            .await
            .context(|| format!("reading the release of {column} {value}"))?;
        row.as_ref().map(release_of).transpose().context(|| format!("reading the release of {column} {value}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_fields_are_length_prefixed_big_endian() {
        let mut out = Vec::new();
        copy_text(&mut out, Some("2019/20"));
        copy_text(&mut out, None);
        copy_bigint(&mut out, Some(258));
        assert_eq!(
            out,
            [&[0, 0, 0, 7][..], b"2019/20", &[0xff, 0xff, 0xff, 0xff], &[0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 1, 2]].concat()
        );
        assert_eq!(COPY_BINARY_HEADER.len(), 19);
    }
}
