//! How the clients reach the network: the [`Http`] trait, and [`Fetch`],
//! its implementation in the browser (gloo-net's request with the session cookie,
//! optional Basic credentials and a timeout; dropping the returned future
//! aborts the request, so an answer nobody waits for is never read). The
//! protocol code above it (the agent client, the status rules) is the same
//! wherever it runs; a native program gives its own `Http`.

use super::ApiError;
use futures::future::{select, Either};
use gloo_net::http::{RequestBuilder, Response};
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, RequestCache, RequestCredentials};

/// The largest answer read, in bytes: the agent's largest, the entity list,
/// takes about 400 bytes per entity (20 MB for 50,000); a larger one is
/// refused before it fills the tab's memory.
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// Aborts its request when dropped before the answer was read.
struct AbortOnDrop(Option<AbortController>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(controller) = self.0.take() {
            controller.abort();
        }
    }
}

/// An HTTP answer: its status and body, whatever the status.
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
    /// The server's `Date` header: its clock when it answered.
    pub date: Option<String>,
}

/// The methods the clients use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Delete,
}

/// A request, as the clients make it.
pub struct Request<'a> {
    pub method: Method,
    pub url: &'a str,
    /// `(content type, text)`.
    pub body: Option<(&'a str, String)>,
    /// `Authorization`, `Cache-Control`.
    pub headers: &'a [(&'a str, &'a str)],
    pub timeout_ms: u32,
    /// The agent may keep this call waiting on an imaging server (up to its
    /// 30-second connect timeout for a dead host): a gateway runs it under
    /// a limit of its own, so that it never holds up the other calls.
    pub waits_on_server: bool,
    /// May be answered from the browser's cache once the server confirmed
    /// it current (its `no-cache`), or by `index.html`'s preload of it:
    /// `config.json`. Every other answer never comes from a cache.
    pub cached_if_current: bool,
}

/// The network, as the clients see it.
#[allow(async_fn_in_trait)]
pub trait Http {
    /// Sends `request` with the session cookie; gives up after its
    /// `timeout_ms` ([`ApiError::Timeout`]). A body over [`MAX_BODY_BYTES`]
    /// is [`ApiError::TooLarge`].
    async fn send(&self, request: Request<'_>) -> Result<Answer, ApiError>;

    /// Waits `ms` milliseconds.
    async fn sleep(&self, ms: u32);

    /// The time, in ms since 1970.
    fn now_ms(&self) -> u64;
}

/// The browser's `fetch`, with the page's cookies.
#[derive(Clone, Copy, Debug, Default)]
pub struct Fetch;

impl Http for Fetch {
    async fn send(&self, request: Request<'_>) -> Result<Answer, ApiError> {
        fetch(request).await
    }

    async fn sleep(&self, ms: u32) {
        TimeoutFuture::new(ms).await
    }

    fn now_ms(&self) -> u64 {
        js_sys::Date::now() as u64
    }
}

/// One request through gloo-net, with what it does not give: the abort
/// when the future is dropped, the timeout, and the body cap.
async fn fetch(request: Request<'_>) -> Result<Answer, ApiError> {
    let Request { method, url, body, headers, timeout_ms, cached_if_current, .. } = request;
    let failed = |e: gloo_net::Error| ApiError::Network(e.to_string());
    let controller = AbortController::new().map_err(|_| ApiError::Network("AbortController".into()))?;
    let mut guard = AbortOnDrop(Some(controller.clone()));
    let mut builder = RequestBuilder::new(url)
        .method(match method {
            Method::Get => gloo_net::http::Method::GET,
            Method::Post => gloo_net::http::Method::POST,
            Method::Delete => gloo_net::http::Method::DELETE,
        })
        .credentials(RequestCredentials::Include)
        // A status must never come from a cache; and without this, Chromium
        // holds a GET behind an aborted one for the same URL (its cache lock).
        .cache(if cached_if_current { RequestCache::Default } else { RequestCache::NoStore })
        .abort_signal(Some(&controller.signal()));
    for (name, value) in headers {
        builder = builder.header(name, value);
    }
    let request = match body {
        Some((content_type, text)) => builder.header("Content-Type", content_type).body(text),
        None => builder.build(),
    }
    .map_err(failed)?;
    let exchange = async {
        let response = request.send().await.map_err(failed)?;
        let date = response.headers().get("date");
        let body = bounded_body(&response).await?;
        Ok(Answer { status: response.status(), body, date })
    };
    let result = match select(Box::pin(exchange), TimeoutFuture::new(timeout_ms)).await {
        Either::Left((result, _)) => result,
        Either::Right(_) => return Err(ApiError::Timeout),
    };
    guard.0 = None;
    result
}

/// Reads a body of at most [`MAX_BODY_BYTES`]: refused at once when its
/// `Content-Length` says more, and read chunk by chunk, stopping (and
/// cancelling the download) as soon as it goes past.
async fn bounded_body(response: &Response) -> Result<Vec<u8>, ApiError> {
    let length = response.headers().get("content-length");
    let announced = length.and_then(|l| l.trim().parse::<u64>().ok());
    if announced.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return Err(ApiError::TooLarge);
    }
    let Some(stream) = response.body() else { return Ok(Vec::new()) };
    let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let failed = |e: wasm_bindgen::JsValue| ApiError::Network(format!("reading the answer: {e:?}"));
    let mut body = Vec::new();
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(failed)?;
        let field = |name: &str| js_sys::Reflect::get(&chunk, &name.into()).map_err(failed);
        if field("done")?.as_bool() != Some(false) {
            return Ok(body);
        }
        let bytes = js_sys::Uint8Array::new(&field("value")?);
        let start = body.len();
        let end = start.saturating_add(bytes.length() as usize);
        if end > MAX_BODY_BYTES {
            let _ = reader.cancel();
            return Err(ApiError::TooLarge);
        }
        body.resize(end, 0);
        bytes.copy_to(&mut body[start..]);
    }
}

/// The value of an `Authorization: Basic` header.
pub fn basic_authorization(login: &str, password: &str) -> String {
    use base64::Engine;
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{login}:{password}")))
}

/// `config.json`, next to `index.html`: its HTTP status and body, as
/// [`crate::config::config_from`] reads them. Within the default request
/// timeout (its own is not known yet), and taken from `index.html`'s
/// preload (see [`Request::cached_if_current`]).
pub async fn fetch_config() -> Result<(u16, Vec<u8>), String> {
    let request = Request {
        method: Method::Get,
        url: crate::config::CONFIG_FILE,
        body: None,
        headers: &[],
        timeout_ms: crate::config::Config::default().request_timeout_seconds.saturating_mul(1000),
        waits_on_server: false,
        cached_if_current: true,
    };
    let answer = Fetch.send(request).await.map_err(|e| e.to_string())?;
    Ok((answer.status, answer.body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_base64_of_login_colon_password() {
        assert_eq!(basic_authorization("mmc", "s3cr3t"), "Basic bW1jOnMzY3IzdA==");
        assert_eq!(basic_authorization("é", "ü"), "Basic w6k6w7w=");
    }
}
