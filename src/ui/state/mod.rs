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

mod history;
mod monitor;
mod overview;
mod session;

pub use history::HistoryState;
pub use monitor::{Selection, FRESH_MS};
pub use overview::OverviewState;
pub use session::SessionState;

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

/// What the views share, one context per concern: the session, the
/// selected entity and its checks, the overview; with the configuration,
/// the client and the language they all use.
#[derive(Clone, Copy)]
pub struct Ctx {
    pub config: StoredValue<Config>,
    pub api: StoredValue<Arc<Client>>,
    pub lang: RwSignal<Lang>,
    pub session: SessionState,
    pub selection: Selection,
    pub overview: OverviewState,
    pub history: HistoryState,
}

impl Ctx {
    pub fn new(config: Config, lang: Lang) -> Self {
        let api = Arc::new(Client::new(&config));
        Self {
            config: StoredValue::new(config),
            api: StoredValue::new(api),
            lang: RwSignal::new(lang),
            session: SessionState::new(),
            selection: Selection::new(),
            overview: OverviewState::new(),
            history: HistoryState::new(),
        }
    }

    pub fn api(&self) -> Arc<Client> {
        self.api.get_value()
    }

    pub fn entity(&self, uuid: &str) -> Option<Entity> {
        self.selection.entities.with_untracked(|list| list.as_ref()?.iter().find(|e| e.uuid == uuid).cloned())
    }

    /// Imaging actions may run on `entity` now.
    pub fn imaging_allowed(&self) -> bool {
        let selected = self.selection.selected.get();
        self.session.state.get() == Session::SignedIn
            && self.selection.health.with(|h| match h {
                Health::Known(r) => Some(&r.entity) == selected.as_ref() && h.allows_imaging(),
                _ => false,
            })
    }

    /// The generation actions are launched in (see [`Ctx::confirm_available`]).
    pub fn generation(&self) -> u64 {
        self.selection.checks.with_value(Checks::generation)
    }

    /// The report on screen, if it is the selected entity's.
    pub fn report(&self) -> Option<StatusReport> {
        let selected = self.selection.selected.get();
        self.selection.health.with(|h| match h {
            Health::Known(r) if Some(&r.entity) == selected.as_ref() => Some(r.clone()),
            _ => None,
        })
    }

    /// The entity whose server serves the selected one.
    pub fn server_entity(&self) -> Option<String> {
        untrack(|| self.report()).map(|r| r.inherited_from.unwrap_or(r.entity))
    }
}
