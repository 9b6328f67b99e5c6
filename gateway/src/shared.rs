//! Answers shared between requests, by key: the last answer while it is
//! fresh enough for the asker, else the run in progress for that key, else
//! a new run. One run per key at a time: a request joins the run in
//! progress, whatever its age, unless it asked for a new answer
//! (`no-cache`, a `max_age` of zero), which only a run begun after the
//! request came in gives (or [`AT_ONCE`] before: the requests one click
//! sends together share a check): it waits for the run in progress to
//! step aside, then joins the next one (a hundred such requests at once
//! make one more run, not a hundred).
//!
//! A run says its words in turn (a provisional answer, then its final
//! one); each asker takes the first word it hears, and every word is kept
//! as the key's last answer unless a younger one is there. A run steps
//! aside, letting the next one start, when it ends, when it says a
//! provisional word, or when all it still waits for is an imaging server
//! ([`Words::waiting_on_server`]: the agent's 30 s wait for a dead host,
//! which the gateway's agent link shares between runs, see
//! `agent_http.rs`). A run that nobody waits for any more before its
//! first word is dropped; a run that panics answers its askers that it
//! stopped, and steps aside. Ages are measured on the monotonic clock (a
//! step of the wall clock neither freezes nor ages the answers).

use futures::FutureExt;
use medulla_imaging_status::api::ApiError;
use medulla_imaging_status::sync::lock;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{watch, Notify};

type Word<V> = Option<Result<V, ApiError>>;

/// A run begun this little before a request counts as begun with it: a
/// tab's status and activities, asked together, come from one check.
pub const AT_ONCE: Duration = Duration::from_millis(250);

/// A request come in this little after a run failed was sent with the one
/// that started it (a browser sends a status and its activities a few ms
/// apart): it gets the same failure, not a check of its own. A click after
/// the failure was shown comes later, and gets a new check.
pub const SENT_WITH: Duration = Duration::from_millis(20);

fn stopped() -> ApiError {
    ApiError::Network("the check stopped".into())
}

struct Running<V> {
    say: Arc<watch::Sender<Word<V>>>,
    started: Instant,
    id: u64,
}

struct Slot<V> {
    /// The last answer, and when the run that made it began.
    last: Option<(V, Instant)>,
    /// The last run's failure, when it is younger than `last`: when that
    /// run began, and when it failed. A request sent with the one that
    /// started it, and come in just after it failed, gets it too.
    failed: Option<(ApiError, Instant, Instant)>,
    running: Option<Running<V>>,
    /// Told when the run in progress steps aside.
    stepped_aside: Arc<Notify>,
    runs: u64,
}

pub struct Shared<V> {
    slots: Mutex<HashMap<String, Slot<V>>>,
}

impl<V: Clone + Send + Sync + 'static> Default for Shared<V> {
    fn default() -> Self {
        Self { slots: Mutex::new(HashMap::new()) }
    }
}

/// What an asker does next.
enum Next<V> {
    Answer(V),
    Hear(watch::Receiver<Word<V>>),
    WaitFor(tokio::sync::futures::OwnedNotified),
}

