//! CSRF tokens: every form carries its session's token in a hidden `_csrf` field, compared in
//! constant time; the sign-in form (no session yet) carries the token of the `fairer_csrf`
//! cookie (double submit). Cross-site POSTs are refused before any handler by tower-http's
//! `CsrfLayer` (`Sec-Fetch-Site` / `Origin` against `Host`), in [`crate::app`].

use subtle::ConstantTimeEq;

use super::{CurrentUser, Refusal};

/// The name of the signed-out double-submit cookie (before any `__Host-` prefix).
pub const CSRF_COOKIE: &str = "fairer_csrf";

/// Whether `given` equals `expected`, in time that does not depend on where they differ (an
/// empty `expected` matches nothing).
pub(crate) fn tokens_match(expected: &str, given: &str) -> bool {
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}

/// Refuses a form whose `_csrf` field is not `user`'s session token.
pub(crate) fn check(user: &CurrentUser, given: Option<&str>) -> Result<(), Refusal> {
    if tokens_match(&user.csrf_token, given.unwrap_or("")) {
        Ok(())
    } else {
        Err(Refusal::Forbidden("The form's security token is missing or out of date: reload the page and try again."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        assert!(tokens_match("abc", "abc"));
        assert!(!tokens_match("abc", "abd"));
        assert!(!tokens_match("abc", "ab"));
        assert!(!tokens_match("", ""));
    }
}
