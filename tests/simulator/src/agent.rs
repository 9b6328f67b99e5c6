//! The agent's endpoint: its Basic credentials, the session cookie, the
//! calls answered from the world, and the failures asked of them.

use crate::state::{lock, SessionCheck, HUGE_BYTES};
use crate::web::cors;
use crate::world::Failure;
use crate::xmlrpc::V;
use crate::{xmlrpc, Sim, AGENT_LOGIN, AGENT_PASSWORD};
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;

pub(crate) fn xml(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "text/xml")], body).into_response()
}

pub(crate) fn basic_ok(headers: &HeaderMap) -> bool {
    let expected = format!("{AGENT_LOGIN}:{AGENT_PASSWORD}");
    let Some(given) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else { return false };
    given.strip_prefix("Basic ").and_then(decode_base64).is_some_and(|d| d == expected.as_bytes())
}

/// `text` decoded from standard base64 (the `base64` crate).
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(text.trim()).ok()
}

pub(crate) fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix("TWISTED_SESSION=").map(str::to_string))
}

pub(crate) fn new_session_id() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let a = RandomState::new().hash_one(nanos);
    let b = RandomState::new().hash_one(a);
    format!("{a:016x}{b:016x}")
}

/// The agent's endpoint.
pub(crate) async fn agent(State(sim): State<Arc<Sim>>, method: Method, headers: HeaderMap, body: String) -> Response {
    // Browsers mark their fetches; the gateway's calls are not marked.
    if headers.contains_key("sec-fetch-mode") {
        *lock(&sim.calls).entry("XML-RPC from a browser".into()).or_default() += 1;
    }
    let mut response = answer(&sim, &method, &headers, &body).await;
    cors(&headers, &mut response);
    response
}

/// A failure injected by the control endpoint, as the agent's side shows it.
pub(crate) async fn agent_failure(sim: &Sim, mode: &str, method: &str, params: &[V]) -> Response {
    if let Some(response) = sim.proxy_failure(mode).await {
        return response;
    }
    match mode {
        "truncated" => {
            xml(StatusCode::OK, xmlrpc::response(&V::Struct(vec![("total".into(), V::Int(1))]))[..60].to_string())
        }
        "hang" => StatusCode::GATEWAY_TIMEOUT.into_response(),
        "exception" => xml(
            StatusCode::OK,
            xmlrpc::exception(
                method,
                params,
                "sqlalchemy.exc.OperationalError",
                "(2006, 'MySQL server has gone away')",
            ),
        ),
        _ => xml(StatusCode::OK, xmlrpc::fault(8004, "L'agent MMC ne peut pas fournir de contexte de sécurité")),
    }
}

/// One wait for a dead host in progress, counted out when it ends.
pub(crate) struct DeadWait<'a>(&'a Sim, String);

