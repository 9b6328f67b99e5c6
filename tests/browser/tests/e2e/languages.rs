//! Every screen in every language of the catalogs: no text left in English,
//! the page's `lang` right, and axe-core clean.

use crate::harness::*;
use serde_json::{json, Value};
use std::path::PathBuf;

/// Texts a language writes as English does, one by one: any other English
/// text on a screen of that language is a translation missing.
const THE_SAME_IN: [(&str, &str); 3] = [("fr_FR", "Post-installation"), ("fr_FR", "Message"), ("es_ES", "Error")];

/// The English texts of the tab, cut at their `{placeholders}`: the pieces
/// a screen in another language must not show.
fn english_pieces(locale: &str) -> Vec<String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../locale");
    let path = root.join(locale).join("LC_MESSAGES/imaging-status.po");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let catalog = catalogs::parse_po(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut pieces = Vec::new();
    for entry in catalog.entries {
        for english in std::iter::once(&entry.id).chain(entry.plural.as_ref()) {
            if THE_SAME_IN.contains(&(locale, english.as_str())) {
                continue;
            }
            for piece in english.split(['{', '}']).step_by(2) {
                let piece = piece.trim_matches(|c: char| c.is_whitespace() || ".,:;()".contains(c));
                // A whole text, or a piece of a sentence long enough to be
                // words and not a name.
                if piece == english.trim() || (piece.contains(' ') && piece.len() >= 8) {
                    pieces.push(piece.to_string());
                }
            }
        }
    }
    pieces.sort();
    pieces.dedup();
    assert!(pieces.len() > 100, "{locale}: only {} texts read from the catalog", pieces.len());
    pieces
}

/// Everything the page says, to eyes and to screen readers: its texts and
/// its labels, technical details (`<code>`) aside.
async fn words_on_screen(b: &Browser) -> Vec<String> {
    let script = r#"
        const out = [];
        const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let n = walk.nextNode(); n; n = walk.nextNode()) {
            if (n.parentElement.closest('code, script, style')) continue;
            const t = n.textContent.replace(/\s+/g, ' ').trim();
            if (t) out.push(t);
        }
        for (const el of document.querySelectorAll('[aria-label], [placeholder], [title], [alt]')) {
            for (const a of ['aria-label', 'placeholder', 'title', 'alt']) {
                if (el.getAttribute(a)) out.push(el.getAttribute(a));
            }
        }
        return out;"#;
    let found = b.c.execute(script, vec![]).await.expect("texts read");
    serde_json::from_value(found).expect("a list of texts")
}

/// Fails on any English text of the tab on this screen.
async fn translated(b: &Browser, pieces: &[String], code: &str, screen: &str) {
    let words = words_on_screen(b).await;
    assert!(!words.is_empty(), "{screen}: an empty page");
    let english: Vec<String> = words
        .iter()
        .flat_map(|w| pieces.iter().filter(move |p| w == *p || (p.contains(' ') && w.contains(p.as_str()))))
        .cloned()
        .collect();
    assert!(english.is_empty(), "{screen} in {code}: still in English: {english:?}\nall texts: {words:?}");
    let lang = b.c.execute("return document.documentElement.lang", vec![]).await.expect("lang");
    assert_eq!(lang, json!(code), "{screen}: the page's lang");
    let violations = b.axe_violations().await;
    assert!(violations.is_empty(), "{screen} in {code}: axe-core found\n{}", violations.join("\n"));
}

async fn click(b: &Browser, xpath: &str) {
    b.find(xpath).await.click().await.unwrap_or_else(|e| panic!("{xpath}: {e}"));
}

