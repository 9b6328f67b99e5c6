//! `config.json`, served next to `index.html` and read at start-up, so that
//! one build serves every installation. An unknown key, or a wrong value,
//! is an error that names the key and says what was expected.

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

/// `config.json` as written: every key optional, `null` meaning "the
/// default"; an unknown key is refused (a misspelt one would otherwise be
/// silently ignored).
#[derive(Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct File {
    transport: Option<Transport>,
    agent_url: Option<String>,
    rest_url: Option<String>,
    agent_basic_auth: Option<BasicAuthFile>,
    poll_seconds: Option<f64>,
    request_timeout_seconds: Option<f64>,
    console_url: Option<String>,
    language: Option<String>,
    console_routes: Option<RoutesFile>,
    embed_allowed_origins: Option<Vec<String>>,
    idle_sign_out_minutes: Option<f64>,
    min_free_image_store_gb: Option<f64>,
    min_free_image_store_percent: Option<f64>,
    image_store_floor_gb: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BasicAuthFile {
    login: String,
    password: String,
}

#[derive(Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RoutesFile {
    deploy: Option<String>,
    master: Option<String>,
    multicast: Option<String>,
}

/// The keys that hold a whole number: its unit and range, for the check
/// and for the words of its error.
const WHOLE_NUMBERS: [(&str, &str, u64, u64); 5] = [
    ("poll_seconds", "seconds", 5, 3600),
    ("request_timeout_seconds", "seconds", 1, 300),
    ("min_free_image_store_gb", "GB", 0, 1_000_000),
    ("min_free_image_store_percent", "percent", 0, 100),
    ("image_store_floor_gb", "GB", 0, 1_000_000),
];

/// The unit and range of a whole-number key.
fn whole_number_key(key: &str) -> Option<(&'static str, u64, u64)> {
    WHOLE_NUMBERS.iter().find(|(k, ..)| *k == key).map(|&(_, unit, min, max)| (unit, min, max))
}

/// What `key` must be, in the words of the errors.
fn expected(key: &str) -> String {
    if let Some((unit, min, max)) = whole_number_key(key) {
        return format!("a whole number of {unit} from {min} to {max}");
    }
    match key {
        "transport" => "\"mmc-agent\" or \"rest\"".into(),
        "agent_url" | "rest_url" | "console_url" => {
            "a path such as \"/mmc-agent/\" or \"api/v1/\", or an http(s):// URL".into()
        }
        "agent_basic_auth" => "null or {\"login\": \"...\", \"password\": \"...\"}".into(),
        "language" => {
            let codes = crate::i18n::CODES.map(|c| format!("\"{c}\"")).join(", ");
            format!("\"auto\" or a language of the tab ({codes})")
        }
        "console_routes" => "an object of \"deploy\", \"master\", \"multicast\"".into(),
        "embed_allowed_origins" => "an array of origins such as \"https://medulla.example.org\"".into(),
        "idle_sign_out_minutes" => "a number of minutes from 0 (never) to 1440".into(),
        _ => "a non-empty string".into(),
    }
}

/// `key` is not what it must be: `found` says what it is.
fn wrong(key: &str, found: impl fmt::Display) -> ConfigError {
    ConfigError { key: Some(key.into()), problem: format!("expected {}, found {found}", expected(key)) }
}

/// The error for a value of the wrong shape at `path` (serde's `message`).
fn shape_error(path: &serde_path_to_error::Path, message: String) -> ConfigError {
    // `embed_allowed_origins[2]` is the key `embed_allowed_origins`.
    let path = path.to_string();
    let key = path.split('[').next().unwrap_or_default().to_string();
    if message.starts_with("unknown field") {
        ConfigError { problem: format!("not a key of {CONFIG_FILE} ({message})"), key: Some(key) }
    } else if key.is_empty() || key == "." {
        ConfigError { key: None, problem: message }
    } else {
        ConfigError { problem: format!("expected {} ({message})", expected(&key)), key: Some(key) }
    }
}

fn not_json(message: impl fmt::Display) -> ConfigError {
    ConfigError { key: None, problem: format!("not valid JSON ({message})") }
}

