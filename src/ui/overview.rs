//! Every entity the user sees, with the status of the imaging server that
//! serves it: problems first, counts per status, filters; one check per
//! imaging server, again every `poll_seconds` while the view shows.

use super::search::matching;
use super::state::{Ctx, Known};
use super::wording::title_of;
use super::{browser, tr};
use crate::domain::{Entity, Health};
use crate::i18n::Lang;
use futures::future::abortable;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// How many rows are on the page at most; more means "filter to narrow".
const SHOWN: usize = 200;

/// The states in the order the overview lists them: problems first.
const ORDER: [&str; 6] = ["offline", "connection-error", "unreachable", "checking", "not-linked", "available"];

fn rank(state: &str) -> usize {
    ORDER.iter().position(|s| *s == state).unwrap_or(ORDER.len())
}

/// The state of `entity` in `statuses`: Checking until a check says.
fn state_of(statuses: &std::collections::HashMap<String, Known>, entity: &str) -> &'static str {
    statuses.get(entity).map_or("checking", |k| k.health.as_str())
}

/// "Offline since 10:42:05 (18 min)", as the overview says it.
fn since_text(known: &Known, lang: Lang) -> Option<String> {
    let Health::Known(report) = &known.health else { return None };
    let since = report.since.as_ref()?;
    let (moment, elapsed) = browser::moment_and_age(known.checked_at - since.held_ms as f64, lang);
    let args = [("moment", moment.as_str()), ("elapsed", elapsed.as_str())];
    Some(match since.change_seen {
        true => lang.trf("since {moment} ({elapsed})", &args),
        false => lang.trf("since at least {moment} ({elapsed})", &args),
    })
}

/// A store forecast is shown when the floor is nearer than this.
const FORECAST_WITHIN_MS: u64 = 30 * 86_400_000;

/// When a store reaches its floor, as a column says it.
fn floor_in(left: u64, lang: Lang) -> String {
    match (left + 43_200_000) / 86_400_000 {
        _ if left == 0 => lang.tr("now").into(),
        0 => lang.tr("within a day").into(),
        days => lang.trn("in about {n} day", "in about {n} days", days),
    }
}

/// One row of the table.
fn row(ctx: Ctx, entity: Entity, known: Option<Known>, lang: Lang) -> impl IntoView {
    let health = known.as_ref().map_or(Health::Checking, |k| k.health.clone());
    let state = health.as_str();
    let report = match &health {
        Health::Known(r) => Some(r.clone()),
        _ => None,
    };
    let served_by = report.as_ref().and_then(|r| {
        let owner = r.inherited_from.clone()?;
        Some(ctx.entity(&owner).map_or(owner, |e| e.completename))
    });
    let server = report.as_ref().and_then(|r| r.server_name.clone()).unwrap_or_else(|| "—".into());
    let since = known.as_ref().and_then(|k| since_text(k, lang)).unwrap_or_else(|| "—".into());
    let summary = report.as_ref().and_then(|r| ctx.overview.summaries.with(|s| s.get(r.server_key()).copied()));
    let week = summary.and_then(|s| s.availability.share()).map_or_else(|| "—".into(), |s| lang.percent(s * 100.0));
    let floor_gb = ctx.config.with_value(|c| c.image_store.floor_gb);
    let full = summary
        .and_then(|s| s.trend?.time_to(f64::from(floor_gb) * 1e9))
        .filter(|left| *left < FORECAST_WITHIN_MS)
        .map_or_else(|| "—".into(), |left| floor_in(left, lang));
    let uuid = entity.uuid.clone();
    let open = move |_| {
        ctx.show_overview(false);
        if ctx.selection.selected.get_untracked().as_deref() != Some(uuid.as_str()) {
            ctx.select(uuid.clone());
        }
    };
    view! {
        <tr class=format!("overview__row overview__row--{state}") data-entity=entity.uuid.clone() data-status=state>
            <td class="overview__status"><span class=format!("dot dot--{state}") aria-hidden="true"></span>" "{title_of(state, lang)}</td>
            <td><button type="button" class="overview__open" on:click=open>{entity.completename}</button></td>
            <td>{served_by.unwrap_or_else(|| lang.tr("itself").into())}</td>
            <td>{server}</td>
            <td>{since}</td>
            <td class="overview__week">{week}</td>
            <td class="overview__full">{full}</td>
        </tr>
    }
}

