//! Life inside the Medulla console: `?embed=1`, single sign-on (handed by
//! the host page in a message, or in the URL fragment), and a small
//! `postMessage` protocol with the host page.
//!
//! To the host (only ever to its exact origin, and only when that origin is
//! allowed): `{source: "medulla-imaging-status", type: "ready"}`,
//! `{..., type: "height", height}` whenever the content's height changes,
//! `{..., type: "status", entity, status, label}` whenever the selected
//! entity's status changes. From the host, with `source: "medulla-console"`,
//! from an allowed origin, from the parent window itself: `{type:
//! "select-entity", entity: "UUID3"}`, `{type: "set-language", language:
//! "fr"}`, and `{type: "sign-on", login, token}` (a token of the console's
//! `get_token()`, sent once the tab said `ready`; with `?sso=1` the tab
//! waits for it a few seconds before connecting). Anything else is ignored.

use super::state::Ctx;
use crate::api::is_credential;
use crate::i18n::Lang;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

pub const SOURCE: &str = "medulla-imaging-status";
pub const HOST_SOURCE: &str = "medulla-console";

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// How long the tab waits for the host's sign-on message before it
/// connects with what it has (then, its login form).
pub const SIGN_ON_WAIT_MS: u32 = 5_000;

/// A message to the host page: its type and the fields of that type.
#[derive(Default, Serialize)]
struct ToHost<'a> {
    source: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    height: Option<i32>,
    /// With `status`: the selected entity, or `null`.
    #[serde(skip_serializing_if = "Option::is_none")]
    entity: Option<Option<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<&'a str>,
}

impl ToHost<'_> {
    fn of(kind: &'static str) -> Self {
        Self { source: SOURCE, kind, ..Self::default() }
    }
}

/// A message from the host page: any field of the wrong type makes it
/// unreadable, so ignored, like any message not of the protocol.
#[derive(Deserialize)]
struct FromHost {
    source: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    entity: Option<String>,
    language: Option<String>,
    login: Option<String>,
    token: Option<String>,
}

/// Takes `#login=<user>&token=<token>` out of the address bar and the
/// history at once (the fragment never reaches a server, and is gone before
/// anything else runs); returns the pair if both are there.
pub fn take_sign_on_token() -> Option<(String, String)> {
    let window = window()?;
    let location = window.location();
    let hash = location.hash().ok().filter(|h| h.len() > 1)?;
    let clean = format!("{}{}", location.pathname().ok()?, location.search().ok()?);
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&clean));
    }
    let params = web_sys::UrlSearchParams::new_with_str(hash.trim_start_matches('#')).ok()?;
    let login = params.get("login").filter(|l| !l.is_empty())?;
    let token = params.get("token").filter(|t| !t.is_empty())?;
    Some((login, token))
}

/// Embedded (`?embed=1`) in a page known to be of an allowed origin.
pub fn embedded_by_allowed_host(ctx: &Ctx) -> bool {
    super::browser::is_embedded() && matches!(host(ctx), Host::Known(_))
}

/// What the tab knows of the page that embeds it.
enum Host {
    /// Not in a frame, or in a page of an origin that is not allowed.
    Refused,
    /// An allowed origin.
    Known(String),
    /// In a frame whose page hides its origin: no `location.ancestorOrigins`
    /// (Firefox) and no referrer (`Referrer-Policy: no-referrer`). The first
    /// message the parent sends from an allowed origin tells it.
    Hidden,
}

