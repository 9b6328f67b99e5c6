use crate::harness::*;
use crate::overview::{round_over, rows};
use fantoccini::Locator;
use medulla_sim::{Options, Running};
use serde_json::{json, Value};

/// A console page on another origin of the same site (another port), that
/// embeds the tab of `b` as the console's imaging page does.
async fn host_server(b: &Browser) -> Running {
    let options = Options { dist: dist(), host_app_origin: Some(origin(&b.sim)), ..Options::default() };
    medulla_sim::start(options).await.expect("host page server")
}

fn origin(r: &Running) -> String {
    format!("http://{}", r.addr)
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Opens the host page of `host` embedding the tab of `b` at `app_path`.
async fn open_host(b: &Browser, host: &Running, app_path: &str) {
    b.c.goto(&format!("{}_sim/host.html?app={}", host.url(), encode(app_path))).await.expect("host page");
}

/// Opens the host page of `host` embedding the tab of `b` at `app_path`,
/// handing it a fresh sign-on token by message, as the kit's page does;
/// the token.
async fn open_host_handing_a_token(b: &Browser, host: &Running, app_path: &str) -> String {
    let token = b.sim.sim.create_token(medulla_sim::USER_LOGIN);
    let url = format!("{}_sim/host.html?app={}&token={token}", host.url(), encode(app_path));
    b.c.goto(&url).await.expect("host page");
    token
}

/// The messages the host page received from the tab.
async fn host_log(b: &Browser) -> Vec<Value> {
    let text = b.c.find(Locator::Id("log")).await.expect("log").text().await.unwrap_or_default();
    text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
}

async fn wait_message(b: &Browser, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
    until(what, || async { host_log(b).await.into_iter().rev().find(|m| wanted(m)) }).await
}

fn allow(b: &Browser, host: &Running) {
    b.configure(json!({"embed_allowed_origins": [origin(host)]}));
}

async fn enter_tab(b: &Browser) {
    b.c.enter_parent_frame().await.ok();
    b.c.find(Locator::Css("iframe")).await.expect("iframe").enter_frame().await.expect("into the tab");
}

async fn single_sign_on_messages_and_height_with_the_host(t: Transport) {
    let b = open(t).await;
    let host = host_server(&b).await;
    allow(&b, &host);
    let token = b.sim.sim.create_token(medulla_sim::USER_LOGIN);
    open_host(&b, &host, &format!("/?embed=1&entity=UUID2#login=admin&token={token}")).await;

    wait_message(&b, "ready", |m| m["type"] == "ready").await;
    let status = wait_message(&b, "Public's status", |m| m["type"] == "status" && m["status"] == "available").await;
    assert_eq!(status["entity"], "UUID2");
    assert_eq!(status["source"], "medulla-imaging-status");
    assert_eq!(status["label"], "Available");

    // The iframe follows the content's height.
    let tall = until("the height of Public's figures", || async {
        let h = host_log(&b).await.into_iter().rev().find(|m| m["type"] == "height")?["height"].as_i64()?;
        (h > 500).then_some(h)
    })
    .await;
    let frame_height = b.c.execute("return document.getElementById('tab').style.height", vec![]).await.expect("height");
    assert_eq!(frame_height, json!(format!("{tall}px")));

    // The token is gone from the address bar, the history and storage.
    enter_tab(&b).await;
    b.wait_status("available").await;
    let seen = b
        .c
        .execute("return [location.href, JSON.stringify(localStorage), JSON.stringify(sessionStorage), document.body.innerHTML].join(' ')", vec![])
        .await
        .expect("read");
    let seen = seen.as_str().unwrap_or_default();
    assert!(!seen.contains(&token) && !seen.contains('#'), "token left behind: {seen}");
    assert!(b.c.find(Locator::Css(".top .langs")).await.is_err(), "no header of its own when embedded");

    // The host selects an entity and sets the language.
    b.c.enter_parent_frame().await.expect("back to the host");
    b.c.execute("sendToApp({type: 'select-entity', entity: 'UUID0'})", vec![]).await.expect("sent");
    wait_message(&b, "General's status", |m| {
        m["type"] == "status" && m["entity"] == "UUID0" && m["status"] == "offline"
    })
    .await;
    until("a shorter iframe", || async {
        let h = host_log(&b).await.into_iter().rev().find(|m| m["type"] == "height")?["height"].as_i64()?;
        (h < tall).then_some(h)
    })
    .await;
    b.c.execute("sendToApp({type: 'set-language', language: 'fr'})", vec![]).await.expect("sent");
    enter_tab(&b).await;
    until("French", || async { (b.status_title().await == "Hors ligne").then_some(()) }).await;
    // The console's own locale codes; one the tab lacks changes nothing.
    b.c.enter_parent_frame().await.expect("host");
    b.c.execute("sendToApp({type: 'set-language', language: 'es_ES'})", vec![]).await.expect("sent");
    enter_tab(&b).await;
    until("Spanish", || async { (b.status_title().await == "Fuera de línea").then_some(()) }).await;
    b.c.enter_parent_frame().await.expect("host");
    b.c.execute("sendToApp({type: 'set-language', language: 'de_DE'})", vec![]).await.expect("sent");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    enter_tab(&b).await;
    assert_eq!(b.status_title().await, "Fuera de línea", "a language the tab lacks is ignored");
    b.c.enter_parent_frame().await.expect("host");
    b.c.execute("sendToApp({type: 'set-language', language: 'fr_FR'})", vec![]).await.expect("sent");
    enter_tab(&b).await;
    until("French again", || async { (b.status_title().await == "Hors ligne").then_some(()) }).await;

    // Console links navigate the console itself, not the iframe.
    b.c.enter_parent_frame().await.expect("host");
    b.c.execute("sendToApp({type: 'select-entity', entity: 'UUID2'})", vec![]).await.expect("sent");
    // Once the iframe has grown to Public's figures, the host page is
    // scrolled so that the actions, low in it, are on screen: geckodriver
    // does not scroll the top page for a click inside a frame.
    until("the iframe grown to Public's figures", || async {
        let h = b.c.execute("return document.getElementById('tab').offsetHeight", vec![]).await.ok()?.as_i64()?;
        (h >= tall).then_some(())
    })
    .await;
    b.c.execute("window.scrollTo(0, document.body.scrollHeight)", vec![]).await.expect("scrolled");
    enter_tab(&b).await;
    b.wait_status("available").await;
    b.button("Déployer une image").await.click().await.expect("clicked");
    let top = b.console_page().await;
    assert!(top.contains("&entity_id=2&"), "{top}");
    b.close().await;
}

async fn a_refused_token_falls_back_to_the_login_form(t: Transport) {
    let b = open(t).await;
    let host = host_server(&b).await;
    allow(&b, &host);
    open_host(&b, &host, "/?embed=1#login=admin&token=forged").await;
    enter_tab(&b).await;
    b.wait_status("signed-out").await;
    b.find("//*[@role='alert' and contains(., 'could not sign you in automatically')]").await;
    let href = b.c.execute("return location.href", vec![]).await.expect("href");
    assert!(!href.as_str().unwrap_or_default().contains("forged"));
    b.sign_in_as(medulla_sim::USER_LOGIN, medulla_sim::USER_PASSWORD).await;
    b.wait_status("offline").await;
    b.close().await;
}

/// A page from an origin not in `embed_allowed_origins` gets no message,
/// and its messages are ignored.
async fn a_foreign_host_is_ignored(t: Transport) {
    let b = open(t).await;
    let allowed = host_server(&b).await;
    let foreign = host_server(&b).await;
    allow(&b, &allowed);
    // The tab's own defence, should a server's policy let the page frame it.
    b.control(json!({"frame_ancestors": [origin(&foreign)]}));
    let token = b.sim.sim.create_token(medulla_sim::USER_LOGIN);
    open_host(&b, &foreign, &format!("/?embed=1&entity=UUID2#login=admin&token={token}")).await;
    enter_tab(&b).await;
    // Its token is not used: a foreign page cannot sign the tab in.
    b.wait_status("signed-out").await;
    assert_eq!(b.sim.sim.calls("base.tokenAuthenticate"), 0);
    b.sign_in_as(medulla_sim::USER_LOGIN, medulla_sim::USER_PASSWORD).await;
    b.wait_status("available").await;
    b.c.enter_parent_frame().await.expect("host");
    b.c.execute("sendToApp({type: 'select-entity', entity: 'UUID0'})", vec![]).await.expect("sent");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert!(host_log(&b).await.is_empty(), "the tab posted to a foreign origin: {:?}", host_log(&b).await);
    enter_tab(&b).await;
    assert_eq!(b.status().await, "available", "a foreign host changed the entity");
    b.close().await;
}

/// As the integration kit's console page does: the tab (`?sso=1`) says it
/// is ready, the page hands it a token of the console's `get_token()` by
/// message and drops it; the tab signs in with it. The token stays in no
/// page's HTML, address or storage.
async fn a_token_handed_by_message_signs_in(t: Transport) {
    let b = open(t).await;
    let host = host_server(&b).await;
    allow(&b, &host);
    let token = open_host_handing_a_token(&b, &host, "/?embed=1&sso=1&entity=UUID2").await;
    wait_message(&b, "Public's status", |m| m["type"] == "status" && m["status"] == "available").await;
    let host_page =
        b.c.execute("return document.documentElement.outerHTML + String(window.signOn)", vec![])
            .await
            .expect("host page read");
    assert!(!host_page.as_str().unwrap_or_default().contains(&token), "the token stayed in the host page");
    assert_eq!(b.sim.sim.calls("base.tokenAuthenticate"), 1);
    enter_tab(&b).await;
    b.wait_status("available").await;
    let seen = b
        .c
        .execute("return [location.href, JSON.stringify(localStorage), JSON.stringify(sessionStorage), document.documentElement.outerHTML].join(' ')", vec![])
        .await
        .expect("read");
    assert!(!seen.as_str().unwrap_or_default().contains(&token), "token left in the tab");
    b.close().await;
}

/// Regression: a sign-on lost to a transport error used the token up and
/// said "refused". Medulla accepts it until it expires: tried again.
async fn a_sign_on_lost_to_the_network_is_tried_again(t: Transport) {
    let b = open(t).await;
    let host = host_server(&b).await;
    allow(&b, &host);
    let token = b.sim.sim.create_token(medulla_sim::USER_LOGIN);
    b.control(json!({"fail": {"mode": "http_500", "method": "base.tokenAuthenticate"}}));
    open_host(&b, &host, &format!("/?embed=1&entity=UUID2#login=admin&token={token}")).await;
    wait_message(&b, "Public's status", |m| m["type"] == "status" && m["status"] == "available").await;
    assert_eq!(b.sim.sim.calls("base.tokenAuthenticate"), 2);
    b.close().await;
}

/// Regression: a `select-entity` sent before the entity list arrived was
/// dropped. It is kept, and shown once the list is there.
async fn an_early_select_entity_is_kept(t: Transport) {
    let b = open(t).await;
    let host = host_server(&b).await;
    allow(&b, &host);
    b.control(json!({"latency_ms": 1500}));
    open_host_handing_a_token(&b, &host, "/?embed=1&sso=1").await;
    wait_message(&b, "ready", |m| m["type"] == "ready").await;
    b.c.execute("sendToApp({type: 'select-entity', entity: 'UUID1'})", vec![]).await.expect("sent");
    assert_eq!(b.sim.sim.calls("medulla_server.getUserLocations"), 0, "sent before the list");
    b.control(json!({"latency_ms": 0}));
    wait_message(&b, "Private's status", |m| {
        m["type"] == "status" && m["entity"] == "UUID1" && m["status"] == "connection-error"
    })
    .await;
    b.close().await;
}

/// Regression (login CSRF): the `#login=&token=` fragment was honoured on
/// any load. It is always removed, but used only when the tab is embedded
/// by an allowed origin: a link to the tab alone signs nobody in.
async fn a_token_in_a_plain_link_is_not_used(t: Transport) {
    let b = open(t).await;
    let token = b.sim.sim.create_token(medulla_sim::USER_LOGIN);
    b.goto(&format!("/?entity=UUID2#login=admin&token={token}")).await;
    b.wait_status("signed-out").await;
    assert_eq!(b.sim.sim.calls("base.tokenAuthenticate"), 0);
    assert!(!b.url().await.contains(&token), "the fragment is removed all the same");
    b.close().await;
}

/// Regression: the tab learnt its host's origin only from
/// `location.ancestorOrigins` (which Firefox lacks) or the referrer, so
/// behind `Referrer-Policy: no-referrer` the protocol was off. The tab now
/// says `ready` to each allowed origin (the browser delivers it only to a
/// parent of that origin) and learns the host's from its first message;
/// a foreign host still hears nothing and is not obeyed.
async fn the_protocol_works_without_a_referrer(t: Transport) {
    let b = open(t).await;
    let host = host_server(&b).await;
    let foreign = host_server(&b).await;
    allow(&b, &host);
    // The tab's own defence, should a server's policy let the page frame it.
    b.control(json!({"frame_ancestors": [origin(&foreign)]}));
    let hand_token = |server: &Running| {
        let token = b.sim.sim.create_token(medulla_sim::USER_LOGIN);
        let app = encode("/?embed=1&sso=1&entity=UUID2");
        format!("{}_sim/host.html?app={app}&token={token}&referrer=none", server.url())
    };
    // A foreign page first: it hears nothing, and its token is not used.
    b.c.goto(&hand_token(&foreign)).await.expect("foreign host page");
    // It hands its token without waiting for a `ready` it never gets.
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    b.c.execute("sendToApp(Object.assign({type: 'sign-on'}, window.signOn))", vec![]).await.expect("sent");
    enter_tab(&b).await;
    b.wait_status("signed-out").await;
    b.c.enter_parent_frame().await.expect("host");
    assert!(host_log(&b).await.is_empty(), "the tab posted to a foreign origin: {:?}", host_log(&b).await);
    assert_eq!(b.sim.sim.calls("base.tokenAuthenticate"), 0, "the foreign page's token was used");

    b.c.goto(&hand_token(&host)).await.expect("host page");
    wait_message(&b, "Public's status", |m| m["type"] == "status" && m["status"] == "available").await;
    b.c.execute("sendToApp({type: 'select-entity', entity: 'UUID0'})", vec![]).await.expect("sent");
    wait_message(&b, "General's status", |m| m["type"] == "status" && m["entity"] == "UUID0").await;
    enter_tab(&b).await;
    let referrer = b.c.execute("return document.referrer", vec![]).await.expect("referrer");
    assert_eq!(referrer, json!(""), "the test needs a page without referrer");
    b.wait_status("offline").await;
    b.close().await;
}

/// The production policy (`frame-ancestors`) keeps a page of an origin
/// that is not allowed from showing the tab at all; the browser reports it.
async fn a_foreign_page_cannot_even_frame_the_tab(t: Transport) {
    let b = open(t).await;
    let foreign = host_server(&b).await;
    open_host(&b, &foreign, "/?embed=1&entity=UUID2").await;
    until("the refusal reported", || async {
        let reports = b.sim.sim.csp_reports();
        reports.iter().any(|r| r.contains("frame-ancestors")).then_some(())
    })
    .await;
    b.sim.sim.take_csp_reports();
    enter_tab(&b).await;
    assert!(b.c.find(Locator::Css("section.status")).await.is_err(), "the tab showed in a foreign page");
    b.c.enter_parent_frame().await.ok();
    assert!(host_log(&b).await.is_empty());
    b.close().await;
}

/// The overview inside the console: the iframe takes its height, and an
/// entity opened from it is the one the host hears about.
async fn the_overview_inside_the_console(t: Transport) {
    let b = open(t).await;
    // General's server is down: the agent's wait for it, shortened.
    b.control(json!({"connect_timeout_ms": 500}));
    let host = host_server(&b).await;
    allow(&b, &host);
    let token = b.sim.sim.create_token(medulla_sim::USER_LOGIN);
    open_host(&b, &host, &format!("/?embed=1&entity=UUID2#login=admin&token={token}")).await;
    wait_message(&b, "Public's status", |m| m["type"] == "status" && m["entity"] == "UUID2").await;
    enter_tab(&b).await;
    b.button("Every entity").await.click().await.expect("overview");
    until("every row", || async { (rows(&b).await.len() == 5).then_some(()) }).await;
    round_over(&b).await;
    let body = b.c.execute("return Math.ceil(document.body.getBoundingClientRect().height)", vec![]).await;
    let body = body.expect("height").as_i64().expect("a number");
    b.c.enter_parent_frame().await.expect("host");
    until("the iframe at the overview's height", || async {
        let told = host_log(&b).await.into_iter().rev().find(|m| m["type"] == "height")?["height"].as_i64()?;
        let frame = b.c.execute("return document.getElementById('tab').offsetHeight", vec![]).await.ok()?.as_i64()?;
        (told == body && frame == body).then_some(())
    })
    .await;

    // Library opened from its row: the host hears of it.
    b.c.execute("window.scrollTo(0, document.body.scrollHeight)", vec![]).await.expect("scrolled");
    enter_tab(&b).await;
    b.find("//tr[@data-entity='UUID3']//button[contains(@class, 'overview__open')]")
        .await
        .click()
        .await
        .expect("opened");
    b.wait_status("available").await;
    b.c.enter_parent_frame().await.expect("host");
    let status = wait_message(&b, "Library's status", |m| m["type"] == "status" && m["entity"] == "UUID3").await;
    assert_eq!((status["status"].as_str(), status["label"].as_str()), (Some("available"), Some("Available")));
    b.close().await;
}

on_both_transports!(
    the_overview_inside_the_console,
    a_foreign_page_cannot_even_frame_the_tab,
    the_protocol_works_without_a_referrer,
    a_token_in_a_plain_link_is_not_used,
    a_sign_on_lost_to_the_network_is_tried_again,
    an_early_select_entity_is_kept,
    a_token_handed_by_message_signs_in,
    single_sign_on_messages_and_height_with_the_host,
    a_refused_token_falls_back_to_the_login_form,
    a_foreign_host_is_ignored
);
