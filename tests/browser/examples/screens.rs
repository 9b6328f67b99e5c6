//! Screenshots of each status, in English and French, for a person to look
//! at: `cargo run -p browser-tests --example screens -- OUT_DIR`
//! (after `trunk build --release`).

#![allow(dead_code, unused_macros, unused_imports)]

#[path = "../tests/e2e/harness.rs"]
mod harness;

use serde_json::json;

#[tokio::main]
async fn main() {
    let out = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "screens".into()));
    std::fs::create_dir_all(&out).expect("output folder");
    let b = harness::open(harness::Transport::MmcAgent).await;
    b.goto("/").await;
    b.wait_status("signed-out").await;
    save(&b, &out, "signed-out").await;
    b.open_signed_in("/").await;
    for (uuid, status) in harness::DEMO_STATUSES {
        b.goto(&format!("/?entity={uuid}")).await;
        b.wait_status(status).await;
        save(&b, &out, &format!("{uuid}-{status}")).await;
    }
    b.button("Français").await.click().await.expect("French");
    save(&b, &out, "UUID4-not-linked-fr").await;
    b.goto("/?entity=UUID2").await;
    b.wait_status("available").await;
    b.button("Français").await.click().await.expect("French");
    save(&b, &out, "UUID2-available-fr").await;
    b.button("Español").await.click().await.expect("Spanish");
    save(&b, &out, "UUID2-available-es").await;
    b.goto("/?entity=UUID1&theme=dark").await;
    b.wait_status("connection-error").await;
    save(&b, &out, "UUID1-connection-error-dark").await;
    // The overview, then a server that stops answering: since when, and
    // its last figures.
    b.control(json!({"connect_timeout_ms": 500}));
    b.goto("/?view=overview").await;
    harness::until("the overview's rows", || async {
        let counts = b.c.find(fantoccini::Locator::Css(".overview__counts")).await.ok()?.text().await.ok()?;
        counts.ends_with("2 Available").then_some(())
    })
    .await;
    save(&b, &out, "overview").await;
    b.goto("/?view=entity&entity=UUID2").await;
    b.wait_status("available").await;
    b.control(json!({"entity": "UUID2", "status": "connection_error"}));
    b.button("Refresh now").await.click().await.expect("refresh");
    b.wait_status("connection-error").await;
    save(&b, &out, "last-known").await;
    b.control(json!({"entity": "UUID2", "status": "available"}));
    b.goto("/_sim/host.html").await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    save(&b, &out, "embedded-host").await;
    b.goto("/?entity=UUID2").await;
    b.wait_status("available").await;
    b.button("Français").await.click().await.expect("French");
    b.control(json!({"fail": {"mode": "garbage", "method": "imaging.getGlobalStatus"}}));
    b.button("Actualiser").await.click().await.expect("refresh");
    b.wait_status("unreachable").await;
    save(&b, &out, "unreachable-fr").await;
    b.close().await;
}

async fn save(b: &harness::Browser, out: &std::path::Path, name: &str) {
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let png = b.c.screenshot().await.expect("screenshot");
    std::fs::write(out.join(format!("{name}.png")), png).expect("written");
    println!("{}", out.join(format!("{name}.png")).display());
}
