//! The state the views share, and the checking loop of the selected entity.
//!
//! Stale answers: every check belongs to one entity and carries a ticket
//! ([`Checks`]): its generation (a new one with each selection, sign-in and
//! "Refresh now") and a sequence number. Selecting another entity sets the
//! status to Checking at once and aborts the loop of the previous one
//! (dropping its future aborts its request); an answer is only ever applied
//! when its ticket is of the current generation and newer than the one on
//! screen. A status is as old as the moment its check was asked for (on
//! REST, minus the age of the gateway's shared check).

use super::browser;
use crate::api::{ApiError, Client, ImagingApi, Progress, Row};
use crate::config::Config;
use crate::domain::checks::Checks;
use crate::domain::{Entity, Health, StatusReport, Trouble};
use crate::i18n::Lang;
use futures::future::{abortable, join, select, AbortHandle, Either};
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A check older than this is made again right before an imaging action.
pub const FRESH_MS: f64 = 5_000.0;
/// The longest wait between checks after repeated failures.
const MAX_BACKOFF_SECONDS: u32 = 300;
/// How often the topology of the user's entities is learnt again (every
/// check also confirms the part it uses).
const TOPOLOGY_REFRESH_MS: u32 = 10 * 60 * 1000;
/// The entities whose topology is learnt ahead, the first of the list: 3
/// agent calls each, one entity at a time, every [`TOPOLOGY_REFRESH_MS`].
/// Any other is learnt at its first check (one round trip more).
const TOPOLOGY_AHEAD: usize = 1000;

#[derive(Clone, Debug, PartialEq)]
pub enum Session {
    Connecting,
    SignedIn,
    SignedOut,
}

/// Why the tab signed the user out itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// The "Sign out" button.
    ByUser,
    /// `idle_sign_out_minutes` without a key press, click or pointer move.
    Idle,
}

/// What the re-check before an imaging action says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confirmation {
    Go,
    NotAvailable,
    /// Available, but as of a check older than [`FRESH_MS`].
    NotCurrent,
    /// Another entity was selected, the user signed in again or refreshed.
    Abandoned,
}

/// What is known of one entity's imaging server outside its own checks
/// (the overview's, and the last of the selected entity): the selector's
/// dots and the overview's rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Known {
    pub health: Health,
    /// When its check was made, by the browser's clock.
    pub checked_at: f64,
}

#[derive(Clone, Copy)]
pub struct Ctx {
    pub config: StoredValue<Config>,
    pub api: StoredValue<Arc<Client>>,
    pub lang: RwSignal<Lang>,
    pub session: RwSignal<Session>,
    /// `None` until the user's entities are loaded.
    pub entities: RwSignal<Option<Vec<Entity>>>,
    pub selected: RwSignal<Option<String>>,
    /// Said when the entity of the link is not one of the user's.
    pub notice: RwSignal<Option<String>>,
    pub health: RwSignal<Health>,
    pub checked_at: RwSignal<Option<f64>>,
    /// A check of the selected entity is in flight.
    pub checking: RwSignal<bool>,
    /// That check waits for the imaging server itself, which is slow.
    pub server_slow: RwSignal<bool>,
    /// The console's single sign-on token was refused.
    pub sign_on_refused: RwSignal<bool>,
    /// The tab signed the user out, and why.
    pub ended: RwSignal<Option<Ended>>,
    /// When the user last pressed a key, clicked or moved the pointer.
    last_input: StoredValue<f64>,
    /// `(login, token)` from the URL fragment or the host page, used once.
    sign_on: StoredValue<Option<(String, String)>>,
    /// Orders the checks; its generation changes with every selection,
    /// connection and manual refresh: an action pending across one dies.
    checks: StoredValue<Checks>,
    /// An entity the host page asked for before the list was loaded.
    requested: StoredValue<Option<String>>,
    /// The next check must be made now, not taken from a gateway's shared
    /// check ("Refresh now", the re-check before an action).
    check_now: StoredValue<bool>,
    monitor: StoredValue<Option<AbortHandle>>,
    /// Learns the entities' topology in the background.
    learner: StoredValue<Option<AbortHandle>>,
    /// The overview is shown (`?view=overview`) rather than one entity.
    pub overview: RwSignal<bool>,
    /// The statuses known, by entity.
    pub statuses: RwSignal<HashMap<String, Known>>,
}

