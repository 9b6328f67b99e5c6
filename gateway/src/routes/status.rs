//! `GET /entities/{id}/imaging-server-status`: one entity's status.

use crate::bodies;
use crate::problem::{json_answer, signed_out_upstream};
use crate::router::max_age;
use crate::routes::{full_paths, path_of, UserOf};
use crate::server::Gateway;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use std::sync::Arc;

pub(crate) async fn status(
    State(gateway): State<Arc<Gateway>>,
    headers: HeaderMap,
    UserOf(user, id): UserOf,
) -> Response {
    let max_age = max_age(&headers, gateway.settings.check_interval);
    match gateway.status(user.clone(), &id, max_age).await {
        Ok(checked) => {
            let paths = full_paths(&user);
            json_answer(StatusCode::OK, bodies::status(&checked.report, checked.at, path_of(&paths)))
        }
        Err(e) => signed_out_upstream(&gateway, &headers, &e),
    }
}