thread_local! {
    /// The host's origin, learnt from its first valid message.
    static LEARNT: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// The tab's own origin and the configured ones.
fn allowed_origins(ctx: &Ctx) -> Vec<String> {
    let own = window().and_then(|w| w.location().origin().ok());
    ctx.config.with_value(|c| c.embed_allowed_origins.iter().cloned().chain(own).collect())
}

fn host(ctx: &Ctx) -> Host {
    let Some(window) = window() else { return Host::Refused };
    match window.parent() {
        Ok(Some(parent)) if parent != window => {}
        _ => return Host::Refused,
    }
    if let Some(origin) = LEARNT.with(|l| l.borrow().clone()) {
        return Host::Known(origin);
    }
    // "null" or "" when a referrer policy masks it.
    let seen = |origin: &String| !origin.is_empty() && origin != "null";
    let from_ancestors = js_sys::Reflect::get(&window.location(), &"ancestorOrigins".into())
        .and_then(|list| js_sys::Reflect::get(&list, &0.into()))
        .ok()
        .and_then(|origin| origin.as_string())
        .filter(seen);
    let from_referrer = || {
        let referrer = window.document()?.referrer();
        web_sys::Url::new(&referrer).ok().map(|u| u.origin()).filter(seen)
    };
    match from_ancestors.or_else(from_referrer) {
        Some(origin) if allowed_origins(ctx).contains(&origin) => Host::Known(origin),
        Some(_) => Host::Refused,
        None => Host::Hidden,
    }
}

/// Sends a message to the host page: to its origin when known; while it is
/// hidden, to each allowed origin (the browser delivers it only if the
/// parent is of that origin, so no other page ever reads it).
fn post(ctx: &Ctx, message: ToHost) {
    let targets = match host(ctx) {
        Host::Refused => return,
        Host::Known(origin) => vec![origin],
        Host::Hidden => allowed_origins(ctx),
    };
    let Ok(data) = serde_wasm_bindgen::to_value(&message) else { return };
    if let Some(parent) = window().and_then(|w| w.parent().ok().flatten()) {
        for origin in targets {
            let _ = parent.post_message(&data, &origin);
        }
    }
}

/// Starts the protocol with the host page: `ready`, the height, the status,
/// and the host's requests.
pub fn connect_host(ctx: Ctx) {
    if matches!(host(&ctx), Host::Refused) {
        return;
    }
    listen(ctx);
    watch_height(ctx);
    Effect::new(move |_| {
        let entity = ctx.selection.selected.get();
        let status = ctx.selection.health.with(|h| h.as_str());
        let label = ctx.selection.health.with(|h| super::wording::describe(h, ctx.lang.get()).title);
        let message = ToHost {
            entity: Some(entity.as_deref()),
            status: Some(status),
            label: Some(label),
            ..ToHost::of("status")
        };
        post(&ctx, message);
    });
    post(&ctx, ToHost::of("ready"));
}

fn listen(ctx: Ctx) {
    let allowed = allowed_origins(&ctx);
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
        let parent = window().and_then(|w| w.parent().ok().flatten());
        let from_parent = match (event.source(), parent) {
            (Some(source), Some(parent)) => js_sys::Object::is(&source, &parent),
            _ => false,
        };
        let origin = event.origin();
        if !from_parent || !allowed.contains(&origin) {
            return;
        }
        // The parent's own origin (the browser sets it): known from now on.
        LEARNT.with(|l| *l.borrow_mut() = Some(origin));
        let Ok(message) = serde_wasm_bindgen::from_value::<FromHost>(event.data()) else { return };
        if message.source.as_deref() != Some(HOST_SOURCE) {
            return;
        }
        match message.kind.as_deref() {
            Some("select-entity") => {
                if let Some(uuid) = message.entity.filter(|u| crate::domain::looks_like_entity_id(u)) {
                    ctx.request_entity(uuid);
                }
            }
            Some("set-language") => {
                if let Some(lang) = message.language.as_deref().and_then(Lang::from_tag) {
                    ctx.lang.set(lang);
                }
            }
            Some("sign-on") => {
                if let (Some(login), Some(token)) =
                    (message.login.filter(|l| is_credential(l)), message.token.filter(|t| is_credential(t)))
                {
                    ctx.sign_on_with(login, token);
                }
            }
            _ => {}
        }
    });
    if let Some(w) = window() {
        let _ = w.add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
    }
    // The listener lives as long as the page.
    on_message.forget();
}

fn watch_height(ctx: Ctx) {
    let Some(body) = window().and_then(|w| w.document()).and_then(|d| d.body()) else { return };
    let last = StoredValue::new(0i32);
    let measure = {
        let body = body.clone();
        move || {
            let height = body.get_bounding_client_rect().height().ceil() as i32;
            if height != last.get_value() {
                last.set_value(height);
                post(&ctx, ToHost { height: Some(height), ..ToHost::of("height") });
            }
        }
    };
    measure();
    let on_resize = Closure::<dyn FnMut(js_sys::Array, web_sys::ResizeObserver)>::new(move |_, _| measure());
    if let Ok(observer) = web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref()) {
        observer.observe(&body);
    }
    on_resize.forget();
}
