//! The tab's texts, in gettext catalogs as Medulla's own modules keep them.
//!
//! - The English source texts are in the code, in calls to `tr("…")`,
//!   `trf("…{name}…", …)` and `trn("…{n}…", "…{n}…", n)`; [`extract`] reads
//!   them from the sources.
//! - `locale/imaging-status.pot` is their template, and each language is
//!   `locale/<ll_CC>/LC_MESSAGES/imaging-status.po` (the layout of
//!   Medulla's `web/modules/imaging/locale/`).
//! - The app's build script calls [`compile`]: it fails when the template is
//!   stale, a text lacks a translation, or a catalog keeps a text the code
//!   no longer has; otherwise it writes the translations as Rust, with each
//!   catalog's `Plural-Forms` turned into code. No catalog is read at run
//!   time.
//! - `cargo run -p catalogs -- update` rewrites the template and brings
//!   every catalog in line with it (new texts untranslated, gone texts
//!   dropped), as `xgettext` and `msgmerge` would.

mod check;
mod codegen;
mod extract;
mod plural;
mod po;

pub use check::*;
pub use codegen::*;
pub use extract::*;
pub use plural::*;
pub use po::*;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub const DOMAIN: &str = "imaging-status";

/// A text of the code: its English source (and plural), and the files
/// that use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    pub id: String,
    pub plural: Option<String>,
    pub files: BTreeSet<String>,
}

/// An entry of a catalog.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Entry {
    pub id: String,
    pub plural: Option<String>,
    pub strs: Vec<String>,
    pub fuzzy: bool,
}

/// One language's catalog.
#[derive(Debug)]
pub struct Catalog {
    /// The language, as the app names it (`fr` for `fr_FR`).
    pub code: String,
    pub path: PathBuf,
    pub header: String,
    pub nplurals: usize,
    pub plural: String,
    pub entries: Vec<Entry>,
}

/// For the app's build script: the texts of `root/src`, checked against
/// the template and catalogs of `root/locale`, as Rust. The error lists
/// every problem and how to go on.
pub fn compile(root: &Path) -> Result<String, String> {
    let msgs = extract(&root.join("src"))?;
    let catalogs = load(&root.join("locale"))?;
    let mut found = problems(&msgs, &catalogs);
    let pot = root.join("locale").join(format!("{DOMAIN}.pot"));
    if std::fs::read_to_string(&pot).ok().as_deref() != Some(template(&msgs).as_str()) {
        found.insert(0, format!("{} does not match the code's texts", pot.display()));
    }
    if !found.is_empty() {
        return Err(format!(
            "the translations are not complete:\n  {}\n\
             Run `cargo run -p catalogs -- update` to bring the template and catalogs in line with the code, \
             then translate the empty msgstr entries.",
            found.join("\n  ")
        ));
    }
    rust(&msgs, &catalogs)
}

/// `cargo run -p catalogs -- update`: rewrites the template and the
/// catalogs of `root`. Returns what it wrote.
pub fn update(root: &Path) -> Result<Vec<PathBuf>, String> {
    let msgs = extract(&root.join("src"))?;
    let pot = root.join("locale").join(format!("{DOMAIN}.pot"));
    std::fs::write(&pot, template(&msgs)).map_err(|e| format!("{}: {e}", pot.display()))?;
    let mut written = vec![pot];
    for c in load(&root.join("locale"))? {
        std::fs::write(&c.path, merged(&msgs, &c)).map_err(|e| format!("{}: {e}", c.path.display()))?;
        written.push(c.path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests;
