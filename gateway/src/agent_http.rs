//! The agent reached from the server: one [`AgentHttp`] per user, so one
//! agent session cookie per user, kept here and never sent to a browser.
//! Same limits as in the browser: a timeout for the whole exchange, and a
//! body of at most `MAX_BODY_BYTES`, refused on its announced length or as
//! soon as it goes past.

use medulla_imaging_status::api::http::{Answer, Http, Method, Request, MAX_BODY_BYTES};
use medulla_imaging_status::api::ApiError;
use std::sync::Arc;
use std::time::Duration;

pub struct AgentHttp {
    client: reqwest::Client,
}

impl AgentHttp {
    /// A client with a cookie jar of its own. `agent_certificate`: the PEM
    /// of the agent's `cacert` (see [`AgentTrust`]); without it, the
    /// system's roots.
    pub fn new(agent_certificate: Option<&[u8]>) -> Result<Self, String> {
        let mut builder = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none());
        if let Some(pem) = agent_certificate {
            builder = builder.use_preconfigured_tls(AgentTrust::from_pem(pem)?.client_config()?);
        }
        let client = builder.build().map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Self { client })
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

impl Http for AgentHttp {
    async fn send(&self, Request { method, url, body, headers, timeout_ms }: Request<'_>) -> Result<Answer, ApiError> {
        let method = match method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Delete => reqwest::Method::DELETE,
        };
        // The timeout covers the whole exchange, the body included.
        let mut request = self.client.request(method, url).timeout(Duration::from_millis(timeout_ms.into()));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some((content_type, text)) = body {
            request = request.header(reqwest::header::CONTENT_TYPE, content_type).body(text);
        }
        let mut response = request.send().await.map_err(failed)?;
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
        Ok(Answer { status, body, date })
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
        assert!(AgentTrust::from_pem(b"not a certificate").is_err());
        assert!(AgentHttp::new(Some(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")).is_err());
        assert!(AgentHttp::new(Some(AGENT)).is_ok());
    }
}
