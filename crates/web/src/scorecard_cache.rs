//! The ICB scorecards of the newest release, in memory (issue 14, `docs/scorecard.md` §6).
//!
//! A [`ScorecardCache`] holds every ICB's [`Scorecard`] of one release and the children and
//! young people's scores of all ICBs; pages and the API read it and run no query for the
//! numbers. Funding, commitments and readiness are store data, read per request and joined to
//! a copy of the card ([`crate::pages::scorecard::joined`]).
//!
//! **Built by the release refresh, not by a request.** The page cache's refresh
//! ([`crate::cache::CacheCell`]: its first build, and the background check that finds a new
//! release) calls [`ScorecardCell::refresh_in_background`] after installing a release, which
//! spawns the build (the store's rows of area type ICB and England, assembled in
//! `spawn_blocking` off the async workers); `fairer serve` starts that first build as soon as
//! it listens ([`warm`]). A request that comes before the build of the page cache's release is
//! done **waits** for the build in flight ([`ScorecardCell::get`]), or builds them itself when
//! none is running (after a failed build): it is never answered with another release's
//! scorecards beside this release's pages.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use axum::body::Bytes;
use engine::scorecard::model::{CypScores, Scorecard};

use crate::{AppState, WebError};

/// The scorecards of one release.
#[derive(Debug, Default)]
pub struct ScorecardCache {
    /// The release's id (`None`: no release, or scorecards installed by hand).
    pub release: Option<i64>,
    /// The release's name ("" without one).
    pub release_name: String,
    /// Every ICB's scorecard, by ICB code.
    pub cards: Vec<Scorecard>,
    index: HashMap<String, usize>,
    /// The children and young people's scores of every ICB, when the release has them.
    pub cyp: Option<CypScores>,
    /// Why there are no scorecards, when there are none.
    pub notes: Vec<String>,
    /// Pages rendered from these scorecards (the tables of all ICBs), by URL.
    rendered: Mutex<HashMap<String, Bytes>>,
}

impl ScorecardCache {
    /// The cache of `cards` (sorted by ICB code here) and `cyp`, of release `release`.
    pub fn new(release: Option<(i64, String)>, mut cards: Vec<Scorecard>, cyp: Option<CypScores>) -> ScorecardCache {
        cards.sort_by(|a, b| a.icb_code.cmp(&b.icb_code));
        let index = cards.iter().enumerate().map(|(i, c)| (c.icb_code.clone(), i)).collect();
        let (release, release_name) = match release {
            Some((id, name)) => (Some(id), name),
            None => (None, String::new()),
        };
        ScorecardCache { release, release_name, cards, index, cyp, notes: Vec::new(), rendered: Mutex::default() }
    }

    /// The scorecard of the ICB `code`.
    pub fn card(&self, code: &str) -> Option<&Scorecard> {
        self.index.get(code).map(|&i| &self.cards[i])
    }

    /// A few ICB codes, for an error naming an unknown one ("E54000008, E54000027, …").
    pub fn some_codes(&self) -> String {
        let mut codes: Vec<&str> = self.cards.iter().take(5).map(|c| c.icb_code.as_str()).collect();
        if self.cards.len() > 5 {
            codes.push("…");
        }
        if codes.is_empty() {
            "none: the release has no scorecard".to_string()
        } else {
            codes.join(", ")
        }
    }

    /// The page rendered earlier under `key`.
    pub fn rendered(&self, key: &str) -> Option<Bytes> {
        self.rendered.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(key).cloned()
    }

    /// Keeps `html` under `key` (at most 64 pages: the tabs of `/scorecards`) and gives it back.
    pub fn keep_rendered(&self, key: String, html: String) -> Bytes {
        let html = Bytes::from(html);
        let mut pages = self.rendered.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if pages.len() < 64 {
            pages.insert(key, html.clone());
        }
        html
    }

    /// Builds the scorecards of `release` from the store: the rows of area type ICB and
    /// England (two queries), assembled in `spawn_blocking`.
    ///
    /// # Errors
    /// The store's.
    pub async fn build(store: &store::Store, release: Option<&store::Release>) -> Result<ScorecardCache, WebError> {
        let Some(release) = release else {
            let mut cache = ScorecardCache::new(None, Vec::new(), None);
            cache.notes.push("No data release has been imported yet.".into());
            return Ok(cache);
        };
        let assembled = crate::pages::scorecard::assemble_release(store, release.id).await?;
        let (cards, cyp, notes) = assembled;
        let mut cache = ScorecardCache::new(Some((release.id, release.name.clone())), cards, cyp);
        cache.notes = notes;
        Ok(cache)
    }
}

/// The current scorecards of a server.
#[derive(Default)]
pub struct ScorecardCell {
    current: RwLock<Option<Arc<ScorecardCache>>>,
    building: tokio::sync::Mutex<()>,
    pinned: std::sync::atomic::AtomicBool,
}

