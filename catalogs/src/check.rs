//! What makes the catalogs wrong: a text without a translation, a text the
//! code no longer has, placeholders that differ.

use crate::{plural_to_rust, Catalog, Msg};
use std::collections::{BTreeMap, BTreeSet};

/// The `{name}` placeholders of a text.
pub fn placeholders(s: &str) -> BTreeSet<&str> {
    s.split('{').skip(1).filter_map(|p| p.split_once('}').map(|(name, _)| name)).collect()
}

/// What keeps the catalogs from being compiled: each problem in words.
pub fn problems(msgs: &[Msg], catalogs: &[Catalog]) -> Vec<String> {
    let mut found = Vec::new();
    let known: BTreeMap<&str, &Msg> = msgs.iter().map(|m| (m.id.as_str(), m)).collect();
    for c in catalogs {
        let name = c.path.display();
        if let Err(e) = plural_to_rust(&c.plural) {
            found.push(format!("{name}: Plural-Forms: {e}"));
        }
        for e in &c.entries {
            match known.get(e.id.as_str()) {
                None => found.push(format!("{name}: {:?} is no longer in the code", e.id)),
                Some(m) if m.plural != e.plural => {
                    found.push(format!("{name}: {:?}: its plural differs from the code's", e.id))
                }
                _ => {}
            }
        }
        for m in msgs {
            let Some(e) = c.entries.iter().find(|e| e.id == m.id) else {
                found.push(format!("{name}: no translation of {:?}", m.id));
                continue;
            };
            let forms = if m.plural.is_some() { c.nplurals } else { 1 };
            if e.fuzzy || e.strs.len() != forms || e.strs.iter().any(String::is_empty) {
                found.push(format!("{name}: {:?} is untranslated, fuzzy, or lacks plural forms", m.id));
                continue;
            }
            let mut allowed = placeholders(&m.id);
            allowed.extend(m.plural.as_deref().map(placeholders).unwrap_or_default());
            for s in &e.strs {
                let used = placeholders(s);
                let bad = if m.plural.is_some() { !used.is_subset(&allowed) } else { used != allowed };
                if bad {
                    found.push(format!("{name}: {:?}: the translation's {{placeholders}} differ: {s:?}", m.id));
                }
            }
        }
    }
    found
}
