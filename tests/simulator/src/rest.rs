//! The REST contract of `public/openapi.yaml`, served from the same state
//! as the agent's side: a stand-in for a REST gateway in front of the MMC
//! agent. Flipping an entity's status through the control endpoint shows on
//! both sides.

use crate::world::{
    civil, Verdict, World, MEM_BUFF_CACHE_KIB, MEM_TOTAL_KIB, ROOT_FS, STORE_DEVICE, STORE_MOUNT, STORE_TOTAL_KIB,
    SWAP_TOTAL_KIB, SWAP_USED_KIB,
};
use crate::{SessionCheck, Sim};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::Router;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

pub const PROBLEM_PREFIX: &str = "urn:medulla:problem:";

pub fn router() -> Router<Arc<Sim>> {
    Router::new()
        .route("/sessions", post(sign_in))
        .route("/sessions/current", delete(sign_out))
        .route("/entities", get(entities))
        .route("/entities/{id}/imaging-server-status", get(status))
        .route("/entities/{id}/imaging-activities", get(activities))
        .route("/entities/{id}/boot-menu-synchronisations", post(synchronise))
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")], body.to_string())
        .into_response()
}

/// A problem document (RFC 9457); `more` holds its other members
/// (`detail`, ...), or is `null`.
fn problem(status: StatusCode, kind: &str, title: &str, more: Value) -> Response {
    let mut body = json!({"type": format!("{PROBLEM_PREFIX}{kind}"), "title": title, "status": status.as_u16()});
    if let (Some(body), Value::Object(more)) = (body.as_object_mut(), more) {
        body.extend(more);
    }
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json"), (header::CACHE_CONTROL, "no-store")],
        body.to_string(),
    )
        .into_response()
}

fn not_found(id: &str) -> Response {
    problem(StatusCode::NOT_FOUND, "entity-not-found", "No such entity", json!({"detail": id}))
}

/// A failure injected by the control endpoint, as a gateway (or the proxy
/// in front of it) would show it.
pub(crate) async fn failure(sim: &Sim, mode: &str) -> Response {
    if let Some(response) = sim.proxy_failure(mode).await {
        return response;
    }
    match mode {
        "truncated" => {
            (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], "{\"entity_id\": \"UUID2\", \"stat")
                .into_response()
        }
        "hang" => problem(
            StatusCode::GATEWAY_TIMEOUT,
            "upstream-timeout",
            "The MMC agent did not answer in time",
            Value::Null,
        ),
        _ => {
            let detail = "fault 8004: Cannot build a security context for the user";
            problem(StatusCode::BAD_GATEWAY, "upstream-failure", "The MMC agent failed", json!({ "detail": detail }))
        }
    }
}

/// What every call goes through: latency, injected failures, the session.
/// `method` is the agent call the gateway would make, for the control
/// endpoint's filters.
const SESSION_COOKIE_ATTRIBUTES: &str = "Path=/; HttpOnly; SameSite=Strict";

async fn guard(sim: &Sim, headers: &HeaderMap, method: &str, entity: Option<&str>) -> Result<(), Response> {
    sim.before_answer("REST", method, entity).await;
    if let Some(mode) = sim.take_failure(method) {
        return Err(failure(sim, &mode).await);
    }
    match sim.check_session(headers) {
        SessionCheck::Live => Ok(()),
        SessionCheck::Missing => {
            Err(problem(StatusCode::UNAUTHORIZED, "signed-out", "Signed out", json!({"detail": "No session."})))
        }
        SessionCheck::Expired => Err(problem(
            StatusCode::UNAUTHORIZED,
            "signed-out",
            "Signed out",
            json!({"detail": "The session has expired."}),
        )),
    }
}

