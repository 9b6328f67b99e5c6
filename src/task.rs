//! Starting a task at once: what it sends before its first wait leaves now.

use std::future::Future;
use std::task::{Context, Poll};

/// Runs `task` in the page's executor, its first steps now: the requests
/// it sends before its first wait go out before the tasks already queued
/// (a render of the screen, some 20 ms at start-up), not after them.
pub fn spawn_now(task: impl Future<Output = ()> + 'static) {
    let mut task = Box::pin(task);
    // A waker that does nothing: the executor polls again with its own.
    let waker = futures::task::noop_waker();
    if task.as_mut().poll(&mut Context::from_waker(&waker)) == Poll::Pending {
        wasm_bindgen_futures::spawn_local(task);
    }
}
