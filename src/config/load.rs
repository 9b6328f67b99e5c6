//! `config.json` as fetched at start-up: its HTTP status and body, checked,
//! its relative URLs made absolute against the page.

use super::{check_agent_credentials, parse_config, Config, CONFIG_FILE};

/// The configuration in `fetched` (`config.json`'s HTTP status and body, or
/// why it could not be fetched), its relative URLs made `absolute`; else
/// what is wrong, in words for the administrator.
pub fn config_from(
    fetched: Result<(u16, Vec<u8>), String>,
    absolute: impl Fn(&str) -> String,
) -> Result<Config, String> {
    let (status, body) = fetched.map_err(|e| format!("{CONFIG_FILE}: could not be fetched ({e})"))?;
    if !(200..300).contains(&status) {
        return Err(format!("{CONFIG_FILE}: could not be fetched (HTTP {status})"));
    }
    let text = String::from_utf8(body).map_err(|_| format!("{CONFIG_FILE}: not UTF-8 text"))?;
    let mut config = parse_config(&text).map_err(|e| e.to_string())?;
    // Relative URLs are relative to the page, wherever it is served.
    for url in [&mut config.agent_url, &mut config.rest_url, &mut config.console_url] {
        *url = absolute(url);
    }
    check_agent_credentials(&config).map_err(|e| e.to_string())?;
    Ok(config)
}
