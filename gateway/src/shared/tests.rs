//! Shared answers under concurrent askers: one run per key, first words,
//! no-cache, runs that wait on a server, are dropped, panic or fail.

use super::*;
use std::sync::atomic::AtomicUsize;
use std::time::SystemTime;

/// A number, stamped now.
#[derive(Clone, Debug, PartialEq)]
struct N(u32, SystemTime);

fn n(v: u32) -> N {
    N(v, SystemTime::now())
}

fn value(answer: Result<N, ApiError>) -> Result<u32, ApiError> {
    answer.map(|N(v, _)| v)
}

/// Counts runs, and the most of them at once before they step aside.
#[derive(Default)]
struct Count {
    runs: AtomicUsize,
    now: AtomicUsize,
    most: AtomicUsize,
}

impl Count {
    fn enter(&self) -> usize {
        let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
        self.runs.fetch_add(1, Ordering::SeqCst) + 1
    }
    fn leave(&self) {
        self.now.fetch_sub(1, Ordering::SeqCst);
    }
    fn runs(&self) -> usize {
        self.runs.load(Ordering::SeqCst)
    }
}

/// Asks `key` of `shared`; a run takes `ms` and answers its number.
async fn ask(shared: &Arc<Shared<N>>, count: &Arc<Count>, max_age: Duration, ms: u64) -> Result<u32, ApiError> {
    let count = count.clone();
    let answer = shared
        .get("server", max_age, move |_| async move {
            let (run, at) = (count.enter(), SystemTime::now());
            tokio::time::sleep(Duration::from_millis(ms)).await;
            count.leave();
            Ok(N(run as u32, at))
        })
        .await;
    value(answer)
}

/// Runs every task at once; their results in order.
async fn all<T>(tasks: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
    let tasks: Vec<_> = tasks.collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.expect("joined"));
    }
    out
}

#[tokio::test]
async fn askers_at_once_share_one_run_and_its_first_word() {
    let shared = Arc::new(Shared::<N>::default());
    let count = Arc::new(Count::default());
    let asker = |max_age: Duration| {
        let (shared, count) = (shared.clone(), count.clone());
        async move {
            let answer = shared
                .get("server", max_age, move |words| async move {
                    count.enter();
                    words.provisional(n(1));
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Ok(n(2))
                })
                .await;
            value(answer)
        }
    };
    let second = Duration::from_secs(1);
    let answers = all((0..20).map(|_| tokio::spawn(asker(second)))).await;
    assert!(answers.iter().all(|a| *a == Ok(1)), "{answers:?}");
    assert_eq!(count.runs(), 1);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(asker(second).await, Ok(2), "the final word is kept");
    assert_eq!(count.runs(), 1);
    tokio::time::sleep(AT_ONCE).await;
    assert_eq!(asker(Duration::ZERO).await, Ok(1), "too old for the asker: a new run");
    assert_eq!(count.runs(), 2);
}

