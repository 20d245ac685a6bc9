//! What every handler shares.

use store::Store;

/// The application's shared state: the store (its pool is shared by every request).
#[derive(Clone)]
pub struct AppState {
    /// The database the pages and the API read.
    pub store: Store,
    /// The pages' per-release cache (web-pages: `cache.rs`).
    pub(crate) cache: std::sync::Arc<crate::cache::CacheCell>,
    /// The maps' boundaries, loaded on first use (web-pages: `geo.rs`).
    pub(crate) maps: std::sync::Arc<std::sync::OnceLock<crate::geo::Maps>>,
}

impl AppState {
    /// The state over an open store.
    pub fn new(store: Store) -> Self {
        AppState { store, cache: Default::default(), maps: Default::default() }
    }
}
