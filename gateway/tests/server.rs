//! The gateway in front of the simulated agent, as a browser uses it:
//! sign-in and its cookie, the user's entities only, statuses shared
//! between users within the interval, sign-out, idle sessions, health and
//! metrics. Its answers are read back with the app's own REST readers.

mod common;

use common::{setup, setup_with};
use medulla_imaging_gateway::sessions::COOKIE;
use medulla_imaging_status::api::rest::{entities_from, report_from};
use medulla_imaging_status::domain::ServerStatus;
use serde_json::{json, Value};
use std::time::Duration;

fn problem_type(body: &[u8]) -> String {
    serde_json::from_slice::<Value>(body).unwrap_or_default()["type"].as_str().unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_signs_in_and_sees_the_statuses_of_their_entities() {
    let s = setup(Duration::from_secs(900)).await;
    let (status, body) = s.sign_in("wrong").await.expect_err("a wrong password");
    assert_eq!((status, body["type"].as_str()), (401, Some("urn:medulla:problem:invalid-credentials")));
    let cookie = s.sign_in(medulla_sim::USER_PASSWORD).await.expect("signed in");
    assert!(cookie.starts_with(&format!("{COOKIE}=")) && cookie.len() > COOKIE.len() + 30, "{cookie}");

    let (status, body) = s.get(&cookie, "entities", None).await;
    assert_eq!(status, 200);
    assert_eq!(entities_from(&body).expect("entities").len(), 5);

    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_millis() as i64;
    for (entity, expected) in [
        ("UUID0", "offline"),
        ("UUID1", "connection_error"),
        ("UUID2", "available"),
        ("UUID3", "available"),
        ("UUID4", "not_linked"),
    ] {
        let (status, body) = s.get(&cookie, &format!("entities/{entity}/imaging-server-status"), None).await;
        assert_eq!(status, 200, "{entity}: {}", String::from_utf8_lossy(&body));
        let json: Value = serde_json::from_slice(&body).expect("json");
        assert_eq!((json["entity_id"].as_str(), json["status"].as_str()), (Some(entity), Some(expected)));
        let report = report_from(&body, now).expect("the app reads it");
        assert!(report.age_ms < 60_000, "checked just now: {}", json["checked_at"]);
        if entity == "UUID3" {
            assert_eq!(json["served_by"], json!({"id": "UUID2", "full_path": "General > Public"}));
            assert!(matches!(report.status, ServerStatus::Available(_)));
        }
    }
    for bad in ["limit=0", "limit=101", "offset=x", "offset=-1"] {
        let (status, body) = s.get(&cookie, &format!("entities/UUID2/imaging-activities?{bad}"), None).await;
        assert_eq!((status, problem_type(&body).as_str()), (400, "urn:medulla:problem:bad-request"), "{bad}");
    }
    // Boot menus: synchronised only on an available server.
    let sync = |id: &str| {
        let url = format!("{}/api/v1/entities/{id}/boot-menu-synchronisations", s.base);
        s.http.post(url).header("cookie", &cookie).header("content-type", "application/json").body("{}").send()
    };
    let done = sync("UUID3").await.expect("sent");
    assert_eq!(done.status().as_u16(), 201);
    assert_eq!(done.json::<Value>().await.expect("json")["succeeded"], true);
    let refused = sync("UUID0").await.expect("sent");
    assert_eq!(refused.status().as_u16(), 409);
    let problem: Value = refused.json().await.expect("json");
    assert_eq!(
        (problem["type"].as_str(), problem["imaging_status"].as_str()),
        (Some("urn:medulla:problem:imaging-server-unavailable"), Some("offline"))
    );
    let (status, body) = s.get(&cookie, "entities/UUID2/imaging-activities?offset=0&limit=3", None).await;
    let page: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!((status, page["limit"].as_u64()), (200, Some(3)));
    assert!(!page["items"].as_array().expect("items").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checks_are_shared_between_users_within_the_interval() {
    let s = setup(Duration::from_secs(900)).await;
    let (alice, bob) = (
        s.sign_in(medulla_sim::USER_PASSWORD).await.expect("a"),
        s.sign_in(medulla_sim::USER_PASSWORD).await.expect("b"),
    );
    assert_ne!(alice, bob, "one session each");
    let path = "entities/UUID2/imaging-server-status";
    assert_eq!(s.get(&alice, path, None).await.0, 200);
    let asked = s.sim.sim.calls("imaging.getGlobalStatus");
    let (status, first) = s.get(&bob, path, None).await;
    assert_eq!(status, 200);
    assert_eq!(s.sim.sim.calls("imaging.getGlobalStatus"), asked, "Bob gets Alice's check");
    let checked_at = |body: &[u8]| serde_json::from_slice::<Value>(body).expect("json")["checked_at"].clone();
    // A client that needs a younger status says so.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (_, fresh) = s.get(&bob, path, Some("no-cache")).await;
    assert_eq!(s.sim.sim.calls("imaging.getGlobalStatus"), asked + 1);
    assert_ne!(checked_at(&fresh), checked_at(&first));
}

/// 50 tabs, each its own user's session, polling all five demo entities
/// at once: one check of each imaging server per interval (three servers:
/// General's, Tenant A's, and Public's, which also serves Library).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_tabs_polling_make_one_check_per_server_per_interval() {
    let s = setup_with(|s| s.check_interval = Duration::from_secs(4)).await;
    let mut tabs = Vec::new();
    for _ in 0..50 {
        tabs.push(s.sign_in(medulla_sim::USER_PASSWORD).await.expect("signed in"));
    }
    let poll = || {
        let requests = tabs.iter().flat_map(|cookie| {
            ["UUID0", "UUID1", "UUID2", "UUID3", "UUID4"].map(|entity| {
                let (http, cookie) = (s.http.clone(), cookie.clone());
                let url = format!("{}/api/v1/entities/{entity}/imaging-server-status", s.base);
                tokio::spawn(async move {
                    let answer = http.get(url).header("cookie", cookie).send().await.expect("sent");
                    let json: Value = answer.json().await.expect("json");
                    json["status"].as_str().map(str::to_string).expect("a status")
                })
            })
        });
        let requests: Vec<_> = requests.collect();
        async move {
            let mut statuses = Vec::new();
            for r in requests {
                statuses.push(r.await.expect("joined"));
            }
            statuses
        }
    };
    let checks = || s.sim.sim.calls("imaging.getGlobalStatus");
    let statuses = poll().await;
    assert_eq!(statuses.len(), 250);
    assert_eq!(statuses.iter().filter(|s| *s == "available").count(), 100, "UUID2 and UUID3 for each tab");
    assert_eq!(checks(), 3, "one check per server");
    poll().await;
    assert_eq!(checks(), 3, "within the interval, the same checks");
    // Offline's check goes on until the agent gives up on its dead host.
    tokio::time::sleep(Duration::from_millis(4200)).await;
    poll().await;
    assert_eq!(checks(), 6, "the next interval: one more check per server");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_without_a_session_nor_about_another_entity() {
    let s = setup(Duration::from_secs(1)).await;
    let (status, body) = s.get("medulla_imaging_gateway=forged", "entities", None).await;
    assert_eq!((status, problem_type(&body).as_str()), (401, "urn:medulla:problem:signed-out"));
    // A form of another site posts text/plain: refused, the agent not asked.
    let form = s
        .http
        .post(format!("{}/api/v1/sessions", s.base))
        .header("content-type", "text/plain")
        .body(format!(r#"{{"login": "{}", "password": "{}"}}"#, medulla_sim::USER_LOGIN, medulla_sim::USER_PASSWORD))
        .send()
        .await
        .expect("sent");
    assert_eq!(
        (form.status().as_u16(), problem_type(&form.bytes().await.expect("body"))),
        (403, "urn:medulla:problem:cross-site-request".into())
    );
    assert_eq!(s.sim.sim.calls("XML-RPC"), 0);
    let cookie = s.sign_in(medulla_sim::USER_PASSWORD).await.expect("signed in");
    let before = s.sim.sim.calls("XML-RPC");
    assert!(before > 0, "signing in asked the agent");
    let (status, body) = s.get(&cookie, "entities/UUID99/imaging-server-status", None).await;
    assert_eq!((status, problem_type(&body).as_str()), (404, "urn:medulla:problem:entity-not-found"));
    assert_eq!(s.sim.sim.calls("XML-RPC"), before, "the agent is not asked about an entity the user does not see");

    // Idle longer than the agent's timeout: signed out.
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert_eq!(s.get(&cookie, "entities", None).await.0, 401);

    // Signing out ends the session at once.
    let cookie = s.sign_in(medulla_sim::USER_PASSWORD).await.expect("signed in again");
    let out = s.send(reqwest::Method::DELETE, &cookie, "sessions/current").await;
    assert_eq!(out.status().as_u16(), 204);
    assert!(out.headers().get("set-cookie").and_then(|v| v.to_str().ok()).is_some_and(|c| c.contains("Max-Age=0")));
    assert_eq!(s.get(&cookie, "entities", None).await.0, 401);
}

/// A user whose Medulla entity is Public gets Public and Library, and
/// nothing of General, Private or Workshop, although they exist and the
/// agent itself would answer about them to any signed-in session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_gets_only_the_entities_of_their_own_get_user_locations() {
    let s = setup(Duration::from_secs(900)).await;
    let cookie = s.sign_in_as(medulla_sim::SCOPED_LOGIN, medulla_sim::SCOPED_PASSWORD).await.expect("signed in");
    let (status, body) = s.get(&cookie, "entities", None).await;
    let ids: Vec<String> = entities_from(&body).expect("entities").into_iter().map(|e| e.uuid).collect();
    assert_eq!((status, ids), (200, vec!["UUID2".to_string(), "UUID3".to_string()]));
    assert_eq!(s.get(&cookie, "entities/UUID3/imaging-server-status", None).await.0, 200);
    let asked = s.sim.sim.calls("XML-RPC");
    for other in ["UUID0", "UUID1", "UUID4"] {
        for path in [format!("entities/{other}/imaging-server-status"), format!("entities/{other}/imaging-activities")]
        {
            let (status, body) = s.get(&cookie, &path, None).await;
            assert_eq!((status, problem_type(&body).as_str()), (404, "urn:medulla:problem:entity-not-found"), "{path}");
        }
        let sync =
            s.send(reqwest::Method::POST, &cookie, &format!("entities/{other}/boot-menu-synchronisations")).await;
        assert_eq!(sync.status().as_u16(), 404, "{other}");
    }
    assert_eq!(s.sim.sim.calls("XML-RPC"), asked, "the agent is never asked about them");
    // The administrator, on the same gateway, sees them all.
    let admin = s.sign_in(medulla_sim::USER_PASSWORD).await.expect("signed in");
    assert_eq!(s.get(&admin, "entities/UUID0/imaging-server-status", None).await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_metrics() {
    let s = setup(Duration::from_secs(900)).await;
    let health = s.http.get(format!("{}/healthz", s.base)).send().await.expect("sent");
    assert_eq!(health.status().as_u16(), 200);
    let cookie = s.sign_in(medulla_sim::USER_PASSWORD).await.expect("signed in");
    for entity in ["UUID0", "UUID2"] {
        s.get(&cookie, &format!("entities/{entity}/imaging-server-status"), None).await;
    }
    // General's check ends after the agent's wait for its dead host.
    let mut text = String::new();
    for _ in 0..50 {
        text = s.http.get(format!("{}/metrics", s.base)).send().await.expect("sent").text().await.expect("text");
        if text.contains("medulla_imaging_agent_check_seconds_count 2") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for line in [
        "medulla_imaging_entity_status{entity=\"UUID0\",status=\"offline\"} 1",
        "medulla_imaging_entity_status{entity=\"UUID2\",status=\"available\"} 1",
        "medulla_imaging_agent_checks_total{outcome=\"ok\"} 2",
        "medulla_imaging_agent_check_seconds_count 2",
        // Per imaging server, by the entity that owns it.
        "medulla_imaging_server_up{owner_id=\"UUID0\",owner_name=\"General\"} 0",
        "medulla_imaging_server_up{owner_id=\"UUID2\",owner_name=\"General > Public\"} 1",
        "medulla_imaging_server_status{owner_id=\"UUID0\",owner_name=\"General\",status=\"offline\"} 1",
        "medulla_imaging_server_status{owner_id=\"UUID2\",owner_name=\"General > Public\",status=\"available\"} 1",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} missing from:\n{text}");
    }
    let public = "{owner_id=\"UUID2\",owner_name=\"General > Public\"}";
    let value = |name: &str| {
        let prefix = format!("{name}{public} ");
        text.lines().find_map(|l| l.strip_prefix(prefix.as_str())).and_then(|v| v.parse::<f64>().ok())
    };
    let free = value("medulla_imaging_store_free_bytes").expect("Public's free space");
    assert!(free > 1e9, "{free} bytes free:\n{text}");
    let checked = value("medulla_imaging_server_last_check_timestamp_seconds").expect("Public's last check");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_secs_f64();
    assert!((now - 60.0..=now).contains(&checked), "checked at {checked}, now {now}");
}

/// The gateway keeps what serves each entity: a status asked again is one
/// round of agent calls (the server the entity resolves to now, and the
/// owner's check), and a change of what serves an entity is followed at
/// its next status.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_is_one_round_of_agent_calls_once_its_topology_is_known() {
    // The default number of agent calls at once: a check's five in one round.
    let s = setup_with(|g| g.max_agent_calls = 4).await;
    let cookie = s.sign_in(medulla_sim::USER_PASSWORD).await.expect("signed in");
    let status_within = |entity: &'static str, cache: &'static str| {
        let (s, cookie) = (&s, cookie.clone());
        async move {
            let (calls, rounds) = (s.sim.sim.calls("XML-RPC"), s.sim.sim.rounds("XML-RPC"));
            let path = format!("entities/{entity}/imaging-server-status");
            let (code, body) = s.get(&cookie, &path, Some(cache)).await;
            assert_eq!(code, 200, "{entity}");
            let json: Value = serde_json::from_slice(&body).expect("json");
            (json, s.sim.sim.calls("XML-RPC") - calls, s.sim.sim.rounds("XML-RPC") - rounds)
        }
    };
    let status = |entity: &'static str| status_within(entity, "no-cache");
    status("UUID3").await;
    s.sim.sim.control(serde_json::from_value(json!({"latency_ms": 50})).expect("control")).expect("set");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (library, calls, rounds) = status("UUID3").await;
    assert_eq!((library["status"].as_str(), library["served_by"]["id"].as_str()), (Some("available"), Some("UUID2")));
    assert_eq!((calls, rounds), (5, 1), "five agent calls in one round");
    // A poll's check (its own check older than the poll's max-age) within
    // the topology's validity: only what the status needs, the server the
    // entity resolves to not asked again.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let confirms = s.sim.sim.calls("imaging.getImagingServerConfig");
    let (library, calls, rounds) = status_within("UUID3", "max-age=1").await;
    assert_eq!(library["status"].as_str(), Some("available"));
    assert_eq!((calls, rounds), (4, 1), "four agent calls in one round");
    assert_eq!(s.sim.sim.calls("imaging.getImagingServerConfig"), confirms, "the topology not asked again");

    // Library gets a server of its own.
    s.sim
        .sim
        .control(serde_json::from_value(json!({"entity": "UUID3", "status": "offline"})).expect("c"))
        .expect("set");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (library, _, _) = status("UUID3").await;
    assert_eq!(library["status"].as_str(), Some("offline"), "{library}");
    assert_eq!(library["served_by"], Value::Null, "{library}");
}

/// The overview checks each imaging server once per request, even a
/// `no-cache` one whose entities take a while to go through: a check begun
/// during the request is new enough for all of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overview_is_one_check_per_imaging_server() {
    // One agent call at a time: the entities are reached one after another.
    let s = setup_with(|g| g.max_agent_calls = 1).await;
    let cookie = s.sign_in(medulla_sim::USER_PASSWORD).await.expect("signed in");
    assert_eq!(s.get(&cookie, "entities", None).await.0, 200);
    // Slow enough that the entities of one server are reached more than a
    // second apart.
    s.sim.sim.control(serde_json::from_value(json!({"latency_ms": 700})).expect("control")).expect("set");
    let before = s.sim.sim.calls("imaging.getGlobalStatus");
    let (code, body) = s.get(&cookie, "imaging-overview", Some("no-cache")).await;
    assert_eq!(code, 200);
    let json: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!(json["items"].as_array().map(Vec::len), Some(5), "{json}");
    assert_eq!(s.sim.sim.calls("imaging.getGlobalStatus") - before, 3, "General's, Private's and Public's servers");
}

/// What the gateway answers goes compressed to a client that accepts it
/// (the entity list of 5,000 entities is 452 KB of JSON), and reads back
/// the same; a client that does not gets it plain.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_are_compressed_for_a_client_that_accepts_it() {
    let s = setup(Duration::from_secs(900)).await;
    let cookie = s.sign_in(medulla_sim::USER_PASSWORD).await.expect("signed in");
    let (status, plain) = s.get(&cookie, "entities", None).await;
    assert_eq!(status, 200);
    assert!(entities_from(&plain).is_ok(), "plain without Accept-Encoding");
    let url = format!("{}/api/v1/entities", s.base);
    let answer =
        s.http.get(url).header("cookie", &cookie).header("accept-encoding", "gzip").send().await.expect("sent");
    let header = |name: &str| {
        answer.headers().get_all(name).iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join(", ")
    };
    assert_eq!(header("content-encoding"), "gzip");
    assert!(header("vary").to_ascii_lowercase().contains("accept-encoding"), "vary: {}", header("vary"));
    let compressed = answer.bytes().await.expect("body");
    let mut decoded = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&compressed[..]), &mut decoded).expect("gzip");
    assert_eq!(decoded, plain);
}
