//! The shared checks: what serves an entity and its imaging server's status,
//! each checked once per interval for every user, with what the history
//! says of it.

use crate::bodies;
use crate::metrics::ServerCheck;
use crate::server::Gateway;
use crate::sessions::{Priority, UserSession};
use futures::future::{select, Either};
use futures::stream::{self, StreamExt};
use medulla_imaging_status::api::mmc_agent::{server_key, still_serving, ServerConfig, Serving, TOPOLOGY_VALID_MS};
use medulla_imaging_status::api::rest::wire;
use medulla_imaging_status::api::{ApiError, ImagingApi, Progress, SyncOutcome};
use medulla_imaging_status::domain::{ServerStatus, StatusKind, StatusReport};
use medulla_imaging_status::sync::lock;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// A status, and when its check began.
pub(crate) struct Checked {
    pub(crate) report: StatusReport,
    pub(crate) at: SystemTime,
}

/// The imaging server Medulla resolves for an entity, as of `at`.
pub(crate) struct Resolved {
    pub(crate) server: Option<ServerConfig>,
    pub(crate) at: SystemTime,
}

/// How long the topology of an entity is kept: every status confirms it
/// (see [`Gateway::shared_status`]), and it is learnt again when that
/// contradicts it.
pub(crate) const TOPOLOGY_MAX_AGE: Duration = Duration::from_secs(600);

/// The entity whose imaging server serves an entity, and that server
/// (`None`: no server), as learnt at `at`.
pub(crate) struct Topology {
    pub(crate) serving: Serving,
    pub(crate) at: SystemTime,
}

/// `at` in ms since 1970, the history's clock.
pub(crate) fn ms(at: SystemTime) -> u64 {
    at.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

pub(crate) fn error_kind(e: &ApiError) -> &'static str {
    match e {
        ApiError::SignedOut => "signed_out",
        ApiError::Fault { .. } => "fault",
        ApiError::Exception(_) => "exception",
        ApiError::Timeout => "timeout",
        ApiError::Network(_) => "network",
        ApiError::Http(_) => "http",
        ApiError::Malformed(_) => "malformed",
        ApiError::TooLarge => "too_large",
        ApiError::Problem { .. } => "problem",
    }
}

impl Gateway {
    /// The status of `entity`, as `user` may see it. What serves the entity
    /// (its topology) and the status of that imaging server are each shared
    /// while younger than `max_age`: checked once for every user and every
    /// entity that server serves. A check runs on its own: its first word
    /// is the answer (an Offline known from the relay, while the agent still
    /// waits up to 30 s for a dead host, as the tab does with the agent
    /// itself), and its last word is kept for the next requests.
    pub(crate) async fn status(
        self: &Arc<Self>,
        user: Arc<UserSession>,
        entity: &str,
        max_age: Duration,
    ) -> Result<Arc<Checked>, ApiError> {
        let checked = match self.shared_status(user.clone(), entity, max_age).await {
            // The session that ran a shared check may be another user's:
            // this user's own says whether they are signed out; if not, the
            // check is asked again, shared as before (a new run, begun in
            // the session of whoever asks first).
            Err(ApiError::SignedOut) => {
                self.confirm_session(&user).await?;
                self.shared_status(user.clone(), entity, max_age).await?
            }
            other => other?,
        };
        self.metrics.reported(entity, bodies::status_of(&checked.report.status).as_str());
        Ok(self.annotated(&checked))
    }

    /// `checked` with what the history says of its server (since when,
    /// last figures).
    pub(crate) fn annotated(&self, checked: &Checked) -> Arc<Checked> {
        let mut report = checked.report.clone();
        lock(&self.history).annotate(&mut report, ms(checked.at));
        Arc::new(Checked { report, at: checked.at })
    }

