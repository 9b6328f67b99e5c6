//! Reading `config.json`: serde's reading of the file, then a check of each
//! value; an error names the key and says what was expected.

use super::*;
use serde::Deserialize;

/// `config.json` as written: every key optional, `null` meaning "the
/// default"; an unknown key is refused (a misspelt one would otherwise be
/// silently ignored).
#[derive(Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct File {
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
pub(super) struct BasicAuthFile {
    login: String,
    password: String,
}

#[derive(Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct RoutesFile {
    deploy: Option<String>,
    master: Option<String>,
    multicast: Option<String>,
}

/// The keys that hold a whole number: its unit and range, for the check
/// and for the words of its error.
pub(super) const WHOLE_NUMBERS: [(&str, &str, u64, u64); 5] = [
    ("poll_seconds", "seconds", 5, 3600),
    ("request_timeout_seconds", "seconds", 1, 300),
    ("min_free_image_store_gb", "GB", 0, 1_000_000),
    ("min_free_image_store_percent", "percent", 0, 100),
    ("image_store_floor_gb", "GB", 0, 1_000_000),
];

/// The unit and range of a whole-number key.
pub(super) fn whole_number_key(key: &str) -> Option<(&'static str, u64, u64)> {
    WHOLE_NUMBERS.iter().find(|(k, ..)| *k == key).map(|&(_, unit, min, max)| (unit, min, max))
}

/// What `key` must be, in the words of the errors.
pub(super) fn expected(key: &str) -> String {
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
pub(super) fn wrong(key: &str, found: impl fmt::Display) -> ConfigError {
    ConfigError { key: Some(key.into()), problem: format!("expected {}, found {found}", expected(key)) }
}

/// The error for a value of the wrong shape at `path` (serde's `message`).
pub(super) fn shape_error(path: &serde_path_to_error::Path, message: String) -> ConfigError {
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

pub(super) fn not_json(message: impl fmt::Display) -> ConfigError {
    ConfigError { key: None, problem: format!("not valid JSON ({message})") }
}

/// The shape of `config.json`, read by serde (an error names the key, by
/// serde_path_to_error): in the tab from the browser's `JSON.parse`
/// (serde-wasm-bindgen, as the REST answers), natively by serde_json.
pub(super) fn read_file(text: &str) -> Result<File, ConfigError> {
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

pub(super) fn quoted(text: &str) -> String {
    format!("{text:?}")
}

/// An origin such as `https://medulla.example.org` (nothing after it),
/// as the browser writes it (lower-case, no default port).
pub(super) fn origin(text: &str) -> Option<String> {
    let a = crate::address::parse(text.trim(), None)?;
    (a.is_web() && a.bare && !a.credentials).then_some(a.origin)
}

pub(super) fn non_empty_string(v: &str, key: &str) -> Result<String, ConfigError> {
    match v.trim() {
        "" => Err(wrong(key, "an empty string")),
        s => Ok(s.to_string()),
    }
}

/// A URL the tab may call or open: a path on the tab's own origin,
/// absolute (`/mmc-agent/`) or relative to the page (`api/v1/`, resolved
/// against it at start), or an `http(s)://` URL with a host and no
/// credentials. Never `javascript:`, `data:` or a protocol-relative `//host`.
pub(super) fn url(v: &str, key: &str) -> Result<String, ConfigError> {
    const PAGE: &str = "http://tab.invalid/imaging-status/";
    let text = non_empty_string(v, key)?;
    let clean = !text.chars().any(|c| c.is_control() || c.is_whitespace());
    let valid = match crate::address::parse(&text, None) {
        // An empty host (`https:///mmc/`) would be read as the path's first word.
        Some(a) => a.is_web() && !a.credentials && !crate::address::written_authority(&text).is_empty(),
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
pub(super) fn whole_number(v: f64, key: &str) -> Result<u32, ConfigError> {
    let (_, min, max) = whole_number_key(key).unwrap_or(("", 0, 0));
    let whole = v.fract() == 0.0 && v >= min as f64 && v <= max as f64;
    whole.then_some(v as u32).ok_or_else(|| wrong(key, v))
}
