//! The browser's ways of telling the user something while they look
//! elsewhere: a notification (once they allow them), the page's title, a
//! short sound. Imports nothing of `ui`.

use wasm_bindgen::JsCast;

thread_local! {
    /// The page's own title, while another one says something.
    static OWN_TITLE: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

fn document() -> Option<web_sys::Document> {
    web_sys::window()?.document()
}

/// Asks the browser to allow notifications (from a click: browsers ask
/// only then). Inside a frame, or when refused, nothing happens: the title
/// and the sound still say it.
pub fn ask_for_notifications() {
    if web_sys::Notification::permission() == web_sys::NotificationPermission::Default {
        // The answer is read when a notification is due.
        let _ = web_sys::Notification::request_permission();
    }
}

/// A notification with `text`, if the user allowed them.
pub fn notify(title: &str, text: &str) {
    if web_sys::Notification::permission() != web_sys::NotificationPermission::Granted {
        return;
    }
    let options = web_sys::NotificationOptions::new();
    options.set_body(text);
    options.set_tag("medulla-imaging-status");
    let _ = web_sys::Notification::new_with_options(title, &options);
}

/// Puts `text` in the page's title (its own kept to come back to).
pub fn set_title(text: &str) {
    let Some(document) = document() else { return };
    OWN_TITLE.with(|own| {
        own.borrow_mut().get_or_insert_with(|| document.title());
    });
    document.set_title(text);
}

/// The page's own title again.
pub fn restore_title() {
    let Some(own) = OWN_TITLE.with(|own| own.borrow_mut().take()) else { return };
    if let Some(document) = document() {
        document.set_title(&own);
    }
}

/// Two short tones (Web Audio: no file to fetch).
pub fn chime() {
    let Ok(audio) = web_sys::AudioContext::new() else { return };
    let now = audio.current_time();
    for (i, hz) in [660.0_f32, 880.0].into_iter().enumerate() {
        let (Ok(tone), Ok(gain)) = (audio.create_oscillator(), audio.create_gain()) else { return };
        tone.frequency().set_value(hz);
        gain.gain().set_value(0.15);
        let start = now + 0.2 * i as f64;
        let chain =
            tone.connect_with_audio_node(&gain).and_then(|_| gain.connect_with_audio_node(&audio.destination()));
        if chain.is_err() || tone.start_with_when(start).is_err() || tone.stop_with_when(start + 0.15).is_err() {
            return;
        }
    }
    // Closed once played, so that contexts do not pile up.
    let close = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = audio.close();
    });
    if let Some(window) = web_sys::window() {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(close.unchecked_ref(), 1_000);
    }
}