impl Ctx {
    pub fn new(config: Config, lang: Lang) -> Self {
        let api = Arc::new(Client::new(&config));
        Self {
            config: StoredValue::new(config),
            api: StoredValue::new(api),
            lang: RwSignal::new(lang),
            session: RwSignal::new(Session::Connecting),
            entities: RwSignal::new(None),
            selected: RwSignal::new(None),
            notice: RwSignal::new(None),
            health: RwSignal::new(Health::Checking),
            checked_at: RwSignal::new(None),
            checking: RwSignal::new(false),
            server_slow: RwSignal::new(false),
            sign_on_refused: RwSignal::new(false),
            ended: RwSignal::new(None),
            last_input: StoredValue::new(browser::now_ms()),
            sign_on: StoredValue::new(None),
            requested: StoredValue::new(None),
            check_now: StoredValue::new(false),
            checks: StoredValue::new(Checks::default()),
            monitor: StoredValue::new(None),
            learner: StoredValue::new(None),
            overview: RwSignal::new(browser::query_param("view").as_deref() == Some("overview")),
            statuses: RwSignal::new(HashMap::new()),
        }
    }

    pub fn api(&self) -> Arc<Client> {
        self.api.get_value()
    }

    pub fn entity(&self, uuid: &str) -> Option<Entity> {
        self.entities.with_untracked(|list| list.as_ref()?.iter().find(|e| e.uuid == uuid).cloned())
    }

    /// Imaging actions may run on `entity` now.
    pub fn imaging_allowed(&self) -> bool {
        let selected = self.selected.get();
        self.session.get() == Session::SignedIn
            && self.health.with(|h| match h {
                Health::Known(r) => Some(&r.entity) == selected.as_ref() && h.allows_imaging(),
                _ => false,
            })
    }

    /// Loads the user's entities, picks the one to show, starts checking
    /// it; while Medulla cannot be reached, tries again with the same
    /// back-off as the checks.
    pub fn connect(self) {
        self.checks.update_value(Checks::new_generation);
        self.session.set(Session::Connecting);
        self.health.set(Health::Checking);
        self.run_in_background(self.connect_loop());
    }

    /// A token to sign in with when connecting.
    pub fn keep_sign_on(self, sign_on: Option<(String, String)>) {
        self.sign_on.set_value(sign_on);
    }

    /// Signs in with a token the host page handed over, then loads again.
    pub fn sign_on_with(self, login: String, token: String) {
        self.sign_on.set_value(Some((login, token)));
        self.sign_on_refused.set(false);
        self.connect();
    }

    /// Connects, unless something (a sign-on) already did.
    pub fn connect_unless_started(self) {
        if self.monitor.with_value(Option::is_none) {
            self.connect();
        }
    }

    /// Shows `uuid` as soon as the entity list is there (at once if it is).
    pub fn request_entity(self, uuid: String) {
        if self.entities.with_untracked(Option::is_some) {
            if self.entity(&uuid).is_some() && self.selected.get_untracked().as_deref() != Some(uuid.as_str()) {
                self.notice.set(None);
                self.select(uuid);
            }
        } else {
            self.requested.set_value(Some(uuid));
        }
    }

    async fn connect_loop(self) {
        if let Some((login, token)) = self.sign_on.try_update_value(Option::take).flatten() {
            // Medulla accepts a token until it expires: a sign-on lost to the
            // network is tried again; only a refusal says refused, and then
            // the login form shows, never the session of an earlier user.
            let mut tries = 0;
            let answer = loop {
                tries += 1;
                match self.api().sign_in_with_token(&login, &token).await {
                    Err(
                        ApiError::Timeout
                        | ApiError::Network(_)
                        | ApiError::Http(500..=599)
                        | ApiError::Problem { status: 500..=599, .. },
                    ) if tries < 3 => {
                        TimeoutFuture::new(1000 * tries).await;
                    }
                    answer => break answer,
                }
            };
            if answer == Ok(false) {
                self.sign_on_refused.set(true);
                return self.signed_out();
            }
            if answer == Ok(true) {
                self.signed_in();
            }
        }
        // Signed out here: the login form, even if a session cookie that
        // the tab could not forget is still valid.
        if browser::signed_out_here() {
            return self.signed_out();
        }
        let generation = self.generation();
        let mut failures = 0u32;
        // The entity to show is most likely known already: what serves it
        // (from a gateway: its status) is asked while the list loads, so
        // that its status is on screen one round after the list (with it).
        let likely = self.requested.with_value(Clone::clone).or_else(|| browser::query_param("entity"));
        // Only what can be an entity's id is sent to Medulla.
        let likely = likely.or_else(browser::remembered_entity).filter(|e| crate::domain::looks_like_entity_id(e));
        loop {
            let look = async {
                if let Some(entity) = &likely {
                    let max_age = self.config.with_value(|c| c.poll_seconds);
                    self.api().look_ahead(entity, max_age).await
                }
            };
            let (listed, _) = join(self.api().entities(), look).await;
            match listed {
                Ok(list) => {
                    self.learn_topology(&list);
                    let requested = self.requested.try_update_value(Option::take).flatten();
                    let requested = requested.filter(|u| list.iter().any(|e| &e.uuid == u));
                    let choice = requested.map(|u| (u, None)).or_else(|| initial_entity(&list));
                    self.entities.set(Some(list));
                    self.session.set(Session::SignedIn);
                    match choice {
                        Some((uuid, asked)) => {
                            self.notice.set(asked);
                            // Starts the checks, in place of this loop.
                            self.select(uuid);
                        }
                        None => self.health.set(Health::Unreachable(Trouble::NoEntity, "getUserLocations: []".into())),
                    }
                    return;
                }
                Err(ApiError::SignedOut) => return self.signed_out(),
                Err(e) => {
                    self.session.set(Session::SignedIn);
                    self.apply(generation, Health::Unreachable(e.trouble(), e.to_string()), browser::now_ms());
                    failures += 1;
                }
            }
            self.wait_before_next_check(failures).await;
        }
    }

