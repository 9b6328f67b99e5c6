//! What serves an entity (its topology): the entity whose imaging server
//! serves it and that server, as Medulla resolves it, learnt once and kept.

use super::answers::*;
use super::MmcAgent;
use crate::api::http::Http;
use crate::api::xmlrpc::Value;
use crate::api::ApiError;
use crate::sync::lock;
use futures::future::{join, join3, join_all};
use std::collections::HashMap;
use std::sync::MutexGuard;

/// The entity whose imaging server serves an entity, and that server;
/// `None`: no server serves it.
pub type Serving = Option<(String, ServerConfig)>;

/// How long a topology learnt or confirmed is used without asking Medulla
/// again, by the checks of the monitor and of a switch: re-linking a
/// server is a rare act of an administrator, seen by the next check after
/// this, at once by "Refresh now" and by the pre-flight of every imaging
/// action (they ask with a `max_age` of 0), and by the learner's round.
pub const TOPOLOGY_VALID_MS: u64 = 5 * 60 * 1000;

/// A topology learnt, and when (ms since 1970).
#[derive(Clone)]
pub(super) struct Known {
    pub(super) serving: Serving,
    pub(super) at_ms: u64,
}

/// `now` (what `getImagingServerConfig` of an entity says today) is the
/// server of `known`, the entity's topology learnt before, as it was then
/// (its name and address too: the relay is matched by the address).
pub fn still_serving(now: &Option<ServerConfig>, known: &Serving) -> bool {
    match (now, known) {
        (None, None) => true,
        (Some(now), Some((_, server))) => now == server,
        _ => false,
    }
}

/// What the tab reads of `imaging.getImagingServerConfig`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ServerConfig {
    pub name: Option<String>,
    pub url: Option<String>,
    /// `UUID<n>` of the server's record.
    pub imaging_uuid: Option<String>,
}

impl ServerConfig {
    /// The same imaging server: by its record's id, else by name and address.
    pub(super) fn same_server(&self, other: &ServerConfig) -> bool {
        match (&self.imaging_uuid, &other.imaging_uuid) {
            (Some(a), Some(b)) => a == b,
            _ => (&self.name, &self.url) == (&other.name, &other.url),
        }
    }
}

/// What Medulla says of an entity at first: its topology when that is all
/// (no server, or its own), or a server inherited from one of its
/// ancestors (nearest first), whose owner is still to be read.
pub(super) enum Look {
    Settled(Serving),
    Inherited(ServerConfig, Vec<String>),
}

/// What serves `entity`, from whether it has a server of its own (`own`)
/// and the server Medulla resolves for it: settled (`Ok`: its own, or
/// none), or a server it inherits (`Err`), whose owner is among its
/// ancestors.
pub(super) fn settled(
    entity: &str,
    own: Result<bool, ApiError>,
    resolved: Result<Option<ServerConfig>, ApiError>,
) -> Result<Result<Serving, ServerConfig>, ApiError> {
    Ok(match resolved? {
        None => Ok(None),
        Some(server) if own? => Ok(Some((entity.to_string(), server))),
        Some(server) => Err(server),
    })
}

impl<H: Http> MmcAgent<H> {
    pub(super) async fn parent_path(&self, entity: &str) -> Result<Vec<String>, ApiError> {
        parent_path_from(&self.call("medulla_server.getLocationParentPath", &[Value::str(entity)]).await?)
    }

    pub(super) async fn has_server(&self, entity: &str) -> Result<bool, ApiError> {
        let v = self.call("imaging.doesLocationHasImagingServer", &[Value::str(entity)]).await?;
        v.as_flag().ok_or_else(|| malformed("doesLocationHasImagingServer: not a boolean"))
    }

    /// The imaging server Medulla resolves for `entity` now.
    pub async fn server_config(&self, entity: &str) -> Result<Option<ServerConfig>, ApiError> {
        Ok(server_config_from(&self.call("imaging.getImagingServerConfig", &[Value::str(entity)]).await?))
    }

