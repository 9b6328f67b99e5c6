//! The figures of an available imaging server. Shown only when the report
//! on screen is the selected entity's and says Available.

use super::{browser, state::Ctx};
use crate::domain::{ActivityState, Phase, ServerFigures, ServerStatus};
use crate::i18n::Lang;
use leptos::prelude::*;

#[component]
pub fn Figures() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let lang = ctx.lang;
    move || {
        let report = ctx.report()?;
        let lang = lang.get();
        // A server that stopped answering: its last figures, never taken
        // for live ones.
        let (figures, last_known) = match report.status {
            ServerStatus::Available(figures) => (figures, None),
            _ => {
                let last = report.last_available?;
                let (moment, age) = browser::moment_and_age(ctx.checked_at.get()? - last.age_ms as f64, lang);
                let words = format!(
                    "{} {moment} ({age} {}){}",
                    lang.tr("Read at", "Relevés à"),
                    lang.tr("ago", "plus tôt"),
                    lang.tr(
                        ", the last time the imaging server answered: they are not live.",
                        ", la dernière fois que le serveur d’imagerie a répondu : ce ne sont pas des valeurs actuelles."
                    ),
                );
                (last.figures, Some(words))
            }
        };
        // Medulla counts a server's computers and masters for the entity
        // that owns it: say which one when it is an ancestor.
        let counted_for = report.inherited_from.map(|e| ctx.entity(&e).map_or(e, |e| e.completename));
        Some(view! { <FigureBlocks entity=report.entity figures=*figures counted_for last_known lang/> })
    }
}

/// `x` with one decimal, for an attribute (integer arithmetic: no float
/// formatting code in the wasm).
fn tenths(x: f64) -> String {
    let t = (x * 10.0).round() as u64;
    format!("{}.{}", t / 10, t % 10)
}

/// A labelled bar: `used` of `total`, with the figures in words beside it.
fn bar(label: String, percent: f64, words: String) -> impl IntoView {
    let percent = percent.clamp(0.0, 100.0);
    let level = if percent >= 90.0 {
        "high"
    } else if percent >= 75.0 {
        "mid"
    } else {
        "low"
    };
    view! {
        <div class="bar">
            <span class="bar__label">{label.clone()}</span>
            <meter class=format!("bar__meter bar__meter--{level}") min="0" max="100" low="75" high="90" optimum="0"
                value=tenths(percent) aria-label=label></meter>
            <span class="bar__words">{words}</span>
        </div>
    }
}

fn phase_word(phase: Phase, lang: Lang) -> &'static str {
    let t = |en, fr| lang.tr(en, fr);
    match phase {
        Phase::Boot => t("Boot", "Démarrage"),
        Phase::Menu => t("Boot menu", "Menu de démarrage"),
        Phase::Restoration => t("Restoration", "Restauration"),
        Phase::Backup => t("Backup", "Sauvegarde"),
        Phase::Postinstall => t("Post-installation", "Post-installation"),
        Phase::Error => t("Error", "Erreur"),
        Phase::Delete => t("Deletion", "Suppression"),
        Phase::Inventory => t("Inventory", "Inventaire"),
        Phase::Unknown => "—",
    }
}

fn outcome_word(state: ActivityState, lang: Lang) -> &'static str {
    let t = |en, fr| lang.tr(en, fr);
    match state {
        ActivityState::Done => t("Done", "Terminé"),
        ActivityState::Running => t("Running", "En cours"),
        ActivityState::Failed => t("Failed", "Échec"),
        ActivityState::Unknown => "—",
    }
}

