//! `POST /sessions`: a user signs in with their Medulla login and password,
//! or a sign-on token the console made for them. Attempts are throttled
//! per login and per client address ([`Throttle`]); a token is accepted
//! once ([`UsedTokens`]); a user without the imaging module's right to
//! view, as the console reads it ([`Rights`]), is refused.

use crate::problem::{json_answer, problem, too_many, upstream};
use crate::server::Gateway;
use crate::sessions::{new_session_id, session_cookie, NotOpened, Secret};
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use medulla_imaging_status::api::rest::wire;
use medulla_imaging_status::api::ApiError;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a used token is remembered: the longest a Medulla sign-on
/// token lives (`magic_link_ttl_minutes`, 5 by default, clamped to 1 to
/// 120: web/includes/config.inc.php, `get_magic_link_ttl_minutes`).
const TOKEN_LIFETIME: Duration = Duration::from_secs(120 * 60);

/// The tokens accepted, by their SHA-256, until they expire: Medulla's
/// `validateToken` never sets the token's `used_at` (services/pulse2/
/// database/admin/__init__.py), so without this a token seen once (in a
/// log, a browser's history) would sign in again until it expires.
#[derive(Default)]
pub struct UsedTokens {
    used: Mutex<HashMap<[u8; 32], Instant>>,
}

