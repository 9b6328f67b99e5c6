//! The readers of the agent's answers: pure functions from an XML-RPC
//! value to the domain's types, any odd shape a typed error.

use super::topology::ServerConfig;
use crate::api::xmlrpc::Value;
use crate::api::{ApiError, SyncOutcome};
use crate::domain::figures::{parse_df, parse_free, parse_uptime};
use crate::domain::*;

/// The failure an answer reports, if it does. The agent answers a function
/// that raised with a normal result `{faultString, faultCode: "<type>:
/// <message>", faultTraceback}` (agent/mmc/agent.py, `_ebRender`), and its
/// own faults (8003 no session, 8004, 8005) as a normal result too:
/// `_cbRender` passes `(Fault(...),)` to `xmlrpc.client.dumps`, which writes
/// an exception inside a tuple as a struct of its attributes.
pub fn failure_in(v: &Value) -> Option<ApiError> {
    let code = v.get("faultCode")?;
    let message = v.get("faultString").and_then(Value::as_str).unwrap_or_default().to_string();
    Some(match code {
        Value::Int(code) => ApiError::fault(*code, message),
        Value::Str(text) => match text.trim().parse() {
            Ok(code) => ApiError::fault(code, message),
            Err(_) => ApiError::Exception(text.clone()),
        },
        other => ApiError::Exception(format!("faultCode: {}", other.kind())),
    })
}

pub(super) fn malformed(what: &str) -> ApiError {
    ApiError::Malformed(what.to_string())
}

pub(super) fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::to_string).filter(|s| !s.is_empty())
}

pub fn entities_from(v: &Value) -> Result<Vec<Entity>, ApiError> {
    let items = v.as_array().ok_or_else(|| malformed("getUserLocations: not an array"))?;
    items
        .iter()
        .map(|item| {
            let uuid = text(item.get("uuid")).ok_or_else(|| malformed("getUserLocations: entity without uuid"))?;
            let name = text(item.get("name")).unwrap_or_else(|| uuid.clone());
            Ok(Entity {
                completename: text(item.get("completename")).unwrap_or_else(|| name.clone()),
                level: item.get("level").and_then(Value::as_i64).unwrap_or(0).max(0) as u32,
                uuid,
                name,
            })
        })
        .collect()
}

pub fn parent_path_from(v: &Value) -> Result<Vec<String>, ApiError> {
    match v {
        // `false` is how the agent's clean-up step says "none".
        Value::Bool(false) | Value::Nil => Ok(Vec::new()),
        Value::Array(items) => Ok(items.iter().filter_map(|i| text(Some(i))).collect()),
        _ => Err(malformed("getLocationParentPath: not an array")),
    }
}

/// `[server, default_menu]` when a server serves the entity; `[false,
/// message]` when none does, or `[false, message, server]` when the entity
/// has no default boot menu; `""` when it has neither (the agent sends
/// `None` as `""`). Only the server matters here.
pub fn server_config_from(v: &Value) -> Option<ServerConfig> {
    let items = v.as_array()?;
    let server = match items.first()? {
        first @ Value::Struct(_) => first,
        _ => items.get(2).filter(|s| matches!(s, Value::Struct(_)))?,
    };
    Some(ServerConfig {
        name: text(server.get("name")),
        url: text(server.get("url")),
        imaging_uuid: text(server.get("imaging_uuid")),
    })
}

/// The figures in `imaging.getGlobalStatus`; `None` when the agent got no
/// answer from the imaging server (an empty struct). An answer is
/// well-formed only with the database's counts (`short_status`) and the
/// image store (`space_available`, `[-1, -1]` when unknown).
pub fn figures_from(v: &Value) -> Result<Option<ServerFigures>, ApiError> {
    match v {
        Value::Struct(m) if m.is_empty() => return Ok(None),
        Value::Bool(false) | Value::Nil => return Ok(None),
        Value::Str(s) if s.is_empty() => return Ok(None),
        Value::Struct(_) => {}
        _ => return Err(malformed("getGlobalStatus: not a struct")),
    }
    if let Some(error) = failure_in(v) {
        return Err(error);
    }
    let lines = |key: &str| -> Vec<String> {
        v.get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|l| l.as_str().map(String::from)).collect())
            .unwrap_or_default()
    };
    let short_status = v.get("short_status").ok_or_else(|| malformed("getGlobalStatus: no short_status"))?;
    let count = |key: &str| -> Result<u64, ApiError> {
        let n = short_status.get(key).and_then(Value::as_i64);
        n.map(|n| n.max(0) as u64).ok_or_else(|| malformed(&format!("getGlobalStatus: short_status.{key} unreadable")))
    };
    let space = v.get("space_available").and_then(Value::as_array).filter(|a| a.len() == 2);
    let space = space.ok_or_else(|| malformed("getGlobalStatus: space_available unreadable"))?;
    let (used, free) = match (space[0].as_f64(), space[1].as_f64()) {
        (Some(used), Some(free)) if used.is_finite() && free.is_finite() => (used, free),
        _ => return Err(malformed("getGlobalStatus: space_available unreadable")),
    };
    let filesystems = parse_df(&lines("disk_info"));
    let image_store = (used >= 0.0 && free >= 0.0).then(|| {
        let free_mib = free as u64;
        // `df -m` rounds up: the same filesystem in `df -k` has this free
        // space within a MiB.
        let size_kib =
            filesystems.iter().find(|fs| (fs.available_kib / 1024).abs_diff(free_mib) <= 1).map(|fs| fs.size_kib);
        ImageStore { used_percent: used.min(100.0), free_mib, size_kib }
    });
    Ok(Some(ServerFigures {
        registered: count("total")?,
        custom_menus: None,
        rescue: count("rescue")?,
        masters: count("master")?,
        image_store,
        filesystems,
        memory: parse_free(&lines("mem_info")),
        uptime_seconds: v.get("uptime").and_then(Value::as_str).and_then(parse_uptime),
        activity: Vec::new(),
        counts_pending: false,
    }))
}

