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
    let t = |en, fr| lang.tr(en, fr);
    let stop = t(
        "Do not proceed; notify your administrator or support.",
        "Ne poursuivez pas ; prévenez votre administrateur ou le support.",
    );
    let (icon, why, todo) = match h {
        Health::Checking => (
            "…",
            t("Asking Medulla about this entity’s imaging server.", "Interrogation de Medulla sur le serveur d’imagerie de cette entité."),
            None,
        ),
        Health::SignedOut => (
            "!",
            t(
                "You are not signed in to Medulla (or your session has ended), so the status cannot be read.",
                "Vous n’êtes pas connecté à Medulla (ou votre session a pris fin) : l’état ne peut pas être lu.",
            ),
            Some(t("Sign in again below; the selected entity is kept.", "Reconnectez-vous ci-dessous ; l’entité choisie est conservée.")),
        ),
        Health::Unreachable(..) => (
            "?",
            t(
                "Medulla’s own API did not answer properly: the status of the imaging server is unknown.",
                "L’API de Medulla n’a pas répondu correctement : l’état du serveur d’imagerie est inconnu.",
            ),
            Some(t(
                "Check your network, then use “Refresh now”. If it persists, contact your administrator.",
                "Vérifiez votre réseau, puis utilisez « Actualiser ». Si cela persiste, contactez votre administrateur.",
            )),
        ),
        Health::Known(r) => match r.status {
            ServerStatus::Available(_) => (
                "✔",
                t("The imaging server is active and ready for use.", "Le serveur d’imagerie est actif et prêt à l’emploi."),
                None,
            ),
            ServerStatus::ConnectionError => (
                "⚠",
                t(
                    "The server’s host is up, but Medulla cannot talk to its imaging service: a deployment would fail.",
                    "L’hôte du serveur répond, mais Medulla ne peut pas dialoguer avec son service d’imagerie : un déploiement échouerait.",
                ),
                Some(stop),
            ),
            ServerStatus::Offline(_) => (
                "✖",
                t(
                    "The imaging server linked to this entity is inactive: images cannot be deployed to its machines.",
                    "Le serveur d’imagerie lié à cette entité est inactif : aucune image ne peut être déployée sur ses machines.",
                ),
                Some(stop),
            ),
            ServerStatus::NotLinked => (
                "–",
                t(
                    "Neither this entity nor an ancestor that serves its descendants has an imaging server.",
                    "Ni cette entité ni un ancêtre qui dessert ses descendants n’a de serveur d’imagerie.",
                ),
                Some(t(
                    "Ask your administrator to link an imaging server to this entity.",
                    "Demandez à votre administrateur de lier un serveur d’imagerie à cette entité.",
                )),
            ),
        },
    };
    Words { icon, title: title_of(h.as_str(), lang), why, todo }
}

/// The title of a state (`Health::as_str`), as the screen says it.
pub fn title_of(state: &str, lang: Lang) -> &'static str {
    let (en, fr) = match state {
        "checking" => ("Checking…", "Vérification…"),
        "signed-out" => ("Signed out", "Déconnecté"),
        "unreachable" => ("Medulla unreachable", "Medulla injoignable"),
        "available" => ("Available", "Disponible"),
        "connection-error" => ("Connection error", "Erreur de connexion"),
        "offline" => ("Offline", "Hors ligne"),
        _ => ("No imaging server linked", "Aucun serveur d’imagerie lié"),
    };
    lang.tr(en, fr)
}

/// What is known of the relay of an Offline server, in words.
fn relay_text(relay: RelayPresence, lang: Lang) -> Option<&'static str> {
    let t = |en, fr| lang.tr(en, fr);
    Some(match relay {
        RelayPresence::Present => return None,
        RelayPresence::Absent => t(
            "Its imaging server does not answer, and the relay hosting it is not connected to Medulla.",
            "Son serveur d’imagerie ne répond pas, et le relais qui l’héberge n’est pas connecté à Medulla.",
        ),
        RelayPresence::NotFound => t(
            "Its imaging server does not answer, and no relay of Medulla has its address: the relay was not identified.",
            "Son serveur d’imagerie ne répond pas, et aucun relais de Medulla n’a son adresse : le relais n’a pas été identifié.",
        ),
        RelayPresence::NoAddress => t(
            "Its imaging server does not answer, and its address in Medulla has no host name or IP (public_ip is empty): the relay was not identified.",
            "Son serveur d’imagerie ne répond pas, et son adresse dans Medulla n’a ni nom d’hôte ni IP (public_ip est vide) : le relais n’a pas été identifié.",
        ),
        RelayPresence::Unknown => t(
            "Its imaging server does not answer, and Medulla’s list of relays could not be read.",
            "Son serveur d’imagerie ne répond pas, et la liste des relais de Medulla n’a pas pu être lue.",
        ),
    })
}

