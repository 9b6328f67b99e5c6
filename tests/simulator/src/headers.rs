//! The headers a production server sends with the tab (the gateway and the
//! Apache snippet send the same): a strict Content-Security-Policy, no MIME
//! sniffing, no referrer beyond the origin, an `index.html` that is never
//! served stale after an upgrade, and its hashed assets kept a year. The simulator adds a `report-uri`
//! so that the tests fail on any violation.

use crate::state::{lock, Sim};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;

/// The policy, with the origins that may embed the tab after `'self'`.
pub fn content_security_policy(frame_ancestors: &[String]) -> String {
    let ancestors: String = frame_ancestors.iter().map(|o| format!(" {o}")).collect();
    format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; frame-ancestors 'self'{ancestors}; base-uri 'none'; form-action 'self'"
    )
}

/// Where the browser reports violations to the simulator.
pub const REPORT_PATH: &str = "/_sim/csp-report";

/// An asset whose name has Trunk's content hash (`main-0123456789abcdef.css`,
/// `app-0123456789abcdef_bg.wasm`): the package's Apache lets browsers keep
/// it a year without asking again.
fn is_hashed_asset(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let Some((stem, extension)) = name.rsplit_once('.') else { return false };
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    let hash = stem.rsplit_once('-').map_or("", |(_, hash)| hash);
    matches!(extension, "js" | "wasm" | "css")
        && (1..=16).contains(&hash.len())
        && hash.bytes().all(|b| b.is_ascii_hexdigit())
}

pub(crate) async fn production_headers(State(sim): State<Arc<Sim>>, request: Request, next: Next) -> Response {
    let hashed = is_hashed_asset(request.uri().path());
    let mut response = next.run(request).await;
    let kept = hashed && response.status().is_success();
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|t| t.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    let policy = format!("{}; report-uri {REPORT_PATH}", content_security_policy(&sim.embed_allowed_origins()));
    let headers = response.headers_mut();
    if let Ok(policy) = HeaderValue::from_str(&policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if html {
        // Its assets have content hashes in their names; it has not.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    } else if kept {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    }
    response
}

/// Keeps a violation report (`application/csp-report`).
pub(crate) async fn report(State(sim): State<Arc<Sim>>, body: axum::body::Bytes) -> axum::http::StatusCode {
    lock(&sim.csp_reports).push(String::from_utf8_lossy(&body).into_owned());
    axum::http::StatusCode::NO_CONTENT
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_assets_named_with_their_hash_are_kept() {
        for kept in ["/main-53a1c0ffee0d1234.css", "/app-0123456789abcdef_bg.wasm", "/x/boot-1c8c4306d2bc2c70.js"] {
            assert!(super::is_hashed_asset(kept), "{kept}");
        }
        for asked in ["/index.html", "/config.json", "/openapi.yaml", "/main.css", "/app-nothex.js", "/app-12.json"] {
            assert!(!super::is_hashed_asset(asked), "{asked}");
        }
    }
}
