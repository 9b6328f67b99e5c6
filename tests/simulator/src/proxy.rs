//! With `rest_upstream`, the tab's `/api/v1/` is a REST gateway of ours
//! (`medulla-imaging-gateway`, in front of this simulated agent), reached
//! through this reverse proxy as Apache reaches it in production: same
//! origin for the browser, cookies and caching headers passed both ways.

use super::Sim;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

const REQUEST_HEADERS: [header::HeaderName; 4] =
    [header::COOKIE, header::CONTENT_TYPE, header::CACHE_CONTROL, header::ACCEPT];
const ANSWER_HEADERS: [header::HeaderName; 4] =
    [header::SET_COOKIE, header::CONTENT_TYPE, header::CACHE_CONTROL, header::DATE];

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
    sim.before_answer("REST", &what, None).await;
    // A failure asked of this route (`"method": "GET /api/v1/entities"`):
    // the gateway itself failing.
    if let Some(mode) = sim.take_failure_of(&what) {
        return super::rest::failure(&sim, &mode).await;
    }
    let mut request = sim.http.request(method, format!("{upstream}{path}")).body(body);
    for name in REQUEST_HEADERS {
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
    let body = answer.bytes().await.unwrap_or_default();
    (status, out, body).into_response()
}