async fn sign_in(State(sim): State<Arc<Sim>>, body: Bytes) -> Response {
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let text = |key: &str| request.get(key).and_then(Value::as_str);
    let (login, password, token) = (text("login").unwrap_or_default(), text("password"), text("token"));
    let method = if token.is_some() { "base.tokenAuthenticate" } else { "base.ldapAuth" };
    sim.before_answer("REST", method, None).await;
    if let Some(mode) = sim.take_failure(method) {
        return failure(&sim, &mode).await;
    }
    let ok = match (login, password, token) {
        ("", _, _) | (_, None, None) | (_, Some(_), Some(_)) => {
            let detail = "expected {\"login\", \"password\"} or {\"login\", \"token\"}";
            return problem(StatusCode::BAD_REQUEST, "bad-request", "Bad request", json!({ "detail": detail }));
        }
        (login, Some(password), None) => Sim::password_ok(login, password),
        (login, None, Some(token)) => sim.token_ok(login, token),
    };
    if !ok {
        return problem(StatusCode::UNAUTHORIZED, "invalid-credentials", "Sign-in refused", Value::Null);
    }
    let mut response = json_response(StatusCode::CREATED, json!({"login": login}));
    // The gateway's own cookie: out of the page's reach, never sent by
    // another site.
    if let Some(cookie) = sim.open_session(SESSION_COOKIE_ATTRIBUTES) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

async fn sign_out(State(sim): State<Arc<Sim>>, headers: HeaderMap) -> Response {
    sim.before_answer("REST", "sessions.delete", None).await;
    sim.close_session(&headers);
    let clear = [(header::SET_COOKIE, format!("TWISTED_SESSION=; Max-Age=0; {SESSION_COOKIE_ATTRIBUTES}"))];
    (StatusCode::NO_CONTENT, clear).into_response()
}

async fn entities(State(sim): State<Arc<Sim>>, headers: HeaderMap) -> Response {
    if let Err(r) = guard(&sim, &headers, "medulla_server.getUserLocations", None).await {
        return r;
    }
    let world = sim.world();
    let items: Vec<Value> = (0..world.entities.len())
        .map(|i| {
            let e = &world.entities[i];
            json!({"id": e.uuid, "name": e.name, "full_path": world.completename(i), "depth": world.ancestors(i).len()})
        })
        .collect();
    json_response(StatusCode::OK, json!({ "items": items }))
}

fn reason(verdict: Verdict) -> Option<&'static str> {
    match verdict {
        Verdict::Available => None,
        Verdict::ConnectionError => {
            Some("The relay hosting the imaging server is present, but its imaging API does not answer.")
        }
        Verdict::Offline("no_address") => {
            Some("The imaging server does not answer, and its address has no host: its relay was not identified.")
        }
        Verdict::Offline(_) => Some("The relay hosting the imaging server is not on the XMPP bus."),
        Verdict::NotLinked => Some("No imaging server is linked to this entity or, recursively, to an ancestor."),
    }
}

pub(crate) fn verdict_name(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Available => "available",
        Verdict::ConnectionError => "connection_error",
        Verdict::Offline(_) => "offline",
        Verdict::NotLinked => "not_linked",
    }
}

fn statistics(world: &World, serving: usize) -> Value {
    let f = world.figures();
    let (device, size, used, available) = ROOT_FS;
    let bytes = |kib: i64| kib * 1024;
    let counts = world.entities[serving].counts;
    json!({
        "computers": {"registered": counts.0, "with_custom_boot_menu": counts.0 / 6, "with_rescue_image": counts.1},
        "masters": counts.2,
        "image_store": {"used_percent": f.store_percent as f64, "free_bytes": bytes(f.store_available_kib),
                        "size_bytes": bytes(STORE_TOTAL_KIB)},
        "filesystems": [
            {"device": device, "mount_point": "/", "size_bytes": bytes(size), "used_bytes": bytes(used), "available_bytes": bytes(available)},
            {"device": STORE_DEVICE, "mount_point": STORE_MOUNT, "size_bytes": bytes(STORE_TOTAL_KIB),
             "used_bytes": bytes(f.store_used_kib), "available_bytes": bytes(f.store_available_kib)},
        ],
        "memory": {
            "total_bytes": bytes(MEM_TOTAL_KIB), "used_bytes": bytes(f.mem_used_kib),
            "free_bytes": bytes(MEM_TOTAL_KIB - f.mem_used_kib - MEM_BUFF_CACHE_KIB),
            "buff_cache_bytes": bytes(MEM_BUFF_CACHE_KIB), "available_bytes": bytes(MEM_TOTAL_KIB - f.mem_used_kib),
            "swap_total_bytes": bytes(SWAP_TOTAL_KIB), "swap_used_bytes": bytes(SWAP_USED_KIB),
        },
        "uptime_seconds": f.uptime_seconds,
    })
}

