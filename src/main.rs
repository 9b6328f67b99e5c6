use medulla_imaging_status::ui::App;

fn main() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show_internal_error();
    }));
    if let Some(boot) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("boot")) {
        boot.remove();
    }
    leptos::mount::mount_to_body(App);
}

/// A panic must never leave a blank page: say so, and how to recover.
fn show_internal_error() {
    let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) else { return };
    body.set_inner_html(
        "<main class=\"config-problem\" role=\"alert\"><h1>Internal error / Erreur interne</h1>\
         <p>The imaging status tab stopped on an unexpected error. Reload the page; if it happens again, \
         send the browser console's output to support.</p>\
         <p>L’onglet d’état de l’imagerie s’est arrêté sur une erreur inattendue. Rechargez la page ; \
         si cela se reproduit, envoyez la sortie de la console du navigateur au support.</p></main>",
    );
}
