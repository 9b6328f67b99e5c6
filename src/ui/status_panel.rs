//! The status of the selected entity's imaging server: icon, colour and
//! words, why, what to do, and when it was checked.

use super::browser;
use super::state::Ctx;
use super::wording::{describe, relay_text, trouble_text, waiting_text};
use crate::domain::{Health, ServerStatus};
use leptos::prelude::*;

#[component]
pub fn StatusPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let lang = ctx.lang;
    let state = move || ctx.selection.health.with(|h| h.as_str());
    let text = move || ctx.selection.health.with(|h| describe(h, lang.get()));
    let timeout = ctx.config.with_value(|c| c.request_timeout_seconds);
    let detail = move || {
        ctx.selection.health.with(|h| match h {
            Health::Unreachable(trouble, detail) => Some((trouble_text(trouble, lang.get(), timeout), detail.clone())),
            _ => None,
        })
    };
    let inherited = move || {
        let report = ctx.report()?;
        let from = report.inherited_from?;
        // A status shown before the entity list is in: its owner's name
        // comes with the list.
        ctx.selection.entities.with(Option::is_some).then_some(())?;
        let name = ctx.entity(&from).map_or(from, |e| e.completename);
        Some(lang.get().trf("Served by the imaging server of {entity}", &[("entity", &name)]))
    };
    let server = move || ctx.report().and_then(|r| r.server_name);
    let relay = move || match ctx.report()?.status {
        ServerStatus::Offline(relay) => relay_text(relay, lang.get()),
        _ => None,
    };
    let since = move || {
        let held = ctx.report()?.since?;
        let from = ctx.selection.checked_at.get()? - held.held_ms as f64;
        let (lang, title) = (lang.get(), text().title);
        let (moment, elapsed) = browser::moment_and_age(from, lang);
        let args = [("status", title), ("moment", moment.as_str()), ("elapsed", elapsed.as_str())];
        Some(match held.change_seen {
            true => lang.trf("{status} since {moment} ({elapsed}).", &args),
            false => {
                lang.trf("{status} since at least {moment} ({elapsed}): the first check already found it so.", &args)
            }
        })
    };
    let waiting =
        move || ctx.selection.server_slow.get().then(|| ctx.selection.health.with(|h| waiting_text(h, lang.get())));
    let checked = move || match ctx.selection.checked_at.get() {
        Some(t) => lang.get().trf("Last checked {moment}", &[("moment", &lang.get().moment(t, false))]),
        None => lang.get().tr("Not checked yet").to_string(),
    };
    let can_refresh =
        move || ctx.session.state.get() != super::state::Session::SignedOut && !ctx.selection.checking.get();
    view! {
        // Hooks for the tests' invariants: `data-entity`, whose report is
        // shown; `data-selected`, the entity selected; `data-checked-at`,
        // as of when (ms since 1970).
        <section class=move || format!("status status--{}", state()) data-status=state
            data-entity=move || ctx.selection.health.with(|h| match h {
                Health::Known(r) => Some(r.entity.clone()),
                _ => None,
            })
            data-selected=move || ctx.selection.selected.get()
            data-checked-at=move || ctx.selection.checked_at.get().map(|t| (t as i64).to_string())
            aria-labelledby="status-title">
            <div class="status__live" role="status" aria-live="polite" aria-atomic="true">
                <span class="status__icon" aria-hidden="true">{move || text().icon}</span>
                <h2 id="status-title" class="status__title">{move || text().title}</h2>
                <p class="status__why">{move || text().why}</p>
                {move || relay().map(|t| view! { <p class="status__relay">{t}</p> })}
                {move || waiting().map(|t| view! { <p class="status__waiting">{t}</p> })}
                <p class="status__todo">{move || text().todo}</p>
            </div>
            {move || since().map(|t| view! { <p class="status__since">{t}</p> })}
            {move || detail().map(|(why, raw)| view! {
                <p class="status__trouble">{why}</p>
                <p class="status__detail">{lang.get().tr("Technical detail:")}" "<code>{raw}</code></p>
            })}
            {move || inherited().map(|t| view! { <p class="status__inherited">{t}</p> })}
            {move || server().map(|s| view! { <p class="status__server">{lang.get().tr("Imaging server:")}" "<strong>{s}</strong></p> })}
            <p class="status__checked">
                <span>{checked}</span>
                <button type="button" class="refresh" disabled=move || !can_refresh() on:click=move |_| ctx.refresh()>
                    {move || if ctx.selection.checking.get() { lang.get().tr("Checking…") } else { lang.get().tr("Refresh now") }}
                </button>
            </p>
        </section>
    }
}
