//! Drawings of the history panel (not components of their own): a
//! server's statuses over the last days as a strip: one segment per span,
//! its colour and pattern and, in its tooltip and for screen readers, the
//! status in words; each segment reachable with the keyboard; the time not
//! observed left blank. Beside it the same spans as a table, on demand.

use super::wording::title_of;
use crate::domain::timeline::Span;
use crate::domain::StatusKind;
use crate::i18n::Lang;
use leptos::prelude::*;

const DAY_MS: u64 = 86_400_000;
/// The strip's width in SVG units: 100 a day.
const UNITS_PER_DAY: u64 = 100;

/// A span, or the time not observed between spans (`None`).
pub type Stretch = (u64, u64, Option<StatusKind>);

/// The spans of `from..to` with the time between them not observed, a
/// minute or more of it.
pub fn stretches(spans: &[Span], from: u64, to: u64) -> Vec<Stretch> {
    let mut out = Vec::new();
    let mut at = from;
    for s in spans.iter().filter(|s| s.to_ms > from && s.from_ms < to) {
        let (start, end) = (s.from_ms.max(from), s.to_ms.min(to));
        if start >= at + 60_000 {
            out.push((at, start, None));
        }
        out.push((start, end, Some(s.kind)));
        at = at.max(end);
    }
    if to >= at + 60_000 {
        out.push((at, to, None));
    }
    out
}

/// `from`, `to` and how long, in words.
fn when(lang: Lang, from: u64, to: u64) -> (String, String, String) {
    let moment = |ms: u64| lang.weekday(ms as f64, true);
    (moment(from), moment(to), lang.elapsed_ms(to - from))
}

fn label(lang: Lang, stretch: &Stretch) -> String {
    let (from, to, length) = when(lang, stretch.0, stretch.1);
    let status = match stretch.2 {
        Some(kind) => title_of(kind.state(), lang),
        None => lang.tr("Not observed"),
    };
    lang.trf(
        "{status} from {from} to {to} ({elapsed})",
        &[("status", status), ("from", &from), ("to", &to), ("elapsed", &length)],
    )
}

/// The strip of the `days` before `to`.
pub fn timeline(stretches: &[Stretch], to: u64, days: u64, lang: Lang) -> impl IntoView {
    let from = to.saturating_sub(days * DAY_MS);
    let width = days * UNITS_PER_DAY;
    let x = move |ms: u64| (ms.saturating_sub(from) * UNITS_PER_DAY / DAY_MS).min(width);
    let segments = stretches
        .iter()
        .filter_map(|s| {
            let kind = s.2?;
            let (left, right) = (x(s.0), x(s.1));
            // A short outage still shows: at least a unit wide.
            let w = (right - left).max(1);
            let (text, name) = (label(lang, s), label(lang, s));
            Some(view! {
                <rect class=format!("timeline__seg timeline__seg--{}", kind.state()) x=left.to_string() y="0"
                    width=w.to_string() height="24" tabindex="0" role="img" aria-label=name>
                    <title>{text}</title>
                </rect>
            })
        })
        .collect_view();
    // A tick and the day's name at the start of each day, counted back
    // from `to`.
    let ticks = (0..days)
        .map(|d| {
            let at = from + d * DAY_MS;
            let left = x(at);
            view! {
                <line class="timeline__tick" x1=left.to_string() x2=left.to_string() y1="0" y2="28"></line>
                <text class="timeline__day" x=(left + 2).to_string() y="40">{lang.weekday(at as f64, false)}</text>
            }
        })
        .collect_view();
    let title = lang.trf("Statuses of the last {n} days", &[("n", &days.to_string())]);
    view! {
        <svg class="timeline" viewBox=format!("0 0 {width} 44") role="group"
            aria-label=title>
            <defs>
                <pattern id="timeline-hatch" patternUnits="userSpaceOnUse" width="6" height="6">
                    <path d="M0 6L6 0" class="timeline__hatch"></path>
                </pattern>
                <pattern id="timeline-dots" patternUnits="userSpaceOnUse" width="5" height="5">
                    <circle cx="2.5" cy="2.5" r="1.2" class="timeline__dot"></circle>
                </pattern>
            </defs>
            <rect class="timeline__unobserved" x="0" y="0" width=width.to_string() height="24"></rect>
            {ticks}
            {segments}
        </svg>
    }
}

/// The same stretches as a table, newest first.
pub fn timeline_table(stretches: &[Stretch], lang: Lang) -> impl IntoView {
    let rows = stretches
        .iter()
        .rev()
        .map(|s| {
            let (from, to, length) = when(lang, s.0, s.1);
            let (state, status) = match s.2 {
                Some(kind) => (kind.state(), title_of(kind.state(), lang)),
                None => ("unobserved", lang.tr("Not observed")),
            };
            view! {
                <tr class=format!("timeline-table__row timeline-table__row--{state}")>
                    <td>{status}</td><td>{from}</td><td>{to}</td><td>{length}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="timeline-table">
            <caption>{lang.tr("Statuses of the imaging server, newest first")}</caption>
            <thead><tr>
                <th scope="col">{lang.tr("Status")}</th>
                <th scope="col">{lang.tr("From")}</th>
                <th scope="col">{lang.tr("To")}</th>
                <th scope="col">{lang.tr("Duration")}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: u64 = 60_000;

    #[test]
    fn the_time_between_spans_is_not_observed() {
        let spans = [
            Span { from_ms: 10 * MIN, to_ms: 20 * MIN, kind: StatusKind::Available },
            Span { from_ms: 20 * MIN, to_ms: 25 * MIN, kind: StatusKind::Offline },
            Span { from_ms: 60 * MIN, to_ms: 90 * MIN, kind: StatusKind::Available },
        ];
        let s = stretches(&spans, 0, 100 * MIN);
        assert_eq!(
            s,
            vec![
                (0, 10 * MIN, None),
                (10 * MIN, 20 * MIN, Some(StatusKind::Available)),
                (20 * MIN, 25 * MIN, Some(StatusKind::Offline)),
                (25 * MIN, 60 * MIN, None),
                (60 * MIN, 90 * MIN, Some(StatusKind::Available)),
                (90 * MIN, 100 * MIN, None),
            ]
        );
        // Less than a minute between the last check and now is not a gap.
        assert_eq!(stretches(&spans[..1], 10 * MIN, 20 * MIN + 30_000).len(), 1);
    }
}