pub(crate) async fn answer(sim: &Sim, _method: &Method, headers: &HeaderMap, body: &str) -> Response {
    if !basic_ok(headers) {
        let message = "Non autorisé : identifiants invalides pour se connecter à l'agent MMC, authentification HTTP Basic requise";
        return xml(StatusCode::UNAUTHORIZED, xmlrpc::fault(401, message));
    }
    let (name, params) = match xmlrpc::parse_call(body) {
        Ok(call) => call,
        Err(e) => return xml(StatusCode::OK, xmlrpc::fault(8002, &format!("Bad request: {e}"))),
    };
    let browser = headers.contains_key("sec-fetch-mode");
    sim.before_answer("XML-RPC", &name, params.first().and_then(V::as_str), browser).await;
    if let Some(mode) = sim.take_failure(&name) {
        return agent_failure(sim, &mode, &name, &params).await;
    }
    let text = |n: usize| params.get(n).and_then(V::as_str).unwrap_or_default();
    let signed_in = match name.as_str() {
        "base.ldapAuth" | "base.authenticate" => Some(Sim::password_ok(text(0), text(1))),
        "base.tokenAuthenticate" => Some(sim.token_ok(text(0), text(1))),
        // The forgotten-password flow: it mails a link and answers true; it
        // makes no sign-on token (those come from the console's get_token()).
        "base.createAuthToken" => return xml(StatusCode::OK, xmlrpc::response(&V::Bool(true))),
        _ => None,
    };
    if let Some(ok) = signed_in {
        let mut response = xml(StatusCode::OK, xmlrpc::response(&V::Bool(ok)));
        // As Twisted writes it: `Path=/`, no `HttpOnly`, no `SameSite`
        // (twisted/web/server.py, `Request.getSession`).
        if let Some(cookie) = ok.then(|| sim.open_session("Path=/", text(0))).flatten() {
            response.headers_mut().insert(header::SET_COOKIE, cookie);
        }
        return response;
    }
    let login = match sim.check_session(headers) {
        SessionCheck::Live(login) => login,
        SessionCheck::Missing => {
            return xml(StatusCode::OK, xmlrpc::fault(8003, &format!("Authentification nécessaire : {name}")))
        }
        SessionCheck::Expired => return StatusCode::UNAUTHORIZED.into_response(),
    };
    if sim.world().waits_for_dead_host(&name, &params) {
        let entity = text(0).to_string();
        let wait = *lock(&sim.connect_timeout);
        {
            let mut waits = lock(&sim.dead_waits);
            let (now, most) = waits.entry(entity.clone()).or_default();
            *now += 1;
            *most = (*most).max(*now);
        }
        // Counted out even when the caller goes away mid-wait.
        let _counted = DeadWait(sim, entity);
        tokio::time::sleep(wait).await;
        return xml(StatusCode::OK, xmlrpc::response(&V::Struct(vec![])));
    }
    let result = sim.world().call(&name, &params, &login);
    match result {
        Ok(value) => xml(StatusCode::OK, xmlrpc::response(&value)),
        Err(Failure::Fault(code, message)) => xml(StatusCode::OK, xmlrpc::fault(code, &message)),
        Err(Failure::Exception(kind, message)) => {
            xml(StatusCode::OK, xmlrpc::exception(&name, &params, kind, &message))
        }
    }
}

impl Sim {
    /// The injected failures a proxy in front of either side would show
    /// (`http_500`, `garbage`); after a `hang`'s wait, and for the failures
    /// each side shows its own way (`truncated`, `fault`), `None`.
    pub(crate) async fn proxy_failure(&self, mode: &str) -> Option<Response> {
        match mode {
            "http_500" => Some((StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response()),
            "garbage" => Some(
                (StatusCode::OK, [(header::CONTENT_TYPE, "text/html")], "<html><body><h1>Proxy error</h1>")
                    .into_response(),
            ),
            "hang" => {
                tokio::time::sleep(self.hang).await;
                None
            }
            // Past the 32 MB the app reads: refused, with or without a length.
            "huge" => Some((StatusCode::OK, "x".repeat(HUGE_BYTES)).into_response()),
            "huge_stream" => {
                let chunks = (0..HUGE_BYTES / 65_536).map(|_| Ok::<_, std::convert::Infallible>("x".repeat(65_536)));
                Some(axum::body::Body::from_stream(futures::stream::iter(chunks)).into_response())
            }
            _ => None,
        }
    }
}

impl Drop for DeadWait<'_> {
    fn drop(&mut self) {
        if let Some((now, _)) = lock(&self.0.dead_waits).get_mut(&self.1) {
            *now = now.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_basic_credentials() {
        assert_eq!(decode_base64("bW1jOnMzY3IzdA==").as_deref(), Some(&b"mmc:s3cr3t"[..]));
        assert_eq!(decode_base64("Zm8=").as_deref(), Some(&b"fo"[..]));
        assert_eq!(decode_base64("!!"), None);
    }
}
