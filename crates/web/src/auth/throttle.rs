//! The throttle of failed sign-ins (OWASP's "device cookies"): failures are counted per e-mail
//! address and per client IP, in memory. After [`FREE_FAILURES`] failures within [`WINDOW`],
//! a key waits 2ⁿ seconds after its latest failure (n = failures − 4, at most [`MAX_WAIT`])
//! before it may try again; attempts in the wait are refused (429) without checking the
//! password, and do not count. A client presenting a valid trusted-device cookie of the
//! account skips the e-mail and IP keys (its own failures count on its device's key), so
//! others' failures never lock the owner out.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures a key may have before it waits.
pub const FREE_FAILURES: u32 = 5;
/// Failures older than this are forgotten.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// The longest wait.
pub const MAX_WAIT: Duration = Duration::from_secs(60);
/// Keys kept before old ones are swept (memory stays bounded under a spray of addresses).
const SWEEP_AT: usize = 100_000;

/// A key's failures.
#[derive(Clone, Copy, Debug)]
struct Failures {
    count: u32,
    last: Instant,
}

/// Failed sign-ins by key (`email:…`, `ip:…`, `device:…`).
#[derive(Debug, Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, Failures>>,
}

/// The wait after `count` failures, the last one `last`: none below [`FREE_FAILURES`].
fn wait_after(count: u32, last: Instant, now: Instant) -> Option<Duration> {
    if count < FREE_FAILURES || now.duration_since(last) >= WINDOW {
        return None;
    }
    let exponent = (count - FREE_FAILURES + 1).min(6);
    let wait = Duration::from_secs(1 << exponent).min(MAX_WAIT);
    let waited = now.duration_since(last);
    (waited < wait).then(|| wait - waited)
}

impl Throttle {
    /// How long the longest-waiting of `keys` must still wait, if any.
    pub fn wait(&self, keys: &[String]) -> Option<Duration> {
        let now = Instant::now();
        let map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        keys.iter().filter_map(|k| map.get(k)).filter_map(|f| wait_after(f.count, f.last, now)).max()
    }

    /// Counts a failure against each of `keys`.
    pub fn fail(&self, keys: &[String]) {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= SWEEP_AT {
            map.retain(|_, f| now.duration_since(f.last) < WINDOW);
        }
        for key in keys {
            let entry = map.entry(key.clone()).or_insert(Failures { count: 0, last: now });
            if now.duration_since(entry.last) >= WINDOW {
                entry.count = 0;
            }
            entry.count = entry.count.saturating_add(1);
            entry.last = now;
        }
    }

    /// Forgets the failures of `keys` (after a successful sign-in).
    pub fn clear(&self, keys: &[String]) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        for key in keys {
            map.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_after_five_failures() {
        let t0 = Instant::now();
        assert_eq!(wait_after(4, t0, t0), None);
        assert_eq!(wait_after(5, t0, t0), Some(Duration::from_secs(2)));
        assert_eq!(wait_after(6, t0, t0), Some(Duration::from_secs(4)));
        assert_eq!(wait_after(9, t0, t0), Some(Duration::from_secs(32)));
        assert_eq!(wait_after(10, t0, t0), Some(MAX_WAIT));
        assert_eq!(wait_after(1000, t0, t0), Some(MAX_WAIT));
        assert_eq!(wait_after(5, t0, t0 + Duration::from_secs(1)), Some(Duration::from_secs(1)));
        assert_eq!(wait_after(5, t0, t0 + Duration::from_secs(2)), None);
        assert_eq!(wait_after(50, t0, t0 + WINDOW), None);
    }

    #[test]
    fn keys_count_separately_and_clear() {
        let throttle = Throttle::default();
        let (a, b) = (vec!["email:a".to_string()], vec!["email:b".to_string()]);
        for _ in 0..5 {
            assert_eq!(throttle.wait(&a), None);
            throttle.fail(&a);
        }
        assert!(throttle.wait(&a).is_some());
        assert_eq!(throttle.wait(&b), None);
        throttle.clear(&a);
        assert_eq!(throttle.wait(&a), None);
    }
}
