//! Medulla Imaging Status: for the entity an administrator chooses, whether
//! its imaging server is Available, Offline or in Connection error, its
//! figures, and imaging actions that only run when it is Available.
//!
//! Layers, dependencies pointing one way: `ui` -> `api` -> `domain`
//! (`address`, `config`, `i18n`, `number`, `sync` and `task` are helpers below them).

pub mod address;
pub mod api;
pub mod config;
pub mod domain;
pub mod i18n;
pub mod number;
pub mod sync;
pub mod task;
pub mod ui;
