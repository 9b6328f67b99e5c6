//! The gateway's answers: the contract's bodies (the wire types shared
//! with the tab, written by serde) built from the domain types the app's
//! agent client produces. The tab's readers read them back to the same
//! values (tested below), and the contract's JSON Schema validates them
//! (tests/contract.rs).

use medulla_imaging_status::api::rest::wire;
use medulla_imaging_status::domain::*;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub fn entity(e: &Entity) -> wire::Entity {
    wire::Entity { id: e.uuid.clone(), name: e.name.clone(), full_path: e.completename.clone(), depth: e.level }
}

pub fn entities(list: &[Entity]) -> wire::EntityList {
    wire::EntityList { items: list.iter().map(entity).collect() }
}

pub fn status_of(status: &ServerStatus) -> wire::Status {
    StatusKind::of(status).into()
}

/// What the relay of a server not available says (the contract's `relay`).
pub fn relay(status: &ServerStatus) -> Option<wire::Relay> {
    match status {
        ServerStatus::ConnectionError => Some(wire::Relay::Present),
        ServerStatus::Offline(relay) => Some(relay_of(*relay)),
        _ => None,
    }
}

fn relay_of(relay: RelayPresence) -> wire::Relay {
    match relay {
        RelayPresence::Present => wire::Relay::Present,
        RelayPresence::Absent => wire::Relay::Absent,
        RelayPresence::NotFound => wire::Relay::NotFound,
        RelayPresence::NoAddress => wire::Relay::NoAddress,
        RelayPresence::Unknown => wire::Relay::Unknown,
    }
}

/// Why the server is not available, in words (the contract's `reason`).
pub fn reason(status: &ServerStatus) -> Option<&'static str> {
    Some(match status {
        ServerStatus::Available(_) => return None,
        ServerStatus::ConnectionError => {
            "The relay hosting the imaging server is present, but its imaging API does not answer."
        }
        ServerStatus::Offline(RelayPresence::NoAddress) => {
            "The imaging server does not answer, and its address has no host: its relay was not identified."
        }
        ServerStatus::Offline(RelayPresence::Unknown) => {
            "The imaging server does not answer, and the relay list could not be read."
        }
        ServerStatus::Offline(RelayPresence::NotFound) => {
            "The imaging server does not answer, and no relay has the host of its address."
        }
        ServerStatus::Offline(_) => "The relay hosting the imaging server is not on the XMPP bus.",
        ServerStatus::NotLinked => "No imaging server is linked to this entity or, recursively, to an ancestor.",
    })
}

fn bytes(kib: u64) -> u64 {
    kib.saturating_mul(1024)
}

pub fn statistics(f: &ServerFigures) -> wire::Statistics {
    wire::Statistics {
        computers: wire::Computers {
            registered: f.registered,
            with_custom_boot_menu: f.custom_menus,
            with_rescue_image: f.rescue,
        },
        masters: f.masters,
        image_store: f.image_store.as_ref().map(|s| wire::ImageStore {
            used_percent: s.used_percent,
            free_bytes: s.free_mib.saturating_mul(1024 * 1024),
            size_bytes: s.size_kib.map(bytes),
        }),
        filesystems: f
            .filesystems
            .iter()
            .map(|fs| wire::Filesystem {
                device: fs.device.clone(),
                mount_point: fs.mount.clone(),
                size_bytes: bytes(fs.size_kib),
                used_bytes: bytes(fs.used_kib),
                available_bytes: bytes(fs.available_kib),
            })
            .collect(),
        memory: f.memory.as_ref().map(|m| wire::Memory {
            total_bytes: bytes(m.total_kib),
            used_bytes: bytes(m.used_kib),
            free_bytes: bytes(m.free_kib),
            buff_cache_bytes: bytes(m.buff_cache_kib),
            available_bytes: bytes(m.available_kib),
            swap_total_bytes: bytes(m.swap_total_kib),
            swap_used_bytes: bytes(m.swap_used_kib),
        }),
        uptime_seconds: f.uptime_seconds,
    }
}