    pub(super) fn topology(&self) -> MutexGuard<'_, HashMap<String, Known>> {
        lock(&self.topology)
    }

    /// The topology of `entity` learnt before, if it was.
    pub(super) fn known(&self, entity: &str) -> Option<Serving> {
        self.topology().get(entity).map(|k| k.serving.clone())
    }

    /// The topology of `entity` learnt or confirmed within
    /// [`TOPOLOGY_VALID_MS`].
    pub(super) fn valid(&self, entity: &str) -> Option<Serving> {
        let now = self.http.now_ms();
        let known = self.topology().get(entity).cloned()?;
        (now.saturating_sub(known.at_ms) < TOPOLOGY_VALID_MS).then_some(known.serving)
    }

    /// The server `ancestor` resolves to; with `known`, from its topology
    /// if it is known.
    pub(super) async fn ancestor_config(&self, ancestor: &str, known: bool) -> Result<Option<ServerConfig>, ApiError> {
        match self.known(ancestor).filter(|_| known) {
            Some(serving) => Ok(serving.map(|(_, server)| server)),
            None => self.server_config(ancestor).await,
        }
    }

    /// Asks, while the entity list loads, what a first check of `entity`
    /// asks first: then its status is on screen one round after the list,
    /// its own server or an inherited one (whose owner is read in the
    /// check's round, [`MmcAgent::status_inherited`]). What cannot be asked
    /// now is left to the check.
    pub async fn look_ahead(&self, entity: &str) {
        if self.known(entity).is_some() {
            return;
        }
        match self.first_look(entity).await {
            Ok(Look::Settled(serving)) => _ = self.learnt(entity, serving),
            Ok(look) => _ = lock(&self.looked).insert(entity.to_string(), look),
            Err(_) => {}
        }
    }

    /// Learns the topology of `entities` (all of them when `again`, else
    /// those not known yet), one after the other and in their order (an
    /// entity's ancestors come before it in the user's list, so that its
    /// walk up reads theirs): a background task that leaves the browser's
    /// connections to the checks. An entity that cannot be learnt now is
    /// left to its first check; a lost session stops the walk.
    pub async fn learn_topology(&self, entities: &[String], again: bool) -> Result<(), ApiError> {
        for entity in entities {
            if again || self.known(entity).is_none() {
                if let Err(ApiError::SignedOut) = self.learn(entity).await {
                    return Err(ApiError::SignedOut);
                }
            }
        }
        Ok(())
    }

    /// What serves `entity`, learnt in the background: after the checks in
    /// flight, at most two calls at a time (the server Medulla resolves for
    /// it, and whether that is its own), then, only when it is inherited,
    /// its ancestors (whose topology, learnt before it, names the owner).
    pub(super) async fn learn(&self, entity: &str) -> Result<Serving, ApiError> {
        self.background_turn().await;
        let (own, resolved) = join(self.has_server(entity), self.server_config(entity)).await;
        let serving = match settled(entity, own, resolved)? {
            Ok(serving) => serving,
            Err(server) => {
                self.background_turn().await;
                Some((self.owner_among(&self.parent_path(entity).await?, &server, true).await?, server))
            }
        };
        Ok(self.learnt(entity, serving))
    }

    /// The entity whose imaging server serves `entity`, and that server, as
    /// Medulla resolves it when it images (`getImagingServerByEntityUUID`,
    /// services/pulse2/database/imaging/__init__.py): the entity's own, else
    /// the *farthest* ancestor's linked recursively. Medulla names the
    /// server (`getImagingServerConfig` of the entity); its owner is the
    /// farthest ancestor that Medulla resolves to the same server (an
    /// ancestor in between inherits it from that one). Asked of Medulla
    /// (the parent path at once, in case the server is inherited), then
    /// kept for the next checks.
    pub async fn serving_server(&self, entity: &str) -> Result<Serving, ApiError> {
        let serving = match self.first_look(entity).await? {
            Look::Settled(serving) => serving,
            Look::Inherited(server, path) => Some((self.owner_among(&path, &server, false).await?, server)),
        };
        Ok(self.learnt(entity, serving))
    }

    /// What Medulla says of `entity` in one round: the server it resolves
    /// for it, whether that server is the entity's own, and (in case it is
    /// inherited) the entity's ancestors.
    pub(super) async fn first_look(&self, entity: &str) -> Result<Look, ApiError> {
        let (own, resolved, path) =
            join3(self.has_server(entity), self.server_config(entity), self.parent_path(entity)).await;
        Ok(match settled(entity, own, resolved)? {
            Ok(serving) => Look::Settled(serving),
            Err(server) => Look::Inherited(server, path?),
        })
    }

    /// The ancestor among `path` (nearest first) that owns `server`: the
    /// farthest one Medulla resolves to that same server (one in between
    /// inherits it from there).
    pub(super) async fn owner_among(
        &self,
        path: &[String],
        server: &ServerConfig,
        known: bool,
    ) -> Result<String, ApiError> {
        let configs = join_all(path.iter().map(|a| self.ancestor_config(a, known))).await;
        for (ancestor, config) in path.iter().zip(configs).rev() {
            if config?.is_some_and(|c| c.same_server(server)) {
                return Ok(ancestor.clone());
            }
        }
        Err(malformed("getImagingServerConfig: the server serving the entity belongs to none of its ancestors"))
    }

    /// Keeps the topology learnt of `entity` (a look ahead at it is then
    /// superseded).
    pub(super) fn learnt(&self, entity: &str, serving: Serving) -> Serving {
        lock(&self.looked).remove(entity);
        let known = Known { serving: serving.clone(), at_ms: self.http.now_ms() };
        self.topology().insert(entity.to_string(), known);
        serving
    }
}
