//! The overview over the agent: every entity's status, each imaging server
//! checked once for all the entities it serves.

use super::{server_key, MmcAgent, ServerConfig};
use crate::api::http::Http;
use crate::api::{ApiError, OnRow, Progress};
use crate::domain::*;
use crate::sync::lock;
use futures::stream::{self, StreamExt};
use std::collections::HashMap;

/// How many imaging servers an overview checks at once (and how many
/// entities it learns at once): Medulla's agent is one process, and the
/// browser's connections to it are few.
pub const OVERVIEW_CONCURRENCY: usize = 4;

/// How many entities an overview learns before checking their servers.
pub(super) const OVERVIEW_SLICE: usize = 100;

impl<H: Http> MmcAgent<H> {
    /// Learns what serves each entity not known yet, then checks each
    /// imaging server once for all the entities it serves, at most
    /// [`OVERVIEW_CONCURRENCY`] requests of each kind at a time. A server
    /// whose relay is absent is said Offline at once, before the agent's
    /// own answer.
    pub(super) async fn overview_rows(&self, entities: &[Entity], on_row: &OnRow<'_>) -> Result<(), ApiError> {
        let at = self.http.now_ms();
        let history = &self.history;
        // `report` of the owner, said of every entity the server serves.
        let tell = |owner: &str, served: &[&str], report: &StatusReport, record: bool| {
            for entity in served {
                let mut row = StatusReport {
                    entity: entity.to_string(),
                    inherited_from: (owner != *entity).then(|| owner.to_string()),
                    ..report.clone()
                };
                match record {
                    true => lock(history).record(&mut row, at),
                    false => lock(history).annotate(&mut row, at),
                }
                on_row(entity, Ok(row));
            }
        };
        // Each server's word this round, by [`server_key`].
        let mut checked: HashMap<String, Result<StatusReport, ApiError>> = HashMap::new();
        // A slice of the entities at a time: the first rows come once a
        // slice is learnt, not once all of them are.
        for slice in entities.chunks(OVERVIEW_SLICE) {
            let unknown = slice.iter().filter(|e| self.known(&e.uuid).is_none());
            let mut learning = stream::iter(unknown)
                .map(|e| async move { (e, self.learn(&e.uuid).await) })
                .buffer_unordered(OVERVIEW_CONCURRENCY);
            while let Some((e, learnt)) = learning.next().await {
                match learnt {
                    Err(ApiError::SignedOut) => return Err(ApiError::SignedOut),
                    Err(error) => on_row(&e.uuid, Err(error)),
                    Ok(_) => {}
                }
            }
            drop(learning);
            // The slice's entities by imaging server (owner and server).
            let mut servers: Vec<((String, ServerConfig), Vec<&str>)> = Vec::new();
            let mut index: HashMap<String, usize> = HashMap::new();
            for e in slice {
                match self.known(&e.uuid) {
                    Some(Some((owner, server))) => {
                        let i = *index.entry(server_key(&owner, &server)).or_insert_with(|| {
                            servers.push(((owner, server), Vec::new()));
                            servers.len() - 1
                        });
                        servers[i].1.push(&e.uuid);
                    }
                    Some(None) => {
                        let mut report = StatusReport::not_linked(&e.uuid);
                        lock(history).record(&mut report, at);
                        on_row(&e.uuid, Ok(report));
                    }
                    None => {}
                }
            }
            // A server checked already this round is not checked again.
            servers.retain(|((owner, server), served)| match checked.get(&server_key(owner, server)) {
                Some(Ok(report)) => {
                    tell(owner, served, report, false);
                    false
                }
                Some(Err(error)) => {
                    served.iter().for_each(|e| on_row(e, Err(error.clone())));
                    false
                }
                None => true,
            });
            let mut checks = stream::iter(servers)
                .map(|((owner, server), served)| async move {
                    let report = StatusReport { server_name: server.name.clone(), ..StatusReport::not_linked(&owner) };
                    let early = |p: Progress| {
                        if let Progress::Provisional(report) = p {
                            tell(&owner, &served, &report, false);
                        }
                    };
                    let result = self.check_server(&report, &owner, &server, &early).await;
                    let result = result.map(|status| StatusReport { status, ..report });
                    match &result {
                        Ok(report) => tell(&owner, &served, report, true),
                        Err(ApiError::SignedOut) => {}
                        Err(error) => served.iter().for_each(|e| on_row(e, Err(error.clone()))),
                    }
                    (server_key(&owner, &server), result)
                })
                .buffer_unordered(OVERVIEW_CONCURRENCY);
            while let Some((key, result)) = checks.next().await {
                if result == Err(ApiError::SignedOut) {
                    return Err(ApiError::SignedOut);
                }
                checked.insert(key, result);
            }
        }
        Ok(())
    }
}