#[component]
/// `entity`: the one the figures were checked for (a test hook);
/// `last_known`: when they are a past check's, when it was, in words.
fn FigureBlocks(
    entity: String,
    figures: ServerFigures,
    counted_for: Option<String>,
    last_known: Option<String>,
    lang: Lang,
) -> impl IntoView {
    let t = |en, fr| lang.tr(en, fr);
    let count =
        |label: &'static str, value: String| view! { <div class="figure"><dt>{label}</dt><dd>{value}</dd></div> };
    let registered = match figures.custom_menus {
        Some(custom) => format!(
            "{} ({} {})",
            lang.int(figures.registered),
            lang.int(custom),
            t("with a custom boot menu", "avec un menu de démarrage personnalisé")
        ),
        None => lang.int(figures.registered),
    };
    let of = |used_kib: u64, total_kib: u64| {
        format!("{} {} {}", lang.size_kib(used_kib), t("of", "sur"), lang.size_kib(total_kib))
    };
    // Medulla gives the store's used share and free space (`df -m`); its
    // size only when a filesystem of `df -k` is the same one.
    let store = figures.image_store.as_ref().map(|s| {
        let free = lang.size_kib(s.free_mib.saturating_mul(1024));
        let size = s.size_kib.map(|kib| format!(" ({} {})", t("of", "sur"), lang.size_kib(kib))).unwrap_or_default();
        let words =
            format!("{} {} — {free} {}{size}", lang.percent(s.used_percent), t("used", "utilisé"), t("free", "libres"));
        bar(t("Image store", "Stockage des images").into(), s.used_percent, words)
    });
    let filesystems = figures
        .filesystems
        .iter()
        .map(|fs| {
            let pct = fs.used_percent() as f64;
            bar(
                format!("{} ({})", fs.mount, fs.device),
                pct,
                format!("{} — {}", lang.percent(pct), of(fs.used_kib, fs.size_kib)),
            )
        })
        .collect_view();
    let memory = figures.memory.as_ref().map(|m| {
        let pct = m.used_kib as f64 * 100.0 / m.total_kib.max(1) as f64;
        let swap = (m.swap_total_kib > 0).then(|| {
            format!("{}{} {}", t("; ", "\u{202f}; "), t("swap", "swap"), of(m.swap_used_kib, m.swap_total_kib))
        });
        bar(
            t("Memory", "Mémoire").into(),
            pct,
            format!(
                "{} {}, {} {}{}",
                of(m.used_kib, m.total_kib),
                t("used", "utilisés"),
                lang.size_kib(m.available_kib),
                t("available", "disponibles"),
                swap.unwrap_or_default()
            ),
        )
    });
    let activity = figures
        .activity
        .iter()
        .map(|a| {
            view! {
                <tr class=format!("activity--{}", a.state.as_str())>
                    <td>{a.timestamp.map(|ts| lang.timestamp(&ts)).unwrap_or_default()}</td>
                    <td>{a.computer.clone()}</td>
                    <td>{phase_word(a.phase, lang)}</td>
                    <td class="activity__outcome">{outcome_word(a.state, lang)}</td>
                    <td>{a.message.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    let has_activity = !figures.activity.is_empty();
    let live = last_known.is_none();
    let activity = live.then(|| {
        view! {
            <h3>{t("Recent activity", "Activité récente")}</h3>
            {if has_activity {
                view! {
                    <table class="activity">
                        <thead><tr>
                            <th scope="col">{t("Time", "Heure")}</th>
                            <th scope="col">{t("Computer", "Ordinateur")}</th>
                            <th scope="col">{t("Operation", "Opération")}</th>
                            <th scope="col">{t("Outcome", "Résultat")}</th>
                            <th scope="col">{t("Message", "Message")}</th>
                        </tr></thead>
                        <tbody>{activity}</tbody>
                    </table>
                }.into_any()
            } else {
                view! { <p>{t("No recent imaging activity.", "Aucune activité d’imagerie récente.")}</p> }.into_any()
            }}
        }
    });
    view! {
        <section class=if live { "figures" } else { "figures figures--last-known" } data-entity=entity
            data-live=live.to_string() aria-labelledby="figures-title">
            <h2 id="figures-title">{if live {
                t("Imaging server figures", "Chiffres du serveur d’imagerie")
            } else {
                t("Last known figures of the imaging server", "Derniers chiffres connus du serveur d’imagerie")
            }}</h2>
            {last_known.map(|words| view! { <p class="figures__last-known">{words}</p> })}
            {counted_for.map(|entity| view! {
                <p class="figures__counted-for">
                    {t("Computers, boot menus, masters and activity are those Medulla records for", "Ordinateurs, menus de démarrage, masters et activité sont ceux que Medulla enregistre pour")}
                    " " <strong>{entity}</strong>
                    {t(", whose imaging server serves this entity.", ", dont le serveur d’imagerie dessert cette entité.")}
                </p>
            })}
            <dl class="counts">
                {count(t("Computers registered for imaging", "Ordinateurs enregistrés pour l’imagerie"), registered)}
                {count(t("Computers with a rescue image", "Ordinateurs avec une image de secours"), lang.int(figures.rescue))}
                {count(t("Masters available", "Masters disponibles"), lang.int(figures.masters))}
                {figures.uptime_seconds.map(|s| count(t("Uptime", "Temps de fonctionnement"), lang.uptime(s)))}
            </dl>
            <div class="bars">{store}{memory}{filesystems}</div>
            {activity}
        </section>
    }
}