/// The shape of `config.json`, read by serde (an error names the key, by
/// serde_path_to_error): in the tab from the browser's `JSON.parse`
/// (serde-wasm-bindgen, as the REST answers), natively by serde_json.
fn read_file(text: &str) -> Result<File, ConfigError> {
    #[cfg(target_arch = "wasm32")]
    {
        let value = js_sys::JSON::parse(text).map_err(|e| not_json(js_sys::Error::from(e).message()))?;
        let reader = serde_wasm_bindgen::Deserializer::from(value);
        serde_path_to_error::deserialize(reader).map_err(|e| shape_error(e.path(), e.inner().to_string()))
    }
    #[cfg(not(target_arch = "wasm32"))]
    serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_str(text)).map_err(|e| {
        match e.inner().classify() {
            serde_json::error::Category::Data => shape_error(e.path(), e.inner().to_string()),
            _ => not_json(e.inner()),
        }
    })
}

/// Reads the text of `config.json`: its shape, then each value.
pub fn parse_config(text: &str) -> Result<Config, ConfigError> {
    let file = read_file(text)?;
    let mut config = Config::default();
    if let Some(transport) = file.transport {
        config.transport = transport;
    }
    for (key, value, slot) in [
        ("agent_url", file.agent_url, &mut config.agent_url),
        ("rest_url", file.rest_url, &mut config.rest_url),
        ("console_url", file.console_url, &mut config.console_url),
    ] {
        if let Some(v) = value {
            *slot = url(&v, key)?;
        }
    }
    if let Some(auth) = file.agent_basic_auth {
        if auth.login.is_empty() {
            return Err(wrong("agent_basic_auth", "an empty login"));
        }
        config.agent_basic_auth = Some(BasicAuth { login: auth.login, password: auth.password });
    }
    if let Some(v) = file.poll_seconds {
        config.poll_seconds = whole_number(v, "poll_seconds")?;
    }
    if let Some(v) = file.request_timeout_seconds {
        config.request_timeout_seconds = whole_number(v, "request_timeout_seconds")?;
    }
    if let Some(tag) = file.language {
        config.language = match tag.as_str() {
            "auto" => LanguageSetting::Auto,
            tag => {
                LanguageSetting::Fixed(crate::i18n::Lang::from_tag(tag).ok_or_else(|| wrong("language", quoted(tag)))?)
            }
        };
    }
    if let Some(routes) = file.console_routes {
        let r = &mut config.console_routes;
        for (name, value, slot) in [
            ("deploy", routes.deploy, &mut r.deploy),
            ("master", routes.master, &mut r.master),
            ("multicast", routes.multicast, &mut r.multicast),
        ] {
            if let Some(v) = value {
                *slot = non_empty_string(&v, &format!("console_routes.{name}"))?;
            }
        }
    }
    if let Some(origins) = file.embed_allowed_origins {
        config.embed_allowed_origins = origins
            .iter()
            .map(|o| origin(o).ok_or_else(|| wrong("embed_allowed_origins", quoted(o))))
            .collect::<Result<_, _>>()?;
    }
    if let Some(m) = file.idle_sign_out_minutes {
        config.idle_sign_out_seconds = match m {
            // Fractions of a minute are allowed; at least one second.
            0.0 => 0,
            m if m > 0.0 && m <= 1440.0 => ((m * 60.0).round() as u32).max(1),
            _ => return Err(wrong("idle_sign_out_minutes", m)),
        };
    }
    let limits = &mut config.image_store;
    for (key, value, slot) in [
        ("min_free_image_store_gb", file.min_free_image_store_gb, &mut limits.warn_below_gb),
        ("min_free_image_store_percent", file.min_free_image_store_percent, &mut limits.warn_below_percent),
        ("image_store_floor_gb", file.image_store_floor_gb, &mut limits.floor_gb),
    ] {
        if let Some(v) = value {
            *slot = whole_number(v, key)?;
        }
    }
    Ok(config)
}

fn quoted(text: &str) -> String {
    format!("{text:?}")
}

/// An origin such as `https://medulla.example.org` (nothing after it),
/// as the browser writes it (lower-case, no default port).
fn origin(text: &str) -> Option<String> {
    let a = crate::address::parse(text.trim(), None)?;
    (a.is_web() && a.bare && !a.credentials).then_some(a.origin)
}

fn non_empty_string(v: &str, key: &str) -> Result<String, ConfigError> {
    match v.trim() {
        "" => Err(wrong(key, "an empty string")),
        s => Ok(s.to_string()),
    }
}

