//! Answers as the contract words them: problem documents (RFC 9457) for
//! every failure, JSON bodies for the rest.

use crate::server::Gateway;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use medulla_imaging_status::api::rest::wire;
use medulla_imaging_status::api::ApiError;

pub(crate) use medulla_imaging_status::api::rest::PROBLEM_PREFIX;

pub(crate) fn problem(status: StatusCode, kind: &str, title: &str, detail: &str) -> Response {
    let (status, body) = problem_body(status, kind, title, detail);
    problem_answer(status, &body)
}

pub(crate) fn problem_answer(status: StatusCode, body: &wire::Problem) -> Response {
    let text = serde_json::to_string(body).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, "application/problem+json")], text).into_response()
}

pub(crate) fn problem_body(status: StatusCode, kind: &str, title: &str, detail: &str) -> (StatusCode, wire::Problem) {
    let body = wire::Problem {
        kind: format!("{PROBLEM_PREFIX}{kind}"),
        title: title.into(),
        status: status.as_u16(),
        detail: Some(detail.into()),
        imaging_status: None,
    };
    (status, body)
}

pub(crate) fn signed_out() -> Response {
    upstream(&ApiError::SignedOut)
}

pub(crate) fn not_found(entity: &str) -> Response {
    let detail = format!("{entity} is not one of your entities.");
    problem(StatusCode::NOT_FOUND, "entity-not-found", "Entity not found", &detail)
}

/// A failure of the agent, as the contract words it.
pub(crate) fn upstream(e: &ApiError) -> Response {
    let (status, body) = upstream_problem(e);
    let mut response = problem_answer(status, &body);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECONDS));
    }
    response
}

/// When a client told to wait (503, 429) should try again.
pub(crate) const RETRY_AFTER_SECONDS: &str = "5";

/// `429 Too Many Requests`, to try again in `seconds`.
pub(crate) fn too_many(detail: &str, seconds: u64) -> Response {
    let mut response = problem(StatusCode::TOO_MANY_REQUESTS, "too-many-requests", "Too many requests", detail);
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

/// [`upstream`]'s status and problem document.
pub(crate) fn upstream_problem(e: &ApiError) -> (StatusCode, wire::Problem) {
    match e {
        ApiError::SignedOut => problem_body(
            StatusCode::UNAUTHORIZED,
            "signed-out",
            "Signed out",
            "No session, or it has expired: sign in again.",
        ),
        ApiError::Timeout => problem_body(
            StatusCode::GATEWAY_TIMEOUT,
            "upstream-timeout",
            "Medulla did not answer in time",
            "The MMC agent did not answer within the request timeout.",
        ),
        // The gateway's own (a call that got no turn in time).
        ApiError::Problem { status, kind, detail } => {
            let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            problem_body(status, kind, "The gateway is busy", detail)
        }
        // What Medulla said may hold its internals (an LDAP URI in a
        // fault's message, SQL in an exception, the agent's address and
        // TLS details in a network error): the log has it, the answer says
        // what kind of failure it was.
        e => {
            eprintln!("medulla-imaging-gateway: the MMC agent failed: {e}");
            let detail = match e {
                ApiError::Network(_) => "The gateway cannot reach the MMC agent; its log says why.".to_string(),
                ApiError::Fault { code, .. } => {
                    format!("Medulla reported fault {code}; the gateway's log has its message.")
                }
                ApiError::Exception(_) => {
                    "A function of Medulla's failed (its database or a plugin); the gateway's log has the error.".into()
                }
                ApiError::Http(code) => format!("The MMC agent answered HTTP {code}."),
                ApiError::Malformed(_) => "The MMC agent sent an unreadable answer; the gateway's log says why.".into(),
                other => other.to_string(),
            };
            problem_body(StatusCode::BAD_GATEWAY, "upstream-failure", "Medulla failed", &detail)
        }
    }
}

pub(crate) fn json_answer(status: StatusCode, body: impl serde::Serialize) -> Response {
    let text = serde_json::to_string(&body).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, "application/json")], text).into_response()
}

/// Why a request is not answered.
pub(crate) enum Refused {
    SignedOut,
    /// Two session cookies: which one is meant cannot be told.
    TwoSessions,
    /// Not one of the user's entities.
    NotFound(String),
}

pub(crate) fn signed_out_upstream(gateway: &Gateway, headers: &HeaderMap, e: &ApiError) -> Response {
    if *e == ApiError::SignedOut {
        gateway.end_session(headers);
    }
    upstream(e)
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            Refused::SignedOut => signed_out(),
            Refused::TwoSessions => {
                let detail = "The request carries two session cookies: sign out, then sign in again.";
                problem(StatusCode::BAD_REQUEST, "bad-request", "Bad request", detail)
            }
            Refused::NotFound(id) => not_found(&id),
        }
    }
}
