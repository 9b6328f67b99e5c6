//! The domain: entities, imaging server status and figures, the status
//! rules. Pure Rust: no Leptos, no browser, no I/O.

pub mod checks;
pub mod figures;
pub mod history;
pub mod status;
pub mod store;

pub use figures::{Filesystem, Memory};
pub use history::{History, LastKnown, Since};
pub use status::*;
pub use store::{room_for_a_master, Room, StoreLimits};
