//! The routes of the contract and the layers around every request:
//! deadline, caps, problem documents, log line and headers.

use crate::monitor::watch;
use crate::problem::{problem, too_many, upstream};
use crate::routes::{activities, entities, history, history_summary, overview, sign_out, status, synchronise};
use crate::server::Gateway;
use crate::sessions::{cookie, COOKIE};
use crate::sign_in::sign_in;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::from_fn;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::Router;
use medulla_imaging_status::api::ApiError;
use medulla_imaging_status::sync::lock;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The oldest status the client accepts: `Cache-Control: no-cache` (0) or
/// `max-age=N` (read by the `headers` crate), else the check interval.
pub(crate) fn max_age(headers: &HeaderMap, interval: Duration) -> Duration {
    use headers::HeaderMapExt;
    let asked = headers.typed_get::<headers::CacheControl>().and_then(|c| match c.no_cache() {
        true => Some(Duration::ZERO),
        false => c.max_age(),
    });
    asked.map_or(interval, |asked| asked.min(interval))
}

pub fn router(gateway: Arc<Gateway>) -> Router {
    let api = Router::new()
        // The writes, only as the tab sends them (a method a route does not
        // take is still a 405).
        .route("/sessions", post(sign_in).route_layer(from_fn(writes_from_the_tab)))
        .route("/sessions/current", delete(sign_out).route_layer(from_fn(writes_from_the_tab)))
        .route("/entities", get(entities))
        .route("/imaging-overview", get(overview))
        .route("/entities/{id}/imaging-server-status", get(status))
        .route("/entities/{id}/imaging-activities", get(activities))
        .route("/entities/{id}/history", get(history))
        .route("/history-summary", get(history_summary))
        .route("/entities/{id}/boot-menu-synchronisations", post(synchronise).route_layer(from_fn(writes_from_the_tab)))
        .layer(axum::middleware::from_fn_with_state(gateway.clone(), a_few_per_session));
    Router::new()
        .nest("/api/v1", api)
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(gateway.clone(), within_deadline))
        // A panic answers 500 to its request only (the gateway's profile
        // unwinds); the log line and the headers still go with it.
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .layer(axum::middleware::from_fn(as_problem))
        .layer(axum::middleware::from_fn_with_state(gateway.clone(), log_and_no_store))
        // Answers in brotli or gzip when the client accepts it (and `Vary:
        // Accept-Encoding`). No answer holds a secret beside what a request
        // reflects (the session is a cookie, never in a body), so
        // compression gives a BREACH-style attacker nothing to guess.
        .layer(tower_http::compression::CompressionLayer::new())
        .with_state(gateway)
}

/// A `POST` or `DELETE` only as the tab sends them: JSON (which another
/// site's form cannot send without a preflight, which the gateway never
/// grants), or a fetch the browser says is of this origin.
pub(crate) async fn writes_from_the_tab(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    if matches!(*request.method(), axum::http::Method::POST | axum::http::Method::DELETE) {
        let headers = request.headers();
        let value = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let json = value(header::CONTENT_TYPE)
            .split(';')
            .next()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"));
        let same_origin = value(header::HeaderName::from_static("sec-fetch-site")) == "same-origin";
        if !json && !same_origin {
            let detail = "A POST or DELETE is sent as JSON, or by a page of this origin.";
            return problem(StatusCode::FORBIDDEN, "cross-site-request", "Request refused", detail);
        }
    }
    next.run(request).await
}

/// A session's requests, [`REQUESTS_PER_SESSION`] at once at most, else
/// 429: one user asking for hundreds of new checks at once would take
/// every agent call from the others.
pub(crate) async fn a_few_per_session(
    State(gateway): State<Arc<Gateway>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let session = cookie(request.headers(), COOKIE).and_then(|id| lock(&gateway.sessions).get(&id).cloned());
    let _permit = match session.map(|s| s.in_flight.clone().try_acquire_owned()) {
        Some(Err(_)) => return too_many("Too many requests of this session at once: try again in a moment.", 1),
        Some(Ok(permit)) => Some(permit),
        None => None,
    };
    next.run(request).await
}

/// The largest request body read (a sign-in is a few hundred bytes).
pub(crate) const MAX_BODY_BYTES: usize = 16 * 1024;

/// Every request within [`Settings::deadline`], else a 504 problem.
pub(crate) async fn within_deadline(
    State(gateway): State<Arc<Gateway>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    match tokio::time::timeout(gateway.settings.deadline(), next.run(request)).await {
        Ok(response) => response,
        Err(_) => upstream(&ApiError::Timeout),
    }
}

/// Every failure as a problem document, as the contract promises, those of
/// the framework included (a wrong method: 405 with its `Allow`; a body too
/// large: 413; a body or query it cannot read; a panic's 500).
pub(crate) async fn as_problem(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"application/problem+json"));
    if status.is_success() || is_problem || status == StatusCode::NOT_MODIFIED || status.is_redirection() {
        return response;
    }
    let (kind, title, detail) = match status {
        StatusCode::METHOD_NOT_ALLOWED => (
            "method-not-allowed",
            "Method not allowed",
            "This resource does not take that method: see the Allow header.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => {
            ("payload-too-large", "Request body too large", "The request body is larger than the gateway reads.")
        }
        StatusCode::NOT_FOUND => ("not-found", "Not found", "No such resource."),
        s if s.is_client_error() => ("bad-request", "Bad request", "The request could not be read."),
        _ => ("internal-error", "Internal error", "The gateway failed; its log says why."),
    };
    let allow = response.headers().get(header::ALLOW).cloned();
    let mut answer = problem(status, kind, title, detail);
    if let Some(allow) = allow {
        answer.headers_mut().insert(header::ALLOW, allow);
    }
    answer
}

/// One line per request: method, path (no query), status, time; and on
/// every answer `Cache-Control: no-store` and the headers of a document
/// that is never a page: nothing may run in it, frame it, or sniff it.
pub(crate) async fn log_and_no_store(
    State(gateway): State<Arc<Gateway>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let (method, path) = (request.method().clone(), request.uri().path().to_string());
    let started = Instant::now();
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"),
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    gateway.metrics.answered();
    eprintln!("{method} {path} {} {} ms", response.status().as_u16(), started.elapsed().as_millis());
    response
}

pub(crate) async fn metrics(State(gateway): State<Arc<Gateway>>) -> Response {
    let text = gateway.metrics.text(gateway.link.in_flight());
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], text).into_response()
}

/// Answers from `listener` until `shutdown` resolves, then finishes the
/// requests in flight; with a monitoring account, checks every imaging
/// server meanwhile.
pub async fn serve(
    gateway: Arc<Gateway>,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let monitor = gateway.settings.monitor.clone().map(|account| tokio::spawn(watch(gateway.clone(), account)));
    let app = router(gateway).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let served = axum::serve(listener, app).with_graceful_shutdown(shutdown).await;
    if let Some(monitor) = monitor {
        monitor.abort();
    }
    served
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_may_ask_for_a_younger_status_never_an_older_one() {
        let interval = Duration::from_secs(30);
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::CACHE_CONTROL, HeaderValue::from_str(v).expect("header"));
            max_age(&h, interval)
        };
        assert_eq!(max_age(&HeaderMap::new(), interval), interval);
        assert_eq!(with("no-cache"), Duration::ZERO);
        assert_eq!(with("max-age=0"), Duration::ZERO);
        assert_eq!(with("max-age=5"), Duration::from_secs(5));
        assert_eq!(with("max-age=3600"), interval);
        assert_eq!(with("private, max-age=2"), Duration::from_secs(2));
    }
}
