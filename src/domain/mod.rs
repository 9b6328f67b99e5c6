//! The domain: entities, imaging server status and figures, the status
//! rules. Pure Rust: no Leptos, no browser, no I/O.

pub mod checks;
pub mod figures;
pub mod history;
pub mod status;

pub use figures::{Filesystem, Memory};
pub use history::{History, LastKnown, Since};
pub use status::*;