fn digest(token: &str) -> [u8; 32] {
    let digest = ring::digest::digest(&ring::digest::SHA256, token.as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

impl UsedTokens {
    fn used(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Instant>> {
        self.used.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes `token` for a sign-in: false when it was taken before (two
    /// sign-ins racing with one token: one of them only).
    pub fn claim(&self, token: &str) -> bool {
        let mut used = self.used();
        used.retain(|_, at| at.elapsed() < TOKEN_LIFETIME);
        match used.entry(digest(token)) {
            std::collections::hash_map::Entry::Occupied(_) => false,
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(Instant::now());
                true
            }
        }
    }

    /// Gives `token` back: Medulla could not be asked about it.
    pub fn release(&self, token: &str) {
        self.used().remove(&digest(token));
    }
}

/// A login or token of sane length.
fn credential(v: Option<&str>) -> Option<&str> {
    v.filter(|s| medulla_imaging_status::api::is_credential(s))
}

/// The client's address: Apache's `X-Forwarded-For` (its last address, the
/// one Apache saw: a client's own is before it) when the request comes from
/// this machine, else the peer's.
fn client_address(peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
    let forwarded = || {
        let header = headers.get_all("x-forwarded-for").iter().next_back()?.to_str().ok()?;
        header.rsplit(',').next()?.trim().parse::<IpAddr>().ok()
    };
    let peer_ip = peer.ip().to_canonical();
    match peer_ip.is_loopback() {
        true => forwarded().map_or(peer_ip, |ip| ip.to_canonical()),
        false => peer_ip,
    }
}

/// What throttles an attempt: its login as the directory matches it (LDAP
/// logins ignore case and surrounding spaces), and its client's address
/// (an IPv6 client by its /64, what one host is usually given).
fn throttle_keys(login: &str, address: IpAddr) -> [String; 2] {
    let address = match address {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    };
    [format!("login:{}", login.trim().to_lowercase()), format!("address:{address}")]
}

fn throttled(wait: Duration) -> Response {
    let detail = "Too many refused sign-ins: try again later.";
    too_many(detail, wait.as_secs().max(1))
}

pub async fn sign_in(
    State(gateway): State<Arc<Gateway>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Json<wire::SignIn>, JsonRejection>,
) -> Response {
    // JSON only (axum's `Json` requires its type): a form of another site
    // cannot sign a browser in as someone else.
    let Ok(Json(request)) = body else {
        let detail = "Expected JSON: {\"login\", \"password\"} or {\"login\", \"token\"}.";
        return problem(StatusCode::BAD_REQUEST, "bad-request", "Bad request", detail);
    };
    let login = credential(Some(&request.login));
    let (password, token) = (credential(request.password.as_deref()), credential(request.token.as_deref()));
    let (login, password, token) = match (login, password, token) {
        (Some(login), Some(password), None) => (login, Some(password), None),
        (Some(login), None, Some(token)) => (login, None, Some(token)),
        _ => {
            let detail = "Expected {\"login\", \"password\"} or {\"login\", \"token\"}.";
            return problem(StatusCode::BAD_REQUEST, "bad-request", "Bad request", detail);
        }
    };
    if password.is_some() && gateway.settings.token_sign_in_only {
        let detail = "Sign in through the Medulla console: this gateway takes its sign-on tokens only.";
        return problem(StatusCode::FORBIDDEN, "password-sign-in-disabled", "Sign in through the console", detail);
    }
    let keys = throttle_keys(login, client_address(peer, &headers));
    let wait = gateway.throttle.wait(&keys);
    if !wait.is_zero() {
        return throttled(wait);
    }
    let refused = || {
        gateway.throttle.refused(&keys);
        let detail = "Medulla refused the login and password, or the token.";
        problem(StatusCode::UNAUTHORIZED, "invalid-credentials", "Sign-in refused", detail)
    };
    // Anyone may try: never queued without bound.
    let Ok(_permit) = gateway.sign_ins.try_acquire() else {
        return too_many("Other sign-ins are in progress: try again in a moment.", 1);
    };
    if token.is_some_and(|t| !gateway.used_tokens.claim(t)) {
        return refused();
    }
    let unclaim = || {
        if let Some(token) = token {
            gateway.used_tokens.release(token);
        }
    };
    // A new sign-in from this browser ends its old session.
    gateway.end_session(&headers);
    gateway.forget_ended_sessions();
    let secret = match (password, token) {
        (Some(password), _) => Secret::Password(password),
        (_, Some(token)) => Secret::Token(token),
        _ => return refused(),
    };
    let session = match gateway.agent_session(login, secret).await {
        Ok(session) => session,
        Err(NotOpened::Refused) => return refused(),
        // The agent refused the gateway's own Basic credentials.
        Err(NotOpened::Upstream { signed_in: false, error }) => {
            unclaim();
            return upstream(&error);
        }
        Err(NotOpened::Upstream { error, .. }) => return upstream(&error),
        Err(NotOpened::Forbidden) => {
            let detail = "Your Medulla account may not open the imaging module: ask an administrator for its right.";
            return problem(StatusCode::FORBIDDEN, "forbidden", "Not allowed", detail);
        }
    };
    gateway.throttle.accepted(&keys);
    let Ok(id) = new_session_id() else { return upstream(&ApiError::Network("no randomness".into())) };
    gateway.open_session(id.clone(), session);
    let mut response = json_answer(StatusCode::CREATED, wire::Session { login: login.to_string() });
    if let Some(value) = session_cookie(Some(&id)) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn the_client_is_apaches_last_forwarded_address_only_behind_loopback() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_static("198.51.100.7, 192.0.2.10"));
        let (local, remote): (SocketAddr, SocketAddr) =
            ("127.0.0.1:5000".parse().expect("addr"), "203.0.113.5:5000".parse().expect("addr"));
        assert_eq!(client_address(local, &headers), "192.0.2.10".parse::<IpAddr>().expect("ip"));
        assert_eq!(client_address(remote, &headers), remote.ip(), "not trusted from elsewhere");
        headers.insert("x-forwarded-for", HeaderValue::from_static("garbage"));
        assert_eq!(client_address(local, &headers), local.ip());
        assert_eq!(client_address(local, &HeaderMap::new()), local.ip());
        let mapped: SocketAddr = "[::ffff:127.0.0.1]:5000".parse().expect("addr");
        headers.insert("x-forwarded-for", HeaderValue::from_static("192.0.2.10"));
        assert_eq!(client_address(mapped, &headers), "192.0.2.10".parse::<IpAddr>().expect("ip"));
    }

    #[test]
    fn one_login_and_one_host_whatever_their_spelling() {
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        assert_eq!(throttle_keys(" Admin ", ip("192.0.2.1")), throttle_keys("admin", ip("192.0.2.1")));
        assert_eq!(throttle_keys("a", ip("2001:db8:1:2::5"))[1], throttle_keys("a", ip("2001:db8:1:2:ffff::9"))[1]);
        assert_ne!(throttle_keys("a", ip("2001:db8:1:2::5"))[1], throttle_keys("a", ip("2001:db8:1:3::5"))[1]);
    }

    #[test]
    fn a_token_is_taken_once_and_remembered_by_its_digest() {
        let used = UsedTokens::default();
        assert!(used.claim("3f9a0c1e5b7d42a8"));
        assert!(!used.claim("3f9a0c1e5b7d42a8"), "taken");
        assert!(used.claim("3f9a0c1e5b7d42a9"));
        used.release("3f9a0c1e5b7d42a9");
        assert!(used.claim("3f9a0c1e5b7d42a9"), "given back");
        assert!(used.used().keys().all(|k| k.len() == 32), "only digests are kept");
    }
}
