//! The handlers of the contract's resources, one file each, and what they
//! share: the user's session and the entity of the path.

mod activities;
mod entities;
mod overview;
mod sessions;
mod status;
mod synchronise;

pub(crate) use activities::*;
pub(crate) use entities::*;
pub(crate) use overview::*;
pub(crate) use sessions::*;
pub(crate) use status::*;
pub(crate) use synchronise::*;

use crate::problem::Refused;
use crate::server::Gateway;
use crate::sessions::{cookies, UserSession, COOKIE};
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use medulla_imaging_status::sync::lock;
use std::collections::HashMap;
use std::sync::Arc;

/// The user's session.
pub(crate) fn user(gateway: &Arc<Gateway>, headers: &HeaderMap) -> Result<Arc<UserSession>, Refused> {
    if cookies(headers, COOKIE).count() > 1 {
        return Err(Refused::TwoSessions);
    }
    gateway.session(headers).ok_or(Refused::SignedOut)
}

/// The user and the entity, when it is one of theirs.
pub(crate) fn user_and_entity(
    gateway: &Arc<Gateway>,
    headers: &HeaderMap,
    id: &str,
) -> Result<Arc<UserSession>, Refused> {
    let user = user(gateway, headers)?;
    if lock(&user.entities).iter().any(|e| e.uuid == id) {
        Ok(user)
    } else {
        Err(Refused::NotFound(id.to_string()))
    }
}

/// The `{id}` of the path; one that does not decode is no entity's (a
/// 404 problem like any other unknown id, not axum's plain-text 400).
pub(crate) struct EntityId(String);

/// The full path of each of the user's entities, by id.
pub(crate) fn full_paths(user: &UserSession) -> HashMap<String, String> {
    lock(&user.entities).iter().map(|e| (e.uuid.clone(), e.completename.clone())).collect()
}

/// The full path of an entity in `paths`; its id when it is not there.
pub(crate) fn path_of(paths: &HashMap<String, String>) -> impl Fn(&str) -> String + Copy + '_ {
    move |uuid| paths.get(uuid).cloned().unwrap_or_else(|| uuid.to_string())
}

impl<S: Send + Sync> FromRequestParts<S> for EntityId {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let id = Path::<String>::from_request_parts(parts, state).await.map(|Path(id)| id);
        Ok(EntityId(id.unwrap_or_default()))
    }
}
