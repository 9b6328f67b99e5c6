//! `config.json`, served next to `index.html` and read at start-up, so that
//! one build serves every installation. An unknown key, or a wrong value,
//! is an error that names the key and says what was expected.

mod load;
mod read;

pub use load::config_from;
pub use read::{check_agent_credentials, parse_config};

use crate::domain::StoreLimits;
use serde::Deserialize;
use std::fmt;

pub const CONFIG_FILE: &str = "config.json";

#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub transport: Transport,
    pub agent_url: String,
    /// The REST gateway's base URL, with `"transport": "rest"`.
    pub rest_url: String,
    /// The agent's own Basic credentials. For development only: in
    /// production the reverse proxy adds them.
    pub agent_basic_auth: Option<BasicAuth>,
    pub poll_seconds: u32,
    pub request_timeout_seconds: u32,
    pub console_url: String,
    pub language: LanguageSetting,
    pub console_routes: ConsoleRoutes,
    /// Origins of the pages that may embed the tab and talk to it with
    /// `postMessage`, besides the tab's own origin.
    pub embed_allowed_origins: Vec<String>,
    /// Signs the user out after this long without input (0: never). Set
    /// in minutes (`idle_sign_out_minutes`).
    pub idle_sign_out_seconds: u32,
    /// The free space "Create a reference image" asks for.
    pub image_store: StoreLimits,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum Transport {
    /// Medulla's MMC agent, XML-RPC.
    #[serde(rename = "mmc-agent")]
    MmcAgent,
    /// A REST gateway speaking `openapi.yaml`.
    #[serde(rename = "rest")]
    Rest,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BasicAuth {
    pub login: String,
    pub password: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LanguageSetting {
    /// The host page's (`?lang=`), else the browser's.
    Auto,
    /// One of the tab's languages, by its code or the console's locale
    /// code (`fr`, `fr_FR`, `es-ES`).
    Fixed(crate::i18n::Lang),
}

/// Pages of the console opened by the imaging actions, relative to
/// `console_url`; `{entity}` stands for the entity's id (`UUID2`),
/// `{entity_number}` for its number (`2`), `{entity_name}` for its full
/// path (`General > Public`), each URL-encoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsoleRoutes {
    pub deploy: String,
    pub master: String,
    pub multicast: String,
}

impl Default for ConsoleRoutes {
    fn default() -> Self {
        Self {
            // The computers of this one entity (the list's entity selector
            // restricted to it: web/modules/medulla_server/medulla_server/
            // computers_list.php reads `restreint`, `entity_id` and
            // `entity_completename`; `location` is ignored there), each with
            // its imaging tab, from which an image is deployed.
            deploy: "main.php?module=base&submod=computers&action=index&restreint=1\
                     &entity_id={entity_number}&entity_completename={entity_name}"
                .into(),
            // The masters of the entity (web/modules/imaging/manage/master.php
            // reads `location`).
            master: "main.php?module=imaging&submod=manage&action=master&location={entity}".into(),
            // The imaging server status page of the entity, where a multicast
            // is started, stopped and followed (manage/index.php, ajaxStatus.php).
            multicast: "main.php?module=imaging&submod=manage&action=index&location={entity}".into(),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            transport: Transport::MmcAgent,
            agent_url: "/mmc-agent/".into(),
            // Beside the tab, wherever it is served (`/imaging-status/api/v1/`).
            rest_url: "api/v1/".into(),
            agent_basic_auth: None,
            poll_seconds: 30,
            request_timeout_seconds: 10,
            console_url: "/mmc/".into(),
            language: LanguageSetting::Auto,
            console_routes: ConsoleRoutes::default(),
            embed_allowed_origins: Vec::new(),
            idle_sign_out_seconds: 30 * 60,
            image_store: StoreLimits::default(),
        }
    }
}

impl Config {
    /// The console page for an action on an entity.
    pub fn console_page(&self, route: &str, entity: &crate::domain::Entity) -> String {
        let base = self.console_url.trim_end_matches('/');
        let number = entity.uuid.strip_prefix("UUID").unwrap_or(&entity.uuid);
        let route = route
            .trim_start_matches('/')
            .replace("{entity_number}", &url_encode(number))
            .replace("{entity_name}", &url_encode(&entity.completename))
            .replace("{entity}", &url_encode(&entity.uuid));
        format!("{base}/{route}")
    }
}

/// What a URL component keeps as it is: RFC 3986's unreserved characters.
const UNRESERVED: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// `s` as one component of a URL (a path segment, a query value).
pub fn url_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, UNRESERVED).to_string()
}

/// What is wrong with the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The key at fault, `None` when the file itself is.
    pub key: Option<String>,
    pub problem: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.key {
            Some(key) => write!(f, "{CONFIG_FILE}, key \"{key}\": {}", self.problem),
            None => write!(f, "{CONFIG_FILE}: {}", self.problem),
        }
    }
}

#[cfg(test)]
mod tests;
