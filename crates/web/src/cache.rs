//! What the anonymous pages read, in memory: built once per release, swapped atomically.
//!
//! A [`ReleaseCache`] holds the newest release's areas (and their deprivation), indicators,
//! every area's latest whole-area rows ([`store::Store::latest_whole_area_values`]) and, for
//! the spine charts, the spread of values of each indicator among areas of a type ([`Spread`]), plus the places and
//! their recommendations' status counts for the home page. [`CacheCell::get`] hands out the
//! current one (an `Arc`, no copy); a request runs no SQL except the very first of the process
//! (which builds it). At most every [`CHECK_EVERY`], a request spawns a background check of
//! the store's latest release and, when it changed, a rebuild that replaces the cache when
//! done; requests keep being served from the old one meanwhile. Places are re-read by the same
//! check (their status changes through the edit pages without a new release). Installing a
//! release also starts the build of its ICB scorecards ([`crate::scorecard_cache`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use store::{Area, AreaDeprivation, Indicator, Place, Release, Store, ValueRow};

use crate::WebError;

/// How often a request may trigger a background check of the latest release.
pub const CHECK_EVERY: Duration = Duration::from_secs(2);

/// The key of a spread: indicator id, area type, sex, age, period.
pub type SpreadKey = (String, String, String, String, String);

/// The spread of the values of one indicator, breakdown and period among the areas of a type:
/// quartiles by linear interpolation between order statistics (R's default, type 7:
/// h = (n − 1)·p, q = x₍⌊h⌋₎ + (h − ⌊h⌋)(x₍⌊h⌋+1₎ − x₍⌊h⌋₎)).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spread {
    /// The lowest value.
    pub min: f64,
    /// The 25th percentile.
    pub q1: f64,
    /// The median.
    pub median: f64,
    /// The 75th percentile.
    pub q3: f64,
    /// The highest value.
    pub max: f64,
    /// How many areas had a value.
    pub n: usize,
}

impl Spread {
    /// The spread of the finite numbers of `values`; `None` when there is none.
    pub fn of(values: &[f64]) -> Option<Spread> {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let q = |p: f64| {
            let h = (v.len() - 1) as f64 * p;
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(v.len() - 1);
            v[lo] + (h - lo as f64) * (v[hi] - v[lo])
        };
        Some(Spread { min: v[0], q1: q(0.25), median: q(0.5), q3: q(0.75), max: v[v.len() - 1], n: v.len() })
    }
}

/// A place on the home page: the place and how many of its recommendations are at each status.
#[derive(Clone, Debug, PartialEq)]
pub struct PlaceSummary {
    /// The place.
    pub place: Place,
    /// Its recommendations' statuses with their counts, in the order of `store::Status::ALL`.
    pub statuses: Vec<(String, usize)>,
    /// How many targets it has.
    pub targets: usize,
}

/// One release's worth of what pages read, in memory.
#[derive(Debug, Default)]
pub struct ReleaseCache {
    /// The release (`None` before the first import).
    pub release: Option<Release>,
    /// Every area, by code; a code on two levels (a unitary authority is a lower-tier and an
    /// upper-tier local authority) has an area of each, the finest level first (the type with
    /// the most areas), as [`store::Store::areas_of_code`] orders them.
    pub areas: Vec<Area>,
    /// The areas of each code, as positions in `areas` (finest level first).
    area_index: HashMap<String, Vec<usize>>,
    /// Every indicator, by id.
    pub indicators: Vec<Indicator>,
    indicator_index: HashMap<String, usize>,
    /// Each area's latest whole-area rows (by code and area type), by indicator, sex, age.
    latest: HashMap<(String, String), Vec<ValueRow>>,
    spreads: HashMap<SpreadKey, Spread>,
    /// The places with their status counts.
    pub places: Vec<PlaceSummary>,
    /// Pages rendered from this release, kept to be served again.
    rendered: RenderedPages,
    /// Each area's deprivation in the release, by code and area type (the area profile's peer
    /// groups).
    deprivation: HashMap<(String, String), AreaDeprivation>,
    /// The named peer group (`[[peer_group]]`) each area is in, by the area's code.
    named_peer_groups: HashMap<String, String>,
}

