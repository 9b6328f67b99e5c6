//! The views. They read and write the shared [`state::Ctx`] and call Medulla
//! only through it. Imports go one way: the components (one per file) use
//! `state`, `wording`, `search` and `browser` (and `history`, the drawings
//! of `timeline`); `state` uses `browser`;
//! `browser` uses nothing of `ui`; no module imports a component's file.

mod actions;
mod alert;
mod app;
mod back_notice;
mod browser;
mod embed;
mod entity_picker;
mod figures;
mod history;
mod login;
mod overview;
mod search;
pub mod state;
mod status_panel;
mod timeline;
mod wording;

pub use app::start;

use crate::i18n::Lang;
use leptos::prelude::{Get, RwSignal};

/// A fixed text of the views, in the language of the moment. One closure
/// type for all of them: each distinct closure in a view costs the wasm an
/// instance of Leptos's rendering code.
pub fn tr(lang: RwSignal<Lang>, en: &'static str) -> impl Fn() -> &'static str + Copy + 'static {
    move || lang.get().translated(en)
}
