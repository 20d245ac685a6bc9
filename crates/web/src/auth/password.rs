//! Passwords: argon2id PHC strings (`Argon2::default()`: argon2id v19, m = 19 MiB, t = 2,
//! p = 1, OWASP's first choice), hashed and verified on the blocking pool, two at a time, so
//! that a burst of sign-ins never stalls the async workers that serve pages.
//!
//! A sign-in for an address with no account is verified against [`DUMMY_HASH`] (same
//! parameters, so the same time) and fails with the same answer.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use super::{Auth, Refusal};

/// The shortest password an account may have.
pub const MIN_LENGTH: usize = 10;
/// The longest password checked (longer ones fail without hashing work beyond this).
pub const MAX_LENGTH: usize = 1024;

/// The argon2id hash (default parameters) of a random password nobody knows: what a sign-in
/// for an unknown address is verified against, so that it takes as long as for a known one.
pub const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$ZmFpcmVyLWR1bW15LXNhbHQ$pNXm2Yl9tYp0t6oQbJ7q8c0kqBFuRmYe8dVDuJrGHfA";

/// Checks a new password's length, with the reason when it fails.
///
/// # Errors
/// Shorter than [`MIN_LENGTH`] or longer than [`MAX_LENGTH`] characters.
pub fn check_new(password: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < MIN_LENGTH {
        Err(format!("the password: expected at least {MIN_LENGTH} characters, found {n}"))
    } else if password.len() > MAX_LENGTH {
        Err(format!("the password: expected at most {MAX_LENGTH} bytes"))
    } else {
        Ok(())
    }
}

/// The argon2id PHC string of `password` with a new random salt (blocking: call from a
/// blocking thread or the command line).
///
/// # Errors
/// No random numbers, or the hasher's error, as text.
pub fn hash_blocking(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| format!("no random numbers for the salt: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| format!("the salt: {e}"))?;
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
}

/// Whether `password` matches the PHC string `hash` (blocking). A hash that cannot be read
/// matches nothing.
pub fn verify_blocking(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else { return false };
    Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()
}

/// [`hash_blocking`] on the blocking pool, behind the hashing semaphore.
pub(crate) async fn hash(auth: &Auth, password: String) -> Result<String, Refusal> {
    let _permit = auth.hashing().acquire().await.map_err(|_| Refusal::Unavailable("The server is stopping."))?;
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .ok()
        .and_then(Result::ok)
        .ok_or(Refusal::Unavailable("The password could not be hashed: try again."))
}

/// Whether `password` matches `hash`, or, with no hash (no such account), the same work
/// against [`DUMMY_HASH`] and `false`. On the blocking pool, behind the hashing semaphore.
pub(crate) async fn verify(auth: &Auth, password: String, hash: Option<String>) -> bool {
    let Ok(_permit) = auth.hashing().acquire().await else { return false };
    let known = hash.is_some();
    let hash = hash.unwrap_or_else(|| DUMMY_HASH.to_string());
    let password = if password.len() > MAX_LENGTH { String::new() } else { password };
    let matched = tokio::task::spawn_blocking(move || verify_blocking(&password, &hash)).await.unwrap_or(false);
    known && matched
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_phc_and_verify() {
        let hash = hash_blocking("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(verify_blocking("correct horse battery", &hash));
        assert!(!verify_blocking("correct horse batterz", &hash));
        assert_ne!(hash, hash_blocking("correct horse battery").unwrap(), "a new salt each time");
        assert!(!verify_blocking("x", "not a hash"));
    }

    #[test]
    fn the_dummy_hash_has_the_default_parameters() {
        let parsed = PasswordHash::new(DUMMY_HASH).unwrap();
        let real = hash_blocking("anything at all").unwrap();
        let real = PasswordHash::new(&real).unwrap();
        assert_eq!(parsed.algorithm, real.algorithm);
        assert_eq!(parsed.params, real.params);
        assert_eq!(parsed.hash.map(|h| h.len()), real.hash.map(|h| h.len()));
        assert!(!verify_blocking("", DUMMY_HASH));
    }

    #[test]
    fn new_passwords_have_a_length() {
        assert!(check_new("short").unwrap_err().contains("at least 10"));
        assert!(check_new("long enough!").is_ok());
        assert!(check_new(&"x".repeat(2000)).is_err());
    }
}
