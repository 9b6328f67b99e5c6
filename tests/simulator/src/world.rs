//! The simulated Medulla: entities, their imaging servers and relays, and
//! the answers of the agent's calls as the real agent sends them (see the
//! table of sources in docs/design.md): results through the agent's clean-up step
//! ([`cleanup`]), a function that raises answered with the exception
//! struct, `space_available` as `[used %, free MiB]`, log states as phases.

mod methods;

pub use methods::{civil, cleanup};

use serde::Deserialize;
use std::time::Instant;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServerState {
    Available,
    /// The host and its relay are up, the imaging service refuses
    /// connections: `getGlobalStatus` answers `{}` at once.
    ConnectionError,
    /// The host is down, and its relay with it: `getGlobalStatus` answers
    /// `{}` after the agent's connect timeout.
    Offline,
}

#[derive(Clone, Debug)]
pub struct Server {
    pub name: String,
    /// The address of the host (and of its relay).
    pub ip: String,
    /// Whether the server's `url` holds that address: Medulla builds it from
    /// `public_ip`, empty by default, giving `https://:9990/imaging_api`.
    pub address_in_url: bool,
    /// Its relay is off the XMPP bus although the host answers (a relay
    /// that lost its XMPP connection).
    pub relay_lost: bool,
    pub recursive: bool,
    pub state: ServerState,
}

impl Server {
    pub fn url(&self) -> String {
        format!("https://{}:9990/imaging_api", if self.address_in_url { self.ip.as_str() } else { "" })
    }
}

/// An agent answer other than a result.
#[derive(Clone, Debug, PartialEq)]
pub enum Failure {
    /// One of the agent's own faults (8003, 8004, 8005, ...).
    Fault(i64, String),
    /// The called function raised: its exception's type and message.
    Exception(&'static str, String),
}

#[derive(Clone, Debug)]
pub struct Entity {
    pub uuid: String,
    pub name: String,
    pub parent: Option<usize>,
    pub server: Option<Server>,
    /// Computers registered for imaging, with a rescue image, masters.
    pub counts: (i64, i64, i64),
}

pub const STORE_TOTAL_KIB: i64 = 515_928_320;
pub const STORE_DEVICE: &str = "/dev/mapper/medulla--vg-imaging--masters";
pub const STORE_MOUNT: &str = "/var/lib/medulla/masters";
/// Device, size, used and available KiB of the server's root filesystem.
pub const ROOT_FS: (&str, i64, i64, i64) = ("/dev/sda1", 51_475_068, 20_786_428, 28_051_816);
pub const MEM_TOTAL_KIB: i64 = 16_318_480;
pub const MEM_BUFF_CACHE_KIB: i64 = 3_374_756;
pub const SWAP_TOTAL_KIB: i64 = 2_097_148;
pub const SWAP_USED_KIB: i64 = 10_240;

/// What changes in an available server's figures.
pub struct Figures {
    pub mem_used_kib: i64,
    pub store_used_kib: i64,
    pub store_available_kib: i64,
    pub store_percent: i64,
    pub uptime_seconds: u64,
}

pub struct LogEntry {
    pub unix: u64,
    /// The phase (`imaging_log_state`).
    pub state: &'static str,
    pub detail: &'static str,
    /// What the detail says of the outcome, in the REST contract's words.
    pub outcome: &'static str,
    pub computer_id: String,
    pub computer_name: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Available,
    ConnectionError,
    /// With what is known of the relay: `absent` or `no_address`.
    Offline(&'static str),
    NotLinked,
}

pub struct World {
    pub entities: Vec<Entity>,
    pub started: Instant,
    /// Boot-menu synchronisation fails even on an available server.
    pub sync_fails: bool,
    /// The image stores' free space, in KiB, when set (else it shrinks
    /// slowly from 75 GB).
    pub store_free_kib: Option<i64>,
}

fn server(name: &str, ip: &str, recursive: bool, state: ServerState) -> Option<Server> {
    Some(Server { name: name.into(), ip: ip.into(), address_in_url: true, relay_lost: false, recursive, state })
}

impl World {
    /// The entities of the user documentation, plus one that no server serves.
    pub fn demo() -> Self {
        use ServerState::*;
        let e = |uuid: &str, name: &str, parent, server, counts| Entity {
            uuid: uuid.into(),
            name: name.into(),
            parent,
            server,
            counts,
        };
        Self {
            entities: vec![
                e("UUID0", "General", None, server("imaging-general", "10.0.0.1", false, Offline), (0, 0, 0)),
                e(
                    "UUID1",
                    "Private",
                    Some(0),
                    server("imaging-private", "10.0.0.2", true, ConnectionError),
                    (18, 2, 1),
                ),
                e("UUID2", "Public", Some(0), server("imaging-public", "10.0.0.3", true, Available), (42, 7, 3)),
                e("UUID3", "Library", Some(2), None, (6, 1, 0)),
                e("UUID4", "Workshop", Some(0), None, (4, 0, 0)),
            ],
            started: Instant::now(),
            sync_fails: false,
            store_free_kib: None,
        }
    }