impl<V: Clone + Send + Sync + 'static> Shared<V> {
    /// The last answer for `key`, however old; never a run.
    pub fn peek(&self, key: &str) -> Option<V> {
        lock(&self.slots).get(key)?.last.as_ref().map(|(v, _)| v.clone())
    }

    /// The answer for `key`: the last one if no older than `max_age`, else
    /// the first word of the run in progress (for `no-cache`, of a run
    /// begun after this call), else of a new run of `run`, which gets the
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
        let asked = Instant::now();
        let mut run = Some(run);
        let mut heard = loop {
            let next = {
                let mut slots = lock(&self.slots);
                let slot = slots.entry(key.to_string()).or_insert_with(|| Slot {
                    last: None,
                    failed: None,
                    running: None,
                    stepped_aside: Arc::default(),
                    runs: 0,
                });
                // The requests one click sends together share one check,
                // even when it ended (failed) before the last of them came in.
                let sent_with = |(_, began, failed): &&(ApiError, Instant, Instant)| {
                    *began + AT_ONCE >= asked && *failed + SENT_WITH >= asked
                };
                if let Some((e, _, _)) = slot.failed.as_ref().filter(sent_with) {
                    return Err(e.clone());
                }
                match (&slot.last, &slot.running) {
                    (Some((last, at)), _) if *at >= asked || at.elapsed() <= max_age => Next::Answer(last.clone()),
                    (_, Some(running)) if !max_age.is_zero() || running.started + AT_ONCE >= asked => {
                        Next::Hear(running.say.subscribe())
                    }
                    (_, Some(_)) => Next::WaitFor(slot.stepped_aside.clone().notified_owned()),
                    // A run is started once, then heard: `run` is there.
                    (_, None) => match run.take() {
                        Some(run) => Next::Hear(self.start(key, slot, run)),
                        None => return Err(stopped()),
                    },
                }
            };
            match next {
                Next::Answer(v) => return Ok(v),
                Next::Hear(heard) => break heard,
                Next::WaitFor(stepped_aside) => stepped_aside.await,
            }
        };
        let word = heard.wait_for(Option::is_some).await.map(|w| w.clone());
        word.ok().flatten().unwrap_or_else(|| Err(stopped()))
    }

    /// Starts a run of `run` in `slot`; its first listener.
    fn start<Fut>(
        self: &Arc<Self>,
        key: &str,
        slot: &mut Slot<V>,
        run: impl FnOnce(Words<V>) -> Fut,
    ) -> watch::Receiver<Word<V>>
    where
        Fut: Future<Output = Result<V, ApiError>> + Send + 'static,
    {
        let (say, heard) = watch::channel(None);
        let say = Arc::new(say);
        slot.runs += 1;
        let id = slot.runs;
        let started = Instant::now();
        slot.running = Some(Running { say: say.clone(), started, id });
        let words = Words { shared: self.clone(), key: key.to_string(), id, started, say, said: Arc::default() };
        // A panic in the run is its askers' "stopped", never a key held.
        let task = std::panic::AssertUnwindSafe(run(words.clone()))
            .catch_unwind()
            .map(|result| result.unwrap_or_else(|_| Err(stopped())));
        tokio::spawn(async move {
            let mut task = std::pin::pin!(task);
            loop {
                tokio::select! {
                    result = &mut task => return words.last(result),
                    _ = words.say.closed() => {
                        if words.said.load(Ordering::SeqCst) {
                            return words.last(task.await);
                        }
                        if words.dropped_if_unheard() {
                            return;
                        }
                    }
                }
            }
        });
        heard
    }
}

/// What a run says while it runs.
pub struct Words<V> {
    shared: Arc<Shared<V>>,
    key: String,
    id: u64,
    started: Instant,
    say: Arc<watch::Sender<Word<V>>>,
    /// Whether a word was said (a provisional one).
    said: Arc<AtomicBool>,
}

impl<V> Clone for Words<V> {
    fn clone(&self) -> Self {
        Self {
            shared: self.shared.clone(),
            key: self.key.clone(),
            id: self.id,
            started: self.started,
            say: self.say.clone(),
            said: self.said.clone(),
        }
    }
}

impl<V: Clone + Send + Sync + 'static> Words<V> {
    /// An answer before the final one: the askers waiting take it, it is
    /// kept until the final one, and the run steps aside.
    pub fn provisional(&self, v: V) {
        self.said.store(true, Ordering::SeqCst);
        self.keep(Some(&v), true);
        self.say.send_replace(Some(Ok(v)));
    }

    /// All the run still waits for is an imaging server: it steps aside
    /// (see the module's documentation).
    pub fn waiting_on_server(&self) {
        self.keep(None, true);
    }

    fn last(&self, result: Result<V, ApiError>) {
        self.keep(result.as_ref().ok(), true);
        if let Err(e) = &result {
            if let Some(slot) = lock(&self.shared.slots).get_mut(&self.key) {
                if slot.last.as_ref().is_none_or(|(_, at)| *at <= self.started) {
                    slot.failed = Some((e.clone(), self.started, Instant::now()));
                }
            }
        }
        self.say.send_replace(Some(result));
    }

    /// Keeps `v` as the last answer unless a younger one is there;
    /// `step_aside`: this run lets the next one start.
    fn keep(&self, v: Option<&V>, step_aside: bool) {
        if let Some(slot) = lock(&self.shared.slots).get_mut(&self.key) {
            if let Some(v) = v.filter(|_| slot.last.as_ref().is_none_or(|(_, at)| *at <= self.started)) {
                slot.last = Some((v.clone(), self.started));
                slot.failed = slot.failed.take().filter(|(_, began, _)| *began > self.started);
            }
            if step_aside && slot.running.as_ref().is_some_and(|r| r.id == self.id) {
                slot.running = None;
                slot.stepped_aside.notify_waiters();
            }
        }
    }

    /// Whether the run, silent so far, is dropped because nobody listens
    /// (checked under the lock: nobody can join it meanwhile).
    fn dropped_if_unheard(&self) -> bool {
        let mut slots = lock(&self.shared.slots);
        if self.say.receiver_count() > 0 {
            return false;
        }
        if let Some(slot) = slots.get_mut(&self.key) {
            if slot.running.as_ref().is_some_and(|r| r.id == self.id) {
                slot.running = None;
                slot.stepped_aside.notify_waiters();
            }
        }
        true
    }
}

#[cfg(test)]
mod tests;
