//! The views. They read and write the shared [`state::Ctx`] and call Medulla
//! only through it.

mod actions;
mod app;
mod browser;
mod embed;
mod entity_picker;
mod figures;
mod login;
pub mod state;
mod status_panel;

pub use app::App;
