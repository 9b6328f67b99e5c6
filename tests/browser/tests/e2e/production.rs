//! What a production server relies on: a page without inline script or
//! style (so that a strict Content-Security-Policy needs no
//! `'unsafe-inline'` and no per-build hash), assets that work under any URL
//! prefix, and the production headers. Every browser test also fails on
//! any Content-Security-Policy violation the browser reports (see
//! `Browser::close`).

use crate::harness::*;
use medulla_sim::Options;

#[test]
fn the_built_page_has_no_inline_script_or_style_and_only_relative_assets() {
    let html = std::fs::read_to_string(dist().join("index.html")).expect("index.html");
    let scripts: Vec<&str> = html.split("<script").skip(1).collect();
    assert!(!scripts.is_empty(), "no script at all: {html}");
    for script in scripts {
        let (attributes, rest) = script.split_once('>').expect("a closed tag");
        assert!(attributes.contains("src=\"./"), "a script without a relative src: <script{attributes}>");
        assert!(rest.starts_with("</script>"), "an inline script: <script{script}");
    }
    assert!(!html.contains("<style") && !html.contains(" style="), "an inline style: {html}");
    for attribute in ["src=\"", "href=\""] {
        for url in html.split(attribute).skip(1).map(|r| r.split('"').next().unwrap_or_default()) {
            // `data:,`: the empty icon, so that no /favicon.ico is asked.
            assert!(
                url.starts_with("./") || url == "data:,",
                "{attribute}{url}\": the page would not load under a prefix"
            );
        }
    }
    assert!(html.contains("<link rel=\"icon\" href=\"data:,\">"), "no empty icon: browsers would ask /favicon.ico");
}

/// Regression: the assets were loaded from the site root, so under
/// `Alias /imaging-status/` the tab stayed on "Loading…" for ever.
async fn the_tab_works_under_a_url_prefix(t: Transport) {
    let b = open_with(t, |o: &mut Options| o.base_path = "/imaging-status/".into()).await;
    b.open_signed_in("/imaging-status/?entity=UUID2").await;
    b.wait_status("available").await;
    b.button("Create a reference image").await.click().await.expect("clicked");
    let url = b.console_page().await;
    assert!(url.contains("/mmc/main.php?module=imaging&submod=manage&action=master&location=UUID2"), "{url}");
    b.close().await;
}

/// The headers of the page and of `config.json`, read off the wire.
async fn production_headers_come_with_the_tab(t: Transport) {
    let b = open(t).await;
    for path in ["/", "/?entity=UUID2", "/config.json"] {
        let head = head_of(&b, path).await;
        let has = |line: &str| head.lines().any(|l| l.eq_ignore_ascii_case(line));
        assert!(
            has(
                "content-security-policy: default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
                 img-src 'self' data:; connect-src 'self'; frame-ancestors 'self'; base-uri 'none'; \
                 form-action 'self'; report-uri /_sim/csp-report"
            ),
            "{path}: {head}"
        );
        assert!(has("x-content-type-options: nosniff") && has("referrer-policy: same-origin"), "{path}: {head}");
    }
    assert!(head_of(&b, "/").await.to_ascii_lowercase().contains("cache-control: no-cache"));
    b.close().await;
}

/// The status line and headers of a GET, as the server sends them.
async fn head_of(b: &Browser, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(b.sim.addr).await.expect("connected");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", b.sim.addr);
    stream.write_all(request.as_bytes()).await.expect("sent");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("read");
    let text = String::from_utf8_lossy(&answer);
    text.split("\r\n\r\n").next().unwrap_or_default().replace("\r\n", "\n")
}

/// The check every test makes on closing can fail: an inline script added
/// to the page is refused, and the browser reports it.
async fn a_policy_violation_is_reported(t: Transport) {
    let b = open(t).await;
    b.open_signed_in("/?entity=UUID2").await;
    b.wait_status("available").await;
    b.c.execute(
        "const s = document.createElement('script'); s.textContent = 'window.ran = true'; document.body.append(s); \
         return window.ran === true",
        vec![],
    )
    .await
    .map(|ran| assert_eq!(ran, serde_json::json!(false), "the inline script ran"))
    .expect("script added");
    until("the violation report", || async { (!b.sim.sim.csp_reports().is_empty()).then_some(()) }).await;
    assert!(b.sim.sim.csp_reports()[0].contains("script-src"), "{:?}", b.sim.sim.csp_reports());
}

on_both_transports!(
    the_tab_works_under_a_url_prefix,
    production_headers_come_with_the_tab,
    a_policy_violation_is_reported
);
