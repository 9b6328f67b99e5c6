//! The tab's entry point: starts the app, and says so in the page when a
//! panic stops it (never a blank page).

use medulla_imaging_status::i18n::Lang;

fn main() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show_internal_error();
    }));
    medulla_imaging_status::ui::start();
}

/// A panic must never leave a blank page: say so, and how to recover, in
/// the page's language.
fn show_internal_error() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let lang = document
        .document_element()
        .and_then(|root| root.get_attribute("lang"))
        .and_then(|tag| Lang::from_tag(&tag))
        .unwrap_or_default();
    let Some(body) = document.body() else { return };
    body.set_inner_html("<main class=\"config-problem\"><div role=\"alert\"><h1></h1><p></p></div></main>");
    let set = |selector: &str, text: &str| {
        if let Ok(Some(element)) = body.query_selector(selector) {
            element.set_text_content(Some(text));
        }
    };
    set("h1", lang.tr("Internal error"));
    set(
        "p",
        lang.tr("The imaging status tab stopped on an unexpected error. Reload the page; if it happens again, send the browser console’s output to support."),
    );
}