/// `{total, datas: {hostname: [...], ip_xmpp: [...], enabled: [...]}}`,
/// one value per relay in each column.
pub fn relays_from(v: &Value) -> Option<Vec<Relay>> {
    let datas = v.get("datas")?;
    let column = |key: &str| datas.get(key).and_then(Value::as_array).unwrap_or(&[]);
    let (hosts, ips, enabled) = (column("hostname"), column("ip_xmpp"), column("enabled"));
    let count = hosts.len().max(ips.len());
    if enabled.len() < count {
        return None;
    }
    Some(
        (0..count)
            .map(|i| Relay {
                hostname: hosts.get(i).and_then(Value::as_str).unwrap_or_default().to_string(),
                ip: ips.get(i).and_then(Value::as_str).unwrap_or_default().to_string(),
                enabled: enabled[i].as_flag() == Some(true),
            })
            .collect(),
    )
}

/// `[count, logs]` of `imaging.getLogs4Location`, newest first.
pub fn activity_from(v: &Value) -> Vec<Activity> {
    let logs = v.as_array().and_then(|a| a.get(1)).and_then(Value::as_array).unwrap_or(&[]);
    let mut activity: Vec<Activity> = logs
        .iter()
        .map(|log| {
            let tuple: Vec<i64> = log
                .get("timestamp")
                .and_then(Value::as_array)
                .map(|t| t.iter().filter_map(Value::as_i64).collect())
                .unwrap_or_default();
            let target = log.get("target");
            let message = text(log.get("detail")).unwrap_or_default();
            let phase = text(log.get("imaging_log_state")).map_or(Phase::Unknown, |s| Phase::from_label(&s));
            Activity {
                timestamp: Timestamp::from_tuple(&tuple),
                computer: text(target.and_then(|t| t.get("name")))
                    .or_else(|| text(target.and_then(|t| t.get("uuid"))))
                    .unwrap_or_default(),
                state: ActivityState::from_phase(phase, &message),
                phase,
                message,
            }
        })
        .collect();
    activity.sort_by_key(|a| std::cmp::Reverse(a.timestamp));
    activity
}

/// `imaging.synchroLocation`: `[[ok, detail], ...]` (one pair per step),
/// a bare `true`, or `[false, reasons...]`.
pub fn sync_outcome_from(v: &Value) -> Result<SyncOutcome, ApiError> {
    let describe = |v: &Value| match v {
        Value::Str(s) => s.clone(),
        Value::Nil => String::new(),
        other => other.kind().to_string(),
    };
    match v {
        Value::Bool(true) => Ok(SyncOutcome::Done),
        Value::Bool(false) => Ok(SyncOutcome::Failed(Vec::new())),
        Value::Array(items) if items.iter().all(|i| matches!(i, Value::Array(_))) => {
            let failures: Vec<String> = items
                .iter()
                .filter_map(Value::as_array)
                .filter(|pair| !pair.first().is_some_and(Value::truthy))
                .map(|pair| pair.get(1).map(describe).unwrap_or_default())
                .collect();
            if items.is_empty() || !failures.is_empty() {
                Ok(SyncOutcome::Failed(failures))
            } else {
                Ok(SyncOutcome::Done)
            }
        }
        Value::Array(items) => match items.split_first() {
            Some((first, _)) if first.truthy() => Ok(SyncOutcome::Done),
            Some((_, rest)) => Ok(SyncOutcome::Failed(rest.iter().map(describe).collect())),
            None => Ok(SyncOutcome::Failed(Vec::new())),
        },
        _ => Err(malformed("synchroLocation: unexpected answer")),
    }
}

#[cfg(test)]
mod tests;
