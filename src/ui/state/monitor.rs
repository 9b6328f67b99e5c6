//! The selected entity: its checks, one after the other, each applied only
//! when it is still the newest, and the re-check before an imaging action.

use super::*;

/// The user's entities, the one selected, and its checks.
#[derive(Clone, Copy)]
pub struct Selection {
    /// `None` until the user's entities are loaded.
    pub entities: RwSignal<Option<Vec<Entity>>>,
    pub selected: RwSignal<Option<String>>,
    /// Said when the entity of the link is not one of the user's.
    pub notice: RwSignal<Option<String>>,
    pub health: RwSignal<Health>,
    pub checked_at: RwSignal<Option<f64>>,
    /// A check of the selected entity is in flight.
    pub checking: RwSignal<bool>,
    /// The first status of the page has been painted: its figures and
    /// history follow it by a frame (see [`Ctx::show`]).
    pub details: RwSignal<bool>,
    /// That check waits for the imaging server itself, which is slow.
    pub server_slow: RwSignal<bool>,
    /// Orders the checks; its generation changes with every selection,
    /// connection and manual refresh: an action pending across one dies.
    pub(super) checks: StoredValue<Checks>,
    /// An entity the host page asked for before the list was loaded.
    pub(super) requested: StoredValue<Option<String>>,
    /// The next check must be made now, not taken from a gateway's shared
    /// check ("Refresh now", the re-check before an action).
    pub(super) check_now: StoredValue<bool>,
    /// The status on screen comes from a check made now, which also
    /// confirmed what serves the entity (a poll's may use a topology learnt
    /// minutes ago): what an imaging action may launch on.
    pub(super) confirmed: StoredValue<bool>,
    pub(super) monitor: StoredValue<Option<AbortHandle>>,
    /// Learns the entities' topology in the background.
    pub(super) learner: StoredValue<Option<AbortHandle>>,
}

impl Selection {
    pub(super) fn new() -> Self {
        Self {
            entities: RwSignal::new(None),
            selected: RwSignal::new(None),
            notice: RwSignal::new(None),
            health: RwSignal::new(Health::Checking),
            checked_at: RwSignal::new(None),
            checking: RwSignal::new(false),
            details: RwSignal::new(false),
            server_slow: RwSignal::new(false),
            checks: StoredValue::new(Checks::default()),
            requested: StoredValue::new(None),
            check_now: StoredValue::new(false),
            confirmed: StoredValue::new(false),
            monitor: StoredValue::new(None),
            learner: StoredValue::new(None),
        }
    }
}

/// A check older than this is made again right before an imaging action.
pub const FRESH_MS: f64 = 5_000.0;

/// The longest wait between checks after repeated failures.
pub(super) const MAX_BACKOFF_SECONDS: u32 = 300;

impl Ctx {
    /// Shows `uuid`: Checking at once, never the previous entity's status.
    pub fn select(self, uuid: String) {
        self.selection.checks.update_value(Checks::new_generation);
        browser::set_query_param("entity", &uuid);
        browser::remember_entity(&uuid);
        self.selection.health.set(Health::Checking);
        self.selection.checked_at.set(None);
        self.forget_history();
        self.selection.selected.set(Some(uuid));
        self.restart_monitor();
    }

    /// "Refresh now": a new generation, checked at once.
    pub fn refresh(self) {
        self.selection.checks.update_value(Checks::new_generation);
        self.selection.check_now.set_value(true);
        self.restart_monitor();
    }

    /// Checks now and then every `poll_seconds`, in place of the check in
    /// flight.
    pub fn restart_monitor(self) {
        if self.selection.entities.with_untracked(Option::is_none) {
            return self.connect();
        }
        // The overview checks every entity: the selected one waits.
        if self.overview.shown.get_untracked() {
            return self.stop_monitor();
        }
        let Some(entity) = self.selection.selected.get_untracked() else { return };
        self.run_in_background(self.monitor_loop(entity));
    }

    /// Runs `task` as the one background loop, in place of the previous
    /// one (whose request, if any, is aborted); its first requests leave
    /// now, before the screen is drawn again.
    pub(super) fn run_in_background(self, task: impl std::future::Future<Output = ()> + 'static) {
        self.stop_monitor();
        let (task, handle) = abortable(task);
        self.selection.monitor.set_value(Some(handle));
        crate::task::spawn_now(async move {
            let _ = task.await;
        });
    }

    pub(super) fn stop_monitor(self) {
        if let Some(handle) = self.selection.monitor.try_update_value(Option::take).flatten() {
            handle.abort();
        }
        self.selection.checking.set(false);
        self.selection.server_slow.set(false);
    }

    pub(super) async fn monitor_loop(self, entity: String) {
        let mut failures = 0u32;
        loop {
            match self.check(&entity).await {
                Some(true) => failures = 0,
                Some(false) => failures += 1,
                None => return,
            }
            self.wait_before_next_check(failures).await;
        }
    }

