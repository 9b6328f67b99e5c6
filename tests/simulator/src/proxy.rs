//! The tab's `api/v1/` is our REST gateway (`medulla-imaging-gateway`, in
//! front of this simulated agent) at `rest_upstream`, reached through this
//! reverse proxy as Apache reaches it in production: same origin for the
//! browser, cookies and caching headers passed both ways. The control
//! endpoint makes it fail as a broken gateway or proxy would, or age the
//! statuses it passes as a cache that ignores `no-cache` would.

use super::Sim;
use crate::world::civil;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use std::sync::Arc;

const REQUEST_HEADERS: [header::HeaderName; 6] = [
    header::ACCEPT_ENCODING,
    header::COOKIE,
    header::CONTENT_TYPE,
    header::CACHE_CONTROL,
    header::ACCEPT,
    header::HeaderName::from_static("sec-fetch-site"),
];
const ANSWER_HEADERS: [header::HeaderName; 7] = [
    header::SET_COOKIE,
    header::CONTENT_TYPE,
    header::CONTENT_ENCODING,
    header::VARY,
    header::CACHE_CONTROL,
    header::DATE,
    header::RETRY_AFTER,
];

pub(crate) async fn forward(
    State(sim): State<Arc<Sim>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(upstream) = sim.rest_upstream.clone() else { return StatusCode::NOT_FOUND.into_response() };
    // The path within the tab's `api/v1/` (axum strips what it is nested
    // under, the tab's prefix included): the gateway's is `/api/v1/...`.
    let path = format!("/api/v1{}", uri.path_and_query().map_or("/", |p| p.as_str()));
    let what = format!("{method} {}", path.split('?').next().unwrap_or_default());
    sim.before_answer("REST", &what, None, true).await;
    // A failure asked of this route (`"method": "GET /api/v1/entities"`):
    // the gateway itself failing.
    if let Some(mode) = sim.take_failure_of(&what) {
        return failure(&sim, &mode).await;
    }
    let mut request = sim.http.request(method, format!("{upstream}{path}")).body(body);
    // A status whose age the simulator rewrites (below) is asked plain.
    let rewrites = sim.rest_check_age_ms() > 0 && what.ends_with("/imaging-server-status");
    for name in REQUEST_HEADERS.into_iter().filter(|n| !(rewrites && n == header::ACCEPT_ENCODING)) {
        for value in headers.get_all(&name) {
            request = request.header(&name, value);
        }
    }
    let answer = match request.send().await {
        Ok(answer) => answer,
        Err(e) => return (StatusCode::BAD_GATEWAY, format!("gateway unreachable: {e}")).into_response(),
    };
    let status = answer.status();
    let mut out = HeaderMap::new();
    for name in ANSWER_HEADERS {
        for value in answer.headers().get_all(&name) {
            out.append(&name, value.clone());
        }
    }
    let mut body = answer.bytes().await.unwrap_or_default();
    let age_ms = sim.rest_check_age_ms();
    if rewrites && status == StatusCode::OK {
        if let Ok(mut json) = serde_json::from_slice::<Value>(&body) {
            json["checked_at"] = json!(rfc3339_ago(age_ms));
            body = json.to_string().into();
        }
    }
    (status, out, body).into_response()
}

/// RFC 3339 (UTC) of `age_ms` ago.
fn rfc3339_ago(age_ms: u64) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let t = civil(now.saturating_sub(age_ms / 1000));
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", t[0], t[1], t[2], t[3], t[4], t[5])
}

/// A problem document (RFC 9457), as the gateway writes one.
fn problem(status: StatusCode, kind: &str, title: &str, detail: &str) -> Response {
    let body = json!({"type": format!("urn:medulla:problem:{kind}"), "title": title, "status": status.as_u16(), "detail": detail});
    (status, [(header::CONTENT_TYPE, "application/problem+json")], body.to_string()).into_response()
}

/// A failure injected by the control endpoint, as the gateway (or the
/// proxy in front of it) would show it.
async fn failure(sim: &Sim, mode: &str) -> Response {
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
            "The MMC agent did not answer in time.",
        ),
        _ => problem(
            StatusCode::BAD_GATEWAY,
            "upstream-failure",
            "The MMC agent failed",
            "fault 8004: Cannot build a security context for the user",
        ),
    }
}
