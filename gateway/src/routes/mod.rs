//! The handlers of the contract's resources, one file each, and what they
//! share: the user's session and the entity of the path.

mod activities;
mod entities;
mod history;
mod history_summary;
mod overview;
mod sessions;
mod status;
mod synchronise;

pub(crate) use activities::*;
pub(crate) use entities::*;
pub(crate) use history::*;
pub(crate) use history_summary::*;
pub(crate) use overview::*;
pub(crate) use sessions::*;
pub(crate) use status::*;
pub(crate) use synchronise::*;

use crate::problem::Refused;
use crate::server::Gateway;
use crate::sessions::{cookies, UserSession, COOKIE};
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use medulla_imaging_status::sync::lock;
use std::collections::HashMap;
use std::sync::Arc;

/// The user of the request's session; refused (and answered why) without
/// one, or with two session cookies.
pub(crate) struct User(pub(crate) Arc<UserSession>);

impl FromRequestParts<Arc<Gateway>> for User {
    type Rejection = Refused;

    async fn from_request_parts(parts: &mut Parts, gateway: &Arc<Gateway>) -> Result<Self, Refused> {
        if cookies(&parts.headers, COOKIE).count() > 1 {
            return Err(Refused::TwoSessions);
        }
        gateway.session(&parts.headers).map(User).ok_or(Refused::SignedOut)
    }
}

/// The user and the entity of the path (`{id}`), when it is one of theirs:
/// any other id, or one that does not decode, is refused as not found (a
/// 404 problem, not axum's plain-text 400).
pub(crate) struct UserOf(pub(crate) Arc<UserSession>, pub(crate) String);

impl FromRequestParts<Arc<Gateway>> for UserOf {
    type Rejection = Refused;

    async fn from_request_parts(parts: &mut Parts, gateway: &Arc<Gateway>) -> Result<Self, Refused> {
        let id = Path::<String>::from_request_parts(parts, gateway).await.map(|Path(id)| id).unwrap_or_default();
        let User(user) = User::from_request_parts(parts, gateway).await?;
        let theirs = lock(&user.entities).iter().any(|e| e.uuid == id);
        match theirs {
            true => Ok(UserOf(user, id)),
            false => Err(Refused::NotFound(id)),
        }
    }
}

/// The full path of each of the user's entities, by id.
pub(crate) fn full_paths(user: &UserSession) -> HashMap<String, String> {
    lock(&user.entities).iter().map(|e| (e.uuid.clone(), e.completename.clone())).collect()
}

/// The full path of an entity in `paths`; its id when it is not there.
pub(crate) fn path_of(paths: &HashMap<String, String>) -> impl Fn(&str) -> String + Copy + '_ {
    move |uuid| paths.get(uuid).cloned().unwrap_or_else(|| uuid.to_string())
}
