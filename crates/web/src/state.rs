//! What every handler shares: the store and the server's settings.

use std::path::PathBuf;
use std::sync::Arc;

use store::Store;

/// The server's settings (`fairer serve`'s options).
#[derive(Clone, Debug)]
pub struct Config {
    /// The database: an SQLite file path or a `postgres://` URL (as [`store::Location::parse`]
    /// reads it).
    pub database: String,
    /// The address and port listened on (`127.0.0.1:8080`; port 0 picks a free one).
    pub bind: String,
    /// GeoJSON boundary files the maps are drawn from (none: maps fall back to a tile grid).
    pub boundaries: Vec<PathBuf>,
    /// The Chromium the PDF reports are printed with (`None`: found on `PATH`).
    pub chromium: Option<PathBuf>,
    /// Whether cookies are marked `Secure` (served over TLS, directly or behind a proxy).
    pub secure_cookies: bool,
}

impl Default for Config {
    /// The demo's database in the data directory, on the loopback address, no boundaries,
    /// Chromium from `PATH`, cookies without `Secure` (plain HTTP on the loopback).
    fn default() -> Self {
        Config {
            database: "fairer-demo/fairer.db".to_string(),
            bind: "127.0.0.1:8080".to_string(),
            boundaries: Vec::new(),
            chromium: None,
            secure_cookies: false,
        }
    }
}

/// The application's shared state, cheap to clone (every handler gets a copy): the store (its
/// pool is shared by every request) and the settings.
#[derive(Clone)]
pub struct AppState {
    /// The database the pages and the API read.
    pub store: Store,
    /// The server's settings.
    pub config: Arc<Config>,
    /// Accounts: cookie settings, the sign-in throttle, the password hashing permits.
    pub auth: crate::auth::Auth,
    /// The pages' per-release cache (web-pages: `cache.rs`).
    pub(crate) cache: std::sync::Arc<crate::cache::CacheCell>,
    /// The maps' boundaries, loaded on first use (web-pages: `geo.rs`).
    pub(crate) maps: std::sync::Arc<std::sync::OnceLock<crate::geo::Maps>>,
    /// The site's mail (network: `mail.rs`; `AppState::with_mailer`).
    pub mail: crate::mail::Mailer,
    /// The ICB scorecards of the newest release (scorecard-web: `scorecard_cache.rs`).
    pub(crate) scorecards: std::sync::Arc<crate::scorecard_cache::ScorecardCell>,
}

impl AppState {
    /// The state over an open store, with the default settings.
    pub fn new(store: Store) -> Self {
        AppState::with_config(store, Config::default())
    }

    /// The state over an open store, with `config`.
    pub fn with_config(store: Store, config: Config) -> Self {
        let auth = crate::auth::Auth::new(config.secure_cookies);
        let cache: Arc<crate::cache::CacheCell> = Default::default();
        AppState {
            store,
            config: Arc::new(config),
            auth,
            // The scorecards are the page cache's: its refresh builds them (scorecard_cache.rs).
            scorecards: Arc::clone(&cache.scorecards),
            cache,
            maps: Default::default(),
            mail: Default::default(),
        }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.config
    }
}
