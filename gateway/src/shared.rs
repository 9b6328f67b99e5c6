//! Answers shared between requests, by key: the last answer while it is
//! fresh enough for the asker, else the run in progress for that key, else
//! a new run. A run says its words in turn (a provisional answer, then its
//! final one); each asker takes the first word it hears, and every word is
//! kept as the key's last answer unless a younger one is there. So a
//! hundred tabs asking at once about one imaging server make one check of
//! it. A run in progress is joined if it began within what the asker
//! allows, or less than [`JOIN_WINDOW`] ago whatever the asker allows: a
//! client asking again and again for a new answer (`no-cache`) gets one
//! check at a time, never a pile of them. An older run is not joined (a
//! hung check of a while ago answers nobody who asks now): a new one
//! starts beside it.

use medulla_imaging_status::api::ApiError;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

/// A run in progress begun less than this ago is always joined.
pub const JOIN_WINDOW: Duration = Duration::from_secs(1);

fn younger_than(at: SystemTime, max_age: Duration) -> bool {
    at.elapsed().unwrap_or(Duration::MAX) <= max_age
}
use tokio::sync::watch;

type Word<V> = Option<Result<V, ApiError>>;

/// An answer, and when the run that made it began.
pub trait Stamped {
    fn at(&self) -> SystemTime;
}

struct Running<V> {
    heard: watch::Receiver<Word<V>>,
    started: SystemTime,
    id: u64,
}

struct Slot<V> {
    last: Option<V>,
    running: Option<Running<V>>,
    runs: u64,
}

pub struct Shared<V> {
    slots: Mutex<HashMap<String, Slot<V>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<V: Stamped + Clone + Send + Sync + 'static> Default for Shared<V> {
    fn default() -> Self {
        Self { slots: Mutex::new(HashMap::new()) }
    }
}

