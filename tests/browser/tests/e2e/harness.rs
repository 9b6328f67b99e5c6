//! One simulated Medulla and one headless Chromium per test. Elements are
//! found as a person finds them: by their label, role and visible name.

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use medulla_sim::{Options, Running};
use serde_json::{json, Value};
use std::future::Future;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

// Loaded by path, so that the bench (which takes this file by path) finds it too.
#[path = "harness_page.rs"]
mod page;
pub use page::*;

/// How long a condition may take before the test fails.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// How the app talks to Medulla: every scenario runs on both.
#[derive(Clone, Copy, Debug)]
pub enum Transport {
    MmcAgent,
    Rest,
}

impl Transport {
    pub fn name(self) -> &'static str {
        match self {
            Transport::MmcAgent => "mmc-agent",
            Transport::Rest => "rest",
        }
    }
}

/// Makes each named scenario `async fn NAME(t: Transport)` two tests,
/// `NAME::mmc_agent` and `NAME::rest`.
macro_rules! on_both_transports {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn mmc_agent() {
                super::$name($crate::harness::Transport::MmcAgent).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn rest() {
                super::$name($crate::harness::Transport::Rest).await
            }
        }
    )*};
}
pub(crate) use on_both_transports;

pub struct Browser {
    pub c: Client,
    pub sim: Running,
    pub transport: Transport,
    _driver: Child,
    _group: ProcessGroup,
    /// Dropped after the browser is killed: its files go with it.
    _scratch: Scratch,
}

/// The WebDriver and the browser it started, killed together when the test
/// ends, even by a failure: a browser left behind would keep polling a port
/// that a later test's simulator may get.
pub struct ProcessGroup(pub Option<u32>);

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        if let Some(id) = self.0 {
            let _ = std::process::Command::new("kill").args(["-KILL", "--", &format!("-{id}")]).status();
        }
    }
}

/// The built app.
pub fn dist() -> PathBuf {
    built("DIST_DIR", "dist", "index.html", "the built app: run `trunk build --release`")
}

/// Something the suite needs built: the folder `$var`, else `default`
/// under the repository, holding `marker`. Missing is a failure saying
/// `what` and how to build it, never a skip.
pub fn built(var: &str, default: &str, marker: &str, what: &str) -> PathBuf {
    let dir = std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").join(default));
    assert!(dir.join(marker).exists(), "{} has no {what} (scripts/test.sh does) first", dir.display());
    dir
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

pub async fn open(transport: Transport) -> Browser {
    open_with(transport, |_| {}).await
}

/// The browser the suite drives: Chromium, or Firefox ESR with
/// `BROWSER=firefox` (scripts/test.sh runs the suite in both).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Chromium,
    Firefox,
}

pub fn engine() -> Engine {
    match std::env::var("BROWSER").as_deref() {
        Err(_) | Ok("") | Ok("chromium") => Engine::Chromium,
        Ok("firefox") => Engine::Firefox,
        Ok(other) => panic!("BROWSER={other}: expected chromium or firefox"),
    }
}

/// Chromium's flags, with those of `$CHROMIUM_EXTRA_ARGS`, one per line (the
/// benchmark's `--js-flags=--expose-gc` and `--enable-precise-memory-info`;
/// V8's flags share one argument, spaces between them).
fn chromium_args() -> Vec<String> {
    let mut args: Vec<String> = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1000,900",
        "--lang=en-US",
    ]
    .map(String::from)
    .into();
    let extra = std::env::var("CHROMIUM_EXTRA_ARGS").unwrap_or_default();
    args.extend(extra.lines().map(str::trim).filter(|a| !a.is_empty()).map(String::from));
    args
}