/// A run in progress is joined whatever its age, unless the asker
/// wants a new answer: then it waits for a run begun after it asked,
/// and a crowd of such askers makes one more run, never two at once.
#[tokio::test]
async fn no_cache_waits_for_the_next_run_and_runs_never_overlap() {
    let shared = Arc::new(Shared::<N>::default());
    let count = Arc::new(Count::default());
    let first = tokio::spawn({
        let (shared, count) = (shared.clone(), count.clone());
        async move { ask(&shared, &count, Duration::ZERO, 400).await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (tiny, none) = (Duration::from_millis(1), Duration::ZERO);
    let joined = ask(&shared, &count, tiny, 400).await;
    assert_eq!(joined, Ok(1), "a run 200 ms old is joined by an asker allowing 1 ms");
    assert_eq!(first.await.expect("joined"), Ok(1));
    let started = tokio::spawn({
        let (shared, count) = (shared.clone(), count.clone());
        async move { ask(&shared, &count, none, 600).await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let with_it = tokio::spawn({
        let (shared, count) = (shared.clone(), count.clone());
        async move { ask(&shared, &count, none, 300).await }
    });
    tokio::time::sleep(Duration::from_millis(250)).await;
    let crowd = all((0..10).map(|_| {
        let (shared, count) = (shared.clone(), count.clone());
        tokio::spawn(async move { ask(&shared, &count, none, 300).await })
    }))
    .await;
    assert_eq!(started.await.expect("joined"), Ok(2));
    let with_it = with_it.await.expect("joined");
    assert_eq!(with_it, Ok(2), "a run begun 100 ms before counts as begun with the request");
    assert!(crowd.iter().all(|a| *a == Ok(3)), "one run after the one they found: {crowd:?}");
    assert_eq!(count.runs(), 3);
    assert_eq!(count.most.load(Ordering::SeqCst), 1, "never two runs of a key at once");
}

/// A run that says a provisional word, or waits only on an imaging
/// server, steps aside: the next asker for a new answer starts a run at
/// once, and the younger final answer is the one kept.
#[tokio::test]
async fn a_run_waiting_on_a_server_steps_aside() {
    let shared = Arc::new(Shared::<N>::default());
    let slow = |shared: Arc<Shared<N>>, v: u32, provisional: bool| async move {
        let answer = shared
            .get("server", Duration::ZERO, move |words| async move {
                let at = SystemTime::now();
                match provisional {
                    true => words.provisional(N(v * 10, at)),
                    false => words.waiting_on_server(),
                }
                // Begun 300 ms apart, they end in the other order.
                tokio::time::sleep(Duration::from_millis([1500, 1000, 500][v as usize - 1])).await;
                Ok(N(v, at))
            })
            .await;
        value(answer)
    };
    let one = tokio::spawn(slow(shared.clone(), 1, true));
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(one.await.expect("joined"), Ok(10), "the provisional word, at once");
    tokio::time::sleep(Duration::from_millis(250)).await;
    let two = tokio::spawn(slow(shared.clone(), 2, false));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let three = tokio::time::timeout(Duration::from_millis(200), slow(shared.clone(), 3, true)).await;
    assert_eq!(three.expect("not held up by the runs before"), Ok(30));
    assert_eq!(two.await.expect("joined"), Ok(2));
    tokio::time::sleep(Duration::from_millis(600)).await;
    let kept = shared.get("server", Duration::from_secs(60), |_| async { Ok(n(9)) }).await;
    assert_eq!(value(kept), Ok(3), "the youngest run's final answer, whatever the order they ended in");
}

/// A run that nobody waits for any more, before its first word, is
/// dropped: it does no more work.
#[tokio::test]
async fn a_run_nobody_waits_for_is_dropped() {
    let shared = Arc::new(Shared::<N>::default());
    let finished = Arc::new(AtomicBool::new(false));
    let gave_up = tokio::time::timeout(Duration::from_millis(50), {
        let finished = finished.clone();
        shared.get("server", Duration::ZERO, move |_| async move {
            tokio::time::sleep(Duration::from_millis(200)).await;
            finished.store(true, Ordering::SeqCst);
            Ok(n(1))
        })
    })
    .await;
    assert!(gave_up.is_err());
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(!finished.load(Ordering::SeqCst), "the run went on with nobody waiting");
    let next = shared.get("server", Duration::from_secs(60), |_| async { Ok(n(2)) }).await;
    assert_eq!(value(next), Ok(2), "a new run, the dropped one gone");
}

/// A run that panics tells its askers it stopped, and the next asker
/// runs again.
#[tokio::test]
async fn a_run_that_panics_holds_nothing() {
    let shared = Arc::new(Shared::<N>::default());
    let (never, always) = (Duration::ZERO, Duration::from_secs(60));
    let joined = tokio::spawn({
        let shared = shared.clone();
        async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            shared.get("k", always, |_| async { Ok(n(8)) }).await
        }
    });
    let panicked = shared
        .get("k", never, |_| async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if SystemTime::now() > SystemTime::UNIX_EPOCH {
                panic!("a bug in a check");
            }
            Ok(n(1))
        })
        .await;
    assert_eq!(value(panicked), Err(stopped()));
    assert_eq!(value(joined.await.expect("joined")), Err(stopped()), "whoever joined it hears the same");
    tokio::time::sleep(AT_ONCE + Duration::from_millis(50)).await;
    assert_eq!(value(shared.get("k", always, |_| async { Ok(n(9)) }).await), Ok(9), "a new run");
}

/// What is sent together shares one check, even one that failed before
/// the last of it came in; a little later, a new run.
#[tokio::test]
async fn askers_at_once_share_a_failure_that_ended_before_the_last_came() {
    let shared = Arc::new(Shared::<N>::default());
    let none = Duration::ZERO;
    let failed = shared.get("k", none, |_| async { Err(ApiError::Timeout) }).await;
    assert_eq!(value(failed), Err(ApiError::Timeout));
    let with_it = shared.get("k", Duration::from_secs(60), |_| async { Ok(n(2)) }).await;
    assert_eq!(value(with_it), Err(ApiError::Timeout), "asked with the failed run: its answer");
    tokio::time::sleep(SENT_WITH + Duration::from_millis(30)).await;
    assert_eq!(value(shared.get("k", none, |_| async { Ok(n(3)) }).await), Ok(3), "later: a new run");
}

#[tokio::test]
async fn a_failed_run_keeps_the_last_answer_and_lets_the_next_asker_run_again() {
    let shared = Arc::new(Shared::<N>::default());
    let (never, always) = (Duration::ZERO, Duration::from_secs(60));
    assert_eq!(value(shared.get("k", never, |_| async { Ok(n(7)) }).await), Ok(7));
    tokio::time::sleep(AT_ONCE + Duration::from_millis(50)).await;
    let failed = shared.get("k", never, |_| async { Err(ApiError::Timeout) }).await;
    assert_eq!(value(failed), Err(ApiError::Timeout));
    tokio::time::sleep(AT_ONCE + Duration::from_millis(50)).await;
    assert_eq!(value(shared.get("k", always, |_| async { Ok(n(9)) }).await), Ok(7));
    assert_eq!(value(shared.get("k", never, |_| async { Ok(n(9)) }).await), Ok(9));
}
