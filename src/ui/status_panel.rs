//! The status of the selected entity's imaging server: icon, colour and
//! words, why, what to do, and when it was checked.

use super::{browser, state::Ctx};
use crate::domain::{Health, RelayPresence, ServerStatus, Trouble};
use crate::i18n::Lang;
use leptos::prelude::*;

/// The words of a state: its icon, title, explanation and, when imaging
/// cannot go on, the recommended action.
pub struct Words {
    pub icon: &'static str,
    pub title: &'static str,
    pub why: &'static str,
    pub todo: Option<&'static str>,
}

pub fn describe(h: &Health, lang: Lang) -> Words {
    let stop = lang.tr("Do not proceed; notify your administrator or support.");
    let (icon, why, todo) = match h {
        Health::Checking => ("…", lang.tr("Asking Medulla about this entity’s imaging server."), None),
        Health::SignedOut => (
            "!",
            lang.tr("You are not signed in to Medulla (or your session has ended), so the status cannot be read."),
            Some(lang.tr("Sign in again below; the selected entity is kept.")),
        ),
        Health::Unreachable(..) => (
            "?",
            lang.tr("Medulla’s own API did not answer properly: the status of the imaging server is unknown."),
            Some(lang.tr("Check your network, then use “Refresh now”. If it persists, contact your administrator.")),
        ),
        Health::Known(r) => match r.status {
            ServerStatus::Available(_) => ("✔", lang.tr("The imaging server is active and ready for use."), None),
            ServerStatus::ConnectionError => (
                "⚠",
                lang.tr(
                    "The server’s host is up, but Medulla cannot talk to its imaging service: a deployment would fail.",
                ),
                Some(stop),
            ),
            ServerStatus::Offline(_) => (
                "✖",
                lang.tr(
                    "The imaging server linked to this entity is inactive: images cannot be deployed to its machines.",
                ),
                Some(stop),
            ),
            ServerStatus::NotLinked => (
                "–",
                lang.tr("Neither this entity nor an ancestor that serves its descendants has an imaging server."),
                Some(lang.tr("Ask your administrator to link an imaging server to this entity.")),
            ),
        },
    };
    Words { icon, title: title_of(h.as_str(), lang), why, todo }
}

/// The title of a state (`Health::as_str`), as the screen says it.
pub fn title_of(state: &str, lang: Lang) -> &'static str {
    match state {
        "checking" => lang.tr("Checking…"),
        "signed-out" => lang.tr("Signed out"),
        "unreachable" => lang.tr("Medulla unreachable"),
        "available" => lang.tr("Available"),
        "connection-error" => lang.tr("Connection error"),
        "offline" => lang.tr("Offline"),
        _ => lang.tr("No imaging server linked"),
    }
}

/// What is known of the relay of an Offline server, in words.
fn relay_text(relay: RelayPresence, lang: Lang) -> Option<&'static str> {
    Some(match relay {
        RelayPresence::Present => return None,
        RelayPresence::Absent => lang.tr("Its imaging server does not answer, and the relay hosting it is not connected to Medulla."),
        RelayPresence::NotFound => lang.tr("Its imaging server does not answer, and no relay of Medulla has its address: the relay was not identified."),
        RelayPresence::NoAddress => lang.tr("Its imaging server does not answer, and its address in Medulla has no host name or IP (public_ip is empty): the relay was not identified."),
        RelayPresence::Unknown => lang.tr("Its imaging server does not answer, and Medulla’s list of relays could not be read."),
    })
}

/// While the imaging server keeps Medulla waiting: what that means now.
fn waiting_text(h: &Health, lang: Lang) -> &'static str {
    match h {
        Health::Known(_) => lang.tr("Medulla is still waiting for the imaging server itself (up to 30 seconds); the status will change if it answers."),
        _ => lang.tr("The imaging server is slow to answer: Medulla waits up to 30 seconds for a server whose host is down."),
    }
}

/// What went wrong with Medulla's API, in words.
fn trouble_text(trouble: &Trouble, lang: Lang, timeout: u32) -> String {
    match trouble {
        Trouble::Timeout => {
            lang.trf("Medulla did not answer within {timeout} seconds.", &[("timeout", &lang.int(timeout.into()))])
        }
        Trouble::Network => lang.tr("The request did not reach Medulla (network, proxy or certificate).").into(),
        Trouble::Http(code) => {
            lang.trf("Medulla or its proxy answered with HTTP error {code}.", &[("code", &code.to_string())])
        }
        Trouble::Unreadable => lang.tr("Medulla’s answer could not be read.").into(),
        Trouble::Fault(code) => lang.trf("Medulla reported an error (fault {code}).", &[("code", &code.to_string())]),
        Trouble::TooLarge => {
            lang.tr("Medulla (or a proxy) sent an answer far larger than any it should: it was refused.").into()
        }
        Trouble::Exception => {
            lang.tr("Medulla reported an internal error (its database or one of its plugins failed).").into()
        }
        Trouble::NoEntity => lang.tr("Your Medulla account sees no entity.").into(),
        Trouble::Busy => {
            lang.tr("The gateway has too many requests to Medulla in progress; the tab will try again shortly.").into()
        }
    }
}

#[component]
pub fn StatusPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let lang = ctx.lang;
    let state = move || ctx.health.with(|h| h.as_str());
    let text = move || ctx.health.with(|h| describe(h, lang.get()));
    let timeout = ctx.config.with_value(|c| c.request_timeout_seconds);
    let detail = move || {
        ctx.health.with(|h| match h {
            Health::Unreachable(trouble, detail) => Some((trouble_text(trouble, lang.get(), timeout), detail.clone())),
            _ => None,
        })
    };
    let inherited = move || {
        let report = ctx.report()?;
        let from = report.inherited_from?;
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
        let from = ctx.checked_at.get()? - held.held_ms as f64;
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
    let waiting = move || ctx.server_slow.get().then(|| ctx.health.with(|h| waiting_text(h, lang.get())));
    let checked = move || match ctx.checked_at.get() {
        Some(t) => lang.get().trf("Last checked {moment}", &[("moment", &lang.get().moment(t, false))]),
        None => lang.get().tr("Not checked yet").to_string(),
    };
    let can_refresh = move || ctx.session.get() != super::state::Session::SignedOut && !ctx.checking.get();
    view! {
        // Hooks for the tests' invariants: `data-entity`, whose report is
        // shown; `data-selected`, the entity selected; `data-checked-at`,
        // as of when (ms since 1970).
        <section class=move || format!("status status--{}", state()) data-status=state
            data-entity=move || ctx.health.with(|h| match h {
                Health::Known(r) => Some(r.entity.clone()),
                _ => None,
            })
            data-selected=move || ctx.selected.get()
            data-checked-at=move || ctx.checked_at.get().map(|t| (t as i64).to_string())
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
                    {move || if ctx.checking.get() { lang.get().tr("Checking…") } else { lang.get().tr("Refresh now") }}
                </button>
            </p>
        </section>
    }
}
