//! The simulated Medulla: entities, their imaging servers and relays, and
//! the answers of the agent's calls as the real agent sends them (see the
//! README's table of sources): results through the agent's clean-up step
//! ([`cleanup`]), a function that raises answered with the exception
//! struct, `space_available` as `[used %, free MiB]`, log states as phases.

use crate::xmlrpc::V;
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

/// The agent's clean-up step (`xmlrpcCleanup`, agent/mmc/support/
/// mmctools.py): every integer that is not a boolean becomes a string,
/// `None` becomes `false`. (Dates become time tuples of plain integers,
/// not cleaned again: the simulator adds them after the clean-up.)
pub fn cleanup(v: V) -> V {
    match v {
        V::Int(i) => V::Str(i.to_string()),
        V::Nil => V::Bool(false),
        V::Array(items) => V::Array(items.into_iter().map(cleanup).collect()),
        V::Struct(members) => V::Struct(members.into_iter().map(|(k, v)| (k, cleanup(v))).collect()),
        other => other,
    }
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

    /// The server that `getGlobalStatus` of the entity named in `params`
    /// asks, when its host is down: the agent then waits for its connect
    /// timeout before answering.
    pub fn waits_for_dead_host(&self, method: &str, params: &[V]) -> bool {
        let entity = params.first().and_then(V::as_str).and_then(|u| self.index(u));
        method == "imaging.getGlobalStatus"
            && entity
                .and_then(|i| self.serving(i))
                .and_then(|s| self.entities[s].server.as_ref())
                .is_some_and(|s| s.state == ServerState::Offline)
    }

    fn seconds(&self) -> u64 {
        self.started.elapsed().as_secs()
    }

    /// Answers one agent call as the agent does: the function's result,
    /// through the clean-up step where the real function applies it.
    /// `user` is the session's login: [`crate::SCOPED_LOGIN`] sees Public
    /// and below; any other user, every entity.
    pub fn call(&self, method: &str, params: &[V], user: &str) -> Result<V, Failure> {
        let arg = |n: usize| params.get(n).and_then(V::as_str).unwrap_or_default();
        let entity = || self.index(arg(0)).ok_or_else(|| Failure::Exception("KeyError", format!("'{}'", arg(0))));
        Ok(match method {
            "medulla_server.getUserLocations" => cleanup(V::Array(
                (0..self.entities.len())
                    .filter(|&i| {
                        let root = (user == crate::SCOPED_LOGIN).then(|| self.index("UUID2")).flatten();
                        root.is_none_or(|r| i == r || self.ancestors(i).contains(&r))
                    })
                    .map(|i| {
                        let e = &self.entities[i];
                        V::obj(&[
                            ("uuid", V::s(&e.uuid)),
                            ("name", V::s(&e.name)),
                            ("completename", V::s(self.completename(i))),
                            ("comments", V::s("")),
                            ("level", V::Int(self.ancestors(i).len() as i64)),
                        ])
                    })
                    .collect(),
            )),
            // The user's `lmcACL` as a profile makes it ("" for root and for
            // a user without one: agent/mmc/plugins/base/__init__.py).
            "base.getUserAcl" => V::s(match arg(0) {
                crate::USER_LOGIN | crate::SCOPED_LOGIN => {
                    ":base#main#default:imaging#manage#bootmenu:imaging#manage#index:imaging#manage#master/"
                }
                crate::NO_IMAGING_LOGIN => ":base#main#default:base#computers#index:inventory#inventory#index/",
                _ => "",
            }),
            "medulla_server.getLocationParentPath" => match self.index(arg(0)) {
                Some(i) => V::Array(self.ancestors(i).iter().map(|&a| V::s(&self.entities[a].uuid)).collect()),
                None => V::Array(vec![]),
            },
            "imaging.doesLocationHasImagingServer" => V::Bool(self.entities[entity()?].server.is_some()),
            "imaging.getImagingServerConfig" => {
                let i = entity()?;
                match self.serving(i).and_then(|s| Some((s, self.entities[s].server.as_ref()?))) {
                    Some((s, server)) => cleanup(V::Array(vec![
                        V::obj(&[
                            ("id", V::Int(100 + s as i64)),
                            ("name", V::s(&server.name)),
                            ("url", V::s(server.url())),
                            ("packageserver_uuid", V::s(format!("UUID{}", 200 + s))),
                            ("is_recursive", V::Int(server.recursive as i64)),
                            ("fk_entity", V::Int(s as i64 + 1)),
                            ("fk_default_menu", V::Int(1)),
                            ("fk_language", V::Int(1)),
                            ("language", V::Nil),
                            ("imaging_uuid", V::s(format!("UUID{}", 100 + s))),
                        ]),
                        V::obj(&[
                            ("default_name", V::s("Menu")),
                            ("timeout", V::Int(10)),
                            ("id", V::Int(i as i64 + 1)),
                        ]),
                    ])),
                    None => V::Array(vec![
                        V::Bool(false),
                        V::s(format!(":cant find imaging server linked to location {}", arg(0))),
                    ]),
                }
            }
            "imaging.getGlobalStatus" => self.global_status(entity()?)?,
            "imaging.getCustomMenuCount" => V::Int(self.entities[entity()?].counts.0 / 6),
            "imaging.getLogs4Location" => {
                let (start, end) =
                    (params.get(1).and_then(V::as_i64).unwrap_or(0), params.get(2).and_then(V::as_i64).unwrap_or(10));
                self.logs(entity()?, start.max(0) as usize, end.max(0) as usize)
            }
            "imaging.synchroLocation" => self.synchronise(entity()?)?,
            "xmppmaster.get_xmpprelays_list" => self.relays(),
            // The agent answers an unknown method with a raised exception.
            _ => return Err(Failure::Exception("mmc.agent.FunctionNotFound", method.to_string())),
        })
    }

    /// The lively figures of an available server: uptime runs, memory
    /// breathes, the image store fills slowly.
    pub fn figures(&self) -> Figures {
        let t = self.seconds();
        // `df` keeps 5 % of an ext4 filesystem for root: neither used nor
        // available.
        const RESERVED: i64 = 26_000_000;
        let (store_used, store_available) = match self.store_free_kib {
            Some(free) => (STORE_TOTAL_KIB - RESERVED - free, free),
            None => {
                let used = 412_742_656 + (t * 1_024) as i64;
                (used, STORE_TOTAL_KIB - used - RESERVED)
            }
        };
        Figures {
            mem_used_kib: 4_821_212 + (t * 7_919 % 900_000) as i64,
            store_used_kib: store_used,
            store_available_kib: store_available,
            // As `df` rounds it: up.
            store_percent: (store_used * 100 + store_used + store_available - 1) / (store_used + store_available),
            uptime_seconds: 350_735 + t,
        }
    }

    /// `getGlobalStatus` of entity `i`: Medulla asks the server that serves
    /// it, and adds the counts of its database for `i` itself (computers of
    /// `i` on a server of `i`: none for an entity served by an ancestor).
    /// No server: the function raises, as `chooseImagingApiUrl` finds none.
    fn global_status(&self, i: usize) -> Result<V, Failure> {
        let server = self.serving(i).and_then(|s| self.entities[s].server.as_ref());
        let server =
            server.ok_or(Failure::Exception("AttributeError", "'NoneType' object has no attribute 'split'".into()))?;
        if server.state != ServerState::Available {
            return Ok(V::Struct(vec![]));
        }
        let counts = if self.entities[i].server.is_some() { self.entities[i].counts } else { (0, 0, 0) };
        let f = self.figures();
        let (device, size, used, available) = ROOT_FS;
        let mem_free = MEM_TOTAL_KIB - f.mem_used_kib - MEM_BUFF_CACHE_KIB;
        Ok(cleanup(V::obj(&[
            // `df -m` of the masters' filesystem: used share and free MiB.
            ("space_available", V::Array(vec![V::Int(f.store_percent), V::Int(f.store_available_kib / 1024)])),
            (
                "disk_info",
                V::Array(vec![
                    V::s("Filesystem     1K-blocks     Used Available Use% Mounted on"),
                    V::s(format!("{device}       {size} {used}  {available}  43% /")),
                    V::s("tmpfs             805476     1268    804208   1% /run"),
                    V::s(STORE_DEVICE),
                    V::s(format!(
                        "               {STORE_TOTAL_KIB} {} {}  {}% {STORE_MOUNT}",
                        f.store_used_kib, f.store_available_kib, f.store_percent
                    )),
                ]),
            ),
            (
                "mem_info",
                V::Array(vec![
                    V::s("               total        used        free      shared  buff/cache   available"),
                    V::s(format!(
                        "Mem:        {MEM_TOTAL_KIB}     {}     {mem_free}      347316     {MEM_BUFF_CACHE_KIB}    {}",
                        f.mem_used_kib,
                        MEM_TOTAL_KIB - f.mem_used_kib
                    )),
                    V::s(format!(
                        "Swap:        {SWAP_TOTAL_KIB}       {SWAP_USED_KIB}     {}",
                        SWAP_TOTAL_KIB - SWAP_USED_KIB
                    )),
                ]),
            ),
            ("uptime", V::s(format!("{}.47 234388.90\n", f.uptime_seconds))),
            ("stats", V::obj(&[("rescue", V::Int(0)), ("master", V::Int(0)), ("total", V::Int(0))])),
            (
                "short_status",
                V::obj(&[("total", V::Int(counts.0)), ("rescue", V::Int(counts.1)), ("master", V::Int(counts.2))]),
            ),
        ])))
    }

    /// Recent activity, newest first: one more line every 20 seconds.
    /// Returns the total count and the lines from `start` to `end`.
    pub fn log_entries(&self, start: usize, end: usize) -> (usize, Vec<LogEntry>) {
        // Phases and messages as the imaging server logs them
        // (services/pulse2/package_server/imaging/pxe/).
        const EVENTS: [(&str, &str, &str); 6] = [
            ("restoration", "restoration finished", "done"),
            ("backup", "end-of-backup success: UUID31", "done"),
            ("restoration", "restoration started", "running"),
            ("backup", "end-of-backup failure: UUID32", "failed"),
            ("menu", "boot menu shown", "done"),
            ("inventory", "hardware inventory not stored", "failed"),
        ];
        // More than the tab shows (10): what it shows keeps its length over
        // a long run (the benchmark's DOM count), only its content moves.
        let count = 12 + (self.seconds() / 20) as usize;
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let entries = (0..count)
            .rev()
            .skip(start)
            .take(end.saturating_sub(start))
            .map(|n| {
                let (state, detail, outcome) = EVENTS[n % EVENTS.len()];
                LogEntry {
                    unix: now - ((count - n) as u64) * 20,
                    state,
                    detail,
                    outcome,
                    computer_id: format!("UUID{}", 1000 + n),
                    computer_name: format!("pc-lab-{:02}", n % 30 + 1),
                }
            })
            .collect();
        (count, entries)
    }

    fn logs(&self, i: usize, start: usize, end: usize) -> V {
        let (count, entries) = self.log_entries(start, end);
        let logs = entries
            .into_iter()
            .enumerate()
            .map(|(n, l)| {
                let mut log: Vec<(String, V)> = [
                    ("id", V::Int((start + n) as i64 + 1)),
                    ("imaging_uuid", V::s(format!("UUID{}", 100 + i))),
                    ("detail", V::s(l.detail)),
                    ("imaging_log_state", V::s(l.state)),
                    ("imaging_log_level", V::s("info")),
                    ("target", V::obj(&[("uuid", V::s(l.computer_id)), ("name", V::s(l.computer_name))])),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_string(), cleanup(v)))
                .collect();
                // A date becomes a time tuple of plain integers, not cleaned.
                log.insert(1, ("timestamp".into(), V::Array(civil(l.unix).into_iter().map(V::Int).collect())));
                V::Struct(log)
            })
            .collect();
        // The count is not cleaned: a plain integer.
        V::Array(vec![V::Int(count as i64), V::Array(logs)])
    }

    /// The steps of a boot-menu synchronisation of `i`, the entity's own
    /// menu last; `None` when no server serves it.
    pub fn sync_steps(&self, i: usize) -> Option<Vec<(bool, String)>> {
        let s = self.serving(i).and_then(|s| self.entities[s].server.as_ref())?;
        let ok = s.state == ServerState::Available && !self.sync_fails;
        Some(vec![
            (true, "boot menus of 3 computers regenerated".to_string()),
            (
                ok,
                if ok {
                    "entity boot menu regenerated".to_string()
                } else {
                    format!("imaging server {} did not answer", s.ip)
                },
            ),
        ])
    }

    /// A failed step holds a Twisted `Failure`, which the agent cannot
    /// serialise: the whole answer is fault 8005.
    fn synchronise(&self, i: usize) -> Result<V, Failure> {
        let steps = self
            .sync_steps(i)
            .ok_or(Failure::Exception("TypeError", "'NoneType' object is not subscriptable".into()))?;
        if steps.iter().any(|(ok, _)| !ok) {
            let message =
                "Impossible de sérialiser la sortie : cannot marshal <class 'twisted.python.failure.Failure'> objects";
            return Err(Failure::Fault(8005, message.into()));
        }
        Ok(V::Array(steps.into_iter().map(|(ok, detail)| V::Array(vec![V::Bool(ok), V::s(detail)])).collect()))
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

    fn relays(&self) -> V {
        let servers: Vec<&Server> = self.entities.iter().filter_map(|e| e.server.as_ref()).collect();
        let column = |f: &dyn Fn(&Server) -> V| V::Array(servers.iter().map(|s| f(s)).collect());
        V::obj(&[
            ("total", V::Int(servers.len() as i64)),
            (
                "datas",
                V::obj(&[
                    ("hostname", column(&|s| V::s(format!("rs-{}", s.name)))),
                    ("ip_xmpp", column(&|s| V::s(&s.ip))),
                    ("jid_from_relayserver", column(&|s| V::s(format!("rs-{}@pulse/{}", s.name, s.ip)))),
                    ("enabled", column(&|s| V::Int((s.state != ServerState::Offline && !s.relay_lost) as i64))),
                ]),
            ),
        ])
    }
}

/// A Python time tuple (UTC) of a Unix time: year, month, day, hour,
/// minute, second, weekday, yearday (not computed: 1), dst.
pub fn civil(unix: u64) -> [i64; 9] {
    let days = (unix / 86_400) as i64;
    let secs = unix % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + (month <= 2) as i64;
    let weekday = (days + 3).rem_euclid(7);
    [year, month, day, (secs / 3600) as i64, (secs % 3600 / 60) as i64, (secs % 60) as i64, weekday, 1, 0]
}

#[cfg(test)]
mod tests {
    use super::*;

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
