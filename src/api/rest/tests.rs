//! The REST readers on every example of the contract (`public/openapi.yaml`)
//! and on bodies no gateway should send.

use super::*;
use serde_json::Value;

fn contract() -> Value {
    let text = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/public/openapi.yaml"));
    serde_yaml::from_str(text).expect("openapi.yaml is YAML")
}

/// Every example of every response, with its operation and status.
/// The contract's example of an imaging server status with this `status`.
fn status_example(status: &str) -> Value {
    let found =
        response_examples().into_iter().find(|(op, _, v)| op == "getImagingServerStatus" && v["status"] == status);
    found.map(|(_, _, v)| v).unwrap_or_else(|| panic!("no {status} example"))
}

fn response_examples() -> Vec<(String, u16, Value)> {
    let doc = contract();
    let mut found = Vec::new();
    let resolve = |v: &Value| -> Value {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => doc.pointer(r.trim_start_matches('#')).cloned().unwrap_or(Value::Null),
            None => v.clone(),
        }
    };
    for (_, item) in doc["paths"].as_object().expect("paths") {
        for (_, op) in item.as_object().expect("path item") {
            let Some(id) = op.get("operationId").and_then(Value::as_str) else { continue };
            for (status, response) in op["responses"].as_object().expect("responses") {
                let response = resolve(response);
                let Some(content) = response.get("content").and_then(Value::as_object) else { continue };
                for (_, media) in content {
                    for (_, example) in media.get("examples").and_then(Value::as_object).into_iter().flatten() {
                        found.push((id.to_string(), status.parse().expect("status"), example["value"].clone()));
                    }
                }
            }
        }
    }
    found
}

fn answer(status: u16, body: &Value) -> Answer {
    Answer { status, body: body.to_string().into_bytes(), date: None }
}

#[test]
fn every_example_of_the_contract_decodes_in_the_client() {
    let examples = response_examples();
    assert!(examples.len() >= 15, "only {} examples found", examples.len());
    for (operation, status, value) in examples {
        let bytes = value.to_string().into_bytes();
        let what = format!("{operation} {status}: {value}");
        match (operation.as_str(), status) {
            ("signIn", 201) => assert!(read::<wire::Session>(&bytes, "sessions").is_ok(), "{what}"),
            ("listEntities", 200) => assert!(!entities_from(&bytes).expect(&what).is_empty()),
            ("getImagingServerStatus", 200) => {
                let report = report_from(&bytes, EXAMPLE_TIME).expect(&what);
                assert_eq!(report.entity, value["entity_id"].as_str().unwrap_or_default(), "{what}");
            }
            ("getImagingOverview", 200) => {
                let rows = overview_from(&bytes, EXAMPLE_TIME).expect(&what);
                let not_linked = rows.iter().find(|(e, _)| e == "UUID4").expect("UUID4");
                assert!(
                    matches!(&not_linked.1, Ok(r) if r.status == ServerStatus::NotLinked && r.since.is_some()),
                    "{what}"
                );
                let unknown = rows.iter().find(|(e, _)| e == "UUID2").expect("UUID2");
                assert!(matches!(&unknown.1, Err(ApiError::Problem { status: 504, .. })), "{what}");
                assert_eq!(unknown.1.as_ref().err().map(ApiError::trouble), Some(Trouble::Timeout), "{what}");
            }
            ("getImagingServerHistory", 200) => {
                let view = history_from(&bytes).expect(&what);
                let kinds: Vec<_> = view.spans.iter().map(|s| s.kind).collect();
                assert_eq!(kinds, [StatusKind::Available, StatusKind::Offline, StatusKind::Available], "{what}");
                assert_eq!(view.source, HistorySource::Gateway { monitored: true }, "{what}");
                assert_eq!(view.availability(7).available_ms, 599_400_000, "{what}");
                assert_eq!(view.samples.len(), 1, "{what}");
            }
            ("getHistorySummary", 200) => {
                let items = summaries_from(&bytes).expect(&what);
                let (owner, public) = &items[0];
                assert_eq!(owner, "UUID2", "{what}");
                let left = public.trend.and_then(|t| t.time_to(5e9)).expect("a falling store");
                assert!(left.abs_diff(12 * 86_400_000) < 10, "{what}: {left}");
                assert_eq!(items[1].1.availability.share(), None, "{what}");
            }
            ("listImagingActivities", 200) => assert_eq!(activity_from(&bytes).expect(&what).len(), 2),
            ("synchroniseBootMenus", 201) => {
                sync_outcome_from(&bytes).expect(&what);
            }
            (_, 401) if value["type"] == "urn:medulla:problem:signed-out" => {
                assert_eq!(failure(&answer(401, &value)), ApiError::SignedOut, "{what}")
            }
            (_, 400..=599) => match failure(&answer(status, &value)) {
                ApiError::Problem { status: s, kind, .. } => {
                    assert_eq!(s, status, "{what}");
                    assert_eq!(format!("{PROBLEM_PREFIX}{kind}"), value["type"].as_str().unwrap_or_default(), "{what}");
                }
                // 401 invalid-credentials is read by sign-in itself.
                ApiError::SignedOut if status == 401 => {}
                other => panic!("{what}: {other:?}"),
            },
            _ => panic!("no reader for {what}"),
        }
    }
}

