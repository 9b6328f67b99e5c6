//! Contract tests: every answer the simulator's REST side gives, in every
//! documented case, is validated against `public/openapi.yaml` (status code
//! documented for the operation, media type, JSON Schema of the body).

mod common;

use common::{request, Answer};
use medulla_sim::{start, Control, Options};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::Duration;

fn contract() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../public/openapi.yaml");
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

struct Api {
    addr: SocketAddr,
    doc: Value,
    cookie: Option<String>,
    checked: usize,
}

impl Api {
    fn call(&mut self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let text = body.map(|b| b.to_string()).unwrap_or_default();
        let mut headers = vec![("Content-Type", "application/json")];
        let cookie = self.cookie.clone().unwrap_or_default();
        if self.cookie.is_some() {
            headers.push(("Cookie", &cookie));
        }
        let answer = request(self.addr, method, path, &headers, &text);
        if let Some(set) = answer.header("set-cookie") {
            self.cookie = set.split(';').next().map(String::from).filter(|c| !c.ends_with('='));
        }
        let body = check(&self.doc, method, path, &answer);
        self.checked += 1;
        (answer.status, body)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_follows_the_contract() {
    let options =
        Options { hang: Duration::from_millis(200), connect_timeout: Duration::from_millis(200), ..Options::default() };
    let running = start(options).await.expect("started");
    let sim = running.sim.clone();
    let token = sim.create_token(medulla_sim::USER_LOGIN);
    let addr = running.addr;
    let api = tokio::task::spawn_blocking(move || {
        let mut api = Api { addr, doc: contract(), cookie: None, checked: 0 };
        let control = |c: Value| sim.control(serde_json::from_value::<Control>(c).expect("control")).expect("applied");

        assert_eq!(api.call("GET", "/api/v1/entities", None).0, 401);
        assert_eq!(api.call("POST", "/api/v1/sessions", Some(json!({"login": "admin", "password": "nope"}))).0, 401);
        assert_eq!(api.call("POST", "/api/v1/sessions", Some(json!({"login": 3}))).0, 400);
        assert_eq!(api.call("POST", "/api/v1/sessions", Some(json!({"login": "admin", "token": "forged"}))).0, 401);
        assert_eq!(api.call("POST", "/api/v1/sessions", Some(json!({"login": "admin", "token": token}))).0, 201);
        assert_eq!(api.call("POST", "/api/v1/sessions", Some(json!({"login": "admin", "password": "medulla"}))).0, 201);

        let (status, entities) = api.call("GET", "/api/v1/entities", None);
        assert_eq!(status, 200);
        assert_eq!(entities["items"].as_array().map(Vec::len), Some(5));

        for (id, expected) in [("UUID0", "offline"), ("UUID1", "connection_error"), ("UUID2", "available"), ("UUID3", "available"), ("UUID4", "not_linked")] {
            let (status, body) = api.call("GET", &format!("/api/v1/entities/{id}/imaging-server-status"), None);
            assert_eq!((status, body["status"].as_str()), (200, Some(expected)), "{id}");
        }
        let (_, library) = api.call("GET", "/api/v1/entities/UUID3/imaging-server-status", None);
        assert_eq!(library["served_by"]["id"], "UUID2");
        assert_eq!(api.call("GET", "/api/v1/entities/UUID99/imaging-server-status", None).0, 404);

        let (status, page) = api.call("GET", "/api/v1/entities/UUID2/imaging-activities?offset=1&limit=3", None);
        assert_eq!((status, page["items"].as_array().map(Vec::len)), (200, Some(3)));
        assert_eq!(api.call("GET", "/api/v1/entities/UUID4/imaging-activities", None).0, 200);
        assert_eq!(api.call("GET", "/api/v1/entities/UUID2/imaging-activities?limit=0", None).0, 400);
        assert_eq!(api.call("GET", "/api/v1/entities/UUID2/imaging-activities?offset=x", None).0, 400);
        assert_eq!(api.call("GET", "/api/v1/entities/UUID99/imaging-activities", None).0, 404);

        let (status, done) = api.call("POST", "/api/v1/entities/UUID3/boot-menu-synchronisations", Some(json!({})));
        assert_eq!((status, &done["succeeded"]), (201, &json!(true)));
        control(json!({"sync_fails": true}));
        let (status, failed) = api.call("POST", "/api/v1/entities/UUID2/boot-menu-synchronisations", Some(json!({})));
        assert_eq!((status, &failed["succeeded"]), (201, &json!(false)));
        for id in ["UUID0", "UUID1", "UUID4"] {
            let (status, problem) = api.call("POST", &format!("/api/v1/entities/{id}/boot-menu-synchronisations"), Some(json!({})));
            assert_eq!(status, 409, "{id}");
            assert!(problem["detail"].is_string());
        }
        assert_eq!(api.call("POST", "/api/v1/entities/UUID99/boot-menu-synchronisations", Some(json!({}))).0, 404);

        // Flipping a status on the control endpoint shows here too.
        control(json!({"entity": "UUID2", "status": "offline"}));
        let (_, flipped) = api.call("GET", "/api/v1/entities/UUID2/imaging-server-status", None);
        assert_eq!((&flipped["status"], &flipped["relay"]), (&json!("offline"), &json!("absent")));
        control(json!({"entity": "UUID1", "server_address": false}));
        let (_, unmatched) = api.call("GET", "/api/v1/entities/UUID1/imaging-server-status", None);
        assert_eq!((&unmatched["status"], &unmatched["relay"]), (&json!("offline"), &json!("no_address")));
        let cookie = api.cookie.clone().expect("a session");
        let call = "<methodCall><methodName>imaging.getGlobalStatus</methodName><params><param><value>UUID2</value></param></params></methodCall>";
        let agent = request(addr, "POST", "/mmc-agent/", &[("Authorization", "Basic bW1jOnMzY3IzdA=="), ("Cookie", &cookie)], call);
        assert!(agent.body.contains("<struct>\n</struct>"), "the agent's side still answers: {}", agent.body);

        // The agent failing, or silent, as the gateway reports it.
        control(json!({"fail": {"mode": "fault", "method": "imaging.getGlobalStatus"}}));
        assert_eq!(api.call("GET", "/api/v1/entities/UUID2/imaging-server-status", None).0, 502);
        control(json!({"fail": {"mode": "hang", "method": "medulla_server.getUserLocations"}}));
        assert_eq!(api.call("GET", "/api/v1/entities", None).0, 504);

        // Sign out, then an expired session: 401 both.
        assert_eq!(api.call("DELETE", "/api/v1/sessions/current", None).0, 204);
        assert_eq!(api.call("GET", "/api/v1/entities", None).0, 401);
        api.call("POST", "/api/v1/sessions", Some(json!({"login": "admin", "password": "medulla"})));
        control(json!({"expire_sessions": true}));
        assert_eq!(api.call("GET", "/api/v1/entities", None).0, 401);
        api.checked
    })
    .await
    .expect("contract checks");
    assert!(api >= 30, "only {api} answers checked");
}
