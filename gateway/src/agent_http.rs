//! The agent reached from the server: one [`AgentLink`] for the whole
//! gateway (one HTTP client, one bounded pool of connections, the limits on
//! calls in flight), and one [`AgentHttp`] per user over it, which carries
//! that user's agent session cookie (kept here, never sent to a browser).
//! Same limits as in the browser: a timeout for the whole exchange, and a
//! body of at most `MAX_BODY_BYTES`, refused on its announced length or as
//! soon as it goes past.
//!
//! Two limits, so that a dead imaging server holds nothing the others need:
//! the calls that may wait on an imaging server
//! ([`Request::waits_on_server`], `getGlobalStatus`: the agent waits its
//! 30-second connect timeout for a dead host) run under a limit of their
//! own, and one such call with the same text runs once at a time, whoever
//! asks (a second asker joins it); every other call runs under
//! `max_agent_calls`, of which work in the background (the overview) never
//! takes more than half, so that a user's check always finds a turn soon.
//! A call waits at most `agent_call_wait` for its turn, else the gateway
//! is [`busy`] (background work for its share, then for its turn, each
//! within that wait: the overview paces itself to its share). A user's
//! call comes first: background work takes a turn only while no user's
//! call waits for one.

use crate::single_flight::SingleFlight;
use medulla_imaging_status::api::http::{Answer, Http, Method, Request, MAX_BODY_BYTES};
use medulla_imaging_status::api::{ApiError, Counted};
use reqwest::cookie::CookieStore;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};

/// How often background work looks for a turn no user waits for.
const BACKGROUND_POLL: Duration = Duration::from_millis(5);

/// How many calls of each kind run at once, and how long one waits for
/// its turn.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Calls that the agent answers itself (its database, its XMPP bus).
    pub agent_calls: usize,
    /// Calls that wait on an imaging server, each server's once at a time.
    pub server_calls: usize,
    pub wait: Duration,
}

/// An answer, as joined callers share it.
type Heard = Result<Arc<Answer>, ApiError>;

/// The gateway's one way to the agent.
pub struct AgentLink {
    client: reqwest::Client,
    agent_calls: Semaphore,
    /// The share of `agent_calls` that background work may take.
    background_calls: Semaphore,
    server_calls: Semaphore,
    limits: Limits,
    /// The calls waiting on an imaging server in flight, by URL and text.
    waiting_on_servers: SingleFlight<(String, String), Heard>,
    /// Users' calls waiting for their turn: background work waits for none.
    users_waiting: AtomicUsize,
}

/// The answer when a call could not get its turn in time.
pub fn busy() -> ApiError {
    ApiError::Problem {
        status: 503,
        kind: "gateway-busy".into(),
        detail: "Too many calls to the MMC agent are in progress: try again in a few seconds.".into(),
    }
}

impl AgentLink {
    /// `agent_certificate`: the PEM of the agent's `cacert` (see
    /// [`AgentTrust`]); without it, the system's roots. No proxy from the
    /// environment: the agent is reached directly, passwords included.
    pub fn new(agent_certificate: Option<&[u8]>, limits: Limits) -> Result<Arc<Self>, String> {
        let mut builder = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(limits.agent_calls + limits.server_calls)
            .pool_idle_timeout(Duration::from_secs(60));
        if let Some(pem) = agent_certificate {
            builder = builder.use_preconfigured_tls(AgentTrust::from_pem(pem)?.client_config()?);
        }
        let client = builder.build().map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Arc::new(Self {
            client,
            agent_calls: Semaphore::new(limits.agent_calls.max(1)),
            background_calls: Semaphore::new((limits.agent_calls / 2).max(1)),
            server_calls: Semaphore::new(limits.server_calls.max(1)),
            limits,
            waiting_on_servers: SingleFlight::default(),
            users_waiting: AtomicUsize::new(0),
        }))
    }

    /// Calls in flight: `(agent calls, calls waiting on imaging servers)`.
    pub fn in_flight(&self) -> (usize, usize) {
        let busy = |s: &Semaphore, max: usize| max.max(1).saturating_sub(s.available_permits());
        (busy(&self.agent_calls, self.limits.agent_calls), busy(&self.server_calls, self.limits.server_calls))
    }
}

