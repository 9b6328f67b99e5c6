//! The MMC agent client: Medulla's existing XML-RPC API, as the console
//! itself calls it. Each endpoint is a few lines over [`MmcAgent::call`];
//! the readers of the agent's answers are pure functions, tested natively
//! on golden documents.

use super::http::{basic_authorization, send};
use super::xmlrpc::{decode_response, encode_call, Response, Value};
use super::{ApiError, ImagingApi, SyncOutcome};
use crate::config::Config;
use crate::domain::figures::{parse_df, parse_free, parse_uptime};
use crate::domain::*;
use gloo_net::http::Method;

/// How many lines of recent activity the tab shows.
pub const ACTIVITY_LINES: i64 = 10;

pub struct MmcAgent {
    url: String,
    authorization: Option<String>,
    timeout_ms: u32,
}

impl MmcAgent {
    pub fn new(config: &Config) -> Self {
        Self {
            url: config.agent_url.clone(),
            authorization: config.agent_basic_auth.as_ref().map(|b| basic_authorization(&b.login, &b.password)),
            timeout_ms: config.request_timeout_seconds.saturating_mul(1000),
        }
    }

    /// One XML-RPC call; a fault 8003 or HTTP 401 is [`ApiError::SignedOut`].
    pub async fn call(&self, method: &str, params: &[Value]) -> Result<Value, ApiError> {
        let body = encode_call(method, params);
        let answer =
            send(Method::POST, &self.url, Some(("text/xml", body)), self.authorization.as_deref(), self.timeout_ms)
                .await?;
        match answer.status {
            401 => return Err(ApiError::SignedOut),
            200..=299 => {}
            code => return Err(ApiError::Http(code)),
        }
        match decode_response(&answer.body) {
            Ok(Response::Success(value)) => Ok(value),
            Ok(Response::Fault { code, message }) => Err(ApiError::fault(code, message)),
            Err(e) => Err(ApiError::Malformed(format!("{method}: {e}"))),
        }
    }

    /// A sign-in call. A 401 here is the agent refusing the connection
    /// itself (its Basic credentials), not a session that ended.
    async fn login_call(&self, method: &str, login: &str, secret: &str) -> Result<bool, ApiError> {
        match self.call(method, &[Value::str(login), Value::str(secret)]).await {
            Ok(v) => Ok(v.truthy()),
            Err(ApiError::SignedOut) => Err(ApiError::Http(401)),
            Err(e) => Err(e),
        }
    }

    async fn has_server(&self, entity: &str) -> Result<bool, ApiError> {
        Ok(self.call("imaging.doesLocationHasImagingServer", &[Value::str(entity)]).await?.truthy())
    }

    async fn server_config(&self, entity: &str) -> Result<ServerConfig, ApiError> {
        let v = self.call("imaging.getImagingServerConfig", &[Value::str(entity)]).await?;
        Ok(server_config_from(&v))
    }

    /// The entity whose imaging server serves `entity`, and that server's
    /// configuration; `None` when no server serves it.
    async fn serving_server(&self, entity: &str) -> Result<Option<(String, ServerConfig)>, ApiError> {
        if self.has_server(entity).await? {
            return Ok(Some((entity.to_string(), self.server_config(entity).await?)));
        }
        let path = self.call("medulla_server.getLocationParentPath", &[Value::str(entity)]).await?;
        for ancestor in parent_path_from(&path)? {
            if self.has_server(&ancestor).await? {
                let config = self.server_config(&ancestor).await?;
                return Ok(config.recursive.then_some((ancestor, config)));
            }
        }
        Ok(None)
    }

    /// Extra figures of an available server; a failure other than a lost
    /// session leaves them out rather than hiding the status.
    async fn optional<T>(
        &self,
        method: &str,
        entity: &str,
        extra: &[Value],
        read: fn(&Value) -> Option<T>,
    ) -> Result<Option<T>, ApiError> {
        let mut params = vec![Value::str(entity)];
        params.extend_from_slice(extra);
        match self.call(method, &params).await {
            Ok(v) => Ok(read(&v)),
            Err(ApiError::SignedOut) => Err(ApiError::SignedOut),
            Err(_) => Ok(None),
        }
    }
}

impl ImagingApi for MmcAgent {
    async fn sign_in(&self, login: &str, password: &str) -> Result<bool, ApiError> {
        self.login_call("base.ldapAuth", login, password).await
    }

    async fn sign_in_with_token(&self, login: &str, token: &str) -> Result<bool, ApiError> {
        self.login_call("base.tokenAuthenticate", login, token).await
    }

    async fn entities(&self) -> Result<Vec<Entity>, ApiError> {
        entities_from(&self.call("medulla_server.getUserLocations", &[]).await?)
    }

