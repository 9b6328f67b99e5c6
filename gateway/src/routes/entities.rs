//! `GET /entities`: the user's entities.

use crate::bodies;
use crate::problem::{json_answer, signed_out_upstream};
use crate::routes::User;
use crate::server::Gateway;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use medulla_imaging_status::api::ImagingApi;
use medulla_imaging_status::sync::lock;
use std::sync::Arc;

pub(crate) async fn entities(State(gateway): State<Arc<Gateway>>, headers: HeaderMap, User(user): User) -> Response {
    match user.agent.entities().await {
        Ok(list) => {
            let body = bodies::entities(&list);
            *lock(&user.entities) = gateway.shared_list(list);
            json_answer(StatusCode::OK, body)
        }
        Err(e) => signed_out_upstream(&gateway, &headers, &e),
    }
}
