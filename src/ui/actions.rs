//! The imaging actions. Each is disabled (the attribute, not a style) with
//! its reason as accessible description unless the selected entity's server
//! is Available; right before running, a check older than a few seconds is
//! made again; a running action cannot be launched twice.

use super::state::{Confirmation, Ctx};
use super::wording::describe;
use super::{browser, tr};
use crate::api::{ApiError, ImagingApi, SyncOutcome};
use crate::domain::{room_for_a_master, Entity, Health, Room, ServerStatus, StoreLimits};
use crate::i18n::Lang;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Action {
    Deploy,
    Master,
    Multicast,
    Synchronise,
}

impl Action {
    const ALL: [Action; 4] = [Action::Deploy, Action::Master, Action::Multicast, Action::Synchronise];

    /// Its name in the page (`data-action`).
    fn key(self) -> &'static str {
        match self {
            Action::Deploy => "deploy",
            Action::Master => "master",
            Action::Multicast => "multicast",
            Action::Synchronise => "synchronise",
        }
    }

    fn label(self, lang: Lang) -> &'static str {
        match self {
            Action::Deploy => lang.tr("Deploy an image"),
            Action::Master => lang.tr("Create a reference image"),
            Action::Multicast => lang.tr("Start a multicast"),
            Action::Synchronise => lang.tr("Synchronise boot menus"),
        }
    }
}

/// The outcome shown under the actions, worded at display time (so that
/// it follows a change of language).
#[derive(Clone)]
enum Outcome {
    /// The status was re-checked and is no longer Available.
    NotLaunched,
    /// The status was re-checked, and is Available only as of an older
    /// check (a gateway's shared one).
    NotCurrent,
    /// Another entity was selected (or the user signed in again, or
    /// refreshed) while the status was being re-checked.
    Abandoned,
    /// Re-checked: the image store is now below its floor.
    NoRoom,
    Synchronised,
    /// The reasons of the steps that failed.
    SyncFailed(Vec<String>),
    SessionEnded,
}

impl Outcome {
    fn succeeded(&self) -> bool {
        matches!(self, Outcome::Synchronised)
    }

    fn text(&self, lang: Lang) -> &'static str {
        match self {
            Outcome::NotLaunched => lang.tr("Not launched: the imaging server is no longer Available."),
            Outcome::NotCurrent => lang.tr("Not launched: the status could not be confirmed as current. Try again in a moment."),
            Outcome::Abandoned => lang.tr("Not launched: the selection changed, or the status was refreshed, while it was being checked."),
            Outcome::NoRoom => lang.tr("Not launched: the image store’s free space is below its floor."),
            Outcome::Synchronised => lang.tr("Boot menus synchronised."),
            Outcome::SyncFailed(reasons) if reasons.is_empty() => lang.tr("Boot menu synchronisation failed: the imaging server reported a failed step (Medulla gives no detail)."),
            Outcome::SyncFailed(_) => {
                lang.tr("Boot menu synchronisation failed:")
            }
            Outcome::SessionEnded => {
                lang.tr("Not synchronised: your session has ended.")
            }
        }
    }
}

/// Why "Create a reference image" is disabled by the image store's floor.
fn floor_text(free_mib: u64, limits: &StoreLimits, lang: Lang) -> String {
    lang.trf(
        "Create a reference image is disabled: the image store has only {free} free, below the floor of {floor} set for this tab.",
        &[("free", &lang.size_mib(free_mib)), ("floor", &lang.size_gb(limits.floor_gb))],
    )
}

/// The warning before a reference image when the store is short of room.
fn room_warning(room: Room, limits: &StoreLimits, lang: Lang) -> String {
    match room {
        Room::Low { free_mib, free_percent } => {
            let (free, percent) = (lang.size_mib(free_mib), lang.percent(free_percent));
            let (warn, share) = (lang.size_gb(limits.warn_below_gb), lang.percent(f64::from(limits.warn_below_percent)));
            lang.trf(
                "The image store has {free} free ({percent} of it). A reference image is a copy of a whole disk: below {warn} or {share} free, the capture may fail when the store fills up. Create it anyway?",
                &[("free", &free), ("percent", &percent), ("warn", &warn), ("share", &share)],
            )
        }
        _ => lang
            .tr("The imaging server did not report its image store’s free space: there may be no room for a reference image. Create it anyway?")
            .to_string(),
    }
}

