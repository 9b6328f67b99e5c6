//! `GET /entities/{id}/imaging-activities`: a page of the server's recent activity.

use crate::bodies;
use crate::problem::{json_answer, problem, signed_out_upstream};
use crate::router::max_age;
use crate::routes::UserOf;
use crate::server::Gateway;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use medulla_imaging_status::domain::ServerStatus;
use std::sync::Arc;

#[derive(serde::Deserialize)]
pub(crate) struct Page {
    pub(crate) offset: Option<String>,
    pub(crate) limit: Option<String>,
}

pub(crate) async fn activities(
    State(gateway): State<Arc<Gateway>>,
    headers: HeaderMap,
    UserOf(user, id): UserOf,
    page: Result<Query<Page>, QueryRejection>,
) -> Response {
    let Some((offset, limit)) = page.ok().and_then(|Query(page)| page.read()) else {
        let detail = "offset is a whole number from 0 to 10000, limit from 1 to 100.";
        return problem(StatusCode::BAD_REQUEST, "bad-request", "Bad request", detail);
    };
    // From the same shared check as the status, asked with the same
    // `Cache-Control`: a client asking both at once gets one check.
    match gateway.status(user.clone(), &id, max_age(&headers, gateway.settings.check_interval)).await {
        Ok(checked) => {
            let lines = match &checked.report.status {
                ServerStatus::Available(f) => f.activity.clone(),
                _ => Vec::new(),
            };
            json_answer(StatusCode::OK, bodies::activities(&lines, offset, limit))
        }
        Err(e) => signed_out_upstream(&gateway, &headers, &e),
    }
}

impl Page {
    /// `(offset, limit)`: offset from 0 to 10,000, limit from 1 to 100 (10
    /// when absent); anything else is a bad request.
    pub(crate) fn read(&self) -> Option<(usize, usize)> {
        let offset = self.offset.as_deref().map_or(Some(0), |o| o.parse().ok()).filter(|o| *o <= 10_000)?;
        let limit = self.limit.as_deref().map_or(Some(10), |l| l.parse().ok()).filter(|l| (1..=100).contains(l))?;
        Some((offset, limit))
    }
}