    /// Shows `uuid`: Checking at once, never the previous entity's status.
    pub fn select(self, uuid: String) {
        self.checks.update_value(Checks::new_generation);
        browser::set_query_param("entity", &uuid);
        browser::remember_entity(&uuid);
        self.health.set(Health::Checking);
        self.checked_at.set(None);
        self.selected.set(Some(uuid));
        self.restart_monitor();
    }

    /// "Refresh now": a new generation, checked at once.
    pub fn refresh(self) {
        self.checks.update_value(Checks::new_generation);
        self.check_now.set_value(true);
        self.restart_monitor();
    }

    /// Checks now and then every `poll_seconds`, in place of the check in
    /// flight.
    pub fn restart_monitor(self) {
        if self.entities.with_untracked(Option::is_none) {
            return self.connect();
        }
        // The overview checks every entity: the selected one waits.
        if self.overview.get_untracked() {
            return self.stop_monitor();
        }
        let Some(entity) = self.selected.get_untracked() else { return };
        self.run_in_background(self.monitor_loop(entity));
    }

    /// Runs `task` as the one background loop, in place of the previous
    /// one (whose request, if any, is aborted).
    fn run_in_background(self, task: impl std::future::Future<Output = ()> + 'static) {
        self.stop_monitor();
        let (task, handle) = abortable(task);
        self.monitor.set_value(Some(handle));
        spawn_local(async move {
            let _ = task.await;
        });
    }

    /// Learns, in the background, what serves each of `list` once the
    /// first status is shown, then again
    /// every [`TOPOLOGY_REFRESH_MS`] while the page shows; in place of the
    /// previous learner.
    fn learn_topology(self, list: &[Entity]) {
        let uuids: Vec<String> = list.iter().take(TOPOLOGY_AHEAD).map(|e| e.uuid.clone()).collect();
        let api = self.api();
        let (task, handle) = abortable(async move {
            // After the first status: the user waits for that one.
            while self.health.with_untracked(|h| *h == Health::Checking) {
                TimeoutFuture::new(100).await;
            }
            let mut again = false;
            while api.learn_topology(&uuids, again).await.is_ok() {
                again = true;
                TimeoutFuture::new(TOPOLOGY_REFRESH_MS).await;
                while browser::page_hidden() {
                    TimeoutFuture::new(1000).await;
                }
            }
        });
        if let Some(previous) = self.learner.try_update_value(|l| l.replace(handle)).flatten() {
            previous.abort();
        }
        spawn_local(async move {
            let _ = task.await;
        });
    }

    fn stop_monitor(self) {
        if let Some(handle) = self.monitor.try_update_value(Option::take).flatten() {
            handle.abort();
        }
        self.checking.set(false);
        self.server_slow.set(false);
    }