/// `2026-11-25T09:05:07` of a Unix time (UTC).
fn date_time(unix: u64) -> String {
    let t = civil(unix);
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", t[0], t[1], t[2], t[3], t[4], t[5])
}

/// RFC 3339 (UTC) of `age_ms` ago.
fn rfc3339_ago(age_ms: u64) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    format!("{}Z", date_time(now.saturating_sub(age_ms / 1000)))
}

async fn status(State(sim): State<Arc<Sim>>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if let Err(r) = guard(&sim, &headers, "imaging.getGlobalStatus", Some(&id)).await {
        return r;
    }
    let world = sim.world();
    let Some(i) = world.index(&id) else { return not_found(&id) };
    let (verdict, serving) = world.verdict(i);
    let served_by =
        serving.filter(|&s| s != i).map(|s| json!({"id": world.entities[s].uuid, "full_path": world.completename(s)}));
    let server_name = serving.and_then(|s| world.entities[s].server.as_ref()).map(|s| s.name.clone());
    let stats = match (verdict, serving) {
        (Verdict::Available, Some(s)) => statistics(&world, s),
        _ => Value::Null,
    };
    let relay = match verdict {
        Verdict::ConnectionError => Some("present"),
        Verdict::Offline(relay) => Some(relay),
        _ => None,
    };
    json_response(
        StatusCode::OK,
        json!({
            "entity_id": id, "status": verdict_name(verdict), "checked_at": rfc3339_ago(sim.rest_check_age_ms()),
            "served_by": served_by, "server_name": server_name, "reason": reason(verdict), "relay": relay,
            "statistics": stats,
        }),
    )
}

async fn activities(
    State(sim): State<Arc<Sim>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if let Err(r) = guard(&sim, &headers, "imaging.getLogs4Location", Some(&id)).await {
        return r;
    }
    let number = |key: &str, default: usize| query.get(key).map_or(Some(default), |v| v.parse::<usize>().ok());
    let (Some(offset), Some(limit)) = (number("offset", 0), number("limit", 10)) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "bad-request",
            "Bad request",
            json!({"detail": "offset and limit are whole numbers"}),
        );
    };
    if !(1..=100).contains(&limit) {
        return problem(
            StatusCode::BAD_REQUEST,
            "bad-request",
            "Bad request",
            json!({"detail": "limit must be from 1 to 100"}),
        );
    }
    let world = sim.world();
    let Some(i) = world.index(&id) else { return not_found(&id) };
    let (total, entries) = match world.serving(i) {
        Some(_) => world.log_entries(offset, offset + limit),
        None => (0, Vec::new()),
    };
    let items: Vec<Value> = entries
        .into_iter()
        .map(|l| {
            json!({
                "timestamp": date_time(l.unix),
                "computer": {"id": l.computer_id, "name": l.computer_name},
                "message": l.detail,
                "phase": l.state,
                "state": l.outcome,
            })
        })
        .collect();
    json_response(StatusCode::OK, json!({"total": total, "offset": offset, "limit": limit, "items": items}))
}

async fn synchronise(State(sim): State<Arc<Sim>>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if let Err(r) = guard(&sim, &headers, "imaging.synchroLocation", Some(&id)).await {
        return r;
    }
    let world = sim.world();
    let Some(i) = world.index(&id) else { return not_found(&id) };
    let (verdict, _) = world.verdict(i);
    let steps = match (verdict, world.sync_steps(i)) {
        (Verdict::Available, Some(steps)) => steps,
        _ => {
            let more = json!({"detail": reason(verdict), "imaging_status": verdict_name(verdict)});
            return problem(
                StatusCode::CONFLICT,
                "imaging-server-unavailable",
                "The imaging server is not available",
                more,
            );
        }
    };
    let succeeded = steps.iter().all(|(ok, _)| *ok);
    let steps: Vec<Value> = steps.into_iter().map(|(ok, detail)| json!({"succeeded": ok, "detail": detail})).collect();
    json_response(StatusCode::CREATED, json!({"succeeded": succeeded, "steps": steps}))
}