    /// The status of every entity of `user`: the topology of each (kept
    /// [`TOPOLOGY_MAX_AGE`]) and the shared check of each imaging server,
    /// so one check per server whatever the number of entities it serves.
    /// No per-entity confirmation of the topology here (a status asked of
    /// one entity confirms it): thousands of entities would be thousands
    /// of agent calls.
    pub(crate) async fn overview(
        self: &Arc<Self>,
        user: Arc<UserSession>,
        max_age: Duration,
    ) -> Result<Vec<(String, Result<Arc<Checked>, ApiError>)>, ApiError> {
        let entities: Vec<String> = lock(&user.entities).iter().map(|e| e.uuid.clone()).collect();
        let started = SystemTime::now();
        // What is known by shortly before the request's deadline is
        // answered; the rest is said not known yet (a timeout), and the
        // next round goes on from what this one learnt.
        let answer_by = tokio::time::Instant::now() + self.settings.deadline().saturating_sub(Duration::from_secs(3));
        let mut rows = Vec::with_capacity(entities.len());
        let mut checks = stream::iter(entities.clone())
            .map(|entity| {
                let user = user.clone();
                async move {
                    let checked = async {
                        let topology = self.topology(&user, &entity, TOPOLOGY_MAX_AGE, Priority::Background).await?;
                        // A check begun during this overview is as new as
                        // the client asked: one check per server per round,
                        // however long the round.
                        let max_age = max_age.max(started.elapsed().unwrap_or_default());
                        let checked =
                            self.check_of(user.clone(), &entity, &topology, max_age, Priority::Background).await?;
                        Ok(self.annotated(&checked))
                    };
                    (entity.clone(), checked.await)
                }
            })
            // As many at a time as background work has agent calls: its
            // calls never wait long for their turn.
            .buffer_unordered(self.settings.max_agent_calls.div_ceil(2).max(1));
        let _ = tokio::time::timeout_at(answer_by, async {
            while let Some(row) = checks.next().await {
                rows.push(row);
            }
        })
        .await;
        if rows.len() < entities.len() {
            let done: std::collections::HashSet<&String> = rows.iter().map(|(entity, _)| entity).collect();
            let late: Vec<String> = entities.iter().filter(|e| !done.contains(e)).cloned().collect();
            rows.extend(late.into_iter().map(|entity| (entity, Err(ApiError::Timeout))));
        }
        if rows.iter().any(|(_, row)| matches!(row, Err(ApiError::SignedOut))) {
            // A shared check may have run in another user's session: this
            // user's own says whether they are signed out.
            self.confirm_session(&user).await?;
        }
        Ok(rows)
    }

    /// Synchronises the boot menus of `entity`, served by `owner`'s imaging
    /// server. One synchronisation of an entity at a time: a second request
    /// joins the one in progress (the boot menus are generated once); and
    /// one per imaging server, its other entities waiting their turn.
    pub(crate) async fn synchronise(
        self: &Arc<Self>,
        user: &Arc<UserSession>,
        entity: &str,
        owner: &str,
    ) -> Result<SyncOutcome, ApiError> {
        let server = lock(&self.synchronising_servers).entry(owner.to_string()).or_default().clone();
        let (asker, entity) = (user.clone(), entity.to_string());
        self.synchronising
            .run(entity.clone(), || async move {
                let _one_per_server = server.lock_owned().await;
                asker.agent.synchronise(&entity).await
            })
            .await
    }

    /// Records in the history the final status of a check begun at `at`,
    /// and, when it is an imaging server's, in that server's series.
    pub(crate) fn observe(&self, report: &StatusReport, at: SystemTime) {
        lock(&self.history).observe(report, ms(at));
        if report.status == ServerStatus::NotLinked {
            return;
        }
        let store = match &report.status {
            ServerStatus::Available(figures) => figures.image_store.as_ref(),
            _ => None,
        };
        let owner_name = self.entity_name(&report.entity);
        if let Some(store) = &self.store {
            store.record(crate::store::Check {
                server: report.entity.clone(),
                name: owner_name.clone().unwrap_or_else(|| report.entity.clone()),
                kind: StatusKind::of(&report.status),
                relay: bodies::relay(&report.status).map(wire::Relay::as_str),
                at_ms: ms(at),
                statistics: match &report.status {
                    ServerStatus::Available(figures) => Some(bodies::statistics(figures)),
                    _ => None,
                },
            });
        }
        self.metrics.server_checked(&ServerCheck {
            owner_id: &report.entity,
            owner_name: owner_name.as_deref().unwrap_or(&report.entity),
            status: bodies::status_of(&report.status).as_str(),
            store_free_bytes: store.map(|s| s.free_mib.saturating_mul(1024 * 1024)),
            checked_at_seconds: at.duration_since(SystemTime::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64()),
        });
    }

    /// The full path of entity `id`, from the lists the sessions hold.
    fn entity_name(&self, id: &str) -> Option<String> {
        let lists = lock(&self.entity_lists);
        lists
            .iter()
            .filter_map(std::sync::Weak::upgrade)
            .find_map(|list| list.iter().find(|e| e.uuid == id).map(|e| e.completename.clone()))
    }

    /// `entity` served by no imaging server, as learnt at `at`.
    pub(crate) fn not_linked(&self, entity: &str, at: SystemTime) -> Arc<Checked> {
        let report = StatusReport::not_linked(entity);
        self.observe(&report, at);
        Arc::new(Checked { report, at })
    }

