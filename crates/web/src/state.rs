//! What every handler shares.

use store::Store;

/// The application's shared state: the store (its pool is shared by every request).
#[derive(Clone)]
pub struct AppState {
    /// The database the pages and the API read.
    pub store: Store,
    /// Accounts: cookie settings, the sign-in throttle, the password hashing permits.
    pub auth: crate::auth::Auth,
}

impl AppState {
    /// The state over an open store.
    pub fn new(store: Store) -> Self {
        AppState { store, auth: crate::auth::Auth::default() }
    }
}
