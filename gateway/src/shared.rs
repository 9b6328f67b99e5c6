//! Answers shared between requests, by key: the last answer while it is
//! fresh enough for the asker, else the run in progress for that key, else
//! a new run. A run says its words in turn (a provisional answer, then its
//! final one); each asker takes the first word it hears, and every word is
//! kept as the key's last answer. So a hundred tabs asking at once about
//! one imaging server make one check of it.

use medulla_imaging_status::api::ApiError;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::watch;

type Word<V> = Option<Result<V, ApiError>>;

struct Slot<V> {
    last: Option<V>,
    running: Option<watch::Receiver<Word<V>>>,
}

pub struct Shared<V> {
    slots: Mutex<HashMap<String, Slot<V>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<V: Clone + Send + Sync + 'static> Default for Shared<V> {
    fn default() -> Self {
        Self { slots: Mutex::new(HashMap::new()) }
    }
}

impl<V: Clone + Send + Sync + 'static> Shared<V> {
    /// The answer for `key`: the last one if `fresh` says it will do, else
    /// the first word of the run in progress, else of a new run of `run`,
    /// which gets the [`Words`] to say a provisional answer and returns the
    /// final one.
    pub async fn get<Fut>(
        self: &Arc<Self>,
        key: &str,
        fresh: impl Fn(&V) -> bool,
        run: impl FnOnce(Words<V>) -> Fut,
    ) -> Result<V, ApiError>
    where
        Fut: Future<Output = Result<V, ApiError>> + Send + 'static,
    {
        let mut heard = {
            let mut slots = lock(&self.slots);
            let slot = slots.entry(key.to_string()).or_insert(Slot { last: None, running: None });
            if let Some(last) = slot.last.as_ref().filter(|v| fresh(v)) {
                return Ok(last.clone());
            }
            match &slot.running {
                Some(running) => running.clone(),
                None => {
                    let (say, heard) = watch::channel(None);
                    slot.running = Some(heard.clone());
                    let words = Words { shared: self.clone(), key: key.to_string(), say: Arc::new(say) };
                    let task = run(words.clone());
                    tokio::spawn(async move {
                        let result = task.await;
                        words.last(result);
                    });
                    heard
                }
            }
        };
        let word = heard.wait_for(Option::is_some).await.map(|w| w.clone());
        word.ok().flatten().unwrap_or_else(|| Err(ApiError::Network("the check stopped".into())))
    }
}

/// What a run says while it runs.
pub struct Words<V> {
    shared: Arc<Shared<V>>,
    key: String,
    say: Arc<watch::Sender<Word<V>>>,
}

impl<V> Clone for Words<V> {
    fn clone(&self) -> Self {
        Self { shared: self.shared.clone(), key: self.key.clone(), say: self.say.clone() }
    }
}

impl<V: Clone + Send + Sync + 'static> Words<V> {
    /// An answer before the final one: the askers waiting take it, and it
    /// is kept until the final one.
    pub fn provisional(&self, v: V) {
        if let Some(slot) = lock(&self.shared.slots).get_mut(&self.key) {
            slot.last = Some(v.clone());
        }
        self.say.send_replace(Some(Ok(v)));
    }

    fn last(&self, result: Result<V, ApiError>) {
        if let Some(slot) = lock(&self.shared.slots).get_mut(&self.key) {
            if let Ok(v) = &result {
                slot.last = Some(v.clone());
            }
            slot.running = None;
        }
        self.say.send_replace(Some(result));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn askers_at_once_share_one_run_and_its_first_word() {
        let shared = Arc::new(Shared::<u32>::default());
        let runs = Arc::new(AtomicUsize::new(0));
        let ask = |fresh: bool| {
            let (shared, runs) = (shared.clone(), runs.clone());
            async move {
                shared
                    .get(
                        "server",
                        move |_| fresh,
                        move |words| async move {
                            runs.fetch_add(1, Ordering::SeqCst);
                            words.provisional(1);
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            Ok(2)
                        },
                    )
                    .await
            }
        };
        let answers = futures_join_all((0..20).map(|_| tokio::spawn(ask(false)))).await;
        assert!(answers.iter().all(|a| *a == Ok(1)), "{answers:?}");
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(ask(true).await, Ok(2), "the final word is kept");
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert_eq!(ask(false).await, Ok(1), "not fresh: a new run");
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_failed_run_keeps_the_last_answer_and_lets_the_next_asker_run_again() {
        let shared = Arc::new(Shared::<u32>::default());
        assert_eq!(shared.get("k", |_| false, |_| async { Ok(7) }).await, Ok(7));
        let failed = shared.get("k", |_| false, |_| async { Err(ApiError::Timeout) }).await;
        assert_eq!(failed, Err(ApiError::Timeout));
        assert_eq!(shared.get("k", |_| true, |_| async { Ok(9) }).await, Ok(7));
        assert_eq!(shared.get("k", |_| false, |_| async { Ok(9) }).await, Ok(9));
    }

    async fn futures_join_all<T>(tasks: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.expect("joined"));
        }
        out
    }
}