/// `at` in RFC 3339, to the second, in UTC (the `time` crate's).
pub fn rfc3339(at: SystemTime) -> String {
    let seconds = at.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let at = time::OffsetDateTime::from_unix_timestamp(seconds as i64).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// The status of `report`, checked at `checked_at`; `path_of` gives an
/// entity's full path.
pub fn status(report: &StatusReport, checked_at: SystemTime, path_of: impl Fn(&str) -> String) -> wire::ServerStatus {
    let before_check = |ms: u64| rfc3339(checked_at.checked_sub(Duration::from_millis(ms)).unwrap_or(UNIX_EPOCH));
    let relay = relay(&report.status);
    let live = match &report.status {
        ServerStatus::Available(f) => Some(statistics(f)),
        _ => None,
    };
    wire::ServerStatus {
        entity_id: report.entity.clone(),
        status: status_of(&report.status),
        checked_at: rfc3339(checked_at),
        since: report.since.as_ref().map(|s| wire::Since { at: before_check(s.held_ms), change_seen: s.change_seen }),
        last_available: report
            .last_available
            .as_ref()
            .map(|l| wire::LastAvailable { checked_at: before_check(l.age_ms), statistics: statistics(&l.figures) }),
        served_by: report.inherited_from.as_ref().map(|id| wire::EntityRef { id: id.clone(), full_path: path_of(id) }),
        server_name: report.server_name.clone(),
        reason: reason(&report.status).map(String::from),
        relay,
        statistics: live,
    }
}

fn activity(a: &Activity) -> wire::Activity {
    wire::Activity {
        timestamp: a.timestamp.map(|t| t.iso()),
        computer: wire::Computer { id: a.computer.clone(), name: a.computer.clone() },
        message: a.message.clone(),
        phase: a.phase.label().to_string(),
        state: a.state.as_str().to_string(),
    }
}

/// A page of activity lines.
pub fn activities(lines: &[Activity], offset: usize, limit: usize) -> wire::ActivityPage {
    let items = lines.iter().skip(offset).take(limit).map(activity).collect();
    wire::ActivityPage { total: lines.len(), offset, limit, items }
}

#[cfg(test)]
mod tests {
    use super::*;
    use medulla_imaging_status::api::rest::{activity_from, entities_from, report_from};

    fn figures() -> ServerFigures {
        ServerFigures {
            registered: 42,
            custom_menus: Some(7),
            rescue: 7,
            masters: 3,
            image_store: Some(ImageStore { used_percent: 85.0, free_mib: 70_123, size_kib: Some(515_928_320) }),
            filesystems: vec![Filesystem {
                device: "/dev/sda1".into(),
                mount: "/".into(),
                size_kib: 51_475_068,
                used_kib: 1_000,
                available_kib: 50_000_000,
            }],
            memory: Some(Memory {
                total_kib: 16_318_480,
                used_kib: 4_000_000,
                free_kib: 2_000_000,
                buff_cache_kib: 10_318_480,
                available_kib: 12_000_000,
                swap_total_kib: 1_000_000,
                swap_used_kib: 0,
            }),
            uptime_seconds: Some(86_400),
            activity: Vec::new(),
            counts_pending: false,
        }
    }

    /// The metrics' status labels are the contract's names.
    #[test]
    fn a_status_is_named_as_serde_writes_it() {
        use medulla_imaging_status::api::rest::wire::Status;
        for status in [Status::Available, Status::Offline, Status::ConnectionError, Status::NotLinked] {
            assert_eq!(serde_json::to_value(status).expect("JSON"), status.as_str());
        }
    }

    /// Whatever the gateway writes, the app reads back to the same values.
    #[test]
    fn the_app_reads_back_what_the_gateway_writes() {
        let statuses = [
            ServerStatus::Available(Box::new(figures())),
            ServerStatus::ConnectionError,
            ServerStatus::Offline(RelayPresence::Absent),
            ServerStatus::Offline(RelayPresence::NoAddress),
            ServerStatus::Offline(RelayPresence::NotFound),
            ServerStatus::Offline(RelayPresence::Unknown),
            ServerStatus::NotLinked,
        ];
        let checked_at = UNIX_EPOCH + Duration::from_secs(1_795_597_507);
        for (status, history) in statuses.into_iter().zip([false, true].into_iter().cycle()) {
            let last_available = (history && !matches!(status, ServerStatus::Available(_)))
                .then(|| LastKnown { figures: Box::new(figures()), age_ms: 3_000 });
            let report = StatusReport {
                entity: "UUID3".into(),
                inherited_from: Some("UUID2".into()),
                server_name: Some("imaging-public".into()),
                status,
                age_ms: 0,
                since: history.then_some(Since { held_ms: 1_080_000, change_seen: true }),
                last_available,
            };
            let written =
                serde_json::to_value(super::status(&report, checked_at, |id| format!("General > {id}"))).expect("JSON");
            assert_eq!(written["checked_at"], "2026-11-25T09:05:07Z");
            if history {
                assert_eq!(written["since"]["at"], "2026-11-25T08:47:07Z", "18 minutes before the check");
            }
            assert_eq!(written["served_by"]["full_path"], "General > UUID2");
            let read = report_from(written.to_string().as_bytes(), 1_795_597_507_000).expect("read back");
            assert_eq!(read, report, "{written}");
        }
        let list = vec![Entity {
            uuid: "UUID2".into(),
            name: "Public".into(),
            completename: "General > Public".into(),
            level: 1,
        }];
        let written = serde_json::to_vec(&super::entities(&list)).expect("JSON");
        assert_eq!(entities_from(&written).expect("entities"), list);
        let line = Activity {
            timestamp: Some(Timestamp { year: 2026, month: 11, day: 25, hour: 9, minute: 5, second: 7 }),
            computer: "pc-lab-01".into(),
            message: "restoration finished".into(),
            phase: Phase::Restoration,
            state: ActivityState::Done,
        };
        let page = serde_json::to_value(activities(&[line.clone(), line.clone()], 1, 10)).expect("JSON");
        assert_eq!(page["total"], 2);
        assert_eq!(activity_from(page.to_string().as_bytes()).expect("activity"), vec![line]);
    }
}