    /// Adds `n` entities under "Public" (for trying the selector and the
    /// overview at scale), `servers` of them with an imaging server of
    /// their own (one in 20 Offline, one in 25 with a Connection error);
    /// the others are served by Public's.
    pub fn add_many(&mut self, n: usize, servers: usize) {
        let every = n.checked_div(servers).map_or(usize::MAX, |e| e.max(1));
        for i in 0..n {
            let id = self.entities.len();
            let k = i / every;
            let server = (i % every == 0 && k < servers).then(|| {
                let state = match k {
                    k if k % 20 == 19 => ServerState::Offline,
                    k if k % 25 == 24 => ServerState::ConnectionError,
                    _ => ServerState::Available,
                };
                let ip = format!("10.{}.{}.5", 100 + k / 250, k % 250);
                server(&format!("imaging-site-{:04}", i + 1), &ip, true, state)
            });
            self.entities.push(Entity {
                uuid: format!("UUID{id}"),
                name: format!("Site {:04}", i + 1),
                parent: Some(2),
                server: server.flatten(),
                counts: (i as i64 % 50, 0, 0),
            });
        }
    }

    pub fn index(&self, uuid: &str) -> Option<usize> {
        self.entities.iter().position(|e| e.uuid == uuid)
    }

    pub fn ancestors(&self, i: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut at = self.entities[i].parent;
        while let Some(p) = at {
            if out.contains(&p) {
                break;
            }
            out.push(p);
            at = self.entities[p].parent;
        }
        out
    }

    pub fn completename(&self, i: usize) -> String {
        let mut names: Vec<&str> = self.ancestors(i).iter().rev().map(|&a| self.entities[a].name.as_str()).collect();
        names.push(&self.entities[i].name);
        names.join(" > ")
    }

    /// The entity whose server serves `i`, by Medulla's rule
    /// (`getImagingServerByEntityUUID`): its own, else the farthest
    /// ancestor whose server is linked recursively.
    pub fn serving(&self, i: usize) -> Option<usize> {
        if self.entities[i].server.is_some() {
            return Some(i);
        }
        self.ancestors(i).into_iter().rev().find(|&a| self.entities[a].server.as_ref().is_some_and(|s| s.recursive))
    }

    /// Sets an entity's server state; `None` unlinks its server.
    pub fn set_state(&mut self, uuid: &str, state: Option<ServerState>) -> Result<(), String> {
        let i = self.index(uuid).ok_or_else(|| format!("no entity {uuid}"))?;
        let entity = &mut self.entities[i];
        match (state, &mut entity.server) {
            (None, server) => *server = None,
            (Some(state), Some(server)) => server.state = state,
            (Some(state), server @ None) => {
                *server = Some(Server {
                    name: format!("imaging-{}", entity.name.to_lowercase().replace(' ', "-")),
                    ip: format!("10.0.1.{}", i % 250 + 1),
                    address_in_url: true,
                    relay_lost: false,
                    recursive: true,
                    state,
                })
            }
        }
        Ok(())
    }

    /// The imaging server of an entity, to change.
    pub fn server_mut(&mut self, uuid: &str) -> Result<&mut Server, String> {
        let i = self.index(uuid).ok_or_else(|| format!("no entity {uuid}"))?;
        self.entities[i].server.as_mut().ok_or_else(|| format!("{uuid} has no imaging server"))
    }

