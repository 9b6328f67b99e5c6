//! `POST /entities/{id}/boot-menu-synchronisations`: regenerating the boot menus.

use crate::bodies;
use crate::problem::{json_answer, problem, problem_answer, signed_out_upstream, PROBLEM_PREFIX};
use crate::routes::UserOf;
use crate::server::Gateway;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use medulla_imaging_status::api::rest::wire;
use medulla_imaging_status::api::{ApiError, SyncOutcome};
use medulla_imaging_status::domain::ServerStatus;
use medulla_imaging_status::sync::lock;
use std::sync::Arc;
use std::time::Duration;

pub(crate) async fn synchronise(
    State(gateway): State<Arc<Gateway>>,
    headers: HeaderMap,
    UserOf(user, id): UserOf,
) -> Response {
    if !lock(&user.rights).may_synchronise() {
        let detail = "Your Medulla account may not synchronise boot menus.";
        return problem(StatusCode::FORBIDDEN, "forbidden", "Not allowed", detail);
    }
    // Only on an available server, as of a check made now.
    let checked = match gateway.status(user.clone(), &id, Duration::ZERO).await {
        Ok(checked) => checked,
        Err(e) => return signed_out_upstream(&gateway, &headers, &e),
    };
    if !matches!(checked.report.status, ServerStatus::Available(_)) {
        let status = &checked.report.status;
        let body = wire::Problem {
            kind: format!("{PROBLEM_PREFIX}imaging-server-unavailable"),
            title: "The imaging server is not available".into(),
            status: 409,
            detail: bodies::reason(status).map(String::from),
            imaging_status: Some(bodies::status_of(status)),
        };
        return problem_answer(StatusCode::CONFLICT, &body);
    }
    let owner = checked.report.inherited_from.clone().unwrap_or_else(|| id.clone());
    let mut outcome = gateway.synchronise(&user, &id, &owner).await;
    // Joined, it ran in another user's session: this user's own says
    // whether they are signed out; if not, once more.
    if outcome == Err(ApiError::SignedOut) && gateway.confirm_session(&user).await.is_ok() {
        outcome = gateway.synchronise(&user, &id, &owner).await;
    }
    match outcome {
        Ok(SyncOutcome::Done) => {
            json_answer(StatusCode::CREATED, wire::Synchronisation { succeeded: true, steps: Vec::new() })
        }
        Ok(SyncOutcome::Failed(reasons)) => {
            let steps = reasons.into_iter().map(|detail| wire::Step { succeeded: false, detail }).collect();
            json_answer(StatusCode::CREATED, wire::Synchronisation { succeeded: false, steps })
        }
        Err(e) => signed_out_upstream(&gateway, &headers, &e),
    }
}
