//! Bad input: malformed requests of every kind (methods, bodies, headers,
//! query values, ids), signed in and not. None gets a server error, every
//! refusal is a problem document, and the gateway stays up.

mod common;

use common::setup_with;
use serde_json::Value;

/// A request: method, path under `api/v1/`, headers, body.
type Bad = (&'static str, String, Vec<(&'static str, Vec<u8>)>, Vec<u8>);

fn bad_requests() -> Vec<Bad> {
    let json = || ("content-type", b"application/json".to_vec());
    let mut out: Vec<Bad> = Vec::new();
    // Methods a resource does not take, and methods that do not exist.
    let paths = [
        "sessions",
        "sessions/current",
        "entities",
        "imaging-overview",
        "entities/UUID2/imaging-server-status",
        "entities/UUID2/imaging-activities",
        "entities/UUID2/boot-menu-synchronisations",
    ];
    for path in paths {
        for method in ["PUT", "PATCH", "OPTIONS", "FOO", "DELETE", "POST", "GET"] {
            out.push((method, path.to_string(), vec![json()], b"{}".to_vec()));
        }
    }
    // Sign-in bodies.
    let long = "x".repeat(10_000);
    let deep = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
    let bodies: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"{".to_vec(),
        b"null".to_vec(),
        b"[]".to_vec(),
        b"\"admin\"".to_vec(),
        br#"{"login": 1, "password": 2}"#.to_vec(),
        br#"{"login": "admin"}"#.to_vec(),
        br#"{"login": "admin", "password": "x", "token": "y"}"#.to_vec(),
        br#"{"login": "", "password": ""}"#.to_vec(),
        format!(r#"{{"login": "{long}", "password": "x"}}"#).into_bytes(),
        deep.into_bytes(),
        vec![0xff, 0xfe, 0x00, 0x7b],
        b"{\"login\": \"ad\\u0000min\", \"password\": \"x\"}".to_vec(),
        "x".repeat(20_000).into_bytes(),
        "x".repeat(1_000_000).into_bytes(),
    ];
    for body in bodies {
        out.push(("POST", "sessions".into(), vec![json()], body.clone()));
        out.push(("POST", "sessions".into(), vec![("content-type", b"text/plain".to_vec())], body));
    }
    // Headers.
    let headers: Vec<(&'static str, Vec<u8>)> = vec![
        ("cache-control", b"max-age=-1".to_vec()),
        ("cache-control", b"max-age=999999999999999999999999".to_vec()),
        ("cache-control", b"no-cache, max-age=abc, ,,".to_vec()),
        ("cache-control", vec![0xe9, 0x80, 0xff]),
        ("cookie", b"medulla_imaging_gateway=".to_vec()),
        ("cookie", b"medulla_imaging_gateway=a; medulla_imaging_gateway=b".to_vec()),
        ("cookie", format!("medulla_imaging_gateway={}", "f".repeat(4000)).into_bytes()),
        ("cookie", vec![b'a', b'=', 0xff, 0xfe]),
        ("content-type", b"application/json; charset=\xff".to_vec()),
        ("x-forwarded-for", b"not an address, 999.1.1.1".to_vec()),
        ("sec-fetch-site", b"cross-site".to_vec()),
        ("accept", b"*/*;q=abc".to_vec()),
    ];
    for (name, value) in headers {
        for path in [
            "entities",
            "entities/UUID2/imaging-server-status",
            "imaging-overview",
            "entities/UUID2/imaging-activities",
        ] {
            out.push(("GET", path.into(), vec![(name, value.clone())], Vec::new()));
        }
        out.push(("POST", "sessions".into(), vec![(name, value)], br#"{"login": "a", "password": "b"}"#.to_vec()));
    }
    // Query values.
    for query in [
        "offset=-1",
        "offset=1e3",
        "offset=99999999999999999999999",
        "limit=0",
        "limit=101",
        "limit=%00",
        "offset=&limit=",
        "limit=5&limit=6",
        "offset=%ff%fe",
        "unknown=1",
        "limit=1;drop",
        &format!("offset={}", "9".repeat(5000)),
    ] {
        out.push(("GET", format!("entities/UUID2/imaging-activities?{query}"), Vec::new(), Vec::new()));
    }
    // Ids.
    for id in [
        "UUID99999999999999999999999",
        "..%2F..%2Fetc%2Fpasswd",
        "%00",
        "UUID2%20",
        "%C3%9CUID2",
        "%ff",
        "UUID2%2F..%2FUUID0",
        "",
        "'%3B--",
        &"U".repeat(3000),
    ] {
        for resource in ["imaging-server-status", "imaging-activities", "boot-menu-synchronisations", "nothing"] {
            let method = if resource == "boot-menu-synchronisations" { "POST" } else { "GET" };
            out.push((method, format!("entities/{id}/{resource}"), vec![json()], b"{}".to_vec()));
        }
        out.push(("PUT", format!("entities/{id}/imaging-server-status"), vec![json()], b"{}".to_vec()));
    }
    // Paths outside the contract.
    for path in ["", "nothing", "entities/UUID2", "entities/UUID2/imaging-server-status/x", "sessions/other", ".."] {
        out.push(("GET", path.into(), Vec::new(), Vec::new()));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_problem_documents_and_never_a_server_error() {
    let s = setup_with(|_| {}).await;
    let cookie = s.sign_in(medulla_sim::USER_PASSWORD).await.expect("signed in");
    let requests = bad_requests();
    assert!(requests.len() >= 200, "{} requests", requests.len());
    // A connection of its own for each: the server closes one after
    // refusing a body it did not read.
    let http = reqwest::Client::builder().pool_max_idle_per_host(0).build().expect("a client");
    let mut refusals = 0;
    for (signed_in, (method, path, headers, body)) in requests.iter().enumerate().map(|(i, r)| (i % 3 != 0, r)) {
        let url = format!("{}/api/v1/{path}", s.base);
        let mut request = http.request(method.parse().expect("method"), url).body(body.clone());
        if signed_in && !headers.iter().any(|(name, _)| *name == "cookie") {
            request = request.header("cookie", &cookie);
        }
        for (name, value) in headers {
            request = request.header(*name, reqwest::header::HeaderValue::from_bytes(value).expect("header value"));
        }
        let what = format!("{method} {path} {:?}", headers.iter().map(|(n, _)| n).collect::<Vec<_>>());
        let answer = match request.send().await {
            Ok(answer) => answer,
            // A body far over the limit is answered 413 from its length,
            // and the connection closed, while the client may still be
            // sending it: then the client sees the closing, not the answer
            // (HTTP/1.1 without `Expect: 100-continue`). The gateway is
            // still up: the next requests, and the end of this test, say so.
            Err(e) if body.len() > 16 * 1024 && e.is_request() => {
                refusals += 1;
                continue;
            }
            Err(e) => panic!("{what}: {e}"),
        };
        let status = answer.status().as_u16();
        let content_type =
            answer.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        let text = answer.text().await.unwrap_or_default();
        assert!(status < 500, "{what}: {status} {text}");
        if status >= 400 {
            refusals += 1;
            let problem: Value = serde_json::from_str(&text).unwrap_or_default();
            assert!(
                content_type == "application/problem+json"
                    && problem["type"].as_str().is_some_and(|t| t.starts_with("urn:medulla:problem:"))
                    && problem["status"] == status,
                "{what}: {status} {content_type} {text}"
            );
        }
    }
    assert!(refusals >= 150, "only {refusals} refusals: the requests were not bad enough");
    let health = s.http.get(format!("{}/healthz", s.base)).send().await.expect("sent");
    assert_eq!(health.status().as_u16(), 200, "the gateway is up");
    // (Some of the requests signed out, or signed in again from that session.)
    let cookie = s.sign_in(medulla_sim::USER_PASSWORD).await.expect("signed in");
    let (status, _) = s.get(&cookie, "entities/UUID2/imaging-server-status", None).await;
    assert_eq!(status, 200, "and answers as before");
}
