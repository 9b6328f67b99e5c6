//! The figures of an available imaging server. Shown only when the report
//! on screen is the selected entity's and says Available.

use super::browser;
use super::state::Ctx;
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
                let (moment, age) = browser::moment_and_age(ctx.selection.checked_at.get()? - last.age_ms as f64, lang);
                let words = lang.trf(
                    "Read at {moment} ({elapsed} ago), the last time the imaging server answered: they are not live.",
                    &[("moment", &moment), ("elapsed", &age)],
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
    match phase {
        Phase::Boot => lang.tr("Boot"),
        Phase::Menu => lang.tr("Boot menu"),
        Phase::Restoration => lang.tr("Restoration"),
        Phase::Backup => lang.tr("Backup"),
        Phase::Postinstall => lang.tr("Post-installation"),
        Phase::Error => lang.tr("Error"),
        Phase::Delete => lang.tr("Deletion"),
        Phase::Inventory => lang.tr("Inventory"),
        Phase::Unknown => "—",
    }
}

fn outcome_word(state: ActivityState, lang: Lang) -> &'static str {
    match state {
        ActivityState::Done => lang.tr("Done"),
        ActivityState::Running => lang.tr("Running"),
        ActivityState::Failed => lang.tr("Failed"),
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
    let count =
        |label: &'static str, value: String| view! { <div class="figure"><dt>{label}</dt><dd>{value}</dd></div> };
    // Counts and activity still on their way: said so, never shown as 0.
    let pending = figures.counts_pending;
    let counted = |n: u64| if pending { lang.tr("Counting…").to_string() } else { lang.int(n) };
    let registered = match figures.custom_menus {
        Some(custom) => lang.trf(
            "{count} ({custom} with a custom boot menu)",
            &[("count", &lang.int(figures.registered)), ("custom", &lang.int(custom))],
        ),
        None => counted(figures.registered),
    };
    let of = |used_kib: u64, total_kib: u64| {
        lang.trf("{used} of {total}", &[("used", &lang.size_kib(used_kib)), ("total", &lang.size_kib(total_kib))])
    };
    // Medulla gives the store's used share and free space (`df -m`); its
    // size only when a filesystem of `df -k` is the same one.
    let store = figures.image_store.as_ref().map(|s| {
        let free = lang.size_mib(s.free_mib);
        let used = lang.percent(s.used_percent);
        let words = match s.size_kib {
            Some(kib) => lang.trf(
                "{percent} used — {free} free (of {size})",
                &[("percent", &used), ("free", &free), ("size", &lang.size_kib(kib))],
            ),
            None => lang.trf("{percent} used — {free} free", &[("percent", &used), ("free", &free)]),
        };
        bar(lang.tr("Image store").into(), s.used_percent, words)
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
        let (used, available) = (of(m.used_kib, m.total_kib), lang.size_kib(m.available_kib));
        let words = match m.swap_total_kib > 0 {
            true => lang.trf(
                "{used} used, {available} available; swap {swap}",
                &[("used", &used), ("available", &available), ("swap", &of(m.swap_used_kib, m.swap_total_kib))],
            ),
            false => lang.trf("{used} used, {available} available", &[("used", &used), ("available", &available)]),
        };
        bar(lang.tr("Memory").into(), pct, words)
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
            <h3>{lang.tr("Recent activity")}</h3>
            {if pending {
                view! { <p>{lang.tr("Reading the recent activity…")}</p> }.into_any()
            } else if has_activity {
                view! {
                    <table class="activity">
                        <thead><tr>
                            <th scope="col">{lang.tr("Time")}</th>
                            <th scope="col">{lang.tr("Computer")}</th>
                            <th scope="col">{lang.tr("Operation")}</th>
                            <th scope="col">{lang.tr("Outcome")}</th>
                            <th scope="col">{lang.tr("Message")}</th>
                        </tr></thead>
                        <tbody>{activity}</tbody>
                    </table>
                }.into_any()
            } else {
                view! { <p>{lang.tr("No recent imaging activity.")}</p> }.into_any()
            }}
        }
    });
    view! {
        <section class=if live { "figures" } else { "figures figures--last-known" } data-entity=entity
            data-live=live.to_string() aria-labelledby="figures-title">
            <h2 id="figures-title">{if live {
                lang.tr("Imaging server figures")
            } else {
                lang.tr("Last known figures of the imaging server")
            }}</h2>
            {last_known.map(|words| view! { <p class="figures__last-known">{words}</p> })}
            {counted_for.map(|entity| view! {
                <p class="figures__counted-for">{
                    let words = lang.tr("Computers, boot menus, masters and activity are those Medulla records for {entity}, whose imaging server serves this entity.");
                    let (before, after) = words.split_once("{entity}").unwrap_or((words, ""));
                    view! { {before} <strong>{entity}</strong> {after} }
                }</p>
            })}
            <dl class="counts" aria-busy=pending.to_string()>
                {count(lang.tr("Computers registered for imaging"), registered)}
                {count(lang.tr("Computers with a rescue image"), counted(figures.rescue))}
                {count(lang.tr("Masters available"), counted(figures.masters))}
                {figures.uptime_seconds.map(|s| count(lang.tr("Uptime"), lang.uptime(s)))}
            </dl>
            <div class="bars">{store}{memory}{filesystems}</div>
            {activity}
        </section>
    }
}
