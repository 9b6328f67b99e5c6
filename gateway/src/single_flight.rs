//! One future per key at a time: a second caller with the same key joins
//! the one in flight and gets its result; the future is dropped when all
//! its callers have gone. (futures' `Shared` does the sharing; this map
//! only finds the one in flight.)

use futures::future::{BoxFuture, FutureExt, WeakShared};
use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

pub struct SingleFlight<K, T: Clone> {
    /// Weak: a future whose callers have all gone is not kept alive here.
    in_flight: Arc<Mutex<HashMap<K, WeakShared<BoxFuture<'static, T>>>>>,
}

impl<K, T: Clone> Default for SingleFlight<K, T> {
    fn default() -> Self {
        Self { in_flight: Arc::default() }
    }
}

impl<K: Hash + Eq + Clone + Send + 'static, T: Clone + Send + Sync + 'static> SingleFlight<K, T> {
    /// The result of the future in flight for `key`, else of `make()`'s.
    pub async fn run<F: Future<Output = T> + Send + 'static>(&self, key: K, make: impl FnOnce() -> F) -> T {
        let call = {
            let mut in_flight = self.in_flight.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            match in_flight.get(&key).and_then(WeakShared::upgrade) {
                Some(call) => call,
                None => {
                    let (map, key_again, future) = (Arc::downgrade(&self.in_flight), key.clone(), make());
                    let call = async move {
                        let result = future.await;
                        if let Some(map) = map.upgrade() {
                            map.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(&key_again);
                        }
                        result
                    }
                    .boxed()
                    .shared();
                    if let Some(weak) = call.downgrade() {
                        in_flight.insert(key, weak);
                    }
                    call
                }
            }
        };
        call.await
    }

    /// Keys in flight (or whose callers all left before the end).
    pub fn len(&self) -> usize {
        self.in_flight.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn callers_with_one_key_share_one_future_and_others_have_their_own() {
        let flights = Arc::new(SingleFlight::<&'static str, usize>::default());
        let made = Arc::new(AtomicUsize::new(0));
        let call = |key: &'static str| {
            let (flights, made) = (flights.clone(), made.clone());
            tokio::spawn(async move {
                flights
                    .run(key, || async move {
                        let n = made.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        n
                    })
                    .await
            })
        };
        let calls: Vec<_> = ["a", "a", "a", "b"].into_iter().map(call).collect();
        let mut results = Vec::new();
        for c in calls {
            results.push(c.await.expect("joined"));
        }
        assert_eq!(made.load(Ordering::SeqCst), 2);
        assert!(results[0] == results[1] && results[1] == results[2] && results[2] != results[3], "{results:?}");
        assert!(flights.is_empty(), "ended flights are not kept");
    }

    #[tokio::test]
    async fn a_future_whose_callers_left_is_dropped() {
        let flights = SingleFlight::<u8, ()>::default();
        let finished = Arc::new(AtomicUsize::new(0));
        let f = finished.clone();
        let left = tokio::time::timeout(
            Duration::from_millis(20),
            flights.run(1, || async move {
                tokio::time::sleep(Duration::from_millis(100)).await;
                f.fetch_add(1, Ordering::SeqCst);
            }),
        )
        .await;
        assert!(left.is_err());
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(finished.load(Ordering::SeqCst), 0);
        let f = finished.clone();
        flights
            .run(1, || async move {
                f.fetch_add(10, Ordering::SeqCst);
            })
            .await;
        assert_eq!(finished.load(Ordering::SeqCst), 10, "a new one, not the dropped one");
    }
}
