//! What every handler shares.

use store::Store;

/// The application's shared state: the store (its pool is shared by every request).
#[derive(Clone)]
pub struct AppState {
    /// The database the pages and the API read.
    pub store: Store,
}

impl AppState {
    /// The state over an open store.
    pub fn new(store: Store) -> Self {
        AppState { store }
    }
}
