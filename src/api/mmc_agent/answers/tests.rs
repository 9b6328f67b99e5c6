//! The readers of the agent's answers, on golden documents from Python's
//! `xmlrpc.client` and on the odd shapes the agent is known to send.

use super::*;
use crate::api::xmlrpc::{decode_response, Response};

macro_rules! golden {
    ($name:literal) => {{
        let body = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/xmlrpc/", $name, ".xml"));
        match decode_response(body) {
            Ok(Response::Success(v)) => v,
            other => panic!("{}: {other:?}", $name),
        }
    }};
}

#[test]
fn entities_by_full_path() {
    let entities = entities_from(&golden!("locations")).expect("entities");
    assert_eq!(entities.len(), 2);
    assert_eq!(entities[1].uuid, "UUID2");
    assert_eq!(entities[1].completename, "General > Public");
    assert_eq!(entities[1].level, 1);
    assert!(entities_from(&Value::Struct(vec![])).is_err());
    assert!(entities_from(&Value::Array(vec![Value::Struct(vec![])])).is_err());
}

#[test]
fn parent_path_nearest_first() {
    assert_eq!(parent_path_from(&golden!("parent_path")).expect("path"), ["UUID2", "UUID0"]);
    assert_eq!(parent_path_from(&Value::Bool(false)).expect("none"), Vec::<String>::new());
    assert!(parent_path_from(&Value::Int(3)).is_err());
}

#[test]
fn server_config_success_and_failure() {
    let c = server_config_from(&golden!("server_config")).expect("a server");
    assert_eq!(c.name.as_deref(), Some("imaging-public"));
    assert_eq!(c.url.as_deref(), Some("https://10.0.0.3:9990/imaging_api"));
    assert_eq!(c.imaging_uuid.as_deref(), Some("UUID3"));
    assert_eq!(server_config_from(&golden!("server_config_failure")), None);
    // A server without a default boot menu is still a server.
    assert_eq!(server_config_from(&golden!("server_config_no_menu")), Some(c));
    // Neither: the function returns None, which the agent sends as "".
    assert_eq!(server_config_from(&golden!("server_config_none")), None);
}

#[test]
fn global_status_figures() {
    let f = figures_from(&golden!("global_status_available")).expect("readable").expect("answered");
    assert_eq!((f.registered, f.rescue, f.masters), (42, 7, 3));
    // `[used %, free MiB]`; its size from the `df -k` line with that free space.
    assert_eq!(f.image_store, Some(ImageStore { used_percent: 85.0, free_mib: 75_153, size_kib: Some(515_928_320) }));
    assert_eq!(f.filesystems.len(), 2, "udev and tmpfs left out");
    assert_eq!(f.filesystems[1].mount, "/var/lib/medulla/masters");
    assert_eq!(f.memory.as_ref().map(|m| m.total_kib), Some(16_318_480));
    assert_eq!(f.uptime_seconds, Some(350_735));
}

/// A plugin exception comes back as a normal answer: a failure, never data
/// (it used to read as Available with zero counts).
#[test]
fn an_exception_struct_is_a_failure_never_figures() {
    let v = golden!("exception");
    let Some(ApiError::Exception(what)) = failure_in(&v) else { panic!("{v:?}") };
    assert!(what.contains("MySQL server has gone away"), "{what}");
    assert!(matches!(figures_from(&v), Err(ApiError::Exception(_))));
}

#[test]
fn the_agents_own_faults_are_answers_holding_fault_code() {
    assert_eq!(failure_in(&golden!("fault_8003")), Some(ApiError::SignedOut));
    assert!(matches!(failure_in(&golden!("fault_8005")), Some(ApiError::Fault { code: 8005, .. })));
    assert_eq!(failure_in(&golden!("global_status_available")), None);
    let numeric_text = Value::Struct(vec![("faultCode".into(), Value::str("8003"))]);
    assert_eq!(failure_in(&numeric_text), Some(ApiError::SignedOut));
}

