//! A server's statuses over time as its checks saw them: spans of one
//! status, the time between them not observed, and the share of the
//! observed time it was Available. The gateway's store and the tab (for
//! what one browser session saw) follow the same rules.

use super::StatusKind;

/// A check more than this after the one before it does not vouch for the
/// time between them: that time is not observed.
pub const OBSERVED_GAP_MS: u64 = 10 * 60_000;

/// One status, observed from `from_ms` to `to_ms` (ms since 1970).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Span {
    pub from_ms: u64,
    pub to_ms: u64,
    pub kind: StatusKind,
}

/// What a check at `at_ms` does to the last span of its server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Older than the last span's end: an answer arriving late, ignored.
    Ignore,
    /// The same status, soon enough: the span goes on to `at_ms`.
    Extend,
    /// Another status, soon enough: the last span ends at `at_ms`, and a
    /// new one starts there (the change came between the two checks; the
    /// old status is taken to hold until the check that saw the new one).
    Change,
    /// After a time not observed: a new span starts at `at_ms`.
    Resume,
    /// The server's first check.
    Begin,
}

/// The rule, for a check of status `kind` at `at_ms` after `last`.
pub fn step(last: Option<&Span>, kind: StatusKind, at_ms: u64) -> Step {
    let Some(last) = last else { return Step::Begin };
    if at_ms < last.to_ms {
        return Step::Ignore;
    }
    match (at_ms - last.to_ms <= OBSERVED_GAP_MS, last.kind == kind) {
        (true, true) => Step::Extend,
        (true, false) => Step::Change,
        (false, _) => Step::Resume,
    }
}

/// Applies a check to `spans` (oldest first) by [`step`].
pub fn record(spans: &mut Vec<Span>, kind: StatusKind, at_ms: u64) {
    match step(spans.last(), kind, at_ms) {
        Step::Ignore => {}
        Step::Extend => {
            if let Some(last) = spans.last_mut() {
                last.to_ms = at_ms;
            }
        }
        Step::Change => {
            if let Some(last) = spans.last_mut() {
                last.to_ms = at_ms;
            }
            spans.push(Span { from_ms: at_ms, to_ms: at_ms, kind });
        }
        Step::Resume | Step::Begin => spans.push(Span { from_ms: at_ms, to_ms: at_ms, kind }),
    }
}

/// The time of a period, what of it was observed, and Available.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Availability {
    pub period_ms: u64,
    pub observed_ms: u64,
    pub available_ms: u64,
}

impl Availability {
    /// The share of the observed time the server was Available; `None`
    /// when nothing of the period was observed.
    pub fn share(&self) -> Option<f64> {
        (self.observed_ms > 0).then(|| self.available_ms as f64 / self.observed_ms as f64)
    }

    pub fn not_observed_ms(&self) -> u64 {
        self.period_ms.saturating_sub(self.observed_ms)
    }
}

/// The availability over `from_ms..to_ms` of `spans` (a server's, not
/// overlapping).
pub fn availability(spans: &[Span], from_ms: u64, to_ms: u64) -> Availability {
    let mut a = Availability { period_ms: to_ms.saturating_sub(from_ms), ..Default::default() };
    for s in spans {
        let length = s.to_ms.min(to_ms).saturating_sub(s.from_ms.max(from_ms));
        a.observed_ms += length;
        if s.kind == StatusKind::Available {
            a.available_ms += length;
        }
    }
    a.observed_ms = a.observed_ms.min(a.period_ms);
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use StatusKind::*;

    const MIN: u64 = 60_000;

    #[test]
    fn checks_make_spans_and_gaps() {
        let mut spans = Vec::new();
        record(&mut spans, Available, 0);
        record(&mut spans, Available, MIN);
        record(&mut spans, Offline, 2 * MIN);
        record(&mut spans, Offline, 3 * MIN);
        // Nobody looked for an hour.
        record(&mut spans, Offline, 63 * MIN);
        record(&mut spans, Available, 64 * MIN);
        // A late answer of an older check changes nothing.
        record(&mut spans, Offline, 63 * MIN);
        assert_eq!(
            spans,
            vec![
                Span { from_ms: 0, to_ms: 2 * MIN, kind: Available },
                Span { from_ms: 2 * MIN, to_ms: 3 * MIN, kind: Offline },
                Span { from_ms: 63 * MIN, to_ms: 64 * MIN, kind: Offline },
                Span { from_ms: 64 * MIN, to_ms: 64 * MIN, kind: Available },
            ]
        );
        let a = availability(&spans, 0, 64 * MIN);
        assert_eq!((a.observed_ms, a.available_ms, a.not_observed_ms()), (4 * MIN, 2 * MIN, 60 * MIN));
        assert_eq!(a.share(), Some(0.5));
    }

    #[test]
    fn the_period_cuts_the_spans() {
        let spans = [
            Span { from_ms: 0, to_ms: 10 * MIN, kind: Available },
            Span { from_ms: 10 * MIN, to_ms: 20 * MIN, kind: ConnectionError },
        ];
        let a = availability(&spans, 5 * MIN, 15 * MIN);
        assert_eq!((a.period_ms, a.observed_ms, a.available_ms), (10 * MIN, 10 * MIN, 5 * MIN));
        assert_eq!(availability(&spans, 30 * MIN, 40 * MIN).share(), None, "nothing observed");
    }

    #[test]
    fn the_rule_at_its_edges() {
        let last = Span { from_ms: 0, to_ms: MIN, kind: Available };
        assert_eq!(step(None, Offline, 0), Step::Begin);
        assert_eq!(step(Some(&last), Available, MIN + OBSERVED_GAP_MS), Step::Extend);
        assert_eq!(step(Some(&last), Available, MIN + OBSERVED_GAP_MS + 1), Step::Resume);
        assert_eq!(step(Some(&last), Offline, MIN + OBSERVED_GAP_MS), Step::Change);
        assert_eq!(step(Some(&last), Offline, MIN - 1), Step::Ignore);
    }
}