    /// The status of `entity`: its topology is kept long
    /// ([`TOPOLOGY_MAX_AGE`]), the server it resolves to now is asked at
    /// the same time as that server's status (unless asked within
    /// [`TOPOLOGY_VALID_MS`]), shared like it; when the
    /// two differ, the topology is learnt again and the right server
    /// checked.
    pub(crate) async fn shared_status(
        self: &Arc<Self>,
        user: Arc<UserSession>,
        entity: &str,
        max_age: Duration,
    ) -> Result<Arc<Checked>, ApiError> {
        let topology = self.topology(&user, entity, TOPOLOGY_MAX_AGE, Priority::Now).await?;
        let (asker, id) = (user.clone(), entity.to_string());
        // Confirmed at most every `TOPOLOGY_VALID_MS`, at once for a check
        // asked with no cache (as the tab does on its own).
        let confirmed_within = match max_age.is_zero() {
            true => Duration::ZERO,
            false => max_age.max(Duration::from_millis(TOPOLOGY_VALID_MS)),
        };
        let resolved = Box::pin(self.resolved.get(entity, confirmed_within, move |_| async move {
            let at = SystemTime::now();
            Ok(Arc::new(Resolved { server: asker.agent.server_config(&id).await?, at }))
        }));
        // What was resolved before the topology was learnt says nothing new.
        let holds =
            |resolved: &Arc<Resolved>| resolved.at < topology.at || still_serving(&resolved.server, &topology.serving);
        if topology.serving.is_none() {
            let resolved = resolved.await?;
            if holds(&resolved) {
                return Ok(self.not_linked(entity, resolved.at));
            }
        } else {
            let held = match select(
                resolved,
                Box::pin(self.check_of(user.clone(), entity, &topology, max_age, Priority::Now)),
            )
            .await
            {
                // Contradicted: the check of the old topology is dropped.
                Either::Left((resolved, check)) => match holds(&resolved?) {
                    true => Some(check.await),
                    false => None,
                },
                Either::Right((checked, resolved)) => holds(&resolved.await?).then_some(checked),
            };
            if let Some(checked) = held {
                return checked;
            }
        }
        let topology = self.topology(&user, entity, Duration::ZERO, Priority::Now).await?;
        self.check_of(user, entity, &topology, max_age, Priority::Now).await
    }

    /// What serves `entity`, learnt within `max_age`.
    pub(crate) async fn topology(
        self: &Arc<Self>,
        user: &Arc<UserSession>,
        entity: &str,
        max_age: Duration,
        priority: Priority,
    ) -> Result<Arc<Topology>, ApiError> {
        let (asker, id) = (user.clone(), entity.to_string());
        self.topology
            .get(entity, max_age, move |_| async move {
                let at = SystemTime::now();
                Ok(Arc::new(Topology { serving: asker.agent(priority).serving_server(&id).await?, at }))
            })
            .await
    }

    /// The status of `entity` served as `topology` says, from the shared
    /// check of its server's owner.
    pub(crate) async fn check_of(
        self: &Arc<Self>,
        user: Arc<UserSession>,
        entity: &str,
        topology: &Topology,
        max_age: Duration,
        priority: Priority,
    ) -> Result<Arc<Checked>, ApiError> {
        let Some((owner, server)) = topology.serving.clone() else {
            return Ok(self.not_linked(entity, topology.at));
        };
        let mut report = StatusReport::not_linked(entity);
        let (gateway, of_owner) = (self.clone(), owner.clone());
        // By the owner and the server as the topology knows it: a check of
        // the server at an address that has changed is never joined.
        let key = server_key(&owner, &server);
        let check = self
            .checks
            .get(&key, max_age, move |words| async move {
                let at = SystemTime::now();
                let mut report =
                    StatusReport { server_name: server.name.clone(), ..StatusReport::not_linked(&of_owner) };
                // Once all it waits for is the imaging server, the check
                // steps aside: a new one may start, and shares that wait.
                let progress = |p: Progress| match p {
                    Progress::Provisional(report) => words.provisional(Arc::new(Checked { report, at })),
                    Progress::ImagingServerSlow => words.waiting_on_server(),
                };
                let started = Instant::now();
                let result = user.agent(priority).check_server(&report, &of_owner, &server, &progress).await;
                gateway.count_check(&result, started.elapsed());
                report.status = result?;
                gateway.observe(&report, at);
                Ok(Arc::new(Checked { report, at }))
            })
            .await?;
        report.inherited_from = (owner != entity).then_some(owner);
        report.server_name = check.report.server_name.clone();
        report.status = check.report.status.clone();
        Ok(Arc::new(Checked { report, at: check.at }))
    }

    pub(crate) fn count_check<T>(&self, result: &Result<T, ApiError>, took: Duration) {
        let outcome = match result {
            Ok(_) => "ok",
            Err(e) => error_kind(e),
        };
        self.metrics.checked(outcome, took);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_utc() {
        use crate::bodies::rfc3339;
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_597_507);
        assert_eq!(rfc3339(at), "2026-11-25T09:05:07Z");
        assert_eq!(rfc3339(SystemTime::UNIX_EPOCH + Duration::from_secs(951_782_400)), "2000-02-29T00:00:00Z");
    }
}
