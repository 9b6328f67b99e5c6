//! Where the MMC agent is and how to reach it, read from the agent's own
//! `config.ini` (`/etc/mmc/agent/config.ini`, root-readable only), whose
//! `[main]` section Medulla ships as `agent/conf/agent/config.ini.in`:
//! `host` (127.0.0.1), `port` (7080), `login` / `password` (the Basic
//! credentials every request must carry, `mmc` / `s3cr3t` by default),
//! `enablessl` (1), `cacert` (the CA of its self-signed certificate) and
//! `sessiontimeout` (seconds; Twisted's 900 when unset).

use std::collections::HashMap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentSettings {
    /// `https://127.0.0.1:7080/` (or `http://` without SSL).
    pub url: String,
    pub login: String,
    pub password: String,
    /// The CA certificate to trust for the agent's own, when SSL is on.
    pub cacert: Option<String>,
    /// The agent's idle timeout: the gateway's sessions last as long.
    pub session_timeout_seconds: u64,
}

/// `[section] key = value` lines; `#` and `;` start comments. Later keys
/// win, as in Python's `ConfigParser` reading `config.ini` then its
/// `.local` file. Hand-written: it must read what Python's `ConfigParser`
/// reads (no inline comment: a `;` in a password is the password's), which
/// the INI crates do not (configparser strips inline comments).
pub fn parse_ini(text: &str) -> HashMap<(String, String), String> {
    let mut values = HashMap::new();
    let mut section = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim().to_string();
        } else if let Some((key, value)) = line.split_once(['=', ':']) {
            values.insert((section.clone(), key.trim().to_ascii_lowercase()), value.trim().to_string());
        }
    }
    values
}

/// Whether `url` may carry users' passwords: HTTPS, or plain HTTP to this
/// machine only.
pub fn safe_url(url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("agent url {url:?}: {e}"))?;
    let local = match parsed.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if local => Ok(()),
        "http" => Err(format!(
            "agent url {url}: plain HTTP to another machine would carry users' passwords (base.ldapAuth) in clear; \
             use https (enablessl = 1 in the agent's config.ini)"
        )),
        other => Err(format!("agent url {url}: {other}:// is neither http nor https")),
    }
}

impl AgentSettings {
    /// The settings of the agent's `config.ini` text, with its
    /// `config.ini.local` text over it when there is one.
    pub fn from_files(main: &str, local: Option<&str>) -> Result<Self, String> {
        match local {
            Some(local) => Self::from_ini(&format!("{main}\n{local}")),
            None => Self::from_ini(main),
        }
    }

    /// The settings of the agent's `config.ini` text; a value that cannot
    /// be read is an error naming its key.
    pub fn from_ini(text: &str) -> Result<Self, String> {
        let ini = parse_ini(text);
        let main = |key: &str| ini.get(&("main".to_string(), key.to_string())).cloned();
        let port: u16 = match main("port") {
            Some(p) => p.parse().map_err(|_| format!("[main] port: {p:?} is not a port"))?,
            None => 7080,
        };
        let ssl = match main("enablessl").as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("1" | "true" | "yes" | "on") => true,
            Some("0" | "false" | "no" | "off") => false,
            Some(other) => return Err(format!("[main] enablessl: {other:?} is not a boolean")),
        };
        let host = main("host").unwrap_or_else(|| "127.0.0.1".into());
        let host = if host.contains(':') && !host.starts_with('[') { format!("[{host}]") } else { host };
        let session_timeout_seconds = match main("sessiontimeout") {
            Some(s) => s.parse().map_err(|_| format!("[main] sessiontimeout: {s:?} is not a number of seconds"))?,
            None => 900,
        };
        Ok(Self {
            url: format!("{}://{host}:{port}/", if ssl { "https" } else { "http" }),
            login: main("login").unwrap_or_else(|| "mmc".into()),
            password: main("password").unwrap_or_else(|| "s3cr3t".into()),
            cacert: if ssl { main("cacert") } else { None },
            session_timeout_seconds,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `[main]` section as Medulla ships it (`config.ini.in`, with its
    /// `@sysconfdir@` filled in).
    const SHIPPED: &str = "[main]\nhost = 127.0.0.1\nport = 7080\n# Credentials for HTTP basic authentication\n\
        login = mmc\npassword = s3cr3t\n#sessiontimeout = 900\nenablessl = 1\n\
        localcert = /etc/mmc/agent/keys/localcert.pem\ncacert = /etc/mmc/agent/keys/cacert.pem\n\
        [submaster]\nhost = 127.0.0.1 \nport = 57040\n";

    #[test]
    fn the_shipped_config_gives_the_agent_on_https_7080() {
        let s = AgentSettings::from_ini(SHIPPED).expect("read");
        assert_eq!(s.url, "https://127.0.0.1:7080/");
        assert_eq!((s.login.as_str(), s.password.as_str()), ("mmc", "s3cr3t"));
        assert_eq!(s.cacert.as_deref(), Some("/etc/mmc/agent/keys/cacert.pem"));
        assert_eq!(s.session_timeout_seconds, 900, "Twisted's default when unset");
    }

    #[test]
    fn config_ini_local_is_read_over_config_ini() {
        let local = "[main]\npassword = n3w\n";
        let s = AgentSettings::from_files(SHIPPED, Some(local)).expect("read");
        assert_eq!((s.login.as_str(), s.password.as_str()), ("mmc", "n3w"));
        assert_eq!(AgentSettings::from_files(SHIPPED, None).expect("read").password, "s3cr3t");
    }

    #[test]
    fn passwords_never_travel_in_clear_beyond_this_machine() {
        for ok in ["https://10.0.0.5:7080/", "http://127.0.0.1:7080/", "http://[::1]:7080/", "http://localhost:7080/"] {
            assert_eq!(safe_url(ok), Ok(()), "{ok}");
        }
        for bad in ["http://10.0.0.5:7080/", "http://agent.example:7080/", "ftp://127.0.0.1/", "not a url"] {
            assert!(safe_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn settings_of_an_installation() {
        let text = "[main]\nhost = ::1\nport = 7443\nlogin = agent\npassword = p=ss;word\nenablessl = 0\nsessiontimeout = 1800\n";
        let s = AgentSettings::from_ini(text).expect("read");
        assert_eq!(s.url, "http://[::1]:7443/");
        assert_eq!(s.password, "p=ss;word", "only the first = splits");
        assert_eq!((s.cacert, s.session_timeout_seconds), (None, 1800));
        for (bad, key) in
            [("port = http", "port"), ("enablessl = maybe", "enablessl"), ("sessiontimeout = 1h", "sessiontimeout")]
        {
            let e = AgentSettings::from_ini(&format!("[main]\n{bad}\n")).expect_err(bad);
            assert!(e.contains(key), "{e}");
        }
    }
}
