//! The relay of an imaging server on Medulla's XMPP bus: found by the
//! server's host, present or absent.

use super::status::RelayPresence;

/// The host of an imaging server's URL (`https://10.0.0.5:9990/imaging_api`
/// gives `10.0.0.5`), lower-cased, IPv6 brackets removed.
/// Read as written, not by a URL parser: an address may come without a
/// host (`https://:9990/`, from Medulla's default empty `public_ip`, see
/// medulla-api.md) or without a scheme (`10.1.2.3:9990`), which a URL
/// parser refuses where this must still say which relay, or none, it names.
pub fn url_host(url: &str) -> Option<String> {
    let authority = crate::address::written_authority(url);
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host =
        if let Some(v6) = authority.strip_prefix('[') { v6.split(']').next()? } else { authority.split(':').next()? };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// One relay of `xmppmaster.get_xmpprelays_list`.
#[derive(Clone, Debug, PartialEq)]
pub struct Relay {
    pub hostname: String,
    pub ip: String,
    pub enabled: bool,
}

/// Finds the relay hosting the server at `server_url` (by host name or
/// address) and says whether it is present.
pub fn relay_presence(server_url: Option<&str>, relays: Option<&[Relay]>) -> RelayPresence {
    let Some(host) = server_url.and_then(url_host) else { return RelayPresence::NoAddress };
    let Some(relays) = relays else { return RelayPresence::Unknown };
    let matches = |r: &&Relay| {
        r.ip.eq_ignore_ascii_case(&host)
            || r.hostname.eq_ignore_ascii_case(&host)
            || r.hostname.split('.').next().is_some_and(|short| short.eq_ignore_ascii_case(&host))
    };
    let mut found = relays.iter().filter(matches).peekable();
    if found.peek().is_none() {
        return RelayPresence::NotFound;
    }
    if found.any(|r| r.enabled) {
        RelayPresence::Present
    } else {
        RelayPresence::Absent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relay(host: &str, ip: &str, enabled: bool) -> Relay {
        Relay { hostname: host.into(), ip: ip.into(), enabled }
    }

    #[test]
    fn url_host_handles_ports_users_and_ipv6() {
        assert_eq!(url_host("https://10.0.0.5:9990/imaging_api").as_deref(), Some("10.0.0.5"));
        assert_eq!(url_host("http://Relay-1.Example.org/x").as_deref(), Some("relay-1.example.org"));
        assert_eq!(url_host("https://u:p@[fd00::5]:9990/").as_deref(), Some("fd00::5"));
        assert_eq!(url_host("10.1.2.3:9990").as_deref(), Some("10.1.2.3"));
        assert_eq!(url_host("https:///nohost"), None);
        assert_eq!(url_host(""), None);
    }

    #[test]
    fn relay_is_found_by_address_or_host_name() {
        let relays = [relay("rs-paris.example.org", "10.0.0.5", true), relay("rs-lyon", "10.0.0.6", false)];
        let p = |url: &str| relay_presence(Some(url), Some(&relays));
        assert_eq!(p("https://10.0.0.5:9990/imaging_api"), RelayPresence::Present);
        assert_eq!(p("https://rs-paris:9990/imaging_api"), RelayPresence::Present);
        assert_eq!(p("https://RS-LYON:9990/imaging_api"), RelayPresence::Absent);
        assert_eq!(p("https://10.9.9.9:9990/imaging_api"), RelayPresence::NotFound);
        assert_eq!(relay_presence(None, Some(&relays)), RelayPresence::NoAddress);
        assert_eq!(relay_presence(Some("https://10.0.0.5/"), None), RelayPresence::Unknown);
    }

    #[test]
    fn a_server_address_without_host_matches_no_relay() {
        // `proto://public_ip:9990/mount` with Medulla's default empty public_ip.
        let relays = [relay("", "", true)];
        assert_eq!(relay_presence(Some("https://:9990/imaging_api"), Some(&relays)), RelayPresence::NoAddress);
        assert_eq!(relay_presence(Some("https://:9990/imaging_api"), None), RelayPresence::NoAddress);
    }
}