/// The pages rendered from one release, by a key naming the page and its options: a page that
/// depends on nothing but the release and its URL is rendered once and then copied out. They go
/// with their release (a new release starts empty), and at most [`RenderedPages::BUDGET`] bytes
/// are kept (pages past it are rendered each time).
#[derive(Debug, Default)]
struct RenderedPages {
    pages: Mutex<(HashMap<String, Bytes>, usize)>,
}

impl RenderedPages {
    /// The bytes of pages kept at most.
    const BUDGET: usize = 64 << 20;
}

impl ReleaseCache {
    /// Reads everything from `store` (five queries plus one per place).
    ///
    /// # Errors
    /// The store's.
    pub async fn build(store: &Store) -> Result<ReleaseCache, WebError> {
        let release = store.latest_release().await?;
        let areas = store.areas(None).await?;
        let indicators = store.indicators().await?;
        let rows = match &release {
            Some(r) => store.latest_whole_area_values(r.id).await?,
            None => Vec::new(),
        };
        let places = place_summaries(store).await?;
        let (deprivation, groups) = match &release {
            Some(r) => (store.area_deprivation(r.id).await?, store.peer_groups(r.id).await?),
            None => Default::default(),
        };
        Ok(ReleaseCache::from_parts(release, areas, indicators, rows, places)
            .with_deprivation(deprivation)
            .with_peer_groups(groups))
    }