impl<V: Stamped + Clone + Send + Sync + 'static> Shared<V> {
    /// The answer for `key`: the last one if no older than `max_age`, else
    /// the first word of the run in progress if it began recently enough
    /// (see [`JOIN_WINDOW`]), else of a new run of `run`, which gets the
    /// [`Words`] to say a provisional answer and returns the final one.
    pub async fn get<Fut>(
        self: &Arc<Self>,
        key: &str,
        max_age: Duration,
        run: impl FnOnce(Words<V>) -> Fut,
    ) -> Result<V, ApiError>
    where
        Fut: Future<Output = Result<V, ApiError>> + Send + 'static,
    {
        let mut heard = {
            let mut slots = lock(&self.slots);
            let slot = slots.entry(key.to_string()).or_insert(Slot { last: None, running: None, runs: 0 });
            if let Some(last) = slot.last.as_ref().filter(|v| younger_than(v.at(), max_age)) {
                return Ok(last.clone());
            }
            match slot.running.as_ref().filter(|r| younger_than(r.started, max_age.max(JOIN_WINDOW))) {
                Some(running) => running.heard.clone(),
                None => {
                    let (say, heard) = watch::channel(None);
                    slot.runs += 1;
                    let id = slot.runs;
                    slot.running = Some(Running { heard: heard.clone(), started: SystemTime::now(), id });
                    let words = Words { shared: self.clone(), key: key.to_string(), id, say: Arc::new(say) };
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
    id: u64,
    say: Arc<watch::Sender<Word<V>>>,
}

impl<V> Clone for Words<V> {
    fn clone(&self) -> Self {
        Self { shared: self.shared.clone(), key: self.key.clone(), id: self.id, say: self.say.clone() }
    }
}

impl<V: Stamped + Clone + Send + Sync + 'static> Words<V> {
    /// An answer before the final one: the askers waiting take it, and it
    /// is kept until the final one.
    pub fn provisional(&self, v: V) {
        self.keep(Some(&v), false);
        self.say.send_replace(Some(Ok(v)));
    }

    fn last(&self, result: Result<V, ApiError>) {
        self.keep(result.as_ref().ok(), true);
        self.say.send_replace(Some(result));
    }

    /// Keeps `v` as the last answer unless a younger one is there; `done`:
    /// this run is over.
    fn keep(&self, v: Option<&V>, done: bool) {
        if let Some(slot) = lock(&self.shared.slots).get_mut(&self.key) {
            if let Some(v) = v.filter(|v| slot.last.as_ref().is_none_or(|last| last.at() <= v.at())) {
                slot.last = Some(v.clone());
            }
            if done {
                slot.running = slot.running.take().filter(|r| r.id != self.id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    /// A number, stamped now.
    #[derive(Clone, Debug, PartialEq)]
    struct N(u32, SystemTime);

    impl Stamped for N {
        fn at(&self) -> SystemTime {
            self.1
        }
    }

    fn n(v: u32) -> N {
        N(v, SystemTime::now())
    }

    fn value(answer: Result<N, ApiError>) -> Result<u32, ApiError> {
        answer.map(|N(v, _)| v)
    }

    #[tokio::test]
    async fn askers_at_once_share_one_run_and_its_first_word() {
        let shared = Arc::new(Shared::<N>::default());
        let runs = Arc::new(AtomicUsize::new(0));
        let ask = |max_age: Duration| {
            let (shared, runs) = (shared.clone(), runs.clone());
            async move {
                let answer = shared
                    .get("server", max_age, move |words| async move {
                        runs.fetch_add(1, Ordering::SeqCst);
                        words.provisional(n(1));
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Ok(n(2))
                    })
                    .await;
                value(answer)
            }
        };
        let second = Duration::from_secs(1);
        let answers = futures_join_all((0..20).map(|_| tokio::spawn(ask(second)))).await;
        assert!(answers.iter().all(|a| *a == Ok(1)), "{answers:?}");
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(ask(second).await, Ok(2), "the final word is kept");
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert_eq!(ask(Duration::ZERO).await, Ok(1), "too old for the asker: a new run");
        assert_eq!(runs.load(Ordering::SeqCst), 2);
        // Asking for a new answer again and again: one run at a time.
        let answers = futures_join_all((0..20).map(|_| tokio::spawn(ask(Duration::ZERO)))).await;
        assert!(answers.iter().all(|a| *a == Ok(1)), "{answers:?}");
        assert!(runs.load(Ordering::SeqCst) <= 3, "{} runs", runs.load(Ordering::SeqCst));
    }

    /// A run that hangs is not joined once it is older than the asker
    /// allows; its late answer does not replace a younger one.
    #[tokio::test]
    async fn a_hung_run_is_not_joined_by_later_askers() {
        let shared = Arc::new(Shared::<N>::default());
        let hung = N(1, SystemTime::now());
        let first = shared.clone();
        let late = tokio::spawn(async move {
            first
                .get("k", Duration::from_secs(1), move |_| async move {
                    tokio::time::sleep(Duration::from_millis(1500)).await;
                    Ok(hung)
                })
                .await
        });
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let now = shared.get("k", Duration::ZERO, |_| async { Ok(n(2)) }).await;
        assert_eq!(value(now), Ok(2), "a new run, not the hung one");
        assert_eq!(value(late.await.expect("joined")), Ok(1));
        let kept = shared.get("k", Duration::from_secs(5), |_| async { Ok(n(3)) }).await;
        assert_eq!(value(kept), Ok(2), "the younger answer is kept");
    }

    #[tokio::test]
    async fn a_failed_run_keeps_the_last_answer_and_lets_the_next_asker_run_again() {
        let shared = Arc::new(Shared::<N>::default());
        let (never, always) = (Duration::ZERO, Duration::from_secs(60));
        assert_eq!(value(shared.get("k", never, |_| async { Ok(n(7)) }).await), Ok(7));
        let failed = shared.get("k", never, |_| async { Err(ApiError::Timeout) }).await;
        assert_eq!(value(failed), Err(ApiError::Timeout));
        assert_eq!(value(shared.get("k", always, |_| async { Ok(n(9)) }).await), Ok(7));
        assert_eq!(value(shared.get("k", never, |_| async { Ok(n(9)) }).await), Ok(9));
    }

    async fn futures_join_all<T>(tasks: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.expect("joined"));
        }
        out
    }
}
