//! The session: connecting, signing in and out, the entity list and the
//! entity shown first, the background learning of what serves each entity.

use super::*;

/// The session: who is signed in, and how the tab signed them out.
#[derive(Clone, Copy)]
pub struct SessionState {
    pub state: RwSignal<Session>,
    /// The console's single sign-on token was refused.
    pub sign_on_refused: RwSignal<bool>,
    /// The tab signed the user out, and why.
    pub ended: RwSignal<Option<Ended>>,
    /// When the user last pressed a key, clicked or moved the pointer.
    pub(super) last_input: StoredValue<f64>,
    /// `(login, token)` from the URL fragment or the host page, used once.
    pub(super) sign_on: StoredValue<Option<(String, String)>>,
}

impl SessionState {
    pub(super) fn new() -> Self {
        Self {
            state: RwSignal::new(Session::Connecting),
            sign_on_refused: RwSignal::new(false),
            ended: RwSignal::new(None),
            last_input: StoredValue::new(browser::now_ms()),
            sign_on: StoredValue::new(None),
        }
    }
}

/// How often the topology of the user's entities is learnt again (every
/// check also confirms the part it uses).
pub(super) const TOPOLOGY_REFRESH_MS: u32 = 10 * 60 * 1000;

/// How long the entity list waits, once in, for the status asked with it
/// (from a gateway, a few ms behind it): the screen is then drawn once, with
/// both, rather than the list first and the status as the list's render
/// ends (about 10 ms later on a second visit). A slow status (a dead
/// imaging server) leaves the list waiting no longer than this.
const LIST_WAITS_FOR_STATUS_MS: u32 = 250;

/// The entities whose topology is learnt ahead, the first of the list: 3
/// agent calls each, one entity at a time, every [`TOPOLOGY_REFRESH_MS`].
/// Any other is learnt at its first check (one round trip more).
pub(super) const TOPOLOGY_AHEAD: usize = 1000;