    /// The cache of these parts (the spreads computed from `rows`).
    pub fn from_parts(
        release: Option<Release>,
        mut areas: Vec<Area>,
        mut indicators: Vec<Indicator>,
        rows: Vec<ValueRow>,
        places: Vec<PlaceSummary>,
    ) -> ReleaseCache {
        let mut of_type: HashMap<String, usize> = HashMap::new();
        for a in &areas {
            *of_type.entry(a.area_type.clone()).or_default() += 1;
        }
        areas.sort_by(|a, b| {
            a.code
                .cmp(&b.code)
                .then(of_type[&b.area_type].cmp(&of_type[&a.area_type]))
                .then(a.area_type.cmp(&b.area_type))
        });
        indicators.sort_by(|a, b| a.id.cmp(&b.id));
        let mut area_index: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, a) in areas.iter().enumerate() {
            area_index.entry(a.code.clone()).or_default().push(i);
        }
        let indicator_index = indicators.iter().enumerate().map(|(i, a)| (a.id.clone(), i)).collect();
        let mut groups: HashMap<SpreadKey, Vec<f64>> = HashMap::new();
        for r in &rows {
            if let Some(v) = r.value {
                groups
                    .entry((
                        r.indicator_id.clone(),
                        r.area_type.clone(),
                        r.sex.clone(),
                        r.age.clone(),
                        r.time_period.clone(),
                    ))
                    .or_default()
                    .push(v);
            }
        }
        let spreads = groups.into_iter().filter_map(|(k, v)| Spread::of(&v).map(|s| (k, s))).collect();
        let mut latest: HashMap<(String, String), Vec<ValueRow>> = HashMap::new();
        for r in rows {
            latest.entry((r.area_code.clone(), r.area_type.clone())).or_default().push(r);
        }
        ReleaseCache {
            release,
            areas,
            area_index,
            indicators,
            indicator_index,
            latest,
            spreads,
            places,
            rendered: RenderedPages::default(),
            deprivation: HashMap::new(),
            named_peer_groups: HashMap::new(),
        }
    }

    /// The cache with the areas' deprivation (the area profile's peer groups).
    pub fn with_deprivation(mut self, rows: Vec<AreaDeprivation>) -> ReleaseCache {
        self.deprivation = rows.into_iter().map(|d| ((d.code.clone(), d.area_type.clone()), d)).collect();
        self
    }

    /// The cache with the named peer groups' members (group code → member codes); an area in
    /// two groups is taken to be in the first by code, as `compute` takes it.
    pub fn with_peer_groups(mut self, groups: std::collections::BTreeMap<String, Vec<String>>) -> ReleaseCache {
        for (group, members) in groups {
            for m in members {
                self.named_peer_groups.entry(m).or_insert_with(|| group.clone());
            }
        }
        self
    }

    /// The named peer group (its code) the area `code` is in.
    pub fn named_peer_group(&self, code: &str) -> Option<&str> {
        self.named_peer_groups.get(code).map(String::as_str)
    }

    /// The deprivation of the area `code` of `area_type` in the release.
    pub fn deprivation(&self, code: &str, area_type: &str) -> Option<&AreaDeprivation> {
        self.deprivation.get(&(code.to_string(), area_type.to_string()))
    }

    /// The page rendered earlier from this release under `key`, if it was kept.
    pub fn rendered(&self, key: &str) -> Option<Bytes> {
        let pages = self.rendered.pages.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        pages.0.get(key).cloned()
    }

    /// Keeps `html`, rendered from this release, under `key` while the pages kept stay within
    /// the budget; gives it back to be served.
    pub fn keep_rendered(&self, key: String, html: String) -> Bytes {
        let html = Bytes::from(html);
        let mut pages = self.rendered.pages.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if pages.1 + html.len() <= RenderedPages::BUDGET && !pages.0.contains_key(&key) {
            pages.1 += html.len();
            pages.0.insert(key, html.clone());
        }
        html
    }

    /// The area of `code`: where the code is on two levels, the finest (see [`ReleaseCache::areas`]).
    pub fn area(&self, code: &str) -> Option<&Area> {
        self.areas_of_code(code).next()
    }

    /// The area of `code` and `area_type` (`None`: as [`ReleaseCache::area`]).
    pub fn area_of_type(&self, code: &str, area_type: Option<&str>) -> Option<&Area> {
        self.areas_of_code(code).find(|a| area_type.is_none_or(|t| a.area_type == t))
    }

    /// The areas of `code`, one per level it is on, the finest first.
    pub fn areas_of_code<'a>(&'a self, code: &str) -> impl Iterator<Item = &'a Area> + 'a {
        self.area_index.get(code).into_iter().flatten().map(|&i| &self.areas[i])
    }

    /// The address of the area profile of `code` of `area_type`: `/areas/{code}`, with
    /// `?type=` where the code is on two levels and this is not the finest.
    pub fn area_href(&self, code: &str, area_type: &str) -> String {
        let path = format!("/areas/{}", crate::views::encode(code));
        match self.area(code) {
            Some(finest) if finest.area_type != area_type && self.area_of_type(code, Some(area_type)).is_some() => {
                format!("{path}?type={}", crate::views::encode(area_type))
            }
            _ => path,
        }
    }

    /// The parent of `area`: the area of its parent code whose type is not its own, the finest
    /// first (a unitary authority's lower-tier area has its own code as parent: its upper-tier
    /// area).
    pub fn parent_of(&self, area: &Area) -> Option<&Area> {
        self.areas_of_code(area.parent_code.as_deref()?).find(|a| a.area_type != area.area_type)
    }

    /// The indicator of `id`.
    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.indicator_index.get(id).map(|&i| &self.indicators[i])
    }

    /// The latest whole-area rows of `code` (empty for an area without any); of the finest
    /// level where the code is on two ([`ReleaseCache::area`]).
    pub fn latest(&self, code: &str) -> &[ValueRow] {
        self.area(code).map_or(&[], |a| self.latest_of(code, &a.area_type))
    }

    /// The latest whole-area rows of the area `code` of `area_type`.
    pub fn latest_of(&self, code: &str, area_type: &str) -> &[ValueRow] {
        self.latest.get(&(code.to_string(), area_type.to_string())).map_or(&[], Vec::as_slice)
    }

    /// The latest whole-area row of `code` for `indicator`, `sex` and `age`.
    pub fn latest_row(&self, code: &str, indicator: &str, sex: &str, age: &str) -> Option<&ValueRow> {
        self.latest(code).iter().find(|r| r.indicator_id == indicator && r.sex == sex && r.age == age)
    }

    /// [`ReleaseCache::latest_row`] of the area `code` of `area_type`.
    pub fn latest_row_of(
        &self,
        code: &str,
        area_type: &str,
        indicator: &str,
        sex: &str,
        age: &str,
    ) -> Option<&ValueRow> {
        self.latest_of(code, area_type).iter().find(|r| r.indicator_id == indicator && r.sex == sex && r.age == age)
    }

    /// The spread among areas of `area_type` of `indicator`'s values for `sex`, `age` and
    /// `period`.
    pub fn spread(&self, indicator: &str, area_type: &str, sex: &str, age: &str, period: &str) -> Option<&Spread> {
        let key = (indicator.to_string(), area_type.to_string(), sex.to_string(), age.to_string(), period.to_string());
        self.spreads.get(&key)
    }

    /// The latest rows of `indicator` (one sex, age, period) of every area of `area_type`,
    /// in the order of the areas' codes.
    pub fn latest_of_type<'a>(
        &'a self,
        indicator: &'a str,
        area_type: &'a str,
        sex: &'a str,
    ) -> impl Iterator<Item = &'a ValueRow> + 'a {
        self.areas.iter().filter(move |a| a.area_type == area_type).flat_map(move |a| {
            self.latest_of(&a.code, &a.area_type).iter().filter(move |r| r.indicator_id == indicator && r.sex == sex)
        })
    }

    /// The area types present, England first then by name.
    pub fn area_types(&self) -> Vec<String> {
        let mut types: Vec<String> = self.areas.iter().map(|a| a.area_type.clone()).collect();
        types.sort();
        types.dedup();
        types.sort_by_key(|t| t != "England");
        types
    }
}

