//! Contract tests: every answer the gateway gives, in every documented
//! case, in front of the simulated agent, is validated against
//! `public/openapi.yaml` (status code documented for the operation, media
//! type, JSON Schema of the body). `scripts/contract.sh` adds a
//! property-based run of the whole API (schemathesis).

mod common;

use common::setup_with;
use serde_json::{json, Value};
use std::time::Duration;

struct Answer {
    status: u16,
    content_type: String,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        (name == "content-type").then_some(self.content_type.as_str())
    }
}

fn contract() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../public/openapi.yaml");
    let text = std::fs::read_to_string(path).expect("openapi.yaml");
    serde_yaml::from_str(&text).expect("openapi.yaml is YAML")
}

/// The operation of `doc` whose path template matches `path`.
fn operation<'a>(doc: &'a Value, method: &str, path: &str) -> &'a Value {
    let path = path.split('?').next().unwrap_or_default().trim_start_matches("/api/v1");
    let segments: Vec<&str> = path.split('/').collect();
    let (_, item) = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .find(|(template, _)| {
            let t: Vec<&str> = template.split('/').collect();
            t.len() == segments.len() && t.iter().zip(&segments).all(|(t, s)| t.starts_with('{') || t == s)
        })
        .unwrap_or_else(|| panic!("{path} is not in the contract"));
    item.get(method.to_lowercase()).unwrap_or_else(|| panic!("{method} {path} is not in the contract"))
}

fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => doc.pointer(r.trim_start_matches('#')).unwrap_or_else(|| panic!("dangling {r}")),
        None => v,
    }
}

/// Checks one answer against the contract; returns its JSON body.
fn check(doc: &Value, method: &str, path: &str, answer: &Answer) -> Value {
    let what = format!("{method} {path} -> {} {}", answer.status, answer.body);
    let op = operation(doc, method, path);
    let response = op["responses"]
        .get(answer.status.to_string())
        .map(|r| resolve(doc, r))
        .unwrap_or_else(|| panic!("{what}: status not documented"));
    let Some(content) = response.get("content").and_then(Value::as_object) else {
        assert!(answer.body.is_empty(), "{what}: documented without a body");
        return Value::Null;
    };
    let media = answer.header("content-type").unwrap_or_default().to_string();
    let schema = &content.get(&media).unwrap_or_else(|| panic!("{what}: media type {media} not documented"))["schema"];
    let body: Value = serde_json::from_str(&answer.body).unwrap_or_else(|e| panic!("{what}: not JSON: {e}"));
    // The response's schema, with the document's components beside it so
    // that its `#/components/...` references resolve.
    let root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": doc["components"],
        "allOf": [schema],
    });
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|e| panic!("{what}: schema does not compile: {e}"));
    let errors: Vec<String> = validator.iter_errors(&body).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{what}:\n{}", errors.join("\n"));
    body
}

struct Api<'a> {
    setup: &'a common::Setup,
    doc: Value,
    cookie: Option<String>,
    checked: usize,
}

