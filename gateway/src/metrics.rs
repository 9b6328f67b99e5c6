//! `/metrics`, in the OpenMetrics text Prometheus scrapes, written by
//! prometheus-client (which escapes label values): the last status of each
//! entity asked about, the agent checks by outcome and their time, the
//! requests answered, and the agent calls in progress.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    entity: String,
    status: &'static str,
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
    statuses: Family<StatusLabels, Gauge>,
    /// The status last reported of each entity, to take its old label off.
    reported: Mutex<HashMap<String, &'static str>>,
    checks: Family<OutcomeLabels, Counter>,
    check_seconds: Histogram,
    requests: Counter,
    calls_in_flight: Family<KindLabels, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("medulla_imaging");
        let statuses = Family::<StatusLabels, Gauge>::default();
        registry.register("server_status", "The last status checked, per entity (1 for its status)", statuses.clone());
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
        Self { registry, statuses, reported: Mutex::default(), checks, check_seconds, requests, calls_in_flight }
    }
}

impl Metrics {
    /// `entity`'s status is now `status`.
    pub fn reported(&self, entity: &str, status: &'static str) {
        let previous =
            self.reported.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(entity.to_string(), status);
        if let Some(previous) = previous.filter(|p| *p != status) {
            self.statuses.remove(&StatusLabels { entity: entity.to_string(), status: previous });
        }
        self.statuses.get_or_create(&StatusLabels { entity: entity.to_string(), status }).set(1);
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
        assert!(text.contains("medulla_imaging_server_status{entity=\"UUID0\",status=\"available\"} 1"), "{text}");
        assert_eq!(text.matches("entity=\"UUID0\"").count(), 1, "the old status is taken off:\n{text}");
        assert!(text.contains(r#"entity="UUI\"D\n1""#), "escaped:\n{text}");
        assert!(text.contains("medulla_imaging_agent_checks_total{outcome=\"ok\"} 1"), "{text}");
        assert!(text.contains("medulla_imaging_agent_check_seconds_count 1"), "{text}");
        assert!(text.contains("medulla_imaging_gateway_requests_total 1"), "{text}");
        assert!(text.contains("medulla_imaging_agent_calls_in_flight{kind=\"agent\"} 2"), "{text}");
        assert!(text.trim_end().ends_with("# EOF"), "{text}");
    }
}