/// One user's way to the agent: the link, and that user's agent session.
pub struct AgentHttp {
    link: Arc<AgentLink>,
    jar: Arc<reqwest::cookie::Jar>,
    background: bool,
}

impl AgentHttp {
    /// A new agent session (no cookie yet) over `link`.
    pub fn new(link: Arc<AgentLink>) -> Self {
        Self { link, jar: Arc::default(), background: false }
    }

    /// The same agent session, for work in the background.
    pub fn in_background(&self) -> Self {
        Self { link: self.link.clone(), jar: self.jar.clone(), background: true }
    }
}

/// What the gateway trusts of the agent's TLS. The agent serves its
/// `cacert` file as its own certificate when it does not verify peers, its
/// default (agent/mmc/ssl.py, `makeSSLContext`:
/// `DefaultOpenSSLContextFactory(localcert, cacert)`, the private key then
/// the certificate), and Medulla's certificates are self-signed, for a
/// host name rather than 127.0.0.1, and marked CA (agent/conf/agent/keys/
/// cacert.pem: `CN=cert`, `CA:TRUE`), which a standard check refuses. So
/// the agent is accepted when it presents exactly a certificate of that
/// file (pinned: name and dates aside, as with an SSH host key), or a
/// chain that leads to one of them as usual; the handshake's signatures
/// are always checked.
#[derive(Debug)]
pub struct AgentTrust {
    pinned: Vec<rustls::pki_types::CertificateDer<'static>>,
    chained: Arc<rustls::client::WebPkiServerVerifier>,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl AgentTrust {
    pub fn from_pem(pem: &[u8]) -> Result<Self, String> {
        use rustls::pki_types::pem::PemObject;
        let pinned = rustls::pki_types::CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("agent certificate: {e}"))?;
        if pinned.is_empty() {
            return Err("agent certificate: no PEM certificate in the file".into());
        }
        for certificate in &pinned {
            strong_enough(certificate)?;
        }
        let mut roots = rustls::RootCertStore::empty();
        roots.add_parsable_certificates(pinned.iter().cloned());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let chained = rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|e| format!("agent certificate: {e}"))?;
        Ok(Self { pinned, chained, provider })
    }

    fn client_config(self) -> Result<rustls::ClientConfig, String> {
        let provider = self.provider.clone();
        Ok(rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS: {e}"))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(self))
            .with_no_client_auth())
    }
}

/// The smallest RSA key accepted (NIST SP 800-131A; ring refuses smaller
/// ones in the handshake anyway, with a less helpful message).
const MIN_RSA_BITS: usize = 2048;

/// A certificate whose key is strong enough, else why not. Medulla's
/// source ships a sample with a 512-bit key (agent/conf/agent/keys/
/// cacert.pem), which an installation may still use.
fn strong_enough(certificate: &rustls::pki_types::CertificateDer<'_>) -> Result<(), String> {
    use x509_parser::public_key::PublicKey;
    let (_, parsed) = x509_parser::parse_x509_certificate(certificate.as_ref())
        .map_err(|e| format!("agent certificate: unreadable ({e})"))?;
    let subject = parsed.subject().to_string();
    match parsed.public_key().parsed() {
        Ok(PublicKey::RSA(rsa)) if rsa.key_size() < MIN_RSA_BITS => Err(format!(
            "agent certificate ({subject}): its RSA key has {} bits, under the {MIN_RSA_BITS} a TLS client accepts; \
             give the MMC agent a new key and certificate (enablessl, localcert and cacert in its config.ini)",
            rsa.key_size()
        )),
        Ok(PublicKey::RSA(_) | PublicKey::EC(_)) => Ok(()),
        Ok(_) => Err(format!("agent certificate ({subject}): neither an RSA nor an elliptic-curve key")),
        Err(e) => Err(format!("agent certificate ({subject}): unreadable key ({e})")),
    }
}

