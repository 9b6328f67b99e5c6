//! Start-up: read `config.json`, choose the language, connect to Medulla,
//! then show the screen.

use super::actions::Actions;
use super::back_notice::BackNotice;
use super::entity_picker::EntityPicker;
use super::figures::Figures;
use super::history::HistoryPanel;
use super::login::Login;
use super::overview::Overview;
use super::state::{Ctx, Ended, Session};
use super::status_panel::StatusPanel;
use super::{browser, embed, tr};
use crate::api::http::fetch_config;
use crate::config::{config_from, LanguageSetting};
use crate::i18n::Lang;
use leptos::prelude::*;
use leptos::reactive::owner::Owner;
use leptos::task::spawn_local;

/// Starts the tab: reads `config.json`, sends the first requests to
/// Medulla, and only then builds the screen (index.html's own loading line
/// shows meanwhile). A second visit's requests so leave before the screen's
/// first render, not after it.
pub fn start() {
    // Before anything else: the token must leave the address bar at once.
    let sign_on = embed::take_sign_on_token();
    if browser::is_embedded() {
        browser::add_root_class("embedded");
    }
    match browser::query_param("theme").as_deref() {
        Some("dark") => browser::add_root_class("theme-dark"),
        Some("light") => browser::add_root_class("theme-light"),
        _ => {}
    }
    browser::mark("tab:started");
    // Leptos's tasks and effects run on wasm-bindgen-futures (what mounting
    // would set up, before the first of them is spawned here).
    let _ = any_spawner::Executor::init_wasm_bindgen();
    // The host page's language (`?lang=`), else the browser's.
    let fallback_lang = [browser::query_param("lang"), browser::browser_language()]
        .iter()
        .flatten()
        .find_map(|t| Lang::from_tag(t))
        .unwrap_or_default();
    // Until the config names one: the page's lang for a config problem (the
    // screen's own Effect follows the tab's language).
    browser::set_document_language(fallback_lang.code());
    // The owner of the app's state (the signals of `Ctx`, made before the
    // screen that shows them): kept for the page's life.
    let owner = Owner::new();
    owner.with(|| {
        spawn_local(async move {
            let fetched = fetch_config().await;
            match config_from(fetched, browser::absolute_url) {
                Ok(config) => {
                    browser::mark("tab:config-read");
                    let lang = match config.language {
                        LanguageSetting::Fixed(lang) => lang,
                        LanguageSetting::Auto => fallback_lang,
                    };
                    let ctx = Ctx::new(config, lang);
                    ctx.watch_idle();
                    // A token in the link signs in only a tab that the console
                    // embeds (an allowed origin): a link to the tab alone is not
                    // a way to sign someone in as another user.
                    let sign_on = sign_on.filter(|_| embed::embedded_by_allowed_host(&ctx));
                    ctx.keep_sign_on(sign_on.clone());
                    if browser::awaits_sign_on() && sign_on.is_none() {
                        // The host page hands its token once the tab is ready.
                        spawn_local(async move {
                            gloo_timers::future::TimeoutFuture::new(embed::SIGN_ON_WAIT_MS).await;
                            ctx.connect_unless_started();
                        });
                    } else {
                        ctx.connect();
                    }
                    browser::mark("tab:first-requests-sent");
                    mount(move || {
                        provide_context(ctx);
                        view! { <Screen/> }
                    });
                    // While the first answers travel.
                    spawn_local(async move { lang.prepare() });
                }
                Err(problem) => mount(move || view! { <ConfigProblem problem lang=fallback_lang/> }),
            }
        });
    });
    std::mem::forget(owner);
}

/// Puts `view` in the page in place of index.html's loading line, under the
/// current owner (whose context it sees), for the page's life.
fn mount<V: IntoView + 'static>(view: impl FnOnce() -> V + 'static) {
    if let Some(boot) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("boot")) {
        boot.remove();
    }
    leptos::mount::mount_to_body(view);
}

#[component]
fn ConfigProblem(problem: String, lang: Lang) -> impl IntoView {
    view! {
        <main class="config-problem">
            <div role="alert">
                <h1>{lang.tr("The imaging status tab is not configured correctly")}</h1>
                <p class="config-problem__detail"><code>{problem}</code></p>
                <p>{lang.tr("Ask your Medulla administrator to fix config.json next to index.html (its keys are described in the README), then reload this page.")}</p>
            </div>
        </main>
    }
}

#[component]
fn Screen() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let lang = ctx.lang;
    Effect::new(move || browser::set_document_language(lang.get().code()));
    embed::connect_host(ctx);
    let embedded = browser::is_embedded();
    let switch = move |to: Lang| move |_| lang.set(to);
    // The figures and the history follow a page's first status by a frame.
    let details = move || ctx.selection.details.get();
    view! {
        <header class="top">
            <h1 class:visually-hidden=embedded>{tr(lang, "Imaging server status")}</h1>
            <div class="top__tools">
                {(!embedded).then(|| view! {
                    <div class="langs" role="group" aria-label=tr(lang, "Language")>
                        {Lang::all().map(|l| view! {
                            <button type="button" lang=l.code() aria-pressed=move || (lang.get() == l).to_string() on:click=switch(l)>{l.name()}</button>
                        }).collect_view()}
                    </div>
                })}
                <Show when=move || ctx.session.state.get() == Session::SignedIn>
                    <button type="button" class="sign-out" on:click=move |_| ctx.sign_out(Ended::ByUser)>
                        {tr(lang, "Sign out")}
                    </button>
                </Show>
            </div>
        </header>
        <main>
            <Show when=move || ctx.session.state.get() == Session::SignedIn>
                <nav class="views" aria-label=tr(lang, "Views")>
                    <button type="button" aria-pressed=move || (!ctx.overview.shown.get()).to_string()
                        on:click=move |_| ctx.show_overview(false)>{tr(lang, "One entity")}</button>
                    <button type="button" aria-pressed=move || ctx.overview.shown.get().to_string()
                        on:click=move |_| ctx.show_overview(true)>{tr(lang, "Every entity")}</button>
                </nav>
            </Show>
            <Show when=move || ctx.overview.shown.get() && ctx.session.state.get() == Session::SignedIn && ctx.selection.entities.with(Option::is_some)>
                <Overview/>
            </Show>
            <div hidden=move || ctx.overview.shown.get() && ctx.session.state.get() == Session::SignedIn>
                <Show when=move || ctx.selection.entities.with(Option::is_some)>
                    <EntityPicker/>
                </Show>
                <StatusPanel/>
                <BackNotice/>
                <Show when=details>
                    <Figures/>
                </Show>
                <Actions/>
                <Show when=details>
                    <HistoryPanel/>
                </Show>
            </div>
            <Show when=move || ctx.session.state.get() == Session::SignedOut>
                <Login/>
            </Show>
        </main>
    }
}
