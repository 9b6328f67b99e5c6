//! The agent's calls, answered from the world as the real agent answers them.

use super::*;
use crate::xmlrpc::V;

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

impl World {
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

    pub(super) fn seconds(&self) -> u64 {
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
    pub(super) fn global_status(&self, i: usize) -> Result<V, Failure> {
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

    pub(super) fn logs(&self, i: usize, start: usize, end: usize) -> V {
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
    pub(super) fn synchronise(&self, i: usize) -> Result<V, Failure> {
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

    pub(super) fn relays(&self) -> V {
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
