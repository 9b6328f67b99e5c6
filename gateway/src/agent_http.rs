//! The agent reached from the server: one [`AgentHttp`] per user, so one
//! agent session cookie per user, kept here and never sent to a browser.
//! Same limits as in the browser: a timeout for the whole exchange, and a
//! body of at most `MAX_BODY_BYTES`, refused on its announced length or as
//! soon as it goes past.

use medulla_imaging_status::api::http::{Answer, Http, Method, Request, MAX_BODY_BYTES};
use medulla_imaging_status::api::ApiError;
use std::time::Duration;

pub struct AgentHttp {
    client: reqwest::Client,
}

impl AgentHttp {
    /// A client with a cookie jar of its own. `agent_certificate`: the PEM
    /// of the agent's certificate (self-signed by default), trusted on top
    /// of the system's roots.
    pub fn new(agent_certificate: Option<&[u8]>) -> Result<Self, String> {
        let mut builder = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none());
        if let Some(pem) = agent_certificate {
            let certificate = reqwest::Certificate::from_pem(pem).map_err(|e| format!("agent certificate: {e}"))?;
            builder = builder.add_root_certificate(certificate);
        }
        let client = builder.build().map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Self { client })
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
}