/// A URL the tab may call or open: a path on the tab's own origin,
/// absolute (`/mmc-agent/`) or relative to the page (`api/v1/`, resolved
/// against it at start), or an `http(s)://` URL with a host and no
/// credentials. Never `javascript:`, `data:` or a protocol-relative `//host`.
fn url(v: &str, key: &str) -> Result<String, ConfigError> {
    const PAGE: &str = "http://tab.invalid/imaging-status/";
    let text = non_empty_string(v, key)?;
    let clean = !text.chars().any(|c| c.is_control() || c.is_whitespace());
    let valid = match crate::address::parse(&text, None) {
        // An empty host (`https:///mmc/`) would be read as the path's first word.
        Some(a) => {
            let after_scheme = text.split_once("://").map_or("", |(_, rest)| rest);
            a.is_web() && !a.credentials && !after_scheme.starts_with(['/', '\\'])
        }
        None => crate::address::parse(&text, Some(PAGE)).is_some_and(|a| a.origin == "http://tab.invalid"),
    };
    if valid && clean {
        Ok(text)
    } else {
        Err(wrong(key, quoted(v)))
    }
}

/// `agent_basic_auth` hands the agent's master credentials to every
/// browser that loads the tab, and with them the whole MMC agent API:
/// accepted only when `agent_url` (resolved against the page) is a loopback
/// address, i.e. an agent on the very machine that runs the browser (a
/// development set-up). In production the gateway holds them.
pub fn check_agent_credentials(config: &Config) -> Result<(), ConfigError> {
    if config.agent_basic_auth.is_none() {
        return Ok(());
    }
    let host = crate::address::parse(&config.agent_url, None).map(|a| a.host).unwrap_or_default();
    let name = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = name == "localhost" || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if loopback {
        Ok(())
    } else {
        Err(ConfigError {
            key: Some("agent_basic_auth".into()),
            problem: format!(
                "refused: it would give every browser the MMC agent's own credentials; it is accepted only for an \
                 agent on this machine's loopback address, and {} is not (use \"transport\": \"rest\" and the gateway)",
                config.agent_url
            ),
        })
    }
}

