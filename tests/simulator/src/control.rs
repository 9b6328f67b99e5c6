//! Driving the simulator while it runs: `POST /_sim/control` (see [`Control`])
//! and the failures it injects.

use crate::state::lock;
use crate::world::{ServerState, STORE_TOTAL_KIB};
use crate::Sim;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;

/// A request of the control endpoint; every field is optional and all that
/// are given apply.
#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
pub struct Control {
    /// With `status`: the entity to change.
    pub entity: Option<String>,
    /// `available`, `offline` (the host is down: no relay, and
    /// `getGlobalStatus` waits for the connect timeout), `connection_error`
    /// (the imaging service is down: `{}` at once), or `unlinked`.
    pub status: Option<String>,
    /// With `entity`: whether its server's `url` holds its address (`false`:
    /// `https://:9990/imaging_api`, as with Medulla's empty `public_ip`).
    pub server_address: Option<bool>,
    /// With `entity`: whether its server's relay is on the XMPP bus
    /// (`false`: off it, although the host may answer).
    pub relay_present: Option<bool>,
    /// How long `getGlobalStatus` waits for a server whose host is down.
    pub connect_timeout_ms: Option<u64>,
    /// Delay before every agent answer.
    pub latency_ms: Option<u64>,
    /// `latency_ms` only for what a browser asks (the tab's calls to the
    /// agent or to the REST API), not for a gateway's calls to the agent:
    /// a console reached over a VPN, its gateway beside the agent.
    pub latency_browser_only: Option<bool>,
    /// REST: the statuses are as old as this (a cache between the tab and
    /// the gateway, which ignores `no-cache`): the proxy sets their
    /// `checked_at` that far in the past.
    pub rest_check_age_ms: Option<u64>,
    /// Delay before answers about one entity: `{"uuid": "UUID2", "ms": 3000}`
    /// (`ms` 0 removes it).
    pub slow_entity: Option<SlowEntity>,
    /// Delay before `imaging.getGlobalStatus` of one entity only: its
    /// imaging server keeps the agent waiting, Medulla's database does not
    /// (same form as `slow_entity`).
    pub slow_server: Option<SlowEntity>,
    /// Delay before the answers of one method only (an agent method, or a
    /// REST route as the proxy names it, `GET /api/v1/entities`):
    /// `{"method": "GET /api/v1/entities", "ms": 3000}` (`ms` 0 removes it).
    pub slow_method: Option<SlowMethod>,
    /// Fail the next `count` agent calls (of `method` only, if given).
    pub fail: Option<Fail>,
    /// Every open session expires: the next call answers HTTP 401.
    pub expire_sessions: Option<bool>,
    /// Boot-menu synchronisation fails even on an available server.
    pub sync_fails: Option<bool>,
    /// The free space of every imaging server's image store, in MiB
    /// (`df -m`); a negative value gives back the slowly shrinking default.
    pub store_free_mib: Option<i64>,
    /// Replaces the served `config.json` with this JSON value...
    pub config: Option<serde_json::Value>,
    /// ...or with this raw text (to serve a broken file).
    pub config_text: Option<String>,
    /// `config.json` answers 404.
    pub config_missing: Option<bool>,
    /// Origins the served Content-Security-Policy lets frame the tab
    /// besides those of `embed_allowed_origins`: a server policy looser than
    /// the tab's config, to test the tab's own defence.
    pub frame_ancestors: Option<Vec<String>>,
}

#[derive(Deserialize, Debug, Clone)]
pub struct SlowEntity {
    pub uuid: String,
    pub ms: u64,
}

#[derive(Deserialize, Debug, Clone)]
pub struct SlowMethod {
    pub method: String,
    pub ms: u64,
}

#[derive(Deserialize, Debug, Clone)]
pub struct Fail {
    /// `http_500`, `garbage` (an HTML page), `truncated` (cut XML),
    /// `hang` (no answer for two minutes), `fault` (fault 8004), or
    /// `exception` (the function raised: its database is lost), `huge` (a
    /// 33 MB answer, its length announced) or `huge_stream` (the same, sent
    /// in chunks without a length).
    pub mode: String,
    /// 0 takes back a failure not yet used.
    #[serde(default = "one")]
    pub count: u32,
    pub method: Option<String>,
}

pub(crate) fn one() -> u32 {
    1
}

/// Whether a request names this machine's loopback as its `Host`: a page
/// of another site that a DNS rebinding pointed at the simulator names its
/// own host, and is refused what drives the simulator or mints tokens.
pub(crate) fn local_host(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else { return false };
    let name = host
        .rsplit_once(':')
        .map_or(host, |(name, port)| if port.bytes().all(|b| b.is_ascii_digit()) { name } else { host });
    matches!(name, "127.0.0.1" | "localhost" | "[::1]")
}

pub(crate) fn forbidden() -> Response {
    (StatusCode::FORBIDDEN, "only for this machine (Host: 127.0.0.1 or localhost)\n").into_response()
}

pub(crate) async fn control(State(sim): State<Arc<Sim>>, headers: HeaderMap, Json(c): Json<Control>) -> Response {
    if !local_host(&headers) {
        return forbidden();
    }
    match sim.control(c) {
        Ok(()) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response(),
    }
}

