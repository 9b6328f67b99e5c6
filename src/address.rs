//! URLs read by a WHATWG URL parser: the browser's own (`web_sys::Url`) in
//! the tab, the `url` crate (the same standard) natively, where the tests
//! run.

/// What the checks of `config.json` need to know of a URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Address {
    /// `https`, lower-case, without its colon.
    pub scheme: String,
    /// Lower-case; an IPv6 address in brackets; empty when it has none.
    pub host: String,
    /// `https://host[:port]`, the default port left out; `null` for a URL
    /// with no origin (`data:`, `javascript:`).
    pub origin: String,
    /// A user name or password before the host.
    pub credentials: bool,
    /// Nothing after the origin: no path but `/`, no query, no fragment.
    pub bare: bool,
}

impl Address {
    /// An `http(s)` URL with a host.
    pub fn is_web(&self) -> bool {
        matches!(self.scheme.as_str(), "http" | "https") && !self.host.is_empty()
    }
}

/// `text` as an absolute URL, or relative to `base` when one is given.
pub fn parse(text: &str, base: Option<&str>) -> Option<Address> {
    #[cfg(target_arch = "wasm32")]
    {
        let url = match base {
            Some(base) => web_sys::Url::new_with_base(text, base),
            None => web_sys::Url::new(text),
        }
        .ok()?;
        Some(Address {
            scheme: url.protocol().trim_end_matches(':').to_string(),
            host: url.hostname(),
            origin: url.origin(),
            credentials: !url.username().is_empty() || !url.password().is_empty(),
            bare: url.pathname() == "/" && url.search().is_empty() && url.hash().is_empty(),
        })
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let base = base.map(url::Url::parse).transpose().ok()?;
        let url = url::Url::options().base_url(base.as_ref()).parse(text).ok()?;
        Some(Address {
            scheme: url.scheme().to_string(),
            host: url.host_str().unwrap_or_default().to_string(),
            origin: url.origin().ascii_serialization(),
            credentials: !url.username().is_empty() || url.password().is_some(),
            bare: url.path() == "/"
                && url.query().is_none_or(str::is_empty)
                && url.fragment().is_none_or(str::is_empty),
        })
    }
}

/// The authority of `text` as written: after `scheme://` (from the start
/// when there is none) up to the first `/`, `\`, `?` or `#`; empty when
/// the host is left out (`https:///mmc/`). Hand-written on purpose: it
/// reads what a URL parser rewrites or refuses (a WHATWG parser reads
/// `https:///x` as the host `x`, refuses `https://:9990/` and
/// `10.1.2.3:9990`, which Medulla's server addresses can be).
pub fn written_authority(text: &str) -> &str {
    let rest = text.split_once("://").map_or(text, |(_, rest)| rest);
    rest.split(['/', '\\', '?', '#']).next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_hosts_and_relative_paths() {
        let a = parse("HTTPS://Medulla.Example.org:443/", None).expect("a URL");
        assert_eq!((a.scheme.as_str(), a.host.as_str()), ("https", "medulla.example.org"));
        assert_eq!(a.origin, "https://medulla.example.org");
        assert!(a.bare && !a.credentials);
        let v6 = parse("http://u:p@[::1]:7080/mmc?x#y", None).expect("a URL");
        assert_eq!((v6.host.as_str(), v6.credentials, v6.bare), ("[::1]", true, false));
        assert_eq!(parse("javascript:alert(1)", None).map(|a| a.origin).as_deref(), Some("null"));
        let base = Some("http://tab.invalid/imaging-status/");
        assert_eq!(parse("../api/v1/", base).map(|a| a.origin).as_deref(), Some("http://tab.invalid"));
        assert_eq!(parse("//evil.example.org/", base).map(|a| a.host).as_deref(), Some("evil.example.org"));
        assert_eq!(parse("/mmc-agent/", None), None);
    }

    #[test]
    fn authorities_as_written() {
        assert_eq!(written_authority("https://u@10.0.0.5:9990/imaging_api"), "u@10.0.0.5:9990");
        assert_eq!(written_authority("10.1.2.3:9990/x"), "10.1.2.3:9990");
        assert_eq!(written_authority("https:///mmc/"), "");
        assert_eq!(written_authority("https://\\evil.example.org"), "");
        assert_eq!(written_authority("https://:9990/"), ":9990");
    }
}