    /// The status of `i` by the tab's rules, and the entity whose server
    /// serves it.
    pub fn verdict(&self, i: usize) -> (Verdict, Option<usize>) {
        let Some(s) = self.serving(i) else { return (Verdict::NotLinked, None) };
        let Some(server) = self.entities[s].server.as_ref() else { return (Verdict::NotLinked, None) };
        let verdict = match server.state {
            ServerState::Available => Verdict::Available,
            // No relay can be matched to an address without host.
            _ if !server.address_in_url => Verdict::Offline("no_address"),
            ServerState::ConnectionError if server.relay_lost => Verdict::Offline("absent"),
            ServerState::ConnectionError => Verdict::ConnectionError,
            ServerState::Offline => Verdict::Offline("absent"),
        };
        (verdict, Some(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xmlrpc::V;

    #[test]
    fn demo_entities_follow_the_user_documentation() {
        let w = World::demo();
        let status = |uuid: &str| {
            let i = w.index(uuid).expect("entity");
            let answered = w.global_status(i).map(|v| v != V::Struct(vec![]));
            w.serving(i).map(|s| (w.entities[s].uuid.clone(), answered))
        };
        assert_eq!(status("UUID0"), Some(("UUID0".into(), Ok(false))));
        assert_eq!(status("UUID1"), Some(("UUID1".into(), Ok(false))));
        assert_eq!(status("UUID2"), Some(("UUID2".into(), Ok(true))));
        assert_eq!(status("UUID3"), Some(("UUID2".into(), Ok(true))), "Library inherits Public's server");
        assert_eq!(status("UUID4"), None, "General's server is not recursive");
        assert_eq!(w.completename(3), "General > Public > Library");
    }

    /// Medulla keeps the farthest ancestor whose server is linked
    /// recursively, not the nearest.
    #[test]
    fn the_farthest_recursive_ancestor_serves() {
        let mut w = World::demo();
        assert_eq!(w.serving(3), Some(2), "General's server is not recursive: Public's serves Library");
        w.entities[0].server.as_mut().expect("server").recursive = true;
        assert_eq!(w.serving(3), Some(0), "General and Public both qualify: General, the farthest");
        assert_eq!(w.serving(2), Some(2), "an entity's own server comes first");
    }

    #[test]
    fn cleanup_turns_integers_into_strings_and_none_into_false() {
        let v =
            V::obj(&[("n", V::Int(42)), ("b", V::Bool(true)), ("none", V::Nil), ("list", V::Array(vec![V::Int(-1)]))]);
        let expected = V::obj(&[
            ("n", V::s("42")),
            ("b", V::Bool(true)),
            ("none", V::Bool(false)),
            ("list", V::Array(vec![V::s("-1")])),
        ]);
        assert_eq!(cleanup(v), expected);
    }

    #[test]
    fn relays_show_presence_by_server_state() {
        let w = World::demo();
        let relays = w.relays();
        let V::Struct(members) = &relays else { panic!("struct") };
        let datas = &members[1].1;
        let V::Struct(cols) = datas else { panic!("datas") };
        let enabled = cols.iter().find(|(k, _)| k == "enabled").map(|(_, v)| v.clone());
        assert_eq!(enabled, Some(V::Array(vec![V::Int(0), V::Int(1), V::Int(1)])));
    }

    #[test]
    fn control_changes_states_and_links() {
        let mut w = World::demo();
        w.set_state("UUID4", Some(ServerState::Available)).expect("set");
        assert_eq!(w.serving(4), Some(4));
        w.set_state("UUID2", None).expect("unlink");
        assert_eq!(w.serving(3), None);
        assert!(w.set_state("UUID99", None).is_err());
    }

    #[test]
    fn time_tuples_are_civil_dates() {
        assert_eq!(civil(0), [1970, 1, 1, 0, 0, 0, 3, 1, 0]);
        assert_eq!(civil(1_795_000_000)[..6], [2026, 11, 18, 11, 6, 40]);
    }
}