    async fn monitor_loop(self, entity: String) {
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
    async fn wait_before_next_check(self, failures: u32) {
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
    async fn check(self, entity: &str) -> Option<bool> {
        // A status is as fresh as the moment it was asked for, not the
        // moment its answer came.
        let asked = browser::now_ms();
        let ticket = self.checks.try_update_value(Checks::issue)?;
        let current = move |last: bool| {
            self.checks.try_update_value(|c| c.admit(ticket, last)).unwrap_or(false)
                && self.selected.get_untracked().as_deref() == Some(entity)
        };
        self.checking.set(true);
        let progress = move |p: Progress| {
            if let Progress::Provisional(report) = p {
                if current(false) {
                    self.show(report, asked);
                }
            }
            if self.generation() == ticket.generation {
                self.server_slow.set(true);
            }
        };
        // A poll accepts a gateway's check as old as the polling interval.
        let now = self.check_now.try_update_value(std::mem::take).unwrap_or(false);
        let max_age = if now { 0 } else { self.config.with_value(|c| c.poll_seconds) };
        let result = self.api().status(entity, max_age, &progress).await;
        if !current(true) {
            return Some(true);
        }
        self.checking.set(false);
        self.server_slow.set(false);
        match result {
            Ok(report) => {
                self.show(report, asked);
                Some(true)
            }
            Err(ApiError::SignedOut) => {
                self.signed_out();
                None
            }
            Err(e) => {
                self.health.set(Health::Unreachable(e.trouble(), e.to_string()));
                self.checked_at.set(Some(asked));
                Some(false)
            }
        }
    }

    /// Puts `report`, asked for at `asked`, on screen.
    fn show(self, report: StatusReport, asked: f64) {
        let checked_at = asked - report.age_ms as f64;
        self.checked_at.set(Some(checked_at));
        let known = Known { health: Health::Known(report.clone()), checked_at };
        self.statuses.update(|m| {
            m.insert(report.entity.clone(), known);
        });
        self.health.set(Health::Known(report));
    }

    /// Shows the overview, or the selected entity.
    pub fn show_overview(self, overview: bool) {
        browser::set_query_param("view", if overview { "overview" } else { "entity" });
        self.overview.set(overview);
        self.restart_monitor();
    }

    /// Checks every entity, one check per imaging server, now and then
    /// every `poll_seconds` while the page shows; the rows go on screen a
    /// few times a second as they come. `round`: a round is in progress;
    /// `failure`: why the last one failed as a whole.
    pub async fn overview_loop(self, round: RwSignal<bool>, failure: RwSignal<Option<String>>) {
        let mut failures = 0;
        let mut max_age = 0;
        loop {
            let list = self.entities.get_untracked().unwrap_or_default();
            round.set(true);
            let heard: Mutex<Vec<Row>> = Mutex::default();
            let on_row =
                |entity: &str, row| heard.lock().unwrap_or_else(|p| p.into_inner()).push((entity.to_string(), row));
            let flush = || {
                let rows = std::mem::take(&mut *heard.lock().unwrap_or_else(|p| p.into_inner()));
                if rows.is_empty() {
                    return;
                }
                let now = browser::now_ms();
                self.statuses.update(|m| {
                    for (entity, row) in rows {
                        let known = match row {
                            Ok(report) => {
                                Known { checked_at: now - report.age_ms as f64, health: Health::Known(report) }
                            }
                            Err(e) => {
                                Known { health: Health::Unreachable(e.trouble(), e.to_string()), checked_at: now }
                            }
                        };
                        m.insert(entity, known);
                    }
                });
            };
            let api = self.api();
            let checks = std::pin::pin!(api.overview(&list, max_age, &on_row));
            let ticker = std::pin::pin!(async {
                loop {
                    TimeoutFuture::new(300).await;
                    flush();
                }
            });
            let result = match select(checks, ticker).await {
                Either::Left((result, _)) => result,
                Either::Right((_, checks)) => checks.await,
            };
            flush();
            round.set(false);
            match result {
                Err(ApiError::SignedOut) => return self.signed_out(),
                Err(e) => {
                    failures += 1;
                    failure.set(Some(e.to_string()));
                }
                Ok(()) => {
                    failures = 0;
                    failure.set(None);
                }
            }
            // The next rounds accept a gateway's check as old as the interval.
            max_age = self.config.with_value(|c| c.poll_seconds);
            self.wait_before_next_check(failures).await;
        }
    }

    /// Applies a state of the connection (no ticket: only one connection
    /// runs) if `generation` is still the current one.
    fn apply(self, generation: u64, health: Health, at: f64) {
        if self.generation() == generation {
            self.health.set(health);
            self.checked_at.set(Some(at));
        }
    }

    /// Re-checks when the last check is older than [`FRESH_MS`]; then says
    /// whether imaging actions may still run on `entity`. The check is the
    /// monitor's, started now in place of the one in flight; the answer is
    /// the first status it puts on screen (an Offline known from the relay
    /// is enough to refuse: no need to wait for the imaging server's 30 s).
    /// `generation` is the one the action was launched in: a selection or
    /// a sign-in since then (even back to the same entity) ends it.
    pub async fn confirm_available(self, entity: &str, generation: u64) -> Confirmation {
        let same = move || self.generation() == generation && self.selected.get_untracked().as_deref() == Some(entity);
        if !self.fresh() {
            let before = self.checks.with_value(Checks::issued);
            self.check_now.set_value(true);
            self.restart_monitor();
            while same()
                && self.session.get_untracked() == Session::SignedIn
                && !self.checks.with_value(|c| c.answered_after(before))
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
    fn fresh(self) -> bool {
        self.checked_at.get_untracked().is_some_and(|t| browser::now_ms() - t <= FRESH_MS)
    }

    /// The generation actions are launched in (see [`Ctx::confirm_available`]).
    pub fn generation(&self) -> u64 {
        self.checks.with_value(Checks::generation)
    }

    /// After a sign-in: load what is missing and check the selection again.
    /// After a password sign-in: the user may be another one, so their
    /// entity list is loaded again (the selection, in the URL, is kept when
    /// they may see it).
    pub fn reload_after_sign_in(self) {
        self.entities.set(None);
        self.statuses.set(HashMap::new());
        self.connect();
    }

    pub fn signed_out(self) {
        self.stop_monitor();
        if let Some(learner) = self.learner.try_update_value(Option::take).flatten() {
            learner.abort();
        }
        self.session.set(Session::SignedOut);
        self.health.set(Health::SignedOut);
    }

    /// A sign-in succeeded: a sign-out before it no longer holds.
    pub fn signed_in(self) {
        browser::set_signed_out_here(false);
        self.ended.set(None);
        self.last_input.set_value(browser::now_ms());
    }

    /// Signs the user out: polling stops, nothing of theirs stays on
    /// screen, the session ends as far as the transport allows, and a
    /// reload shows the login form.
    pub fn sign_out(self, why: Ended) {
        self.checks.update_value(Checks::new_generation);
        browser::set_signed_out_here(true);
        browser::forget_agent_session();
        self.signed_out();
        self.entities.set(None);
        self.statuses.set(HashMap::new());
        self.selected.set(None);
        self.checked_at.set(None);
        self.ended.set(Some(why));
        let api = self.api();
        // The session is over here whatever the answer: a gateway that
        // cannot be reached ends it at its own idle timeout.
        spawn_local(async move {
            let _ = api.sign_out().await;
        });
    }

    /// Signs the user out after `idle_sign_out_minutes` without input
    /// (never when 0). Called once, at start.
    pub fn watch_idle(self) {
        let idle_ms = f64::from(self.config.with_value(|c| c.idle_sign_out_seconds)) * 1000.0;
        if idle_ms <= 0.0 {
            return;
        }
        browser::on_user_input(move || self.last_input.set_value(browser::now_ms()));
        // Looked at a few times per period, at most every 15 s.
        let every = (idle_ms / 6.0).clamp(500.0, 15_000.0) as u32;
        spawn_local(async move {
            loop {
                TimeoutFuture::new(every).await;
                let idle = browser::now_ms() - self.last_input.get_value();
                if idle >= idle_ms && self.session.get_untracked() == Session::SignedIn {
                    self.sign_out(Ended::Idle);
                }
            }
        });
    }

    /// The report on screen, if it is the selected entity's.
    pub fn report(&self) -> Option<StatusReport> {
        let selected = self.selected.get();
        self.health.with(|h| match h {
            Health::Known(r) if Some(&r.entity) == selected.as_ref() => Some(r.clone()),
            _ => None,
        })
    }

    /// The entity whose server serves the selected one.
    pub fn server_entity(&self) -> Option<String> {
        untrack(|| self.report()).map(|r| r.inherited_from.unwrap_or(r.entity))
    }
}

/// The entity to show first: the link's, else the last one used, else the
/// first the server lists. The second item names a linked entity that is
/// not among the user's.
fn initial_entity(list: &[Entity]) -> Option<(String, Option<String>)> {
    let known = |uuid: &Option<String>| uuid.as_ref().filter(|u| list.iter().any(|e| &e.uuid == *u)).cloned();
    let asked = browser::query_param("entity");
    // Echoed only when it looks like an entity id: a link is not a way to
    // put words on the screen.
    let unknown_link = asked.clone().filter(|_| known(&asked).is_none()).map(|a| {
        if crate::domain::looks_like_entity_id(&a) {
            a
        } else {
            String::new()
        }
    });
    let uuid = known(&asked)
        .or_else(|| known(&browser::remembered_entity()))
        .or_else(|| list.first().map(|e| e.uuid.clone()))?;
    Some((uuid, unknown_link))
}
