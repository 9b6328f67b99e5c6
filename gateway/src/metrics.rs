//! `/metrics`, in the OpenMetrics text Prometheus scrapes, written by
//! prometheus-client (which escapes label values): per imaging server (by
//! the id and full path of the entity that owns it) whether it is up, its
//! status, its image store's free space and when it was last checked; the
//! last status of each entity asked about; the agent checks by outcome and
//! their time, the requests answered, and the agent calls in progress.

use crate::store::StoreMetricsSink;
use medulla_imaging_status::sync::lock;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::Mutex;
use std::time::Duration;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    entity: String,
    status: &'static str,
}

/// An imaging server, by the entity that owns it.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ServerLabels {
    owner_id: String,
    owner_name: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ServerStatusLabels {
    owner_id: String,
    owner_name: String,
    status: &'static str,
}

/// What a check of an imaging server said, for its series.
pub struct ServerCheck<'a> {
    pub owner_id: &'a str,
    pub owner_name: &'a str,
    /// Its status, as the contract names it (`available`, `offline`...).
    pub status: &'static str,
    /// Its image store's free space, when it answered with it.
    pub store_free_bytes: Option<u64>,
    /// When the check began, in seconds since 1970.
    pub checked_at_seconds: f64,
}

/// A gauge family in which each key has one status at a time (1 on its
/// label): a new status takes the key's old label off.
struct OneStatus<K, L> {
    family: Family<L, Gauge>,
    said: Mutex<HashMap<K, &'static str>>,
    label: fn(&K, &'static str) -> L,
}

impl<K, L> OneStatus<K, L>
where
    K: Clone + Eq + std::hash::Hash,
    L: Clone + std::fmt::Debug + std::hash::Hash + Eq + EncodeLabelSet + Send + Sync + 'static,
{
    fn registered(registry: &mut Registry, name: &str, help: &str, label: fn(&K, &'static str) -> L) -> Self {
        let family = Family::<L, Gauge>::default();
        registry.register(name, help, family.clone());
        Self { family, said: Mutex::default(), label }
    }

    fn set(&self, key: &K, status: &'static str) {
        let previous = lock(&self.said).insert(key.clone(), status);
        if let Some(previous) = previous.filter(|p| *p != status) {
            self.family.remove(&(self.label)(key, previous));
        }
        self.family.get_or_create(&(self.label)(key, status)).set(1);
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: &'static str,
}

pub struct Metrics {
    registry: Registry,
    server_up: Family<ServerLabels, Gauge>,
    server_status: OneStatus<ServerLabels, ServerStatusLabels>,
    store_free_bytes: Family<ServerLabels, Gauge>,
    last_check: Family<ServerLabels, Gauge<f64, AtomicU64>>,
    statuses: OneStatus<String, StatusLabels>,
    checks: Family<OutcomeLabels, Counter>,
    check_seconds: Histogram,
    requests: Counter,
    calls_in_flight: Family<KindLabels, Gauge>,
    pub history: HistoryMetrics,
}

/// The history's writes by outcome (`written`, `failed`, `dropped`) and
/// each image store's forecast: what the store's writer thread says.
#[derive(Clone)]
pub struct HistoryMetrics {
    writes: Family<OutcomeLabels, Counter>,
    full_in: Family<ServerLabels, Gauge<f64, AtomicU64>>,
}

impl StoreMetricsSink for HistoryMetrics {
    fn written(&self, checks: u64) {
        self.writes.get_or_create(&OutcomeLabels { outcome: "written" }).inc_by(checks);
    }

    fn failed(&self, checks: u64) {
        self.writes.get_or_create(&OutcomeLabels { outcome: "failed" }).inc_by(checks);
    }

    fn dropped(&self) {
        self.writes.get_or_create(&OutcomeLabels { outcome: "dropped" }).inc();
    }

    fn full_in(&self, server: &str, name: &str, ms: Option<u64>) {
        let labels = ServerLabels { owner_id: server.to_string(), owner_name: name.to_string() };
        match ms {
            Some(ms) => {
                self.full_in.get_or_create(&labels).set(ms as f64 / 1000.0);
            }
            // No falling trend: no forecast, rather than a made-up one.
            None => {
                self.full_in.remove(&labels);
            }
        }
    }
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("medulla_imaging");
        let server_up = Family::<ServerLabels, Gauge>::default();
        registry.register("server_up", "Whether the imaging server was Available at its last check", server_up.clone());
        let server_status = OneStatus::registered(
            &mut registry,
            "server_status",
            "The status of the imaging server at its last check (1 for its status)",
            |s: &ServerLabels, status| ServerStatusLabels {
                owner_id: s.owner_id.clone(),
                owner_name: s.owner_name.clone(),
                status,
            },
        );
        let store_free_bytes = Family::<ServerLabels, Gauge>::default();
        registry.register(
            "store_free_bytes",
            "Free space of the imaging server's image store, as of its last check that read it",
            store_free_bytes.clone(),
        );
        let last_check = Family::<ServerLabels, Gauge<f64, AtomicU64>>::default();
        registry.register(
            "server_last_check_timestamp_seconds",
            "When the imaging server's last check began",
            last_check.clone(),
        );
        let statuses = OneStatus::registered(
            &mut registry,
            "entity_status",
            "The last status reported, per entity (1 for its status)",
            |entity: &String, status| StatusLabels { entity: entity.clone(), status },
        );
        let checks = Family::<OutcomeLabels, Counter>::default();
        registry.register("agent_checks", "Status checks made of the MMC agent, by outcome", checks.clone());
        // From 50 ms to the agent's 30 s wait for a dead host and past it.
        let check_seconds = Histogram::new([0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 45.0]);
        registry.register("agent_check_seconds", "Time the MMC agent took for a status check", check_seconds.clone());
        let requests = Counter::default();
        registry.register("gateway_requests", "Requests answered", requests.clone());
        let calls_in_flight = Family::<KindLabels, Gauge>::default();
        registry.register(
            "agent_calls_in_flight",
            "Calls to the MMC agent in progress (agent: its own; server: waiting on an imaging server)",
            calls_in_flight.clone(),
        );
        let history = HistoryMetrics { writes: Family::default(), full_in: Family::default() };
        registry.register(
            "history_writes",
            "Checks handed to the history database, by outcome (written, failed: a disk error, dropped: its queue full)",
            history.writes.clone(),
        );
        registry.register(
            "store_full_in_seconds",
            "When the image store will be full at its rate of the last 7 days (absent: no falling trend)",
            history.full_in.clone(),
        );
        Self {
            history,
            registry,
            server_up,
            server_status,
            store_free_bytes,
            last_check,
            statuses,
            checks,
            check_seconds,
            requests,
            calls_in_flight,
        }
    }
}

impl Metrics {
    /// What a check of an imaging server said.
    pub fn server_checked(&self, check: &ServerCheck) {
        let server = ServerLabels { owner_id: check.owner_id.to_string(), owner_name: check.owner_name.to_string() };
        self.server_status.set(&server, check.status);
        self.server_up.get_or_create(&server).set(i64::from(check.status == "available"));
        if let Some(free) = check.store_free_bytes {
            self.store_free_bytes.get_or_create(&server).set(i64::try_from(free).unwrap_or(i64::MAX));
        }
        self.last_check.get_or_create(&server).set(check.checked_at_seconds);
    }

    /// `entity`'s status is now `status`.
    pub fn reported(&self, entity: &str, status: &'static str) {
        self.statuses.set(&entity.to_string(), status);
    }

    /// A check of the agent ended with `outcome` (`ok` or the error's kind).
    pub fn checked(&self, outcome: &'static str, took: Duration) {
        self.checks.get_or_create(&OutcomeLabels { outcome }).inc();
        self.check_seconds.observe(took.as_secs_f64());
    }

    pub fn answered(&self) {
        self.requests.inc();
    }

    /// The text of `/metrics`, with the agent calls in progress now.
    pub fn text(&self, (agent, server): (usize, usize)) -> String {
        self.calls_in_flight.get_or_create(&KindLabels { kind: "agent" }).set(agent as i64);
        self.calls_in_flight.get_or_create(&KindLabels { kind: "server" }).set(server as i64);
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_is_one_line_per_entity_and_labels_are_escaped() {
        let m = Metrics::default();
        m.reported("UUID0", "offline");
        m.reported("UUID0", "available");
        m.reported("UUI\"D\n1", "offline");
        m.checked("ok", Duration::from_millis(70));
        m.answered();
        let text = m.text((2, 1));
        assert!(text.contains("medulla_imaging_entity_status{entity=\"UUID0\",status=\"available\"} 1"), "{text}");
        assert_eq!(text.matches("entity=\"UUID0\"").count(), 1, "the old status is taken off:\n{text}");
        assert!(text.contains(r#"entity="UUI\"D\n1""#), "escaped:\n{text}");
        assert!(text.contains("medulla_imaging_agent_checks_total{outcome=\"ok\"} 1"), "{text}");
        assert!(text.contains("medulla_imaging_agent_check_seconds_count 1"), "{text}");
        assert!(text.contains("medulla_imaging_gateway_requests_total 1"), "{text}");
        assert!(text.contains("medulla_imaging_agent_calls_in_flight{kind=\"agent\"} 2"), "{text}");
        assert!(text.trim_end().ends_with("# EOF"), "{text}");
    }

    #[test]
    fn each_imaging_server_has_its_series_by_owner() {
        let m = Metrics::default();
        let check = |status, free| ServerCheck {
            owner_id: "UUID2",
            owner_name: "General > Public",
            status,
            store_free_bytes: free,
            checked_at_seconds: 1_796_000_000.5,
        };
        m.server_checked(&check("available", Some(80_000_000_000)));
        m.server_checked(&check("offline", None));
        let text = m.text((0, 0));
        let labels = r#"owner_id="UUID2",owner_name="General > Public""#;
        for line in [
            format!("medulla_imaging_server_up{{{labels}}} 0"),
            format!("medulla_imaging_server_status{{{labels},status=\"offline\"}} 1"),
            format!("medulla_imaging_store_free_bytes{{{labels}}} 80000000000"),
            format!("medulla_imaging_server_last_check_timestamp_seconds{{{labels}}} 1796000000.5"),
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing from:\n{text}");
        }
        assert!(!text.contains(r#"status="available""#), "the old status is taken off:\n{text}");
    }

    #[test]
    fn the_history_says_its_writes_and_each_stores_forecast() {
        let m = Metrics::default();
        m.history.written(3);
        m.history.failed(1);
        m.history.dropped();
        m.history.full_in("UUID2", "General > Public", Some(86_400_500));
        m.history.full_in("UUID0", "General", Some(1_000));
        m.history.full_in("UUID0", "General", None);
        let text = m.text((0, 0));
        for line in [
            r#"medulla_imaging_history_writes_total{outcome="written"} 3"#,
            r#"medulla_imaging_history_writes_total{outcome="failed"} 1"#,
            r#"medulla_imaging_history_writes_total{outcome="dropped"} 1"#,
            r#"medulla_imaging_store_full_in_seconds{owner_id="UUID2",owner_name="General > Public"} 86400.5"#,
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing from:\n{text}");
        }
        assert!(!text.contains(r#"owner_id="UUID0""#), "no trend, no forecast:\n{text}");
    }
}
