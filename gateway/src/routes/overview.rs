//! `GET /imaging-overview`: every entity of the user.

use crate::bodies;
use crate::problem::{json_answer, signed_out_upstream, upstream_problem};
use crate::router::max_age;
use crate::routes::{full_paths, path_of, User};
use crate::server::Gateway;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use medulla_imaging_status::api::rest::wire;
use std::sync::Arc;

/// `GET /imaging-overview`: every entity of the user, from the shared
/// checks of their imaging servers.
pub(crate) async fn overview(State(gateway): State<Arc<Gateway>>, headers: HeaderMap, User(user): User) -> Response {
    let max_age = max_age(&headers, gateway.settings.check_interval);
    match gateway.overview(user.clone(), max_age).await {
        Ok(rows) => {
            let paths = full_paths(&user);
            let (mut items, mut unreachable) = (Vec::new(), Vec::new());
            for (entity, row) in rows {
                match row {
                    Ok(checked) => items.push(bodies::status(&checked.report, checked.at, path_of(&paths))),
                    Err(e) => {
                        unreachable.push(wire::Unreachable { entity_id: entity, problem: upstream_problem(&e).1 })
                    }
                }
            }
            json_answer(StatusCode::OK, wire::Overview { items, unreachable })
        }
        Err(e) => signed_out_upstream(&gateway, &headers, &e),
    }
}
