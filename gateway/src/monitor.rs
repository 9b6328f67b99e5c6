//! Checks that go on while nobody looks. With a monitoring account
//! (`monitor_login` and `monitor_password` in gateway.ini: a Medulla
//! account of its own, which may view the imaging module), the gateway
//! checks every imaging server of that account's entities every
//! `monitor_seconds`, in its own agent session, at the background's
//! priority, and through the same shared runs as the users' checks: a
//! server a user's check saw within the interval is not asked again, and
//! the history has no gap when nobody looks.

use crate::server::Gateway;
use crate::sessions::{reread_every, NotOpened, Secret, UserSession};
use medulla_imaging_status::api::ApiError;
use medulla_imaging_status::sync::lock;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// The monitoring account and how often it checks.
#[derive(Clone)]
pub struct MonitorAccount {
    pub login: String,
    pub password: String,
    pub every: Duration,
}

impl std::fmt::Debug for MonitorAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the password, in a log or a panic message.
        f.debug_struct("MonitorAccount").field("login", &self.login).field("every", &self.every).finish()
    }
}

/// Why a round did not check, for the log (said once until it changes).
fn why(e: &NotOpened) -> String {
    match e {
        NotOpened::Refused => "Medulla refused its login and password".into(),
        NotOpened::Forbidden => "the account may not view the imaging module".into(),
        NotOpened::Upstream { error, .. } => format!("the agent failed: {error:?}"),
    }
}

/// Checks every server of the account's entities every interval, for as
/// long as the gateway runs.
pub(crate) async fn watch(gateway: Arc<Gateway>, account: MonitorAccount) {
    let mut ticks = tokio::time::interval(account.every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut session: Option<Arc<UserSession>> = None;
    let mut said = String::new();
    let mut say = |problem: String| {
        if problem != said {
            if problem.is_empty() {
                eprintln!("medulla-imaging-gateway: monitoring as {}: checking every server", account.login);
            } else {
                eprintln!("medulla-imaging-gateway: monitoring as {}: {problem}; trying again", account.login);
            }
            said = problem;
        }
    };
    loop {
        ticks.tick().await;
        let user = match session.take() {
            Some(user) => user,
            None => match gateway.agent_session(&account.login, Secret::Password(&account.password)).await {
                Ok(user) => Arc::new(user),
                Err(e) => {
                    gateway.monitoring.store(false, Ordering::Relaxed);
                    say(why(&e));
                    continue;
                }
            },
        };
        // Entities added since are checked too; and the agent session,
        // which its idle timeout would end, stays alive.
        if lock(&user.entities_read).elapsed() > reread_every(gateway.settings.session_timeout) {
            if let Err(e) = gateway.reread_entities(&user).await {
                gateway.monitoring.store(false, Ordering::Relaxed);
                say(format!("its entities were not read: {e:?}"));
                continue;
            }
        }
        // A check begun within the last interval is shared, but not the
        // one of the round before (begun a hair less than an interval ago).
        let max_age = account.every - account.every / 10;
        match gateway.overview(user.clone(), max_age).await {
            Ok(rows) if !rows.iter().any(|(_, row)| matches!(row, Err(ApiError::SignedOut))) => {
                gateway.monitoring.store(true, Ordering::Relaxed);
                say(String::new());
                session = Some(user);
            }
            // Signed out of the agent: a new session next round.
            Ok(_) | Err(ApiError::SignedOut) => say("its agent session ended".into()),
            Err(e) => {
                say(format!("a round failed: {e:?}"));
                session = Some(user);
            }
        }
    }
}
