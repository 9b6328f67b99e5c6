//! The readers of the agent's answers, on golden documents from Python's
//! `xmlrpc.client` and on the odd shapes the agent is known to send.

use super::*;

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
    let c = server_config_from(&golden!("server_config"));
    assert_eq!(c.name.as_deref(), Some("imaging-public"));
    assert_eq!(c.url.as_deref(), Some("https://10.0.0.3:9990/imaging_api"));
    assert!(c.recursive);
    assert_eq!(server_config_from(&golden!("server_config_failure")), ServerConfig::default());
}

#[test]
fn global_status_figures() {
    let f = figures_from(&golden!("global_status_available")).expect("readable").expect("answered");
    assert_eq!((f.registered, f.rescue, f.masters), (42, 7, 3));
    assert_eq!(f.image_store, Some(ImageStore { used_percent: 43.0, total_mib: 515_928 }));
    assert_eq!(f.filesystems.len(), 2);
    assert_eq!(f.filesystems[1].mount, "/var/lib/medulla/masters");
    assert_eq!(f.memory.as_ref().map(|m| m.total_kib), Some(16_318_480));
    assert_eq!(f.uptime_seconds, Some(350_735));
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
    let v = Value::Struct(vec![
        ("space_available".into(), Value::Array(vec![Value::Int(-1), Value::Int(-1)])),
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
    assert_eq!(a[0].message, "Restoration done");
    assert_eq!(a[0].state, ActivityState::Done);
    assert_eq!(a[1].state, ActivityState::Failed);
    assert!(a[0].timestamp > a[1].timestamp);
    assert!(activity_from(&Value::Bool(false)).is_empty());
}

#[test]
fn synchronisation_outcomes() {
    assert_eq!(sync_outcome_from(&golden!("synchro_ok")), Ok(SyncOutcome::Done));
    assert_eq!(
        sync_outcome_from(&golden!("synchro_failed")),
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