impl ScorecardCell {
    /// The scorecards of the page cache's release. Built by the release refresh
    /// ([`ScorecardCell::refresh_in_background`]); a request that comes before that build is
    /// done waits for it (one build at a time: it then finds them built), or, when no build
    /// is running (the refresh's failed), builds them. Scorecards installed by hand
    /// ([`ScorecardCell::install`]) are kept whatever the release.
    ///
    /// # Errors
    /// The store's, when the build this request runs fails.
    pub async fn get(self: &Arc<Self>, state: &AppState) -> Result<Arc<ScorecardCache>, WebError> {
        let current = self.peek();
        if self.pinned.load(std::sync::atomic::Ordering::Acquire) {
            if let Some(c) = current {
                return Ok(c);
            }
        }
        let pages = state.cache.get(&state.store).await?;
        let release = pages.release.as_ref().map(|r| r.id);
        match current {
            Some(c) if c.release >= release => Ok(c),
            _ => self.build_for(&state.store, pages.release.as_ref()).await,
        }
    }

    /// The scorecards built so far, without waiting or building (`None` before the first build).
    pub fn current(&self) -> Option<Arc<ScorecardCache>> {
        self.peek()
    }

    /// Spawns the build of `release`'s scorecards unless the current ones are of it or of a
    /// newer release (or were installed by hand): what the page cache's refresh calls when it
    /// installs a release. A failed build is written to standard error; the next request
    /// builds them.
    pub fn refresh_in_background(self: &Arc<Self>, store: &store::Store, release: Option<store::Release>) {
        if self.pinned.load(std::sync::atomic::Ordering::Acquire) {
            return;
        }
        let wanted = release.as_ref().map(|r| r.id);
        if self.peek().is_some_and(|c| c.release >= wanted) {
            return;
        }
        let (cell, store) = (Arc::clone(self), store.clone());
        tokio::spawn(async move {
            if let Err(e) = cell.build_for(&store, release.as_ref()).await {
                eprintln!("fairer serve: building the scorecards: {e}");
            }
        });
    }

    /// The scorecards of `release`: the current ones when they are of it (or of a newer
    /// release: a caller that read the page cache just before a new release was installed is
    /// not given the older one back, release ids only grow), else built now and installed. One
    /// build runs at a time; a caller that waited for another's build finds its result.
    async fn build_for(
        &self,
        store: &store::Store,
        release: Option<&store::Release>,
    ) -> Result<Arc<ScorecardCache>, WebError> {
        let _guard = self.building.lock().await;
        let wanted = release.map(|r| r.id);
        if let Some(c) = self.peek() {
            if c.release >= wanted || self.pinned.load(std::sync::atomic::Ordering::Acquire) {
                return Ok(c);
            }
        }
        let built = Arc::new(ScorecardCache::build(store, release).await?);
        Ok(self.put_unless_pinned(built))
    }

    /// Installs `cache` and keeps it whatever the release (for scorecards assembled by the
    /// caller: a fixture, a benchmark).
    pub fn install(&self, cache: ScorecardCache) {
        self.pinned.store(true, std::sync::atomic::Ordering::Release);
        self.put(Arc::new(cache));
    }

    fn peek(&self) -> Option<Arc<ScorecardCache>> {
        self.current.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn put(&self, cache: Arc<ScorecardCache>) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some(cache);
    }

    /// Installs a build's `cache` unless scorecards were installed by hand meanwhile (checked
    /// under the write lock, after which [`ScorecardCell::install`]'s own write comes last);
    /// returns what is installed.
    fn put_unless_pinned(&self, cache: Arc<ScorecardCache>) -> Arc<ScorecardCache> {
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        if self.pinned.load(std::sync::atomic::Ordering::Acquire) {
            if let Some(c) = current.as_ref() {
                return Arc::clone(c);
            }
        }
        *current = Some(Arc::clone(&cache));
        cache
    }
}

impl AppState {
    /// Installs scorecards assembled by the caller (kept whatever the release): what tests and
    /// the benchmark serve.
    pub fn install_scorecards(&self, cache: ScorecardCache) {
        self.scorecards.install(cache);
    }

    /// The current scorecards ([`ScorecardCell::get`]).
    ///
    /// # Errors
    /// The store's, when the build this request runs fails.
    pub async fn scorecards(&self) -> Result<Arc<ScorecardCache>, WebError> {
        self.scorecards.get(self).await
    }

    /// The scorecards built so far, without waiting or building: `None` before the first
    /// build is done.
    pub fn built_scorecards(&self) -> Option<Arc<ScorecardCache>> {
        self.scorecards.current()
    }

    /// Rereads the store's newest release into the page cache now (what the background check
    /// does when it finds a new release), which starts the build of its scorecards.
    ///
    /// # Errors
    /// The store's.
    pub async fn refresh_release(&self) -> Result<(), WebError> {
        self.cache.refresh(&self.store).await.map(|_| ())
    }
}

/// Builds the page cache and, through its refresh, the scorecards of the newest release, as
/// soon as the server starts (so that the first request does not wait for them); a failure
/// is written to standard error (the first request then tries again).
pub async fn warm(state: AppState) {
    if let Err(e) = state.cache.get(&state.store).await {
        eprintln!("fairer serve: reading the newest release: {e}");
    }
}
