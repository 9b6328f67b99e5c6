//! The domain: entities, imaging server status and figures, the status
//! rules. Pure Rust: no Leptos, no browser, no I/O.

pub mod activity;
pub mod checks;
pub mod entity;
pub mod figures;
pub mod forecast;
pub mod history;
pub mod history_view;
pub mod relay;
pub mod status;
pub mod store;
pub mod timeline;
pub mod timestamp;

pub use activity::*;
pub use entity::*;
pub use figures::{Filesystem, ImageStore, Memory, ServerFigures};
pub use history::{History, Kept, LastKnown, Since};
pub use history_view::{HistorySource, HistorySummary, HistoryView, SessionLog, StoreSample};
pub use relay::*;
pub use status::*;
pub use store::{room_for_a_master, Room, StoreLimits};
pub use timestamp::*;
