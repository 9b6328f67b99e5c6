//! The selected entity's history (the gateway's database, or what this
//! browser session saw when it talks to the agent itself), and the offer
//! to say when its server is back.

use super::*;
use crate::domain::{HistoryView, ServerStatus, SessionLog, StatusKind};

/// The days the tab asks of a history: the timeline and the forecast read
/// the last 7, the availability also 30.
pub const HISTORY_DAYS: u32 = 30;
/// A history is asked again at most this often, and when the status changes.
const HISTORY_EVERY_MS: f64 = 5.0 * 60_000.0;
/// Asked (or, straight to the agent, worked out) this long after the
/// status is on screen: the status first.
const HISTORY_AFTER_MS: u32 = 400;

#[derive(Clone, Copy)]
pub struct HistoryState {
    /// The selected entity's history: `None` until loaded; the problem's
    /// text when it could not be.
    pub view: RwSignal<Option<Result<HistoryView, String>>>,
    /// What this session saw of each server (straight to the agent).
    pub(super) log: StoredValue<SessionLog>,
    /// The history on screen: of which entity, asked when, in which status.
    pub(super) loaded: StoredValue<Option<(String, f64, StatusKind)>>,
    pub(super) loading: StoredValue<Option<AbortHandle>>,
    /// "Tell me when it is back": the entity whose server is waited for.
    pub waiting: RwSignal<Option<String>>,
    /// The server came back while waited for: said until another entity is
    /// selected.
    pub back: RwSignal<Option<String>>,
}

impl HistoryState {
    pub(super) fn new() -> Self {
        Self {
            view: RwSignal::new(None),
            log: StoredValue::new(SessionLog::default()),
            loaded: StoredValue::new(None),
            loading: StoredValue::new(None),
            waiting: RwSignal::new(None),
            back: RwSignal::new(None),
        }
    }
}

impl Ctx {
    /// After the final status of a check of the selected entity, made at
    /// `at`: this session's history records it, and the entity's history is
    /// asked again when due (another entity or status, or 5 minutes).
    pub(super) fn after_status(self, report: &StatusReport, at: f64) {
        self.record_seen(report, at);
        let kind = StatusKind::of(&report.status);
        let due = self.history.loaded.with_value(|loaded| match loaded {
            Some((entity, when, was)) => *entity != report.entity || *was != kind || at - when >= HISTORY_EVERY_MS,
            None => true,
        });
        if due {
            self.history.loaded.set_value(Some((report.entity.clone(), at, kind)));
            self.load_history(report);
        }
        if kind == StatusKind::Available && self.history.waiting.get_untracked().as_ref() == Some(&report.entity) {
            self.history.waiting.set(None);
            self.history.back.set(Some(report.entity.clone()));
        }
    }

    /// Records a final status in this session's history (straight to the
    /// agent; through a gateway, its database has it).
    pub(super) fn record_seen(self, report: &StatusReport, at: f64) {
        if matches!(*self.api(), Client::MmcAgent(_)) {
            self.history.log.update_value(|log| log.record(report, at as u64));
        }
    }

    fn load_history(self, report: &StatusReport) {
        self.stop_loading_history();
        if report.status == ServerStatus::NotLinked {
            return self.history.view.set(None);
        }
        let api = self.api();
        let (entity, server) = (report.entity.clone(), report.server_key().to_string());
        let (task, handle) = abortable(async move {
            TimeoutFuture::new(HISTORY_AFTER_MS).await;
            let answer = match &*api {
                // What this session saw: worked out here, after the status
                // is on screen all the same (its strip is not the status's
                // frame's work).
                Client::MmcAgent(_) => {
                    let now = browser::now_ms() as u64;
                    Ok(self.history.log.with_value(|log| log.view(&server, HISTORY_DAYS.into(), now)))
                }
                Client::Rest(rest) => {
                    // Background work: never while a check of the selected
                    // entity is in flight.
                    while self.selection.checking.get_untracked() {
                        TimeoutFuture::new(100).await;
                    }
                    rest.history(&entity, HISTORY_DAYS).await
                }
            };
            if self.selection.selected.get_untracked().as_deref() != Some(&entity) {
                return;
            }
            match answer {
                Ok(view) => self.history.view.set(Some(Ok(view))),
                Err(ApiError::SignedOut) => self.signed_out(),
                Err(e) => self.history.view.set(Some(Err(e.to_string()))),
            }
        });
        self.history.loading.set_value(Some(handle));
        // Started once the status's frame is painted: its first step (and
        // V8's compiling of it, 0.3–0.5 ms) is not that frame's work.
        browser::after_next_paint(move || {
            spawn_local(async move {
                let _ = task.await;
            })
        });
    }

    fn stop_loading_history(self) {
        if let Some(handle) = self.history.loading.try_update_value(Option::take).flatten() {
            handle.abort();
        }
    }

    /// Another entity selected: its history is asked anew, and the offer
    /// to say when the previous one is back ends.
    pub(super) fn forget_history(self) {
        self.stop_loading_history();
        if self.session.state.get_untracked() != Session::SignedIn {
            // Signed out: what this session saw goes with it.
            self.history.log.set_value(SessionLog::default());
        }
        self.history.loaded.set_value(None);
        self.history.view.set(None);
        self.history.waiting.set(None);
        self.history.back.set(None);
    }
}