/// `v`, the value of the whole-number `key` (see [`WHOLE_NUMBERS`]).
fn whole_number(v: f64, key: &str) -> Result<u32, ConfigError> {
    let (_, min, max) = whole_number_key(key).unwrap_or(("", 0, 0));
    let whole = v.fract() == 0.0 && v >= min as f64 && v <= max as f64;
    whole.then_some(v as u32).ok_or_else(|| wrong(key, v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_credentials_only_for_an_agent_on_the_loopback() {
        let with = |url: &str, auth: bool| Config {
            agent_url: url.into(),
            agent_basic_auth: auth.then(|| BasicAuth { login: "mmc".into(), password: "s3cr3t".into() }),
            ..Config::default()
        };
        for url in [
            "http://127.0.0.1:8080/mmc-agent/",
            "https://localhost/mmc-agent/",
            "http://[::1]:7080/",
            "http://127.8.0.1/",
        ] {
            assert_eq!(check_agent_credentials(&with(url, true)), Ok(()), "{url}");
        }
        for url in [
            "https://medulla.example.org/mmc-agent/",
            "https://10.0.0.5:7080/",
            "http://localhost.example.org/",
            "http://127.0.0.1.example.org/",
            "https://user@example.org/",
            "/mmc-agent/",
        ] {
            let e = check_agent_credentials(&with(url, true)).expect_err(url);
            assert_eq!(e.key.as_deref(), Some("agent_basic_auth"));
            assert_eq!(check_agent_credentials(&with(url, false)), Ok(()), "no credentials, no question");
        }
    }

    #[test]
    fn idle_sign_out_is_in_minutes_and_0_means_never() {
        let idle = |text: &str| parse_config(text).map(|c| c.idle_sign_out_seconds);
        assert_eq!(idle("{}"), Ok(1800));
        assert_eq!(idle(r#"{"idle_sign_out_minutes": 0}"#), Ok(0));
        assert_eq!(idle(r#"{"idle_sign_out_minutes": 5}"#), Ok(300));
        assert_eq!(idle(r#"{"idle_sign_out_minutes": 0.05}"#), Ok(3));
        for bad in ["-1", "1441", "\"30\"", "true"] {
            let e = parse_config(&format!(r#"{{"idle_sign_out_minutes": {bad}}}"#)).expect_err(bad);
            assert_eq!(e.key.as_deref(), Some("idle_sign_out_minutes"), "{bad}");
        }
    }

    #[test]
    fn image_store_limits_in_gb_and_percent() {
        let limits = |text: &str| parse_config(text).map(|c| c.image_store);
        assert_eq!(limits("{}"), Ok(StoreLimits { warn_below_gb: 20, warn_below_percent: 10, floor_gb: 5 }));
        let set = r#"{"min_free_image_store_gb": 50, "min_free_image_store_percent": 0, "image_store_floor_gb": 8}"#;
        assert_eq!(limits(set), Ok(StoreLimits { warn_below_gb: 50, warn_below_percent: 0, floor_gb: 8 }));
        for (bad, key) in [
            (r#"{"min_free_image_store_gb": -1}"#, "min_free_image_store_gb"),
            (r#"{"min_free_image_store_percent": 101}"#, "min_free_image_store_percent"),
            (r#"{"image_store_floor_gb": "5"}"#, "image_store_floor_gb"),
        ] {
            let e = parse_config(bad).expect_err(bad);
            assert_eq!(e.key.as_deref(), Some(key), "{bad}");
        }
        let e = parse_config(r#"{"min_free_image_store_percent": 2.5}"#).expect_err("a fraction");
        assert_eq!(e.problem, "expected a whole number of percent from 0 to 100, found 2.5");
    }

    #[test]
    fn empty_object_gives_the_documented_defaults() {
        let c = parse_config("{}").expect("valid");
        assert_eq!(c, Config::default());
        assert_eq!(c.agent_url, "/mmc-agent/");
        assert_eq!(c.rest_url, "api/v1/");
        assert_eq!(c.transport, Transport::MmcAgent);
        assert_eq!((c.poll_seconds, c.request_timeout_seconds), (30, 10));
        assert_eq!(c.language, LanguageSetting::Auto);
    }

    #[test]
    fn every_key_is_read_and_an_unknown_key_is_refused() {
        let c = parse_config(
            r#"{"transport": "mmc-agent", "agent_url": "https://medulla.example.org:7080/",
                "agent_basic_auth": {"login": "mmc", "password": "s3cr3t"},
                "poll_seconds": 15, "request_timeout_seconds": 4,
                "console_url": "https://medulla.example.org/mmc", "language": "es_ES",
                "console_routes": {"deploy": "x.php?e={entity}"},
                "embed_allowed_origins": ["https://Medulla.example.org/", "http://127.0.0.1:8080"]}"#,
        )
        .expect("valid");
        assert_eq!(c.agent_url, "https://medulla.example.org:7080/");
        assert_eq!(c.agent_basic_auth, Some(BasicAuth { login: "mmc".into(), password: "s3cr3t".into() }));
        assert_eq!((c.poll_seconds, c.request_timeout_seconds), (15, 4));
        assert_eq!(c.language, LanguageSetting::Fixed(crate::i18n::Lang::from_tag("es").unwrap()));
        assert_eq!(
            c.console_page(&c.console_routes.deploy, &entity("UUID2", "General > Public")),
            "https://medulla.example.org/mmc/x.php?e=UUID2"
        );
        assert_eq!(c.console_routes.master, ConsoleRoutes::default().master);
        assert_eq!(c.embed_allowed_origins, ["https://medulla.example.org", "http://127.0.0.1:8080"]);
        for (text, key) in [
            (r#"{"pol_seconds": 30}"#, "pol_seconds"),
            (r#"{"console_routes": {"deplo": "x"}}"#, "console_routes.deplo"),
            (r#"{"agent_basic_auth": {"login": "mmc", "password": "x", "realm": "y"}}"#, "agent_basic_auth.realm"),
        ] {
            let e = parse_config(text).expect_err(text);
            assert_eq!(e.key.as_deref(), Some(key), "{text}");
            assert!(e.problem.starts_with("not a key of config.json (unknown field"), "{}", e.problem);
        }
    }

    #[test]
    fn rest_transport_and_its_url() {
        let c = parse_config(r#"{"transport": "rest", "rest_url": "https://gw.example.org/api/v1"}"#).expect("valid");
        assert_eq!(c.transport, Transport::Rest);
        assert_eq!(c.rest_url, "https://gw.example.org/api/v1");
    }

    #[test]
    fn null_means_default() {
        let c = parse_config(r#"{"agent_basic_auth": null, "poll_seconds": null}"#).expect("valid");
        assert_eq!(c.agent_basic_auth, None);
        assert_eq!(c.poll_seconds, 30);
    }

    #[test]
    fn urls_are_paths_or_http() {
        let c = parse_config(
            r#"{"agent_url": "https://medulla.example.org:7080/", "rest_url": "../api/v1/", "console_url": "HTTP://10.0.0.1/mmc/"}"#,
        )
        .expect("valid");
        assert_eq!(c.agent_url, "https://medulla.example.org:7080/");
        assert_eq!(c.console_url, "HTTP://10.0.0.1/mmc/");
    }

    #[test]
    fn wrong_values_name_the_file_the_key_and_what_was_expected() {
        let cases = [
            (r#"{"transport": "soap"}"#, "transport"),
            (r#"{"poll_seconds": "30"}"#, "poll_seconds"),
            (r#"{"poll_seconds": 0}"#, "poll_seconds"),
            (r#"{"poll_seconds": 2.5}"#, "poll_seconds"),
            (r#"{"request_timeout_seconds": -1}"#, "request_timeout_seconds"),
            (r#"{"agent_url": ""}"#, "agent_url"),
            (r#"{"rest_url": 1}"#, "rest_url"),
            (r#"{"agent_basic_auth": {"login": "mmc"}}"#, "agent_basic_auth"),
            (r#"{"language": "de"}"#, "language"),
            (r#"{"console_routes": {"deploy": 3}}"#, "console_routes.deploy"),
            (r#"{"embed_allowed_origins": "*"}"#, "embed_allowed_origins"),
            (r#"{"embed_allowed_origins": ["*"]}"#, "embed_allowed_origins"),
            (r#"{"embed_allowed_origins": ["https://x.org/console"]}"#, "embed_allowed_origins"),
            // Only paths and http(s) URLs: never a script or data URL.
            (r#"{"console_url": "javascript:alert(1)//"}"#, "console_url"),
            (r#"{"console_url": "JavaScript:alert(1)"}"#, "console_url"),
            (r#"{"agent_url": "data:text/xml,<x/>"}"#, "agent_url"),
            (r#"{"rest_url": "//evil.example.org/api/"}"#, "rest_url"),
            (r#"{"console_url": "mmc:/"}"#, "console_url"),
            (r#"{"rest_url": "\\\\evil.example.org/api/"}"#, "rest_url"),
            (r#"{"console_url": "https:///mmc/"}"#, "console_url"),
            (r#"{"agent_url": "/mmc agent/"}"#, "agent_url"),
        ];
        for (text, key) in cases {
            let e = parse_config(text).expect_err(text);
            assert_eq!(e.key.as_deref(), Some(key), "{text}");
            let shown = e.to_string();
            assert!(shown.starts_with("config.json, key \""), "{shown}");
            assert!(shown.contains("expected"), "{shown}");
        }
    }

    #[test]
    fn a_broken_file_is_named() {
        for text in ["", "{", "[1]", "<html>404</html>"] {
            let e = parse_config(text).expect_err(text);
            assert_eq!(e.key, None);
            assert!(e.to_string().starts_with("config.json: "));
        }
    }

    fn entity(uuid: &str, completename: &str) -> crate::domain::Entity {
        crate::domain::Entity { uuid: uuid.into(), name: uuid.into(), completename: completename.into(), level: 0 }
    }

    #[test]
    fn entity_ids_are_encoded_in_console_links() {
        let c = Config::default();
        assert_eq!(
            c.console_page(&c.console_routes.master, &entity("UUID 1&x", "x")),
            "/mmc/main.php?module=imaging&submod=manage&action=master&location=UUID%201%26x"
        );
    }

    #[test]
    fn default_routes_open_the_pages_that_do_what_the_buttons_say() {
        let c = Config::default();
        let public = entity("UUID2", "General > Public");
        assert_eq!(
            c.console_page(&c.console_routes.deploy, &public),
            "/mmc/main.php?module=base&submod=computers&action=index&restreint=1\
             &entity_id=2&entity_completename=General%20%3E%20Public"
        );
        assert_eq!(
            c.console_page(&c.console_routes.multicast, &public),
            "/mmc/main.php?module=imaging&submod=manage&action=index&location=UUID2"
        );
        assert_eq!(
            c.console_page(&c.console_routes.master, &public),
            "/mmc/main.php?module=imaging&submod=manage&action=master&location=UUID2"
        );
    }
}
