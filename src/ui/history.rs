//! The selected entity's history: where it comes from, the availability
//! over 7 and 30 days, the 7-day strip of statuses (or its table), the
//! image store's free space over 7 days, and when the store reaches the
//! pre-flight's floor at that rate.

use super::state::Ctx;
use super::timeline::{stretches, timeline, timeline_table};
use super::tr;
use crate::domain::timeline::Availability;
use crate::domain::{HistorySource, HistoryView, StoreSample};
use crate::i18n::Lang;
use leptos::prelude::*;

const DAY_MS: u64 = 86_400_000;
/// The strip and the store's line cover a week.
const WEEK: u64 = 7;

fn source_text(source: HistorySource, lang: Lang) -> &'static str {
    match source {
        HistorySource::Gateway { monitored: true } => {
            lang.tr("Recorded by the gateway, which checks every imaging server even when nobody is looking.")
        }
        HistorySource::Gateway { monitored: false } => lang.tr(
            "Recorded by the gateway from its users’ checks only: the times nobody was looking are not observed.",
        ),
        HistorySource::NotRecorded => {
            lang.tr("The gateway keeps no history (its gateway.ini says history = none): only this moment is known.")
        }
        HistorySource::ThisSession => lang.tr(
            "What this browser session saw since you signed in: the times it was closed or signed out are not observed.",
        ),
    }
}

fn availability_text(a: &Availability, days: u64, lang: Lang) -> String {
    let n = days.to_string();
    let Some(share) = a.share() else {
        return lang.trf("Nothing observed over the last {n} days.", &[("n", &n)]);
    };
    let share = lang.percent(share * 100.0);
    match a.not_observed_ms() >= 60_000 {
        true => lang.trf(
            "Available {share} of the observed time over the last {n} days ({unobserved} not observed).",
            &[("share", &share), ("n", &n), ("unobserved", &lang.elapsed_ms(a.not_observed_ms()))],
        ),
        false => lang.trf("Available {share} of the time over the last {n} days.", &[("share", &share), ("n", &n)]),
    }
}

/// The forecast's sentence: nothing when there is no falling trend.
pub fn forecast_text(view: &HistoryView, floor_gb: u32, lang: Lang) -> Option<String> {
    let left = view.time_to_floor(f64::from(floor_gb) * 1e9)?;
    let floor = lang.size_gb(floor_gb);
    let days = (left + DAY_MS / 2) / DAY_MS;
    Some(match (left, days) {
        (0, _) => lang.trf(
            "At the rate of the last 7 days, the image store is already down to its {floor} floor.",
            &[("floor", &floor)],
        ),
        (_, 0) => lang.trf(
            "At the rate of the last 7 days, the image store reaches the {floor} floor in less than a day.",
            &[("floor", &floor)],
        ),
        _ => lang
            .trn(
                "At the rate of the last 7 days, the image store reaches the {floor} floor in about {n} day.",
                "At the rate of the last 7 days, the image store reaches the {floor} floor in about {n} days.",
                days,
            )
            .replace("{floor}", &floor),
    })
}

/// The store's free space over the week as a line, with its words.
fn store_line(samples: &[StoreSample], to: u64, lang: Lang) -> Option<impl IntoView> {
    let from = to.saturating_sub(WEEK * DAY_MS);
    let week: Vec<&StoreSample> = samples.iter().filter(|s| s.at_ms >= from).collect();
    let (first, last) = (week.first()?, week.last()?);
    let top = week.iter().map(|s| s.size_bytes.unwrap_or(s.free_bytes).max(s.free_bytes)).fold(1.0, f64::max);
    let points: Vec<String> = week
        .iter()
        .map(|s| {
            let x = (s.at_ms - from) * WEEK * 100 / (WEEK * DAY_MS);
            let y = 40 - (s.free_bytes / top * 40.0).round().clamp(0.0, 40.0) as u64;
            format!("{x},{y}")
        })
        .collect();
    let words = lang.trf(
        "Free space of the image store: {now} now, {then} on {day}.",
        &[
            ("now", &lang.size(last.free_bytes)),
            ("then", &lang.size(first.free_bytes)),
            ("day", &lang.weekday(first.at_ms as f64, false)),
        ],
    );
    Some(view! {
        <div class="history__store">
            <svg class="store-line" viewBox=format!("0 0 {} 40", WEEK * 100) preserveAspectRatio="none" role="img"
                aria-label=words.clone()>
                <polyline class="store-line__line" points=points.join(" ")></polyline>
            </svg>
            <p>{words}</p>
        </div>
    })
}

/// What is known of the history, in the language of the moment.
fn body(ctx: Ctx, lang: Lang, as_table: RwSignal<bool>, floor_gb: u32) -> impl IntoView {
    match ctx.history.view.get() {
        None => view! { <p class="history__loading">{lang.tr("Loading the history…")}</p> }.into_any(),
        Some(Err(problem)) => {
            let text = lang.trf("The history could not be read: {problem}", &[("problem", &problem)]);
            view! { <p class="history__problem">{text}</p> }.into_any()
        }
        Some(Ok(view)) => {
            let week = stretches(&view.last_days(WEEK), view.to_ms.saturating_sub(WEEK * DAY_MS), view.to_ms);
            let to = view.to_ms;
            // Only the strip or its table is drawn again: the button keeps
            // the focus.
            let shown = move || match as_table.get() {
                true => timeline_table(&week, lang).into_any(),
                false => timeline(&week, to, WEEK, lang).into_any(),
            };
            view! {
                <p class="history__source">{source_text(view.source, lang)}</p>
                <p class="history__availability">{availability_text(&view.availability(WEEK), WEEK, lang)}</p>
                <p class="history__availability">{availability_text(&view.availability(30), 30, lang)}</p>
                {shown}
                <p class="history__legend" aria-hidden="true">
                    <span class="legend legend--available">{lang.tr("Available")}</span>
                    <span class="legend legend--offline">{lang.tr("Offline")}</span>
                    <span class="legend legend--connection-error">{lang.tr("Connection error")}</span>
                    <span class="legend legend--unobserved">{lang.tr("Not observed")}</span>
                </p>
                {store_line(&view.samples, view.to_ms, lang)}
                {forecast_text(&view, floor_gb, lang).map(|t| view! { <p class="history__forecast">{t}</p> })}
            }
            .into_any()
        }
    }
}

#[component]
pub fn HistoryPanel() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let lang = ctx.lang;
    let as_table = RwSignal::new(false);
    let floor_gb = ctx.config.with_value(|c| c.image_store.floor_gb);
    // Drawn again when the history or the language changes, not at each
    // poll of the status.
    view! {
        <Show when=move || ctx.report().is_some_and(|r| r.status != crate::domain::ServerStatus::NotLinked)>
            <section class="history" aria-labelledby="history-title">
                <div class="history__head">
                    <h2 id="history-title">{tr(lang, "The last 7 days")}</h2>
                    <button type="button" class="history__as-table" aria-pressed=move || as_table.get().to_string()
                        on:click=move |_| as_table.update(|t| *t = !*t)>
                        {tr(lang, "Show as a table")}
                    </button>
                </div>
                {move || body(ctx, lang.get(), as_table, floor_gb)}
            </section>
        </Show>
    }
}
