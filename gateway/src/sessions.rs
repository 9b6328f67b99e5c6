//! Users' sessions: the gateway's cookie, each user's agent session, its
//! entities and rights read again while it is used, the caps on sessions.

use crate::rights::Rights;
use crate::server::Gateway;
use crate::single_flight::SingleFlight;
use crate::AgentHttp;
use axum::http::{header, HeaderMap, HeaderValue};
use medulla_imaging_status::api::xmlrpc::Value as XmlValue;
use medulla_imaging_status::api::{ApiError, ImagingApi, MmcAgent};
use medulla_imaging_status::domain::Entity;
use medulla_imaging_status::sync::lock;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

pub const COOKIE: &str = "medulla_imaging_gateway";

pub(crate) struct UserSession {
    pub(crate) login: String,
    pub(crate) agent: MmcAgent<AgentHttp>,
    /// The same agent session, for work in the background (the overview):
    /// its calls never take more than half of the agent calls.
    pub(crate) background: MmcAgent<AgentHttp>,
    /// Shared with every session that sees the same list (see
    /// [`Gateway::shared_list`]).
    pub(crate) entities: Mutex<Arc<Vec<Entity>>>,
    /// When the entities were last read, which also kept the agent
    /// session alive.
    pub(crate) entities_read: Mutex<Instant>,
    pub(crate) signed_in: Instant,
    pub(crate) last_seen: Mutex<Instant>,
    /// The user's own re-reading of their entities in flight.
    pub(crate) rereading: SingleFlight<(), Result<(), ApiError>>,
    /// This session's requests in progress (at most
    /// [`REQUESTS_PER_SESSION`]: one user cannot take every agent call).
    pub(crate) in_flight: Arc<Semaphore>,
    /// What the user may do in the imaging module, read again with the
    /// entities.
    pub(crate) rights: Mutex<Rights>,
}

/// What signs a user in to the agent.
#[derive(Clone, Copy)]
pub(crate) enum Secret<'a> {
    Password(&'a str),
    /// A sign-on token the console made.
    Token(&'a str),
}

/// Why an agent session was not opened.
pub(crate) enum NotOpened {
    /// The agent refused the login and password, or the token.
    Refused,
    /// The account may not view the imaging module.
    Forbidden,
    /// The agent failed; `signed_in`: after it accepted the user.
    Upstream { signed_in: bool, error: ApiError },
}

/// Whether someone waits for a call now, or it is background work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Priority {
    Now,
    Background,
}

/// Requests of one session in progress at once; a tab makes a few.
pub(crate) const REQUESTS_PER_SESSION: usize = 8;

/// How often an active user's entities are read again: their rights stay
/// current, and their agent session, which the agent ends after
/// `sessiontimeout` without a call (agent/mmc/agent.py, the session's
/// `lastModified` against `sessiontimeout`), stays alive even when every
/// status they see comes from another user's check.
pub(crate) fn reread_every(session_timeout: Duration) -> Duration {
    (session_timeout / 3).min(Duration::from_secs(300))
}

/// The values of cookie `name` in the request (read by the `cookie` crate).
pub(crate) fn cookies<'a>(headers: &'a HeaderMap, name: &'a str) -> impl Iterator<Item = String> + 'a {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| cookie::Cookie::split_parse(v).filter_map(Result::ok))
        .filter(move |c| c.name() == name)
        .map(|c| c.value().to_string())
}

/// The value of cookie `name` in the request.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    cookies(headers, name).next().filter(|v| !v.is_empty())
}

/// The `Set-Cookie` of the gateway's session `id` (`None`: its removal).
pub(crate) fn session_cookie(id: Option<&str>) -> Option<HeaderValue> {
    let mut c = cookie::Cookie::build((COOKIE, id.unwrap_or_default().to_string()))
        .path("/")
        .http_only(true)
        .secure(true)
        .same_site(cookie::SameSite::Strict)
        .build();
    if id.is_none() {
        c.set_max_age(cookie::time::Duration::ZERO);
    }
    HeaderValue::from_str(&c.to_string()).ok()
}