/// Starts the engine's WebDriver on a free port; the process and its
/// capabilities. Missing is a failure naming the setup script, never a skip.
fn start_driver(engine: Engine) -> (Child, u16, Value, Scratch) {
    let port = free_port();
    let (driver_path, args, caps) = match engine {
        Engine::Chromium => (
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into()),
            vec![format!("--port={port}")],
            json!({
                "acceptInsecureCerts": true,
                "goog:chromeOptions": {
                    "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                    "args": chromium_args(),
                    "prefs": {"intl.accept_languages": "en-US"}
                }
            }),
        ),
        Engine::Firefox => (
            std::env::var("GECKODRIVER").unwrap_or_else(|_| {
                let home = std::env::var("HOME").unwrap_or_default();
                format!("{home}/.cargo/bin/geckodriver")
            }),
            // Each geckodriver lets the system pick Firefox's Marionette port.
            vec!["--host=127.0.0.1".into(), format!("--port={port}")],
            json!({
                "acceptInsecureCerts": true,
                "moz:firefoxOptions": {
                    "binary": std::env::var("FIREFOX").unwrap_or_else(|_| "/usr/bin/firefox-esr".into()),
                    "args": ["-headless", "--width=1000", "--height=900"],
                    "prefs": {
                        "intl.accept_languages": "en-US",
                        "intl.locale.requested": "en-US",
                        // Nothing but the simulator: this machine refuses the internet.
                        "network.captive-portal-service.enabled": false,
                        "network.connectivity-service.enabled": false,
                        "app.update.disabledForTesting": true,
                        "browser.safebrowsing.update.enabled": false,
                        "extensions.update.enabled": false
                    }
                }
            }),
        ),
    };
    // The browser's profile and temporary files in a folder of its own,
    // removed with it (a killed browser leaves its own behind).
    let scratch = Scratch(std::env::temp_dir().join(format!("mis-browser-{port}")));
    let _ = std::fs::remove_dir_all(&scratch.0);
    std::fs::create_dir_all(&scratch.0).expect("a folder for the browser");
    let driver = Command::new(&driver_path)
        .args(&args)
        .env("TMPDIR", &scratch.0)
        .process_group(0)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {driver_path} ({e}): run scripts/setup.sh"));
    (driver, port, caps, scratch)
}

/// A folder removed when dropped.
pub struct Scratch(pub PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// On REST, the app talks to our gateway (`medulla-imaging-gateway`) in
/// front of the simulated agent, through the simulator's `/api/v1/` (same
/// origin, as behind Apache).
pub async fn open_with(transport: Transport, tune: impl FnOnce(&mut Options)) -> Browser {
    let mut options = Options { dist: dist(), transport: transport.name().into(), ..Options::default() };
    if let Transport::Rest = transport {
        // Empty: our gateway, started here (`tune` may name another).
        options.rest_upstream = Some(String::new());
    }
    tune(&mut options);
    if options.rest_upstream.as_deref() == Some("") {
        options.port = free_port();
        options.rest_upstream = Some(start_gateway(&options).await);
    }
    let sim = medulla_sim::start(options).await.expect("simulator started");
    let (driver, port, caps, scratch) = start_driver(engine());
    let group = ProcessGroup(driver.id());
    let started = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(started.elapsed() < PATIENCE, "the WebDriver did not listen on port {port}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let caps = caps.as_object().cloned().expect("capabilities are an object");
    let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a browser session");
    Browser { c, sim, transport, _driver: driver, _group: group, _scratch: scratch }
}

/// A gateway in front of the simulator that `options` starts; its URL.
/// It shares a check for a second at most, so that polling follows the
/// simulated servers as closely as with the agent; its history is a new
/// file of its own.
async fn start_gateway(options: &Options) -> String {
    start_gateway_with_history(options, &new_history(options.port)).await
}

/// A history file of its own for the gateway of the simulator on `port`
/// (an earlier run's removed).
pub fn new_history(port: u16) -> PathBuf {
    let path = std::env::temp_dir().join(format!("mis-e2e-history-{port}.sqlite3"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

/// [`start_gateway`] with its history at `history`.
pub async fn start_gateway_with_history(options: &Options, history: &std::path::Path) -> String {
    use medulla_imaging_gateway::router::serve;
    use medulla_imaging_gateway::server::Gateway;
    use medulla_imaging_gateway::settings::Settings;
    let agent = format!("http://127.0.0.1:{}/mmc-agent/", options.port);
    let settings = Settings {
        session_timeout: options.session_timeout,
        check_interval: Duration::from_secs(1),
        history_path: Some(history.to_path_buf()),
        ..Settings::new(agent, medulla_sim::AGENT_LOGIN, medulla_sim::AGENT_PASSWORD)
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("gateway listener");
    let url = format!("http://{}", listener.local_addr().expect("gateway address"));
    tokio::spawn(serve(Gateway::new(settings).expect("gateway"), listener, std::future::pending()));
    url
}
