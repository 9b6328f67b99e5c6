//! The overview's loop: every entity's status, round after round.

use super::*;
use crate::domain::HistorySummary;

/// The overview: whether it is shown, and every entity's status known.
#[derive(Clone, Copy)]
pub struct OverviewState {
    /// The overview is shown (`?view=overview`) rather than one entity.
    pub shown: RwSignal<bool>,
    /// The statuses known, by entity.
    pub statuses: RwSignal<HashMap<String, Known>>,
    /// Each server's week (by the entity that owns it): its availability
    /// and its store's trend.
    pub summaries: RwSignal<HashMap<String, HistorySummary>>,
}

impl OverviewState {
    pub(super) fn new() -> Self {
        Self {
            shown: RwSignal::new(browser::query_param("view").as_deref() == Some("overview")),
            statuses: RwSignal::new(HashMap::new()),
            summaries: RwSignal::new(HashMap::new()),
        }
    }
}

impl Ctx {
    /// Each server's week, after a round: through the gateway, from its
    /// history (which reads each at most every 5 minutes); straight to the
    /// agent, from what this session saw. Not known: the columns say "—".
    async fn read_summaries(self) {
        let api = self.api();
        let summaries: HashMap<String, HistorySummary> = match &*api {
            Client::Rest(rest) => match rest.history_summary().await {
                Ok(items) => items.into_iter().collect(),
                Err(_) => return,
            },
            Client::MmcAgent(_) => {
                let now = browser::now_ms() as u64;
                self.history.log.with_value(|log| {
                    log.servers().map(|key| (key.to_string(), log.view(key, 7, now).summary(7))).collect()
                })
            }
        };
        self.overview.summaries.set(summaries);
    }

    /// Shows the overview, or the selected entity.
    pub fn show_overview(self, overview: bool) {
        browser::set_query_param("view", if overview { "overview" } else { "entity" });
        self.overview.shown.set(overview);
        self.restart_monitor();
    }

    /// Checks every entity, one check per imaging server, now and then
    /// every `poll_seconds` while the page shows; the rows go on screen a
    /// few times a second as they come. `round`: a round is in progress;
    /// `failure`: why the last one failed as a whole.
    pub async fn overview_loop(self, round: RwSignal<bool>, failure: RwSignal<Option<String>>) {
        let mut failures = 0;
        let mut max_age = 0;
        loop {
            let list = self.selection.entities.get_untracked().unwrap_or_default();
            round.set(true);
            let heard: Mutex<Vec<Row>> = Mutex::default();
            let on_row =
                |entity: &str, row| heard.lock().unwrap_or_else(|p| p.into_inner()).push((entity.to_string(), row));
            let flush = || {
                let rows = std::mem::take(&mut *heard.lock().unwrap_or_else(|p| p.into_inner()));
                if rows.is_empty() {
                    return;
                }
                let now = browser::now_ms();
                self.overview.statuses.update(|m| {
                    for (entity, row) in rows {
                        let known = match row {
                            Ok(report) => {
                                self.record_seen(&report, now - report.age_ms as f64);
                                Known { checked_at: now - report.age_ms as f64, health: Health::Known(report) }
                            }
                            Err(e) => {
                                Known { health: Health::Unreachable(e.trouble(), e.to_string()), checked_at: now }
                            }
                        };
                        m.insert(entity, known);
                    }
                });
            };
            let api = self.api();
            let checks = std::pin::pin!(api.overview(&list, max_age, &on_row));
            let ticker = std::pin::pin!(async {
                loop {
                    TimeoutFuture::new(300).await;
                    flush();
                }
            });
            let result = match select(checks, ticker).await {
                Either::Left((result, _)) => result,
                Either::Right((_, checks)) => checks.await,
            };
            flush();
            round.set(false);
            self.read_summaries().await;
            match result {
                Err(ApiError::SignedOut) => return self.signed_out(),
                Err(e) => {
                    failures += 1;
                    failure.set(Some(e.to_string()));
                }
                Ok(()) => {
                    failures = 0;
                    failure.set(None);
                }
            }
            // The next rounds accept a gateway's check as old as the interval.
            max_age = self.config.with_value(|c| c.poll_seconds);
            self.wait_before_next_check(failures).await;
        }
    }
}
