//! Every area's latest whole-area values in one read: what the web's per-release cache is
//! built from (the area profiles and the spreads of their spine charts).

use crate::error::{Context, Result};
use crate::values::{latest_whole_area_sql, value_of, ValueSource};
use crate::{Store, ValueRow};

impl Store {
    /// For every area, indicator and whole-area breakdown (sex, age) of release `release_id`,
    /// the row of the latest period (the highest `time_period_sortable`; rows without one are
    /// never latest). Ordered by area code, indicator, sex, age. Empty for an unknown release.
    ///
    /// This is [`Store::area_latest_values`] for every area at once; one query, read once per
    /// release.
    ///
    /// # Errors
    /// A failed query.
    pub async fn latest_whole_area_values(&self, release_id: i64) -> Result<Vec<ValueRow>> {
        let what = || format!("reading the latest values of every area in release {release_id}");
        let source = self.value_source(Some(release_id)).await?;
        let Some((table, release)) = source.table_and_release("$1") else { return Ok(Vec::new()) };
        let sql = latest_whole_area_sql(&table, &release, None, "a.code, i.code, b.sex, b.age, v.time_period");
        let mut query = sqlx::query(&sql);
        if source == ValueSource::Table {
            query = query.bind(release_id);
        }
        let rows = query.fetch_all(self.pool()).await.context(what)?;
        rows.iter().map(value_of).collect::<Result<_, _>>().context(what)
    }
}