/// Walks every screen of the tab in one language, chosen as the console
/// names it (`fr_FR`), from `config.json` (`by_config`) or the host page.
async fn every_screen_in(t: Transport, locale: &str, by_config: bool) {
    let code = &locale[..2];
    let pieces = english_pieces(locale);
    let b = open(t).await;
    let config = |extra: Value| {
        let mut c = json!({"poll_seconds": 5, "transport": t.name()});
        if by_config {
            c["language"] = json!(locale);
        }
        if let (Some(c), Value::Object(extra)) = (c.as_object_mut(), extra) {
            c.extend(extra);
        }
        b.configure(c);
    };
    config(json!({}));
    let q = if by_config { String::new() } else { format!("lang={locale}&") };
    let page = |rest: &str| format!("/?{q}{rest}");

    // Signed out, then a refused password.
    b.goto(&page("")).await;
    b.wait_status("signed-out").await;
    translated(&b, &pieces, code, "signed out").await;
    b.find("//input[@id='login-user']").await.send_keys(medulla_sim::USER_LOGIN).await.expect("login");
    b.find("//input[@id='login-password']").await.send_keys("wrong").await.expect("password");
    click(&b, "//form//button[@type='submit']").await;
    b.find("//p[contains(@class, 'login__error') and normalize-space()]").await;
    translated(&b, &pieces, code, "password refused").await;
    b.find("//input[@id='login-password']").await.clear().await.expect("cleared");
    let password = format!("{}{ENTER}", medulla_sim::USER_PASSWORD);
    b.find("//input[@id='login-password']").await.send_keys(&password).await.expect("password");
    b.find("//input[@id='entity-input']").await;

    // Every status of the demo, with the figures of an available server
    // (its own and an ancestor's).
    for (uuid, status) in DEMO_STATUSES {
        b.goto(&page(&format!("entity={uuid}"))).await;
        b.wait_status(status).await;
        if status == "available" {
            b.find("//section[@data-live='true']").await;
        }
        translated(&b, &pieces, code, &format!("{status} ({uuid})")).await;
    }
    // The selector open on every entity, each with its status known.
    click(&b, "//input[@id='entity-input']").await;
    b.press(ARROW_DOWN).await;
    b.find("//li[@role='option']").await;
    translated(&b, &pieces, code, "the selector").await;
    b.press("\u{E00C}").await; // Escape

    // Medulla unreachable, with its reason; an imaging server slow to
    // answer; an entity the link names but the user cannot see.
    // On REST, past the second for which the gateway shares an answer.
    let past_the_shared_answer = || tokio::time::sleep(std::time::Duration::from_millis(1200));
    b.control(json!({"fail": {"mode": "garbage", "method": "imaging.getGlobalStatus"}}));
    past_the_shared_answer().await;
    b.goto(&page("entity=UUID2")).await;
    b.wait_status("unreachable").await;
    translated(&b, &pieces, code, "unreachable").await;
    b.control(json!({"slow_entity": {"uuid": "UUID1", "ms": 15000}}));
    past_the_shared_answer().await;
    b.goto(&page("entity=UUID1")).await;
    b.wait_status("checking").await;
    translated(&b, &pieces, code, "checking").await;
    b.control(json!({"slow_entity": {"uuid": "UUID1", "ms": 0}}));
    b.goto(&page("entity=UUID99")).await;
    b.find("//p[@class='picker__notice']").await;
    translated(&b, &pieces, code, "a link to an entity out of sight").await;

    // A reference image short of room (the warning), then below the floor;
    // an action's outcome.
    b.control(json!({"store_free_mib": 14_306}));
    b.goto(&page("entity=UUID2")).await;
    b.wait_status("available").await;
    click(&b, "//button[@data-action='master']").await;
    b.find("//div[@role='alertdialog']").await;
    translated(&b, &pieces, code, "the image store's warning").await;
    b.control(json!({"store_free_mib": 3_815}));
    b.goto(&page("entity=UUID2")).await;
    b.wait_status("available").await;
    b.find("//p[@id='actions-room' and normalize-space()]").await;
    translated(&b, &pieces, code, "the image store's floor").await;
    b.control(json!({"store_free_mib": -1, "sync_fails": true}));
    click(&b, "//button[@data-action='synchronise']").await;
    b.find("//div[contains(@class, 'outcome--failed')]").await;
    translated(&b, &pieces, code, "an action failed").await;

    // A server that stops answering: since when, its last known figures.
    b.control(json!({"connect_timeout_ms": 300, "entity": "UUID2", "status": "offline"}));
    b.goto(&page("entity=UUID2")).await;
    b.wait_status("offline").await;
    if matches!(t, Transport::Rest) {
        b.find("//section[@data-live='false']").await;
    }
    translated(&b, &pieces, code, "offline, last known figures").await;
    b.control(json!({"entity": "UUID2", "status": "available"}));

    // The overview of every entity.
    b.goto(&page("view=overview")).await;
    b.find("//table[@class='overview__table']//tr[td]").await;
    translated(&b, &pieces, code, "the overview").await;

    // Signed out by hand.
    click(&b, "//button[contains(@class, 'sign-out')]").await;
    b.wait_status("signed-out").await;
    b.find("//p[contains(@class, 'login__notice')]").await;
    translated(&b, &pieces, code, "signed out by hand").await;

    // A broken config.json (its problem itself is technical, in English,
    // in a <code>).
    b.control(json!({"config_text": "{\"poll_seconds\": "}));
    b.goto(&format!("/?lang={locale}")).await;
    b.find("//main/div[@role='alert']").await;
    translated(&b, &pieces, code, "a broken config.json").await;
    b.close().await;
}

async fn every_screen_in_french(t: Transport) {
    every_screen_in(t, "fr_FR", false).await;
}

async fn every_screen_in_spanish(t: Transport) {
    every_screen_in(t, "es_ES", true).await;
}

on_both_transports!(every_screen_in_french, every_screen_in_spanish);