    /// `poll_seconds`, doubled after each failure up to 5 minutes, and as
    /// long as the page is hidden.
    pub(super) async fn wait_before_next_check(self, failures: u32) {
        let poll = self.config.with_value(|c| c.poll_seconds);
        let wait = poll.saturating_mul(1 << failures.min(4)).min(MAX_BACKOFF_SECONDS.max(poll));
        TimeoutFuture::new(wait * 1000).await;
        while browser::page_hidden() {
            TimeoutFuture::new(1000).await;
        }
    }

    /// One check of `entity`, applied if its ticket is still the newest
    /// of the current generation. `Some(ok)` says whether Medulla
    /// answered; `None`: signed out.
    pub(super) async fn check(self, entity: &str) -> Option<bool> {
        // A status is as fresh as the moment it was asked for, not the
        // moment its answer came.
        let asked = browser::now_ms();
        let ticket = self.selection.checks.try_update_value(Checks::issue)?;
        let current = move |last: bool| {
            self.selection.checks.try_update_value(|c| c.admit(ticket, last)).unwrap_or(false)
                && self.selection.selected.get_untracked().as_deref() == Some(entity)
        };
        self.selection.checking.set(true);
        // A poll accepts a gateway's check as old as the polling interval,
        // and a topology learnt or confirmed within minutes.
        let now = self.selection.check_now.try_update_value(std::mem::take).unwrap_or(false);
        let max_age = if now { 0 } else { self.config.with_value(|c| c.poll_seconds) };
        let progress = move |p: Progress| {
            if let Progress::Provisional(report) = p {
                if current(false) {
                    self.show(report, asked, now);
                }
            }
            if self.generation() == ticket.generation {
                self.selection.server_slow.set(true);
            }
        };
        let result = self.api().status(entity, max_age, &progress).await;
        if !current(true) {
            return Some(true);
        }
        self.selection.checking.set(false);
        self.selection.server_slow.set(false);
        match result {
            Ok(report) => {
                self.after_status(&report, asked - report.age_ms as f64);
                self.show(report, asked, now);
                Some(true)
            }
            Err(ApiError::SignedOut) => {
                self.signed_out();
                None
            }
            Err(e) => {
                self.selection.confirmed.set_value(false);
                self.selection.health.set(Health::Unreachable(e.trouble(), e.to_string()));
                self.selection.checked_at.set(Some(asked));
                Some(false)
            }
        }
    }

    /// Puts `report`, asked for at `asked` (by a check made now, which
    /// `confirmed` what serves the entity, or not), on screen.
    pub(super) fn show(self, report: StatusReport, asked: f64, confirmed: bool) {
        browser::mark("tab:status-shown");
        self.selection.confirmed.set_value(confirmed);
        let checked_at = asked - report.age_ms as f64;
        self.selection.checked_at.set(Some(checked_at));
        let known = Known { health: Health::Known(report.clone()), checked_at };
        self.overview.statuses.update(|m| {
            m.insert(report.entity.clone(), known);
        });
        self.selection.health.set(Health::Known(report));
        // The status first: the figures and the history (a third of the
        // render of a first status, at first use of their code) are drawn
        // once its frame is painted, about 16 ms later.
        if !self.selection.details.get_untracked() {
            let details = self.selection.details;
            browser::after_next_paint(move || details.set(true));
        }
    }

    /// Applies a state of the connection (no ticket: only one connection
    /// runs) if `generation` is still the current one.
    pub(super) fn apply(self, generation: u64, health: Health, at: f64) {
        if self.generation() == generation {
            self.selection.health.set(health);
            self.selection.checked_at.set(Some(at));
        }
    }

    /// Re-checks, now, unless the status on screen comes from a check made
    /// now less than [`FRESH_MS`] ago (a poll's may rest on a topology
    /// learnt minutes ago, and a server re-linked since); then says
    /// whether imaging actions may still run on `entity`. The check is the
    /// monitor's, started now in place of the one in flight; the answer is
    /// the first status it puts on screen (an Offline known from the relay
    /// is enough to refuse: no need to wait for the imaging server's 30 s).
    /// `generation` is the one the action was launched in: a selection or
    /// a sign-in since then (even back to the same entity) ends it.
    pub async fn confirm_available(self, entity: &str, generation: u64) -> Confirmation {
        let same = move || {
            self.generation() == generation && self.selection.selected.get_untracked().as_deref() == Some(entity)
        };
        if !self.fresh() || !self.selection.confirmed.get_value() {
            let before = self.selection.checks.with_value(Checks::issued);
            self.selection.check_now.set_value(true);
            self.restart_monitor();
            while same()
                && self.session.state.get_untracked() == Session::SignedIn
                && !self.selection.checks.with_value(|c| c.answered_after(before))
            {
                TimeoutFuture::new(50).await;
            }
        }
        if !same() {
            Confirmation::Abandoned
        } else if !untrack(|| self.imaging_allowed()) {
            Confirmation::NotAvailable
        } else if !self.fresh() {
            // A gateway that answered from an older shared check.
            Confirmation::NotCurrent
        } else {
            Confirmation::Go
        }
    }

    /// The status on screen was asked for less than [`FRESH_MS`] ago.
    pub(super) fn fresh(self) -> bool {
        self.selection.checked_at.get_untracked().is_some_and(|t| browser::now_ms() - t <= FRESH_MS)
    }
}
