//! A user's call before background work (issue 26, foreground first): when
//! the agent calls are all taken, a user's call that comes to wait after
//! background calls still gets the next turn; background work only takes a
//! turn no user waits for.

use axum::routing::post;
use medulla_imaging_gateway::agent_http::{AgentHttp, AgentLink, Limits};
use medulla_imaging_status::api::http::{Http, Method, Request};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// An agent that answers `/slow` after 400 ms and anything else at once,
/// and notes the order in which the calls came.
async fn agent() -> (String, Arc<Mutex<Vec<String>>>) {
    let came = Arc::new(Mutex::new(Vec::new()));
    let noted = came.clone();
    let app = axum::Router::new().route(
        "/{call}",
        post(move |axum::extract::Path(call): axum::extract::Path<String>| {
            let noted = noted.clone();
            async move {
                noted.lock().expect("order").push(call.clone());
                if call == "slow" {
                    tokio::time::sleep(Duration::from_millis(400)).await;
                }
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, came)
}

async fn call(http: &AgentHttp, url: String) -> bool {
    let request = Request {
        method: Method::Post,
        url: &url,
        body: Some(("text/xml", String::new())),
        headers: &[],
        timeout_ms: 5_000,
        waits_on_server: false,
        cached_if_current: false,
    };
    http.send(request).await.is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_users_call_gets_the_next_turn_before_background_work() {
    let (url, came) = agent().await;
    let limits = Limits { agent_calls: 2, server_calls: 2, wait: Duration::from_secs(5) };
    let link = AgentLink::new(None, limits).expect("link");
    let user = Arc::new(AgentHttp::new(link.clone()));
    let background = Arc::new(user.in_background());
    let spawn = |http: &Arc<AgentHttp>, call_url: String| {
        let http = http.clone();
        tokio::spawn(async move { call(&http, call_url).await })
    };
    // Both turns taken by slow calls.
    let slow: Vec<_> = (0..2).map(|_| spawn(&user, format!("{url}/slow"))).collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // Background work waits first, then a user's call.
    let learning: Vec<_> = (0..3).map(|i| spawn(&background, format!("{url}/background-{i}"))).collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let users = spawn(&user, format!("{url}/user"));
    for task in slow.into_iter().chain(learning).chain([users]) {
        assert!(task.await.expect("task"), "every call answered");
    }
    let order = came.lock().expect("order").clone();
    assert_eq!(order.len(), 6, "{order:?}");
    assert_eq!(&order[..3], ["slow", "slow", "user"], "the user's call before any background call: {order:?}");
}
