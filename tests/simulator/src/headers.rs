//! The headers a production server sends with the tab (the gateway and the
//! Apache snippet send the same): a strict Content-Security-Policy, no MIME
//! sniffing, no referrer beyond the origin, and an `index.html` that is
//! never served stale after an upgrade. The simulator adds a `report-uri`
//! so that the tests fail on any violation.

use super::{lock, Sim};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;

/// The policy, with the origins that may embed the tab after `'self'`.
pub fn content_security_policy(frame_ancestors: &[String]) -> String {
    let ancestors: String = frame_ancestors.iter().map(|o| format!(" {o}")).collect();
    format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; frame-ancestors 'self'{ancestors}; base-uri 'none'; form-action 'self'"
    )
}

/// Where the browser reports violations to the simulator.
pub const REPORT_PATH: &str = "/_sim/csp-report";

pub(crate) async fn production_headers(State(sim): State<Arc<Sim>>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|t| t.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    let policy = format!("{}; report-uri {REPORT_PATH}", content_security_policy(&sim.embed_allowed_origins()));
    let headers = response.headers_mut();
    if let Ok(policy) = HeaderValue::from_str(&policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if html {
        // Its assets have content hashes in their names; it has not.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
    response
}

/// Keeps a violation report (`application/csp-report`).
pub(crate) async fn report(State(sim): State<Arc<Sim>>, body: axum::body::Bytes) -> axum::http::StatusCode {
    lock(&sim.csp_reports).push(String::from_utf8_lossy(&body).into_owned());
    axum::http::StatusCode::NO_CONTENT
}