impl rustls::client::danger::ServerCertVerifier for AgentTrust {
    fn verify_server_cert(
        &self,
        end_entity: &rustls::pki_types::CertificateDer<'_>,
        intermediates: &[rustls::pki_types::CertificateDer<'_>],
        server_name: &rustls::pki_types::ServerName<'_>,
        ocsp_response: &[u8],
        now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        if self.pinned.iter().any(|pinned| pinned.as_ref() == end_entity.as_ref()) {
            return Ok(rustls::client::danger::ServerCertVerified::assertion());
        }
        self.chained.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

fn failed(e: reqwest::Error) -> ApiError {
    if e.is_timeout() {
        ApiError::Timeout
    } else {
        ApiError::Network(e.to_string())
    }
}

/// What one exchange needs, owned (a joined call outlives its first asker's
/// request).
struct Exchange {
    method: reqwest::Method,
    url: reqwest::Url,
    headers: Vec<(String, String)>,
    body: Option<(String, String)>,
    timeout: Duration,
}

impl AgentLink {
    /// A turn under `limit` within the wait: a user's call queues for it
    /// (counted while it waits); background work takes one only while no
    /// user's call waits, so that a user's check is never behind it.
    async fn turn<'a>(&self, limit: &'a Semaphore, background: bool) -> Option<SemaphorePermit<'a>> {
        if !background {
            let _waiting = Counted::enter(&self.users_waiting);
            return tokio::time::timeout(self.limits.wait, limit.acquire()).await.ok()?.ok();
        }
        let deadline = tokio::time::Instant::now() + self.limits.wait;
        loop {
            if self.users_waiting.load(Ordering::SeqCst) == 0 {
                if let Ok(permit) = limit.try_acquire() {
                    return Some(permit);
                }
            }
            if tokio::time::Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(BACKGROUND_POLL).await;
        }
    }

    /// `exchange` once its turn has come under `limit`.
    async fn send(&self, limit: &Semaphore, exchange: Exchange, jar: &reqwest::cookie::Jar, background: bool) -> Heard {
        let Some(_permit) = self.turn(limit, background).await else { return Err(busy()) };
        let Exchange { method, url, headers, body, timeout } = exchange;
        // The timeout covers the whole exchange, the body included.
        let mut request = self.client.request(method, url.clone()).timeout(timeout);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        if let Some(cookie) = jar.cookies(&url) {
            request = request.header(reqwest::header::COOKIE, cookie);
        }
        if let Some((content_type, text)) = body {
            request = request.header(reqwest::header::CONTENT_TYPE, content_type).body(text);
        }
        let mut response = request.send().await.map_err(failed)?;
        jar.set_cookies(&mut response.headers().get_all(reqwest::header::SET_COOKIE).iter(), &url);
        let status = response.status().as_u16();
        let date = response.headers().get(reqwest::header::DATE).and_then(|d| d.to_str().ok()).map(str::to_string);
        if response.content_length().is_some_and(|length| length > MAX_BODY_BYTES as u64) {
            return Err(ApiError::TooLarge);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(failed)? {
            if body.len().saturating_add(chunk.len()) > MAX_BODY_BYTES {
                return Err(ApiError::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Arc::new(Answer { status, body, date }))
    }

    /// A call that waits on an imaging server: the one in flight with the
    /// same text if there is one (whoever asked it: the answer is the
    /// server's, and the session that asked it was checked by the agent),
    /// else a new one. Dropped when no asker waits for it any more.
    async fn send_waiting_on_server(self: &Arc<Self>, exchange: Exchange, jar: &Arc<reqwest::cookie::Jar>) -> Heard {
        let key = (exchange.url.to_string(), exchange.body.as_ref().map(|(_, text)| text.clone()).unwrap_or_default());
        let (link, jar) = (self.clone(), jar.clone());
        self.waiting_on_servers
            .run(key, || async move { link.send(&link.server_calls, exchange, &jar, false).await })
            .await
    }
}

impl Http for AgentHttp {
    async fn send(&self, request: Request<'_>) -> Result<Answer, ApiError> {
        let Request { method, url, body, headers, timeout_ms, waits_on_server, .. } = request;
        let method = match method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Delete => reqwest::Method::DELETE,
        };
        let exchange = Exchange {
            method,
            url: reqwest::Url::parse(url).map_err(|e| ApiError::Network(format!("{url}: {e}")))?,
            headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
            body: body.map(|(t, text)| (t.to_string(), text)),
            timeout: Duration::from_millis(timeout_ms.into()),
        };
        let heard = if waits_on_server {
            self.link.send_waiting_on_server(exchange, &self.jar).await
        } else if self.background {
            let share = tokio::time::timeout(self.link.limits.wait, self.link.background_calls.acquire()).await;
            let Ok(Ok(_share)) = share else { return Err(busy()) };
            self.link.send(&self.link.agent_calls, exchange, &self.jar, true).await
        } else {
            self.link.send(&self.link.agent_calls, exchange, &self.jar, false).await
        };
        heard.map(|answer| Answer { status: answer.status, body: answer.body.clone(), date: answer.date.clone() })
    }

    async fn sleep(&self, ms: u32) {
        tokio::time::sleep(Duration::from_millis(ms.into())).await
    }

    fn now_ms(&self) -> u64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::client::danger::ServerCertVerifier;
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};

    const AGENT: &[u8] = include_bytes!("../tests/fixtures/agent-cert.pem");
    const OTHER: &[u8] = include_bytes!("../tests/fixtures/other-cert.pem");
    const WEAK: &[u8] = include_bytes!("../tests/fixtures/weak-cert.pem");

    fn verify(trust: &AgentTrust, pem: &[u8], now: UnixTime) -> Result<(), rustls::Error> {
        let certificate = CertificateDer::from_pem_slice(pem).expect("a certificate");
        let name = ServerName::try_from("127.0.0.1").expect("a name");
        trust.verify_server_cert(&certificate, &[], &name, &[], now).map(|_| ())
    }

    /// Self-signed, its own CA, for another name, and even expired: the
    /// agent's own certificate is accepted, and no other.
    #[test]
    fn the_agents_own_certificate_is_pinned_and_no_other_accepted() {
        let trust = AgentTrust::from_pem(AGENT).expect("trust");
        assert_eq!(verify(&trust, AGENT, UnixTime::now()), Ok(()));
        let in_a_century = UnixTime::since_unix_epoch(Duration::from_secs(100 * 365 * 86_400 + 1_800_000_000));
        assert_eq!(verify(&trust, AGENT, in_a_century), Ok(()));
        assert!(verify(&trust, OTHER, UnixTime::now()).is_err(), "another certificate is refused");
    }

    #[test]
    fn a_file_without_a_certificate_is_an_error() {
        let limits = Limits { agent_calls: 1, server_calls: 1, wait: Duration::from_secs(1) };
        assert!(AgentTrust::from_pem(b"not a certificate").is_err());
        let garbled = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(AgentLink::new(Some(garbled), limits).is_err());
        assert!(AgentLink::new(Some(AGENT), limits).is_ok());
    }

    #[test]
    fn a_certificate_with_a_key_under_2048_bits_is_refused_by_name() {
        let e = AgentTrust::from_pem(WEAK).expect_err("a 1024-bit key");
        assert!(e.contains("1024 bits") && e.contains("CN=cert"), "{e}");
    }
}
