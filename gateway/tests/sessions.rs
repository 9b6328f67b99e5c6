//! Sessions that behave: sign-ins throttled, a sign-on token used once,
//! the imaging right required as the console requires it, sessions capped
//! and of bounded lifetime, and an active user's agent session kept alive.

mod common;

use common::{setup_on, setup_with, Setup};
use medulla_imaging_gateway::sessions::COOKIE;
use serde_json::{json, Value};
use std::time::Duration;

/// A sign-in's status, problem type, `Retry-After` and cookie.
struct SignIn {
    status: u16,
    kind: String,
    retry_after: Option<u64>,
    cookie: Option<String>,
}

async fn sign_in(s: &Setup, body: Value, headers: &[(&str, &str)]) -> SignIn {
    let mut request = s.http.post(format!("{}/api/v1/sessions", s.base)).json(&body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let answer = request.send().await.expect("sent");
    let header = |name: &str| answer.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let (retry_after, cookie) = (header("retry-after"), header("set-cookie"));
    let status = answer.status().as_u16();
    let body: Value = answer.json().await.unwrap_or_default();
    SignIn {
        status,
        kind: body["type"].as_str().unwrap_or_default().trim_start_matches("urn:medulla:problem:").to_string(),
        retry_after: retry_after.and_then(|v| v.parse().ok()),
        cookie: cookie.and_then(|c| c.split(';').next().map(str::to_string)),
    }
}

fn password(login: &str, password: &str) -> Value {
    json!({"login": login, "password": password})
}

async fn entities(s: &Setup, cookie: &str) -> u16 {
    s.get(cookie, "entities", None).await.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_sign_ins_are_throttled_per_login_and_per_address() {
    let s = setup_with(|_| {}).await;
    let from = |address: &'static str| [("x-forwarded-for", address)];
    // Three refusals are free; the fourth makes the next wait.
    for attempt in 1..=4 {
        let a = sign_in(&s, password("admin", "wrong"), &from("192.0.2.1")).await;
        assert_eq!((a.status, a.kind.as_str()), (401, "invalid-credentials"), "attempt {attempt}");
    }
    let asked = s.sim.sim.calls("XML-RPC");
    let held = sign_in(&s, password("admin", medulla_sim::USER_PASSWORD), &from("192.0.2.9")).await;
    assert_eq!((held.status, held.kind.as_str(), held.retry_after), (429, "too-many-requests", Some(1)));
    let same_address = sign_in(&s, password("tech", medulla_sim::SCOPED_PASSWORD), &from("192.0.2.1")).await;
    assert_eq!(same_address.status, 429, "the address is held too, whatever the login");
    assert_eq!(s.sim.sim.calls("XML-RPC"), asked, "a held attempt never reaches the agent");
    let elsewhere = sign_in(&s, password("tech", medulla_sim::SCOPED_PASSWORD), &from("192.0.2.2")).await;
    assert_eq!(elsewhere.status, 201, "another user at another address is not held");
    // After the wait, the right password goes through, and clears the count.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let late = sign_in(&s, password("admin", medulla_sim::USER_PASSWORD), &from("192.0.2.1")).await;
    assert_eq!(late.status, 201);
    let again = sign_in(&s, password("admin", "wrong"), &from("192.0.2.1")).await;
    assert_eq!(again.status, 401, "counted from zero again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_on_token_signs_in_once() {
    let s = setup_with(|_| {}).await;
    let token = s.sim.sim.create_token(medulla_sim::USER_LOGIN);
    let body = json!({"login": medulla_sim::USER_LOGIN, "token": token});
    let first = sign_in(&s, body.clone(), &[]).await;
    assert_eq!(first.status, 201);
    assert!(s.sim.sim.token_ok(medulla_sim::USER_LOGIN, &token), "Medulla itself would take it again");
    let replayed = sign_in(&s, body, &[]).await;
    assert_eq!((replayed.status, replayed.kind.as_str()), (401, "invalid-credentials"));
    assert_eq!(entities(&s, &first.cookie.expect("cookie")).await, 200, "the first session stays");
    // Two sign-ins racing with one token: one of them only.
    let token = s.sim.sim.create_token(medulla_sim::USER_LOGIN);
    let body = json!({"login": medulla_sim::USER_LOGIN, "token": token});
    let (a, b) = tokio::join!(sign_in(&s, body.clone(), &[]), sign_in(&s, body, &[]));
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [201, 401]);
}

/// One session asking for many new checks at once gets a few at a time
/// (429 for the rest), so that it cannot take every agent call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_session_has_a_few_requests_in_progress_at_once() {
    let s = setup_with(|_| {}).await;
    s.sim.sim.control(serde_json::from_value(json!({"latency_ms": 300})).expect("control")).expect("set");
    let cookie = s.sign_in(medulla_sim::USER_PASSWORD).await.expect("signed in");
    let requests: Vec<_> = (0..20)
        .map(|i| {
            let (http, cookie) = (s.http.clone(), cookie.clone());
            let url = format!("{}/api/v1/entities/UUID{}/imaging-server-status", s.base, 1 + i % 4);
            tokio::spawn(async move {
                let answer = http.get(url).header("cookie", cookie).header("cache-control", "no-cache").send().await;
                let answer = answer.expect("sent");
                (answer.status().as_u16(), answer.headers().contains_key("retry-after"))
            })
        })
        .collect();
    let mut answers = Vec::new();
    for r in requests {
        answers.push(r.await.expect("joined"));
    }
    let refused = answers.iter().filter(|(status, retry)| *status == 429 && *retry).count();
    let answered = answers.iter().filter(|(status, _)| *status == 200).count();
    assert!(refused >= 12 && answered >= 1 && refused + answered == 20, "{answers:?}");
    let other = s.sign_in(medulla_sim::USER_PASSWORD).await.expect("signed in");
    assert_eq!(entities(&s, &other).await, 200, "another session is not held");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_without_the_imaging_right_is_refused() {
    let s = setup_with(|_| {}).await;
    let refused = sign_in(&s, password(medulla_sim::NO_IMAGING_LOGIN, medulla_sim::NO_IMAGING_PASSWORD), &[]).await;
    assert_eq!((refused.status, refused.kind.as_str(), refused.cookie), (403, "forbidden", None));
    let allowed = sign_in(&s, password(medulla_sim::USER_LOGIN, medulla_sim::USER_PASSWORD), &[]).await;
    assert_eq!(allowed.status, 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_sign_in_only_refuses_passwords() {
    let s = setup_with(|g| g.token_sign_in_only = true).await;
    let refused = sign_in(&s, password(medulla_sim::USER_LOGIN, medulla_sim::USER_PASSWORD), &[]).await;
    assert_eq!((refused.status, refused.kind.as_str()), (403, "password-sign-in-disabled"));
    let token = s.sim.sim.create_token(medulla_sim::USER_LOGIN);
    let by_token = sign_in(&s, json!({"login": medulla_sim::USER_LOGIN, "token": token}), &[]).await;
    assert_eq!(by_token.status, 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_are_capped_per_login_and_in_all_the_oldest_ending() {
    let s = setup_with(|g| {
        g.max_sessions_per_login = 2;
        g.max_sessions = 3;
    })
    .await;
    let admin = || password(medulla_sim::USER_LOGIN, medulla_sim::USER_PASSWORD);
    let mut cookies = Vec::new();
    for _ in 0..3 {
        cookies.push(sign_in(&s, admin(), &[]).await.cookie.expect("cookie"));
    }
    let statuses = [entities(&s, &cookies[0]).await, entities(&s, &cookies[1]).await, entities(&s, &cookies[2]).await];
    assert_eq!(statuses, [401, 200, 200], "two per login: the oldest ended");
    for _ in 0..2 {
        let tech = sign_in(&s, password(medulla_sim::SCOPED_LOGIN, medulla_sim::SCOPED_PASSWORD), &[]).await;
        cookies.push(tech.cookie.expect("cookie"));
    }
    let statuses = [entities(&s, &cookies[1]).await, entities(&s, &cookies[2]).await];
    assert_eq!(statuses, [401, 200], "three in all: the oldest of all ended");
    assert_eq!((entities(&s, &cookies[3]).await, entities(&s, &cookies[4]).await), (200, 200));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_ends_at_its_absolute_lifetime_however_active() {
    let s = setup_with(|g| g.session_max_age = Duration::from_secs(2)).await;
    let cookie = s.sign_in(medulla_sim::USER_PASSWORD).await.expect("signed in");
    for _ in 0..6 {
        assert_eq!(entities(&s, &cookie).await, 200);
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(entities(&s, &cookie).await, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_sign_in_ends_the_old_session_and_two_session_cookies_are_refused() {
    let s = setup_with(|_| {}).await;
    let old = s.sign_in(medulla_sim::USER_PASSWORD).await.expect("signed in");
    let new = sign_in(&s, password(medulla_sim::USER_LOGIN, medulla_sim::USER_PASSWORD), &[("cookie", &old)]).await;
    let new = new.cookie.expect("cookie");
    assert_eq!((entities(&s, &old).await, entities(&s, &new).await), (401, 200));
    let other = s.sign_in(medulla_sim::USER_PASSWORD).await.expect("signed in");
    let both = format!("{new}; {COOKIE}={}", other.split('=').nth(1).expect("value"));
    let (status, body) = s.get(&both, "entities", None).await;
    let kind: Value = serde_json::from_slice(&body).expect("json");
    assert_eq!((status, kind["type"].as_str()), (400, Some("urn:medulla:problem:bad-request")));
}

/// A user whose statuses all come from checks other users ran makes no
/// agent call of their own: their entities (and rights) are read again
/// every few minutes, which keeps their agent session alive (the agent
/// ends one `sessiontimeout` after its last call: agent/mmc/agent.py,
/// `render_POST`'s `lastModified`, and Twisted's session timer, reset by
/// the second `getSession()` of each call in `_cbRender`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_active_users_agent_session_is_kept_alive() {
    let timeout = Duration::from_secs(2);
    let options = medulla_sim::Options { session_timeout: timeout, ..Default::default() };
    let s = setup_on(options, |g| {
        g.session_timeout = timeout;
        g.check_interval = Duration::from_secs(60);
    })
    .await;
    let (reader, checker) = (
        s.sign_in(medulla_sim::USER_PASSWORD).await.expect("signed in"),
        s.sign_in(medulla_sim::USER_PASSWORD).await.expect("signed in"),
    );
    let path = "entities/UUID2/imaging-server-status";
    for _ in 0..12 {
        // The checker's check; the reader gets it from the shared cache.
        assert_eq!(s.get(&checker, path, Some("no-cache")).await.0, 200);
        assert_eq!(s.get(&reader, path, None).await.0, 200);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert_eq!(entities(&s, &reader).await, 200, "the reader's own agent session is alive");
}