    async fn status(&self, entity: &str) -> Result<StatusReport, ApiError> {
        let mut report = StatusReport {
            entity: entity.to_string(),
            inherited_from: None,
            server_name: None,
            status: ServerStatus::NotLinked,
        };
        let Some((server_entity, config)) = self.serving_server(entity).await? else {
            return Ok(report);
        };
        if server_entity != entity {
            report.inherited_from = Some(server_entity.clone());
        }
        report.server_name = config.name.clone();
        let global = self.call("imaging.getGlobalStatus", &[Value::str(&server_entity)]).await?;
        let answer = figures_from(&global)?;
        let status = match answer {
            Some(mut figures) => {
                let page = [Value::Int(0), Value::Int(ACTIVITY_LINES), Value::str("")];
                let (custom, activity) = futures::join!(
                    self.optional("imaging.getCustomMenuCount", &server_entity, &[], |v| v
                        .as_i64()
                        .map(|n| n.max(0) as u64)),
                    self.optional("imaging.getLogs4Location", &server_entity, &page, |v| Some(activity_from(v))),
                );
                figures.custom_menus = custom?;
                figures.activity = activity?.unwrap_or_default();
                server_status(Some(figures), RelayPresence::Present)
            }
            None => {
                let params = [Value::Int(-1), Value::Int(-1), Value::str(""), Value::str("all")];
                let relays = match self.call("xmppmaster.get_xmpprelays_list", &params).await {
                    Ok(v) => relays_from(&v),
                    Err(ApiError::SignedOut) => return Err(ApiError::SignedOut),
                    Err(_) => None,
                };
                server_status(None, relay_presence(config.url.as_deref(), relays.as_deref()))
            }
        };
        report.status = status;
        Ok(report)
    }

    async fn synchronise(&self, entity: &str) -> Result<SyncOutcome, ApiError> {
        sync_outcome_from(&self.call("imaging.synchroLocation", &[Value::str(entity)]).await?)
    }
}

/// What the tab reads of `imaging.getImagingServerConfig`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ServerConfig {
    pub name: Option<String>,
    pub url: Option<String>,
    /// Linked recursively: it also serves the entity's descendants.
    pub recursive: bool,
}

fn malformed(what: &str) -> ApiError {
    ApiError::Malformed(what.to_string())
}

fn text(v: Option<&Value>) -> Option<String> {
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

/// `[server, default_menu]` on success, `[false, message]` on failure.
pub fn server_config_from(v: &Value) -> ServerConfig {
    let Some(server) = v.as_array().and_then(|a| a.first()).filter(|s| matches!(s, Value::Struct(_))) else {
        return ServerConfig::default();
    };
    ServerConfig {
        name: text(server.get("name")),
        url: text(server.get("url")),
        recursive: server.get("is_recursive").is_some_and(Value::truthy),
    }
}

/// The figures in `imaging.getGlobalStatus`; `None` when the agent got no
/// answer from the imaging server (an empty struct).
pub fn figures_from(v: &Value) -> Result<Option<ServerFigures>, ApiError> {
    match v {
        Value::Struct(m) if m.is_empty() => return Ok(None),
        Value::Bool(false) | Value::Nil => return Ok(None),
        Value::Struct(_) => {}
        _ => return Err(malformed("getGlobalStatus: not a struct")),
    }
    let lines = |key: &str| -> Vec<String> {
        v.get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|l| l.as_str().map(String::from)).collect())
            .unwrap_or_default()
    };
    let count = |key: &str| -> u64 {
        v.get("short_status").and_then(|s| s.get(key)).and_then(Value::as_i64).unwrap_or(0).max(0) as u64
    };
    let image_store = v.get("space_available").and_then(Value::as_array).and_then(|a| {
        let used = a.first()?.as_f64()?;
        let total = a.get(1)?.as_f64()?;
        (used >= 0.0 && total >= 0.0).then(|| ImageStore { used_percent: used.min(100.0), total_mib: total as u64 })
    });
    Ok(Some(ServerFigures {
        registered: count("total"),
        custom_menus: None,
        rescue: count("rescue"),
        masters: count("master"),
        image_store,
        filesystems: parse_df(&lines("disk_info")),
        memory: parse_free(&lines("mem_info")),
        uptime_seconds: v.get("uptime").and_then(Value::as_str).and_then(parse_uptime),
        activity: Vec::new(),
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
                enabled: enabled[i].as_i64() == Some(1),
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
            Activity {
                timestamp: Timestamp::from_tuple(&tuple),
                computer: text(target.and_then(|t| t.get("name")))
                    .or_else(|| text(target.and_then(|t| t.get("uuid"))))
                    .unwrap_or_default(),
                message: text(log.get("detail")).unwrap_or_default(),
                state: text(log.get("imaging_log_state"))
                    .map_or(ActivityState::Unknown, |s| ActivityState::from_label(&s)),
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
        other => format!("{other:?}"),
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
