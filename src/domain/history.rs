//! Since when a status holds, and the last figures of a server that no
//! longer answers: what the checks saw, kept per imaging server (by the
//! entity that owns it; by the entity itself when none serves it). The
//! tab keeps one for the checks it makes itself; the gateway keeps one for
//! every user, and sends what it knows with each status.

use super::{ServerFigures, ServerStatus, StatusKind, StatusReport};
use std::collections::HashMap;

/// Since when the status of a report holds, counted back from its check.
#[derive(Clone, Debug, PartialEq)]
pub struct Since {
    /// How long the status had held when the check was made (ms).
    pub held_ms: u64,
    /// Whether a check saw it begin; `false`: the first check that saw the
    /// server already found it so, and it holds since then *at least*.
    pub change_seen: bool,
}

/// The figures of the last check that found the server Available.
#[derive(Clone, Debug, PartialEq)]
pub struct LastKnown {
    pub figures: Box<ServerFigures>,
    /// How long before the report's check they were read (ms).
    pub age_ms: u64,
}

struct Record {
    kind: StatusKind,
    since: u64,
    change_seen: bool,
    /// The newest check recorded: an older one arriving late is ignored.
    last_check: u64,
    last_available: Option<(Box<ServerFigures>, u64)>,
}

/// What a store kept of a server, for [`History::restore`] (times in ms
/// since 1970).
#[derive(Clone, Debug, PartialEq)]
pub struct Kept {
    pub kind: StatusKind,
    pub since: u64,
    pub change_seen: bool,
    pub last_check: u64,
    pub last_available: Option<(Box<ServerFigures>, u64)>,
}

/// Statuses as the checks saw them, times in ms since 1970 by the keeper's
/// clock.
#[derive(Default)]
pub struct History {
    records: HashMap<String, Record>,
}

impl History {
    /// Records the final status `report` says, of a check made at `at`.
    /// A provisional status is never recorded: only what a check ends on.
    pub fn observe(&mut self, report: &StatusReport, at: u64) {
        let now = StatusKind::of(&report.status);
        let available = match &report.status {
            ServerStatus::Available(figures) => Some((figures.clone(), at)),
            _ => None,
        };
        match self.records.get_mut(report.server_key()) {
            Some(r) if at < r.last_check => {}
            Some(r) => {
                if r.kind != now {
                    (r.kind, r.since, r.change_seen) = (now, at, true);
                }
                r.last_check = at;
                if available.is_some() {
                    r.last_available = available;
                }
            }
            None => {
                let record =
                    Record { kind: now, since: at, change_seen: false, last_check: at, last_available: available };
                self.records.insert(report.server_key().to_string(), record);
            }
        }
    }

    /// Adds to `report`, checked at `at`, since when its status holds (if
    /// the history has it in that status) and, when it is not Available,
    /// the server's last figures.
    pub fn annotate(&self, report: &mut StatusReport, at: u64) {
        let Some(r) = self.records.get(report.server_key()) else { return };
        report.since = (r.kind == StatusKind::of(&report.status))
            .then(|| Since { held_ms: at.saturating_sub(r.since), change_seen: r.change_seen });
        report.last_available = match (&report.status, &r.last_available) {
            (ServerStatus::Available(_), _) | (_, None) => None,
            (_, Some((figures, read))) => {
                Some(LastKnown { figures: figures.clone(), age_ms: at.saturating_sub(*read) })
            }
        };
    }

    /// What a store kept of a server (`key`) before this keeper began: its
    /// status since `since` (seen to begin: `change_seen`), last checked
    /// at `last_check`, and its last figures read at their time.
    pub fn restore(&mut self, key: &str, kept: Kept) {
        let record = Record {
            kind: kept.kind,
            since: kept.since,
            change_seen: kept.change_seen,
            last_check: kept.last_check,
            last_available: kept.last_available,
        };
        self.records.insert(key.to_string(), record);
    }