/// 128 random bits, from the kernel.
pub(crate) fn new_session_id() -> Result<String, std::io::Error> {
    use std::io::Read;
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

impl UserSession {
    pub(crate) fn agent(&self, priority: Priority) -> &MmcAgent<AgentHttp> {
        match priority {
            Priority::Now => &self.agent,
            Priority::Background => &self.background,
        }
    }
}

impl Gateway {
    /// An agent session of `login`, signed in with `secret`, with its
    /// rights and entities read: a user's, or the monitoring account's.
    pub(crate) async fn agent_session(&self, login: &str, secret: Secret<'_>) -> Result<UserSession, NotOpened> {
        let http = AgentHttp::new(self.link.clone());
        let background = MmcAgent::with(http.in_background(), &self.agent_config);
        let agent = MmcAgent::with(http, &self.agent_config);
        let answer = match secret {
            Secret::Password(password) => agent.sign_in(login, password).await,
            Secret::Token(token) => agent.sign_in_with_token(login, token).await,
        };
        match answer {
            Ok(true) => {}
            Ok(false) => return Err(NotOpened::Refused),
            Err(error) => return Err(NotOpened::Upstream { signed_in: false, error }),
        }
        let upstream = |error| NotOpened::Upstream { signed_in: true, error };
        let acl = agent.call("base.getUserAcl", &[XmlValue::str(login)]).await.map_err(upstream)?;
        let rights = Rights::of(login, acl.as_str().unwrap_or_default());
        if !rights.may_view_imaging() {
            return Err(NotOpened::Forbidden);
        }
        let entities = agent.entities().await.map_err(upstream)?;
        Ok(UserSession {
            login: login.to_string(),
            agent,
            background,
            entities: Mutex::new(self.shared_list(entities)),
            entities_read: Mutex::new(Instant::now()),
            signed_in: Instant::now(),
            last_seen: Mutex::new(Instant::now()),
            rereading: SingleFlight::default(),
            rights: Mutex::new(rights),
            in_flight: Arc::new(Semaphore::new(REQUESTS_PER_SESSION)),
        })
    }

    /// Whether `session` has ended: idle longer than the agent's timeout,
    /// or older than `session_max_age`.
    pub(crate) fn over(&self, session: &UserSession) -> bool {
        lock(&session.last_seen).elapsed() > self.settings.session_timeout
            || session.signed_in.elapsed() > self.settings.session_max_age
    }

    /// The session of the request's cookie, if live; one that is over ends.
    /// An active user's entities are read again every few minutes (see
    /// [`reread_every`]), on the side.
    pub(crate) fn session(self: &Arc<Self>, headers: &HeaderMap) -> Option<Arc<UserSession>> {
        let id = cookie(headers, COOKIE)?;
        let session = {
            let mut sessions = lock(&self.sessions);
            let session = sessions.get(&id)?.clone();
            if self.over(&session) {
                sessions.remove(&id);
                return None;
            }
            session
        };
        *lock(&session.last_seen) = Instant::now();
        if lock(&session.entities_read).elapsed() > reread_every(self.settings.session_timeout) {
            let (gateway, user) = (self.clone(), session.clone());
            tokio::spawn(async move {
                let read = gateway.reread_entities(&user).await;
                // Signed out of the agent, or no longer allowed: it ends.
                if read == Err(ApiError::SignedOut) || !lock(&user.rights).may_view_imaging() {
                    lock(&gateway.sessions).remove(&id);
                }
            });
        }
        Some(session)
    }

    /// Reads the user's entities again in their own agent session (one
    /// reading at a time per user).
    pub(crate) async fn reread_entities(self: &Arc<Self>, user: &Arc<UserSession>) -> Result<(), ApiError> {
        let (gateway, asker) = (self.clone(), user.clone());
        user.rereading
            .run((), || async move {
                let list = asker.agent.entities().await?;
                let acl = asker.agent.call("base.getUserAcl", &[XmlValue::str(&asker.login)]).await?;
                *lock(&asker.rights) = Rights::of(&asker.login, acl.as_str().unwrap_or_default());
                *lock(&asker.entities) = gateway.shared_list(list);
                *lock(&asker.entities_read) = Instant::now();
                Ok(())
            })
            .await
    }

    /// `list`, or the same list another session already holds: a
    /// thousand sessions of a site of 5,000 entities keep it once, not a
    /// thousand times.
    pub(crate) fn shared_list(&self, list: Vec<Entity>) -> Arc<Vec<Entity>> {
        let mut lists = lock(&self.entity_lists);
        lists.retain(|l| l.strong_count() > 0);
        if let Some(same) = lists.iter().filter_map(std::sync::Weak::upgrade).find(|l| **l == list) {
            return same;
        }
        let list = Arc::new(list);
        lists.push(Arc::downgrade(&list));
        list
    }

    /// Whether the user's own agent session is live: a check shared with
    /// other users may have run in another one. Read within the last few
    /// seconds: live.
    pub(crate) async fn confirm_session(self: &Arc<Self>, user: &Arc<UserSession>) -> Result<(), ApiError> {
        if lock(&user.entities_read).elapsed() < Duration::from_secs(5) {
            return Ok(());
        }
        self.reread_entities(user).await
    }

    /// Ends every session that is over.
    pub(crate) fn forget_ended_sessions(&self) {
        lock(&self.sessions).retain(|_, s| !self.over(s));
    }

    /// Keeps `session` under `id`, ending the oldest sessions of its login
    /// and of all past their caps.
    pub(crate) fn open_session(&self, id: String, session: UserSession) {
        let mut sessions = lock(&self.sessions);
        let login = session.login.clone();
        sessions.insert(id, Arc::new(session));
        let oldest = |sessions: &HashMap<String, Arc<UserSession>>, of: Option<&str>| {
            let mut ids: Vec<(Instant, String)> = sessions
                .iter()
                .filter(|(_, s)| of.is_none_or(|login| s.login == login))
                .map(|(id, s)| (s.signed_in, id.clone()))
                .collect();
            ids.sort();
            ids.into_iter().map(|(_, id)| id).collect::<Vec<_>>()
        };
        let of_login = oldest(&sessions, Some(&login));
        for id in of_login.iter().take(of_login.len().saturating_sub(self.settings.max_sessions_per_login.max(1))) {
            sessions.remove(id);
        }
        let all = oldest(&sessions, None);
        for id in all.iter().take(all.len().saturating_sub(self.settings.max_sessions.max(1))) {
            sessions.remove(id);
        }
    }

    pub(crate) fn end_session(&self, headers: &HeaderMap) {
        if let Some(id) = cookie(headers, COOKIE) {
            lock(&self.sessions).remove(&id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_read_among_others() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; medulla_imaging_gateway=abc; b=2"));
        assert_eq!(cookie(&h, COOKIE).as_deref(), Some("abc"));
        h.insert(header::COOKIE, HeaderValue::from_static("medulla_imaging_gatewayx=abc"));
        assert_eq!(cookie(&h, COOKIE), None);
    }
}