/// The entity to show first: the link's, else the last one used, else the
/// first the server lists. The second item names a linked entity that is
/// not among the user's.
pub(super) fn initial_entity(list: &[Entity]) -> Option<(String, Option<String>)> {
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

impl Ctx {
    /// Loads the user's entities, picks the one to show, starts checking
    /// it; while Medulla cannot be reached, tries again with the same
    /// back-off as the checks.
    pub fn connect(self) {
        self.selection.checks.update_value(Checks::new_generation);
        self.session.state.set(Session::Connecting);
        self.selection.health.set(Health::Checking);
        self.run_in_background(self.connect_loop());
    }

    /// A token to sign in with when connecting.
    pub fn keep_sign_on(self, sign_on: Option<(String, String)>) {
        self.session.sign_on.set_value(sign_on);
    }

    /// Signs in with a token the host page handed over, then loads again.
    pub fn sign_on_with(self, login: String, token: String) {
        self.session.sign_on.set_value(Some((login, token)));
        self.session.sign_on_refused.set(false);
        self.connect();
    }

    /// Connects, unless something (a sign-on) already did.
    pub fn connect_unless_started(self) {
        if self.selection.monitor.with_value(Option::is_none) {
            self.connect();
        }
    }

    /// Shows `uuid` as soon as the entity list is there (at once if it is).
    pub fn request_entity(self, uuid: String) {
        if self.selection.entities.with_untracked(Option::is_some) {
            if self.entity(&uuid).is_some() && self.selection.selected.get_untracked().as_deref() != Some(uuid.as_str())
            {
                self.selection.notice.set(None);
                self.select(uuid);
            }
        } else {
            self.selection.requested.set_value(Some(uuid));
        }
    }

    pub(super) async fn connect_loop(self) {
        if let Some((login, token)) = self.session.sign_on.try_update_value(Option::take).flatten() {
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
                self.session.sign_on_refused.set(true);
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
        let likely = self.selection.requested.with_value(Clone::clone).or_else(|| browser::query_param("entity"));
        // Only what can be an entity's id is sent to Medulla.
        let likely = likely.or_else(browser::remembered_entity).filter(|e| crate::domain::looks_like_entity_id(e));
        loop {
            let look = async {
                if let Some(entity) = &likely {
                    let max_age = self.config.with_value(|c| c.poll_seconds);
                    let asked = browser::now_ms();
                    self.api().look_ahead(entity, max_age).await;
                    self.show_ahead_when_in(entity.clone(), asked);
                }
            };
            let (listed, _) = join(self.api().entities(), look).await;
            match listed {
                Ok(list) => {
                    let api = self.api();
                    select(Box::pin(api.ahead_answered()), TimeoutFuture::new(LIST_WAITS_FOR_STATUS_MS)).await;
                    self.learn_topology(&list);
                    let requested = self.selection.requested.try_update_value(Option::take).flatten();
                    let requested = requested.filter(|u| list.iter().any(|e| &e.uuid == u));
                    let choice = requested.map(|u| (u, None)).or_else(|| initial_entity(&list));
                    self.selection.entities.set(Some(list));
                    self.session.state.set(Session::SignedIn);
                    match choice {
                        Some((uuid, asked)) => {
                            self.selection.notice.set(asked);
                            // Starts the checks, in place of this loop.
                            self.select(uuid);
                        }
                        None => self
                            .selection
                            .health
                            .set(Health::Unreachable(Trouble::NoEntity, "getUserLocations: []".into())),
                    }
                    return;
                }
                Err(ApiError::SignedOut) => return self.signed_out(),
                Err(e) => {
                    self.session.state.set(Session::SignedIn);
                    self.apply(generation, Health::Unreachable(e.trouble(), e.to_string()), browser::now_ms());
                    failures += 1;
                }
            }
            self.wait_before_next_check(failures).await;
        }
    }

    /// Through a gateway, the status asked ahead is on screen as soon as
    /// its answer is in, if the entity list is not: a gateway answers a
    /// status only to a live session, of one of its user's entities, so it
    /// proves the session as the list does. The list follows (a list of
    /// 5,000 entities takes the gateway some 50 ms more than a status, and
    /// the tab some 20 ms to read); imaging actions wait for it (they need
    /// the session signed in), and its first check shows the same report.
    fn show_ahead_when_in(self, entity: String, asked: f64) {
        let api = self.api();
        spawn_local(async move {
            api.ahead_answered().await;
            let connecting = self.session.state.get_untracked() == Session::Connecting
                && self.selection.entities.with_untracked(Option::is_none);
            if let Some(report) = api.ahead_report(&entity).filter(|_| connecting) {
                self.selection.selected.set(Some(entity));
                self.show(report, asked, false);
            }
        });
    }

    /// Learns, in the background, what serves each of `list` once the
    /// first status is shown, then again
    /// every [`TOPOLOGY_REFRESH_MS`] while the page shows; in place of the
    /// previous learner.
    pub(super) fn learn_topology(self, list: &[Entity]) {
        let uuids: Vec<String> = list.iter().take(TOPOLOGY_AHEAD).map(|e| e.uuid.clone()).collect();
        let api = self.api();
        let (task, handle) = abortable(async move {
            // After the first status: the user waits for that one.
            while self.selection.health.with_untracked(|h| *h == Health::Checking) {
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
        if let Some(previous) = self.selection.learner.try_update_value(|l| l.replace(handle)).flatten() {
            previous.abort();
        }
        spawn_local(async move {
            let _ = task.await;
        });
    }

    /// After a sign-in: load what is missing and check the selection again.
    /// After a password sign-in: the user may be another one, so their
    /// entity list is loaded again (the selection, in the URL, is kept when
    /// they may see it).
    pub fn reload_after_sign_in(self) {
        self.selection.entities.set(None);
        self.overview.statuses.set(HashMap::new());
        self.connect();
    }

    pub fn signed_out(self) {
        self.stop_monitor();
        if let Some(learner) = self.selection.learner.try_update_value(Option::take).flatten() {
            learner.abort();
        }
        self.session.state.set(Session::SignedOut);
        self.selection.health.set(Health::SignedOut);
        self.forget_history();
    }

    /// A sign-in succeeded: a sign-out before it no longer holds.
    pub fn signed_in(self) {
        browser::set_signed_out_here(false);
        self.session.ended.set(None);
        self.session.last_input.set_value(browser::now_ms());
    }

    /// Signs the user out: polling stops, nothing of theirs stays on
    /// screen, the session ends as far as the transport allows, and a
    /// reload shows the login form.
    pub fn sign_out(self, why: Ended) {
        self.selection.checks.update_value(Checks::new_generation);
        browser::set_signed_out_here(true);
        browser::forget_agent_session();
        self.signed_out();
        self.selection.entities.set(None);
        self.overview.statuses.set(HashMap::new());
        self.selection.selected.set(None);
        self.selection.checked_at.set(None);
        self.session.ended.set(Some(why));
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
        browser::on_user_input(move || self.session.last_input.set_value(browser::now_ms()));
        // Looked at a few times per period, at most every 15 s.
        let every = (idle_ms / 6.0).clamp(500.0, 15_000.0) as u32;
        spawn_local(async move {
            loop {
                TimeoutFuture::new(every).await;
                let idle = browser::now_ms() - self.session.last_input.get_value();
                if idle >= idle_ms && self.session.state.get_untracked() == Session::SignedIn {
                    self.sign_out(Ended::Idle);
                }
            }
        });
    }
}