    /// [`History::observe`] then [`History::annotate`].
    pub fn record(&mut self, report: &mut StatusReport, at: u64) {
        self.observe(report, at);
        self.annotate(report, at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::RelayPresence;

    fn report(entity: &str, owner: Option<&str>, status: ServerStatus) -> StatusReport {
        StatusReport { inherited_from: owner.map(str::to_string), status, ..StatusReport::not_linked(entity) }
    }

    fn available(masters: u64) -> ServerStatus {
        ServerStatus::Available(Box::new(ServerFigures { masters, ..Default::default() }))
    }

    const OFFLINE: ServerStatus = ServerStatus::Offline(RelayPresence::Absent);

    #[test]
    fn a_status_holds_since_the_first_check_that_saw_it() {
        let mut h = History::default();
        let mut r = report("UUID2", None, available(3));
        h.record(&mut r, 1_000);
        assert_eq!(r.since, Some(Since { held_ms: 0, change_seen: false }));
        h.record(&mut r, 61_000);
        assert_eq!(r.since, Some(Since { held_ms: 60_000, change_seen: false }), "unchanged: held since the first");
        let mut off = report("UUID2", None, OFFLINE);
        h.record(&mut off, 121_000);
        assert_eq!(off.since, Some(Since { held_ms: 0, change_seen: true }));
        h.record(&mut off, 181_000);
        assert_eq!(off.since, Some(Since { held_ms: 60_000, change_seen: true }));
        // Offline(NotFound) is still Offline: the same spell.
        let mut other_reason = report("UUID2", None, ServerStatus::Offline(RelayPresence::NotFound));
        h.record(&mut other_reason, 241_000);
        assert_eq!(other_reason.since, Some(Since { held_ms: 120_000, change_seen: true }));
    }

    #[test]
    fn a_server_that_stops_answering_keeps_its_last_figures_until_it_answers_again() {
        let mut h = History::default();
        h.record(&mut report("UUID2", None, available(3)), 1_000);
        h.record(&mut report("UUID2", None, available(4)), 2_000);
        let mut off = report("UUID2", None, OFFLINE);
        h.record(&mut off, 5_000);
        let last = off.last_available.expect("last figures kept");
        assert_eq!((last.figures.masters, last.age_ms), (4, 3_000));
        let mut error = report("UUID2", None, ServerStatus::ConnectionError);
        h.record(&mut error, 9_000);
        assert_eq!(error.last_available.map(|l| l.age_ms), Some(7_000));
        let mut back = report("UUID2", None, available(5));
        h.record(&mut back, 10_000);
        assert_eq!(back.last_available, None, "live figures are never doubled by old ones");
        assert_eq!(back.since, Some(Since { held_ms: 0, change_seen: true }));
    }

    #[test]
    fn entities_served_by_one_server_share_its_history() {
        let mut h = History::default();
        h.record(&mut report("UUID1", None, available(1)), 1_000);
        let mut child = report("UUID3", Some("UUID1"), OFFLINE);
        h.record(&mut child, 4_000);
        assert_eq!(child.since, Some(Since { held_ms: 0, change_seen: true }));
        assert!(child.last_available.is_some());
        let mut own = report("UUID1", None, OFFLINE);
        h.annotate(&mut own, 5_000);
        assert_eq!(own.since, Some(Since { held_ms: 1_000, change_seen: true }));
        let mut unrelated = report("UUID9", None, OFFLINE);
        h.annotate(&mut unrelated, 5_000);
        assert_eq!((unrelated.since, unrelated.last_available), (None, None));
    }

    #[test]
    fn a_late_or_provisional_answer_never_rewrites_the_history() {
        let mut h = History::default();
        h.record(&mut report("UUID2", None, available(1)), 10_000);
        // An older check's answer arriving late is not a change.
        h.observe(&report("UUID2", None, OFFLINE), 5_000);
        let mut now = report("UUID2", None, available(1));
        h.annotate(&mut now, 20_000);
        assert_eq!(now.since, Some(Since { held_ms: 10_000, change_seen: false }));
        // A provisional Offline is annotated, not recorded: no since of its
        // own, the last figures shown.
        let mut provisional = report("UUID2", None, OFFLINE);
        h.annotate(&mut provisional, 21_000);
        assert_eq!(provisional.since, None);
        assert_eq!(provisional.last_available.map(|l| l.age_ms), Some(11_000));
        h.annotate(&mut now, 22_000);
        assert_eq!(now.since, Some(Since { held_ms: 12_000, change_seen: false }));
    }
}
