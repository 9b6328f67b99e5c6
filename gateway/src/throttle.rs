//! Sign-in attempts, throttled per login and per client address: after a
//! few refusals, each further attempt waits twice as long as the one
//! before (up to [`MAX_BACK_OFF`]); a successful sign-in clears both.
//! Forgotten after [`FORGET_AFTER`] without a refusal, and never more
//! than [`MAX_KEYS`] remembered: those no longer held go first, then the
//! oldest (so a flood of new keys cannot free a login that is held).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Refusals before the first wait.
pub const FREE_ATTEMPTS: u32 = 3;
pub const MAX_BACK_OFF: Duration = Duration::from_secs(300);
const FORGET_AFTER: Duration = Duration::from_secs(900);
const MAX_KEYS: usize = 10_000;

struct Refusals {
    count: u32,
    /// No attempt before this.
    until: Instant,
    last: Instant,
}

#[derive(Default)]
pub struct Throttle {
    refusals: Mutex<HashMap<String, Refusals>>,
}

/// The wait after `count` refusals.
fn back_off(count: u32) -> Duration {
    match count.checked_sub(FREE_ATTEMPTS) {
        None | Some(0) => Duration::ZERO,
        Some(n) => Duration::from_secs(1u64 << (n - 1).min(16)).min(MAX_BACK_OFF),
    }
}

impl Throttle {
    fn refusals(&self) -> std::sync::MutexGuard<'_, HashMap<String, Refusals>> {
        self.refusals.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// How long an attempt under any of `keys` must still wait.
    pub fn wait(&self, keys: &[String]) -> Duration {
        let now = Instant::now();
        let refusals = self.refusals();
        keys.iter()
            .filter_map(|k| refusals.get(k))
            .map(|r| r.until.saturating_duration_since(now))
            .max()
            .unwrap_or_default()
    }

    /// An attempt under `keys` was refused.
    pub fn refused(&self, keys: &[String]) {
        let now = Instant::now();
        let mut refusals = self.refusals();
        refusals.retain(|_, r| now.duration_since(r.last) < FORGET_AFTER);
        for key in keys {
            let r = refusals.entry(key.clone()).or_insert(Refusals { count: 0, until: now, last: now });
            r.count = r.count.saturating_add(1);
            r.until = now + back_off(r.count);
            r.last = now;
        }
        if refusals.len() > MAX_KEYS {
            let mut by_age: Vec<(bool, Instant, String)> =
                refusals.iter().map(|(k, r)| (r.until > now, r.last, k.clone())).collect();
            by_age.sort();
            for (_, _, key) in by_age.into_iter().take(refusals.len() - MAX_KEYS) {
                refusals.remove(&key);
            }
        }
    }

    /// An attempt under `keys` succeeded.
    pub fn accepted(&self, keys: &[String]) {
        let mut refusals = self.refusals();
        for key in keys {
            refusals.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_after_the_free_attempts_up_to_its_cap() {
        let waits: Vec<u64> = (1..=12).map(|n| back_off(n).as_secs()).collect();
        assert_eq!(waits, [0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256]);
        assert_eq!(back_off(40), MAX_BACK_OFF);
        assert_eq!(back_off(u32::MAX), MAX_BACK_OFF);
    }

    #[test]
    fn refusals_make_a_key_wait_and_a_success_clears_it() {
        let throttle = Throttle::default();
        let (login, address) = ("login:admin".to_string(), "address:192.0.2.1".to_string());
        let both = [login.clone(), address.clone()];
        for _ in 0..FREE_ATTEMPTS {
            assert_eq!(throttle.wait(&both), Duration::ZERO);
            throttle.refused(&both);
        }
        throttle.refused(&both);
        assert!(throttle.wait(std::slice::from_ref(&address)) > Duration::from_millis(900));
        assert!(throttle.wait(&["login:other".to_string()]).is_zero(), "other logins are not held");
        throttle.accepted(&both);
        assert_eq!(throttle.wait(&both), Duration::ZERO);
    }
}