#[test]
fn sign_in_bodies_are_the_contracts_request_examples() {
    let doc = contract();
    let examples = &doc["paths"]["/sessions"]["post"]["requestBody"]["content"]["application/json"]["examples"];
    let body = |s: SignIn| serde_json::from_str::<Value>(&s.body()).expect("json");
    let password = body(SignIn::Password { login: "admin", password: "medulla" });
    let token = body(SignIn::Token { login: "admin", token: "3f9a0c1e5b7d42a8" });
    assert_eq!(password, examples["password"]["value"]);
    assert_eq!(token, examples["token"]["value"]);
}

#[test]
fn statistics_in_bytes_become_the_domains_kib() {
    let report = report_from(status_example("available").to_string().as_bytes(), EXAMPLE_TIME).expect("report");
    assert_eq!(report.inherited_from.as_deref(), Some("UUID2"));
    let ServerStatus::Available(f) = report.status else { panic!("available") };
    assert_eq!((f.registered, f.custom_menus, f.rescue, f.masters), (42, Some(7), 7, 3));
    let store = f.image_store.expect("image store");
    assert_eq!((store.free_mib, store.size_kib), (95_730, Some(515_928_320)));
    assert_eq!(f.filesystems[0].size_kib, 51_475_068);
    assert_eq!(f.memory.map(|m| m.total_kib), Some(16_318_480));
}

#[test]
fn offline_says_what_is_known_of_the_relay() {
    let mut no_address = status_example("offline");
    let report = report_from(no_address.to_string().as_bytes(), EXAMPLE_TIME).expect("report");
    assert_eq!(report.status, ServerStatus::Offline(RelayPresence::Absent));
    no_address["relay"] = "no_address".into();
    let report = report_from(no_address.to_string().as_bytes(), EXAMPLE_TIME).expect("report");
    assert_eq!(report.status, ServerStatus::Offline(RelayPresence::NoAddress));
    no_address.as_object_mut().map(|o| o.remove("relay"));
    let report = report_from(no_address.to_string().as_bytes(), EXAMPLE_TIME).expect("report");
    assert_eq!(report.status, ServerStatus::Offline(RelayPresence::Unknown));
}

/// The `checked_at` of the contract's examples, in ms since 1970.
const EXAMPLE_TIME: i64 = 1_795_597_507_000;

/// Regression: the gateway's `checked_at` was ignored, so a shared check
/// minutes old counted as fresh.
#[test]
fn the_gateways_check_is_as_old_as_its_checked_at_says_on_its_own_clock() {
    let body = status_example("available").to_string();
    let report = report_from(body.as_bytes(), EXAMPLE_TIME + 42_000).expect("report");
    assert_eq!(report.age_ms, 42_000);
    let report = report_from(body.as_bytes(), EXAMPLE_TIME - 1_000).expect("report");
    assert_eq!(report.age_ms, 0, "a Date a little behind checked_at");
    let mut bad = status_example("available");
    bad["checked_at"] = "yesterday".into();
    let error = report_from(bad.to_string().as_bytes(), EXAMPLE_TIME).expect_err("accepted");
    assert!(matches!(&error, ApiError::Malformed(why) if why.contains("checked_at")), "{error:?}");
}