impl Sim {
    /// Applies a control request.
    pub fn control(&self, c: Control) -> Result<(), String> {
        if let Some(status) = &c.status {
            let entity = c.entity.as_deref().ok_or("\"status\" needs \"entity\"")?;
            let state = match status.as_str() {
                "available" => Some(ServerState::Available),
                "offline" => Some(ServerState::Offline),
                "connection_error" => Some(ServerState::ConnectionError),
                "unlinked" => None,
                other => return Err(format!("unknown status {other:?}")),
            };
            lock(&self.world).set_state(entity, state)?;
        }
        if c.server_address.is_some() || c.relay_present.is_some() {
            let entity = c.entity.as_deref().ok_or("\"server_address\" and \"relay_present\" need \"entity\"")?;
            let mut world = lock(&self.world);
            let server = world.server_mut(entity)?;
            server.address_in_url = c.server_address.unwrap_or(server.address_in_url);
            server.relay_lost = !c.relay_present.unwrap_or(!server.relay_lost);
        }
        if let Some(ms) = c.connect_timeout_ms {
            *lock(&self.connect_timeout) = Duration::from_millis(ms);
        }
        if let Some(only) = c.latency_browser_only {
            *lock(&self.latency_browser_only) = only;
        }
        if let Some(ms) = c.latency_ms {
            *lock(&self.latency_ms) = ms;
        }
        if let Some(ms) = c.rest_check_age_ms {
            *lock(&self.rest_check_age_ms) = ms;
        }
        let slow_entities = [(c.slow_server, &self.slow_server), (c.slow_entity, &self.slow)]
            .into_iter()
            .filter_map(|(slow, delays)| slow.map(|SlowEntity { uuid, ms }| (uuid, ms, delays)));
        let slow_method = c.slow_method.map(|SlowMethod { method, ms }| (method, ms, &self.slow_methods));
        for (key, ms, delays) in slow_entities.chain(slow_method) {
            let mut delays = lock(delays);
            if ms == 0 {
                delays.remove(&key);
            } else {
                delays.insert(key, ms);
            }
        }
        if let Some(fail) = c.fail {
            const MODES: [&str; 8] =
                ["http_500", "garbage", "truncated", "hang", "fault", "exception", "huge", "huge_stream"];
            if !MODES.contains(&fail.mode.as_str()) {
                return Err(format!("unknown fail mode {:?}", fail.mode));
            }
            *lock(&self.fail) = Some(fail);
        }
        if c.expire_sessions == Some(true) {
            lock(&self.sessions).values_mut().for_each(|s| s.expired = true);
        }
        if let Some(mib) = c.store_free_mib {
            lock(&self.world).store_free_kib = (mib >= 0).then(|| mib.saturating_mul(1024).min(STORE_TOTAL_KIB / 2));
        }
        if let Some(fails) = c.sync_fails {
            lock(&self.world).sync_fails = fails;
        }
        if let Some(config) = c.config {
            *lock(&self.config) = Some(config.to_string());
        }
        if let Some(text) = c.config_text {
            *lock(&self.config) = Some(text);
        }
        if let Some(origins) = c.frame_ancestors {
            *lock(&self.frame_ancestors) = origins;
        }
        if c.config_missing == Some(true) {
            *lock(&self.config) = None;
        }
        Ok(())
    }

    /// The failure to inject into a call of `method`, if any is pending.
    /// A failure asked of this method by name only (never one for any call).
    pub(crate) fn take_failure_of(&self, method: &str) -> Option<String> {
        let named = lock(&self.fail).as_ref().is_some_and(|f| f.method.as_deref() == Some(method));
        named.then(|| self.take_failure(method)).flatten()
    }

    pub(crate) fn take_failure(&self, method: &str) -> Option<String> {
        let mut pending = lock(&self.fail);
        let fail = pending.as_mut()?;
        if fail.count == 0 {
            *pending = None;
            return None;
        }
        if fail.method.as_deref().is_some_and(|m| m != method) {
            return None;
        }
        let mode = fail.mode.clone();
        fail.count = fail.count.saturating_sub(1);
        if fail.count == 0 {
            *pending = None;
        }
        Some(mode)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Options;

    #[test]
    fn failures_are_counted_and_filtered_by_method() {
        let sim = Sim::new(&Options::default());
        let fail = Fail { mode: "garbage".into(), count: 2, method: Some("imaging.getGlobalStatus".into()) };
        sim.control(Control { fail: Some(fail), ..Default::default() }).expect("control");
        assert_eq!(sim.take_failure("medulla_server.getUserLocations"), None);
        assert_eq!(sim.take_failure("imaging.getGlobalStatus").as_deref(), Some("garbage"));
        assert_eq!(sim.take_failure("imaging.getGlobalStatus").as_deref(), Some("garbage"));
        assert_eq!(sim.take_failure("imaging.getGlobalStatus"), None);
        let bad = Control { fail: Some(Fail { mode: "explode".into(), count: 1, method: None }), ..Default::default() };
        assert!(sim.control(bad).is_err());
    }
}
