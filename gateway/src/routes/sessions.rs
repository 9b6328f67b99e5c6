//! `DELETE /sessions/current`: signing out.

use crate::server::Gateway;
use crate::sessions::session_cookie;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

pub(crate) async fn sign_out(State(gateway): State<Arc<Gateway>>, headers: HeaderMap) -> Response {
    // The agent has no sign-out call: its session, whose cookie the
    // gateway drops here, ends at its idle timeout.
    gateway.end_session(&headers);
    let mut response = StatusCode::NO_CONTENT.into_response();
    if let Some(clear) = session_cookie(None) {
        response.headers_mut().insert(header::SET_COOKIE, clear);
    }
    response
}