#[component]
pub fn Overview() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let lang = ctx.lang;
    let round = RwSignal::new(true);
    let failure = RwSignal::new(None::<String>);
    let query = RwSignal::new(String::new());
    // "" for every state, else one of [`ORDER`].
    let only = RwSignal::new(String::new());
    // Checks run while the view is on screen.
    let (task, handle) = abortable(ctx.overview_loop(round, failure));
    spawn_local(async move {
        let _ = task.await;
    });
    on_cleanup(move || handle.abort());

    let counts = move || {
        let l = lang.get();
        let mut per_state = [0u64; ORDER.len()];
        ctx.selection.entities.with(|list| {
            ctx.overview.statuses.with(|statuses| {
                for e in list.as_deref().unwrap_or_default() {
                    per_state[rank(state_of(statuses, &e.uuid)).min(ORDER.len() - 1)] += 1;
                }
            })
        });
        let words = ORDER
            .iter()
            .zip(per_state)
            .filter(|(_, n)| *n > 0)
            .map(|(state, n)| format!("{} {}", l.int(n), title_of(state, l)))
            .collect::<Vec<_>>();
        words.join(" · ")
    };
    let rows = move || {
        let l = lang.get();
        let q = query.get();
        let only = only.get();
        ctx.selection.entities.with(|list| {
            ctx.overview.statuses.with(|statuses| {
                let mut found: Vec<&Entity> = matching(list.as_deref().unwrap_or_default(), &q)
                    .into_iter()
                    .filter(|e| only.is_empty() || state_of(statuses, &e.uuid) == only)
                    .collect();
                // Problems first; the entities' own order within a state.
                found.sort_by_key(|e| rank(state_of(statuses, &e.uuid)));
                let total = found.len();
                let shown = found
                    .into_iter()
                    .take(SHOWN)
                    .map(|e| row(ctx, e.clone(), statuses.get(&e.uuid).cloned(), l))
                    .collect_view();
                (shown, total)
            })
        })
    };
    let table = move || {
        let (shown, total) = rows();
        let l = lang.get();
        let more = (total > SHOWN).then(|| {
            l.trn(
                "{n} more entity is not shown: filter to narrow the list",
                "{n} more entities are not shown: filter to narrow the list",
                (total - SHOWN) as u64,
            )
        });
        view! {
            <table class="overview__table">
                <thead><tr>
                    <th scope="col">{l.tr("Status")}</th>
                    <th scope="col">{l.tr("Entity")}</th>
                    <th scope="col">{l.tr("Served by the server of")}</th>
                    <th scope="col">{l.tr("Imaging server")}</th>
                    <th scope="col">{l.tr("Since")}</th>
                    <th scope="col">{l.tr("Available over 7 days")}</th>
                    <th scope="col">{l.tr("Image store at its floor")}</th>
                </tr></thead>
                <tbody>{shown}</tbody>
            </table>
            {(total == 0).then(|| view! { <p>{l.tr("No entity matches.")}</p> })}
            {more.map(|m| view! { <p class="overview__more">{m}</p> })}
        }
    };
    let option = move |state: &'static str| {
        let title = move || match state {
            "" => lang.get().tr("Every status"),
            s => title_of(s, lang.get()),
        };
        view! { <option value=state selected=move || only.get() == state>{title}</option> }
    };
    view! {
        <section class="overview" aria-labelledby="overview-title" aria-busy=move || round.get().to_string()>
            <h2 id="overview-title">{tr(lang, "Every entity’s imaging server")}</h2>
            <p class="overview__counts" role="status" aria-live="polite">{counts}</p>
            {move || failure.get().map(|detail| view! {
                <p class="overview__failure" role="alert">
                    {lang.get().tr("Medulla did not answer this round; the statuses shown are the last known.")}
                    " " <code>{detail}</code>
                </p>
            })}
            <div class="overview__filters">
                <label for="overview-filter">{tr(lang, "Filter")}</label>
                <input id="overview-filter" type="search" autocomplete="off"
                    placeholder=tr(lang, "Part of an entity’s name")
                    prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev))/>
                <label for="overview-status">{tr(lang, "Status")}</label>
                <select id="overview-status" on:change=move |ev| only.set(event_target_value(&ev))>
                    {[""].into_iter().chain(ORDER).map(option).collect_view()}
                </select>
            </div>
            {table}
        </section>
    }
}