/// Every place with its recommendations' status counts.
async fn place_summaries(store: &Store) -> Result<Vec<PlaceSummary>, WebError> {
    let mut out = Vec::new();
    for place in store.places().await? {
        let Some(view) = store.place_view(&place.fields.slug).await? else { continue };
        let mut statuses: Vec<(String, usize)> = Vec::new();
        for r in &view.recommendations {
            let s = r.status.label().to_string();
            match statuses.iter_mut().find(|(k, _)| *k == s) {
                Some((_, n)) => *n += 1,
                None => statuses.push((s, 1)),
            }
        }
        out.push(PlaceSummary { place, statuses, targets: view.targets.len() });
    }
    Ok(out)
}

/// The current cache of a server, swapped atomically when the release changes.
#[derive(Default)]
pub struct CacheCell {
    /// The ICB scorecards, built when a release is installed (issue 14: `scorecard_cache.rs`).
    pub(crate) scorecards: Arc<crate::scorecard_cache::ScorecardCell>,
    current: RwLock<Option<Arc<ReleaseCache>>>,
    building: tokio::sync::Mutex<()>,
    last_check: Mutex<Option<Instant>>,
    checking: AtomicBool,
}

impl CacheCell {
    /// The current cache; the first call builds it (the only time a request waits on the
    /// store). May spawn a background check ([`CHECK_EVERY`]).
    ///
    /// # Errors
    /// The store's, when the first build fails.
    pub async fn get(self: &Arc<Self>, store: &Store) -> Result<Arc<ReleaseCache>, WebError> {
        if let Some(c) = self.peek() {
            self.maybe_check(store);
            return Ok(c);
        }
        let _guard = self.building.lock().await;
        if let Some(c) = self.peek() {
            return Ok(c);
        }
        let built = Arc::new(ReleaseCache::build(store).await?);
        self.install(built.clone());
        self.scorecards.refresh_in_background(store, built.release.clone());
        Ok(built)
    }

