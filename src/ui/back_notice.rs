//! "Tell me when it is back": while the selected entity's imaging server is
//! not available, the tab offers to say when it is again: the page's title
//! at once and when it comes back, a notification of the browser if the
//! user allows them, and two short tones if asked (off by default). Inside
//! the console's frame, where notifications may be refused, the title and
//! the tones still work. Selecting another entity ends the offer.

use super::alert;
use super::state::Ctx;
use super::tr;
use crate::domain::ServerStatus;
use crate::i18n::Lang;
use leptos::prelude::*;

#[component]
pub fn BackNotice() -> impl IntoView {
    let ctx = expect_context::<Ctx>();
    let lang = ctx.lang;
    let with_sound = RwSignal::new(false);
    let down = move || {
        ctx.report().is_some_and(|r| matches!(r.status, ServerStatus::Offline(_) | ServerStatus::ConnectionError))
    };
    let name = move |entity: &str| ctx.entity(entity).map_or_else(|| entity.to_string(), |e| e.completename);
    // What is said when it is back: on the page, in the title, notified.
    let back_words = move |lang: Lang, entity: &str| {
        lang.trf("The imaging server of {entity} is available again.", &[("entity", &name(entity))])
    };
    // The title says what is awaited, then that it came.
    Effect::new(move || {
        let lang = lang.get();
        match (ctx.history.waiting.get(), ctx.history.back.get()) {
            (_, Some(entity)) => alert::set_title(&format!("✔ {}", back_words(lang, &entity))),
            (Some(entity), None) => {
                let text = lang.trf("Waiting for the imaging server of {entity}", &[("entity", &name(&entity))]);
                alert::set_title(&format!("… {text}"));
            }
            (None, None) => alert::restore_title(),
        }
    });
    // The notification and the tones, once when it comes back.
    Effect::new(move || {
        let Some(entity) = ctx.history.back.get() else { return };
        let lang = lang.get_untracked();
        alert::notify(lang.tr("Imaging server status"), &back_words(lang, &entity));
        if with_sound.get_untracked() {
            alert::chime();
        }
    });
    let wait = move |_| {
        alert::ask_for_notifications();
        ctx.history.waiting.set(ctx.selection.selected.get_untracked());
    };
    let back_text = move || {
        let entity = ctx.history.back.get()?;
        Some(back_words(lang.get(), &entity))
    };
    view! {
        <Show when=move || down() || ctx.history.back.with(Option::is_some)>
            <div class="back-notice">
                <p class="back-notice__back" role="status">{back_text}</p>
                <Show when=move || down()>
                    <Show when=move || ctx.history.waiting.with(Option::is_some)
                        fallback=move || view! {
                            <button type="button" class="back-notice__ask" on:click=wait>
                                {tr(lang, "Tell me when it is back")}
                            </button>
                        }>
                        <p class="back-notice__waiting">
                            {tr(lang, "You will be told here, in the page’s title and, if your browser allows it, by a notification.")}
                            " "
                            <button type="button" class="back-notice__cancel" on:click=move |_| ctx.history.waiting.set(None)>
                                {tr(lang, "Cancel")}
                            </button>
                        </p>
                    </Show>
                    <label class="back-notice__sound">
                        <input type="checkbox" prop:checked=move || with_sound.get()
                            on:change=move |ev| with_sound.set(event_target_checked(&ev))/>
                        " "{tr(lang, "With a sound")}
                    </label>
                </Show>
            </div>
        </Show>
    }
}
