//! The few browser facilities the views use, each failing softly (a
//! private-mode storage or an odd URL must never break the tab).

use crate::i18n::Lang;
use wasm_bindgen::JsValue;

const STORAGE_KEY: &str = "medulla-imaging-status.entity";
/// Set when the user signed out (by hand or idle), until the next sign-in:
/// a reload then shows the login form instead of using a session cookie
/// the tab could not forget. Not a secret: a flag.
const SIGNED_OUT_KEY: &str = "medulla-imaging-status.signed-out";

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// A User Timing mark (`performance.mark`): where a load's time goes, as
/// the bench prints it (`BENCH_CHAIN=1`), and DevTools shows it.
pub fn mark(name: &str) {
    if let Some(performance) = window().and_then(|w| w.performance()) {
        let _ = performance.mark(name);
    }
}

/// Runs `then` once the next frame is painted: a timer set by that
/// frame's animation callback.
pub fn after_next_paint(then: impl FnOnce() + 'static) {
    leptos::prelude::request_animation_frame(move || {
        leptos::prelude::set_timeout(then, std::time::Duration::ZERO);
    });
}

/// Milliseconds since the epoch.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// `ms` in the browser's time zone: its clock when it is today, else
/// with its date too.
pub fn moment(ms: f64, lang: Lang) -> String {
    lang.moment(ms, !today().contains(&ms))
}

/// Today in the browser's time zone, as ms since 1970; worked out once a
/// day, not once per moment said (the overview says hundreds).
fn today() -> std::ops::Range<f64> {
    thread_local! {
        static TODAY: std::cell::Cell<(f64, f64)> = const { std::cell::Cell::new((0.0, 0.0)) };
    }
    let now = now_ms();
    let (start, end) = TODAY.get();
    if (start..end).contains(&now) {
        return start..end;
    }
    let day = js_sys::Date::new(&JsValue::from_f64(now));
    let start = day.set_hours(0)
        - f64::from(day.get_minutes()) * 60_000.0
        - f64::from(day.get_seconds()) * 1000.0
        - f64::from(day.get_milliseconds());
    let midnight = js_sys::Date::new(&JsValue::from_f64(start));
    midnight.set_date(midnight.get_date() + 1);
    let end = midnight.get_time();
    TODAY.set((start, end));
    start..end
}

/// `ms` as [`moment`] says it, and how long ago that is in words.
pub fn moment_and_age(ms: f64, lang: Lang) -> (String, String) {
    (moment(ms, lang), lang.elapsed_ms((now_ms() - ms).max(0.0) as u64))
}

/// `url` resolved against the page's address (a relative `api/v1/` of a
/// tab served at `/imaging-status/` is `/imaging-status/api/v1/`); as it
/// is when it cannot be.
pub fn absolute_url(url: &str) -> String {
    let Some(page) = window().and_then(|w| w.location().href().ok()) else { return url.to_string() };
    web_sys::Url::new_with_base(url, &page).map_or_else(|_| url.to_string(), |u| u.href())
}

pub fn query_param(name: &str) -> Option<String> {
    let search = window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search).ok()?.get(name).filter(|v| !v.is_empty())
}

/// Puts `?entity=…` in the address bar without reloading or adding to the
/// history, so that a reload or a shared link lands on the same entity.
pub fn set_query_param(name: &str, value: &str) {
    let Some(window) = window() else { return };
    let Ok(href) = window.location().href() else { return };
    let Ok(url) = web_sys::Url::new(&href) else { return };
    // Most often the link's own (`?entity=`): the history is left alone.
    if url.search_params().get(name).as_deref() == Some(value) {
        return;
    }
    url.search_params().set(name, value);
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url.href()));
    }
}

fn storage() -> Option<web_sys::Storage> {
    window()?.local_storage().ok()?
}

pub fn remembered_entity() -> Option<String> {
    storage()?.get_item(STORAGE_KEY).ok()?
}

pub fn remember_entity(uuid: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(STORAGE_KEY, uuid);
    }
}

pub fn signed_out_here() -> bool {
    storage().and_then(|s| s.get_item(SIGNED_OUT_KEY).ok()?).is_some()
}

pub fn set_signed_out_here(signed_out: bool) {
    if let Some(s) = storage() {
        let _ = if signed_out { s.set_item(SIGNED_OUT_KEY, "1") } else { s.remove_item(SIGNED_OUT_KEY) };
    }
}

/// Forgets the MMC agent's session cookie. Twisted names it
/// `TWISTED_SESSION` (`TWISTED_SECURE_SESSION` over HTTPS), with `Path=/`
/// and no `HttpOnly` (twisted/web/server.py, `Request.getSession`), so the
/// page can expire it; a proxy that adds `HttpOnly` leaves it to the
/// agent's idle timeout.
pub fn forget_agent_session() {
    let Some(document) = window().and_then(|w| w.document()) else { return };
    for cookie in ["TWISTED_SESSION=; Path=/; Max-Age=0", "TWISTED_SECURE_SESSION=; Path=/; Max-Age=0; Secure"] {
        let _ = js_sys::Reflect::set(&document, &"cookie".into(), &cookie.into());
    }
}

/// Calls `on_input` on every key press, click or touch, pointer move and
/// wheel turn in the page, for as long as the page lives.
pub fn on_user_input(on_input: impl Fn() + 'static) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let Some(window) = window() else { return };
    let listener = Closure::<dyn Fn()>::new(on_input);
    for event in ["keydown", "pointerdown", "pointermove", "wheel"] {
        let _ = window.add_event_listener_with_callback(event, listener.as_ref().unchecked_ref());
    }
    // Lives as long as the page: the listeners are never removed.
    listener.forget();
}

pub fn page_hidden() -> bool {
    window().and_then(|w| w.document()).is_some_and(|d| d.hidden())
}

pub fn browser_language() -> Option<String> {
    window()?.navigator().language()
}

pub fn set_document_language(code: &str) {
    if let Some(root) = window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = root.set_attribute("lang", code);
    }
}

/// Opens a console page: in place of the tab, or of the whole console when
/// the tab is embedded in it.
pub fn go_to(url: &str) {
    let Some(w) = window() else { return };
    if is_embedded() {
        // Setting `top.location.href` is the navigation a frame may make of
        // its top page, even across origins, after a click.
        let moved = w.top().ok().flatten().is_some_and(|top| top.location().set_href(url).is_ok());
        if !moved {
            let _ = w.open_with_url_and_target(url, "_top");
        }
    } else {
        let _ = w.location().assign(url);
    }
}

/// Adds a class to `<html>` (`embedded`, `theme-dark`, ...).
pub fn add_root_class(class: &str) {
    if let Some(root) = window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = root.class_list().add_1(class);
    }
}

/// The tab is shown inside the console's page (`?embed=1`).
pub fn is_embedded() -> bool {
    query_param("embed").as_deref() == Some("1")
}

/// The host page will hand a sign-on token by message (`?embed=1&sso=1`).
pub fn awaits_sign_on() -> bool {
    is_embedded() && query_param("sso").as_deref() == Some("1")
}