#[component]
pub fn Actions() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let lang = ctx.lang;
    let running = RwSignal::new(None::<Action>);
    let outcome = RwSignal::new(None::<Outcome>);
    // A reference image waiting for the user to confirm, short of room.
    let confirming = RwSignal::new(None::<Room>);
    let limits = ctx.config.with_value(|c| c.image_store);
    // A new entity or a new status clears the previous action's outcome.
    Effect::new(move || {
        ctx.selection.selected.track();
        outcome.set(None);
        confirming.set(None);
    });
    // What the image store leaves room for, by the status on screen.
    let room = move || match ctx.report()?.status {
        ServerStatus::Available(figures) => Some(room_for_a_master(&figures, &limits)),
        _ => None,
    };
    let below_floor = move || match room() {
        Some(Room::BelowFloor { free_mib }) => Some(floor_text(free_mib, &limits, lang.get())),
        _ => None,
    };
    let allowed = move || ctx.imaging_allowed();
    // A warning pending when the server stops being Available is dropped.
    Effect::new(move || {
        if !allowed() {
            confirming.set(None);
        }
    });
    let reason = move || {
        let l = lang.get();
        if running.get().is_some() {
            return l.tr("An imaging action is running.").to_string();
        }
        if allowed() {
            return l.tr("The imaging server is Available: imaging actions can be launched.").to_string();
        }
        // A report about another entity than the selected one is not shown.
        let state = match (ctx.selection.health.get(), ctx.report()) {
            (Health::Known(_), None) => Health::Checking,
            (state, _) => state,
        };
        l.trf("Imaging actions are disabled: the status is {status}", &[("status", describe(&state, l).title)])
    };
    // `confirmed`: the user confirmed a reference image short of room.
    let launch = move |action: Action, confirmed: bool| {
        confirming.set(None);
        if running.get_untracked().is_some() || !untrack(allowed) {
            return;
        }
        let Some(entity) = ctx.selection.selected.get_untracked() else { return };
        running.set(Some(action));
        outcome.set(None);
        let generation = ctx.generation();
        spawn_local(async move {
            let refused = match ctx.confirm_available(&entity, generation).await {
                Confirmation::Go => None,
                Confirmation::NotAvailable => Some(Outcome::NotLaunched),
                Confirmation::NotCurrent => Some(Outcome::NotCurrent),
                Confirmation::Abandoned => Some(Outcome::Abandoned),
            };
            // The image store's room, by the check just confirmed.
            let refused = refused.or_else(|| match (action, untrack(room)) {
                (Action::Master, Some(Room::BelowFloor { .. })) => Some(Outcome::NoRoom),
                (Action::Master, Some(short @ (Room::Low { .. } | Room::Unknown))) if !confirmed => {
                    confirming.set(Some(short));
                    None
                }
                _ => None,
            });
            if refused.is_some() || confirming.get_untracked().is_some() {
                outcome.set(refused);
                running.set(None);
                return;
            }
            let routes = ctx.config.with_value(|c| c.console_routes.clone());
            let known = ctx.entity(&entity);
            let target = known.unwrap_or_else(|| Entity {
                uuid: entity.clone(),
                name: entity.clone(),
                completename: entity.clone(),
                level: 0,
            });
            let page = |route: &str| ctx.config.with_value(|c| c.console_page(route, &target));
            match action {
                Action::Deploy => browser::go_to(&page(&routes.deploy)),
                Action::Master => browser::go_to(&page(&routes.master)),
                Action::Multicast => browser::go_to(&page(&routes.multicast)),
                Action::Synchronise => {
                    let server_entity = ctx.server_entity().unwrap_or(entity.clone());
                    let result = ctx.api().synchronise(&server_entity).await;
                    if ctx.selection.selected.get_untracked().as_deref() == Some(entity.as_str()) {
                        outcome.set(Some(match result {
                            Ok(SyncOutcome::Done) => Outcome::Synchronised,
                            Ok(SyncOutcome::Failed(reasons)) => Outcome::SyncFailed(reasons),
                            Err(ApiError::SignedOut) => {
                                ctx.signed_out();
                                Outcome::SessionEnded
                            }
                            Err(e) => Outcome::SyncFailed(vec![e.to_string()]),
                        }));
                    }
                }
            }
            running.set(None);
        });
    };
    view! {
        <section class="actions" aria-labelledby="actions-title">
            <h2 id="actions-title">{tr(lang, "Imaging actions")}</h2>
            <p id="actions-reason" class="actions__reason">{reason}</p>
            <div class="actions__buttons">
                {Action::ALL.into_iter().map(|action| {
                    let disabled = move || {
                        !allowed() || running.get().is_some() || (action == Action::Master && below_floor().is_some())
                    };
                    let described_by = if action == Action::Master { "actions-reason actions-room" } else { "actions-reason" };
                    view! {
                        <button type="button" class="action" data-action=action.key()
                            disabled=disabled aria-disabled=move || disabled().to_string()
                            aria-describedby=described_by
                            on:click=move |_| launch(action, false)>
                            {move || action.label(lang.get())}
                        </button>
                    }
                }).collect_view()}
            </div>
            <p id="actions-room" class="actions__room">{below_floor}</p>
            {move || confirming.get().map(|short| {
                let cancel = NodeRef::<leptos::html::Button>::new();
                Effect::new(move || {
                    if let Some(button) = cancel.get() {
                        let _ = button.focus();
                    }
                });
                view! {
                    <div class="actions__confirm" role="alertdialog" aria-labelledby="room-title" aria-describedby="room-text">
                        <h3 id="room-title">{tr(lang, "Little room in the image store")}</h3>
                        <p id="room-text">{move || room_warning(short, &limits, lang.get())}</p>
                        <button type="button" class="confirm" data-confirm="master" on:click=move |_| launch(Action::Master, true)>
                            {tr(lang, "Create it anyway")}
                        </button>
                        " "
                        <button type="button" node_ref=cancel on:click=move |_| confirming.set(None)>
                            {tr(lang, "Cancel")}
                        </button>
                    </div>
                }
            })}
            <div class="actions__outcome" role="status" aria-live="polite">
                {move || outcome.get().map(|o| {
                    let (class, icon) = if o.succeeded() { ("outcome outcome--done", "✔ ") } else { ("outcome outcome--failed", "✖ ") };
                    let reasons = match &o {
                        Outcome::SyncFailed(reasons) => reasons.clone(),
                        _ => Vec::new(),
                    };
                    view! {
                        <div class=class>
                            <p>{icon}{o.text(lang.get())}</p>
                            {(!reasons.is_empty()).then(|| view! { <ul>{reasons.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}</ul> })}
                        </div>
                    }
                })}
            </div>
        </section>
    }
}