/// Available needs a well-formed answer: the database's counts and the
/// image store must be readable.
#[test]
fn a_partial_answer_is_not_available() {
    let Value::Struct(full) = golden!("global_status_available") else { panic!("a struct") };
    for missing in ["short_status", "space_available"] {
        let v = Value::Struct(full.iter().filter(|(k, _)| k != missing).cloned().collect());
        assert!(matches!(figures_from(&v), Err(ApiError::Malformed(_))), "without {missing}");
    }
    let bad_count = Value::Struct(
        full.iter()
            .map(|(k, v)| match k.as_str() {
                "short_status" => (k.clone(), Value::Struct(vec![("total".into(), Value::str("many"))])),
                _ => (k.clone(), v.clone()),
            })
            .collect(),
    );
    assert!(matches!(figures_from(&bad_count), Err(ApiError::Malformed(_))));
}

#[test]
fn empty_global_status_means_no_answer_from_the_server() {
    assert_eq!(figures_from(&golden!("global_status_empty")), Ok(None));
    assert_eq!(figures_from(&Value::Bool(false)), Ok(None));
    assert!(figures_from(&Value::str("garbage")).is_err());
}

/// `-1` stands for unknown in every figure of the agent.
#[test]
fn unknown_figures_are_left_out() {
    let counts = [("total", "0"), ("rescue", "0"), ("master", "0")];
    let v = Value::Struct(vec![
        ("short_status".into(), Value::Struct(counts.iter().map(|(k, n)| (k.to_string(), Value::str(n))).collect())),
        ("space_available".into(), Value::Array(vec![Value::str("-1"), Value::str("-1")])),
        ("mem_info".into(), Value::Int(-1)),
        ("uptime".into(), Value::Int(-1)),
        ("disk_info".into(), Value::Array(vec![])),
    ]);
    let f = figures_from(&v).expect("readable").expect("answered");
    assert_eq!((f.image_store, f.memory, f.uptime_seconds), (None, None, None));
    assert!(f.filesystems.is_empty());
}

#[test]
fn relays_columns_become_rows() {
    let relays = relays_from(&golden!("relays")).expect("relays");
    assert_eq!(relays.len(), 2);
    assert_eq!(relays[0], Relay { hostname: "rs-public".into(), ip: "10.0.0.3".into(), enabled: true });
    assert!(!relays[1].enabled);
    assert_eq!(relays_from(&Value::Struct(vec![])), None);
}

#[test]
fn activity_newest_first_with_computer_and_state() {
    let a = activity_from(&golden!("logs"));
    assert_eq!(a.len(), 2);
    assert_eq!(a[0].computer, "pc-lab-01");
    assert_eq!(a[0].message, "restoration finished");
    assert_eq!((a[0].phase, a[0].state), (Phase::Restoration, ActivityState::Done));
    assert_eq!((a[1].phase, a[1].state), (Phase::Backup, ActivityState::Failed));
    assert!(a[0].timestamp > a[1].timestamp);
    assert!(activity_from(&Value::Bool(false)).is_empty());
}

#[test]
fn synchronisation_outcomes() {
    assert_eq!(sync_outcome_from(&golden!("synchro_ok")), Ok(SyncOutcome::Done));
    let failed_step = Value::Array(vec![
        Value::Array(vec![Value::Bool(true), Value::str("menu of UUID12")]),
        Value::Array(vec![Value::Bool(false), Value::str("imaging server 10.0.0.3 did not answer")]),
    ]);
    assert_eq!(
        sync_outcome_from(&failed_step),
        Ok(SyncOutcome::Failed(vec!["imaging server 10.0.0.3 did not answer".into()]))
    );
    assert_eq!(sync_outcome_from(&golden!("true")), Ok(SyncOutcome::Done));
    assert_eq!(
        sync_outcome_from(&Value::Array(vec![Value::Bool(false), Value::str("no server")])),
        Ok(SyncOutcome::Failed(vec!["no server".into()]))
    );
    assert_eq!(sync_outcome_from(&Value::Array(vec![])), Ok(SyncOutcome::Failed(vec![])));
    assert!(sync_outcome_from(&Value::Struct(vec![])).is_err());
}

#[test]
fn fault_8003_is_signed_out_other_faults_are_kept() {
    assert_eq!(ApiError::fault(8003, "x".into()), ApiError::SignedOut);
    assert_eq!(ApiError::fault(8004, "x".into()), ApiError::Fault { code: 8004, message: "x".into() });
}