    /// Rebuilds now and swaps it in (what the background check does when the release changed;
    /// tests call it after an import).
    ///
    /// # Errors
    /// The store's (the old cache stays).
    pub async fn refresh(&self, store: &Store) -> Result<Arc<ReleaseCache>, WebError> {
        let _guard = self.building.lock().await;
        let built = Arc::new(ReleaseCache::build(store).await?);
        self.install(built.clone());
        // A new release's scorecards are built now, off the request path.
        self.scorecards.refresh_in_background(store, built.release.clone());
        Ok(built)
    }

    fn peek(&self) -> Option<Arc<ReleaseCache>> {
        self.current.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn install(&self, cache: Arc<ReleaseCache>) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(cache);
        *self.last_check.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
    }

    /// Spawns a check of the latest release when the last is older than [`CHECK_EVERY`] and
    /// none is running: a new release (or a failed read of the old one) rebuilds; otherwise
    /// only the places are re-read.
    fn maybe_check(self: &Arc<Self>, store: &Store) {
        {
            let mut last = self.last_check.lock().unwrap_or_else(|e| e.into_inner());
            if last.is_some_and(|t| t.elapsed() < CHECK_EVERY) {
                return;
            }
            if self.checking.swap(true, Ordering::AcqRel) {
                return;
            }
            *last = Some(Instant::now());
        }
        let (cell, store) = (Arc::clone(self), store.clone());
        tokio::spawn(async move {
            let result = async {
                let latest = store.latest_release().await?.map(|r| r.id);
                let current = cell.peek();
                let cached = current.as_ref().and_then(|c| c.release.as_ref().map(|r| r.id));
                if latest != cached {
                    cell.refresh(&store).await?;
                } else if let Some(current) = current {
                    let places = place_summaries(&store).await?;
                    if places != current.places {
                        cell.refresh(&store).await?;
                    }
                }
                Ok::<_, WebError>(())
            }
            .await;
            if let Err(e) = result {
                eprintln!("fairer serve: refreshing the page cache: {e}");
            }
            cell.checking.store(false, Ordering::Release);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendered_pages_are_kept_within_the_budget() {
        let cache = ReleaseCache::default();
        assert!(cache.rendered("/areas/A?england").is_none());
        let served = cache.keep_rendered("/areas/A?england".into(), "<p>A</p>".into());
        assert_eq!(&served[..], b"<p>A</p>");
        assert_eq!(cache.rendered("/areas/A?england").as_deref(), Some(&b"<p>A</p>"[..]));
        // A page past the budget is served but not kept.
        let big = "x".repeat(RenderedPages::BUDGET);
        assert_eq!(cache.keep_rendered("/areas/B?england".into(), big).len(), RenderedPages::BUDGET);
        assert!(cache.rendered("/areas/B?england").is_none());
    }

    #[test]
    fn quartiles_interpolate_as_r_type_7() {
        // R: quantile(c(1, 2, 4, 8, 16), c(.25, .5, .75)) → 2, 4, 8;
        // quantile(c(1, 2, 3, 10), c(.25, .75)) → 1.75, 4.75.
        let s = Spread::of(&[16.0, 1.0, 4.0, 2.0, 8.0]).unwrap();
        assert_eq!((s.min, s.q1, s.median, s.q3, s.max, s.n), (1.0, 2.0, 4.0, 8.0, 16.0, 5));
        let s = Spread::of(&[1.0, 2.0, 3.0, 10.0, f64::NAN]).unwrap();
        assert_eq!((s.q1, s.q3, s.n), (1.75, 4.75, 4));
        assert_eq!(Spread::of(&[7.0]).map(|s| (s.min, s.q1, s.q3, s.max)), Some((7.0, 7.0, 7.0, 7.0)));
        assert!(Spread::of(&[]).is_none());
    }
}
