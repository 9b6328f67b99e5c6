//! The one lock helper: a mutex's guard, whether or not a panic poisoned it.

use std::sync::{Mutex, MutexGuard};

/// The guard of `m`: what a thread that panicked left is still the latest
/// state (every writer leaves it whole), so it is used rather than lost.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