impl Api<'_> {
    async fn call(&mut self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}{path}", self.setup.base);
        // As the tab's browser sends them: its own origin's fetches.
        let mut request =
            self.setup.http.request(method.parse().expect("a method"), url).header("sec-fetch-site", "same-origin");
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body.to_string());
        }
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", cookie);
        }
        let answer = request.send().await.expect("sent");
        if let Some(set) = answer.headers().get("set-cookie").and_then(|v| v.to_str().ok()) {
            self.cookie = set.split(';').next().map(String::from).filter(|c| !c.ends_with('='));
        }
        let content_type = answer.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
        let answer = Answer {
            status: answer.status().as_u16(),
            content_type: content_type.to_string(),
            body: answer.text().await.expect("a body"),
        };
        let body = check(&self.doc, method, path, &answer);
        self.checked += 1;
        (answer.status, body)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_follows_the_contract() {
    // Every request checks anew, so that each control shows at once.
    let s = setup_with(|g| {
        g.check_interval = Duration::ZERO;
        g.history_path = Some(common::temp_history("contract"));
    })
    .await;
    let sim = s.sim.sim.clone();
    let control = |c: Value| sim.control(serde_json::from_value(c).expect("control")).expect("applied");
    let token = sim.create_token(medulla_sim::USER_LOGIN);
    let mut api = Api { setup: &s, doc: contract(), cookie: None, checked: 0 };
    let (user, password) = (medulla_sim::USER_LOGIN, medulla_sim::USER_PASSWORD);
    // A dead imaging server's check ends soon (the agent's 30 s wait, cut).
    control(json!({"connect_timeout_ms": 200}));

    assert_eq!(api.call("GET", "/api/v1/entities", None).await.0, 401);
    assert_eq!(api.call("POST", "/api/v1/sessions", Some(json!({"login": user, "password": "nope"}))).await.0, 401);
    assert_eq!(api.call("POST", "/api/v1/sessions", Some(json!({"login": 3}))).await.0, 400);
    assert_eq!(api.call("POST", "/api/v1/sessions", Some(json!({"login": user, "token": "forged"}))).await.0, 401);
    assert_eq!(api.call("POST", "/api/v1/sessions", Some(json!({"login": user, "token": token}))).await.0, 201);
    assert_eq!(api.call("POST", "/api/v1/sessions", Some(json!({"login": user, "password": password}))).await.0, 201);

    let (status, entities) = api.call("GET", "/api/v1/entities", None).await;
    assert_eq!(status, 200);
    assert_eq!(entities["items"].as_array().map(Vec::len), Some(5));

    for (id, expected) in [
        ("UUID0", "offline"),
        ("UUID1", "connection_error"),
        ("UUID2", "available"),
        ("UUID3", "available"),
        ("UUID4", "not_linked"),
    ] {
        let (status, body) = api.call("GET", &format!("/api/v1/entities/{id}/imaging-server-status"), None).await;
        assert_eq!((status, body["status"].as_str()), (200, Some(expected)), "{id}");
    }
    // The overview: every entity, one check per imaging server.
    let (status, overview) = api.call("GET", "/api/v1/imaging-overview", None).await;
    assert_eq!(status, 200);
    let mut seen: Vec<_> = overview["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["entity_id"].as_str().unwrap_or_default().to_string(),
                i["status"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    seen.sort();
    let expected = [
        ("UUID0", "offline"),
        ("UUID1", "connection_error"),
        ("UUID2", "available"),
        ("UUID3", "available"),
        ("UUID4", "not_linked"),
    ];
    assert_eq!(seen, expected.map(|(e, s)| (e.to_string(), s.to_string())), "{overview}");
    let (_, library) = api.call("GET", "/api/v1/entities/UUID3/imaging-server-status", None).await;
    assert_eq!(library["served_by"]["id"], "UUID2");
    assert_eq!(api.call("GET", "/api/v1/entities/UUID99/imaging-server-status", None).await.0, 404);

    let (status, page) = api.call("GET", "/api/v1/entities/UUID2/imaging-activities?offset=1&limit=3", None).await;
    assert_eq!((status, page["items"].as_array().map(Vec::len)), (200, Some(3)));
    assert_eq!(api.call("GET", "/api/v1/entities/UUID4/imaging-activities", None).await.0, 200);
    assert_eq!(api.call("GET", "/api/v1/entities/UUID2/imaging-activities?limit=0", None).await.0, 400);
    assert_eq!(api.call("GET", "/api/v1/entities/UUID2/imaging-activities?offset=x", None).await.0, 400);
    assert_eq!(api.call("GET", "/api/v1/entities/UUID99/imaging-activities", None).await.0, 404);

    let sync = |id: &str| format!("/api/v1/entities/{id}/boot-menu-synchronisations");
    let (status, done) = api.call("POST", &sync("UUID3"), Some(json!({}))).await;
    assert_eq!((status, &done["succeeded"]), (201, &json!(true)));
    control(json!({"sync_fails": true}));
    let (status, failed) = api.call("POST", &sync("UUID2"), Some(json!({}))).await;
    assert_eq!((status, &failed["succeeded"]), (201, &json!(false)));
    for id in ["UUID0", "UUID1", "UUID4"] {
        let (status, problem) = api.call("POST", &sync(id), Some(json!({}))).await;
        assert_eq!(status, 409, "{id}");
        assert!(problem["detail"].is_string());
    }
    assert_eq!(api.call("POST", &sync("UUID99"), Some(json!({}))).await.0, 404);

    // Flipping a status on the simulated Medulla shows here too.
    control(json!({"entity": "UUID2", "status": "offline"}));
    let (_, flipped) = api.call("GET", "/api/v1/entities/UUID2/imaging-server-status", None).await;
    assert_eq!((&flipped["status"], &flipped["relay"]), (&json!("offline"), &json!("absent")));
    // Since the check that saw it change, with the last figures read, for
    // every entity that server serves. (The first answer was the early
    // Offline, said from the relay while the check waited: a status a
    // check has not ended on yet has no "since".)
    assert_eq!(flipped["since"], json!(null), "{flipped}");
    tokio::time::sleep(Duration::from_millis(600)).await;
    for id in ["UUID2", "UUID3"] {
        let (_, offline) = api.call("GET", &format!("/api/v1/entities/{id}/imaging-server-status"), None).await;
        assert_eq!(offline["since"]["change_seen"], json!(true), "{id}: {offline}");
        assert!(offline["last_available"]["statistics"]["masters"].is_u64(), "{id}: {offline}");
        assert!(offline["last_available"]["checked_at"].as_str() <= offline["since"]["at"].as_str(), "{offline}");
    }
    let (_, first_seen) = api.call("GET", "/api/v1/entities/UUID0/imaging-server-status", None).await;
    assert_eq!((&first_seen["since"]["change_seen"], &first_seen["last_available"]), (&json!(false), &json!(null)));
    // The history of what the checks saw: Library's is its server's.
    let (status, history) = api.call("GET", "/api/v1/entities/UUID3/history?days=1", None).await;
    assert_eq!((status, &history["served_by"]["id"], &history["recorded"]), (200, &json!("UUID2"), &json!(true)));
    let changes = history["changes"].as_array().expect("changes");
    assert!(changes.iter().any(|c| c["status"] == "offline" && c["relay"] == "absent"), "{history}");
    assert!(history["samples"].as_array().is_some_and(|s| !s.is_empty()), "{history}");
    assert!(history["availability"]["ratio"].is_f64(), "{history}");
    let (_, week) = api.call("GET", "/api/v1/entities/UUID4/history", None).await;
    assert_eq!((&week["spans"], &week["served_by"]), (&json!([]), &json!(null)), "no server, no history: {week}");
    let (_, longer) = api.call("GET", "/api/v1/entities/UUID2/history?days=365", None).await;
    assert_eq!(longer["availability"]["period_seconds"], json!(90 * 86_400), "what the gateway keeps: {longer}");
    for days in ["0", "3651", "x", "-1"] {
        assert_eq!(api.call("GET", &format!("/api/v1/entities/UUID2/history?days={days}"), None).await.0, 400);
    }
    assert_eq!(api.call("GET", "/api/v1/entities/UUID99/history", None).await.0, 404);
    // The overview's columns: the servers checked so far (of a few seconds:
    // their share is of the ms observed).
    let (status, summary) = api.call("GET", "/api/v1/history-summary", None).await;
    assert_eq!((status, &summary["recorded"]), (200, &json!(true)), "{summary}");
    let items = summary["items"].as_array().expect("items");
    let public = items.iter().find(|i| i["owner_id"] == "UUID2").expect("UUID2's server");
    assert_eq!(public["availability"]["period_seconds"], json!(7 * 86_400), "{summary}");
    assert!(public["availability"]["ratio"].is_f64(), "{summary}");
    assert_eq!(public["store_trend"], json!(null), "seconds of samples: no trend");
    control(json!({"entity": "UUID1", "server_address": false}));
    let (_, unmatched) = api.call("GET", "/api/v1/entities/UUID1/imaging-server-status", None).await;
    assert_eq!((&unmatched["status"], &unmatched["relay"]), (&json!("offline"), &json!("no_address")));

    // The agent failing, or silent, as the gateway reports it.
    control(json!({"fail": {"mode": "fault", "method": "imaging.getImagingServerConfig"}}));
    assert_eq!(api.call("GET", "/api/v1/entities/UUID2/imaging-server-status", None).await.0, 502);
    // Every server answering again, then each one's check failing: a
    // server whose host is down could still be said Offline from its relay
    // before its check fails, so none is left down.
    control(json!({"entity": "UUID2", "status": "available"}));
    control(json!({"entity": "UUID1", "server_address": true}));
    tokio::time::sleep(Duration::from_millis(1100)).await; // past the checks shared for a second
    control(json!({"fail": {"mode": "exception", "method": "imaging.getGlobalStatus", "count": 3}}));
    let (status, partial) = api.call("GET", "/api/v1/imaging-overview", None).await;
    assert_eq!(status, 200);
    // One server's check failed: its entities are unknown, said as such;
    // the others are there.
    let count = |key: &str| partial[key].as_array().map_or(0, Vec::len);
    assert!(count("unreachable") >= 1 && count("unreachable") + count("items") == 5, "{partial}");
    control(json!({"fail": {"mode": "hang", "method": "medulla_server.getUserLocations"}}));
    assert_eq!(api.call("GET", "/api/v1/entities", None).await.0, 504);

    // Sign out, then a session the agent expired: 401 both.
    assert_eq!(api.call("DELETE", "/api/v1/sessions/current", None).await.0, 204);
    assert_eq!(api.call("GET", "/api/v1/entities", None).await.0, 401);
    api.call("POST", "/api/v1/sessions", Some(json!({"login": user, "password": password}))).await;
    control(json!({"expire_sessions": true}));
    assert_eq!(api.call("GET", "/api/v1/entities", None).await.0, 401);
    assert!(api.checked >= 30, "only {} answers checked", api.checked);
}

/// A property-based run of the whole API by schemathesis (installed in
/// `tools/venv` by scripts/setup.sh): generated requests, valid and not,
/// and every answer held to the contract (status codes, media types,
/// schemas, no server error, bad input refused, authentication required).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_answer_outside_the_contract() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let schemathesis = root.join("tools/venv/bin/schemathesis");
    assert!(schemathesis.exists(), "{} is missing: run scripts/setup.sh", schemathesis.display());
    let s = setup_with(|g| g.check_interval = Duration::from_secs(5)).await;
    let cookie = s.sign_in(medulla_sim::USER_PASSWORD).await.expect("signed in");
    let report = root.join("target/schemathesis");
    // Run from target/, where schemathesis leaves its cache.
    let output = tokio::process::Command::new(schemathesis)
        .current_dir(root.join("target"))
        .arg("run")
        .arg(root.join("public/openapi.yaml"))
        .args(["--url", &format!("{}/api/v1", s.base)])
        .args(["--header", &format!("Cookie: {cookie}")])
        .args(["--checks", "all", "--max-examples", "40", "--seed", "1", "--workers", "1", "--no-color"])
        // Signing out would end the session every other request uses: the
        // test above covers it.
        .args(["--exclude-operation-id", "signOut"])
        .args(["--generation-database", "none", "--report", "junit", "--report-dir"])
        .arg(&report)
        .output()
        .await
        .expect("schemathesis ran");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "schemathesis failed:\n{text}\n{}", String::from_utf8_lossy(&output.stderr));
    let generated = text.lines().find_map(|l| l.trim().split_once(" generated")?.0.parse::<u32>().ok());
    assert!(generated.is_some_and(|n| n >= 300), "too few cases generated:\n{text}");
}
