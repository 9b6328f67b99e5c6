//! The harness's page side: waiting, finding elements as a person finds
//! them (by label, role and visible name), signing in, reading the status,
//! and the demo's expected statuses and actions.

use super::*;

/// Waits until `check` gives `Some`, or fails naming `what`.
pub async fn until<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(started.elapsed() < PATIENCE, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub fn xpath_literal(text: &str) -> String {
    if !text.contains('\'') {
        format!("'{text}'")
    } else {
        format!("concat('{}')", text.replace('\'', "', \"'\", '"))
    }
}

impl Browser {
    pub async fn goto(&self, path_and_query: &str) {
        let url = format!("{}{}", self.sim.url(), path_and_query.trim_start_matches('/'));
        self.c.goto(&url).await.expect("page opened");
    }

    /// Serves the default `config.json` of this browser's transport with
    /// `changes` (an object of keys) applied.
    pub fn configure(&self, changes: Value) {
        let mut config = medulla_sim::demo_config(self.transport.name());
        if let (Some(config), Value::Object(changes)) = (config.as_object_mut(), changes) {
            config.extend(changes);
        }
        self.control(json!({ "config": config }));
    }

    /// Drives the simulator as its control endpoint does.
    pub fn control(&self, request: Value) {
        let c = serde_json::from_value(request.clone()).unwrap_or_else(|e| panic!("bad control {request}: {e}"));
        self.sim.sim.control(c).unwrap_or_else(|e| panic!("control {request} refused: {e}"));
    }

    /// Finds an element, waiting for it to appear.
    pub async fn find(&self, xpath: &str) -> Element {
        until(xpath, || async { self.c.find(Locator::XPath(xpath)).await.ok() }).await
    }

    /// The field whose label reads `label`.
    pub async fn field(&self, label: &str) -> Element {
        self.find(&format!("//input[@id=//label[normalize-space()={}]/@for]", xpath_literal(label))).await
    }

    pub async fn button(&self, name: &str) -> Element {
        self.find(&format!("//button[normalize-space()={}]", xpath_literal(name))).await
    }

    pub async fn body_text(&self) -> String {
        match self.c.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    pub async fn sign_in_as(&self, login: &str, password: &str) {
        self.field("Login").await.send_keys(login).await.expect("login typed");
        self.field("Password").await.send_keys(password).await.expect("password typed");
        self.button("Sign in").await.click().await.expect("sign in clicked");
    }

    /// Opens the app at `path` and signs in with the demo credentials.
    pub async fn open_signed_in(&self, path: &str) {
        self.goto(path).await;
        self.sign_in_as(medulla_sim::USER_LOGIN, medulla_sim::USER_PASSWORD).await;
        until("the entity selector", || async { self.c.find(Locator::Css("#entity-input")).await.ok() }).await;
    }

    /// Waits until no call of `protocol` came for a second (the tab's
    /// background learning is over).
    pub async fn quiet(&self, protocol: &str) {
        let started = Instant::now();
        let mut seen = self.sim.sim.calls(protocol);
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let now = self.sim.sim.calls(protocol);
            if now == seen {
                return;
            }
            assert!(started.elapsed() < PATIENCE, "{protocol} calls kept coming: {:?}", self.sim.sim.all_calls());
            seen = now;
        }
    }

    /// The state the status panel shows (`available`, `offline`, ...).
    pub async fn status(&self) -> String {
        match self.c.find(Locator::Css("section.status")).await {
            Ok(s) => s.attr("data-status").await.ok().flatten().unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    pub async fn wait_status(&self, expected: &str) {
        let started = Instant::now();
        loop {
            let now = self.status().await;
            if now == expected {
                return;
            }
            if started.elapsed() > PATIENCE {
                panic!("status stayed {now:?}, expected {expected:?}; page:\n{}", self.body_text().await);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The status title as read on screen.
    pub async fn status_title(&self) -> String {
        self.find("//h2[@id='status-title']").await.text().await.unwrap_or_default()
    }

    /// Picks an entity in the selector by typing part of it and clicking
    /// its full path in the list.
    pub async fn select_entity(&self, typed: &str, full_path: &str) {
        let input = self.field("Entity").await;
        input.click().await.expect("selector focused");
        input.send_keys(typed).await.expect("typed");
        // The option's text, or its text and the status known of it
        // ("General > Public (Available)").
        let path = xpath_literal(full_path);
        let option =
            format!("//li[@role='option' and (normalize-space()={path} or starts-with(normalize-space(), concat({path}, ' (')))]");
        self.find(&option).await.click().await.expect("option clicked");
    }

    pub async fn disabled(&self, button: &str) -> bool {
        self.button(button).await.attr("disabled").await.expect("attribute read").is_some()
    }

    /// The four imaging actions, and whether each is disabled.
    pub async fn actions_disabled(&self) -> [bool; 4] {
        let mut out = [false; 4];
        for (i, name) in ACTIONS.iter().enumerate() {
            out[i] = self.disabled(name).await;
        }
        out
    }

    pub async fn url(&self) -> String {
        self.c.current_url().await.map(|u| u.to_string()).unwrap_or_default()
    }

    /// Waits until the top window shows a (simulated) console page; its URL.
    pub async fn console_page(&self) -> String {
        until("a console page in the top window", || async {
            self.c.enter_parent_frame().await.ok();
            let url = self.url().await;
            url.contains("/mmc/").then_some(url)
        })
        .await
    }

    /// Violations of axe-core's rules on the page as it is now (axe-core
    /// comes from the npm registry through scripts/setup.sh).
    pub async fn axe_violations(&self) -> Vec<String> {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tools/node_modules/axe-core/axe.min.js");
        let source =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}: run scripts/setup.sh", path.display()));
        let loaded = self.c.execute("return typeof axe !== 'undefined'", vec![]).await.expect("probe");
        if loaded != Value::Bool(true) {
            self.c.execute(&source, vec![]).await.expect("axe-core injected");
        }
        let found = self
            .c
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document).then(r => done(r.violations.map(v =>
                   v.id + ': ' + v.help + ' [' + v.nodes.map(n => n.target.join(' ')).join(', ') + ']')))
                   .catch(e => done(['axe failed: ' + e]));",
                vec![],
            )
            .await
            .expect("axe ran");
        serde_json::from_value(found).expect("a list of violations")
    }

    /// Presses keys on whatever has the focus, as a keyboard user does.
    pub async fn press(&self, keys: &str) {
        self.c.active_element().await.expect("focused element").send_keys(keys).await.expect("keys sent");
    }

    /// The visible name of the focused element.
    pub async fn focused_text(&self) -> String {
        self.c.active_element().await.expect("focused element").text().await.unwrap_or_default()
    }

    /// Ends the test; the app must have spoken its configured protocol only.
    pub async fn close(self) {
        let (other, mine) = match self.transport {
            Transport::MmcAgent => ("REST", "XML-RPC"),
            Transport::Rest => ("XML-RPC from a browser", "REST"),
        };
        let spoken = self.sim.sim.calls(other);
        assert_eq!(spoken, 0, "configured for {mine}, the app spoke {other}: {:?}", self.sim.sim.all_calls());
        // The browser reports any breach of the Content-Security-Policy.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let breaches = self.sim.sim.csp_reports();
        assert!(breaches.is_empty(), "Content-Security-Policy violated: {breaches:?}");
        let _ = self.c.close().await;
    }
}

pub const TAB: &str = "\u{E004}";
pub const ENTER: &str = "\u{E007}";
pub const ARROW_UP: &str = "\u{E013}";
pub const ARROW_DOWN: &str = "\u{E015}";

/// The demo's entities and what each shows.
pub const DEMO_STATUSES: [(&str, &str); 5] = [
    ("UUID0", "offline"),
    ("UUID1", "connection-error"),
    ("UUID2", "available"),
    ("UUID3", "available"),
    ("UUID4", "not-linked"),
];

pub const ACTIONS: [&str; 4] =
    ["Deploy an image", "Create a reference image", "Start a multicast", "Synchronise boot menus"];
pub const ALL_DISABLED: [bool; 4] = [true; 4];
pub const ALL_ENABLED: [bool; 4] = [false; 4];