/// Regression: the report's `entity_id` was never compared with the entity
/// asked about.
#[test]
fn a_report_about_another_entity_is_refused() {
    let body = status_example("available").to_string();
    assert!(report_for(body.as_bytes(), "UUID3", EXAMPLE_TIME).is_ok());
    let Err(ApiError::Malformed(why)) = report_for(body.as_bytes(), "UUID2", EXAMPLE_TIME) else { panic!("accepted") };
    assert!(why.contains("asked about UUID2, answered about UUID3"), "{why}");
}

#[test]
fn activity_phase_and_outcome() {
    let example =
        response_examples().into_iter().find(|(op, _, _)| op == "listImagingActivities").expect("an activity example");
    let activity = activity_from(example.2.to_string().as_bytes()).expect("activity");
    assert_eq!((activity[0].phase, activity[0].state), (Phase::Restoration, ActivityState::Done));
    assert_eq!((activity[1].phase, activity[1].state), (Phase::Backup, ActivityState::Failed));
}

#[test]
fn bodies_no_gateway_should_send_are_typed_errors() {
    let cases: &[&[u8]] = &[
        b"",
        b"<html><body>502 Bad Gateway</body></html>",
        b"{\"entity_id\": \"UUID2\", \"status\": \"available\"",
        b"{\"entity_id\": 2, \"status\": \"available\"}",
        b"{\"entity_id\": \"UUID2\", \"status\": \"sleeping\", \"served_by\": null, \"server_name\": null, \"statistics\": null}",
        b"{\"entity_id\": \"UUID2\", \"status\": \"available\", \"served_by\": null, \"server_name\": null, \"statistics\": null}",
        b"[]",
        b"null",
    ];
    for body in cases {
        assert!(
            matches!(report_from(body, EXAMPLE_TIME), Err(ApiError::Malformed(_))),
            "{:?}",
            String::from_utf8_lossy(body)
        );
    }
    assert!(entities_from(b"{\"items\": [{\"id\": \"UUID0\"}]}").is_err());
    assert!(sync_outcome_from(b"{\"succeeded\": \"yes\"}").is_err());
    assert!(activity_from(b"<html/>").is_err());
}

#[test]
fn failures_without_a_problem_document_keep_their_status() {
    assert_eq!(
        failure(&Answer { status: 502, body: b"<html>Bad Gateway</html>".to_vec(), date: None }),
        ApiError::Http(502)
    );
    assert_eq!(failure(&Answer { status: 500, body: Vec::new(), date: None }), ApiError::Http(500));
    assert_eq!(failure(&Answer { status: 401, body: b"<html/>".to_vec(), date: None }), ApiError::SignedOut);
    let timeout = failure(&Answer {
        status: 504,
        body: br#"{"type": "urn:medulla:problem:upstream-timeout", "title": "t", "status": 504}"#.to_vec(),
        date: None,
    });
    assert_eq!(timeout.trouble(), Trouble::Timeout);
    for (status, kind) in [(503, "gateway-busy"), (429, "too-many-requests")] {
        let body = format!(r#"{{"type": "urn:medulla:problem:{kind}", "title": "t", "status": {status}}}"#);
        let busy = failure(&Answer { status, body: body.into_bytes(), date: None });
        assert_eq!(busy.trouble(), Trouble::Busy, "{kind}: said busy, not an HTTP error of Medulla's");
    }
}

#[test]
fn activity_timestamps_are_local_date_times() {
    assert_eq!(
        timestamp("2026-11-25T09:05:07"),
        Some(Timestamp { year: 2026, month: 11, day: 25, hour: 9, minute: 5, second: 7 })
    );
    assert_eq!(timestamp("2026-11-25 09:05:07"), None);
    assert_eq!(timestamp("2026-13-25T09:05:07"), None);
}
