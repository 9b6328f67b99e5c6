//! The overview: every entity at a glance, problems first, one check per
//! imaging server.

use crate::harness::*;
use fantoccini::Locator;
use serde_json::json;

/// The entities of the overview's rows, top to bottom.
pub(crate) async fn rows(b: &Browser) -> Vec<String> {
    let mut ids = Vec::new();
    for row in b.c.find_all(Locator::Css("tr.overview__row")).await.unwrap_or_default() {
        ids.push(row.attr("data-entity").await.ok().flatten().unwrap_or_default());
    }
    ids
}

async fn counts(b: &Browser) -> String {
    match b.c.find(Locator::Css(".overview__counts")).await {
        Ok(p) => p.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

async fn wait_counts(b: &Browser, expected: &str) {
    until(&format!("the counts {expected:?}"), || async { (counts(b).await == expected).then_some(()) }).await;
}

/// A round of checks is over.
pub(crate) async fn round_over(b: &Browser) {
    until("a round of checks over", || async {
        let section = b.c.find(Locator::Css("section.overview")).await.ok()?;
        (section.attr("aria-busy").await.ok()?.as_deref() == Some("false")).then_some(())
    })
    .await;
}

async fn every_entity_at_a_glance(t: Transport) {
    let b = open(t).await;
    b.configure(json!({"poll_seconds": 5}));
    b.control(json!({"connect_timeout_ms": 500}));
    b.open_signed_in("/?view=overview").await;
    wait_counts(&b, "1 Offline · 1 Connection error · 1 No imaging server linked · 2 Available").await;
    assert_eq!(rows(&b).await, ["UUID0", "UUID1", "UUID4", "UUID2", "UUID3"], "problems first");
    let text = b.find("//section[@class='overview']").await.text().await.expect("text");
    for words in ["General > Public > Library", "General > Public imaging-public", "itself", "since at least"] {
        assert!(text.contains(words), "{words:?} missing from:\n{text}");
    }
    let violations = b.axe_violations().await;
    assert!(violations.is_empty(), "axe-core on the overview:\n{}", violations.join("\n"));

    // One check per imaging server each round: three servers, five entities.
    round_over(&b).await;
    let protocol = if matches!(t, Transport::Rest) { "REST" } else { "XML-RPC" };
    b.quiet(protocol).await;
    let before = b.sim.sim.calls("imaging.getGlobalStatus");
    until("the next round", || async { (b.sim.sim.calls("imaging.getGlobalStatus") > before).then_some(()) }).await;
    round_over(&b).await;
    assert_eq!(b.sim.sim.calls("imaging.getGlobalStatus") - before, 3, "one check per server");

    // A change on the simulated Medulla shows within one interval, for
    // every entity of that server.
    b.control(json!({"entity": "UUID2", "status": "connection_error"}));
    wait_counts(&b, "1 Offline · 3 Connection error · 1 No imaging server linked").await;

    // Filters: by text, by status.
    b.field("Filter").await.send_keys("libr").await.expect("typed");
    until("one row", || async { (rows(&b).await == ["UUID3"]).then_some(()) }).await;
    b.field("Filter").await.clear().await.expect("cleared");
    b.field("Filter").await.send_keys(" ").await.expect("typed");
    let status = b.c.find(Locator::Id("overview-status")).await.expect("select");
    status.select_by_value("connection-error").await.expect("chosen");
    until("the connection errors", || async { (rows(&b).await == ["UUID1", "UUID2", "UUID3"]).then_some(()) }).await;

    // A row opens that entity's detail.
    b.find("//button[@class='overview__open' and .='General > Public > Library']").await.click().await.expect("opened");
    b.wait_status("connection-error").await;
    assert!(b.url().await.contains("entity=UUID3") && b.url().await.contains("view=entity"), "{}", b.url().await);
    assert!(b.body_text().await.contains("Served by the imaging server of General > Public"));
    b.close().await;
}

/// The overview in another language, reached from the entity view:
/// `words` are the login's labels and button, the overview's button, then
/// its counts.
async fn the_overview_in(t: Transport, language: &str, words: [&str; 5]) {
    let [login, password, sign_in, overview, counts] = words;
    let b = open(t).await;
    b.configure(json!({ "language": language }));
    b.control(json!({"connect_timeout_ms": 500}));
    b.goto("/?entity=UUID2").await;
    b.field(login).await.send_keys(medulla_sim::USER_LOGIN).await.expect("login");
    b.field(password).await.send_keys(medulla_sim::USER_PASSWORD).await.expect("password");
    b.button(sign_in).await.click().await.expect("signed in");
    b.wait_status("available").await;
    b.button(overview).await.click().await.expect("overview");
    wait_counts(&b, counts).await;
    assert!(b.url().await.contains("view=overview"));
    let violations = b.axe_violations().await;
    assert!(violations.is_empty(), "axe-core on the overview in {language}:\n{}", violations.join("\n"));
    b.close().await;
}

async fn the_overview_in_french(t: Transport) {
    let counts = "1 Hors ligne · 1 Erreur de connexion · 1 Aucun serveur d’imaging lié · 2 Disponible";
    the_overview_in(t, "fr", ["Identifiant", "Mot de passe", "Se connecter", "Toutes les entités", counts]).await;
}

/// Spanish, set as the console names it.
async fn the_overview_in_spanish(t: Transport) {
    let counts = "1 Fuera de línea · 1 Error de conexión · 1 Sin servidor de imágenes vinculado · 2 Disponible";
    let words = ["Nombre de usuario", "Contraseña", "Iniciar sesión", "Todas las entidades", counts];
    the_overview_in(t, "es_ES", words).await;
}

on_both_transports!(every_entity_at_a_glance, the_overview_in_french, the_overview_in_spanish);

/// The selector shows the status known of each entity, icon and word.
async fn the_selector_shows_the_statuses_known(t: Transport) {
    let b = open(t).await;
    b.control(json!({"connect_timeout_ms": 500}));
    b.open_signed_in("/?view=overview").await;
    wait_counts(&b, "1 Offline · 1 Connection error · 1 No imaging server linked · 2 Available").await;
    b.button("One entity").await.click().await.expect("entity view");
    let input = b.field("Entity").await;
    input.click().await.expect("selector focused");
    input.send_keys("general").await.expect("typed");
    let option = |uuid: &str| format!("//li[@id='entity-option-{uuid}']");
    for (uuid, dot, word) in [
        ("UUID0", "dot--offline", "(Offline)"),
        ("UUID1", "dot--connection-error", "(Connection error)"),
        ("UUID3", "dot--available", "(Available)"),
        ("UUID4", "dot--not-linked", "(No imaging server linked)"),
    ] {
        let item = b.find(&option(uuid)).await;
        let html = item.html(false).await.expect("html");
        assert!(html.contains(dot) && html.contains(word), "{uuid}: {html}");
    }
    b.close().await;
}

on_both_transports!(the_selector_shows_the_statuses_known);
