//! What the events, publications and contact tests share: the browser-like client of
//! `tests/client` and members signed in by a session made in the store.

#![allow(dead_code)]

use std::time::Duration;

use sha2::{Digest, Sha256};
use store::{Actor, RoleGrant, Store};
use web::AppState;

#[path = "../client/mod.rs"]
mod client;
#[allow(unused_imports)] // Each test file uses its own share of them.
pub use client::{encode, Answer, Client};

/// A password hash for accounts that never sign in by password here.
pub const HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

impl Client {
    /// A client signed in as `account` (a session made in the store; its CSRF token is
    /// `csrf-ACCOUNT`).
    pub async fn signed_in(state: &AppState, ip: &str, account: i64) -> Client {
        let token = format!("session-token-of-{account}");
        let hash: String = Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
        state
            .store
            .create_session(account, &hash, &format!("csrf-{account}"), Duration::from_secs(3600))
            .await
            .unwrap();
        let mut client = Client::new(state, ip);
        client.cookies.insert("fairer_session".into(), token);
        client
    }
}

/// An account `email` named `name` with `roles` (no place): its id.
pub async fn account(store: &Store, email: &str, name: &str, roles: &[&str]) -> i64 {
    let account = store.create_account(&Actor::Cli, email, name, HASH).await.unwrap();
    let grants: Vec<RoleGrant> =
        roles.iter().map(|r| RoleGrant { role: r.to_string(), place_id: None, place_slug: None }).collect();
    if !grants.is_empty() {
        store.set_roles(&Actor::Cli, account.id, &grants).await.unwrap();
    }
    account.id
}