/// While the imaging server keeps Medulla waiting: what that means now.
fn waiting_text(h: &Health, lang: Lang) -> &'static str {
    match h {
        Health::Known(_) => lang.tr(
            "Medulla is still waiting for the imaging server itself (up to 30 seconds); the status will change if it answers.",
            "Medulla attend encore le serveur d’imagerie lui-même (jusqu’à 30 secondes) ; l’état changera s’il répond.",
        ),
        _ => lang.tr(
            "The imaging server is slow to answer: Medulla waits up to 30 seconds for a server whose host is down.",
            "Le serveur d’imagerie tarde à répondre : Medulla attend jusqu’à 30 secondes un serveur dont l’hôte est arrêté.",
        ),
    }
}

/// What went wrong with Medulla's API, in words.
fn trouble_text(trouble: &Trouble, lang: Lang, timeout: u32) -> String {
    match trouble {
        Trouble::Timeout => match lang {
            Lang::En => format!("Medulla did not answer within {timeout} seconds."),
            Lang::Fr => format!("Medulla n’a pas répondu en {timeout} secondes."),
        },
        Trouble::Network => lang
            .tr(
                "The request did not reach Medulla (network, proxy or certificate).",
                "La requête n’a pas atteint Medulla (réseau, proxy ou certificat).",
            )
            .into(),
        Trouble::Http(code) => match lang {
            Lang::En => format!("Medulla or its proxy answered with HTTP error {code}."),
            Lang::Fr => format!("Medulla ou son proxy a répondu par l’erreur HTTP {code}."),
        },
        Trouble::Unreadable => {
            lang.tr("Medulla’s answer could not be read.", "La réponse de Medulla est illisible.").into()
        }
        Trouble::Fault(code) => match lang {
            Lang::En => format!("Medulla reported an error (fault {code})."),
            Lang::Fr => format!("Medulla a signalé une erreur (fault {code})."),
        },
        Trouble::TooLarge => lang
            .tr(
                "Medulla (or a proxy) sent an answer far larger than any it should: it was refused.",
                "Medulla (ou un proxy) a envoyé une réponse bien plus grande que toutes celles attendues : elle a été refusée.",
            )
            .into(),
        Trouble::Exception => lang
            .tr(
                "Medulla reported an internal error (its database or one of its plugins failed).",
                "Medulla a signalé une erreur interne (sa base de données ou l’un de ses modules a échoué).",
            )
            .into(),
        Trouble::NoEntity => {
            lang.tr("Your Medulla account sees no entity.", "Votre compte Medulla ne voit aucune entité.").into()
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
        Some(format!(
            "{} {name}",
            lang.get().tr("Served by the imaging server of", "Desservie par le serveur d’imagerie de")
        ))
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
        Some(match held.change_seen {
            true => format!("{title} {} {moment} ({elapsed}).", lang.tr("since", "depuis")),
            false => format!(
                "{title} {} {moment} ({elapsed}){}",
                lang.tr("since at least", "depuis au moins"),
                lang.tr(": the first check already found it so.", " : la première vérification l’a déjà trouvé ainsi.")
            ),
        })
    };
    let waiting = move || ctx.server_slow.get().then(|| ctx.health.with(|h| waiting_text(h, lang.get())));
    let checked = move || match ctx.checked_at.get() {
        Some(t) => format!("{} {}", lang.get().tr("Last checked", "Dernière vérification"), browser::clock(t)),
        None => lang.get().tr("Not checked yet", "Pas encore vérifié").to_string(),
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
                <p class="status__detail">{lang.get().tr("Technical detail:", "Détail technique :")}" "<code>{raw}</code></p>
            })}
            {move || inherited().map(|t| view! { <p class="status__inherited">{t}</p> })}
            {move || server().map(|s| view! { <p class="status__server">{lang.get().tr("Imaging server:", "Serveur d’imagerie :")}" "<strong>{s}</strong></p> })}
            <p class="status__checked">
                <span>{checked}</span>
                <button type="button" class="refresh" disabled=move || !can_refresh() on:click=move |_| ctx.refresh()>
                    {move || if ctx.checking.get() { lang.get().tr("Checking…", "Vérification…") } else { lang.get().tr("Refresh now", "Actualiser") }}
                </button>
            </p>
        </section>
    }
}
