//! The simulator's routes: the agent, the control endpoint, the built tab
//! and its `config.json`, and a stand-in for the console's pages.

use crate::agent::agent;
use crate::control::{control, forbidden, local_host};
use crate::state::lock;
use crate::{headers, proxy, Sim, CONFIG_READS, USER_LOGIN};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use std::sync::Arc;

pub fn router(sim: Arc<Sim>) -> Router {
    let dist = sim.dist.clone();
    // As the package's Apache serves it: the precompressed assets
    // (scripts/compress.sh) to a browser that accepts them.
    let files = tower_http::services::ServeDir::new(&dist)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(tower_http::services::ServeFile::new(dist.join("index.html")));
    // The tab, its config.json and its REST API, where it is served.
    let rest = Router::new().route("/{*path}", axum::routing::any(proxy::forward));
    let tab = Router::new()
        .route("/config.json", get(config))
        .nest("/api/v1", rest)
        .fallback_service(files)
        .layer(axum::middleware::from_fn_with_state(sim.clone(), headers::production_headers));
    let machine = Router::new()
        .route("/mmc-agent/", post(agent).options(preflight))
        .route("/mmc-agent", post(agent).options(preflight))
        .route("/_sim/control", post(control))
        .route("/_sim/host.html", get(host_page))
        .route(headers::REPORT_PATH, post(headers::report))
        .route("/mmc/", get(console))
        .route("/mmc/{*page}", get(console));
    let routes = match sim.base_path.trim_end_matches('/') {
        "" => machine.merge(tab),
        // `nest` leaves out the prefix itself (`/imaging-status/`): there,
        // the tab's router gives its index page.
        base => machine.route_service(&format!("{base}/"), tab.clone().with_state(sim.clone())).nest(base, tab),
    };
    routes.with_state(sim)
}

pub(crate) async fn config(State(sim): State<Arc<Sim>>) -> Response {
    *lock(&sim.calls).entry(CONFIG_READS.into()).or_default() += 1;
    match lock(&sim.config).clone() {
        Some(text) => {
            // As the package's Apache serves it: asked again at every load.
            ([(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-cache")], text).into_response()
        }
        None => (StatusCode::NOT_FOUND, "config.json not found").into_response(),
    }
}

#[derive(Deserialize)]
pub(crate) struct HostQuery {
    app: Option<String>,
    /// With `app`: the token to hand to it (else none).
    token: Option<String>,
    /// `none`: the page and its iframe send no referrer
    /// (`Referrer-Policy: no-referrer`), so the tab cannot tell its origin.
    referrer: Option<String>,
}

/// A console-like page that embeds the tab in an iframe, as the console's
/// imaging page of the integration kit does: by default the tab of this
/// simulator with `?embed=1&sso=1`, handed a fresh sign-on token by
/// message once it is ready; `?app=PATH[&token=T]` embeds the tab at
/// another path (of `host_app_origin` when the simulator was started so).
pub(crate) async fn host_page(State(sim): State<Arc<Sim>>, headers: HeaderMap, Query(q): Query<HostQuery>) -> Response {
    // Only a path: the page never embeds what a link names.
    let path = |app: &str| app.starts_with('/') && !app.starts_with("//") && !app.contains('\\');
    if !local_host(&headers) || q.app.as_deref().is_some_and(|a| !path(a)) {
        return forbidden();
    }
    let (app, token) = match q.app {
        Some(app) => (app, q.token),
        None => (format!("{}?embed=1&sso=1", sim.base_path), Some(sim.create_token(USER_LOGIN))),
    };
    let app = format!("{}{app}", sim.host_app_origin.as_deref().unwrap_or(""));
    let sign_on = token.map(|token| serde_json::json!({"login": USER_LOGIN, "token": token}));
    let literal = |v: serde_json::Value| v.to_string().replace("</", "<\\/");
    let policy = if q.referrer.as_deref() == Some("none") { "no-referrer" } else { "strict-origin-when-cross-origin" };
    let html = include_str!("host.html")
        .replace("APP_URL", &literal(app.into()))
        .replace("SIGN_ON", &literal(sign_on.unwrap_or_default()))
        .replace("REFERRER_POLICY", &literal(policy.into()));
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::REFERRER_POLICY, policy)], html).into_response()
}

/// A stand-in for the console's pages that the imaging actions open.
pub(crate) async fn console(uri: Uri) -> Response {
    let page = uri.path_and_query().map_or(String::new(), |p| p.to_string());
    let escaped = page.replace('&', "&amp;").replace('<', "&lt;");
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Medulla console (simulated)</title></head>\
         <body><h1>Medulla console (simulated)</h1><p>The real console would show <code id=\"page\">{escaped}</code>.</p>\
         <p><a href=\"javascript:history.back()\">Back to the imaging status</a></p></body></html>"
    );
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

pub(crate) fn cors(headers: &HeaderMap, response: &mut Response) {
    if let Some(origin) = headers.get(header::ORIGIN) {
        let h = response.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        h.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
}

pub(crate) async fn preflight(headers: HeaderMap) -> Response {
    let mut response = StatusCode::OK.into_response();
    cors(&headers, &mut response);
    let h = response.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("content-type, authorization"));
    h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("POST, OPTIONS"));
    response
}
